"""Recalls stay in the facilities the person manages; a recall can be lifted, with a reason (issue 14.3)."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from reentry.audit.models import AuditEvent
from reentry.errors import DomainError, PermissionDenied
from reentry.extensions import db
from reentry.naloxone import services
from tests.conftest import base_config


@pytest.fixture
def two_lots(make_lot, make_facility):
    """The same product and lot number held by facility A and facility B."""
    a = make_lot(lot_number="SAME-1")
    b = make_lot(lot_number="SAME-1", at=make_facility("FAC-B"))
    return a, b


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_manager_recalls_only_the_facilities_they_manage(app, client, login_as, two_lots):
    a, b = two_lots
    manager = login_as("manager", facilities=[a.facility])
    response = client.post(f"/naloxone/lots/{a.id}/recall", data={"recall-reason": "maker notice"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    db.session.expire_all()
    assert a.is_recalled and not b.is_recalled
    assert (b.recalled_at, b.recall_reason) == (None, None)
    assert [(e.entity_id, e.actor_id) for e in _audit("lot.recall")] == [(str(a.id), manager.id)]
    assert "1 other facility you do not manage holds this lot number" in page


def test_a_manager_cannot_recall_another_facilitys_lot_by_its_id(app, client, login_as, two_lots):
    a, b = two_lots
    login_as("manager", facilities=[a.facility])
    assert client.post(f"/naloxone/lots/{b.id}/recall", data={"recall-reason": "x"}).status_code == 404
    db.session.expire_all()
    assert not a.is_recalled and not b.is_recalled


def test_the_service_refuses_a_lot_outside_the_managers_facilities(app, make_user, two_lots):
    a, b = two_lots
    manager = make_user("manager", [a.facility])
    staff = make_user("staff", [b.facility])
    with pytest.raises(PermissionDenied):
        services.recall_lot(manager, b, "notice")
    with pytest.raises(PermissionDenied):
        services.recall_lot(staff, b, "notice")
    assert not b.is_recalled


def test_an_admin_recalls_every_facility(app, client, login_as, two_lots):
    a, b = two_lots
    login_as("admin")
    client.post(f"/naloxone/lots/{a.id}/recall", data={"recall-reason": "maker notice"})
    db.session.expire_all()
    assert a.is_recalled and b.is_recalled
    assert sorted(int(e.entity_id) for e in _audit("lot.recall")) == sorted([a.id, b.id])


def test_a_manager_of_both_facilities_recalls_both(app, client, login_as, two_lots):
    a, b = two_lots
    login_as("manager", facilities=[a.facility, b.facility])
    client.post(f"/naloxone/lots/{b.id}/recall", data={"recall-reason": "maker notice"})
    db.session.expire_all()
    assert a.is_recalled and b.is_recalled


def test_lifting_a_recall_is_audited_with_its_reason_and_only_once(app, client, login_as, two_lots):
    a, b = two_lots
    services.recall_lot(None, a, "maker notice 11-2026")  # both facilities
    db.session.commit()
    manager = login_as("manager", facilities=[a.facility])
    page = client.get(f"/naloxone/lots/{a.id}").get_data(as_text=True)
    assert f'action="/naloxone/lots/{a.id}/recall/lift"' in page and 'name="lift-reason"' in page
    response = client.post(f"/naloxone/lots/{a.id}/recall/lift", data={"lift-reason": "notice excludes our lots"},
                           follow_redirects=True)
    assert "Recall of lot SAME-1 lifted." in response.get_data(as_text=True)
    db.session.expire_all()
    assert not a.is_recalled and (a.recalled_at, a.recall_reason) == (None, None)
    assert b.is_recalled  # the other facility's row is not this manager's to lift
    [row] = _audit("lot.recall_lift")
    assert (row.actor_id, row.entity_id, row.facility_id) == (manager.id, str(a.id), a.facility_id)
    changes = json.loads(row.changes)
    assert changes["reason"] == "notice excludes our lots"
    assert changes["recall_reason"] == "maker notice 11-2026" and changes["is_recalled"] == [True, False]
    assert [lot for lot, _ in services.distributable_lots(a.facility)] == [a]  # back in use
    again = client.post(f"/naloxone/lots/{a.id}/recall/lift", data={"lift-reason": "again"}, follow_redirects=True)
    assert "Lot SAME-1 is not recalled." in again.get_data(as_text=True)
    db.session.expire_all()
    assert not a.is_recalled and len(_audit("lot.recall_lift")) == 1


def test_lifting_needs_a_reason(app, client, login_as, two_lots):
    a, _ = two_lots
    services.recall_lot(None, a, "notice")
    db.session.commit()
    login_as("manager", facilities=[a.facility])
    response = client.post(f"/naloxone/lots/{a.id}/recall/lift", data={"lift-reason": "  "}, follow_redirects=True)
    assert "Reason for lifting the recall" in response.get_data(as_text=True)
    db.session.expire_all()
    assert a.is_recalled and _audit("lot.recall_lift") == []
    with pytest.raises(DomainError, match="reason"):
        services.lift_recall(None, a, " ")


def test_staff_and_other_facilities_cannot_lift(app, client, login_as, make_facility, two_lots):
    a, b = two_lots
    services.recall_lot(None, a, "notice")
    db.session.commit()
    login_as("staff", facilities=[a.facility])
    page = client.get(f"/naloxone/lots/{a.id}").get_data(as_text=True)
    assert "/recall/lift" not in page and "/recall-list" not in page  # no link to a 403
    assert client.post(f"/naloxone/lots/{a.id}/recall/lift", data={"lift-reason": "x"}).status_code == 403
    other = app.test_client()
    login_as("manager", facilities=[b.facility], test_client=other)
    assert other.post(f"/naloxone/lots/{a.id}/recall/lift", data={"lift-reason": "x"}).status_code == 404
    db.session.expire_all()
    assert a.is_recalled and b.is_recalled and _audit("lot.recall_lift") == []


def test_the_lift_button_shows_wherever_a_manager_sees_a_recalled_lot(app, client, login_as, two_lots):
    a, _ = two_lots
    services.recall_lot(None, a, "notice")
    db.session.commit()
    login_as("manager", facilities=[a.facility])
    code = a.facility.code
    for url in (f"/naloxone/lots/{a.id}", f"/naloxone/lots/{a.id}/recall-list", f"/naloxone/{code}/inventory",
                f"/naloxone/{code}/alerts"):
        page = client.get(url).get_data(as_text=True)
        assert f'action="/naloxone/lots/{a.id}/recall/lift"' in page, url
        assert f'id="lift-reason-{a.id}"' in page, url


def test_lift_with_csrf_on(database_url, app):
    """The real form with CSRF on: refused without the token, lifted with the page's token."""
    from reentry import create_app
    from reentry.auth import services as auth
    from reentry.facilities.services import create_facility

    csrf_app = create_app(base_config(database_url, WTF_CSRF_ENABLED=True))
    facility = create_facility(None, "CSRF-LIFT", "Jail", "jail", "OH")
    auth.create_user(None, "csrf.manager@example.test", "manager", "correct horse battery staple 42", [facility])
    lot = services.receive_lot(None, facility, services.get_product_by_code("narcan-4mg"), "CL-1",
                               services.facility_today(facility).replace(year=2031), 3,
                               services.active_funding_sources()[0])
    services.recall_lot(None, lot, "notice")
    lot_id = lot.id
    db.session.commit()

    def token(html):
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    def recalled():
        """Read the lot, then end the read: SQLite allows one writer, and the app writes next."""
        db.session.expire_all()
        value = db.session.get(type(lot), lot_id).is_recalled
        db.session.rollback()
        return value

    client = csrf_app.test_client()
    client.post("/login", data={"email": "csrf.manager@example.test", "password": "correct horse battery staple 42",
                                "csrf_token": token(client.get("/login").get_data(as_text=True))})
    assert client.post(f"/naloxone/lots/{lot_id}/recall/lift", data={"lift-reason": "checked"}).status_code == 400
    assert recalled()
    page = client.get(f"/naloxone/lots/{lot_id}").get_data(as_text=True)
    field = re.search(r'<input name="lift-csrf_token" type="hidden" value="([^"]+)"', page)
    assert field is not None, "the lift form carries its CSRF token"
    response = client.post(f"/naloxone/lots/{lot_id}/recall/lift",
                           data={"lift-reason": "checked", "lift-csrf_token": field.group(1)})
    assert response.status_code == 302 and not recalled()
    with csrf_app.app_context():
        db.engine.dispose()
