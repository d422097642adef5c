"""The review queue: pairs side by side, accept / reject with a reason, audited, scoped."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from reentry.audit.models import AuditEvent
from reentry.extensions import db
from reentry.outcomes.models import DeathLink


@pytest.fixture
def pairs(make_facility, make_participant, make_death):
    jail, prison = make_facility("JAIL-R"), make_facility("PRISON-R")
    here = make_participant(jail, last_name="Testperson", first_name="Alex", destination_zip="43215")
    there = make_participant(prison)
    mine = make_death((here, jail), "review", last_name="Testperson", first_name="Alec", zip="43215")
    theirs = make_death((there, prison), "review")
    link = lambda record: db.session.scalar(select(DeathLink).where(DeathLink.death_record_id == record.id))  # noqa: E731
    return {"jail": jail, "mine": link(mine), "theirs": link(theirs)}


def test_a_manager_sees_their_facilitys_pairs_side_by_side(pairs, client, login_as):
    manager = login_as("manager", [pairs["jail"]])
    page = client.get("/outcomes/review/").get_data(as_text=True)
    assert pairs["mine"].death_record.case_number in page
    assert pairs["theirs"].death_record.case_number not in page
    assert "differ" in page and "agree" in page  # Alec / Alex differ, last name and ZIP agree
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "death_links.review_list",
                                                       AuditEvent.actor_id == manager.id))
    assert json.loads(event.changes) == {"ids": [pairs["mine"].id]}


def test_accept_with_a_reason_is_recorded_and_audited(pairs, client, login_as):
    manager = login_as("manager", [pairs["jail"]])
    link_id = pairs["mine"].id
    response = client.post(f"/outcomes/review/{link_id}",
                           data={f"link{link_id}-reason": "Examiner's report names the jail", f"link{link_id}-accept": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    link = db.session.get(DeathLink, link_id)
    assert (link.status, link.review_reason, link.reviewed_by_id) == ("accepted", "Examiner's report names the jail",
                                                                       manager.id)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "death_link.review",
                                                      AuditEvent.entity_id == str(link_id))) is not None


def test_no_reason_no_decision(pairs, client, login_as):
    login_as("manager", [pairs["jail"]])
    link_id = pairs["mine"].id
    client.post(f"/outcomes/review/{link_id}", data={f"link{link_id}-reason": " ", f"link{link_id}-reject": "1"})
    db.session.expire_all()
    assert db.session.get(DeathLink, link_id).status == "review"


def test_a_manager_cannot_decide_another_facilitys_pair(pairs, client, login_as):
    login_as("manager", [pairs["jail"]])
    link_id = pairs["theirs"].id
    client.post(f"/outcomes/review/{link_id}", data={f"link{link_id}-reason": "guess", f"link{link_id}-accept": "1"})
    db.session.expire_all()
    assert db.session.get(DeathLink, link_id).status == "review"


def test_staff_have_no_review_queue(pairs, client, login_as):
    login_as("staff", [pairs["jail"]])
    assert client.get("/outcomes/review/").status_code == 403
