"""Reports in a real browser, with axe on every page: the manager's dashboard (SVG charts with
their tables), a report run with filters and its CSV download, and the dashboard on a phone."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from tests import clock


def test_manager_dashboard_has_charts_with_tables(page, a11y, sign_in):
    sign_in(page, "manager@demo.test")
    page.goto("/reports/dashboard")
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    a11y(page)
    # Seven charts, and an eighth (deaths after release) once death records exist: the browser
    # tests share one demo database, and the outcomes test before this one links deaths.
    deaths = page.locator("#deaths-after-release").count()
    expect(page.locator("figure.chart svg")).to_have_count(7 + deaths)
    expect(page.get_by_role("region", name=re.compile("Releases with a kit: data"))).to_be_visible()


def test_dashboard_fits_a_phone(page, a11y, sign_in):
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in(page, "manager@demo.test")
    page.goto("/reports/dashboard")
    a11y(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320


def test_manager_runs_a_report_and_downloads_the_csv(page, a11y, sign_in, tmp_path):
    sign_in(page, "manager@demo.test")
    page.get_by_role("link", name="Reports", exact=True).click()
    a11y(page)
    page.get_by_role("link", name="Naloxone distribution").click()
    a11y(page)
    today = clock.today()
    page.get_by_label("From").fill(f"{today.year - 1}-01-01")
    page.get_by_label("To").fill(today.isoformat())
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_role("heading", name="Definitions")).to_be_visible()
    a11y(page)
    page.get_by_label("Download as").select_option("csv")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    path = tmp_path / "distribution.csv"
    info.value.save_as(path)
    assert info.value.suggested_filename.startswith("distribution_")
    assert path.read_text(encoding="utf-8").splitlines()[0] == \
        "month,facility,product,handed,property,declined,kits,doses,first,repeat"
