"""Change requests in the browser: client and support see one request, greyed differently."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from cdc import services
from cdc.models import ChangeRequest
from tests.browser.waiting import until


def _tab_states(page):
    tabs = page.locator(".cdc-tabs .nav-link")
    return {
        tabs.nth(i).get_attribute("id").removeprefix("tab-"): (
            tabs.nth(i).get_attribute("data-editable") == "true",
            tabs.nth(i).get_attribute("data-reached") == "true",
            "cdc-tab-readonly" in (tabs.nth(i).get_attribute("class") or ""),
        )
        for i in range(tabs.count())
    }


@pytest.mark.django_db(transaction=True)
def test_client_and_support_see_the_right_tabs_greyed(
    build, login_page, screenshot, client_admin_a, agent
):
    cr = build.submitted()
    client_page = login_page(client_admin_a)
    client_page.goto(cr.get_absolute_url())
    tabs = _tab_states(client_page)
    assert len(tabs) == 9
    assert all(greyed for _e, _r, greyed in tabs.values())  # locked once sent
    assert tabs["request"][1] and tabs["specification"][1] and not tabs["dpo"][1]
    screenshot(client_page, "cdc_analysis_seen_by_client")

    agent_page = login_page(agent)
    agent_page.goto(cr.get_absolute_url())
    tabs = _tab_states(agent_page)
    editable = {key for key, (e, _r, _g) in tabs.items() if e}
    assert editable == {"specification", "support_files"}
    assert tabs["request"][2] and tabs["client_files"][2]  # client tabs greyed for support
    expect(agent_page.locator("#pane-specification textarea[name=solution]")).to_be_visible()
    screenshot(agent_page, "cdc_analysis_seen_by_agent")

    # Clicking a greyed tab still shows its content, read only.
    agent_page.locator("#tab-request").click()
    expect(agent_page.locator("#pane-request").get_by_text(cr.description)).to_be_visible()

    # The agent sets the planned date in the page: the request moves to the DPO.
    agent_page.locator("#tab-specification").click()
    agent_page.locator("#pane-specification textarea[name=solution]").fill("A CSV button.")
    planned = (date.today() + timedelta(days=12)).isoformat()
    agent_page.locator("#pane-specification input[name=planned_date]").fill(planned)
    agent_page.locator("#pane-specification button[type=submit]").click()
    until(lambda: ChangeRequest.objects.get(pk=cr.pk).state == "dpo_review")
    cr.refresh_from_db()


@pytest.mark.django_db(transaction=True)
def test_screenshots_of_each_step(
    build, login_page, screenshot, client_admin_a, agent, dpo, admin, controller
):
    draft = build.draft(title="Invoice CSV export")
    at_dpo = build.at_dpo(title="Customer portal: change password rules")
    deciding = build.at_decision(title="GDPR: purge old contacts", gdpr=True)
    dev = build.in_development(title="New dashboard widget", gdpr=True)
    task = build.green_task(dev)
    services.add_task(
        actor=admin,
        cr=dev,
        title="Frontend widget",
        developers=[build.developer],
        start_date=date.today(),
        end_date=date.today() + timedelta(days=4),
    )
    second = dev.tasks.exclude(pk=task.pk).get()
    services.record_check(
        actor=controller, task=second, kind="unit", passed=False, comment="Fails on Safari"
    )
    delivered = build.delivered(title="Quarterly report PDF")

    page = login_page(agent)
    page.goto("/cdc/")
    assert page.locator(".cdc-step").count() == 5
    screenshot(page, "cdc_list")
    page.goto(f"/cdc/calendar/?month={at_dpo.planned_date:%Y-%m}")
    assert page.locator(".cdc-calendar .cdc-event").count() >= 1
    screenshot(page, "cdc_calendar")

    page = login_page(client_admin_a)
    page.goto(draft.get_absolute_url())
    assert page.locator("#tab-request").get_attribute("data-editable") == "true"
    screenshot(page, "cdc_step2_draft_client")

    page = login_page(dpo)
    page.goto(at_dpo.get_absolute_url())
    assert page.locator("#tab-dpo").get_attribute("data-editable") == "true"
    screenshot(page, "cdc_step4_dpo")

    page = login_page(client_admin_a)
    page.goto(deciding.get_absolute_url())
    assert page.locator("#tab-decision").get_attribute("data-editable") == "true"
    screenshot(page, "cdc_step5_client_decision")

    page = login_page(admin)
    page.goto(dev.get_absolute_url() + "?tab=development")
    screenshot(page, "cdc_step6_development")
    page = login_page(controller)
    page.goto(dev.get_absolute_url())
    assert page.locator("#tab-checks").get_attribute("data-editable") == "true"
    assert page.locator(".cdc-check.fail").count() == 1
    screenshot(page, "cdc_step6_checks")

    page = login_page(client_admin_a)
    page.goto(delivered.get_absolute_url())
    assert page.locator("#tab-acceptance").get_attribute("data-editable") == "true"
    screenshot(page, "cdc_step7_acceptance")
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "cdc_step7_acceptance_mobile")
