"""Shared fixtures: personas (one per role) and a login that passes the second factor.

The suite runs in parallel (pytest-xdist, `make test` uses `-n auto`). What each worker keeps
to itself: its test database (pytest-django adds the worker id to the name: test_helpdesk_gw0),
its cache (the test settings use a per-process LocMemCache), its uploaded files (MEDIA_ROOT in
each test's tmp_path, itself under the worker's own base temp folder), its Celery queue on the
shared Redis broker (below), and the ports of its stand-in servers (tests/servers/fixtures.py).
"""

import os

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_email.models import EmailDevice

from accounts.models import Organization, Role
from tests.factories import OrganizationFactory, make_user

Code = Role.Code


def pytest_configure(config):
    """Each xdist worker sends and consumes Celery jobs on a queue of its own, so that a real
    worker started by one test (tests/foundation/test_celery_worker.py) never runs another
    worker's jobs on the shared Redis broker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        from helpdesk.celery import app

        app.conf.task_default_queue = f"tests-{worker}"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test go to its own folder. Mail that the test mail server
    (TRUSTED_MX) authenticated vouches for its sender (intake/trust.py); the intake tests
    write that Authentication-Results header, or leave it out to test forged senders."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INTAKE_TRUSTED_AUTHSERV_IDS = [TRUSTED_MX]


TRUSTED_MX = "mx.helpdesk.test"


def authentication_results(sender: str, *, result: str = "pass", server: str = TRUSTED_MX) -> str:
    """The header the receiving server writes after a DMARC check of sender's domain."""
    domain = sender.rpartition("@")[2].strip(">").lower()
    return f"Authentication-Results: {server}; dmarc={result} header.from={domain}\r\n"


@pytest.fixture
def reseller_org(db):
    return OrganizationFactory(name="Revendeur SAS", kind=Organization.Kind.RESELLER)


@pytest.fixture
def org_a(reseller_org):
    """Client organization A, under the reseller."""
    return OrganizationFactory(name="Alpha Industries", parent=reseller_org)


@pytest.fixture
def org_b(db):
    """Client organization B: nobody of A may learn anything about it."""
    return OrganizationFactory(name="Beta Corp")


@pytest.fixture
def admin(db):
    return make_user(Code.ADMIN, email="admin@staff.test", first_name="Ada", last_name="Admin")


@pytest.fixture
def agent(db):
    return make_user(
        Code.AGENT, level=1, email="agent@staff.test", first_name="Alan", last_name="Agent"
    )


@pytest.fixture
def agent_l2(db):
    return make_user(
        Code.AGENT, level=2, email="agent2@staff.test", first_name="Lea", last_name="Level"
    )


@pytest.fixture
def sales(org_a):
    user = make_user(Code.SALES, email="sales@staff.test", first_name="Sam", last_name="Sales")
    org_a.sales_reps.add(user)
    return user


@pytest.fixture
def dpo(db):
    return make_user(Code.DPO, email="dpo@staff.test", first_name="Dora", last_name="Dpo")


@pytest.fixture
def developer(db):
    return make_user(Code.DEVELOPER, email="dev@staff.test", first_name="Dev", last_name="Eloper")


@pytest.fixture
def controller(db):
    return make_user(Code.CONTROLLER, email="qa@staff.test", first_name="Quinn", last_name="Tester")


@pytest.fixture
def client_a(org_a):
    return make_user(
        Code.CLIENT_USER,
        organization=org_a,
        email="client@alpha.test",
        first_name="Chloé",
        last_name="Alpha",
    )


@pytest.fixture
def client_a2(org_a):
    """A colleague of client_a in the same organization."""
    return make_user(
        Code.CLIENT_USER,
        organization=org_a,
        email="colleague@alpha.test",
        first_name="Colin",
        last_name="Alpha",
    )


@pytest.fixture
def client_admin_a(org_a):
    return make_user(
        Code.CLIENT_USER,
        Code.CLIENT_ADMIN,
        organization=org_a,
        email="boss@alpha.test",
        first_name="Bea",
        last_name="Boss",
        job_title="DSI",
    )


@pytest.fixture
def client_b(org_b):
    return make_user(
        Code.CLIENT_USER,
        organization=org_b,
        email="client@beta.test",
        first_name="Bob",
        last_name="Beta",
    )


@pytest.fixture
def reseller(reseller_org):
    return make_user(
        Code.RESELLER,
        organization=reseller_org,
        email="reseller@partner.test",
        first_name="Rita",
        last_name="Resell",
    )


def verified_login(client, user):
    """Log user in as if they had entered their emailed code (the second factor)."""
    client.force_login(user)
    device, _ = EmailDevice.objects.get_or_create(
        user=user, name="email", defaults={"email": user.email, "confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def login(client):
    """login(user) -> the test client, logged in with the second factor passed."""

    def _login(user):
        return verified_login(client, user)

    return _login


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and cached fragments never leak from one test to the next."""
    from django.core.cache import cache

    from tickets import caching

    cache.clear()
    caching.forget_version_reads()
    yield
    cache.clear()
    caching.forget_version_reads()


@pytest.fixture(autouse=True)
def _counters_not_cached(settings):
    """Query-count tests compare computed pages; the counters cache has its own test."""
    settings.HELPDESK_COUNTERS_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _mail_through_the_outbox(settings):
    """Email goes through the outbox as in production (stored, then delivered by the Celery
    task, eager in tests) and arrives in Django's test mailbox, mail.outbox."""
    settings.EMAIL_BACKEND = "notifications.backend.OutboxBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """The outgoing guard's resolver (core.net.resolve) without the outside world: IP literals
    and localhost resolve as usual, a name a test puts here (dns["hooks.chat.test"] =
    ["93.184.216.34"]) resolves to those addresses, any other name does not resolve (as on a
    machine without DNS)."""
    import socket

    from core import net

    names: dict[str, list[str]] = {}
    real = net.resolve

    def resolve(host, port):
        if host in names:
            return [
                (socket.AF_INET6 if ":" in ip else socket.AF_INET, (ip, port)) for ip in names[host]
            ]
        if host == "localhost":
            return real(host, port)
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        except OSError:
            raise socket.gaierror(socket.EAI_NONAME, "no DNS in tests") from None
        return real(host, port)

    monkeypatch.setattr(net, "resolve", resolve)
    return names
