"""Admins grant and revoke the content reviewer mark on the accounts page, as the CLI does:
admins only, CSRF-protected, audited with who did it."""
import json
import re

from sqlalchemy import select

from reentry.audit.models import AuditEvent
from reentry.auth.models import User
from reentry.extensions import db
from tests.conftest import base_config


def _reviewer_events(user):
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "user.update", AuditEvent.entity_id == str(user.id))).all()


def test_admin_grants_and_revokes_the_reviewer_mark(client, login_as, make_user):
    admin = login_as("admin")
    director = make_user("admin")
    page = client.get("/admin/users/").get_data(as_text=True)
    assert f'action="/admin/users/{director.id}/reviewer/grant"' in page
    response = client.post(f"/admin/users/{director.id}/reviewer/grant", follow_redirects=True)
    assert f"{director.email} may now approve content versions." in response.get_data(as_text=True)
    db.session.refresh(director)
    assert director.is_content_reviewer and director.can_approve_content
    [event] = _reviewer_events(director)
    assert event.actor_id == admin.id
    assert json.loads(event.changes) == {"is_content_reviewer": [False, True]}
    page = client.get("/admin/users/").get_data(as_text=True)
    assert f'action="/admin/users/{director.id}/reviewer/revoke"' in page
    client.post(f"/admin/users/{director.id}/reviewer/revoke")
    db.session.refresh(director)
    assert not director.is_content_reviewer
    assert [json.loads(e.changes) for e in _reviewer_events(director)][-1] == {"is_content_reviewer": [True, False]}
    # Revoking a mark already taken away writes no second audit row.
    client.post(f"/admin/users/{director.id}/reviewer/revoke")
    assert len(_reviewer_events(director)) == 2


def test_only_an_admin_account_can_be_a_reviewer(client, login_as, make_user, make_facility):
    login_as("admin")
    staff = make_user("staff", [make_facility()])
    page = client.get("/admin/users/").get_data(as_text=True)
    assert f"/admin/users/{staff.id}/reviewer/grant" not in page  # no button for a staff account
    response = client.post(f"/admin/users/{staff.id}/reviewer/grant", follow_redirects=True)
    assert "only an admin account can approve content" in response.get_data(as_text=True)
    db.session.refresh(staff)
    assert not staff.is_content_reviewer and not _reviewer_events(staff)


def test_a_manager_cannot_grant_the_mark(client, login_as, make_user):
    director = make_user("admin")
    login_as("manager")
    assert client.post(f"/admin/users/{director.id}/reviewer/grant").status_code == 403
    db.session.refresh(director)
    assert not director.is_content_reviewer


def test_grant_needs_the_csrf_token(database_url, app):
    from reentry import create_app
    from reentry.auth import services as auth

    csrf_app = create_app(base_config(database_url, WTF_CSRF_ENABLED=True))
    auth.create_user(None, "csrf.admin@example.test", "admin", "correct horse battery staple 42", [])
    director = auth.create_user(None, "director@example.test", "admin", "correct horse battery staple 43", [])
    director_id = director.id
    db.session.commit()

    def token(html):
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    def is_reviewer():
        db.session.expire_all()
        value = db.session.get(User, director_id).is_content_reviewer
        db.session.rollback()  # end the read: SQLite allows one writer, and the app writes next
        return value

    client = csrf_app.test_client()
    client.post("/login", data={"email": "csrf.admin@example.test", "password": "correct horse battery staple 42",
                                "csrf_token": token(client.get("/login").get_data(as_text=True))})
    assert client.post(f"/admin/users/{director_id}/reviewer/grant").status_code == 400
    assert not is_reviewer()
    page = client.get("/admin/users/").get_data(as_text=True)
    response = client.post(f"/admin/users/{director_id}/reviewer/grant", data={"csrf_token": token(page)})
    assert response.status_code == 302 and is_reviewer()
    with csrf_app.app_context():
        db.engine.dispose()


def test_an_admin_cannot_make_themselves_a_reviewer(client, login_as):
    admin = login_as("admin")
    response = client.post(f"/admin/users/{admin.id}/reviewer/grant", follow_redirects=True)
    assert "You cannot make yourself a content reviewer" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert not admin.is_content_reviewer and not _reviewer_events(admin)


def test_a_demoted_reviewer_loses_the_mark_for_good(client, login_as, make_user, make_facility):
    login_as("admin")
    director = make_user("admin")
    client.post(f"/admin/users/{director.id}/reviewer/grant")
    facility = make_facility()
    client.post(f"/admin/users/{director.id}", data={
        "name": director.name, "role": "manager", "facilities": [facility.code], "preferred_language": "en"})
    db.session.refresh(director)
    assert director.role == "manager" and not director.is_content_reviewer
    client.post(f"/admin/users/{director.id}", data={
        "name": director.name, "role": "admin", "preferred_language": "en"})
    db.session.refresh(director)
    assert director.role == "admin" and not director.is_content_reviewer  # not silently back
    assert json.loads(_reviewer_events(director)[-2].changes)["is_content_reviewer"] == [True, False]
