"""Intake pages: role matrix, the unidentified view, quarantine, mailboxes (password
write-only), query counts, and how email events render on a ticket."""

import pytest
from django.urls import reverse

from accounts.models import User
from intake.models import InboundMessage, Mailbox
from intake.services import ingest_message
from tests.tickets.conftest import _english  # noqa: F401
from tickets.models import Event, Ticket

from .conftest import raw_message

pytestmark = pytest.mark.usefixtures("ref_data")

SECRET = "pa55-w0rd-never-shown"


@pytest.fixture
def box(db):
    return Mailbox.objects.create(
        name="Support",
        email_address="support@helpdesk.test",
        host="127.0.0.1",
        port=1,
        use_tls=False,
        username="support",
        password=SECRET,
    )


@pytest.fixture
def unidentified_ticket(db):
    raw = raw_message(sender="stranger@nowhere.test", subject="Help <b>me</b>", message_id="<u@x>")
    return Ticket.objects.get(number=ingest_message(raw).ticket_number)


@pytest.fixture
def quarantined(db):
    ingest_message(b"X-Broken: yes\r\nSubject: <script>alert(1)</script>\r\n")
    ingest_message(b"")
    return InboundMessage.objects.filter(outcome="quarantined").order_by("pk").first()


@pytest.fixture
def flagged(client_a, make_ticket, client_b):
    ticket = make_ticket(client_a)
    raw = raw_message(sender="client@beta.test", subject=f"Re: [#{ticket.number}]", body="me too")
    ingest_message(raw)
    return InboundMessage.objects.get(outcome="flagged")


def pages(box, unidentified_ticket, quarantined, flagged):
    return [
        ("get", reverse("intake:mailbox-list")),
        ("get", reverse("intake:mailbox-new")),
        ("get", reverse("intake:mailbox-edit", args=[box.pk])),
        ("get", reverse("intake:unidentified")),
        ("get", reverse("intake:quarantine")),
        ("get", reverse("intake:quarantine-detail", args=[quarantined.pk])),
        ("get", reverse("intake:quarantine-raw", args=[quarantined.pk])),
    ]


ROLES = {
    "admin": {"mailbox", "unidentified", "quarantine"},
    "agent": {"unidentified"},
    "sales": {"unidentified"},
    "client_a": set(),
    "client_admin_a": set(),
    "reseller": set(),
    "dpo": set(),
    "developer": set(),
}


def area(url):
    if "/mailboxes/" in url:
        return "mailbox"
    return "quarantine" if "/quarantine/" in url else "unidentified"


@pytest.mark.parametrize("persona", list(ROLES))
def test_role_matrix(request, login, persona, box, unidentified_ticket, quarantined, flagged):
    client = login(request.getfixturevalue(persona))
    for _method, url in pages(box, unidentified_ticket, quarantined, flagged):
        status = client.get(url).status_code
        assert status == (200 if area(url) in ROLES[persona] else 404), (persona, url)
    posts = [
        (reverse("intake:mailbox-toggle", args=[box.pk]), "mailbox"),
        (reverse("intake:quarantine-discard", args=[quarantined.pk]), "quarantine"),
        (reverse("intake:flagged-discard", args=[flagged.pk]), "unidentified"),
    ]
    for url, where in posts:
        if where not in ROLES[persona]:
            assert client.post(url).status_code == 404, (persona, url)
    box.refresh_from_db()
    quarantined.refresh_from_db()
    flagged.refresh_from_db()
    if not ROLES[persona]:
        assert box.is_active and quarantined.outcome == "quarantined"
        assert flagged.outcome == "flagged"


def test_anonymous_is_sent_to_login(client, box):
    response = client.get(reverse("intake:unidentified"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_password_is_write_only(login, admin, box):
    client = login(admin)
    page = client.get(reverse("intake:mailbox-edit", args=[box.pk])).content.decode()
    assert SECRET not in page
    assert SECRET not in client.get(reverse("intake:mailbox-list")).content.decode()
    data = {
        "name": "Support FR",
        "email_address": "support@helpdesk.test",
        "protocol": "imap",
        "host": "imap.example.test",
        "port": 993,
        "use_tls": "on",
        "folder": "INBOX",
        "username": "support",
        "password": "",
        "interval_minutes": 3,
        "is_active": "on",
    }
    response = client.post(reverse("intake:mailbox-edit", args=[box.pk]), data)
    assert response.status_code == 302
    box.refresh_from_db()
    assert (box.name, box.interval_minutes, box.password) == ("Support FR", 3, SECRET)
    data.update(password="new-secret", email_address="other@helpdesk.test")
    client.post(reverse("intake:mailbox-new"), data)
    assert Mailbox.objects.get(email_address="other@helpdesk.test").password == "new-secret"
    assert SECRET not in repr(box) and SECRET not in str(box)


def test_test_connection_reports_failure_without_the_password(login, admin, box):
    client = login(admin)
    response = client.post(reverse("intake:mailbox-test", args=[box.pk]), follow=True)
    page = response.content.decode()
    assert "failed" in page and SECRET not in page


def test_agent_links_unidentified_ticket_to_existing_contact(
    login, agent, unidentified_ticket, client_a
):
    client = login(agent)
    page = client.get(reverse("intake:unidentified")).content.decode()
    assert "stranger@nowhere.test" in page and f"#{unidentified_ticket.number}" in page
    assert reverse("intake:quarantine") not in page  # no tab to a page the agent cannot open
    assert "<b>me</b>" not in page  # the subject is escaped
    url = reverse("intake:link", args=[unidentified_ticket.number])
    client.post(url, {"organization": client_a.organization_id, "contact": client_a.pk})
    unidentified_ticket.refresh_from_db()
    assert unidentified_ticket.organization == client_a.organization
    assert unidentified_ticket.requester == client_a
    assert unidentified_ticket.events.filter(kind=Event.Kind.FIELD).exists()
    page = client.get(reverse("intake:unidentified")).content.decode()
    assert f'href="{unidentified_ticket.get_absolute_url()}"' not in page
    # now the client sees it
    assert client_a in User.objects.filter(pk=client_a.pk)


def test_agent_creates_the_contact_sales_rep_may_not(
    login, sales, agent, unidentified_ticket, org_a, django_capture_on_commit_callbacks, mailoutbox
):
    url = reverse("intake:link", args=[unidentified_ticket.number])
    login(sales).post(url, {"organization": org_a.pk, "new_contact_name": "Sam Stranger"})
    unidentified_ticket.refresh_from_db()
    assert unidentified_ticket.organization is None
    assert not User.objects.filter(email="stranger@nowhere.test").exists()
    with django_capture_on_commit_callbacks(execute=True):
        login(agent).post(url, {"organization": org_a.pk, "new_contact_name": "Sam Stranger"})
    unidentified_ticket.refresh_from_db()
    contact = User.objects.get(email="stranger@nowhere.test")
    assert unidentified_ticket.requester == contact and contact.organization == org_a
    assert (contact.first_name, contact.last_name) == ("Sam", "Stranger")
    assert [m.to for m in mailoutbox] == [["stranger@nowhere.test"]]  # link to set a password


def test_flagged_reply_appended_or_discarded(login, agent, flagged):
    client = login(agent)
    assert "client@beta.test" in client.get(reverse("intake:unidentified")).content.decode()
    client.post(reverse("intake:flagged-append", args=[flagged.pk]))
    flagged.refresh_from_db()
    assert flagged.outcome == "appended"
    event = flagged.ticket.events.get(kind="reply")
    assert event.body == "me too" and event.data["from"] == "client@beta.test"
    assert event.data["no_auto_reply"] is True
    assert client.post(reverse("intake:flagged-discard", args=[flagged.pk])).status_code == 404


def test_quarantine_detail_download_retry_discard(login, admin, quarantined):
    client = login(admin)
    listing = client.get(reverse("intake:quarantine")).content.decode()
    assert "<script>alert(1)</script>" not in listing
    detail = client.get(reverse("intake:quarantine-detail", args=[quarantined.pk]))
    assert "<script>alert(1)" not in detail.content.decode()
    raw = client.get(reverse("intake:quarantine-raw", args=[quarantined.pk]))
    assert raw["Content-Type"] == "message/rfc822" and raw["X-Content-Type-Options"] == "nosniff"
    assert b"".join(raw.streaming_content if raw.streaming else [raw.content]) == (
        InboundMessage.objects.get(pk=quarantined.pk).read_raw()
    )
    client.post(reverse("intake:quarantine-retry", args=[quarantined.pk]))
    quarantined.refresh_from_db()
    assert quarantined.outcome == "quarantined"
    client.post(reverse("intake:quarantine-discard", args=[quarantined.pk]))
    quarantined.refresh_from_db()
    assert quarantined.outcome == "discarded" and quarantined.handled_by == admin


def test_retry_turns_a_fixed_quarantined_message_into_a_ticket(login, admin, client_a, settings):
    settings.INTAKE_MAX_MESSAGE_MB = 0
    ingest_message(raw_message(message_id="<q@x>"))
    record = InboundMessage.objects.get(outcome="quarantined")
    settings.INTAKE_MAX_MESSAGE_MB = 5
    login(admin).post(reverse("intake:quarantine-retry", args=[record.pk]))
    # quarantined under a hash of its bytes, the message is now stored under its own id
    assert list(InboundMessage.objects.values_list("message_id", "outcome")) == [
        ("<q@x>", "created")
    ]
    assert Ticket.objects.count() == 1


def test_pages_query_counts_do_not_grow(login, admin, django_assert_max_num_queries, box):
    client = login(admin)
    urls = [reverse("intake:unidentified"), reverse("intake:quarantine")]
    urls.append(reverse("intake:mailbox-list"))

    def fill(n):
        for i in range(n):
            ingest_message(raw_message(sender=f"s{i}-{n}@x.test", message_id=f"<c{i}-{n}@x>"))
            ingest_message(f"Subject: broken {i}-{n}\r\n".encode())
            Mailbox.objects.create(
                name=f"B{i}{n}", email_address=f"b{i}{n}@h.test", host="h", username="u"
            )

    fill(2)
    counts = []
    for url in urls:
        with django_assert_max_num_queries(30) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    fill(6)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)


def test_email_reply_folds_quoted_history_and_shows_cc(login, agent, client_a, make_ticket):
    ticket = make_ticket(client_a)
    body = "New info here.\r\n\r\nOn Mon, 23 Nov 2026, Support wrote:\r\n> the old answer"
    raw = raw_message(
        subject=f"Re: [#{ticket.number}]", body=body, headers="Cc: boss@alpha.test\r\n"
    )
    ingest_message(raw)
    page = login(agent).get(ticket.get_absolute_url()).content.decode()
    assert "New info here." in page
    assert '<details class="quoted-history' in page and "the old answer" in page
    assert "boss@alpha.test" in page


def test_dashboard_shows_failing_mailbox_to_admins_only(login, admin, agent, box):
    Mailbox.objects.filter(pk=box.pk).update(
        last_poll_status="failing", consecutive_failures=4, last_error="LoginError: nope"
    )
    assert "support@helpdesk.test" in login(admin).get("/").content.decode()
    assert "support@helpdesk.test" not in login(agent).get("/").content.decode()


def test_unidentified_ticket_page_names_the_sender_with_bounded_queries(
    login, agent, django_assert_max_num_queries
):
    raw = raw_message(sender="stranger@nowhere.test", message_id="<s@x>")
    number = ingest_message(raw).ticket_number
    client = login(agent)
    url = reverse("tickets:detail", args=[number])
    with django_assert_max_num_queries(60) as few:
        page = client.get(url).content.decode()
    bound = len(few.captured_queries)
    assert page.count("stranger@nowhere.test") >= 2  # contact and the timeline's author
    queue = client.get(reverse("tickets:list")).content.decode()
    assert "stranger@nowhere.test" in queue
    for n in range(5):
        body = f"more {n}\r\n\r\nOn Mon, Support wrote:\r\n> x"
        ingest_message(
            raw_message(
                sender="stranger@nowhere.test",
                subject=f"[#{number}]",
                body=body,
                message_id=f"<s{n}@x>",
            )
        )
    from intake.models import InboundMessage as Log

    Log.objects.filter(outcome="flagged").update(outcome="discarded")
    from tickets import services as ticket_services

    ticket = Ticket.objects.get(number=number)
    for n in range(5):
        ticket_services.reply(
            actor=agent,
            ticket=ticket,
            body=f"answer {n}",
            data={"via": "email", "message_id": f"<a{n}@x>"},
        )
    with django_assert_max_num_queries(bound):
        client.get(url)


def test_agent_works_an_unidentified_ticket(login, agent, ref):
    from tickets.models import CannedReply

    CannedReply.objects.create(title="Hello", body="Bonjour {client_name}, ticket {ticket_number}")
    number = ingest_message(raw_message(sender="stranger@nowhere.test")).ticket_number
    client = login(agent)
    url = reverse("tickets:detail", args=[number])
    assert "stranger@nowhere.test" in client.get(url).content.decode()
    client.post(
        reverse("tickets:reply", args=[number]), {"body": "We are on it", "action_type": ""}
    )
    ticket = Ticket.objects.get(number=number)
    assert ticket.events.filter(kind="reply", body="We are on it").exists()


def test_sales_rep_attaches_unidentified_ticket_to_a_client_they_represent(
    login, sales, unidentified_ticket, flagged, org_a, org_b
):
    client = login(sales)
    page = client.get(reverse("intake:unidentified")).content.decode()
    assert "stranger@nowhere.test" in page
    assert 'id="flagged"' not in page and "client@beta.test" not in page
    assert client.post(reverse("intake:flagged-append", args=[flagged.pk])).status_code == 404
    url = reverse("intake:link", args=[unidentified_ticket.number])
    client.post(url, {"organization": org_b.pk})  # not one of theirs: refused by the form
    unidentified_ticket.refresh_from_db()
    assert unidentified_ticket.organization is None
    client.post(url, {"organization": org_a.pk})
    unidentified_ticket.refresh_from_db()
    assert unidentified_ticket.organization == org_a
    assert client.get(unidentified_ticket.get_absolute_url()).status_code == 200
    # a known client's ticket is not reachable through the link action
    other = flagged.ticket
    response = client.post(reverse("intake:link", args=[other.number]), {"organization": org_a.pk})
    assert response.status_code == 404
