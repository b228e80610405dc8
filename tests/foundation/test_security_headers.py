"""The Content-Security-Policy on every page, the sandboxing policy of inline downloads, the
violation report endpoint and the flags of our cookies."""

import json
import logging
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse

from tests.foundation.test_guards import walk
from tests.tickets.conftest import ensure_reference_data, png_file
from tickets import services as ticket_services

SANDBOX = "default-src 'none'; img-src 'self'; sandbox"
REPORT_URL = "/csp-report/"  # the policy's report-uri
INLINE_STYLE = re.compile(r"""<[a-z][^>]*\sstyle\s*=""", re.IGNORECASE)
# A <script> without src that is not a data block (type="application/json" is never run).
EXECUTABLE_INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc\s*=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.IGNORECASE
)


def directives(header: str) -> dict[str, list[str]]:
    """{"script-src": ["'self'"], ...} of a Content-Security-Policy header."""
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def paths_of_every_route(ids: dict[str, int]):
    """A request path per URL pattern (tests/foundation/test_guards.py walks them): the id of
    a route starting with a prefix of `ids` is that real object's, other parameters are 1 or
    "x"."""
    for route in walk(get_resolver().url_patterns):
        if "(?P" in route or route.startswith("static/"):
            continue
        path = route
        for prefix, value in ids.items():
            if route.startswith(prefix):
                path = re.sub(r"<int:(?:number|pk)>", str(value), path, count=1)
        path = re.sub(r"<(?:int:)?\w*(?:pk|id|number)\w*>", "1", path)
        path = re.sub(r"<int:\w+>", "1", path)
        path = re.sub(r"<(?:str:|slug:|path:)?\w+>", "x", path)
        yield "/" + path


@pytest.fixture
def ids(client_admin_a, client_a, django_capture_on_commit_callbacks):
    """A ticket (and the email confirming it) and a change request exist, so that their pages
    answer with their content."""
    from cdc import services as cdc_services
    from notifications.models import OutgoingEmail

    ensure_reference_data()
    with django_capture_on_commit_callbacks(execute=True):  # the confirmation email goes out
        ticket = ticket_services.create_ticket(actor=client_a, title="Imprimante", description="…")
    cr = cdc_services.create_change_request(
        actor=client_admin_a,
        organization=client_admin_a.organization,
        requester=client_admin_a,
        kind="new",
        title="Export CSV",
        description="…",
    )
    email = OutgoingEmail.objects.filter(ticket_number=ticket.number).latest("pk")
    return {"tickets/": ticket.number, "cdc/": cr.number, "mail/outbox/": email.pk}


def assert_sandboxed(path, policy):
    """A document shown in a frame of ours (the HTML part of an email) has a policy of its own:
    sandboxed (its own opaque origin, no script, no form), nothing fetched but data: images;
    inline style only, which emails need."""
    assert "sandbox" in policy, path
    assert policy["default-src"] == ["'none'"], path
    assert "script-src" not in policy, path
    assert [name for name, values in policy.items() if "'unsafe-inline'" in values] == [
        "style-src"
    ], path
    values = [value for directive in policy.values() for value in directive]
    assert "'unsafe-eval'" not in values and "'unsafe-hashes'" not in values, path
    assert policy["frame-ancestors"] == ["'self'"], path


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin", "anonymous"])
def test_every_html_response_carries_the_strict_policy(who, request, client, login, ids):
    if who != "anonymous":
        client = login(request.getfixturevalue(who))
    html_pages = full_pages = framed = 0
    for path in paths_of_every_route(ids):
        response = client.get(path)
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        html_pages += 1
        header = response.get("Content-Security-Policy")
        assert header, f"{path} ({response.status_code}) has no Content-Security-Policy"
        policy = directives(header)
        framed_email = reverse("administration:outbox-html", args=[ids["mail/outbox/"]])
        if path == framed_email and response.status_code == 200:
            assert_sandboxed(path, policy)
            framed += 1
            continue
        full_pages += response.status_code == 200 and b"<html" in response.content
        # What the policy would block is not there to begin with (allauth's and Django's admin
        # templates included, which the template guard does not read).
        body = response.content.decode()
        assert not INLINE_STYLE.search(body), f"{path}: style= {INLINE_STYLE.search(body)}"
        assert not EXECUTABLE_INLINE_SCRIPT.search(body), f"{path}: inline <script>"
        assert "unsafe-" not in header, f"{path}: {header}"
        assert policy["frame-ancestors"] == ["'none'"], path
        assert policy["script-src"] == ["'self'"], path
        assert policy["style-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"], path
        assert policy["report-uri"] == [REPORT_URL], path
    # The walk reached real pages, not only redirects and 404s.
    assert html_pages >= 20
    assert full_pages >= (30 if who == "admin" else 5)
    assert framed == (1 if who == "admin" else 0)


@pytest.mark.django_db
def test_inline_ticket_attachments_keep_their_sandbox_policy(login, client_a):
    ensure_reference_data()
    ticket = ticket_services.create_ticket(
        actor=client_a, title="Capture", description="…", attachments=[png_file()]
    )
    attachment = ticket.attachments.get()
    client = login(client_a)
    for url in (
        reverse("tickets:attachment", args=[ticket.number, attachment.pk]),
        reverse("tickets:attachment-thumbnail", args=[ticket.number, attachment.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("inline")
        # The site-wide policy does not replace it: an opened file runs nothing, loads nothing.
        assert response["Content-Security-Policy"] == SANDBOX


@pytest.mark.django_db
def test_inline_change_request_files_keep_their_sandbox_policy(login, client_admin_a):
    from cdc import services as cdc_services

    cr = cdc_services.create_change_request(
        actor=client_admin_a,
        organization=client_admin_a.organization,
        requester=client_admin_a,
        kind="new",
        title="Export CSV",
        description="…",
    )
    client = login(client_admin_a)
    for upload in (SimpleUploadedFile("spec.pdf", b"%PDF-1.4\n"), png_file("maquette.png")):
        response = client.post(reverse("cdc:upload", args=[cr.number, "client"]), {"file": upload})
        assert response.status_code == 302
    for attachment in cr.attachments.all():
        response = client.get(reverse("cdc:download", args=[cr.number, attachment.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("inline"), attachment.filename
        assert response["Content-Security-Policy"] == SANDBOX


# --- violation reports ----------------------------------------------------------------------

REPORT = {
    "csp-report": {
        "document-uri": "https://helpdesk.example.com/tickets/12/",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "inline",
        "original-policy": "default-src 'self'",
    }
}


def logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "helpdesk.csp_reports"]


@pytest.mark.django_db
def test_a_violation_report_is_logged_and_answered_204(client, caplog):
    with caplog.at_level(logging.WARNING, logger="helpdesk.csp_reports"):
        response = client.post(
            REPORT_URL, json.dumps(REPORT), content_type="application/csp-report"
        )
    assert response.status_code == 204
    assert logged(caplog) == [
        "CSP violation: script-src-elem blocked inline on https://helpdesk.example.com/tickets/12/"
    ]


@pytest.mark.django_db
def test_reporting_api_batches_are_logged_one_line_each(client, caplog):
    batch = [
        {
            "type": "csp-violation",
            "url": "https://helpdesk.example.com/",
            "body": {
                "documentURL": "https://helpdesk.example.com/",
                "effectiveDirective": "img-src",
                "blockedURL": "https://tracker.example.net/" + "p" * 500 + "\nFAKE LOG LINE",
            },
        },
        {"type": "deprecation", "body": {"id": "x"}},  # not ours to log
    ]
    with caplog.at_level(logging.WARNING, logger="helpdesk.csp_reports"):
        response = client.post(
            REPORT_URL, json.dumps(batch), content_type="application/reports+json"
        )
    assert response.status_code == 204
    [line] = logged(caplog)
    assert line.startswith("CSP violation: img-src blocked https://tracker.example.net/ppp")
    assert "\n" not in line and "FAKE" not in line  # cut short, one line
    assert len(line) < 500


@pytest.mark.django_db
def test_a_huge_report_is_refused_unread(client, caplog, settings):
    huge = json.dumps({"csp-report": {**REPORT["csp-report"], "script-sample": "x" * 70_000}})
    with caplog.at_level(logging.WARNING, logger="helpdesk.csp_reports"):
        response = client.post(REPORT_URL, huge, content_type="application/csp-report")
    assert response.status_code == 413
    assert logged(caplog) == []


@pytest.mark.django_db
def test_the_report_endpoint_takes_only_posted_reports(client, caplog):
    assert client.get(REPORT_URL).status_code == 405
    with caplog.at_level(logging.WARNING, logger="helpdesk.csp_reports"):
        not_json = client.post(REPORT_URL, "{{", content_type="application/csp-report")
        form = client.post(REPORT_URL, {"csp-report": "x"})
    assert not_json.status_code == 400
    assert form.status_code == 415
    assert logged(caplog) == []


@pytest.mark.django_db
def test_reports_are_taken_from_a_session_still_waiting_for_its_code(client, client_a):
    """The browser posts reports with the person's cookies, the code not yet entered: the
    report is taken, not redirected to the code page."""
    client.force_login(client_a)  # password given, code not yet
    response = client.post(REPORT_URL, json.dumps(REPORT), content_type="application/csp-report")
    assert response.status_code == 204


# --- cookies --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_csrf_and_language_cookies_are_httponly_and_lax(client, login, client_a):
    page = client.get(reverse("account_login"))
    csrf = page.cookies["csrftoken"]
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"

    switched = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    language = switched.cookies["django_language"]
    assert language.value == "en"
    assert language["samesite"] == "Lax"
    assert language["httponly"] is True

    client = login(client_a)
    saved = client.post(
        reverse("accounts:profile"),
        {"first_name": "Chloé", "last_name": "Alpha", "language": "fr"},
    )
    assert saved.status_code == 302
    language = saved.cookies["django_language"]
    assert language.value == "fr"
    assert language["samesite"] == "Lax" and language["httponly"] is True


def test_in_production_the_language_cookie_is_secure_like_the_session_cookie(tmp_path):
    """With the production environment of the README (tests/foundation/test_deployment_files.py),
    the session, CSRF and language cookies are all sent over HTTPS only."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DJANGO_SECRET_KEY": "a-long-random-production-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "helpdesk.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "HELPDESK_TESTING": "0",
    }
    code = (
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE)"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.split() == ["True", "True", "True", "Lax"], done.stderr
