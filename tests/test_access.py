"""Who sees what: facility scoping, roles, read-only auditors."""
import pytest


@pytest.fixture
def two_facilities(make_facility):
    return make_facility("NORTH-JAIL"), make_facility("SOUTH-JAIL")


def test_staff_see_only_their_facilities(client, login_as, two_facilities):
    north, south = two_facilities
    login_as("staff", facilities=[north])
    listing = client.get("/facilities/").get_data(as_text=True)
    assert "NORTH-JAIL" in listing and "SOUTH-JAIL" not in listing
    assert client.get("/facilities/NORTH-JAIL").status_code == 200
    assert client.get("/facilities/SOUTH-JAIL").status_code == 404  # not 403: no hint it exists
    assert client.get("/facilities/NO-SUCH-JAIL").status_code == 404  # the same answer


def test_probing_another_facility_is_audited(client, login_as, two_facilities):
    from sqlalchemy import select

    from reentry.audit.models import AuditEvent
    from reentry.extensions import db

    north, south = two_facilities
    user = login_as("staff", facilities=[north])
    client.get("/facilities/SOUTH-JAIL")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access.denied"))
    assert (event.actor_id, event.entity_type, event.entity_id) == (user.id, "facilities", str(south.id))


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_admins_and_auditors_see_every_facility(client, login_as, two_facilities, role):
    login_as(role)
    listing = client.get("/facilities/").get_data(as_text=True)
    assert "NORTH-JAIL" in listing and "SOUTH-JAIL" in listing
    assert client.get("/facilities/SOUTH-JAIL").status_code == 200


@pytest.mark.parametrize("role", ["staff", "manager", "auditor"])
def test_only_admins_reach_admin_pages(client, login_as, role):
    login_as(role)
    for path in ("/admin/users/", "/admin/users/new", "/facilities/new"):
        assert client.get(path).status_code == 403, path


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_only_admins_and_auditors_read_the_audit_log(client, login_as, role):
    login_as(role)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_auditors_cannot_change_anything(client, login_as, make_user):
    login_as("auditor")
    target = make_user("admin")
    assert client.post(f"/admin/users/{target.id}/disable").status_code == 403
    assert client.post("/facilities/new", data={"code": "X"}).status_code == 403
    # ...but may still sign out and change their own password
    assert client.post("/logout").status_code == 302


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in ("/facilities/", "/admin/users/", "/audit/", "/account"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_managers_land_on_their_dashboard_and_staff_on_their_facilities(client, app, login_as):
    login_as("manager")
    assert client.get("/").headers["Location"].endswith("/reports/dashboard")
    other = app.test_client()
    login_as("staff", test_client=other)
    assert other.get("/").headers["Location"].endswith("/facilities/")
