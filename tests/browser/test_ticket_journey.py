"""A client files a ticket with a 6 MB screenshot; an agent claims, notes, replies and closes it;
the client sees the reply and the image but never the note, answers, and the ticket reopens."""

import io
import os
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tickets.models import Event, Status, Ticket


@pytest.fixture
def big_png(tmp_path):
    """A real PNG over 6 MB (random noise does not compress)."""
    image = Image.frombytes("RGB", (1500, 1500), os.urandom(1500 * 1500 * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=0)
    path = tmp_path / "capture-erreur.png"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size > 6 * 1024 * 1024
    return path


def post_form(page, action_suffix):
    page.locator(f"form[action$='{action_suffix}'] [type=submit]").first.click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_ticket_life_from_the_client_to_the_agent_and_back(
    login_page, screenshot, client_a, agent, big_png
):
    # The client files the ticket with the screenshot.
    client_page = login_page(client_a)
    client_page.goto("/tickets/new/")
    client_page.locator("[name=title]").fill("L'export comptable plante")
    client_page.locator("[name=description]").fill(
        "Depuis ce matin l'export plante, capture jointe."
    )
    client_page.locator("[name=type]").select_option(index=1)
    client_page.locator("[name=attachments]").set_input_files(str(big_png))
    screenshot(client_page, "tickets_create_client")
    client_page.locator("form [type=submit]").last.click()
    client_page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    ticket = Ticket.objects.get(title="L'export comptable plante")
    assert ticket.attachments.get().size > 6 * 1024 * 1024

    # The agent takes it, writes an internal note and a public reply, then closes it.
    agent_page = login_page(agent)
    agent_page.goto(f"/tickets/{ticket.number}/")
    post_form(agent_page, "/claim/")
    assert ticket.assignees.filter(pk=agent.pk).exists()

    agent_page.locator("[name=body]").fill(
        "Note interne : bug connu de l'éditeur, correctif en test."
    )
    agent_page.locator("[name=internal]").check()
    post_form(agent_page, "/reply/")
    agent_page.locator("[name=body]").fill(
        "Bonjour, le correctif est en place, pouvez-vous réessayer ?"
    )
    post_form(agent_page, "/reply/")
    screenshot(agent_page, "tickets_detail_staff")

    closed = Status.objects.filter(category=Status.Category.CLOSED).first()
    agent_page.locator("form[action$='/status/'] [name=status]").select_option(str(closed.pk))
    post_form(agent_page, "/status/")
    ticket.refresh_from_db()
    assert ticket.status.category == Status.Category.CLOSED

    # The client sees the reply and the image, never the note.
    client_page.goto(f"/tickets/{ticket.number}/")
    body = client_page.content()
    assert "le correctif est en place" in body
    assert "bug connu de l'éditeur" not in body
    image = client_page.locator("img[src*='/files/']").first
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()  # lazy images load once near the viewport
    width = 0
    for _ in range(50):  # wait_for_function needs eval, which the CSP forbids
        width = client_page.evaluate(
            "(img) => img.complete && img.naturalWidth", image.element_handle()
        )
        if width:
            break
        client_page.wait_for_timeout(100)
    assert width > 0
    screenshot(client_page, "tickets_detail_client")

    # The client answers the closed ticket: it comes back to life.
    client_page.locator("[name=body]").fill("Toujours le même problème, désolé.")
    post_form(client_page, "/reply/")
    ticket.refresh_from_db()
    assert ticket.status.category in (Status.Category.OPEN, Status.Category.NEW)
    assert ticket.events.filter(kind=Event.Kind.REOPEN).exists()

    agent_page.goto("/tickets/")
    screenshot(agent_page, "tickets_list")
