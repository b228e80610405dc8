"""A manager reads every report, changes the range, and downloads the CSV and the XLSX."""

import io
from pathlib import Path

from django.utils import translation
from openpyxl import load_workbook
from playwright.sync_api import expect

from reports.catalog import REPORTS
from tests.browser.test_csp import watch
from tests.reports import conftest as report_fixtures

# The hand-computed data set of tests/reports/ (and the fixtures it needs).
clock, dataset, ref = report_fixtures.clock, report_fixtures.dataset, report_fixtures.ref


def test_a_manager_opens_each_report_changes_the_range_and_downloads(
    login_page, admin, dataset, screenshot
):
    page = login_page(admin, locale="en-US")
    seen = watch(page)
    page.goto("/")
    page.get_by_role("link", name="Reports", exact=True).first.click()
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    with translation.override("en"):  # the page is in English: the person chose it
        titles = {key: str(info.title) for key, info in REPORTS.items()}
    for key, title in titles.items():
        page.goto(f"/reports/{key}/")
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
        # The range of the data set (the default is the last 30 days of the frozen clock).
        page.get_by_label("From", exact=True).fill("2026-11-16")
        page.get_by_label("To", exact=True).fill("2026-11-29")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(f"**/reports/{key}/?start=2026-11-16&end=2026-11-29*")
        expect(page.locator(".report-period")).to_contain_text("11/16/2026")
        tables = page.locator("table.report-table")
        assert tables.count() >= 1
        charts = page.locator("canvas[data-chart]")
        for i in range(charts.count()):
            # Chart.js drew it: a sized canvas.
            assert charts.nth(i).evaluate("c => c.width > 0 && c.height > 0")
        with page.expect_download() as csv_download:
            page.get_by_role("link", name="Download CSV").click()
        csv_path = csv_download.value.path()
        text = Path(csv_path).read_text(encoding="utf-8-sig")
        assert title in text
        with page.expect_download() as xlsx_download:
            page.get_by_role("link", name="Download Excel").click()
        book = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
        assert len(book.worksheets) == tables.count()
        if key in ("clients", "volume"):
            screenshot(page, f"reports_{key}")
    assert seen["console"] == [] and seen["violations"] == []
    clients = page.goto("/reports/clients/?start=2026-11-16&end=2026-11-29")
    assert clients.ok
    expect(page.locator("table.report-table")).to_contain_text("Alpha Industries")
    expect(page.locator("table.report-table")).to_contain_text("6.5")


def test_report_pages_at_desktop_and_phone_width(login_page, screenshot, admin, dataset):
    for width, height in ((1440, 1000), (375, 800)):
        page = login_page(admin, width=width, height=height)
        for key in ("volume", "speed", "backlog"):
            page.goto(f"/reports/{key}/?start=2026-11-16&end=2026-11-29")
            expect(page.locator("table.report-table").first).to_be_visible()
            screenshot(page, f"reports_{key}-{width}")
        page.goto("/reports/")
        screenshot(page, f"reports_index-{width}")
        # Nothing sticks out sideways on a phone.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1
