"""Writing and reading pages: Markdown rendered once and sanitized, table of contents, ticket
links, tags, revisions with their differences and restore, concurrent edits, files, counters,
and an article drawn from a ticket."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.tickets.conftest import png_file
from tickets import services as ticket_services
from wiki import services
from wiki.models import Attachment, HelpfulMark, Page, Revision, Space

V = Page.Visibility


def test_an_agent_writes_a_page_for_an_organization_and_its_client_reads_it(
    org_a, agent, client_a, client_b, login
):
    body = (
        "## Redémarrer\nVoir le ticket #88.\n\n## Vérifier\n- le câble\n- le toner\n\n"
        "<script>alert(1)</script> [piège](javascript:alert(1)) ![x](https://tracker.test/x.png)"
    )
    response = login(agent).post(
        reverse("wiki:new"),
        {
            "space": str(org_a.pk),
            "visibility": V.ORGANIZATION,
            "title": "Imprimante de l'accueil",
            "body": body,
            "tags": "Imprimante, matériel, imprimante",
        },
    )
    page = Page.objects.get(title="Imprimante de l'accueil")
    assert response["Location"] == page.get_absolute_url()
    assert page.space.kind == Space.Kind.ORGANIZATION and page.organization_id == org_a.pk
    assert page.tag_names == ["imprimante", "matériel"]
    # Rendered once, stored with the revision; sanitized.
    assert '<a href="/tickets/88/"' in page.body_html
    assert "<script" not in page.body_html and 'href="javascript' not in page.body_html
    assert "tracker.test" not in page.body_html
    assert [entry["title"] for entry in page.toc] == ["Redémarrer", "Vérifier"]
    assert Revision.objects.get(page=page).body_html == page.body_html

    html = login(client_a).get(page.get_absolute_url()).content.decode()
    assert 'id="h-redemarrer"' in html and 'href="#h-redemarrer"' in html  # the contents
    assert "le toner" in html
    assert "views" not in html  # counters are for staff
    assert login(client_b).get(page.get_absolute_url()).status_code == 404


def test_the_form_keeps_what_was_typed_and_refuses_hostile_text(agent, org_a, login):
    client = login(agent)
    data = {
        "space": str(org_a.pk),
        "visibility": V.CLIENTS,
        "title": "Titre gardé",
        "body": "Texte",
    }
    wrong = client.post(reverse("wiki:new"), data)  # "every client" is for the shared space
    assert wrong.status_code == 200
    html = wrong.content.decode()
    assert "This visibility is not possible in this space." in html
    assert 'value="Titre gardé"' in html and "Texte</textarea>" in html
    nul = client.post(reverse("wiki:new"), {**data, "visibility": V.STAFF, "body": "a\x00b"})
    assert "cannot be saved" in nul.content.decode()
    huge = client.post(reverse("wiki:new"), {**data, "visibility": V.STAFF, "body": "x" * 100_001})
    assert huge.status_code == 200
    forged = client.post(reverse("wiki:new"), {**data, "space": "999999", "visibility": V.STAFF})
    assert forged.status_code == 200
    assert not Page.objects.exists()


def test_a_sales_rep_may_not_write_for_an_organization_they_do_not_represent(sales, org_b, login):
    response = login(sales).post(
        reverse("wiki:new"),
        {"space": str(org_b.pk), "visibility": V.STAFF, "title": "Intrus", "body": "x"},
    )
    assert response.status_code == 200  # not among the choices
    assert not Page.objects.exists()


def test_the_live_preview_renders_markdown_safely(agent, login):
    response = login(agent).post(
        reverse("wiki:preview"), {"body": "**gras** <img src=x onerror=1>"}
    )
    html = response.content.decode()
    assert "<strong>gras</strong>" in html
    assert "<img" not in html and "&lt;img src=x onerror=1&gt;" in html  # shown as text


def test_revisions_show_who_changed_what_and_an_old_text_can_be_restored(
    pages, agent, admin, login
):
    page = pages.org_a
    client = login(admin)
    form = {
        "title": page.title,
        "body": "## Bourrage\nOuvrir le capot puis tirer la feuille.",
        "visibility": V.ORGANIZATION,
        "tags": "imprimante",
        "note": "Plus précis",
        "version": page.version,
    }
    assert client.post(reverse("wiki:edit", args=[page.pk]), form).status_code == 302
    page.refresh_from_db()
    assert page.version == 2 and page.updated_by == admin
    history = client.get(reverse("wiki:history", args=[page.pk])).content.decode()
    assert "Plus précis" in history and "Ada Admin" in history and "Alan Agent" in history
    diff = client.get(reverse("wiki:revision", args=[page.pk, 2])).content.decode()
    assert "wiki-diff-added" in diff and "tirer la feuille" in diff
    assert "wiki-diff-removed" in diff and "Changer la cartouche." in diff

    restored = client.post(
        reverse("wiki:revision-restore", args=[page.pk, 1]), {"version": page.version}
    )
    assert restored["Location"] == page.get_absolute_url()
    page.refresh_from_db()
    assert "Changer la cartouche." in page.body and page.version == 3
    latest = page.revisions.first()
    assert latest.number == 3 and latest.restored_from == 1
    assert "Changer la cartouche." in page.body_html


def test_a_second_editor_is_refused_with_their_text_kept_and_the_difference_shown(
    pages, agent, admin, login, django_assert_max_num_queries
):
    page = pages.org_a
    seen = page.version
    services.edit_page(
        actor=agent,
        page=page,
        title=page.title,
        body="Texte de l'agent, enregistré le premier.",
        visibility=V.ORGANIZATION,
        tags=[],
        seen_version=seen,
    )
    mine = "Mon texte à moi, tapé pendant ce temps."
    response = login(admin).post(
        reverse("wiki:edit", args=[page.pk]),
        {"title": page.title, "body": mine, "visibility": V.ORGANIZATION, "version": seen},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone saved this page while you were editing it" in html
    assert f"{mine}</textarea>" in html  # their text kept
    assert "wiki-diff-removed" in html and "Texte de l&#x27;agent" in html  # what was saved
    page.refresh_from_db()
    assert page.body == "Texte de l'agent, enregistré le premier."
    assert page.revisions.count() == 2
    # Saving again from the refusal is knowingly replacing the other text.
    again = login(admin).post(
        reverse("wiki:edit", args=[page.pk]),
        {"title": page.title, "body": mine, "visibility": V.ORGANIZATION, "version": page.version},
    )
    assert again.status_code == 302


def test_files_are_checked_like_tickets_and_downloaded_safely(pages, agent, client_a, login):
    client = login(agent)
    url = reverse("wiki:attachment-upload", args=[pages.org_a.pk])
    fake = SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script>", "image/png")
    response = client.post(url, {"file": fake}, follow=True)
    assert "is not a valid image" in response.content.decode()
    assert not Attachment.objects.exists()
    client.post(url, {"file": png_file("schéma.png")})
    attachment = Attachment.objects.get()
    assert attachment.is_image and attachment.thumbnail
    page_html = client.get(pages.org_a.get_absolute_url()).content.decode()
    link = reverse("wiki:attachment", args=[pages.org_a.pk, attachment.pk])
    assert f"![schéma.png]({link})" in page_html  # the line to paste into the text
    download = login(client_a).get(link)
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "image/png"


def test_views_and_solved_problems_are_counted_and_shown_to_staff(pages, client_a, agent, login):
    page = pages.org_a
    client = login(client_a)
    assert client.get(page.get_absolute_url()).status_code == 200
    page.refresh_from_db()
    assert page.view_count == 0  # opening a page writes nothing; the page then posts
    assert client.post(reverse("wiki:viewed", args=[page.pk])).status_code == 204
    assert client.post(reverse("wiki:viewed", args=[page.pk])).status_code == 204
    client.post(
        reverse("wiki:helpful", args=[page.pk]), {"from": "suggestion"}, HTTP_HX_REQUEST="true"
    )
    again = client.post(reverse("wiki:helpful", args=[page.pk]), HTTP_HX_REQUEST="true")
    assert "glad this page solved your problem" in again.content.decode()
    page.refresh_from_db()
    assert (page.view_count, page.helpful_count) == (2, 1)  # one person counts once
    assert HelpfulMark.objects.get().from_suggestion
    staff = login(agent).get(page.get_absolute_url()).content.decode()
    assert "problems solved" in staff
    space = login(agent).get(reverse("wiki:space", args=[pages.space_a.pk])).content.decode()
    assert "<th" in space and "Solved" in space


def test_an_article_from_a_ticket_leaves_internal_notes_out_unless_chosen(
    make_ticket, client_a, agent, login, org_a
):
    ticket = make_ticket(client_a, title="Bourrage papier", description="Le papier se coince.")
    ticket_services.reply(actor=agent, ticket=ticket, body="Ouvrez le capot arrière.")
    ticket_services.reply(actor=agent, ticket=ticket, body="Client pénible", internal=True)
    client = login(agent)
    html = client.get(reverse("wiki:new"), {"ticket": ticket.number}).content.decode()
    assert 'value="Bourrage papier"' in html
    assert "Le papier se coince." in html and "Ouvrez le capot arrière." in html
    assert "Client pénible" not in html
    assert f'value="{org_a.pk}" selected' in html
    with_notes = client.get(reverse("wiki:new"), {"ticket": ticket.number, "with_notes": "1"})
    assert "Client pénible" in with_notes.content.decode()
    response = client.post(
        reverse("wiki:new"),
        {
            "space": str(org_a.pk),
            "visibility": V.STAFF,
            "title": "Bourrage papier",
            "body": "x",
            "source_ticket": str(ticket.number),
        },
    )
    assert Page.objects.get().source_ticket_number == ticket.number
    assert response.status_code == 302
    # Someone who may not see the ticket gets nothing from it.
    assert login(client_a).get(reverse("wiki:new"), {"ticket": ticket.number}).status_code == 403


@pytest.mark.parametrize("count", [3, 30])
def test_lists_and_pages_read_a_bounded_number_of_queries(
    count, write, pages, agent, client_a, login, django_assert_max_num_queries
):
    for n in range(count):
        write(pages.space_a, f"Procédure {n}", f"## Étape\nTexte {n}", V.ORGANIZATION, tags=["a"])
        services.add_attachment(actor=agent, page=pages.org_a, upload=png_file())
    for who in (agent, client_a):
        client = login(who)
        for url in (
            reverse("wiki:index"),
            reverse("wiki:space", args=[pages.space_a.pk]),
            reverse("wiki:page", args=[pages.org_a.pk]),
            reverse("wiki:search") + "?q=procédure",
            reverse("wiki:suggest") + "?title=procédure imprimante",
        ):
            with django_assert_max_num_queries(14):
                assert client.get(url).status_code == 200, url
    client = login(agent)
    for url in (
        reverse("wiki:history", args=[pages.org_a.pk]),
        reverse("wiki:revision", args=[pages.org_a.pk, 1]),
    ):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200


def test_an_organization_removed_takes_its_space_and_pages_with_it(pages, org_b):
    org_b.delete()
    assert not Page.objects.filter(pk=pages.org_b.pk).exists()
    assert not Space.objects.filter(pk=pages.space_b.pk).exists()
    assert Page.objects.filter(pk=pages.public.pk).exists()


def test_a_writer_who_lost_an_organization_meanwhile_is_told_so(sales, org_a, login):
    client = login(sales)
    form = client.get(reverse("wiki:new"))
    assert f'value="{org_a.pk}"' in form.content.decode()
    org_a.sales_reps.remove(sales)  # between opening the form and sending it
    response = client.post(
        reverse("wiki:new"),
        {"space": str(org_a.pk), "visibility": V.STAFF, "title": "Trop tard", "body": "x"},
    )
    assert response.status_code == 200
    assert not Page.objects.exists()
