"""The foundation's workflows in a real browser: sign in, failed sign-in, sign out,
an admin creates an account, staff see only their facility."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import E2E_PASSWORD


def test_failed_sign_in_shows_a_generic_message(page, a11y):
    page.goto("/login")
    a11y(page)
    page.get_by_label("Email").fill("staff@demo.test")
    page.get_by_label("Password").fill("not the right password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The email or password is not correct.")
    a11y(page, "after a failed sign-in")


def test_staff_signs_in_sees_only_their_facility_and_signs_out(page, a11y, sign_in):
    sign_in(page, "staff@demo.test")
    expect(page.get_by_role("heading", name="Facilities")).to_be_visible()
    expect(page.get_by_role("link", name="DEMO-JAIL")).to_be_visible()
    expect(page.get_by_role("link", name="DEMO-PRISON")).to_have_count(0)
    page.get_by_role("link", name="DEMO-JAIL").click()
    expect(page.get_by_role("heading", name=re.compile("Demo County Jail"))).to_be_visible()
    a11y(page)
    response = page.goto("/facilities/DEMO-PRISON")
    assert response.status == 404
    a11y(page, "404 page")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    a11y(page)
    page.goto("/facilities/")
    expect(page).to_have_url(re.compile(r"/login"))
    a11y(page)


def test_admin_creates_an_account_that_can_sign_in(page, a11y, sign_in, context):
    sign_in(page, "admin@demo.test")
    page.get_by_role("link", name="Accounts").click()
    a11y(page)
    page.get_by_role("link", name="New account").click()
    a11y(page)
    page.get_by_label("Email").fill("new.staff@demo.test")
    page.get_by_label("Name").fill("New Staff")
    page.get_by_label("Role").select_option("staff")
    page.get_by_label("DEMO-JAIL: Demo County Jail").check()
    page.get_by_label("Temporary password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 12 characters")
    a11y(page, "form with errors")
    page.get_by_label("Temporary password").fill("a temporary passphrase for e2e")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Account created for new.staff@demo.test.")).to_be_visible()
    a11y(page)

    # The new person signs in with the temporary password and must choose their own.
    other = context.browser.new_context(base_url=page.url.split("/admin")[0])
    newcomer = other.new_page()
    try:
        newcomer.goto("/login")
        newcomer.get_by_label("Email").fill("new.staff@demo.test")
        newcomer.get_by_label("Password").fill("a temporary passphrase for e2e")
        newcomer.get_by_role("button", name="Sign in").click()
        expect(newcomer.get_by_role("heading", name="Change password")).to_be_visible()
        a11y(newcomer)
        newcomer.get_by_label("Current password").fill("a temporary passphrase for e2e")
        newcomer.get_by_label("New password", exact=True).fill("my own long passphrase for reentry work")
        newcomer.get_by_label("New password again").fill("my own long passphrase for reentry work")
        newcomer.get_by_role("button", name="Change password").click()
        expect(newcomer.get_by_role("link", name="DEMO-JAIL")).to_be_visible()
        a11y(newcomer)
    finally:
        other.close()


def test_pages_fit_a_320px_screen(browser, base_url, a11y):
    context = browser.new_context(base_url=base_url, viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto("/login")
        a11y(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"horizontal scroll at 320 px: page is {width} px wide"
        page.get_by_label("Email").fill("manager@demo.test")
        page.get_by_label("Password").fill(E2E_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("load")
        a11y(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        context.close()


def test_staff_member_sets_up_two_step_sign_in(page, a11y, sign_in, live_app):
    import pyotp

    from reentry.auth import services
    from reentry.extensions import db

    with live_app.app_context():  # an account of its own: demo accounts stay as other tests expect
        services.create_user(None, "two.step@demo.test", "staff", E2E_PASSWORD,
                             services.facilities_by_code(["DEMO-JAIL"]))
        db.session.commit()
    sign_in(page, "two.step@demo.test")
    page.goto("/account")
    a11y(page)
    page.get_by_role("link", name="Two-step sign-in").click()
    a11y(page)
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    a11y(page)
    assert page.locator(".recovery-codes li").count() == 10


def test_the_session_warning_lets_a_person_stay_signed_in(page, a11y, sign_in):
    sign_in(page, "staff@demo.test")
    assert page.evaluate("document.body.dataset.sessionSeconds") == "1800"
    page.evaluate("window.reentrySessionWarning.show()")  # as the timer does 2 minutes before the end
    dialog = page.get_by_role("dialog", name="Are you still there?")
    expect(dialog).to_be_visible()
    a11y(page, "with the session warning open")
    with page.expect_response(lambda r: r.url.endswith("/session/keepalive")) as kept:
        dialog.get_by_role("button", name="Stay signed in").click()
    assert kept.value.status == 204
    expect(dialog).to_be_hidden()
