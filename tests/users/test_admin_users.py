"""Admins create, change, disable and reset accounts; nothing is ever deleted."""
from sqlalchemy import select

from reentry.audit.models import AuditEvent
from reentry.auth.models import User
from reentry.extensions import db
from tests.conftest import TEST_PASSWORD


def test_admin_creates_a_staff_account(client, login_as, make_facility):
    facility = make_facility("EAST-JAIL")
    login_as("admin")
    response = client.post("/admin/users/new", data={
        "email": "New.Person@County.Local", "name": "New Person", "role": "staff",
        "facilities": ["EAST-JAIL"], "preferred_language": "es",
        "password": "temporary passphrase for new person"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@county.local"))
    assert user.role == "staff" and [f.code for f in user.facilities] == [facility.code]
    assert user.must_change_password and user.preferred_language == "es"
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "user.create", AuditEvent.entity_id == str(user.id)))
    assert '"role": [null, "staff"]' in event.changes


def test_create_explains_each_problem(client, login_as, make_user):
    login_as("admin")
    existing = make_user("admin")
    response = client.post("/admin/users/new", data={
        "email": existing.email, "role": "admin", "preferred_language": "en",
        "password": "another long passphrase"})
    assert b"An account with this email already exists." in response.data
    response = client.post("/admin/users/new", data={
        "email": "staff@county.local", "role": "staff", "preferred_language": "en",
        "password": "another long passphrase"})
    assert b"Staff and managers need at least one facility." in response.data
    response = client.post("/admin/users/new", data={
        "email": "x@county.local", "role": "admin", "preferred_language": "en", "password": "short"})
    assert b"at least 12 characters" in response.data
    response = client.post("/admin/users/new", data={
        "email": "not-an-email", "role": "admin", "preferred_language": "en",
        "password": "another long passphrase"})
    assert b"Enter an email address" in response.data


def test_disable_ends_sessions_and_enable_restores_sign_in(app, client, login_as, make_user, login):
    login_as("admin")
    target = make_user("admin")
    other = app.test_client()
    login(target, test_client=other)
    assert other.get("/facilities/").status_code == 200
    assert client.post(f"/admin/users/{target.id}/disable").status_code == 302
    assert other.get("/facilities/").status_code == 302
    assert b"not correct" in login(target, test_client=app.test_client()).data
    client.post(f"/admin/users/{target.id}/enable")
    assert login(target, test_client=app.test_client()).status_code == 302


def test_admin_cannot_disable_themself(client, login_as):
    admin = login_as("admin")
    client.post(f"/admin/users/{admin.id}/disable")
    db.session.refresh(admin)
    assert not admin.is_disabled


def test_reset_password_forces_a_change(app, client, login_as, make_user, login):
    login_as("admin")
    target = make_user("admin")
    response = client.post(f"/admin/users/{target.id}/password",
                           data={"password": "a fresh temporary passphrase"})
    assert response.status_code == 302
    assert b"not correct" in login(target, TEST_PASSWORD, test_client=app.test_client()).data
    other = app.test_client()
    login(target, "a fresh temporary passphrase", test_client=other)
    assert other.get("/facilities/").headers["Location"].endswith("/account/password")


def test_role_change_ends_the_accounts_sessions(app, client, login_as, make_user, make_facility, login):
    login_as("admin")
    facility = make_facility()
    target = make_user("staff", [facility])
    other = app.test_client()
    login(target, test_client=other)
    client.post(f"/admin/users/{target.id}", data={
        "name": "", "role": "manager", "facilities": [facility.code], "preferred_language": "en"})
    assert other.get("/facilities/").status_code == 302
    db.session.refresh(target)
    assert target.role == "manager"


def test_there_is_no_way_to_delete_an_account(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("users.")]
    assert all("DELETE" not in r.methods for r in rules)
    assert not any("delete" in r.rule for r in rules)
