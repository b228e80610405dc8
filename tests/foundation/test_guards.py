"""Conventions enforced by code: login, loadable templates, migrations, lint, layering."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.template.loader import get_template
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(settings.BASE_DIR)
APPS = ["accounts", "tickets", "cdc", "reports", "wiki", "helpdesk"]

# Pages anyone may open without logging in.
PUBLIC_PREFIXES = (
    "accounts/",  # allauth: login, sign-up, password reset, email confirmation (checked below)
    "healthz",
    "ping",
    "i18n/setlang/",
    "django-admin/",  # Django's own admin login
    "static/",
)
ALLAUTH_PRIVATE = ("accounts/logout/", "accounts/password/change/", "accounts/email/")


def walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def concrete(route: str) -> str:
    """A request path for a route: parameters replaced by plausible values."""
    path = re.sub(r"<(?:int:)?\w*(?:pk|id|number)\w*>", "1", route)
    path = re.sub(r"<int:\w+>", "1", path)
    path = re.sub(r"<(?:str:|slug:)?\w+>", "x", path)
    path = re.sub(r"<path:\w+>", "x", path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "")
    return "/" + path


@pytest.mark.django_db
def test_every_page_requires_login_unless_public(client):
    checked = 0
    for route in walk(get_resolver().url_patterns):
        if "(?P" in route or (
            route.startswith(PUBLIC_PREFIXES) and not route.startswith(ALLAUTH_PRIVATE)
        ):
            continue
        path = concrete(route)
        response = client.get(path)
        checked += 1
        assert response.status_code in (302, 404, 405), f"{path} answered {response.status_code}"
        if response.status_code == 302:
            assert (
                response["Location"].startswith(settings.LOGIN_URL)
                or "/accounts/login/" in (response["Location"])
            ), f"{path} redirects elsewhere: {response['Location']}"
    assert checked >= 1


def template_names():
    dirs = [ROOT / "templates"] + [ROOT / app / "templates" for app in APPS]
    for base in dirs:
        if base.is_dir():
            for path in base.rglob("*"):
                if path.suffix in {".html", ".txt", ".ics", ".xml"}:
                    yield str(path.relative_to(base))


@pytest.mark.parametrize("name", sorted(set(template_names())))
def test_template_loads(name):
    if name.startswith("jinja2/"):  # templates/jinja2/: the jinja2 engine's (the forms)
        engines["jinja2"].get_template(name.removeprefix("jinja2/"))
    else:
        get_template(name)


@pytest.mark.django_db
def test_models_and_migrations_agree():
    done = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "1", "HELPDESK_TESTING": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_migrations_are_named():
    auto = [p.name for app in APPS for p in (ROOT / app / "migrations").glob("*_auto_*.py")]
    assert auto == []


def test_ruff_is_clean():
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run(
        [str(ruff), "check", "--quiet", "."], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_views_never_query_tickets_or_change_requests_directly():
    """Views, selectors, forms and template tags go through access.py (STYLE.md)."""
    offenders = []
    pattern = re.compile(r"\b(Ticket|ChangeRequest|WikiPage)\.objects\b")
    for app in APPS:
        for name in ("views.py", "selectors.py", "forms.py"):
            for path in [ROOT / app / name, *(ROOT / app).glob(f"*/{name}")]:
                if path.is_file() and pattern.search(path.read_text()):
                    offenders.append(str(path.relative_to(ROOT)))
        for path in (ROOT / app / "templatetags").glob("*.py"):
            if pattern.search(path.read_text()):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
