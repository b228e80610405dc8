"""Full-text search: number, title, description, public replies, internal notes for staff only;
French stemming and accent folding on PostgreSQL, substring fallback on SQLite; visibility."""

import re

import pytest
from django.urls import reverse

from tickets import search, services

pytestmark = pytest.mark.django_db


def found(client, text, **params):
    """The ticket numbers of the rows shown, in order (rows are kept rendered one by one, so the
    tickets a request reads are only those whose row changed)."""
    response = client.get(reverse("tickets:list"), {"q": text, **params})
    assert response.status_code == 200
    page = response.content.decode()
    return [int(n) for n in re.findall(r'class="q-number[^"]*"><a [^>]*>#(\d+)<', page)]


@pytest.fixture
def corpus(make_ticket, agent, client_a, client_b):
    title = make_ticket(client_a, title="Téléphone muet", description="Depuis ce matin.")
    body = make_ticket(client_a, title="Poste 12", description="Le téléphone ne sonne plus.")
    reply = make_ticket(client_a, title="Accès", description="Mot de passe oublié.")
    services.reply(actor=agent, ticket=reply, body="Le serveur de messagerie redémarre.")
    note = make_ticket(client_a, title="Facture", description="Montant faux.")
    services.reply(
        actor=agent, ticket=note, body="Voir avec comptabilité confidentiel", internal=True
    )
    other = make_ticket(client_b, title="Téléphone de Beta", description="Secret messagerie.")
    services.reply(actor=agent, ticket=other, body="confidentiel aussi", internal=False)
    return {"title": title, "body": body, "reply": reply, "note": note, "other": other}


def test_title_matches_rank_before_description_matches(login, agent, corpus):
    client = login(agent)
    results = found(client, "téléphone")
    assert set(results[:2]) == {corpus["title"].number, corpus["other"].number}
    assert results[2:] == [corpus["body"].number]  # description only: after both titles


def test_public_replies_are_searched_and_notes_only_for_staff(login, agent, client_a, corpus):
    staff = login(agent)
    assert corpus["reply"].number in found(staff, "messagerie")
    assert corpus["note"].number in found(staff, "confidentiel")
    client = login(client_a)
    assert found(client, "messagerie") == [corpus["reply"].number]  # not Beta's description
    assert found(client, "confidentiel") == []  # the note's words stay hidden


def test_a_client_never_finds_another_organizations_ticket(login, client_b, corpus):
    client = login(client_b)
    assert found(client, "téléphone") == [corpus["other"].number]
    assert found(client, f"#{corpus['title'].number}") == []
    assert found(client, str(corpus["other"].number)) == [corpus["other"].number]


def test_search_by_number_and_hostile_input(login, agent, corpus):
    client = login(agent)
    assert found(client, f"#{corpus['note'].number}")[0] == corpus["note"].number
    for text in ("<script>alert(1)</script>", "' OR 1=1 --", "a & | ! :*", "\\", "9" * 30):
        assert found(client, text) == []


def test_french_stemming_and_accent_folding(login, agent, corpus):
    client = login(agent)
    if search.uses_full_text():
        # Plural, other inflection, no accents: the same tickets.
        assert corpus["title"].number in found(client, "telephones")
        assert corpus["reply"].number in found(client, "redemarrer")
        assert corpus["body"].number in found(client, '"telephone ne sonne"')
        excluded = set(found(client, "téléphone -muet"))
        assert excluded == {corpus["body"].number, corpus["other"].number}
    else:
        # SQLite: a plain case-insensitive substring match.
        assert corpus["title"].number in found(client, "TÉLÉPHONE muet".lower())
        assert found(client, "telephones") == []


def test_search_queries_do_not_grow(
    login, agent, make_ticket, client_a, django_assert_max_num_queries
):
    client = login(agent)
    for _ in range(3):
        make_ticket(client_a, title="Imprimante en panne")
    found(client, "imprimante")
    with django_assert_max_num_queries(30) as few:
        found(client, "imprimante")
    for _ in range(30):
        make_ticket(client_a, title="Imprimante en panne")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(found(client, "imprimante")) == 25


@pytest.fixture
def printers(make_ticket, agent, client_a):
    """Text matches (titles, a description) and tickets found only through a reply or a note;
    each made after the previous one, so activity order is creation order."""
    made = {}
    made["title_old"] = make_ticket(client_a, title="Imprimante HS", description="Rien.")
    made["description"] = make_ticket(client_a, title="Poste 3", description="Une imprimante.")
    made["title_new"] = make_ticket(client_a, title="Imprimante lente", description="Rien.")
    made["reply"] = make_ticket(client_a, title="Accès", description="Mot de passe.")
    services.reply(actor=agent, ticket=made["reply"], body="Voir l'imprimante du 2e.")
    made["note"] = make_ticket(client_a, title="Facture", description="Montant.")
    services.reply(actor=agent, ticket=made["note"], body="imprimante", internal=True)
    return {key: ticket.number for key, ticket in made.items()}


def _pages(user, text, per_page):
    from django.http import QueryDict

    from tickets import selectors
    from tickets.paging import CappedPaginator

    rows = selectors.ticket_queue(user, QueryDict(f"q={text}"))[1]
    paginator = CappedPaginator(rows, per_page)
    numbers = []
    for page in range(1, paginator.num_pages + 1):
        numbers += [t.number for t in paginator.page(page).object_list]
    return paginator.count, numbers


def test_text_matches_come_first_then_reply_matches_page_after_page(
    login, agent, client_a, printers
):
    expected = [
        printers["title_new"],
        printers["title_old"],
        printers["description"],
        printers["note"],
        printers["reply"],
    ]
    assert found(login(agent), "imprimante") == expected
    for per_page in (1, 2, 3):
        assert _pages(agent, "imprimante", per_page) == (5, expected)
    # The client: no note, and the same order.
    assert _pages(client_a, "imprimante", 2) == (4, [*expected[:3], printers["reply"]])


def test_ranking_is_bounded_to_the_most_recent_text_matches(login, agent, printers, monkeypatch):
    monkeypatch.setattr(search, "RANK_LIMIT", 1)
    numbers = _pages(agent, "imprimante", 2)[1]
    if search.uses_full_text():
        # Only the newest text match is ranked; older text matches follow, newest first.
        first = [printers["title_new"], printers["description"], printers["title_old"]]
    else:
        first = [printers["title_new"], printers["title_old"], printers["description"]]
    assert numbers == [*first, printers["note"], printers["reply"]]


def test_a_sorted_search_keeps_every_match(login, agent, printers):
    numbers = found(login(agent), "imprimante", sort="-number")
    assert numbers == sorted(printers.values(), reverse=True)


def test_a_search_repeated_is_not_run_again_until_a_ticket_changes(
    login, agent, client_a, corpus, settings
):
    """The queue refreshing itself on a search (or paging through it) reuses the counted,
    ranked results until the next ticket change, which shows at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.HELPDESK_COUNTERS_CACHE_SECONDS = 60
    client = login(agent)
    assert found(client, "messagerie") == [corpus["other"].number, corpus["reply"].number]
    with CaptureQueriesContext(connection) as again:
        response = client.get(reverse("tickets:list"), {"q": "messagerie"})
    # The rows come as they were rendered (tickets.caching.queue_rows), in the same order.
    shown = re.findall(r'class="q-number[^"]*"><a [^>]*>#(\d+)<', response.content.decode())
    assert shown == [str(corpus["other"].number), str(corpus["reply"].number)]
    # Neither counted nor ranked again, nor the page's rows read.
    counted = [q["sql"] for q in again.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not counted, counted
    services.reply(actor=client_a, ticket=corpus["body"], body="Et la messagerie aussi.")
    assert found(client, "messagerie") == [
        corpus["other"].number,  # text match first, then reply-only matches, newest first
        corpus["body"].number,
        corpus["reply"].number,
    ]
    # Each person their own results: a client never gets the agent's.
    assert found(login(client_a), "messagerie") == [
        corpus["body"].number,
        corpus["reply"].number,
    ]


@pytest.mark.parametrize("name", ["dpo", "controller"])
def test_a_search_by_someone_who_sees_no_ticket_shows_an_empty_page(
    name, request, login, corpus, django_assert_max_num_queries
):
    # They see no ticket at all: the ranked search (PostgreSQL) used to answer 500.
    client = login(request.getfixturevalue(name))
    with django_assert_max_num_queries(15):
        response = client.get(reverse("tickets:list"), {"q": "téléphone"})
    assert response.status_code == 200
    assert list(response.context["tickets"]) == []
    assert response.context["page"].paginator.count == 0
