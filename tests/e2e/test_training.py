"""Trainings in a real browser: staff run a session and key in the pre/post grid; a learner
takes the kiosk course in Spanish; an idle kiosk locks and needs the staff PIN (or a staff login
with its two-step code)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

PIN = "246810"


@pytest.fixture
def short_idle(live_app):
    """The kiosk idle timeout is configuration; a few seconds here so the test is quick."""
    live_app.config["REENTRY_KIOSK_IDLE_SECONDS"] = 3
    yield
    live_app.config.pop("REENTRY_KIOSK_IDLE_SECONDS", None)


def _jail_booking(live_app) -> str:
    from reentry.extensions import db
    from reentry.facilities.models import Facility
    from reentry.participants.models import CustodyEpisode

    with live_app.app_context():
        jail = db.session.scalar(select(Facility).where(Facility.code == "DEMO-JAIL"))
        booking = db.session.scalar(select(CustodyEpisode.booking_id).where(
            CustodyEpisode.facility_id == jail.id, CustodyEpisode.release_date.is_(None)).order_by(CustodyEpisode.id))
        db.session.remove()
    return booking


def _start_kiosk(page, a11y, sign_in, booking: str, language: str):
    sign_in(page, "staff@demo.test")
    page.get_by_role("link", name="Trainings").click()
    a11y(page)
    page.get_by_role("link", name="Start a kiosk").click()
    a11y(page)
    page.get_by_label("Facility").select_option(label="DEMO-JAIL: Demo County Jail")
    page.get_by_label("Booking or DOC number").fill(booking)
    page.get_by_label("Starting language").select_option(language)
    page.get_by_label("Exit PIN (4 to 8 digits)").fill(PIN)
    page.get_by_role("button", name="Start kiosk on this device").click()
    page.wait_for_load_state("load")


def test_staff_runs_a_session_and_enters_the_grid_by_keyboard(page, a11y, sign_in):
    sign_in(page, "staff@demo.test")
    page.get_by_role("link", name="Trainings").click()
    expect(page.get_by_role("heading", name="Trainings", exact=True)).to_be_visible()
    a11y(page)
    page.get_by_role("link", name="New session").click()
    a11y(page)
    page.get_by_label("Date and time").fill("2026-12-20T10:00")
    page.get_by_label("Location").fill("Unit A classroom")
    page.get_by_role("button", name="Create session").click()
    expect(page.get_by_text("Session created.")).to_be_visible()
    a11y(page)
    expect(page.get_by_role("heading", name="Completion rule")).to_be_visible()
    expect(page.get_by_text("attended the full session")).to_be_visible()

    page.get_by_label("Housing unit").select_option(index=0)
    page.get_by_role("button", name="Add everyone in this unit").click()
    expect(page.get_by_text(re.compile(r"\d+ attendees added"))).to_be_visible()
    a11y(page)
    page.get_by_label("Walk-in label").fill("W.K.")
    page.get_by_role("button", name="Add walk-in").click()
    expect(page.get_by_text("Walk-in added.")).to_be_visible()
    a11y(page)

    page.get_by_role("link", name="Pre-test grid").click()
    a11y(page)
    rows = page.locator("table.answer-grid tbody tr").count()
    assert rows >= 2
    first = page.get_by_label("Row 1, item 1", exact=True)
    first.focus()
    # One keystroke per cell; the cursor moves on by itself, wrapping to the next row.
    page.keyboard.type("tf?tf?tf?tf?tf?" + "ffffffffffttttt")
    expect(page.get_by_label("Row 1, item 2", exact=True)).to_have_value("F")
    expect(page.get_by_label("Row 1, item 3", exact=True)).to_have_value("?")
    expect(page.get_by_label("Row 2, item 15", exact=True)).to_have_value("T")
    first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.type("?")
    expect(page.get_by_label("Row 2, item 1", exact=True)).to_have_value("?")
    expect(page.get_by_label("Row 2, item 2", exact=True)).to_be_focused()
    page.get_by_role("button", name="Save answers").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"\d+ answers saved"))).to_be_visible()
    a11y(page)

    page.get_by_role("link", name="Post-test grid").click()
    a11y(page)
    page.get_by_label("Row 1, item 1", exact=True).focus()
    page.keyboard.type("fttfttftttfffff")
    with page.expect_navigation():
        page.get_by_role("button", name="Save answers").press("Enter")
    a11y(page)
    expect(page.get_by_role("heading", name="Knowledge gain")).to_be_visible()
    expect(page.get_by_role("heading", name="By domain")).to_be_visible()

    # Attendance and teach-back for the first attendee, then close the session.
    first_row = page.locator("table.attendees tbody tr").first
    first_row.get_by_label("Attendance").select_option("full")
    first_row.get_by_label("Can name the signs of an overdose").check()
    first_row.get_by_label("Shows the steps to respond").check()
    first_row.get_by_label("Shows how to use the device they will get").check()
    first_row.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    a11y(page)
    expect(page.locator("table.attendees tbody tr").first).to_contain_text("Meets the rule")
    page.get_by_role("button", name="Complete session").click()
    expect(page.get_by_text(re.compile(r"Session completed: 1 of \d+ attendees met the rule\."))).to_be_visible()
    a11y(page)
    expect(page.get_by_text("This session is completed. Only a manager can reopen it.")).to_be_visible()


def test_a_participant_completes_the_kiosk_course_in_spanish(browser, base_url, live_app, a11y, sign_in):
    context = browser.new_context(base_url=base_url, viewport={"width": 768, "height": 1024})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        _start_kiosk(page, a11y, sign_in, _jail_booking(live_app), "es")
        expect(page.get_by_role("heading", name="Antes de empezar: ¿qué sabe?")).to_be_visible()
        a11y(page)
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18
        assert page.evaluate("document.documentElement.scrollWidth") <= 768
        heights = page.evaluate("[...document.querySelectorAll('button, label.choice')].map(e => e.getBoundingClientRect().height)")
        assert min(heights) >= 44
        # Staff pages are out of reach from the kiosk.
        page.goto("/training/")
        expect(page).to_have_url(re.compile(r"/kiosk/pre$"))
        a11y(page)

        # Keyboard only: in each question the arrow keys pick "No sé", Tab goes to the next one.
        questions = page.locator("fieldset.quiz-item")
        questions.first.get_by_label("Cierto").focus()
        for _ in range(questions.count()):
            page.keyboard.press("ArrowDown")
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Guardar mis respuestas")).to_be_focused()
        expect(questions.last.get_by_label("No sé")).to_be_checked()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        for _ in range(8):
            a11y(page)
            expect(page.get_by_text(re.compile(r"Parte \d de 9"))).to_be_visible()
            with page.expect_navigation():
                page.get_by_role("button", name="Siguiente").press("Enter")
        a11y(page)
        page.get_by_role("button", name="Ir a la última prueba").click()
        page.wait_for_load_state("load")
        expect(page.get_by_role("heading", name="¿Qué aprendió?")).to_be_visible()
        a11y(page)
        for index in range(questions.count()):
            questions.nth(index).get_by_label("Cierto").check()
        page.get_by_role("button", name="Guardar mis respuestas").click()
        page.wait_for_load_state("load")
        expect(page.get_by_role("heading", name="Sus resultados")).to_be_visible()
        expect(page.get_by_text(re.compile(r"Antes: 0 de 15 bien\. Después: \d+ de 15 bien\."))).to_be_visible()
        a11y(page)
        page.get_by_role("button", name="Siguiente").click()
        expect(page.get_by_role("heading", name="Díganos qué piensa")).to_be_visible()
        a11y(page)
        page.get_by_role("group", name="¿Fue fácil seguir el curso?").get_by_label("Sí").check()
        page.get_by_role("button", name="Enviar").click()
        page.wait_for_load_state("load")
        expect(page.get_by_role("heading", name="Ya terminó. ¡Gracias!")).to_be_visible()
        a11y(page)
        page.get_by_role("link", name="Personal: salir").click()
        expect(page.get_by_role("heading", name="Solo personal: salir del quiosco")).to_be_visible()
        a11y(page)
        page.get_by_label("PIN del personal").fill(PIN)
        page.get_by_role("button", name="Terminar y salir").click()
        page.wait_for_load_state("load")
        expect(page).to_have_url(re.compile(r"/login"))
        a11y(page)
    finally:
        context.close()


def test_an_idle_kiosk_locks_and_needs_the_staff_pin(browser, base_url, live_app, a11y, sign_in, short_idle):
    context = browser.new_context(base_url=base_url, viewport={"width": 768, "height": 1024})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        _start_kiosk(page, a11y, sign_in, "", "en")
        expect(page.get_by_role("heading", name="Before we start: what do you know?")).to_be_visible()
        a11y(page)
        page.locator("fieldset.quiz-item").first.get_by_label("False").check()
        # No more input: the screen locks by itself and keeps the answer given so far.
        expect(page.get_by_role("heading", name="This screen is locked")).to_be_visible(timeout=15_000)
        a11y(page)
        page.get_by_label("Staff PIN").fill("999999")
        page.get_by_role("button", name="Unlock").click()
        expect(page.get_by_text("The PIN is not correct.").first).to_be_visible()
        a11y(page)
        # A staff login asks for the two-step code too, and a failure never says which part was wrong.
        page.get_by_label("Or staff email").fill("nobody@example.test")
        page.get_by_label("Staff password").fill("not the password at all")
        page.get_by_label("Two-step code").fill("000000")
        page.get_by_role("button", name="Unlock").click()
        expect(page.get_by_text("The email, password or code is not right").first).to_be_visible()
        a11y(page)
        page.get_by_label("Staff PIN").fill(PIN)
        page.get_by_role("button", name="Unlock").click()
        expect(page.get_by_role("heading", name="Before we start: what do you know?")).to_be_visible()
        expect(page.locator("fieldset.quiz-item").first.get_by_label("False")).to_be_checked()
        a11y(page)
    finally:
        context.close()
