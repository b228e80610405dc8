"""The knowledge base in the browser: an agent writes a page for Démo Industries with the live
preview, the client finds it by search and reads it, a client typing "imprimante" in a new
ticket sees it suggested, and an agent inserts a link to it into a reply."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.browser.test_accessibility import blocking_violations
from tests.factories import OrganizationFactory, make_user
from tickets import services as ticket_services
from tickets.models import TicketType
from wiki import services as wiki_services
from wiki.models import Page

TITLE = "Imprimante du 2e étage : bourrage papier"
BODY = (
    "## Bourrage\n1. Ouvrez le capot arrière.\n2. Tirez doucement la feuille.\n\n"
    "## Toner\nCartouche **HP 89A** dans l'armoire B. Voir le ticket #1."
)


@pytest.mark.django_db(transaction=True)
def test_an_agent_writes_a_page_the_client_finds_and_sees_suggested(
    login_page, screenshot, agent, admin
):
    demo = OrganizationFactory(name="Démo Industries")
    client = make_user(
        Role.Code.CLIENT_USER, organization=demo, email="claire@demo.test", first_name="Claire"
    )
    other = make_user(
        Role.Code.CLIENT_USER, organization=OrganizationFactory(name="Other Corp"), email="o@o.test"
    )

    # The agent writes the page, watching the preview.
    writer = login_page(agent, width=1440)
    writer.goto("/wiki/new/")
    writer.select_option("#id_space", str(demo.pk))
    writer.select_option("#id_visibility", "organization")
    writer.fill("#id_title", TITLE)
    writer.fill("#id_tags", "imprimante, matériel")
    writer.fill("#id_body", BODY)
    expect(writer.locator("#wiki-preview-body h2").first).to_have_text("Bourrage")
    expect(writer.locator("#wiki-preview-body strong")).to_have_text("HP 89A")
    screenshot(writer, "wiki_agent_writes_1440")
    assert blocking_violations(writer) == []
    writer.locator("button.wiki-save").click()
    expect(writer.locator("h1.wiki-title")).to_have_text(TITLE)
    page = Page.objects.get(title=TITLE)
    assert page.organization_id == demo.pk

    # The client finds it by search and reads it, contents on the side.
    reader = login_page(client, width=1440)
    reader.goto("/wiki/")
    expect(reader.locator(".wiki-space-card", has_text="Démo Industries")).to_be_visible()
    screenshot(reader, "wiki_client_index_1440")
    reader.fill("#wiki-q", "imprimante")
    reader.locator(".wiki-search button[type=submit]").click()
    reader.locator(".wiki-results a", has_text=TITLE).click()
    expect(reader.locator("h1.wiki-title")).to_have_text(TITLE)
    expect(reader.locator(".wiki-toc a", has_text="Toner")).to_be_visible()
    expect(reader.locator(".wiki-body a[href='/tickets/1/']")).to_have_text("#1")
    screenshot(reader, "wiki_client_reads_1440")
    assert blocking_violations(reader) == []
    phone = login_page(client, width=375, height=800)
    phone.goto(page.get_absolute_url())
    expect(phone.locator("h1.wiki-title")).to_have_text(TITLE)
    screenshot(phone, "wiki_client_reads_375")
    page.refresh_from_db()
    assert page.view_count >= 1  # the page posted its reading

    # Another organization's client does not find it.
    outsider = login_page(other)
    outsider.goto("/wiki/search/?q=imprimante")
    expect(outsider.locator(".wiki-results a", has_text=TITLE)).to_have_count(0)

    # A client typing "imprimante" in a new ticket sees the article and says it solved it.
    filing = login_page(client, width=1440)
    filing.goto("/tickets/new/")
    filing.locator("#id_title").press_sequentially("Problème imprimante", delay=30)
    suggestion = filing.locator(".wiki-suggestions .wiki-suggestion", has_text=TITLE)
    expect(suggestion).to_be_visible()
    screenshot(filing, "wiki_new_ticket_suggestion_1440")
    assert blocking_violations(filing) == []
    suggestion.locator("button[type=submit]").click()
    expect(filing.locator(".wiki-suggestions .alert-success")).to_be_visible()
    page.refresh_from_db()
    assert page.helpful_count == 1
    phone = login_page(client, width=375, height=800)
    phone.goto("/tickets/new/")
    phone.locator("#id_title").press_sequentially("imprimante", delay=30)
    expect(phone.locator(".wiki-suggestions .wiki-suggestion", has_text=TITLE)).to_be_visible()
    screenshot(phone, "wiki_new_ticket_suggestion_375")

    # Beside a ticket, the agent inserts a link to the page into the reply.
    ticket = ticket_services.create_ticket(
        actor=client,
        title="L'imprimante fait un bourrage",
        description="Encore un bourrage.",
        type=TicketType.objects.get(code="incident"),
    )
    writer.goto(f"/tickets/{ticket.number}/")
    panel = writer.locator(".wiki-ticket-suggestions")
    expect(panel.locator("a", has_text=TITLE)).to_be_visible()
    panel.locator(".wiki-insert-link").first.click()
    expect(writer.locator("#id_body")).to_have_value(
        f"[{TITLE}]({writer.url.split('/tickets/')[0]}{page.get_absolute_url()})"
    )
    screenshot(writer, "wiki_agent_ticket_panel_1440")

    # Two editors: the agent opens the form, an admin saves first; the agent's save is refused
    # with their text kept and the differences shown.
    writer.goto(f"/wiki/pages/{page.pk}/edit/")
    page.refresh_from_db()
    wiki_services.edit_page(
        actor=admin,
        page=page,
        title=TITLE,
        body=BODY.replace("HP 89A", "HP 89X"),
        visibility="organization",
        tags=["imprimante"],
        seen_version=page.version,
        note="Nouvelle cartouche",
    )
    writer.fill("#id_body", BODY + "\n\n## Papier\nA4 80 g seulement.")
    writer.locator("button.wiki-save").click()
    expect(writer.locator(".wiki-conflict")).to_be_visible()
    expect(writer.locator("#id_body")).to_have_value(BODY + "\n\n## Papier\nA4 80 g seulement.")
    expect(writer.locator(".wiki-conflict .wiki-diff-removed").first).to_contain_text("HP 89X")
    screenshot(writer, "wiki_agent_edit_conflict_1440")
    assert blocking_violations(writer) == []

    # The history shows who changed what, and each revision its differences.
    writer.goto(f"/wiki/pages/{page.pk}/history/")
    expect(writer.locator(".wiki-history tbody tr")).to_have_count(2)
    screenshot(writer, "wiki_agent_history_1440")
    writer.goto(f"/wiki/pages/{page.pk}/history/2/")
    expect(writer.locator(".wiki-diff-added").first).to_contain_text("HP 89X")
    screenshot(writer, "wiki_agent_revision_diff_1440")
    assert blocking_violations(writer) == []
