"""The demo as the DPO and the developer find it after `make run` (screenshots for people)."""

import io

from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from cdc.models import ChangeRequest
from cdc.workflow import State


def test_dpo_and_developer_find_their_work_after_the_demo_seed(login_page, screenshot):
    call_command("seed_demo", showcase=True, tickets=0, stdout=io.StringIO())
    dpo = User.objects.get(email="dpo@demo.test")
    dev = User.objects.get(email="dev@demo.test")
    review = ChangeRequest.objects.get(state=State.DPO_REVIEW)
    development = ChangeRequest.objects.get(state=State.DEVELOPMENT)

    page = login_page(dpo, width=1440)
    page.goto("/")
    screenshot(page, "demo-dpo-dashboard-1440")
    page.goto("/cdc/?state=dpo_review")
    expect(page.get_by_text(review.title)).to_be_visible()
    screenshot(page, "demo-dpo-cdc-1440")

    page = login_page(dev, width=1440)
    page.goto("/")
    screenshot(page, "demo-dev-dashboard-1440")
    page.goto(development.get_absolute_url())
    expect(page.get_by_text("Écran de paramétrage").first).to_be_attached()
    screenshot(page, "demo-dev-cdc-1440")
