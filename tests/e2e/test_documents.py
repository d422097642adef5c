"""Documents in a real browser: the public certificate check and the admin directory pages."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect


@pytest.fixture
def certificate_code(live_app):
    """A certificate issued to a synthetic person in the demo database."""
    from reentry.documents.services import issue_certificate
    from reentry.extensions import db
    from reentry.participants.models import Participant

    with live_app.app_context():
        person = Participant(first_name="Robin", last_name="Sample", preferred_language="en")
        db.session.add(person)
        db.session.flush()
        certificate = issue_certificate(None, person, "Overdose response and naloxone", "2026.1",
                                        date(2026, 11, 2), "Pat Trainer", "en")
        db.session.commit()
        return certificate.code


def test_anyone_can_check_a_certificate_without_signing_in(page, a11y, certificate_code):
    page.goto("/verify/")
    a11y(page)
    page.get_by_label("Verification code").fill(certificate_code.lower())
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("heading", name="Certificate check")).to_be_visible()
    a11y(page, "valid certificate")
    expect(page.locator(".status")).to_contain_text("Valid")
    expect(page.locator("main")).to_contain_text("R. S.")
    expect(page.locator("main")).not_to_contain_text("Robin")
    response = page.goto("/verify/ABCD-EFGH-JKMN-PQRS-TVWX")
    assert response.status == 404 and response.headers["x-robots-tag"].startswith("noindex")
    a11y(page, "unknown code")
    expect(page.locator(".status")).to_contain_text("Not found")


def test_admin_manages_the_directory_hotlines_and_laws(page, a11y, sign_in):
    sign_in(page, "admin@demo.test")
    page.get_by_role("link", name="Resources").click()
    expect(page.get_by_role("heading", name="Resource directory")).to_be_visible()
    a11y(page)
    expect(page.get_by_text("Demo Harbor Recovery Clinic")).to_be_visible()
    expect(page.get_by_text("Needs checking: over 12 months").first).to_be_visible()
    page.get_by_role("link", name="New entry").click()
    a11y(page)
    page.get_by_label("Name", exact=True).fill("Demo E2E Recovery Cafe")
    page.get_by_label("Type").select_option("recovery_community")
    page.get_by_label("State").select_option("OH")
    page.get_by_label("County").fill("Franklin")
    page.get_by_label("ZIP code").fill("4321")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Zip")
    a11y(page, "form with errors")
    page.get_by_label("ZIP code").fill("43215")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Entry added.")).to_be_visible()
    a11y(page)
    page.get_by_role("link", name="Import CSV").click()
    a11y(page)
    page.goto("/resources/")
    a11y(page)
    page.get_by_role("link", name="Hotlines").click()
    expect(page.get_by_text("Not verified: does not print")).to_be_visible()
    a11y(page)
    page.get_by_role("link", name="Never Use Alone").click()
    a11y(page)
    page.goto("/laws/")
    a11y(page)
    page.get_by_role("link", name="Kansas", exact=True).click()  # a row no one could check against its statute
    expect(page.get_by_text("We do not have checked facts about the law in Kansas.")).to_be_visible()
    a11y(page)
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto("/resources/")
    a11y(page, "at 320 px")
