"""The one permission-error convention, for views of every app.

- Hidden: an object the person may not see, or a page their role does not have, does not exist
  for them: Http404 (each app's access.get_visible_*_or_404, or require(..., hidden=True)).
- Visible but not allowed: they see it, they may not do this: PermissionDenied (403).
- Refused by a workflow rule (wrong step, stale version...): the app's own domain error,
  shown to the person as a message. Services raise PermissionDenied or domain errors, never 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404


def require(allowed: bool, *, hidden: bool = False) -> None:
    """Stop the request unless allowed: 404 when what was asked for is hidden from the person,
    403 (PermissionDenied) otherwise."""
    if not allowed:
        raise Http404 if hidden else PermissionDenied
