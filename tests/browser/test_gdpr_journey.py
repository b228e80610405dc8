"""GDPR in a browser: an admin finds a client, prepares the export of their data and downloads
the ZIP, anonymises them, and finds both actions in the audit log (screenshots at 1440 and
375 px in var/screenshots/gdpr_*)."""

import io
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tickets import services
from tickets.models import TicketType


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1440, 375])
def test_admin_exports_then_anonymises_a_client(
    login_page, screenshot, admin, client_a, agent, width
):
    kind = TicketType.objects.first()
    ticket = services.create_ticket(
        actor=client_a,
        title="Imprimante HS chez Chloé Alpha",
        description="Bonjour, je suis Chloé Alpha (client@alpha.test).",
        type=kind,
    )
    services.reply(actor=agent, ticket=ticket, body="Bonjour Chloé Alpha, nous regardons.")
    page = login_page(admin, width=width)
    page.goto("/administration/gdpr/")
    page.get_by_role("searchbox").or_(page.locator("#id_q")).first.fill("alpha")
    page.locator(".gdpr-search button").click()
    page.locator("#gdpr-people a", has_text="client@alpha.test").click()
    page.locator("#start-export").click()
    link = page.locator(".gdpr-export a[href$='/download/']")
    expect(link).to_be_visible()
    screenshot(page, f"gdpr_person-{width}")
    with page.expect_download() as info:
        link.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert "tickets/tickets.json" in archive.namelist()
    form = page.locator("#anonymise-form")
    form.locator("input[value='keep']").check()
    form.locator("input[name='remove_attachments']").check()
    form.locator("#id_confirm").fill("client@alpha.test")
    form.locator("button[type='submit']").click()
    expect(page.locator("#anonymise-form")).to_have_count(0)
    screenshot(page, f"gdpr_person-anonymised-{width}")
    assert User.objects.get(pk=client_a.pk).email.endswith("@anonymised.invalid")
    page.goto(f"/tickets/{ticket.number}/")
    expect(page.locator("main")).not_to_contain_text("Chloé Alpha")
    page.goto("/administration/audit/")
    expect(page.locator("#audit-log .audit-row").first).to_be_visible()
    screenshot(page, f"gdpr_audit-{width}")
    page.locator("#id_action").select_option("gdpr_anonymised")
    page.locator(".audit-filters button").click()
    expect(page.locator("#audit-log .audit-row")).to_have_count(1)
    page.goto("/administration/gdpr/retention/")
    screenshot(page, f"gdpr_retention-{width}")


@pytest.mark.django_db(transaction=True)
def test_admin_reads_the_retention_dry_run(
    login_page, screenshot, admin, client_a, client_b, settings
):
    import datetime as dt

    from django.utils import timezone

    from tickets.models import Ticket

    settings.GDPR_RETENTION_MONTHS = 24
    kind = TicketType.objects.first()
    old = services.create_ticket(actor=client_a, title="Ancien", description="x", type=kind)
    services.create_ticket(actor=client_b, title="Récent", description="x", type=kind)
    Ticket.objects.filter(pk=old.pk).update(closed_at=timezone.now() - dt.timedelta(days=900))
    for width in (1440, 375):
        page = login_page(admin, width=width)
        page.goto("/administration/gdpr/retention/")
        expect(page.locator("#retention-people")).to_contain_text("client@alpha.test")
        expect(page.locator("#retention-people")).not_to_contain_text("client@beta.test")
        screenshot(page, f"gdpr_retention-dry-run-{width}")
