"""Expose the local stand-in servers to intake tests."""

from tests.servers.fixtures import dovecot, http_sink, smtp_sink  # noqa: F401
