"""Page test helpers: the notification fixtures (commit, local SMTP and HTTP servers, tickets)."""

from tests.notifications.conftest import (  # noqa: F401
    commit,
    ensure_reference_data,
    http_sink,
    make_ticket,
    ref,
    smtp_sink,
)
