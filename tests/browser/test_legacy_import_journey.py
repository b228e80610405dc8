"""The old helpdesk's import in a browser: an admin uploads a ZIP, reads the report, follows a
running import's progress, and finds an imported ticket with its history (screenshots in
var/screenshots/legacy_*)."""

import pytest
from playwright.sync_api import expect

from integrations.models import LegacyImport
from tests.integrations.legacy_export import write_export, zip_export
from tickets.models import Ticket


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 375])
def test_admin_imports_an_old_helpdesk_and_finds_its_tickets(
    login_page, screenshot, admin, tmp_path, width
):
    write_export(tmp_path / "export", tickets=6, hostile=True)
    archive = zip_export(tmp_path / "export", tmp_path / "ancien-helpdesk.zip")
    page = login_page(admin, width=width)
    page.goto("/administration/import/helpdesk/")
    screenshot(page, f"legacy_upload-{width}")
    page.locator("#id_archive").set_input_files(str(archive))
    page.locator("#legacy-import-form button[type='submit']").click()
    expect(page.locator("#legacy-import-counts")).to_be_visible()
    expect(page.locator("#legacy-import-status .alert-success")).to_be_visible()
    expect(page.locator("#legacy-import-problems")).to_contain_text("perdu")
    screenshot(page, f"legacy_report-{width}")

    ticket = Ticket.objects.get(title__startswith="Imprimante du bureau 1 ")
    page.goto(f"/tickets/{ticket.number}/")
    expect(page.locator(".imported-badge").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("Note interne 1")
    screenshot(page, f"legacy_ticket-{width}")


@pytest.mark.django_db(transaction=True)
def test_a_running_import_shows_its_progress(login_page, screenshot, admin):
    run = LegacyImport.objects.create(
        requested_by=admin,
        token="running",
        original_name="osticket-2019.zip",
        size=48_000_000,
        state=LegacyImport.State.RUNNING,
        rows_total=4200,
        rows_done=1730,
        counts={"organization": {"created": 40, "unchanged": 0, "skipped": 0}},
    )
    page = login_page(admin)
    page.goto(f"/administration/import/helpdesk/{run.pk}/")
    expect(page.locator("progress.legacy-progress")).to_have_attribute("value", "41")
    screenshot(page, "legacy_running-1280")
    # The block polls itself: the finished run replaces the progress bar.
    LegacyImport.objects.filter(pk=run.pk).update(state=LegacyImport.State.DONE, rows_done=4200)
    expect(page.locator("#legacy-import-status .alert-success")).to_be_visible(timeout=8000)
