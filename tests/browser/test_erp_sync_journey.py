"""The customer-base sync in a browser: upload, mapping, the dry run's progress page turning
into its outcome (htmx polling), apply, the history and the scheduled sources."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Organization
from integrations.models import SyncSource

pytestmark = pytest.mark.django_db(transaction=True)

CSV = (
    "Code client;Raison sociale;Courriel;Ville\n"
    "C001;Boulangerie Élodie;contact@elodie.fr;Besançon\n"
    "C002;Garage Müller;pas-un-email;Strasbourg\n"
    "C003;Café de l'Hôtel de Ville;cafe@hdv.fr;Paris\n"
)


def test_an_admin_syncs_a_file_and_sees_the_progress_then_the_outcome(
    login_page, live_server, admin, tmp_path, screenshot, settings
):
    settings.HELPDESK_SYNC_DROP_ROOT = tmp_path / "drop"
    Organization.objects.create(
        name="Café de l'Hôtel de Ville", city="Lyon", external_source="erp", external_id="C003"
    )
    export = tmp_path / "clients.csv"
    export.write_text(CSV, encoding="utf-8")
    page = login_page(admin)
    page.goto(live_server.url + reverse("integrations:sync"))
    page.set_input_files("#id_file", str(export))
    page.get_by_role("button", name="Lire le fichier").click()
    expect(page.locator("#sync-mapping")).to_be_visible()
    page.select_option("#id_external_id", "Code client")
    page.select_option("#id_name", "Raison sociale")
    page.select_option("#id_email", "Courriel")
    page.select_option("#id_city", "Ville")
    screenshot(page, "erp-sync-mapping")
    page.get_by_role("button", name="Voir la simulation").click()
    expect(page.locator("#count-new")).to_have_text("1")
    expect(page.locator("#count-update")).to_have_text("1")
    expect(page.locator("#count-invalid")).to_have_text("1")
    expect(page.locator("#sync-rows")).to_contain_text("Lyon")
    screenshot(page, "erp-sync-dry-run")
    page.get_by_role("button", name="Appliquer").click()
    expect(page.locator("#sync-run")).to_contain_text("La base clients est mise à jour")
    assert Organization.objects.get(external_id="C003").city == "Paris"
    page.goto(live_server.url + reverse("integrations:sync-runs"))
    expect(page.locator("#sync-runs tbody tr")).to_have_count(2)
    screenshot(page, "erp-sync-history")
    SyncSource.objects.create(name="FileMaker", source="erp", folder="filemaker")
    page.goto(live_server.url + reverse("integrations:sync-sources"))
    expect(page.locator("#sync-sources")).to_contain_text("FileMaker")
    page.get_by_role("link", name="FileMaker").click()
    expect(page.locator("#sync-source-form")).to_be_visible()
    screenshot(page, "erp-sync-source")
