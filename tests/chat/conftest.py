"""Chat test helpers: business hours that are always open, available agents, chats made
through services, and WebSocket connections of a logged-in browser session."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.test import Client

from chat import services
from tests.conftest import verified_login
from tests.tickets.conftest import ensure_reference_data, make_ticket, ref  # noqa: F401
from tickets import caching as tickets_caching
from tickets.models import BusinessCalendar


@pytest.fixture
def always_open(db):
    """The business calendar covers every hour of every day (tests run at any time)."""
    ensure_reference_data()
    BusinessCalendar.objects.all().delete()
    BusinessCalendar.objects.create(
        working_days="1,2,3,4,5,6,7", day_start=dt.time(0, 0), day_end=dt.time(23, 59, 59)
    )
    tickets_caching.reference_changed()


@pytest.fixture
def on_duty(always_open, agent):
    """The level-1 agent is available for chat."""
    services.set_availability(actor=agent, available=True)
    return agent


@pytest.fixture
def make_chat(on_duty):
    def _make(client_user, body="Bonjour, mon imprimante refuse de démarrer.", **kwargs):
        kwargs.setdefault("subject", "Imprimante en panne")
        return services.start_chat(actor=client_user, body=body, **kwargs)

    return _make


@pytest.fixture(autouse=True)
def _empty_channel_layer():
    """Every test starts with an empty channel layer (Redis when REDIS_URL is set)."""
    layer = get_channel_layer()
    if hasattr(layer, "flush"):
        run_async(layer.flush)
    yield


def run_async(fn, *args):
    """Run the coroutine function fn(*args) to completion and return its result, in a thread of
    its own: the thread of the test may already hold an event loop (Playwright's sync API,
    started by a browser test earlier in the same session)."""

    def in_thread():
        try:
            return async_to_sync(fn)(*args)
        finally:
            connections.close_all()  # this thread's own database connection

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_thread).result()


def session_cookie(user, *, verified: bool = True) -> bytes:
    """The Cookie header of a browser session logged in as user (second factor passed)."""
    client = Client()
    if verified:
        verified_login(client, user)
    else:
        client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return f"{cookie.key}={cookie.value}".encode()


def communicator(path: str, user=None, *, verified: bool = True, origin=b"http://testserver"):
    from helpdesk.asgi import application

    headers = [(b"origin", origin)] if origin else []
    if user is not None:
        headers.append((b"cookie", session_cookie(user, verified=verified)))
    return WebsocketCommunicator(application, path, headers=headers)
