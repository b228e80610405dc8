"""Sessions in the database (Django's), read by a statement compiled once per process
(core.prepared.Prepared): every page reads its session, and the ORM compiling that query again
each time cost more than running it."""

from __future__ import annotations

import functools

from django.contrib.sessions.backends import db
from django.utils import timezone

from .prepared import Prepared


@functools.cache
def _read_statement(model) -> Prepared:
    """The unexpired session of a key, as db.SessionStore reads it."""
    return Prepared(
        lambda key, now: model.objects.filter(session_key=key, expire_date__gt=now),
        texts=("key",),
        moments=("now",),
    )


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        found = _read_statement(self.model).models(key=key, now=timezone.now()) if key else []
        if found:
            return found[0]
        self._session_key = None
        return None
