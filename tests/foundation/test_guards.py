"""Conventions enforced by code: login, loadable templates, migrations, lint, layering, every
URL tested, roles tested only in roles.py and access.py, no inline style or script."""

import ast
import configparser
import contextlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.template.loader import get_template
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

ROOT = Path(settings.BASE_DIR)
# Our apps: every top-level package with an apps.py (a new app is covered by being created).
APPS = sorted(path.parent.name for path in ROOT.glob("*/apps.py"))

# Pages anyone may open without logging in.
PUBLIC_PREFIXES = (
    "accounts/",  # allauth: login, sign-up, password reset, email confirmation (checked below)
    "healthz",
    "ping",
    "i18n/setlang/",
    "django-admin/",  # Django's own admin login
    "static/",
    "forms/",  # web forms shown by clients' websites (integrations.webforms)
    "chat/visit/",  # their visitors' live chat: a signed link is the key (chat.access)
    "api/",  # the JSON API authenticates programs by token (401 without); schema and docs
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


# --- layering: import-linter ----------------------------------------------------------------


def _importlinter_config() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    return config


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def test_every_app_is_in_the_import_contract():
    """A new app must be given its floor in .importlinter, or nothing checks its imports."""
    config = _importlinter_config()
    listed = set(_lines(config["importlinter"]["root_packages"]))
    floors = {
        name.strip().strip("()")
        for line in _lines(config["importlinter:contract:layers"]["layers"])
        for name in line.split("|")
    }
    assert set(APPS) - listed == set(), "apps missing from root_packages in .importlinter"
    assert set(APPS) - floors == set(), "apps without a floor in the layers contract"


def test_imports_follow_the_floors_and_no_app_imports_the_project(tmp_path):
    """lint-imports with the repository's .importlinter: apps stack in floors (imports only go
    down, function-level imports included) and no app imports the project package helpdesk.
    Packages the contract names ahead of their arrival are left out until they exist."""
    config = _importlinter_config()
    missing = {
        name
        for name in _lines(config["importlinter"]["root_packages"])
        if not (ROOT / name / "__init__.py").is_file()
    }
    for section in config.sections():
        for key in ("root_packages", "layers", "source_modules", "forbidden_modules"):
            if key not in config[section]:
                continue
            kept = []
            for line in _lines(config[section][key]):
                names = [n.strip() for n in line.split("|") if n.strip().strip("()") not in missing]
                if names:
                    kept.append(" | ".join(names))
            config[section][key] = "\n" + "\n".join(kept)
    with open(tmp_path / ".importlinter", "w") as out:
        config.write(out)
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint_imports), "--no-cache", "--no-logo"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --- every URL is requested by a test -------------------------------------------------------

# Named patterns no test needs to name, with the reason.
UNTESTED_URLS_ALLOWED: dict[str, str] = {}


def our_url_patterns():
    """(name, route) of every named URL pattern whose view is in one of our apps."""

    def walk(patterns, prefix="", namespace=None):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                yield from walk(entry.url_patterns, route, inner)
            elif entry.name and entry.callback.__module__.split(".")[0] in APPS:
                yield (f"{namespace}:{entry.name}" if namespace else entry.name), route

    return sorted(set(walk(get_resolver().url_patterns)))


def _strings_in_tests():
    """Every string literal of the test files; an f-string with its fields replaced by 1."""
    for path in (ROOT / "tests").rglob("*.py"):
        if path.name == "test_guards.py":  # this file names patterns without requesting them
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield node.value
            elif isinstance(node, ast.JoinedStr):
                yield "".join(
                    part.value if isinstance(part, ast.Constant) else "1" for part in node.values
                )


def requested_url_names() -> set[str]:
    """URL names a test names ("tickets:detail") or requests by a literal path."""
    found = set()
    for text in _strings_in_tests():
        if text.startswith("/"):
            with contextlib.suppress(Resolver404):
                found.add(resolve(text.split("?")[0].split("#")[0]).view_name)
        elif ":" in text or text.isidentifier():
            found.add(text)
    return found


def test_every_url_pattern_is_requested_by_a_test():
    """Every named URL of our apps appears in a test: reverse("app:name") or a literal path.
    (test_every_page_requires_login_unless_public requests them all anonymously: not counted.)"""
    requested = requested_url_names()
    untested = [
        f"{name} ({route})"
        for name, route in our_url_patterns()
        if name not in requested and name not in UNTESTED_URLS_ALLOWED
    ]
    assert untested == []


# --- roles are tested only in accounts/roles.py and the apps' access.py ---------------------

# What asks "does this person hold that role": accounts.roles.is_*() and these.
ROLE_TESTS = {
    "role_codes",
    "has_role",
    "sees_all_organizations",
    "sees_only_own_tickets",
    "support_level",
}
# Attributes that hold a person's roles; the accounts app, which edits them, may read them.
ROLE_ATTRIBUTES = {"roles", "user_roles", "is_superuser"}


def _is_role_test(name: str) -> bool:
    return name.startswith("is_") or name in ROLE_TESTS


def _python_files_of_our_apps():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            if path.name == "access.py" or relative == Path("accounts/roles.py"):
                continue
            yield relative, path


def role_tests_outside_access(files=None) -> list[str]:
    """file:line: what, for every role test found outside roles.py and access.py."""
    found = []
    for relative, path in files or _python_files_of_our_apps():
        tree = ast.parse(path.read_text(), str(path))
        imported = set()  # role tests imported by name: from accounts.roles import is_admin
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("roles"):
                imported |= {alias.asname or alias.name for alias in node.names}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                if (
                    isinstance(func, ast.Attribute)
                    and isinstance(func.value, ast.Name)
                    and func.value.id == "roles"
                    and _is_role_test(func.attr)
                ):
                    found.append(f"{relative}:{node.lineno}: roles.{func.attr}()")
                elif isinstance(func, ast.Name) and func.id in imported and _is_role_test(func.id):
                    found.append(f"{relative}:{node.lineno}: {func.id}()")
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Load)
                and node.attr in ROLE_ATTRIBUTES
                and not (isinstance(node.value, ast.Name) and node.value.id == "roles")
                and relative.parts[0] != "accounts"
            ):
                found.append(f"{relative}:{node.lineno}: .{node.attr}")
    return sorted(set(found), key=lambda line: (line.split(":")[0], int(line.split(":")[1]), line))


def test_roles_are_tested_only_in_roles_and_access_modules():
    """Views, services, forms, tasks and tags ask an access predicate (can_reply(user, ticket)),
    never a role (ARCHITECTURE.md: "Nowhere else is a role tested")."""
    assert role_tests_outside_access() == []


def test_the_role_scan_sees_the_ways_a_role_is_tested(tmp_path):
    (tmp_path / "views.py").write_text(
        "from accounts import roles\n"
        "from accounts.roles import is_agent as agent_check, is_admin\n"
        "def view(request, ticket):\n"
        "    if roles.is_admin(request.user) or is_admin(request.user):\n"
        "        return 1\n"
        "    if roles.has_role(request.user, 'dpo') or request.user.is_superuser:\n"
        "        return 2\n"
        "    return request.user.roles.filter(code='agent').exists()\n"
        "def fine(request):\n"
        "    return roles.visible_organizations(request.user)\n"
    )
    found = role_tests_outside_access([(Path("tickets/views.py"), tmp_path / "views.py")])
    assert found == [
        "tickets/views.py:4: is_admin()",
        "tickets/views.py:4: roles.is_admin()",
        "tickets/views.py:6: .is_superuser",
        "tickets/views.py:6: roles.has_role()",
        "tickets/views.py:8: .roles",
    ]


# --- templates: no inline style or script ---------------------------------------------------

# Email clients ignore <style> blocks and linked CSS (Gmail, Outlook): an email's HTML is
# styled inline, so templates/emails/ may use style=. No script anywhere, emails included.
STYLE_ALLOWED_UNDER = ("emails/",)
INLINE_STYLE = re.compile(r"""\sstyle\s*=\s*["']""", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']|javascript:""", re.IGNORECASE)


def inline_markup_offenders(base: Path) -> list[str]:
    offenders = []
    for path in sorted(base.rglob("*")):
        if path.suffix not in {".html", ".txt"}:
            continue
        relative = path.relative_to(base).as_posix()
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if INLINE_STYLE.search(line) and not relative.startswith(STYLE_ALLOWED_UNDER):
                offenders.append(f"{relative}:{number}: style=")
            if INLINE_SCRIPT.search(line):
                offenders.append(f"{relative}:{number}: inline <script>")
            if INLINE_HANDLER.search(line):
                offenders.append(f"{relative}:{number}: inline event handler")
    return offenders


def test_templates_have_no_inline_style_or_script():
    """CSP forbids inline script and style (STYLE.md): pages use static/css and static/js."""
    assert inline_markup_offenders(ROOT / "templates") == []


def test_the_template_scan_sees_inline_style_and_script(tmp_path):
    (tmp_path / "emails").mkdir()
    (tmp_path / "emails" / "body.html").write_text('<td style="color: #333">Hi</td>')
    (tmp_path / "page.html").write_text(
        '<pre style="white-space: pre-wrap">x</pre>\n'
        '<script src="/static/js/queue.js" defer></script>\n'
        "<script>alert(1)</script>\n"
        '<button onclick="go()">Go</button>\n'
    )
    assert inline_markup_offenders(tmp_path) == [
        "page.html:1: style=",
        "page.html:3: inline <script>",
        "page.html:4: inline event handler",
    ]
