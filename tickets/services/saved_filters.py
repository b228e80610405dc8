"""Saved queue views: a person's named sets of queue filters (tabs above the queue).

Staff only (access.can_use_saved_views), at most SAVED_FILTER_LIMIT each; a person sees,
changes and deletes only their own. Only known filters and the sort are kept
(filters.filter_query); saving under a name already used replaces its filters.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User

from .. import access, caching
from ..errors import InvalidInput
from ..filters import filter_query
from ..models import SavedFilter

SAVED_FILTER_LIMIT = 20


@transaction.atomic
def save_filter(*, actor: User, name: str, params) -> tuple[SavedFilter, bool]:
    """Save the queue's filters in params (a QueryDict: known filters and sort only, see
    filters.filter_query) under name for actor; a name they already use gets the new
    filters. Returns (saved filter, created)."""
    if not access.can_use_saved_views(actor):
        raise PermissionDenied
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(_("Give the view a name."))
    if len(name) > SavedFilter._meta.get_field("name").max_length:
        raise InvalidInput(_("The name is too long (60 characters at most)."))
    query = filter_query(params)
    if not query:
        raise InvalidInput(_("Choose some filters first: this view shows every ticket."))
    if len(query) > SavedFilter._meta.get_field("query").max_length:
        raise InvalidInput(_("These filters are too long to save."))
    # The owner's row lock keeps two saves from both passing the limit.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    caching.saved_filters_changed(actor)
    saved = SavedFilter.objects.filter(owner=actor, name=name).first()
    if saved is not None:
        saved.query = query
        saved.save(update_fields=["query"])
        return saved, False
    if SavedFilter.objects.filter(owner=actor).count() >= SAVED_FILTER_LIMIT:
        raise InvalidInput(
            _("You have %(limit)s saved views already: delete one first.")
            % {"limit": SAVED_FILTER_LIMIT}
        )
    return SavedFilter.objects.create(owner=actor, name=name, query=query), True


def delete_filter(*, actor: User, saved: SavedFilter) -> None:
    """The owner deletes one of their saved views."""
    if saved.owner_id != actor.pk:
        raise PermissionDenied
    saved.delete()
    caching.saved_filters_changed(actor)
