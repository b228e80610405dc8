"""Search and suggestions: French stemming and accents on PostgreSQL (substrings on SQLite),
hostile text, titles first, at most five suggestions, and the new-ticket form's placeholder."""

import re

import pytest
from django.urls import reverse

from tickets import access as tickets_access
from wiki import search, selectors


def titles(html: str) -> list[str]:
    pattern = r'href="/wiki/pages/\d+/"[^>]*>\s*(?:<div class="fw-semibold">)?([^<]+)<'
    return [title.strip() for title in re.findall(pattern, html)]


def test_french_stemming_and_accent_folding(login, client_a, pages):
    client = login(client_a)
    url = reverse("wiki:search")
    if search.uses_full_text():
        # Plural, no accents, another inflection: the same pages.
        assert "Imprimante du bureau Alpha" in titles(
            client.get(url, {"q": "imprimantes"}).content.decode()
        )
        assert titles(client.get(url, {"q": "reinitialiser"}).content.decode()) == [
            "Réinitialiser son mot de passe"
        ]
        assert titles(client.get(url, {"q": "cartouches"}).content.decode()) == [
            "Imprimante du bureau Alpha"
        ]
    else:
        assert titles(client.get(url, {"q": "IMPRIMANTE"}).content.decode()) == [
            "Imprimante du bureau Alpha"
        ]


def test_hostile_search_text_finds_nothing_and_breaks_nothing(login, agent, pages):
    client = login(agent)
    for text in (
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "& | ! :*",
        "\\",
        "9" * 30,
        "x\x00y",
    ):
        response = client.get(reverse("wiki:search"), {"q": text})
        assert response.status_code == 200
        assert titles(response.content.decode()) == []
        suggestions = client.get(reverse("wiki:suggest"), {"title": text})
        assert suggestions.status_code == 200
        assert titles(suggestions.content.decode()) == []


def test_suggestions_put_title_matches_first_and_stop_at_five(write, pages, agent, client_a, login):
    for n in range(7):
        write(pages.space_a, f"Note {n}", "Parfois l'imprimante affiche un voyant.", "organization")
    html = login(client_a).get(reverse("wiki:suggest"), {"title": "Mon imprimante ne marche plus"})
    shown = titles(html.content.decode())
    assert len(shown) == 5
    assert shown[0] == "Imprimante du bureau Alpha"
    assert login(client_a).get(reverse("wiki:suggest"), {"title": "ab"}).content.strip() == b""


def test_the_new_ticket_form_asks_the_wiki_as_the_title_is_typed(login, client_a, ref):
    html = login(client_a).get(reverse("tickets:new")).content.decode()
    placeholder = re.search(r'<div class="wiki-suggest"[^>]*>', html).group(0)
    assert f'hx-get="{reverse("wiki:suggest")}"' in placeholder
    assert "delay:400ms from:#id_title" in placeholder and 'hx-include="#id_title"' in placeholder


def test_the_ticket_page_loads_its_suggestions_lazily(login, agent, make_ticket, client_a):
    ticket = make_ticket(client_a)
    html = login(agent).get(reverse("tickets:detail", args=[ticket.number])).content.decode()
    url = reverse("wiki:ticket-suggestions", args=[ticket.number])
    assert f'hx-get="{url}" hx-trigger="intersect once"' in html


def test_an_agent_inserts_a_link_to_a_suggested_page(login, agent, make_ticket, client_a, pages):
    ticket = make_ticket(client_a, title="Bourrage dans l'imprimante")
    assert tickets_access.can_reply(agent, ticket)
    html = (
        login(agent).get(reverse("wiki:ticket-suggestions", args=[ticket.number])).content.decode()
    )
    assert (
        f'data-text="[Imprimante du bureau Alpha](http://testserver/wiki/pages/{pages.org_a.pk}/)"'
        in html
    )
    assert 'data-target="id_body"' in html and "js-insert-text" in html
    best = selectors.suggestions(agent, ticket.title)[0]
    assert best.title == "Imprimante du bureau Alpha"


@pytest.mark.parametrize("count", [2, 20])
def test_the_fragments_read_a_bounded_number_of_queries(
    count, write, pages, agent, client_a, make_ticket, login, django_assert_max_num_queries
):
    for n in range(count):
        write(pages.space_a, f"Imprimante {n}", "Bourrage papier.", "organization")
    ticket = make_ticket(client_a, title="Bourrage dans l'imprimante")
    client = login(agent)
    with django_assert_max_num_queries(12):
        assert (
            client.get(reverse("wiki:ticket-suggestions", args=[ticket.number])).status_code == 200
        )
    client = login(client_a)
    with django_assert_max_num_queries(8):
        assert (
            client.get(reverse("wiki:suggest"), {"title": "imprimante bourrage"}).status_code == 200
        )
