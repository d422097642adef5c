"""Participants in a real browser: upload a roster, see its errors, fix and import it, find the
person, screen them, and see their release-risk flags (axe on every page)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

HEADER = "booking_id,last_name,first_name,date_of_birth,expected_release_date,housing_unit\n"
BAD = HEADER + "E2E-1,Ximénez-O'Hara,Zoë,1984-02-29,,A-1\nE2E-2,Quiñones,Raúl,1990-02-30,,A-2\n"
FIXED = HEADER + "E2E-1,Ximénez-O'Hara,Zoë,1984-02-29,,A-1\nE2E-2,Quiñones,Raúl,1990-02-28,,A-2\n"


def csv_file(content: str) -> dict:
    return {"name": "roster.csv", "mimeType": "text/csv", "buffer": content.encode("utf-8")}


def test_upload_fix_import_search_screen_and_see_flags(page, a11y, sign_in):
    sign_in(page, "staff@demo.test")
    page.get_by_role("link", name="Participants").click()
    expect(page.get_by_role("heading", name="Participants", level=1)).to_be_visible()
    a11y(page)
    page.get_by_role("link", name="Import a roster").click()
    a11y(page)

    page.get_by_label("Roster file (CSV)").set_input_files(csv_file(BAD))
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_text("row 3, column date_of_birth: '1990-02-30' is not a date")).to_be_visible()
    a11y(page, "preview with errors")

    page.get_by_label("Roster file (CSV)").set_input_files(csv_file(FIXED))
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_text("If you import it: created 2, updated 0, unchanged 0")).to_be_visible()
    a11y(page, "preview ready")
    page.get_by_role("button", name="Import now").click()
    expect(page.get_by_text("Roster imported: created 2, updated 0, unchanged 0")).to_be_visible()
    a11y(page, "after import")

    page.get_by_label("Name, booking number or date of birth").fill("XIMENEZ zoe")
    page.get_by_role("button", name="Search").click()
    a11y(page, "search results")
    page.get_by_role("link", name="Ximénez-O'Hara, Zoë").click()
    expect(page.get_by_role("heading", name="Ximénez-O'Hara, Zoë")).to_be_visible()
    expect(page.get_by_text("Everyone leaving custody is at higher risk of overdose")).to_be_visible()
    a11y(page)

    page.get_by_role("link", name="New release screening").click()
    a11y(page)
    page.get_by_label("Used opioids before custody").select_option("yes")
    page.get_by_label("Injects drugs").select_option("yes")
    page.get_by_label("Usually uses alone").select_option("yes")
    page.get_by_label("Housing at release").select_option("shelter")
    page.get_by_role("button", name="Save screening").click()
    expect(page.get_by_text("Screening saved.")).to_be_visible()
    flags = page.locator(".risk-flags")
    for code in ("NO_MOUD", "INJECTS", "USES_ALONE", "NO_STABLE_HOUSING"):
        expect(flags).to_contain_text(code)
    expect(flags).to_contain_text("Do not use alone.")
    expect(page).to_have_url(re.compile(r"/participants/\d+#flags"))
    a11y(page, "record with flags")


def test_registry_pages_fit_a_320px_screen(browser, base_url, a11y, sign_in):
    context = browser.new_context(base_url=base_url, viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        sign_in(page, "manager@demo.test")
        for path in ("/participants/", "/participants/import"):
            page.goto(path)
            a11y(page)
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        page.goto("/participants/")
        page.locator("table a").first.click()
        page.wait_for_load_state("load")
        a11y(page, "a demo record")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        page.get_by_role("link", name="New release screening").click()
        page.wait_for_load_state("load")
        a11y(page, "screening form")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        context.close()
