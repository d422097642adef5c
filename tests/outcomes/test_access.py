"""Who sees death records: admins and auditors all, a manager only those linked to their
facilities, staff none; every view audited (issue 15)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from reentry.audit.models import AuditEvent
from reentry.extensions import db
from reentry.outcomes.services import visible_death_records


@pytest.fixture
def world(make_facility, make_participant, make_death):
    jail, prison = make_facility("JAIL-A"), make_facility("PRISON-B")
    here, there = make_participant(jail), make_participant(prison)
    return {
        "jail": jail, "prison": prison,
        "linked_here": make_death((here, jail), "linked", last_name="Linkedhere"),
        "accepted_here": make_death((here, jail), "accepted", last_name="Acceptedhere"),
        "review_here": make_death((here, jail), "review", last_name="Reviewhere"),
        "rejected_here": make_death((here, jail), "rejected", last_name="Rejectedhere"),
        "linked_there": make_death((there, prison), "linked", last_name="Linkedthere"),
        "unlinked": make_death(None, last_name="Unlinked"),
    }


def names(user) -> set[str]:
    return {r.last_name for r in db.session.scalars(visible_death_records(user))}


def test_a_manager_sees_only_deaths_linked_to_their_facilities(world, make_user):
    manager = make_user("manager", [world["jail"]])
    assert names(manager) == {"Linkedhere", "Acceptedhere"}


def test_admins_and_auditors_see_every_record_and_staff_none(world, make_user):
    everyone = {"Linkedhere", "Acceptedhere", "Reviewhere", "Rejectedhere", "Linkedthere", "Unlinked"}
    assert names(make_user("admin")) == everyone
    assert names(make_user("auditor")) == everyone
    assert names(make_user("staff", [world["jail"]])) == set()
    assert names(None) == set()


def test_staff_get_403_on_every_death_page(world, client, login_as):
    login_as("staff", [world["jail"]])
    assert client.get("/outcomes/deaths/").status_code == 403
    assert client.get(f"/outcomes/deaths/{world['linked_here'].id}").status_code == 403


def test_the_managers_list_and_record_views_are_audited(world, client, login_as):
    manager = login_as("manager", [world["jail"]])
    page = client.get("/outcomes/deaths/").get_data(as_text=True)
    assert "Linkedhere" in page and "Acceptedhere" in page
    assert "Linkedthere" not in page and "Reviewhere" not in page and "Unlinked" not in page
    record = world["linked_here"]
    response = client.get(f"/outcomes/deaths/{record.id}")
    assert response.status_code == 200 and "Linkedhere" in response.get_data(as_text=True)
    events = {(e.action, e.entity_id) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == manager.id))}
    assert ("death_record.view", str(record.id)) in events
    assert any(action == "death_records.list" for action, _ in events)


def test_another_facilitys_death_is_a_404_and_the_attempt_is_audited(world, client, login_as):
    manager = login_as("manager", [world["jail"]])
    for key in ("linked_there", "unlinked", "review_here"):
        assert client.get(f"/outcomes/deaths/{world[key].id}").status_code == 404
    denied = [e.entity_id for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.actor_id == manager.id, AuditEvent.action == "access.denied"))]
    assert denied == [str(world[k].id) for k in ("linked_there", "unlinked", "review_here")]


def test_an_auditor_reads_any_record(world, client, login_as):
    login_as("auditor")
    response = client.get(f"/outcomes/deaths/{world['unlinked'].id}")
    assert response.status_code == 200 and "Unlinked" in response.get_data(as_text=True)
