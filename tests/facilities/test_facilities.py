"""Admins manage facilities; the code is permanent; every change is audited."""
import json

from sqlalchemy import select

from reentry.audit.models import AuditEvent
from reentry.extensions import db
from reentry.facilities.models import Facility


def _form(**overrides):
    data = {"code": "pine-jail", "name": "Pine County Jail", "type": "jail", "state": "WA",
            "county": "Pine", "timezone": "America/Los_Angeles", "is_active": "y"}
    data.update(overrides)
    return data


def test_admin_creates_and_edits_a_facility(client, login_as):
    login_as("admin")
    response = client.post("/facilities/new", data=_form())
    assert response.status_code == 302 and response.headers["Location"].endswith("/facilities/PINE-JAIL")
    facility = db.session.scalar(select(Facility).where(Facility.code == "PINE-JAIL"))
    assert (facility.state, facility.timezone) == ("WA", "America/Los_Angeles")

    response = client.post("/facilities/PINE-JAIL/edit", data=_form(code="HACKED", name="Pine Regional Jail",
                                                                     type="prison"))
    assert response.status_code == 302
    db.session.refresh(facility)
    assert facility.code == "PINE-JAIL"  # the code never changes: imports and scripts use it
    assert (facility.name, facility.type) == ("Pine Regional Jail", "prison")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "facility.update"))
    assert json.loads(event.changes) == {"name": ["Pine County Jail", "Pine Regional Jail"],
                                         "type": ["jail", "prison"]}
    assert event.facility_id == facility.id


def test_facility_form_names_the_problem(client, login_as, make_facility):
    login_as("admin")
    make_facility("PINE-JAIL")
    page = client.post("/facilities/new", data=_form()).get_data(as_text=True)
    assert "A facility with code PINE-JAIL already exists." in page
    page = client.post("/facilities/new", data=_form(code="ELM", timezone="Pacific")).get_data(as_text=True)
    assert "Time zone: &#39;Pacific&#39; is not a known time zone" in page
    page = client.post("/facilities/new", data=_form(code="bad code!")).get_data(as_text=True)
    assert "Code: use 1 to 32 letters" in page


def test_unknown_facility_is_404(client, login_as):
    login_as("admin")
    assert client.get("/facilities/NOPE").status_code == 404
    assert client.get("/facilities/NOPE/edit").status_code == 404
