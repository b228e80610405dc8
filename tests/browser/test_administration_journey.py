"""The Administration area in a browser, as an admin: for each kind of reference data, create
an entry, edit it, move it up, retire it and bring it back, and see a delete refused while a
ticket uses it; the canned reply preview; France's holidays in one click; the settings page.
Screenshots of each screen at 1440 and 375 px (var/screenshots/admin-*)."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import SiteSettings
from tickets import services
from tickets.models import Asset, Holiday, Project, TicketType

pytestmark = pytest.mark.django_db(transaction=True)

# kind, the fields to fill on creation, the field an edit changes, the model's name field.
ORDERED = [
    ("statuses", {"#id_name_fr": "Recette client", "#id_name_en": "Client testing"}),
    ("types", {"#id_name_fr": "Formation", "#id_name_en": "Training"}),
    ("priorities", {"#id_name_fr": "Critique", "#id_name_en": "Critical"}),
    ("criticalities", {"#id_name_fr": "Paie bloquée", "#id_name_en": "Payroll stopped"}),
    ("components", {"#id_name_fr": "Stocks", "#id_name_en": "Stock"}),
    (
        "canned-replies",
        {"#id_title": "Relance", "#id_body": "Bonjour {client_name}, des nouvelles ?"},
    ),
]


def _row(page, text):
    return page.locator("tr.reference-row", has_text=text)


@pytest.mark.parametrize("kind,fields", ORDERED, ids=[k for k, _ in ORDERED])
def test_reference_journey(login_page, admin, client_a, kind, fields, screenshot):
    page = login_page(admin, locale="en-US", width=1440)
    page.goto("/")
    # The top bar's "Management" menu holds the Administration link.
    page.get_by_role("button", name="Management").click()
    page.get_by_role("link", name="Administration").first.click()
    expect(page).to_have_url(re.compile(r"/administration/$"))
    page.locator(f"a.admin-card[href='/administration/{kind}/']").click()
    page.locator(".page-header .btn-primary").click()
    for selector, value in fields.items():
        page.fill(selector, value)
    if kind == "statuses":
        page.select_option("#id_category", "waiting_client")
    # The page is in English: an entry shows its English name.
    first = "#id_name_en" if "#id_name_en" in fields else next(iter(fields))
    name = fields[first]
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text(name)
    row = _row(page, name) if kind != "statuses" else page.locator("tr.reference-row").last
    expect(row).to_be_visible()
    # Edit.
    row.locator("a.fw-semibold").click()
    page.fill(first, name + " bis")
    page.get_by_role("button", name="Save").click()
    name = name + " bis"
    expect(page.locator(".alert-success")).to_contain_text(name)
    # Reorder: the new entry (last) moves up one place.
    rows = page.locator("tr.reference-row")
    count = rows.count()
    last_pk = rows.nth(count - 1).get_attribute("data-pk")
    rows.nth(count - 1).locator("button[value=up]").click()
    expect(page.locator("tr.reference-row").nth(count - 2)).to_have_attribute("data-pk", last_pk)
    # Retire, then restore.
    row = page.locator(f"tr.reference-row[data-pk='{last_pk}']")
    row.get_by_role("button", name="Retire").click()
    expect(page.locator(".alert-success")).to_contain_text("retired")
    expect(row.locator(".badge", has_text="Retired")).to_be_visible()
    screenshot(page, f"admin-{kind}-1440")
    row.get_by_role("button", name="Restore").click()
    expect(row.locator(".badge", has_text="Retired")).to_have_count(0)
    # A delete refused while a ticket uses the entry (canned replies are used by no ticket).
    if kind != "canned-replies":
        in_use = page.locator("tr.reference-row").first
        in_use_pk = in_use.get_attribute("data-pk")
        if kind in ("types", "components", "priorities", "criticalities"):
            model = {
                "types": "type",
                "components": "component",
                "priorities": "priority",
                "criticalities": "criticality",
            }[kind]
            from tickets import models as m

            value = {
                "type": m.TicketType,
                "component": m.Component,
                "priority": m.Priority,
                "criticality": m.Criticality,
            }[model]
            services.create_ticket(
                actor=client_a,
                title="Utilise l'entrée",
                description="x",
                type=TicketType.objects.first(),
            )
            m.Ticket.objects.update(**{model: value.objects.get(pk=in_use_pk)})
        else:
            services.create_ticket(
                actor=client_a, title="Utilise", description="x", type=TicketType.objects.first()
            )
            in_use_pk = str(m_default_status_pk())
            in_use = page.locator(f"tr.reference-row[data-pk='{in_use_pk}']")
        page.reload()
        in_use = page.locator(f"tr.reference-row[data-pk='{in_use_pk}']")
        in_use.get_by_role("button", name="Delete").click()
        expect(page.locator(".alert-danger")).to_contain_text("cannot be deleted")
    # Delete the unused new one.
    page.locator(f"tr.reference-row[data-pk='{last_pk}']").get_by_role(
        "button", name="Delete"
    ).click()
    expect(page.locator(".alert-success")).to_contain_text("deleted")
    expect(page.locator(f"tr.reference-row[data-pk='{last_pk}']")).to_have_count(0)


def m_default_status_pk():
    from tickets.models import Status

    return Status.objects.get(is_default=True).pk


@pytest.mark.parametrize("kind,model", [("equipment", Asset), ("projects", Project)])
def test_equipment_and_projects_journey(
    login_page, admin, client_a, org_a, kind, model, screenshot
):
    page = login_page(admin, locale="en-US", width=1440)
    page.goto(f"/administration/{kind}/")
    page.locator(".page-header .btn-primary").click()
    page.select_option("#id_organization", str(org_a.pk))
    page.fill("#id_name", "Serveur de fichiers")
    page.fill("#id_reference", "SRV-01")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("Serveur de fichiers")
    entry = model.objects.get(name="Serveur de fichiers")
    ticket = services.create_ticket(
        actor=client_a, title="Disque plein", description="x", type=TicketType.objects.first()
    )
    type(ticket).objects.filter(pk=ticket.pk).update(**{model._meta.model_name: entry})
    page.reload()
    row = _row(page, "Serveur de fichiers")
    row.get_by_role("button", name="Delete").click()
    expect(page.locator(".alert-danger")).to_contain_text("cannot be deleted")
    _row(page, "Serveur de fichiers").get_by_role("button", name="Retire").click()
    expect(_row(page, "Serveur de fichiers").locator(".badge", has_text="Retired")).to_be_visible()
    # Its page lists its tickets; "Open in the queue" filters the queue on it.
    _row(page, "Serveur de fichiers").locator("a.fw-semibold").click()
    card = page.locator("#related-tickets")
    expect(card).to_contain_text("Disque plein")
    screenshot(page, f"admin-{kind}-detail-1440")
    card.get_by_role("link", name="Open in the queue").click()
    expect(page.locator("body")).to_contain_text("Disque plein")


def test_canned_reply_preview_calendar_and_settings(login_page, admin, client_a, screenshot):
    ticket = services.create_ticket(
        actor=client_a, title="Imprimante", description="x", type=TicketType.objects.first()
    )
    page = login_page(admin, locale="en-US", width=1440)
    page.goto("/administration/canned-replies/new/")
    page.fill("#id_title", "Accusé de réception")
    page.fill(
        "#id_body", "Bonjour {client_name},\n\nNous traitons {ticket_number}.\n\n{agent_name}"
    )
    page.fill("#preview-ticket", str(ticket.number))
    expect(page.locator("#canned-preview")).to_contain_text("Bonjour Chloé Alpha")
    expect(page.locator("#canned-preview")).to_contain_text(f"#{ticket.number}")
    screenshot(page, "admin-canned-preview-1440")
    # The calendar: France's holidays of a year in one click.
    page.goto("/administration/calendar/?year=2031")
    page.fill("#id_year", "2031")
    page.get_by_role("button", name="Add France's public holidays").click()
    expect(page.locator(".alert-success")).to_contain_text("11 public holidays")
    expect(page.locator(".holiday-row")).to_have_count(11)
    assert Holiday.objects.filter(date__year=2031).count() == 11
    screenshot(page, "admin-calendar-1440")
    # The settings.
    page.goto("/administration/settings/")
    page.fill("#id_auto_close_days", "10")
    page.fill("#id_hotline_emails", "hotline@company.test")
    page.select_option("#id_signup_open", "no")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_be_visible()
    row = SiteSettings.objects.get()
    assert row.auto_close_days == 10 and row.signup_open is False
    screenshot(page, "admin-settings-1440")
    page.goto("/administration/")
    screenshot(page, "admin-home-1440")


@pytest.mark.parametrize(
    "path",
    [
        "/administration/",
        "/administration/statuses/",
        "/administration/calendar/",
        "/administration/settings/",
        "/administration/canned-replies/new/",
    ],
)
def test_phone_width(login_page, admin, path, screenshot):
    page = login_page(admin, width=375, height=800)
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    name = path.strip("/").replace("/", "-") or "home"
    screenshot(page, f"admin-{name}-375")


@pytest.mark.parametrize("width", [1440, 375])
def test_no_serious_accessibility_violation(login_page, admin, width):
    from tests.browser.test_accessibility import blocking_violations

    page = login_page(admin, width=width)
    for path in (
        "/administration/",
        "/administration/statuses/",
        "/administration/statuses/new/",
        "/administration/canned-replies/new/",
        "/administration/calendar/",
        "/administration/settings/",
    ):
        page.goto(path)
        assert blocking_violations(page) == [], path
