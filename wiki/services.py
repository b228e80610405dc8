"""Writing the knowledge base: one function per verb, the acting person first.

Every save of a page writes a Revision (its text rendered once, wiki.markup) in the same
transaction and bumps the page's version; an edit made on an older version than the page's is
refused (EditConflict) instead of overwriting the other person's text. Restoring an old
revision is a new revision. Counters (views, "this solved my problem") are updated with F()
so that readers at the same time are all counted; a person counts once per page as helped.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from core.files import store_file, validate_upload
from core.locking import check_version, lock

from . import access, markup
from .errors import EditConflict, WikiError
from .models import Attachment, HelpfulMark, Page, Revision, Space, Tag

MAX_TAGS = 10


def space_for(*, kind: str, organization: Organization | None = None) -> Space:
    """The space of that kind (of organization): made the first time a page goes there."""
    if kind == Space.Kind.ORGANIZATION:
        space, _created = Space.objects.get_or_create(
            organization=organization, defaults={"kind": kind, "name": organization.name}
        )
        return space
    names = {Space.Kind.SHARED: _("For every client"), Space.Kind.INTERNAL: _("Support team")}
    space, _created = Space.objects.get_or_create(kind=kind, defaults={"name": names[kind]})
    return space


def parse_tags(text: str) -> list[str]:
    """Comma-separated tag names: trimmed, lower case, no duplicates, at most MAX_TAGS."""
    names: list[str] = []
    for raw in (text or "").split(","):
        name = " ".join(raw.split()).lower()[:50]
        if name and name not in names:
            names.append(name)
    return names[:MAX_TAGS]


def _set_tags(page: Page, names: list[str]) -> None:
    tags = []
    for name in names:
        tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    page.tags.set(tags)
    page.tags_text = ",".join(names)[:255]


def _write_revision(page: Page, *, actor: User, note: str, restored_from=None) -> Revision:
    html, toc = markup.render(page.body)
    page.body_html, page.toc = html, toc
    number = (page.revisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return Revision.objects.create(
        page=page,
        number=number,
        title=page.title,
        body=page.body,
        body_html=html,
        toc=toc,
        note=note,
        restored_from=restored_from,
        author=actor,
    )


@transaction.atomic
def create_page(
    *,
    actor: User,
    space: Space,
    title: str,
    body: str,
    visibility: str,
    tags: list[str] = (),
    note: str = "",
    source_ticket_number: int | None = None,
) -> Page:
    """A writer (wiki.access.can_write_in) adds a page to space; writes revision 1."""
    if not access.can_write_in(actor, kind=space.kind, organization=space.organization):
        raise PermissionDenied
    if visibility not in access.allowed_visibilities(space.kind):
        raise WikiError(_("This visibility is not possible in this space."))
    now = timezone.now()
    page = Page.objects.create(
        space=space,
        organization_id=space.organization_id,
        title=title,
        body=body,
        visibility=visibility,
        source_ticket_number=source_ticket_number,
        created_by=actor,
        updated_by=actor,
        created_at=now,
        updated_at=now,
    )
    _set_tags(page, list(tags))
    _write_revision(page, actor=actor, note=note)
    page.save(update_fields=["body_html", "toc", "tags_text"])
    return page


@transaction.atomic
def edit_page(
    *,
    actor: User,
    page: Page,
    title: str,
    body: str,
    visibility: str,
    tags: list[str],
    seen_version: int | None,
    note: str = "",
) -> Revision:
    """A writer saves a new text of page, seen at seen_version (refused with EditConflict
    when someone saved meanwhile); writes a revision."""
    page = lock(page)
    if not access.can_edit_page(actor, page):
        raise PermissionDenied
    check_version(
        page,
        seen_version,
        EditConflict,
        _("Someone saved this page while you were editing it. Your text is kept below."),
    )
    if visibility not in access.allowed_visibilities(page.space.kind):
        raise WikiError(_("This visibility is not possible in this space."))
    page.title, page.body, page.visibility = title, body, visibility
    _set_tags(page, tags)
    revision = _write_revision(page, actor=actor, note=note)
    page.version += 1
    page.updated_by, page.updated_at = actor, timezone.now()
    page.save(
        update_fields=[
            "title", "body", "body_html", "toc", "visibility", "tags_text",
            "version", "updated_by", "updated_at",
        ]
    )  # fmt: skip
    return revision


@transaction.atomic
def restore_revision(
    *, actor: User, page: Page, revision: Revision, seen_version: int | None
) -> Revision:
    """A writer brings back an older text: a new revision with it (history is never lost)."""
    page = lock(page)
    if not access.can_edit_page(actor, page):
        raise PermissionDenied
    check_version(
        page, seen_version, EditConflict, _("Someone saved this page meanwhile: look again.")
    )
    page.title, page.body = revision.title, revision.body
    new = _write_revision(
        page,
        actor=actor,
        note=_("Restored revision %(number)s") % {"number": revision.number},
        restored_from=revision.number,
    )
    page.version += 1
    page.updated_by, page.updated_at = actor, timezone.now()
    page.save(
        update_fields=["title", "body", "body_html", "toc", "version", "updated_by", "updated_at"]
    )
    return new


def add_attachment(*, actor: User, page: Page, upload) -> Attachment:
    """A writer adds a file to page (checked as tickets' files are: core.files)."""
    if not access.can_edit_page(actor, page):
        raise PermissionDenied
    info = validate_upload(upload)
    attachment = Attachment(
        page=page,
        filename=info.filename,
        content_type=info.content_type,
        size=info.size,
        is_image=info.is_image,
        uploaded_by=actor,
    )
    store_file(attachment, upload, info, thumbnail=True)
    return attachment


def record_view(*, actor: User, page: Page) -> None:
    """One more reading of page (the page posts it once it is shown)."""
    Page.objects.filter(pk=page.pk).update(view_count=F("view_count") + 1)


def mark_helpful(*, actor: User, page: Page, from_suggestion: bool = False) -> bool:
    """actor says page solved their problem; counted once per person (False: already was)."""
    if not access.can_mark_helpful(actor, page):
        raise PermissionDenied
    try:
        with transaction.atomic():
            HelpfulMark.objects.create(page=page, user=actor, from_suggestion=from_suggestion)
            Page.objects.filter(pk=page.pk).update(helpful_count=F("helpful_count") + 1)
    except IntegrityError:
        return False
    return True
