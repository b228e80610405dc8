"""The web form inside a plain HTML page of another origin (a website's page, served by a tiny
http.server on 127.0.0.1): it files a ticket; the honeypot refuses silently; a site that is not
listed cannot show it."""

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from integrations import webforms
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def website(tmp_path):
    """(base URL, write(name, html)): a website on another origin than the helpdesk."""
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def write(name, html):
        (tmp_path / name).write_text(html, encoding="utf-8")

    yield f"http://127.0.0.1:{server.server_address[1]}", write
    server.shutdown()
    server.server_close()


def embedding_page(src):
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Alpha</title></head><body>"
        "<h1>Contactez le support</h1>"
        f"<iframe src='{src}' title='Support' width='100%' height='720'></iframe>"
        "</body></html>"
    )


def test_the_form_on_a_listed_website_files_a_ticket_and_the_honeypot_files_none(
    page, live_server, website, screenshot
):
    base, write = website
    web_form = webforms.save_web_form(
        form=None,
        name="Support Alpha",
        fields=["description"],
        allowed_origins=base,
        is_active=True,
    )
    src = live_server.url + reverse("integrations:web-form", args=[web_form.public_id])
    write("contact.html", embedding_page(src))
    page.goto(base + "/contact.html")
    frame = page.frame_locator("iframe")
    frame.locator("#id_email").fill("nouveau@prospect.test")
    frame.locator("#id_title").fill("Demande de devis")
    frame.locator("#id_description").fill("Bonjour, pouvez-vous nous rappeler ?")
    screenshot(page, "web-form-embedded")
    frame.locator("button[type=submit]").click()
    expect(frame.locator("#web-form-sent")).to_be_visible()
    ticket = Ticket.objects.get()
    assert ticket.title == "Demande de devis" and ticket.contact_email == "nouveau@prospect.test"

    # A robot fills every field, the hidden one too: thanked the same way, nothing filed.
    frame.locator("a.btn").click()
    frame.locator("#id_email").fill("robot@spam.test")
    frame.locator("#id_title").fill("Cheap pills")
    frame.locator("#id_description").fill("Buy now")
    frame.locator("#id_website").fill("http://spam.test", force=True)
    frame.locator("button[type=submit]").click()
    expect(frame.locator("#web-form-sent")).to_be_visible()
    assert Ticket.objects.count() == 1


def test_a_website_that_is_not_listed_cannot_show_the_form(page, live_server, website):
    base, write = website
    web_form = webforms.save_web_form(
        form=None,
        name="Support Beta",
        fields=[],
        allowed_origins="https://www.beta.fr",
        is_active=True,
    )
    src = live_server.url + reverse("integrations:web-form", args=[web_form.public_id])
    write("other.html", embedding_page(src))
    blocked = []
    page.on("console", lambda message: blocked.append(message.text))
    page.goto(base + "/other.html")
    page.wait_for_timeout(1500)
    frames = [frame for frame in page.frames if frame != page.main_frame]
    assert frames
    assert all(frame.locator("#web-form").count() == 0 for frame in frames)
    assert any("frame-ancestors" in text for text in blocked), blocked
    # The helpdesk's own pages refuse every site, the listed one too.
    write("login.html", embedding_page(live_server.url + reverse("account_login")))
    page.goto(base + "/login.html")
    page.wait_for_timeout(1000)
    frames = [frame for frame in page.frames if frame != page.main_frame]
    assert all(frame.locator("form").count() == 0 for frame in frames)
