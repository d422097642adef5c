"""Naloxone in a real browser, with axe on every page: tonight's worklist, a kit handed at
release, a decline with its reason, a lot received; and the worklist on a phone-size screen."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import E2E_PASSWORD


def _open_worklist(page, a11y):
    page.get_by_role("link", name="Naloxone", exact=True).click()
    a11y(page)
    page.get_by_role("link", name="Release worklist").first.click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Release worklist"))).to_be_visible()
    a11y(page)


def test_staff_opens_tonights_worklist_and_records_a_kit_handed_at_release(page, a11y, sign_in):
    sign_in(page, "staff@demo.test")
    _open_worklist(page, a11y)
    expected = page.get_by_role("region", name=re.compile("Expected to leave"))
    expect(expected).to_be_visible()
    expected.get_by_role("link", name=re.compile("^Record kit for ")).first.click()
    expect(page.get_by_role("heading", name="Record a kit")).to_be_visible()
    a11y(page)
    page.get_by_label("Where").select_option("release")
    page.get_by_label("What happened").select_option("handed")
    page.get_by_label("Lot", exact=True).select_option(index=1)
    page.get_by_role("button", name="Save kit record").click()
    expect(page.get_by_text("Kit record saved.")).to_be_visible()
    expect(page.get_by_text("Handed to the person")).to_be_visible()
    a11y(page)
    page.get_by_role("link", name="Worklist").click()
    a11y(page)
    # Nobody in this list had a kit before (demo kits go to past releases): this is ours.
    expect(page.get_by_role("region", name=re.compile("Expected to leave")).get_by_text("given (1)").first).to_be_visible()


def test_staff_records_a_decline_with_its_reason(page, a11y, sign_in):
    sign_in(page, "staff@demo.test")
    _open_worklist(page, a11y)
    page.get_by_role("link", name=re.compile("^Record kit for ")).last.click()
    a11y(page)
    expect(page.get_by_label("Why it was declined")).to_be_hidden()  # asked only for a decline
    page.get_by_label("What happened").select_option("declined")
    expect(page.get_by_label("Why it was declined")).to_be_visible()
    page.get_by_role("button", name="Save kit record").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose why the kit was declined.")
    a11y(page, "form with errors")
    page.get_by_label("Why it was declined").select_option("legal_worry")
    page.get_by_role("button", name="Save kit record").click()
    expect(page.get_by_text("Kit record saved.")).to_be_visible()
    expect(page.get_by_text("Worried about police or legal trouble")).to_be_visible()
    a11y(page)


def test_staff_receives_a_lot(page, a11y, sign_in):
    sign_in(page, "staff@demo.test")
    page.get_by_role("link", name="Naloxone", exact=True).click()
    a11y(page)
    page.get_by_role("link", name="Inventory").first.click()
    a11y(page)
    page.get_by_role("link", name="Receive a lot").click()
    a11y(page)
    page.get_by_label("Product").select_option(label="Narcan nasal spray 4 mg")
    page.get_by_label("Lot number").fill("E2E-LOT-7")
    page.get_by_label("Expiry date").fill("2029-06-30")
    page.get_by_label("Kits received").fill("48")
    page.get_by_label("Paid for by").select_option(label="Federal grant")
    page.get_by_label("Storage location").select_option(label="Pharmacy")
    page.get_by_role("button", name="Receive lot").click()
    expect(page.get_by_text("Received 48 kits of lot E2E-LOT-7.")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name=re.compile("Lot E2E-LOT-7"))).to_be_visible()
    a11y(page)
    page.get_by_role("link", name="Inventory").click()
    expect(page.get_by_role("link", name="E2E-LOT-7")).to_be_visible()
    a11y(page)
    # The other pages of the facility's naloxone menu pass axe too.
    for link, heading in (("Kit records", "Kit records"), ("Alerts", "Naloxone alerts"),
                          ("Storage", "Storage locations"), ("Use reports", "Naloxone use reports")):
        page.get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", level=1, name=re.compile(heading))).to_be_visible()
        a11y(page)


def test_worklist_fits_a_phone(browser, base_url, a11y):
    context = browser.new_context(base_url=base_url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto("/login")
        a11y(page)
        page.get_by_label("Email").fill("staff@demo.test")
        page.get_by_label("Password").fill(E2E_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("load")
        a11y(page)
        page.goto("/naloxone/DEMO-JAIL/worklist")
        a11y(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        box = page.get_by_role("link", name=re.compile("^Record kit for ")).first.bounding_box()
        assert box["height"] >= 24 and box["width"] >= 24
    finally:
        context.close()


def test_staff_prints_a_release_packet_from_the_worklist(page, a11y, sign_in):
    sign_in(page, "staff@demo.test")
    _open_worklist(page, a11y)
    expected = page.get_by_role("region", name=re.compile("Expected to leave"))
    button = expected.get_by_role("button", name=re.compile("^Print packet for ")).first
    person = " ".join(button.text_content().split()).split(" for ", 1)[1]
    with page.context.expect_event("response", lambda r: "/packet.pdf" in r.url) as printed:
        button.click()
    response = printed.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    for tab in page.context.pages[1:]:
        tab.close()  # the PDF opened in its own tab: a viewer, not a page of ours to check with axe
    page.reload()
    a11y(page)
    row = page.get_by_role("region", name=re.compile("Expected to leave")).get_by_role("row").filter(has_text=person)
    expect(row.first).to_contain_text("printed")
