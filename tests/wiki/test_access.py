"""Who reads what: every page, revision, file, search and suggestion of the knowledge base,
for every role. A page someone may not read answers 404, like one that does not exist."""

import pytest
from django.urls import reverse

from tests.factories import make_user
from tests.tickets.conftest import png_file
from wiki import services

PAGES = ["public", "shared_draft", "internal", "org_a", "org_a_staff", "org_b"]
STAFF_ALL = set(PAGES)
# Who reads which of the pages of the `pages` fixture.
READS = {
    "client_a": {"public", "org_a"},
    "client_admin_a": {"public", "org_a"},
    "client_b": {"public", "org_b"},
    "reseller": {"public", "org_a"},  # organization A is one of the reseller's clients
    "sales": STAFF_ALL - {"org_b"},  # sales represents organization A only
    "agent": STAFF_ALL,
    "admin": STAFF_ALL,
    "dpo": STAFF_ALL,
    "developer": STAFF_ALL,
    "controller": STAFF_ALL,
}
STAFF = {"sales", "agent", "admin", "dpo", "developer", "controller"}
WRITERS = {"sales", "agent", "admin"}


def _with_file(page, agent):
    return services.add_attachment(actor=agent, page=page, upload=png_file())


@pytest.mark.parametrize("who", sorted(READS))
def test_each_role_reads_exactly_its_pages_and_files(who, pages, agent, request, login):
    client = login(request.getfixturevalue(who))
    for name in PAGES:
        page = getattr(pages, name)
        attachment = _with_file(page, agent)
        urls = [
            reverse("wiki:page", args=[page.pk]),
            reverse("wiki:attachment", args=[page.pk, attachment.pk]),
            reverse("wiki:attachment-thumbnail", args=[page.pk, attachment.pk]),
        ]
        for url in urls:
            status = client.get(url).status_code
            assert status == (200 if name in READS[who] else 404), (who, name, url)
        history = client.get(reverse("wiki:history", args=[page.pk])).status_code
        revision = client.get(reverse("wiki:revision", args=[page.pk, 1])).status_code
        expected = 200 if name in READS[who] and who in STAFF else 404
        assert (history, revision) == (expected, expected), (who, name)
        edit = client.get(reverse("wiki:edit", args=[page.pk])).status_code
        if name not in READS[who]:
            assert edit == 404
        else:
            assert edit == (200 if who in WRITERS else 403), (who, name)


def test_a_file_of_a_page_is_not_reached_through_another_page(pages, agent, login, client_a):
    secret = _with_file(pages.org_b, agent)
    client = login(client_a)
    forged = reverse("wiki:attachment", args=[pages.public.pk, secret.pk])
    assert client.get(forged).status_code == 404
    assert client.get("/wiki/pages/999999/").status_code == 404


@pytest.mark.parametrize("who", sorted(READS))
def test_search_finds_only_the_pages_the_person_reads(who, pages, request, login):
    client = login(request.getfixturevalue(who))
    found = client.get(reverse("wiki:search"), {"q": "imprimante"}).content.decode()
    titles = {
        "shared_draft": "Brouillon FAQ imprimante",
        "org_a": "Imprimante du bureau Alpha",
        "org_b": "Imprimante Beta secrète",
    }
    for name, title in titles.items():
        assert (title in found) == (name in READS[who]), (who, name)


@pytest.mark.parametrize("who", sorted(READS))
def test_suggestions_never_include_a_page_the_person_cannot_open(who, pages, request, login):
    client = login(request.getfixturevalue(who))
    response = client.get(reverse("wiki:suggest"), {"title": "imprimante mot passe VPN serveurs"})
    html = response.content.decode()
    for name in PAGES:
        page = getattr(pages, name)
        shown = reverse("wiki:page", args=[page.pk]) + '"' in html
        if shown:
            assert name in READS[who], (who, name)
            assert client.get(reverse("wiki:page", args=[page.pk])).status_code == 200
    assert html.count('class="d-flex flex-wrap align-items-center') <= 5


def test_spaces_list_shows_customers_only_their_spaces(pages, login, client_a, agent):
    page = login(client_a).get(reverse("wiki:index")).content.decode()
    assert "Alpha Industries" in page
    assert "Beta Corp" not in page
    assert reverse("wiki:space", args=[pages.internal_space.pk]) + '"' not in page
    assert login(client_a).get(reverse("wiki:space", args=[pages.space_b.pk])).status_code == 404
    internal = reverse("wiki:space", args=[pages.internal_space.pk])
    assert login(client_a).get(internal).status_code == 404
    space_a = login(client_a).get(reverse("wiki:space", args=[pages.space_a.pk])).content.decode()
    assert "Imprimante du bureau Alpha" in space_a
    assert "Accès VPN Alpha" not in space_a
    staff = login(agent).get(reverse("wiki:index")).content.decode()
    assert "Beta Corp" in staff and internal in staff


def test_a_person_without_a_role_has_no_knowledge_base(pages, login):
    nobody = make_user(email="nobody@example.test")
    client = login(nobody)
    for url in (
        reverse("wiki:index"),
        reverse("wiki:search") + "?q=imprimante",
        reverse("wiki:suggest") + "?title=imprimante",
        reverse("wiki:page", args=[pages.public.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("wiki:new")).status_code == 403


def test_customers_may_not_write_or_preview(pages, login, client_a):
    client = login(client_a)
    assert client.get(reverse("wiki:new")).status_code == 403
    assert client.post(reverse("wiki:preview"), {"body": "x"}).status_code == 403
    upload = client.post(
        reverse("wiki:attachment-upload", args=[pages.org_a.pk]), {"file": png_file()}
    )
    assert upload.status_code == 403
    restore = client.post(reverse("wiki:revision-restore", args=[pages.org_a.pk, 1]))
    assert restore.status_code == 404  # the history itself is hidden from customers
    hidden = client.post(reverse("wiki:helpful", args=[pages.org_b.pk]))
    assert hidden.status_code == 404
    assert client.post(reverse("wiki:viewed", args=[pages.internal.pk])).status_code == 404


def test_ticket_suggestions_follow_the_ticket_and_are_for_staff(
    pages, make_ticket, client_a, client_b, agent, login
):
    ticket = make_ticket(client_a, title="L'imprimante fait un bourrage")
    url = reverse("wiki:ticket-suggestions", args=[ticket.number])
    assert login(client_b).get(url).status_code == 404
    assert login(client_a).get(url).content == b""  # the fragment is for the support team
    html = login(agent).get(url).content.decode()
    assert "Imprimante du bureau Alpha" in html
    assert "wiki-insert-link" in html
    assert f"{reverse('wiki:new')}?ticket={ticket.number}" in html
