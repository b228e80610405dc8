"""The demo admin logs in through the real login page, on a desktop and on a 375 px phone."""

import pytest
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD, seed_accounts


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 375])
def test_demo_admin_logs_in_and_lands_on_the_dashboard(new_page, screenshot, width):
    seed_accounts()
    page = new_page(width=width)
    page.goto("/")
    assert "/accounts/login/" in page.url  # anonymous visitors are sent to the login page
    screenshot(page, f"login_{width}")

    page.locator("input[name=login]").fill("admin@demo.test")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "/accounts/" not in url)

    assert page.locator("h1").first.inner_text().startswith("Bonjour")
    expect(page.get_by_role("navigation", name="Navigation principale")).to_be_visible()
    # Nothing wider than the screen: no horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"dashboard_admin_{width}")
