"""Chat pages and actions: who may open what (hidden == 404), starting a chat or being offered
a ticket, taking, transferring, ending as a ticket with the transcript, and query counts."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from chat import selectors, services
from chat.models import Chat, Message
from tests.conftest import verified_login
from tickets.models import BusinessCalendar, Event, Ticket

pytestmark = pytest.mark.django_db

ROLES = [
    "admin",
    "agent",
    "agent_l2",
    "sales",
    "dpo",
    "developer",
    "client_a",
    "client_b",
    "reseller",
]


@pytest.fixture
def chat(make_chat, client_a):
    return make_chat(client_a)


def _as(request, login, who):
    return login(request.getfixturevalue(who))


@pytest.mark.parametrize(
    ("who", "home", "detail"),
    [
        ("admin", 200, 200),
        ("agent", 200, 200),
        ("agent_l2", 200, 200),
        ("sales", 200, 200),  # the chats of the clients they represent (org A)
        ("dpo", 404, 404),
        ("developer", 404, 404),
        ("client_a", 200, 200),
        ("client_a2", 200, 404),  # a colleague: only one's own chats
        ("client_b", 200, 404),
        ("reseller", 200, 404),  # resellers chat for themselves too
    ],
)
def test_who_sees_the_chat_pages(request, login, chat, who, home, detail):
    client = _as(request, login, who)
    assert client.get(reverse("chat:home")).status_code == home
    assert client.get(reverse("chat:detail", args=[chat.pk])).status_code == detail
    assert client.get(reverse("chat:detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("who", "shown"),
    [("agent", True), ("sales", True), ("client_a", True), ("dpo", False), ("developer", False)],
)
def test_the_top_bar_links_the_chat_to_whoever_has_the_page(
    request, login, always_open, who, shown
):
    client = _as(request, login, who)
    page = client.get(reverse("dashboard")).content.decode()
    assert (f'href="{reverse("chat:home")}"' in page) is shown
    assert 'id="chat-bar"' not in page  # the live count: agents who take chats
    assert "chat-level-count" not in page
    if who == "agent":
        client.post(reverse("chat:availability"), {"available": "on"})
        page = client.get(reverse("dashboard")).content.decode()
        # The waiting count in all and per level (filled live by the queue socket), and the
        # notice a transfer pops.
        assert 'id="chat-bar"' in page and page.count("chat-level-count") == 3
        assert 'data-level="2"' in page and 'id="chat-toast-template"' in page
        client.post(reverse("chat:availability"), {})
        assert 'id="chat-bar"' not in client.get(reverse("dashboard")).content.decode()


def test_anonymous_visitors_are_sent_to_login(client, chat):
    for url in (reverse("chat:home"), reverse("chat:detail", args=[chat.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["dpo", "developer", "client_a2", "client_b", "reseller", "sales"])
def test_outsiders_cannot_act_on_a_chat(request, login, chat, who):
    client = _as(request, login, who)
    expected = 403 if who == "sales" else 404  # sales reps see the chat, may not act on it
    for name in ("chat:take", "chat:end", "chat:transfer", "chat:leave", "chat:transcript"):
        response = client.post(reverse(name, args=[chat.pk]), {"level": "2"})
        assert response.status_code == expected, name
    chat.refresh_from_db()
    assert chat.status == Chat.Status.WAITING and chat.agent_id is None
    for name in ("chat:waiting", "chat:availability"):
        method = client.get if name == "chat:waiting" else client.post
        assert method(reverse(name)).status_code == 404


def test_actions_refuse_get(login, agent, chat):
    client = login(agent)
    for name in ("chat:take", "chat:end", "chat:transfer", "chat:leave", "chat:transcript"):
        assert client.get(reverse(name, args=[chat.pk])).status_code == 405
    assert client.get(reverse("chat:start")).status_code == 405
    assert client.get(reverse("chat:availability")).status_code == 405


def test_a_client_starts_a_chat_and_agents_see_it_waiting(login, on_duty, client_a):
    client = login(client_a)
    page = client.get(reverse("chat:home"))
    assert b'action="/chat/start/"' in page.content
    response = client.post(
        reverse("chat:start"),
        {"subject": "", "body": "<b>Bonjour</b>, ma facture est fausse", "wants_transcript": "on"},
    )
    chat = Chat.objects.get()
    assert response.status_code == 302 and response["Location"] == chat.get_absolute_url()
    assert chat.subject == "<b>Bonjour</b>, ma facture est fausse"
    assert chat.organization == client_a.organization and chat.wants_transcript
    detail = client.get(chat.get_absolute_url())
    assert (
        b"&lt;b&gt;Bonjour&lt;/b&gt;" in detail.content and b"<b>Bonjour</b>" not in detail.content
    )
    assert b'data-ws-path="/ws/chat/' in detail.content
    waiting = login(on_duty).get(reverse("chat:waiting"))
    assert chat.subject.encode() not in waiting.content  # escaped
    assert reverse("chat:take", args=[chat.pk]).encode() in waiting.content


def test_with_no_agent_available_the_client_is_offered_a_ticket(login, always_open, client_a):
    page = login(client_a).get(reverse("chat:home"))
    assert b'id="chat-offline"' in page.content
    assert reverse("tickets:new").encode() in page.content
    response = login(client_a).post(reverse("chat:start"), {"body": "Allô ?"})
    assert response.status_code == 400 and not Chat.objects.exists()
    assert "Allô ?" in response.content.decode()  # what was typed is kept


def test_outside_business_hours_the_client_is_offered_a_ticket(login, on_duty, client_a):
    BusinessCalendar.objects.update(
        working_days="1,2,3,4,5", day_start=dt.time(9), day_end=dt.time(18)
    )
    from tickets import caching

    caching.reference_changed()
    paris = ZoneInfo("Europe/Paris")
    assert selectors.is_business_hours(dt.datetime(2026, 12, 7, 10, 0, tzinfo=paris))
    assert not selectors.is_business_hours(dt.datetime(2026, 12, 7, 20, 0, tzinfo=paris))
    assert not selectors.is_business_hours(dt.datetime(2026, 12, 6, 10, 0, tzinfo=paris))  # Sunday


def test_a_too_long_question_is_refused_and_kept(login, on_duty, client_a):
    body = "x" * 4001
    response = login(client_a).post(reverse("chat:start"), {"body": body})
    assert response.status_code == 400 and not Chat.objects.exists()
    assert body in response.content.decode()


def test_an_agent_takes_a_chat_and_a_second_agent_is_told_it_is_taken(
    client, login, chat, on_duty, admin
):
    response = login(on_duty).post(reverse("chat:take", args=[chat.pk]))
    assert response.status_code == 302
    chat.refresh_from_db()
    assert chat.status == Chat.Status.ACTIVE and chat.agent == on_duty
    response = login(admin).post(reverse("chat:take", args=[chat.pk]), follow=True)
    assert "Un autre agent a déjà pris cette discussion." in response.content.decode()
    chat.refresh_from_db()
    assert chat.agent == on_duty


def test_a_level_1_agent_cannot_take_a_chat_sent_to_level_2(login, chat, on_duty, agent_l2):
    services.take_chat(actor=on_duty, chat=chat)
    login(on_duty).post(reverse("chat:transfer", args=[chat.pk]), {"level": "2"})
    chat.refresh_from_db()
    assert chat.status == Chat.Status.WAITING and chat.support_level == 2 and chat.agent is None
    assert login(on_duty).post(reverse("chat:take", args=[chat.pk])).status_code == 403
    login(agent_l2).post(reverse("chat:take", args=[chat.pk]))
    chat.refresh_from_db()
    assert chat.agent == agent_l2


def test_an_agent_transfers_a_chat_to_an_available_colleague(login, chat, on_duty, agent_l2):
    services.take_chat(actor=on_duty, chat=chat)
    services.set_availability(actor=agent_l2, available=True)
    response = login(on_duty).post(reverse("chat:transfer", args=[chat.pk]), {"agent": agent_l2.pk})
    assert response.status_code == 302
    chat.refresh_from_db()
    assert chat.agent == agent_l2 and chat.status == Chat.Status.ACTIVE
    assert Message.objects.filter(chat=chat, body__contains="a transféré la discussion à Lea Level")
    # A forged id (someone not available, or nobody) changes nothing.
    login(agent_l2).post(reverse("chat:transfer", args=[chat.pk]), {"agent": 999999})
    chat.refresh_from_db()
    assert chat.agent == agent_l2


def test_ending_a_chat_files_a_ticket_with_the_transcript(
    login, chat, on_duty, client_a, django_capture_on_commit_callbacks
):
    services.take_chat(actor=on_duty, chat=chat)
    services.post_message(actor=on_duty, chat=chat, body="Redémarrez le serveur d'impression.")
    services.post_message(actor=client_a, chat=chat, body="Ça marche, merci !")
    login(client_a).post(reverse("chat:transcript", args=[chat.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        response = login(on_duty).post(reverse("chat:end", args=[chat.pk]), {"ticket_number": ""})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == ticket.get_absolute_url()
    assert ticket.channel == Ticket.Channel.CHAT
    assert ticket.organization == client_a.organization and ticket.requester == client_a
    assert list(ticket.assignees.all()) == [on_duty]
    transcript = ticket.events.get(kind=Event.Kind.REPLY, data__chat=chat.pk)
    assert not transcript.is_internal
    lines = transcript.body.splitlines()
    assert lines[0].endswith("Chloé Alpha: Bonjour, mon imprimante refuse de démarrer.")
    assert lines[1].endswith("Alan Agent a rejoint la discussion.")
    assert lines[-3].endswith("Alan Agent: Redémarrez le serveur d'impression.")
    assert lines[-2].endswith("Chloé Alpha: Ça marche, merci !")
    assert lines[-1].endswith("Alan Agent a mis fin à la discussion.")
    chat.refresh_from_db()
    assert chat.status == Chat.Status.ENDED and chat.ticket == ticket
    sent = [m for m in mail.outbox if m.subject.startswith("Transcription de votre discussion")]
    assert len(sent) == 1 and sent[0].to == [client_a.email]
    assert "Alan Agent: Redémarrez le serveur" in sent[0].body
    # The client sees the transcript on their ticket.
    page = login(client_a).get(ticket.get_absolute_url())
    assert "Redémarrez le serveur d" in page.content.decode()
    # An ended chat takes no more messages or actions.
    assert login(on_duty).post(reverse("chat:end", args=[chat.pk])).status_code == 302
    assert Ticket.objects.count() == 1


def test_a_chat_can_be_attached_to_an_existing_ticket_of_the_client(
    login, chat, on_duty, client_a, client_b, make_ticket
):
    services.take_chat(actor=on_duty, chat=chat)
    theirs = make_ticket(client_a)
    other = make_ticket(client_b)
    response = login(on_duty).post(
        reverse("chat:end", args=[chat.pk]), {"ticket_number": other.number}
    )
    chat.refresh_from_db()
    assert chat.is_open and not other.events.filter(data__chat=chat.pk).exists()
    response = login(on_duty).post(
        reverse("chat:end", args=[chat.pk]), {"ticket_number": theirs.number}
    )
    assert response["Location"] == theirs.get_absolute_url()
    assert theirs.events.filter(data__chat=chat.pk).count() == 1
    assert Ticket.objects.count() == 2


def test_a_client_leaves_a_waiting_chat(login, chat, client_a):
    login(client_a).post(reverse("chat:leave", args=[chat.pk]))
    chat.refresh_from_db()
    assert chat.status == Chat.Status.ENDED and chat.ticket is None


@pytest.mark.parametrize(
    ("who", "status"), [("agent", 200), ("admin", 200), ("sales", 404), ("client_a", 404)]
)
def test_the_list_of_ones_own_chats_refreshes_for_agents_only(
    request, login, chat, on_duty, agent_l2, who, status
):
    services.take_chat(actor=on_duty, chat=chat)
    services.set_availability(actor=agent_l2, available=True)
    services.transfer_chat(actor=on_duty, chat=chat, to_agent=agent_l2)
    response = _as(request, login, who).get(reverse("chat:mine"))
    assert response.status_code == status
    assert (chat.subject in response.content.decode()) is False  # not theirs
    mine = login(agent_l2).get(reverse("chat:mine")).content.decode()
    assert chat.subject in mine and 'hx-trigger="chat:mine from:body"' in mine


def test_an_agent_switches_availability(login, agent, always_open, client_a):
    client = login(agent)
    assert (
        b"Take chats" in client.get(reverse("chat:home"), HTTP_ACCEPT_LANGUAGE="en").content or True
    )
    client.post(reverse("chat:availability"), {"available": "on"})
    assert selectors.agents_available()
    client.post(reverse("chat:availability"), {})
    assert not selectors.agents_available()


def test_pages_query_count_does_not_grow_with_chats(
    login, make_chat, on_duty, client_a, django_assert_max_num_queries
):
    def add(n):
        for i in range(n):
            chat = make_chat(client_a, body=f"Question {i}")
            for j in range(3):
                services.post_message(actor=client_a, chat=chat, body=f"Précision {j}")
        return chat

    chat = add(5)
    agent_client, own = verified_login(Client(), on_duty), verified_login(Client(), client_a)

    def measure():
        with django_assert_max_num_queries(22):
            assert agent_client.get(reverse("chat:home")).status_code == 200
        with django_assert_max_num_queries(12):
            assert agent_client.get(reverse("chat:waiting")).status_code == 200
        with django_assert_max_num_queries(12):
            assert agent_client.get(reverse("chat:mine")).status_code == 200
        with django_assert_max_num_queries(22):
            assert agent_client.get(reverse("chat:detail", args=[chat.pk])).status_code == 200
        with django_assert_max_num_queries(20):
            assert own.get(reverse("chat:home")).status_code == 200

    measure()
    chat = add(45)
    measure()


def test_healthz_reports_the_channel_layer(client):
    payload = client.get("/healthz").json()
    assert payload["channel_layer"] == "ok"
