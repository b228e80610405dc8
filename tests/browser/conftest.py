"""Playwright fixtures: Debian's Chromium, headless, against pytest-django's live server.

Screenshots go to var/screenshots/ (looked at by people, not asserted on).

Pages run under the site's Content-Security-Policy (no eval): page.wait_for_function() evaluates
its expression with eval and fails; wait with playwright's expect() on locators instead.
page.evaluate() is not affected (it runs through the DevTools protocol).
"""

import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import sync_playwright

from tests.conftest import verified_login

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
# itself (setup, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOT_DIR = Path(django_settings.BASE_DIR) / "var" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """Browser tests flush the database between tests: put the seeded reference data back."""
    from tests.tickets.conftest import ensure_reference_data

    ensure_reference_data()


# SQLite's shared in-memory test database (the live server's threads and the test use it side
# by side) refuses at once a write to a table another thread is reading ("database table is
# locked"): the busy timeout of a database file does not apply to these locks. Statements wait
# for them here, a few milliseconds at a time, as that timeout would have them.
TABLE_LOCK_WAIT_SECONDS = 10


# Session-wide, so that it is in place before each test's database and still in place after it:
# the flush that empties the tables after a test waits too for the reads of the page's last
# requests (a function fixture was undone before that flush, which then failed).
@pytest.fixture(autouse=True, scope="session")
def _statements_wait_for_table_locks():
    from django.db import connection
    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    if connection.vendor != "sqlite":
        yield
        return
    execute = SQLiteCursorWrapper.execute

    def waiting(self, query, params=None):
        deadline = time.monotonic() + TABLE_LOCK_WAIT_SECONDS
        while True:
            try:
                return execute(self, query, params)
            except sqlite3.OperationalError as error:
                if "is locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.005)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SQLiteCursorWrapper, "execute", waiting)
        yield


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(width=1280) -> a page in a fresh context (own cookies) on the live server."""
    contexts = []

    def _new_page(width=1280, height=900, locale="fr-FR"):
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def login_page(new_page, live_server):
    """login_page(user) -> a page already logged in as user (second factor passed). Pages
    follow the person's profile language: a test asking for an English browser (locale="en-US")
    gets a person who chose English."""

    def _login_page(user, **kwargs):
        language = kwargs.get("locale", "fr-FR").split("-")[0]
        if user.language != language:
            type(user).objects.filter(pk=user.pk).update(language=language)
            user.language = language
        page = new_page(**kwargs)
        client = verified_login(Client(), user)  # a session of its own per page
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )
        return page

    return _login_page


@pytest.fixture
def screenshot():
    """screenshot(page, "name") saves var/screenshots/name.png (full page);
    screenshot(page, "name", full_page=False) saves only what the window shows."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def _screenshot(page, name, *, full_page=True):
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return _screenshot


@pytest.fixture
def build(client_admin_a, agent, dpo, admin, developer, controller):
    """Change requests at any step, made by the usual personas (tests.cdc.conftest.Builder, as
    the change request tests' own build fixture)."""
    from tests.cdc.conftest import Builder

    return Builder(client_admin_a, agent, dpo, admin, developer, controller)
