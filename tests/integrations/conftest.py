"""API helpers: a token per person, a JSON client that sends it."""

import json

import pytest
from django.test import Client

from integrations import services
from integrations.models import ApiToken
from tests.servers.fixtures import allow_local_servers, http_sink  # noqa: F401
from tests.tickets.conftest import make_ticket, ref, ticket_a, ticket_b  # noqa: F401

PERSONAS = [
    "admin",
    "agent",
    "sales",
    "dpo",
    "developer",
    "controller",
    "client_a",
    "client_admin_a",
    "client_b",
    "reseller",
]


class Api:
    """A client of the JSON API sending a bearer key."""

    def __init__(self, key: str):
        self.client = Client(HTTP_ACCEPT_LANGUAGE="en")
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def get(self, path, params=None, **extra):
        return self.client.get(path, params or {}, **self.headers, **extra)

    def post(self, path, data=None, **extra):
        body = json.dumps(data if data is not None else {})
        return self.client.post(
            path, body, content_type="application/json", **self.headers, **extra
        )


@pytest.fixture
def api():
    """api(user, scope="write") -> an Api client holding a new token of user's."""

    def _api(user, scope=ApiToken.Scope.WRITE):
        _token, key = services.create_token(actor=user, name="test", scope=scope)
        return Api(key)

    return _api
