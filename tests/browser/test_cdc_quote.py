"""The change request's quote in the browser: support sends it from the quote panel during
the analysis, the client accepts it at the decision step and the request moves to development."""

from datetime import date, timedelta

import pytest

from billing.models import Estimate
from cdc import services
from cdc.models import ChangeRequest
from cdc.workflow import State

pytestmark = pytest.mark.django_db(transaction=True)


def test_support_sends_the_quote_and_the_client_accepts_it(
    build, login_page, screenshot, client_admin_a, agent, dpo
):
    cr = build.submitted()
    page = login_page(agent, width=1440)
    page.goto(cr.get_absolute_url() + "?tab=specification")
    panel = page.locator("#cdc-quote")
    panel.wait_for()
    panel.locator("input[name=amount]").fill("1 850,00")
    panel.locator("textarea[name=description]").fill("Analyse, développement et recette.")
    panel.locator("button.quote-send").click()
    page.locator("#cdc-quote .estimate-figure").wait_for()
    assert "1 850,00" in page.locator("#cdc-quote .estimate-figure").inner_text().replace(
        "\u202f", " "
    ).replace("\u00a0", " ")
    screenshot(page, "cdc_quote_sent_by_support")

    cr = services.save_analysis(
        actor=agent, cr=cr, solution="Un bouton d'export.", planned_date=date.today() + timedelta(9)
    )
    services.save_dpo_review(
        actor=dpo, cr=cr, gdpr_impact=False, conclusions="RAS", validated_on=date.today()
    )
    page = login_page(client_admin_a, width=1440)
    page.goto(cr.get_absolute_url())
    page.locator("#cdc-quote button.estimate-accept").wait_for()
    screenshot(page, "cdc_quote_client_decision")
    page.locator("#cdc-quote button.estimate-accept").click()
    page.wait_for_load_state("networkidle")
    cr = ChangeRequest.objects.get(pk=cr.pk)
    assert cr.state == State.DEVELOPMENT
    assert Estimate.objects.get(change_request=cr).state == Estimate.State.ACCEPTED
    page.locator("#cdc-quote .estimate-state").wait_for()
    assert page.locator("#cdc-quote button.estimate-accept").count() == 0
