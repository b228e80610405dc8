"""Live chat for a web form's visitors: the admin offers it on the form; the visitor gives a name
and email and chats without an account (a signed link is their key); the transcript ticket is
filed as the form files one (unidentified, whatever email was typed); the pages are framed by
the form's sites only; forged links and hostile input are refused."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.core import signing
from django.urls import reverse

from chat import access, services
from chat.models import Chat, Message
from core import visitor_links
from integrations import webforms
from integrations.models import WebForm
from tickets.models import Event, Ticket

from .conftest import communicator, run_async

pytestmark = pytest.mark.django_db


@pytest.fixture
def web_form(ref):
    return webforms.save_web_form(
        form=None,
        name="Support Alpha",
        fields=["description", WebForm.OFFERS_CHAT],
        default_type=ref.type["incident"],
        allowed_origins="https://www.alpha.fr\nhttp://127.0.0.1:8099",
        is_active=True,
    )


def start_url(client, web_form) -> str:
    """The chat link of the form's public page (with its signed entry)."""
    page = client.get(reverse("integrations:web-form", args=[web_form.public_id]))
    link = page.context["chat_url"]
    assert link and link in page.content.decode().replace("&amp;", "&")
    return link


def visitor(**fields):
    data = {"name": "Victor Visiteur", "email": "victor@ailleurs.test", "body": "Bonjour !"}
    data.update(fields)
    data.setdefault("website", "")
    return data


def open_visitor_chat(client, web_form, **fields) -> tuple[Chat, str]:
    response = client.post(start_url(client, web_form), visitor(**fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    token = response["Location"].rstrip("/").split("/")[-1]
    return Chat.objects.get(pk=signing.loads(token, salt=access.VISITOR_SALT)["chat"]), token


def test_an_admin_offers_the_chat_on_a_web_form(login, admin, web_form, client):
    staff = login(admin)
    url = reverse("integrations:web-form-edit", args=[web_form.pk])
    assert 'name="offers_chat"' in staff.get(url).content.decode()
    data = {
        "name": "Support Alpha",
        "fields_shown": ["description"],
        "default_type": web_form.default_type_id,
        "allowed_origins": "https://www.alpha.fr",
        "is_active": "on",
    }
    assert staff.post(url, data).status_code == 302
    web_form.refresh_from_db()
    assert not web_form.offers_chat
    public = reverse("integrations:web-form", args=[web_form.public_id])
    assert "/chat/visit/" not in client.get(public).content.decode()
    assert staff.post(url, {**data, "offers_chat": "on"}).status_code == 302
    web_form.refresh_from_db()
    assert web_form.offers_chat and web_form.fields == ["description", "chat"]
    assert "/chat/visit/?entry=" in client.get(public).content.decode()


def test_a_visitor_chats_and_the_ticket_is_unidentified_even_with_a_clients_email(
    client, login, web_form, on_duty, client_a, ref
):
    # The visitor types the email of a known client: nothing links the chat to that account.
    chat, token = open_visitor_chat(client, web_form, email=client_a.email)
    assert chat.client is None and chat.organization is None
    assert chat.visitor_email == client_a.email and chat.ticket_type == ref.type["incident"]
    page = client.get(reverse("chat:visitor", args=[token]))
    assert page.status_code == 200 and "Bonjour !" in page.content.decode()
    # The agents see it waiting, with the visitor's name, and take it.
    panel = login(on_duty).get(reverse("chat:home")).content.decode()
    assert "Victor Visiteur" in panel and "Visiteur d\u2019un formulaire web" in panel
    services.take_chat(actor=on_duty, chat=chat)
    services.post_message(actor=on_duty, chat=chat, body="Que puis-je pour vous ?")
    services.post_visitor_message(chat=chat, body="Mon site est en panne.")
    response = login(on_duty).post(reverse("chat:end", args=[chat.pk]), {"ticket_number": ""})
    ticket = Ticket.objects.get()
    assert response["Location"] == ticket.get_absolute_url()
    assert ticket.channel == Ticket.Channel.CHAT and ticket.type == ref.type["incident"]
    assert ticket.organization is None and ticket.requester is None
    assert ticket.contact_email == client_a.email  # for an agent to link, as email intake does
    transcript = ticket.events.get(kind=Event.Kind.REPLY, data__chat=chat.pk)
    assert "Victor Visiteur: Mon site est en panne." in transcript.body
    # The client whose email was typed sees neither the chat nor the ticket.
    as_client = login(client_a)
    assert as_client.get(reverse("chat:detail", args=[chat.pk])).status_code == 404
    assert "Victor" not in as_client.get(reverse("chat:home")).content.decode()
    assert as_client.get(ticket.get_absolute_url()).status_code == 404
    # The visitor's page says it has ended and takes no more messages.
    assert (
        'id="chat-compose"'
        not in client.get(reverse("chat:visitor", args=[token])).content.decode()
    )


def test_a_visitor_chat_attaches_only_to_an_unidentified_ticket(
    client, login, web_form, on_duty, client_a, make_ticket
):
    clients_ticket = make_ticket(client_a)
    chat, _token = open_visitor_chat(client, web_form, email=client_a.email)
    services.take_chat(actor=on_duty, chat=chat)
    url = reverse("chat:end", args=[chat.pk])
    login(on_duty).post(url, {"ticket_number": clients_ticket.number})
    chat.refresh_from_db()
    assert chat.is_open and not clients_ticket.events.filter(data__chat=chat.pk).exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("agent", 200),
        ("sales", 404),
        ("dpo", 404),
        ("client_a", 404),
        ("client_b", 404),
        ("reseller", 404),
    ],
)
def test_who_sees_a_visitors_chat_among_logged_in_people(
    request, client, login, web_form, on_duty, who, status
):
    chat, _token = open_visitor_chat(client, web_form)
    person = login(request.getfixturevalue(who))
    assert person.get(reverse("chat:detail", args=[chat.pk])).status_code == status


def test_visitor_pages_are_framed_by_the_forms_sites_only(client, login, web_form, on_duty):
    url = start_url(client, web_form)
    policy = client.get(url)["Content-Security-Policy"]
    assert "frame-ancestors https://www.alpha.fr http://127.0.0.1:8099" in policy
    chat, token = open_visitor_chat(client, web_form)
    response = client.get(reverse("chat:visitor", args=[token]))
    assert (
        "frame-ancestors https://www.alpha.fr http://127.0.0.1:8099"
        in response["Content-Security-Policy"]
    )
    assert "X-Frame-Options" not in response
    # The agent's page of the same chat is framed by nobody.
    agent_page = login(on_duty).get(reverse("chat:detail", args=[chat.pk]))
    assert "frame-ancestors 'none'" in agent_page["Content-Security-Policy"]
    # A form without sites: the chat may not be framed.
    web_form.allowed_origins = ""
    web_form.save()
    assert (
        "frame-ancestors 'none'"
        in client.get(start_url(client, web_form))["Content-Security-Policy"]
    )


def test_forged_or_borrowed_links_answer_404(client, web_form, on_duty, make_chat, client_a):
    url = start_url(client, web_form)
    entry = parse_qs(urlparse(url).query)["entry"][0]
    start = reverse("chat:visitor-start")
    assert client.get(start).status_code == 404
    assert client.get(start, {"entry": entry[:-2] + "xx"}).status_code == 404
    forged = signing.dumps({"f": str(web_form.public_id), "o": ["https://evil.test"]})
    assert client.get(start, {"entry": forged}).status_code == 404  # not signed as an entry
    assert client.post(f"{start}?entry={forged}", visitor()).status_code == 404
    _chat, token = open_visitor_chat(client, web_form)
    # A client's chat signed as a visitor's is still refused; so is an entry used as a key.
    clients_chat = make_chat(client_a)
    for key in (
        access.visitor_token(clients_chat),
        entry,
        token[:-3] + "abc",
        "..%2F..%2Fadmin",
        "a\x00b",
    ):
        assert client.get(reverse("chat:visitor", args=[key])).status_code == 404
        assert client.post(reverse("chat:visitor-leave", args=[key])).status_code == 404
    assert Chat.objects.filter(client__isnull=True).count() == 1


def test_hostile_visitor_input_is_refused_or_made_harmless(client, web_form, on_duty):
    url = start_url(client, web_form)
    for bad in (
        visitor(email="victor@ailleurs.test\r\nBcc: all@alpha.fr"),
        visitor(body="a\x00b"),
        visitor(body="x" * 5000),
        visitor(name=""),
    ):
        response = client.post(url, bad)
        assert response.status_code == 400
        assert bad["name"] in response.content.decode()  # what was typed is kept
    assert not Chat.objects.exists()
    chat, _token = open_visitor_chat(
        client, web_form, name="<script>alert(1)</script>\r\nBcc: x@y.z", body="<b>salut</b>"
    )
    assert chat.visitor_name == "<script>alert(1)</script> Bcc: x@y.z"
    page = client.get(reverse("chat:visitor", args=[access.visitor_token(chat)])).content.decode()
    assert "<script>alert(1)" not in page and "&lt;b&gt;salut&lt;/b&gt;" in page
    # The honeypot opens nothing.
    assert client.post(url, visitor(website="http://spam.test")).status_code == 200
    assert Chat.objects.count() == 1


def test_too_many_chats_from_one_address_are_refused(client, web_form, on_duty):
    url = start_url(client, web_form)
    for _ in range(10):
        assert client.post(url, visitor()).status_code == 302
    assert client.post(url, visitor()).status_code == 429
    assert Chat.objects.count() == 10


def test_with_no_agent_available_the_visitor_is_sent_back_to_the_form(
    client, web_form, always_open
):
    url = start_url(client, web_form)
    page = client.get(url).content.decode()
    assert 'id="visitor-unavailable"' in page and 'name="email"' not in page
    assert reverse("integrations:web-form", args=[web_form.public_id]) in page
    assert client.post(url, visitor()).status_code == 400
    assert not Chat.objects.exists()


def test_an_expired_entry_is_refused(client, web_form, on_duty, monkeypatch):
    url = start_url(client, web_form)
    monkeypatch.setattr(visitor_links, "CHAT_ENTRY_MAX_AGE", -1)
    assert client.get(url).status_code == 404


def test_a_visitor_leaves_a_waiting_chat(client, web_form, on_duty):
    chat, token = open_visitor_chat(client, web_form)
    response = client.post(reverse("chat:visitor-leave", args=[token]))
    assert response.status_code == 302
    chat.refresh_from_db()
    assert chat.status == Chat.Status.ENDED
    assert Message.objects.filter(chat=chat, kind="system").last().body.startswith("Victor")


def test_the_visitors_page_reads_a_fixed_number_of_queries(
    client, web_form, on_duty, django_assert_max_num_queries
):
    chat, token = open_visitor_chat(client, web_form)
    url = reverse("chat:visitor", args=[token])
    with django_assert_max_num_queries(3):
        client.get(url)
    for n in range(30):
        services.post_visitor_message(chat=chat, body=f"message {n}")
    with django_assert_max_num_queries(3):
        client.get(url)


@pytest.mark.django_db(transaction=True)
def test_the_visitor_talks_over_the_socket_and_a_forged_key_is_refused(client, web_form, on_duty):
    chat, token = open_visitor_chat(client, web_form)
    services.take_chat(actor=on_duty, chat=chat)
    visitor_ws = communicator(f"/ws/chat/visit/{token}/")
    agent_ws = communicator(f"/ws/chat/{chat.pk}/", on_duty)
    forged_ws = communicator(f"/ws/chat/visit/{token[:-3]}abc/")

    async def scenario():
        connected, code = await forged_ws.connect()
        assert not connected and code == 4403
        assert (await visitor_ws.connect())[0]
        assert (await agent_ws.connect())[0]
        await visitor_ws.send_json_to({"type": "hello", "last_seq": 0})
        history = []
        while not history or history[-1]["type"] != "state":
            history.append(await visitor_ws.receive_json_from(timeout=3))
        await visitor_ws.send_json_to({"type": "typing"})
        typing = await agent_ws.receive_json_from(timeout=3)
        await visitor_ws.send_json_to({"type": "message", "body": "Ça ne marche pas."})
        got = await agent_ws.receive_json_from(timeout=3)
        await visitor_ws.disconnect()
        await agent_ws.disconnect()
        return history, typing, got

    history, typing, got = run_async(scenario)
    assert history[0]["message"]["body"] == "Bonjour !" and history[0]["message"]["visitor"]
    assert typing == {"type": "typing", "name": "Victor Visiteur"}
    assert got["message"]["body"] == "Ça ne marche pas."
    assert got["message"]["author"] == "Victor Visiteur" and got["message"]["visitor"] is True
