"""Live chat in two browsers (a client and an agent) against a live ASGI server (daphne in a
thread of the test process: pages, static files and WebSockets on one origin, as `make run`
serves them), on the configured channel layer."""

import contextlib
import datetime as dt
import functools
import re
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.test import Client
from playwright.sync_api import expect

from chat import services
from chat.models import Chat
from integrations import webforms
from integrations.models import WebForm
from tests.conftest import verified_login
from tickets import caching as tickets_caching
from tickets.models import BusinessCalendar, Event, Ticket


@pytest.fixture(scope="session")
def asgi_live_server(django_db_setup, django_db_blocker):
    """http://127.0.0.1:PORT of a daphne server running helpdesk.asgi in a daemon thread (the
    Twisted reactor runs once per process: one server for the session)."""
    from daphne.server import Server

    from helpdesk.asgi import application

    server = Server(
        application=ASGIStaticFilesHandler(application),
        endpoints=["tcp:port=0:interface=127.0.0.1"],
        signal_handlers=False,
        verbosity=0,
    )
    django_db_blocker.unblock()  # the server's threads query the test database
    threading.Thread(target=server.run, daemon=True, name="daphne").start()
    deadline = time.monotonic() + 20
    while not server.listening_addresses and time.monotonic() < deadline:
        time.sleep(0.05)
    host, port = server.listening_addresses[0]
    # The first request of the process loads the URLconf and the templates: on a busy machine
    # that took longer than a page's 10 s timeout. Warm up here, with time to spare.
    with contextlib.suppress(OSError):
        urllib.request.urlopen(f"http://{host}:{port}/accounts/login/", timeout=60).read()
    yield f"http://{host}:{port}"
    django_db_blocker.restore()


@pytest.fixture
def chat_page(browser, asgi_live_server):
    contexts = []

    def _page(user, width=1440, height=900):
        context = browser.new_context(
            base_url=asgi_live_server, locale="en-US", viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        type(user).objects.filter(pk=user.pk).update(language="en")
        session = verified_login(Client(), user).cookies[django_settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [{"name": session.key, "value": session.value, "url": asgi_live_server}]
        )
        return context.new_page()

    yield _page
    for context in contexts:
        context.close()


def test_a_client_and_an_agent_chat_and_the_chat_becomes_a_ticket(
    chat_page, screenshot, client_a, agent, transactional_db
):
    BusinessCalendar.objects.all().delete()
    BusinessCalendar.objects.create(
        working_days="1,2,3,4,5,6,7", day_start=dt.time(0, 0), day_end=dt.time(23, 59, 59)
    )
    tickets_caching.reference_changed()

    agent_page = chat_page(agent)
    agent_page.goto("/chat/")
    agent_page.click("text=Take chats")  # the agent switches chat on
    expect(agent_page.locator("#chat-waiting-count")).to_have_text("0")

    client_page = chat_page(client_a)
    client_page.goto("/chat/")
    screenshot(client_page, "chat_client-start-1440")
    client_page.fill("#id_subject", "Printer down")
    client_page.fill("#id_body", "Hello, my printer will not start.")
    client_page.click("text=Start the chat")
    expect(client_page.locator("#chat")).to_have_attribute("data-connected", "1")
    expect(client_page.locator("#chat-status")).to_have_text("Waiting for an agent")

    # The agent's top bar counts the waiting chat live; the waiting list refreshes itself.
    expect(agent_page.locator("#chat-waiting-count")).to_have_text("1")
    expect(agent_page.locator("#chat-waiting")).to_contain_text("Printer down")
    screenshot(agent_page, "chat_agent-panel-1440")
    agent_page.click("#chat-waiting >> text=Take")
    expect(agent_page.locator("#chat")).to_have_attribute("data-connected", "1")
    expect(client_page.locator("#chat-log")).to_contain_text("Alan Agent has joined the chat.")
    expect(client_page.locator("#chat-status")).to_have_text("In progress")

    # Typing indicator, then the answer, both ways.
    agent_page.locator("#chat-input").press_sequentially("Have you", delay=30)
    expect(client_page.locator("#chat-typing")).to_have_text("Alan Agent is typing…")
    agent_page.locator("#chat-input").press_sequentially(" restarted it?")
    agent_page.locator("#chat-input").press("Enter")
    expect(client_page.locator("#chat-log")).to_contain_text("Have you restarted it?")
    expect(client_page.locator("#chat-typing")).to_have_text("")
    client_page.fill("#chat-input", "Yes, <b>twice</b>.")
    client_page.click("#chat-compose button")
    expect(agent_page.locator("#chat-log")).to_contain_text("Yes, <b>twice</b>.")
    screenshot(client_page, "chat_client-chat-1440")
    screenshot(agent_page, "chat_agent-chat-1440")
    client_page.set_viewport_size({"width": 375, "height": 800})
    screenshot(client_page, "chat_client-chat-375")
    agent_page.set_viewport_size({"width": 375, "height": 800})
    screenshot(agent_page, "chat_agent-chat-375")
    agent_page.set_viewport_size({"width": 1440, "height": 900})

    # End: a ticket with the transcript; the client's page says the chat has ended.
    agent_page.click("#chat-end")
    expect(agent_page.locator("body")).to_contain_text("Have you restarted it?")
    ticket = Ticket.objects.get()
    assert agent_page.url.endswith(ticket.get_absolute_url())
    assert ticket.channel == Ticket.Channel.CHAT and ticket.requester == client_a
    assert list(ticket.assignees.all()) == [agent]
    transcript = ticket.events.get(kind=Event.Kind.REPLY).body
    assert "Client Alpha" not in transcript  # names, not roles
    assert "Chloé Alpha: Yes, &lt;b>twice&lt;/b>." in transcript  # literal in Markdown
    expect(agent_page.locator("main")).to_contain_text("Chloé Alpha: Yes, <b>twice</b>.")
    expect(client_page.locator("#chat-ended")).to_be_visible()
    expect(client_page.locator("#chat-ended a")).to_have_text(f"#{ticket.number}")
    expect(client_page.locator("#chat-compose")).to_be_hidden()
    screenshot(agent_page, "chat_agent-ticket-1440")
    client_page.set_viewport_size({"width": 1440, "height": 900})
    screenshot(client_page, "chat_client-ended-1440")
    assert Chat.objects.get().status == Chat.Status.ENDED


def test_a_client_whose_connection_drops_gets_the_missed_messages(
    chat_page, client_a, agent, transactional_db
):
    BusinessCalendar.objects.all().delete()
    BusinessCalendar.objects.create(
        working_days="1,2,3,4,5,6,7", day_start=dt.time(0, 0), day_end=dt.time(23, 59, 59)
    )
    tickets_caching.reference_changed()
    services.set_availability(actor=agent, available=True)
    chat = services.start_chat(actor=client_a, subject="VPN", body="The VPN drops.")
    services.take_chat(actor=agent, chat=chat)
    agent_page = chat_page(agent)
    agent_page.goto(f"/chat/{chat.pk}/")
    expect(agent_page.locator("#chat")).to_have_attribute("data-connected", "1")

    # The client's socket goes through Playwright, which can cut it like a network would.
    network = {"up": True, "sockets": []}

    def route(ws):
        if not network["up"]:
            ws.close(code=1001, reason="network down")
            return
        ws.connect_to_server()
        network["sockets"].append(ws)

    page = chat_page(client_a)
    page.route_web_socket(re.compile(r"/ws/chat/\d+/$"), route)
    page.goto(f"/chat/{chat.pk}/")
    expect(page.locator("#chat")).to_have_attribute("data-connected", "1")
    network["up"] = False
    network["sockets"][0].close(code=1001, reason="network down")
    expect(page.locator("#chat")).to_have_attribute("data-connected", "0")
    expect(page.locator("#chat-connection")).to_have_text("Connection lost, reconnecting…")
    agent_page.fill("#chat-input", "Sent while you were away.")
    agent_page.click("#chat-compose button")
    expect(agent_page.locator("#chat-log")).to_contain_text("Sent while you were away.")
    expect(page.locator("#chat-log")).not_to_contain_text("Sent while you were away.")
    network["up"] = True
    expect(page.locator("#chat")).to_have_attribute("data-connected", "1", timeout=15_000)
    expect(page.locator("#chat-log")).to_contain_text("Sent while you were away.")
    assert page.locator("#chat-log li").count() == 3  # nothing twice


@pytest.fixture
def website(tmp_path):
    """(base URL, write(name, html)): a client's website on another origin than the helpdesk."""
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def write(name, html):
        (tmp_path / name).write_text(html, encoding="utf-8")

    yield f"http://127.0.0.1:{server.server_address[1]}", write
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_a_web_form_visitor_chats_from_a_website_and_a_transfer_alerts_the_new_agent(
    browser, chat_page, screenshot, asgi_live_server, website, agent, agent_l2, transactional_db
):
    BusinessCalendar.objects.all().delete()
    BusinessCalendar.objects.create(
        working_days="1,2,3,4,5,6,7", day_start=dt.time(0, 0), day_end=dt.time(23, 59, 59)
    )
    tickets_caching.reference_changed()
    base, write = website
    web_form = webforms.save_web_form(
        form=None,
        name="Support Alpha",
        fields=["description", WebForm.OFFERS_CHAT],
        allowed_origins=base,
        is_active=True,
    )
    agent_page = chat_page(agent)
    agent_page.goto("/chat/")
    agent_page.click("text=Take chats")
    colleague = chat_page(agent_l2)
    colleague.goto("/chat/")
    colleague.click("text=Take chats")
    expect(colleague.locator("#chat-waiting-count")).to_have_text("0")

    # The visitor, on the client's website (another origin), opens the chat from the form.
    src = asgi_live_server + f"/forms/{web_form.public_id}/"
    write(
        "contact.html",
        "<!doctype html><html><head><meta charset='utf-8'><title>Alpha</title></head><body>"
        f"<h1>Contactez le support</h1><iframe src='{src}' title='Support' width='100%'"
        " height='640'></iframe></body></html>",
    )
    visitor_context = browser.new_context(locale="en-US", viewport={"width": 1024, "height": 800})
    visitor_context.set_default_timeout(10_000)
    visitor = visitor_context.new_page()
    try:
        visitor.goto(f"{base}/contact.html")
        frame = visitor.frame_locator("iframe")
        frame.locator("#web-form-chat a").click()
        # The web form has name and email fields too: wait for the chat's own form.
        expect(frame.locator("#visitor-start #id_body")).to_be_visible()
        frame.locator("#id_name").fill("Victor Visitor")
        frame.locator("#id_email").fill("victor@elsewhere.test")
        frame.locator("#id_body").fill("Hello, <b>is anyone</b> there?")
        screenshot(visitor, "chat_visitor-start-1024")
        frame.locator("#visitor-start button[type=submit]").click()
        expect(frame.locator("#chat")).to_have_attribute("data-connected", "1")
        expect(frame.locator("#chat-status")).to_have_text("Waiting for an agent")

        # The top bars count it per level; the agent takes it and they talk.
        expect(agent_page.locator("#chat-waiting-count")).to_have_text("1")
        expect(agent_page.locator('.chat-level-count[data-level="1"]')).to_have_text("L1\u00a01")
        expect(colleague.locator('.chat-level-count[data-level="1"]')).to_be_visible()
        screenshot(agent_page, "chat_visitor-waiting-agent-panel-1440")
        agent_page.click("#chat-waiting >> text=Take")
        expect(agent_page.locator("#chat")).to_have_attribute("data-connected", "1")
        expect(frame.locator("#chat-agent")).to_have_text("Alan Agent answers you.")
        agent_page.locator("#chat-input").press_sequentially("Yes, how", delay=30)
        expect(frame.locator("#chat-typing")).to_have_text("Alan Agent is typing…")
        agent_page.locator("#chat-input").press_sequentially(" can I help?")
        agent_page.locator("#chat-input").press("Enter")
        expect(frame.locator("#chat-log")).to_contain_text("Yes, how can I help?")
        frame.locator("#chat-input").fill("My website is down.")
        frame.locator("#chat-compose button").click()
        expect(agent_page.locator("#chat-log")).to_contain_text("My website is down.")
        expect(frame.locator(".chat-msg-mine")).to_have_count(2)  # the visitor's own two
        screenshot(visitor, "chat_visitor-chat-in-website-1024")
        screenshot(agent_page, "chat_visitor-chat-agent-1440")

        # Transfer to the colleague: their top bar pops a notice, their panel lists the chat.
        agent_page.select_option("#id_agent", label="Lea Level")
        agent_page.click("form[action$='/transfer/'] button")
        toast = colleague.locator("#chat-toasts .toast")
        expect(toast).to_contain_text("Alan Agent has transferred a chat with Victor Visitor")
        expect(colleague.locator("#chat-mine")).to_contain_text("Hello, <b>is anyone</b> there?")
        screenshot(colleague, "chat_transfer-toast-1440")
        toast.locator(".chat-toast-open").click()
        expect(colleague.locator("#chat")).to_have_attribute("data-connected", "1")
        colleague.click("#chat-end")
        ticket = Ticket.objects.get()
        assert ticket.channel == Ticket.Channel.CHAT and ticket.requester is None
        assert ticket.contact_email == "victor@elsewhere.test" and ticket.organization is None
        expect(frame.locator("#chat-ended")).to_be_visible()
        expect(frame.locator("#chat-compose")).to_be_hidden()
        expect(frame.locator("#visitor-leave")).to_be_hidden()
        screenshot(visitor, "chat_visitor-chat-ended-1024")
    finally:
        visitor_context.close()
