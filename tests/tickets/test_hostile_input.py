"""Hostile or careless input on the ticket pages: characters the database refuses (NUL),
texts longer than a field's limit, a 1,000,000-character word. Each gets a clear message with
the text kept, or is shown within a bounded time; none answers 500."""

import time

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from core.forms import TEXT_MAX
from core.text import SHOWN_LENGTH
from tickets import services
from tickets.models import Event, SavedFilter, Ticket

pytestmark = pytest.mark.django_db

SAVE = reverse("tickets:saved-filter-save")
NUL_REFUSED = "characters that cannot be saved"
# Measured on the development machine (2 shared CPUs): 0.2 to 0.5 s per page for a
# description and a reply of 1,000,000 characters each; 71 s before (Markdown on the whole
# text of "[" characters). The bound leaves room for a busy machine.
PAGE_SECONDS = 5


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_saved_view_named_with_a_nul_is_refused_with_the_name_kept(login, agent):
    client = login(agent)
    data = {"name": "Urgent\x00s", "query": "overdue=true"}
    response = client.post(SAVE, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert NUL_REFUSED in html and 'value="Urgents"' in html
    # Without htmx: a message on the queue, filters kept.
    response = client.post(SAVE, data)
    assert response.status_code == 302 and response.url.endswith("?overdue=true")
    assert any(NUL_REFUSED in m for m in _messages(response))
    assert not SavedFilter.objects.exists()
    # A name that can be stored is still saved.
    assert client.post(SAVE, {**data, "name": "Urgents"}).status_code == 302
    assert SavedFilter.objects.get().name == "Urgents"


def test_a_reopen_reason_with_a_nul_gets_a_message(login, client_a, agent, ticket_a, ref):
    services.change_status(actor=agent, ticket=ticket_a, status=ref.status["ferme"])
    client = login(client_a)
    url = reverse("tickets:reopen", args=[ticket_a.number])
    response = client.post(url, {"reason": "Encore\x00 en panne"})
    assert response.status_code == 302
    assert any(NUL_REFUSED in m for m in _messages(response))
    ticket_a.refresh_from_db()
    assert ticket_a.status.is_final
    response = client.post(url, {"reason": "Encore en panne"})
    ticket_a.refresh_from_db()
    assert not ticket_a.status.is_final


def test_a_too_long_description_is_refused_with_the_text_kept(login, client_a, ref):
    text = "word " * (TEXT_MAX // 5) + "over"
    response = login(client_a).post(
        reverse("tickets:new"),
        {
            "title": "Trop long",
            "description": text,
            "type": ref.type["incident"].pk,
            "criticality": "high",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f"at most {TEXT_MAX} characters" in html
    assert text in html
    assert not Ticket.objects.exists()
    # A title past 200 characters too.
    response = login(client_a).post(
        reverse("tickets:new"), {"title": "t" * 201, "description": "ok"}
    )
    assert "at most 200 characters" in response.content.decode()


def test_a_one_million_character_reply_is_refused_with_the_text_kept(login, client_a, ticket_a):
    word = "x" * 1_000_000
    response = login(client_a).post(
        reverse("tickets:reply", args=[ticket_a.number]), {"body": word}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f"at most {TEXT_MAX} characters (it has 1000000)" in html
    assert word in html
    assert not Event.objects.filter(ticket=ticket_a, kind=Event.Kind.REPLY).exists()


@pytest.mark.parametrize("letters", ["a", "[", "x_"])
def test_a_one_million_character_word_shows_quickly_and_folded(
    letters, login, make_ticket, agent, client_a, django_assert_max_num_queries
):
    """A text longer than any form takes (an email, an import): the start is rendered, the
    rest folded as plain text, and the page answers well within PAGE_SECONDS."""
    word = letters * (1_000_000 // len(letters))
    ticket = make_ticket(client_a, description=word)
    services.reply(actor=agent, ticket=ticket, body=word)
    url = reverse("tickets:detail", args=[ticket.number])
    for person in (agent, client_a):
        client = login(person)
        start = time.perf_counter()
        with django_assert_max_num_queries(30):
            response = client.get(url)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        assert elapsed < PAGE_SECONDS, f"{person.email}: {elapsed:.1f} s"
        html = response.content.decode()
        # Description and reply: each folded after SHOWN_LENGTH characters.
        assert html.count('<details class="long-text small">') == 2
        rest = len(word) - SHOWN_LENGTH
        assert html.count(f"Show the rest of the text ({rest} more characters)") == 2
        assert html.count(word[SHOWN_LENGTH:]) >= 2
