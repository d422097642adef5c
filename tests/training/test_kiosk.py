"""Kiosk mode: the device token opens only the course, results are saved to the learner,
idle time locks the screen, and leaving needs the PIN or a staff login."""
from __future__ import annotations

import json
from datetime import timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import func, select

from reentry.audit.models import AuditEvent
from reentry.auth import mfa
from reentry.database import utcnow
from reentry.extensions import db
from reentry.training.models import KioskFeedback, KioskSession, TrainingAttendee
from tests.conftest import TEST_PASSWORD
from tests.training.conftest import ALL_RIGHT, PIN

# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


def _kiosk() -> KioskSession:
    db.session.expire_all()
    return db.session.scalar(select(KioskSession))


def test_the_kiosk_reaches_only_course_pages(kiosk_client):
    for url in ("/training/", "/facilities/", "/admin/users/", "/login", "/account"):
        response = kiosk_client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/kiosk/"), url
    page = kiosk_client.get("/kiosk/pre")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'lang="es"' in text and "No sé" in text
    assert "/training/" not in text  # no link to the staff app
    # The staff login in this browser ended when the kiosk started.
    assert kiosk_client.post("/training/new", data={}).status_code == 302


def test_a_learner_completes_the_course_and_results_are_saved(kiosk_client):
    assert kiosk_client.get("/kiosk/module:1").headers["Location"].endswith("/kiosk/pre")  # no skipping
    incomplete = kiosk_client.post("/kiosk/pre", data={"item-risk-1": "true"})
    assert incomplete.status_code == 422 and "conteste cada pregunta" in incomplete.get_data(as_text=True)
    pre = {f"item-{k}": "dont_know" for k in ALL_RIGHT}
    assert kiosk_client.post("/kiosk/pre", data=pre).headers["Location"].endswith("/kiosk/module:1")
    for n in range(1, 10):
        page = kiosk_client.get(f"/kiosk/module:{n}")
        assert page.status_code == 200
        go = f"module:{n + 1}" if n < 9 else "post"
        kiosk_client.post(f"/kiosk/module:{n}", data={"go": go})
    assert kiosk_client.post("/kiosk/language", data={"item-risk-3": "true"}).status_code == 302
    post_page = kiosk_client.get("/kiosk/post").get_data(as_text=True)
    assert 'lang="en"' in post_page and 'name="item-risk-3" value="true" required checked' in post_page
    post = {f"item-{k}": v for k, v in ALL_RIGHT.items()}
    assert kiosk_client.post("/kiosk/post", data=post).headers["Location"].endswith("/kiosk/results")
    results = kiosk_client.get("/kiosk/results").get_data(as_text=True)
    assert "Before: 0 of 15 right. After: 15 of 15 right." in results
    kiosk_client.post("/kiosk/results", data={"go": "feedback"})
    kiosk_client.post("/kiosk/feedback", data={"clarity": "yes", "confidence": "somewhat", "comment": "good"})
    kiosk = _kiosk()
    assert kiosk.step == "done"
    attendee = db.session.get(TrainingAttendee, kiosk.attendee_id)
    assert attendee.participant_id == kiosk_client.person.id and attendee.attendance == "full"
    assert sum(a.phase == "post" and a.is_correct for a in attendee.answers) == 15
    assert attendee.session.format == "self_paced"
    feedback = db.session.scalar(select(KioskFeedback))
    assert (feedback.clarity, feedback.comment) == ("yes", "good") and feedback.given_on.weekday() == 0
    assert not hasattr(feedback, "participant_id") and not hasattr(feedback, "kiosk_session_id")


def test_idle_time_locks_the_screen_and_a_pin_unlocks_it(kiosk_client):
    kiosk = _kiosk()
    kiosk.last_activity_at -= timedelta(minutes=6)
    db.session.commit()
    locked = kiosk_client.get("/kiosk/")
    assert "Esta pantalla está bloqueada" in locked.get_data(as_text=True)
    # A POST while idle is refused and records the lock; nothing is saved.
    kiosk_client.post("/kiosk/pre", data={f"item-{k}": "true" for k in ALL_RIGHT})
    kiosk = _kiosk()
    assert kiosk.locked_at is not None and kiosk.step == "pre"
    wrong = kiosk_client.post("/kiosk/unlock", data={"pin": "000000", "action": "unlock"})
    assert wrong.status_code == 422 and _kiosk().failed_pin_attempts == 1
    assert kiosk_client.post("/kiosk/unlock", data={"pin": PIN, "action": "unlock"}).status_code == 302
    kiosk = _kiosk()
    assert kiosk.locked_at is None and kiosk.failed_pin_attempts == 0
    assert kiosk_client.get("/kiosk/pre").status_code == 200


def test_answers_given_before_an_idle_lock_are_kept(kiosk_client):
    assert kiosk_client.post("/kiosk/lock", data={"item-risk-1": "false", "item-risk-2": "maybe"}).status_code == 302
    kiosk = _kiosk()
    assert kiosk.locked_at is not None
    assert [(a.item_key, a.answer) for a in db.session.get(TrainingAttendee, kiosk.attendee_id).answers] == \
        [("risk-1", "false")]
    kiosk_client.post("/kiosk/unlock", data={"pin": PIN, "action": "unlock"})
    page = kiosk_client.get("/kiosk/pre").get_data(as_text=True)
    assert 'name="item-risk-1" value="false" required checked' in page
    answers = {f"item-{k}": v for k, v in ALL_RIGHT.items()}
    answers["item-risk-1"] = "true"  # the learner changes their mind before finishing
    assert kiosk_client.post("/kiosk/pre", data=answers).headers["Location"].endswith("/kiosk/module:1")


def test_leaving_needs_the_pin_or_a_staff_login(kiosk_client):
    for _ in range(5):
        kiosk_client.post("/kiosk/unlock", data={"pin": "111111", "action": "end"})
    blocked = kiosk_client.post("/kiosk/unlock", data={"pin": PIN, "action": "end"})
    assert blocked.status_code == 422 and "must sign in" in blocked.get_data(as_text=True)
    bad_login = kiosk_client.post("/kiosk/unlock", data={"email": kiosk_client.staff.email,
                                                         "password": "wrong", "action": "end"})
    assert bad_login.status_code == 422
    ok = kiosk_client.post("/kiosk/unlock", data={"email": kiosk_client.staff.email, "password": TEST_PASSWORD,
                                                  "action": "end"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/login")
    assert _kiosk().ended_reason == "staff_exit"
    # The device is a normal, signed-out browser again; the old kiosk cookie is gone.
    assert kiosk_client.get("/kiosk/").status_code == 403
    assert kiosk_client.get("/training/").headers["Location"].startswith("/login")


def test_anonymous_learner_is_not_linked_to_anyone(client, login_as, make_facility, oend_version):
    facility = make_facility("J")
    login_as("staff", facilities=[facility])
    response = client.post("/training/kiosk/start", data={
        "facility": str(facility.id), "curriculum_version": str(oend_version.id), "booking_id": "",
        "language": "en", "pin": "12"})
    assert response.status_code == 200 and "4 to 8" in response.get_data(as_text=True)
    client.post("/training/kiosk/start", data={
        "facility": str(facility.id), "curriculum_version": str(oend_version.id), "booking_id": "",
        "language": "en", "pin": "1234"})
    attendee = db.session.get(TrainingAttendee, _kiosk().attendee_id)
    assert attendee.participant_id is None and attendee.walk_in_label == "anonymous learner"


def test_the_kiosk_shows_the_one_protocol_in_order_in_both_languages(kiosk_client):
    """Module 4 on the kiosk prints protocol.toml's steps, in order (the packet prints the same:
    tests/documents/test_protocol.py)."""
    import html
    import re

    from reentry.training.protocol import default_protocol

    proto = default_protocol()
    kiosk_client.post("/kiosk/pre", data={f"item-{k}": "dont_know" for k in ALL_RIGHT})
    for n in range(1, 4):
        kiosk_client.post(f"/kiosk/module:{n}", data={"go": f"module:{n + 1}"})
    for lang in ("es", "en"):
        page = kiosk_client.get("/kiosk/module:4").get_data(as_text=True)
        assert f'lang="{lang}"' in page
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
        position = 0
        for step in proto.steps[lang]:
            found = text.find(" ".join(f"{step.title} {step.text}".split()), position)
            assert found > position, step.key
            position = found
        assert "{{" not in text and "[@" not in text  # no directive or citation key on screen
        kiosk_client.post("/kiosk/language", data={})


# Staff logins at the kiosk: the same throttle and the same steps as /login (issue 14).

def _unlock(client, **data):
    return client.post("/kiosk/unlock", data={"action": "unlock", **data})


def _refusal(response) -> tuple[int, str]:
    text = response.get_data(as_text=True)
    assert "El correo, la contraseña o el código no son correctos" in text  # the kiosk is in Spanish
    return response.status_code, text.split('id="email-error"', 1)[1].split("</small>", 1)[0]


def test_every_failed_staff_login_gets_the_same_answer(kiosk_client, make_user, make_facility):
    """No password oracle: a right password of an account that may not unlock looks like a wrong one."""
    auditor = make_user("auditor")
    elsewhere = make_user("staff", [make_facility("ELSEWHERE")])
    answers = {
        "wrong password": _refusal(_unlock(kiosk_client, email=kiosk_client.staff.email, password="wrong " * 3)),
        "unknown email": _refusal(_unlock(kiosk_client, email="nobody@example.test", password=TEST_PASSWORD)),
        "auditor": _refusal(_unlock(kiosk_client, email=auditor.email, password=TEST_PASSWORD)),
        "other facility": _refusal(_unlock(kiosk_client, email=elsewhere.email, password=TEST_PASSWORD)),
    }
    assert len(set(answers.values())) == 1, answers
    assert next(iter(answers.values()))[0] == 422
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "kiosk.staff_refused")).all()
    assert sorted(json.loads(e.changes)["user_id"] for e in refused) == sorted([auditor.id, elsewhere.id])


def test_kiosk_and_sign_in_page_share_one_failure_counter(app, kiosk_client):
    email = kiosk_client.staff.email
    signin = app.test_client()  # another browser at the same address
    for _ in range(3):
        assert signin.post("/login", data={"email": email, "password": "wrong " * 3}).status_code == 200
    for _ in range(2):
        assert _unlock(kiosk_client, email=email, password="wrong " * 3).status_code == 422
    # Five failures in all: both doors are shut for this email and address, even to the right password.
    assert _unlock(kiosk_client, email=email.upper(), password=TEST_PASSWORD).status_code == 429
    assert signin.post("/login", data={"email": email, "password": TEST_PASSWORD}).status_code == 429
    assert _kiosk().ended_at is None


def test_wrong_pins_do_not_lock_staff_out_of_signing_in(app, kiosk_client):
    for _ in range(5):
        assert _unlock(kiosk_client, pin="000000").status_code == 422
    assert app.test_client().post("/login", data={"email": kiosk_client.staff.email,
                                                  "password": TEST_PASSWORD}).status_code == 302


def test_two_step_accounts_need_their_code_to_unlock(kiosk_client, make_user):
    admin = make_user("admin")
    with time_machine.travel(utcnow(), tick=False) as traveller:
        secret = mfa.new_secret()
        recovery = mfa.enable_mfa(admin, secret, pyotp.TOTP(secret).now())
        db.session.commit()
        traveller.shift(60)  # a new 30-second window: the enrolment code is spent
        kiosk_client.post("/kiosk/lock")
        first = _refusal(_unlock(kiosk_client, email=admin.email, password=TEST_PASSWORD))
        wrong = _refusal(_unlock(kiosk_client, email=admin.email, password=TEST_PASSWORD, code="000000"))
        assert first == wrong and first[0] == 422 and _kiosk().locked_at is not None
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login.mfa_failure", AuditEvent.entity_id == str(admin.id))) == 2
        ok = _unlock(kiosk_client, email=admin.email, password=TEST_PASSWORD, code=pyotp.TOTP(secret).now())
        assert ok.status_code == 302 and _kiosk().locked_at is None
        # A recovery code works once, as at sign-in.
        kiosk_client.post("/kiosk/lock")
        assert _unlock(kiosk_client, email=admin.email, password=TEST_PASSWORD, code=recovery[0]).status_code == 302
        kiosk_client.post("/kiosk/lock")
        assert _unlock(kiosk_client, email=admin.email, password=TEST_PASSWORD, code=recovery[0]).status_code == 422


def test_an_account_that_must_set_up_two_step_cannot_unlock(kiosk_client, make_user):
    facility = db.session.get(KioskSession, _kiosk().id).attendee.session.facility
    facility.require_mfa = True
    db.session.commit()
    colleague = make_user("staff", [facility])
    kiosk_client.post("/kiosk/lock")
    assert _refusal(_unlock(kiosk_client, email=colleague.email, password=TEST_PASSWORD))[0] == 422
    assert _kiosk().locked_at is not None
