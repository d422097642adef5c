"""Two-step sign-in: required for admins, optional for others, per-facility enforcement, codes
work once, recovery codes, admin reset."""
import re

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from reentry.audit.models import AuditEvent
from reentry.extensions import db
from tests.conftest import TEST_PASSWORD, base_config


@pytest.fixture
def app_config(database_url):
    return base_config(database_url, REENTRY_MFA_REQUIRED_ROLES=("admin",))


def _enrol(client, user):
    """Walk the setup page as the person would; returns (secret, recovery codes)."""
    page = client.get("/account/two-step").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    assert "<svg" in page  # the QR code, drawn on the server
    done = client.post("/account/two-step", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", done.get_data(as_text=True))
    return secret, codes


def test_admins_must_enrol_before_anything_else(client, make_user, login):
    admin = make_user("admin")
    login(admin)
    response = client.get("/admin/users/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-step")
    secret, codes = _enrol(client, admin)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/admin/users/").status_code == 200
    db.session.refresh(admin)
    assert admin.has_mfa and admin.totp_secret == secret


def test_staff_may_choose_it_but_are_not_forced(client, login_as):
    login_as("staff")
    assert client.get("/facilities/").status_code == 200


def test_a_facility_can_require_it_of_everyone(client, make_facility, make_user, login):
    facility = make_facility()
    facility.require_mfa = True
    db.session.commit()
    staff = make_user("staff", [facility])
    login(staff)
    assert client.get("/facilities/").headers["Location"].endswith("/account/two-step")


def _sign_in_with_code(app, user, code):
    client = app.test_client()
    first = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert first.headers["Location"].endswith("/login/verify")
    assert client.get("/facilities/").status_code == 302  # not signed in yet
    return client, client.post("/login/verify", data={"code": code})


def test_a_code_works_once_and_not_after_two_windows(app, client, make_user, login):
    admin = make_user("admin")
    with time_machine.travel("2026-11-25 12:00:00+00:00", tick=False) as traveller:
        login(admin)
        secret, _ = _enrol(client, admin)
        traveller.shift(60)
        code = pyotp.TOTP(secret).now()
        other, response = _sign_in_with_code(app, admin, code)
        assert response.status_code == 302
        assert other.get("/admin/users/").status_code == 200
        replay_client, replay = _sign_in_with_code(app, admin, code)
        assert replay.status_code == 200 and b"already used" in replay.data
        assert replay_client.get("/admin/users/").status_code == 302
        stale = pyotp.TOTP(secret).now()
        traveller.shift(95)  # more than one 30-second window of drift
        _, late = _sign_in_with_code(app, admin, stale)
        assert late.status_code == 200
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login.mfa_failure")) is not None


def test_recovery_codes_work_once(app, client, make_user, login):
    admin = make_user("admin")
    login(admin)
    _, codes = _enrol(client, admin)
    other, response = _sign_in_with_code(app, admin, codes[0].upper())
    assert response.status_code == 302
    _, again = _sign_in_with_code(app, admin, codes[0])
    assert again.status_code == 200


def test_wrong_codes_are_throttled(app, client, make_user, login):
    admin = make_user("admin")
    login(admin)
    secret, _ = _enrol(client, admin)
    attacker = app.test_client()
    attacker.post("/login", data={"email": admin.email, "password": TEST_PASSWORD})
    for _ in range(5):
        assert attacker.post("/login/verify", data={"code": "000000"}).status_code == 200
    assert attacker.post("/login/verify", data={"code": pyotp.TOTP(secret).now()}).status_code == 429


def test_wrong_codes_from_one_address_do_not_lock_the_owner_out_elsewhere(app, client, make_user, login):
    """Someone who has an admin's password must not be able to block that admin (issue 14)."""
    admin = make_user("admin")
    with time_machine.travel("2026-11-25 12:00:00+00:00", tick=False) as traveller:
        login(admin)
        secret, _ = _enrol(client, admin)
        traveller.shift(60)
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
        attacker.post("/login", data={"email": admin.email, "password": TEST_PASSWORD})
        for _ in range(5):
            assert attacker.post("/login/verify", data={"code": "000000"}).status_code == 200
        assert attacker.post("/login/verify", data={"code": "000000"}).status_code == 429
        owner = app.test_client()
        owner.environ_base["REMOTE_ADDR"] = "198.51.100.20"
        owner.post("/login", data={"email": admin.email, "password": TEST_PASSWORD})
        signed_in = owner.post("/login/verify", data={"code": pyotp.TOTP(secret).now()})
        assert signed_in.status_code == 302 and owner.get("/admin/users/").status_code == 200


def test_the_password_step_expires(app, client, make_user, login):
    admin = make_user("admin")
    login(admin)
    secret, _ = _enrol(client, admin)
    with time_machine.travel("2030-01-01 00:00:00+00:00", tick=False) as traveller:
        late = app.test_client()
        late.post("/login", data={"email": admin.email, "password": TEST_PASSWORD})
        traveller.shift(301)
        response = late.post("/login/verify", data={"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_admin_reset_requires_enrolment_again_and_ends_sessions(app, client, make_user, login):
    admin = make_user("admin")
    login(admin)
    _enrol(client, admin)
    target = make_user("admin")
    target_client = app.test_client()
    login(target, test_client=target_client)
    _enrol(target_client, target)
    assert client.post(f"/admin/users/{target.id}/two-step/reset").status_code == 302
    assert target_client.get("/facilities/").status_code == 302  # signed out
    fresh = app.test_client()
    response = login(target, test_client=fresh)
    assert response.headers["Location"] == "/"  # no second step until enrolled again...
    assert fresh.get("/facilities/").headers["Location"].endswith("/account/two-step")  # ...which is forced


def test_password_reset_does_not_remove_two_step(app, client, make_user, login):
    admin = make_user("admin")
    login(admin)
    _enrol(client, admin)
    target = make_user("admin")
    target_client = app.test_client()
    login(target, test_client=target_client)
    _enrol(target_client, target)
    client.post(f"/admin/users/{target.id}/password", data={"password": "a new temporary passphrase"})
    response = app.test_client().post("/login", data={"email": target.email,
                                                      "password": "a new temporary passphrase"})
    assert response.headers["Location"].endswith("/login/verify")
