"""Sign-in, throttling, sign-out and the server-side session."""
import re

import pytest
import time_machine
from sqlalchemy import select, update

from reentry.audit.models import AuditEvent
from reentry.auth.models import AuthSession
from reentry.database import utcnow
from reentry.extensions import db
from tests.conftest import TEST_PASSWORD, base_config

GENERIC_FAILURE = b"The email or password is not correct."


def test_successful_login_redirects_and_audits(client, make_user, login):
    user = make_user("admin")
    response = login(user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login.success")).actor_id == user.id


def test_unknown_user_and_wrong_password_get_identical_answers(client, make_user, login):
    user = make_user("admin")
    wrong = login(user, "a wrong password entirely")
    unknown = login("nobody@example.test", "a wrong password entirely")
    assert wrong.status_code == unknown.status_code == 200
    assert GENERIC_FAILURE in wrong.data and GENERIC_FAILURE in unknown.data
    # The CSRF token carries a timestamp in seconds, so it differs when the two requests straddle
    # a second: it is the same for anyone and is left out of the comparison.
    def page(response, email):
        return re.sub(rb'(csrf[-_]token"[^>]*(?:content|value)=")[^"]*', rb"\1", response.data.replace(email, b""))

    assert page(wrong, user.email.encode()) == page(unknown, b"nobody@example.test")
    failures = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failure")).all()
    assert len(failures) == 2


def test_disabled_accounts_cannot_sign_in(client, make_user, login):
    from reentry.auth import services

    admin = make_user("admin")
    user = make_user("admin")
    services.set_disabled(admin, user, True)
    db.session.commit()
    assert GENERIC_FAILURE in login(user).data


def test_five_failures_lock_the_username_and_ip_for_15_minutes(client, make_user, login):
    user = make_user("admin")
    for _ in range(5):
        assert login(user, "wrong password number x").status_code == 200
    locked = login(user)  # even the right password
    assert locked.status_code == 429
    assert b"Wait 15 minutes" in locked.data
    # Another person behind the same NAT address is not locked out.
    other = make_user("admin")
    assert login(other).status_code == 302


def test_successful_logins_do_not_count_toward_the_limit(app, make_user, login):
    user = make_user("admin")
    for _ in range(7):
        client = app.test_client()
        assert login(user, test_client=client).status_code == 302


def test_lock_ends_after_15_minutes(client, make_user, login):
    user = make_user("admin")
    with time_machine.travel(utcnow(), tick=False) as traveller:
        for _ in range(5):
            login(user, "wrong password number x")
        assert login(user).status_code == 429
        traveller.shift(15 * 60 + 1)
        assert login(user).status_code == 302


def test_spoofed_forwarded_for_does_not_reset_the_limit(client, make_user):
    user = make_user("admin")
    for n in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong password number x"},
                    headers={"X-Forwarded-For": f"10.0.0.{n}"})
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD},
                           headers={"X-Forwarded-For": "10.9.9.9"})
    assert response.status_code == 429


def test_login_rotates_the_session_cookie(client, make_user, login):
    user = make_user("admin")
    client.get("/login")
    before = client.get_cookie("reentry")
    login(user)
    after = client.get_cookie("reentry")
    assert after is not None and (before is None or before.value != after.value)
    assert after.http_only
    assert after.same_site == "Lax"


def test_logout_ends_the_session_on_the_server(app, client, make_user, login):
    user = make_user("admin")
    login(user)
    stolen = client.get_cookie("reentry").value
    assert client.get("/facilities/").status_code == 200
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("reentry", stolen)
    response = replay.get("/facilities/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    row = db.session.scalar(select(AuthSession).where(AuthSession.user_id == user.id))
    assert row.ended_reason == "logout"


def test_idle_sessions_end_after_30_minutes(client, make_user, login):
    user = make_user("admin")
    with time_machine.travel(utcnow(), tick=False) as traveller:
        login(user)
        traveller.shift(29 * 60)
        assert client.get("/facilities/").status_code == 200  # activity keeps it alive
        traveller.shift(29 * 60)
        assert client.get("/facilities/").status_code == 200
        traveller.shift(31 * 60)
        response = client.get("/facilities/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sessions_end_after_12_hours_whatever_the_activity(client, make_user, login):
    user = make_user("admin")
    login(user)
    db.session.execute(update(AuthSession).values(created_at=utcnow().replace(year=2020)))
    db.session.commit()
    response = client.get("/facilities/")
    assert response.status_code == 302


def test_password_change_and_disable_end_other_sessions(app, make_user, login):
    from reentry.auth import services

    admin = make_user("admin")
    user = make_user("admin")
    first, second = app.test_client(), app.test_client()
    login(user, test_client=first)
    login(user, test_client=second)
    response = first.post("/account/password", data={
        "current_password": TEST_PASSWORD, "new_password": "a brand new passphrase here",
        "confirm": "a brand new passphrase here"})
    assert response.status_code == 302
    assert first.get("/facilities/").status_code == 200  # the session that changed it goes on
    assert second.get("/facilities/").status_code == 302  # every other one ended
    services.set_disabled(admin, user, True)
    db.session.commit()
    assert first.get("/facilities/").status_code == 302


@pytest.mark.parametrize("target", [
    "https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)",
    "%2F%2Fevil.example", "/\t/evil.example", "http:/evil.example",
])
def test_next_never_leaves_the_site(client, make_user, target):
    user = make_user("admin")
    response = client.post(f"/login?next={target}", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_to_a_local_page_is_followed(client, make_user):
    user = make_user("admin")
    response = client.post("/login?next=/audit/", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/audit/"


def test_temporary_password_must_be_changed_first(client, make_user, login):
    user = make_user("admin", must_change_password=True)
    login(user)
    response = client.get("/facilities/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    client.post("/account/password", data={
        "current_password": TEST_PASSWORD, "new_password": "my own lasting passphrase",
        "confirm": "my own lasting passphrase"})
    assert client.get("/facilities/").status_code == 200


def test_weak_new_password_is_explained(client, make_user, login):
    user = make_user("admin")
    login(user)
    response = client.post("/account/password", data={
        "current_password": TEST_PASSWORD, "new_password": "password1234", "confirm": "password1234"})
    assert response.status_code == 200
    assert b"common passwords" in response.data or b"too easy to guess" in response.data


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, database_url):
        return base_config(database_url, WTF_CSRF_ENABLED=True)

    def test_post_without_token_gets_the_friendly_400(self, client, make_user):
        user = make_user("admin")
        response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
        assert response.status_code == 400
        assert b"The form may have expired" in response.data

    def test_post_with_a_foreign_token_is_refused(self, app, client, make_user):
        user = make_user("admin")
        other = app.test_client()
        page = other.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 400

    def test_post_with_its_own_token_works(self, client, make_user):
        user = make_user("admin")
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 302


def test_keepalive_refreshes_an_idle_session(client, make_user, login):
    user = make_user("admin")
    with time_machine.travel(utcnow(), tick=False) as traveller:
        login(user)
        traveller.shift(25 * 60)
        assert client.post("/session/keepalive").status_code == 204
        traveller.shift(25 * 60)  # 50 minutes after sign-in, 25 after the keepalive
        assert client.get("/facilities/").status_code == 200


def test_a_failed_sign_in_never_stores_what_was_typed_as_the_email(app, client, login):
    import json

    login("Correct-Horse-Battery-9", "a wrong password entirely")  # a password typed in the email box
    login("Someone.Else@County.Example", "a wrong password entirely")
    login("someone.else@county.example", "another wrong password")
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failure")
                              .order_by(AuditEvent.id)).all()
    stored = [json.loads(row.changes) for row in rows]
    assert "correct-horse" not in rows[0].changes.lower() and "battery" not in rows[0].changes.lower()
    assert stored[0]["email_masked"] == "(23 characters, not an email)"
    assert stored[1]["email_masked"] == "s…@county.example" and "someone" not in rows[1].changes
    # The keyed hash shows the same entry typed twice, without saying what it was.
    assert stored[1]["email_hmac"] == stored[2]["email_hmac"] != stored[0]["email_hmac"]
