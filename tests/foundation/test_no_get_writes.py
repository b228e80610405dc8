"""Opening a page changes nothing: every URL pattern, requested by GET as each kind of person
(and as a person who has not entered their login code yet), leaves every table as it was.

Changes are POSTs (a link, a prefetch or a crawler must not send a code, create a device or
mark anything). The URLs are those test_guards.py walks, with the parameters naming sample
objects of a small world (a ticket with a file, a change request with a task, an email in the
outbox, a mailbox...); a parameter this table does not know gets test_guards.concrete()'s value.
Ignored: django_session (a visit may touch its own session) and accounts_user.last_login (set
by logging in, before the pages are opened).
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import get_resolver

from accounts import twofactor
from cdc import services as cdc_services
from intake.models import Mailbox
from notifications import mail
from notifications.models import ChatWebhook, OutgoingEmail
from tests.cdc.conftest import Builder
from tests.conftest import verified_login
from tests.factories import make_user
from tests.foundation.test_guards import concrete, walk
from tests.tickets.conftest import ensure_reference_data, png_file
from tickets import services as ticket_services
from tickets.models import Attachment, SavedFilter, TicketType
from wiki import services as wiki_services

IGNORED_TABLES = {"django_session"}
IGNORED_COLUMNS = {("accounts_user", "last_login")}

# Who opens the pages: the personas of tests/conftest.py (one per role of the demo set), a
# superuser, and a client whose session has not passed the second factor.
VISITORS = [
    "anonymous",
    "client_a",
    "client_admin_a",
    "reseller",
    "agent",
    "admin",
    "sales",
    "dpo",
    "developer",
    "controller",
    "superuser",
    "client_a_before_code",
]

# Longest matching route prefix -> which sample object each parameter of the route names.
PARAMS = {
    "users/": {"pk": "person"},
    "organizations/": {"pk": "organization"},
    "tickets/views/": {"pk": "saved_filter"},
    "tickets/contacts/": {"pk": "person"},
    "tickets/of/": {"kind": "organization_kind", "pk": "organization"},
    "tickets/": {"number": "ticket", "pk": "attachment"},
    "cdc/from-ticket/": {"number": "ticket"},
    "cdc/<int:number>/files/": {"number": "change_request", "side": "side"},
    "cdc/<int:number>/file/": {"number": "change_request", "pk": "cr_attachment"},
    "cdc/<int:number>/tasks/": {"number": "change_request", "pk": "task"},
    "cdc/": {"number": "change_request"},
    "mail/mailboxes/": {"pk": "mailbox"},
    "mail/unidentified/": {"number": "ticket"},
    "mail/outbox/": {"pk": "outgoing"},
    "mail/webhooks/": {"pk": "webhook"},
    "django-admin/accounts/user/": {"object_id": "person"},
    "wiki/tickets/": {"number": "ticket"},
    "wiki/spaces/": {"pk": "wiki_space"},
    "wiki/pages/": {"pk": "wiki_page", "file_pk": "wiki_file", "number": "wiki_revision"},
}


def path_for(route: str, world: dict) -> str:
    names = {}
    for prefix in sorted(PARAMS, key=len, reverse=True):
        if route.startswith(prefix):
            names = PARAMS[prefix]
            break

    def value(match):
        name = match.group(1)
        return str(world[names[name]]) if name in names else match.group(0)

    return concrete(re.sub(r"<(?:\w+:)?(\w+)>", value, route))


def every_path(world: dict) -> list[str]:
    routes = [r for r in walk(get_resolver().url_patterns) if "(?P" not in r]
    return sorted({path_for(route, world) for route in routes})


def _columns() -> dict[str, list[str]]:
    """Table -> the columns compared (ignored tables and columns left out)."""
    with connection.cursor() as cursor:
        return {
            table: [
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
                if (table, column.name) not in IGNORED_COLUMNS
            ]
            for table in connection.introspection.table_names(cursor)
            if table not in IGNORED_TABLES
        }


def snapshot(columns: dict[str, list[str]]) -> dict[str, list[str]]:
    """Every row of every table, as sorted text."""
    quote = connection.ops.quote_name
    state = {}
    with connection.cursor() as cursor:
        for table, names in columns.items():
            listed = ", ".join(quote(name) for name in names)
            cursor.execute(f"SELECT {listed} FROM {quote(table)}")  # noqa: S608
            state[table] = sorted(
                repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row))
                for row in cursor.fetchall()
            )
    return state


def row_counts(columns: dict[str, list[str]]) -> tuple[int, ...]:
    """The number of rows of every table, in one query (cheap enough to take after each page;
    the full snapshot at the end catches updates)."""
    quote = connection.ops.quote_name
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in columns)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return tuple(cursor.fetchone())


def changes(before: dict, after: dict) -> dict[str, str]:
    found = {}
    for table in sorted(set(before) | set(after)):
        old, new = set(before.get(table, [])), set(after.get(table, []))
        if old != new:
            found[table] = f"{len(new - old)} row(s) new or changed, {len(old - new)} gone"
    return found


@pytest.fixture
def world(
    client_a,
    client_admin_a,
    reseller,
    agent,
    admin,
    sales,
    dpo,
    developer,
    controller,
    org_a,
    django_capture_on_commit_callbacks,
):
    """A small world every page can show something of, made through services."""
    ensure_reference_data()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_services.create_ticket(
            actor=client_a,
            title="Printer down",
            description="Since this morning.",
            type=TicketType.objects.get(code="incident"),
            attachments=[png_file()],
        )
        cr = Builder(client_admin_a, agent, dpo, admin, developer, controller).in_development()
        task = cdc_services.add_task(
            actor=admin,
            cr=cr,
            title="Backend",
            developers=[developer],
            start_date=cr.created_at.date(),
            end_date=cr.created_at.date(),
        )
        mail.send("signup_approved", to=client_a.email, context={"user": client_a, "url": "/"})
    mailbox = Mailbox.objects.create(
        name="Support", email_address="support@helpdesk.test", host="imap.test", username="s"
    )
    webhook = ChatWebhook.objects.create(name="Team", url="https://chat.test/hook", events=[])
    saved = SavedFilter.objects.create(owner=agent, name="Mine", query="assignee=me")
    wiki_page = wiki_services.create_page(
        actor=agent,
        space=wiki_services.space_for(kind="organization", organization=org_a),
        title="Printer",
        body="## Jam\nOpen the lid.",
        visibility="organization",
    )
    wiki_file = wiki_services.add_attachment(actor=agent, page=wiki_page, upload=png_file())
    return {
        "person": client_a.pk,
        "organization": org_a.pk,
        "organization_kind": "organization",
        "ticket": ticket.number,
        "attachment": Attachment.objects.filter(ticket=ticket).values_list("pk", flat=True)[0],
        "change_request": cr.number,
        "side": "client",
        "cr_attachment": 1,
        "task": task.pk,
        "mailbox": mailbox.pk,
        "outgoing": OutgoingEmail.objects.values_list("pk", flat=True).first(),
        "webhook": webhook.pk,
        "saved_filter": saved.pk,
        "wiki_space": wiki_page.space_id,
        "wiki_page": wiki_page.pk,
        "wiki_file": wiki_file.pk,
        "wiki_revision": 1,
    }


def visitor_browser(who: str, request) -> Client:
    # What a page answers is other tests' business (Django admin pages of third-party apps
    # fail on a made-up id); here only what it writes counts.
    browser = Client(raise_request_exception=False)
    if who == "anonymous":
        return browser
    if who == "superuser":
        # With its confirmed address, as every person has (allauth's email page would fill in
        # a missing one on GET: a one-off repair of accounts made by createsuperuser).
        root = make_user(email="root@staff.test", is_superuser=True, is_staff=True)
        return verified_login(browser, root)
    if who == "client_a_before_code":
        browser.force_login(request.getfixturevalue("client_a"))
        return browser
    return verified_login(browser, request.getfixturevalue(who))


@pytest.mark.django_db
@pytest.mark.parametrize("who", VISITORS)
def test_opening_any_page_changes_no_row(who, world, request):
    browser = visitor_browser(who, request)
    paths = every_path(world)
    assert len(paths) > 100
    columns = _columns()
    before = snapshot(columns)
    counts = row_counts(columns)
    rows_added_or_removed_by = []
    for path in paths:
        browser.get(path)
        now = row_counts(columns)
        if now != counts:
            rows_added_or_removed_by.append(path)
            counts = now
    assert (changes(before, snapshot(columns)), rows_added_or_removed_by) == ({}, [])


@pytest.mark.django_db
def test_the_guard_sees_a_write_made_by_a_request(client_a, request):
    """The snapshot notices a change in any table: a code sent (device, outbox)."""
    browser = visitor_browser("client_a_before_code", request)
    columns = _columns()
    before, counts = snapshot(columns), row_counts(columns)
    browser.get("/accounts/2fa/")
    assert changes(before, snapshot(columns)) == {}
    response = browser.post("/accounts/2fa/resend/")
    assert response.status_code == 302
    found = changes(before, snapshot(columns))
    assert "otp_email_emaildevice" in found and "notifications_outgoingemail" in found
    assert row_counts(columns) != counts
    assert twofactor.SENT_KEY in browser.session
