"""Foundation test helpers: the local stand-in servers the outgoing guard is tried against."""

from tests.servers.fixtures import (  # noqa: F401
    allow_local_servers,
    connect_attempts,
    http_sink,
    redirecting_server,
    trap,
)
