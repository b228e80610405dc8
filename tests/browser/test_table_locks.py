"""The live server's threads and the test share the database: a test writing to a table that a
page's request is still reading waits for that read instead of failing (on SQLite's shared
in-memory database, through conftest's _statements_wait_for_table_locks)."""

import threading
from contextlib import contextmanager

from django.core.management import call_command
from django.db import connections

from accounts.models import User
from tests.factories import make_user


@contextmanager
def a_page_reading_the_users():
    """A request of the live server, in its own thread with its own connection, reading the
    users table a row at a time for 0.3 s."""
    reading, done = threading.Event(), threading.Event()

    def page_request():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT id FROM accounts_user ORDER BY id")
                cursor.fetchone()
                reading.set()
                done.wait(0.3)
        finally:
            connections.close_all()

    thread = threading.Thread(target=page_request)
    thread.start()
    assert reading.wait(10)
    try:
        yield
    finally:
        thread.join()


def test_a_write_waits_for_a_read_in_progress_in_another_thread():
    make_user(email="un@exemple.test")
    make_user(email="deux@exemple.test")
    with a_page_reading_the_users():
        User.objects.filter(email="un@exemple.test").update(first_name="Une")
    assert User.objects.get(email="un@exemple.test").first_name == "Une"


def test_emptying_the_tables_after_a_test_waits_for_the_last_page_read():
    # What pytest-django does between two browser tests, while the page's last fragments load.
    make_user(email="un@exemple.test")
    make_user(email="deux@exemple.test")
    with a_page_reading_the_users():
        call_command("flush", verbosity=0, interactive=False)
    assert not User.objects.exists()
