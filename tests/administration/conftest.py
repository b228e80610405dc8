"""Page test helpers: the notification fixtures (commit, local SMTP and HTTP servers, tickets)."""

from tests.notifications.conftest import (  # noqa: F401
    allow_local_servers,
    commit,
    connect_attempts,
    ensure_reference_data,
    http_sink,
    make_ticket,
    redirecting_server,
    ref,
    smtp_sink,
    trap,
)
