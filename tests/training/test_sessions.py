"""Group sessions: creating, adding attendees, the answer grid, the completion rule,
knowledge gain, corrections and reopening."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from reentry.audit.models import AuditEvent
from reentry.database import utcnow
from reentry.errors import DomainError, PermissionDenied
from reentry.extensions import db
from reentry.training import services
from tests.training.conftest import SHIPPED_VERSION, set_version
from reentry.training.models import TrainingSession
from tests.training.conftest import ALL_RIGHT, SHIPPED_VERSION, set_version


# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


def _grid_form(training_session, phase_answers: dict[int, dict[str, str]]) -> dict:
    letters = {"true": "T", "false": "F", "dont_know": "?"}
    return {f"cell-{aid}-{key}": letters[value] for aid, answers in phase_answers.items()
            for key, value in answers.items()}


def test_create_session_is_idempotent_and_scoped(client, login_as, make_facility, oend_version):
    facility = make_facility("JAIL-1")
    staff = login_as("staff", facilities=[facility])
    data = {"request_token": "5e0b1a7e-1111-4222-8333-944455556666", "facility": str(facility.id),
            "starts_at": "2026-12-01T10:00", "format": "group", "language": "es",
            "curriculum_version": str(oend_version.id), "location": "Unit B classroom", "trainers": [str(staff.id)]}
    first = client.post("/training/new", data=data)
    assert first.status_code == 302
    again = client.post("/training/new", data=data)
    assert again.headers["Location"] == first.headers["Location"]
    sessions = db.session.scalars(select(TrainingSession)).all()
    assert len(sessions) == 1
    created = sessions[0]
    # 10:00 in New York on 1 Dec is 15:00 UTC; the version used is recorded exactly.
    assert created.starts_at.hour == 15 and created.curriculum_version_id == oend_version.id
    assert (created.rule_full_attendance, created.rule_post_test, created.rule_teach_back) == (True, True, True)
    page = client.get(first.headers["Location"])
    assert "Completion rule" in page.get_data(as_text=True)


def test_another_facilitys_session_is_not_found(client, login_as, make_facility, make_user, make_session):
    other = make_facility("OTHER")
    trainer = make_user("staff", [other])
    foreign = make_session(trainer, other)
    login_as("staff")
    assert client.get(f"/training/{foreign.id}").status_code == 404
    assert client.post(f"/training/{foreign.id}/walk-in", data={"label": "X"}).status_code == 404


def test_search_by_name_and_booking_is_scoped_to_the_facility(app, make_facility, make_user, make_participant):
    jail, prison = make_facility("J"), make_facility("P")
    staff = make_user("staff", [jail])
    here = make_participant(jail, last_name="Quintero", booking_id="BK-77")
    make_participant(prison, last_name="Quintero")
    assert [p.id for p, _e in services.search_participants(staff, jail, "quintero")] == [here.id]
    assert [p.id for p, _e in services.search_participants(staff, jail, "BK-77")] == [here.id]
    with pytest.raises(DomainError):
        services.search_participants(staff, prison, "quintero")


def test_add_by_unit_and_walk_in(client, login_as, make_facility, make_participant, make_session):
    facility = make_facility("J")
    staff = login_as("staff", facilities=[facility])
    for name in ("Adams", "Baker", "Cruz"):
        make_participant(facility, last_name=name, housing_unit="B2")
    make_participant(facility, last_name="Diaz", housing_unit="C1")
    training_session = make_session(staff, facility)
    assert client.post(f"/training/{training_session.id}/unit", data={"unit": "B2"}).status_code == 302
    assert client.post(f"/training/{training_session.id}/walk-in", data={"label": "J.D."}).status_code == 302
    db.session.expire_all()
    assert len(training_session.attendees) == 4
    assert sum(a.is_walk_in for a in training_session.attendees) == 1
    again = client.post(f"/training/{training_session.id}/unit", data={"unit": "B2"})
    assert again.status_code == 422 and "Nobody new to add" in again.get_data(as_text=True)


def test_grid_entry_correction_is_audited(client, login_as, make_facility, make_participant, make_session):
    facility = make_facility("J")
    staff = login_as("staff", facilities=[facility])
    person = make_participant(facility)
    training_session = make_session(staff, facility)
    attendee = services.add_attendee(staff, training_session, person.id)
    db.session.commit()
    response = client.post(f"/training/{training_session.id}/grid/pre",
                           data={f"cell-{attendee.id}-risk-1": "t", f"cell-{attendee.id}-risk-2": "?"})
    assert response.status_code == 302
    no_reason = client.post(f"/training/{training_session.id}/grid/pre", data={f"cell-{attendee.id}-risk-1": "F"})
    assert no_reason.status_code == 422 and "say why" in no_reason.get_data(as_text=True)
    response = client.post(f"/training/{training_session.id}/grid/pre",
                           data={f"cell-{attendee.id}-risk-1": "F", "reason": "misread the sheet"})
    assert response.status_code == 302
    bad = client.post(f"/training/{training_session.id}/grid/pre", data={f"cell-{attendee.id}-risk-3": "x"})
    assert bad.status_code == 422 and "Row 1, item 3" in bad.get_data(as_text=True)
    db.session.expire_all()
    answers = {a.item_key: (a.answer, a.is_correct) for a in attendee.answers}
    assert answers == {"risk-1": ("false", True), "risk-2": ("dont_know", False)}
    correction = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training.answers.correct"))
    assert json.loads(correction.changes) == {"answers": {"risk-1": ["true", "false"]}, "phase": "pre",
                                              "reason": "misread the sheet"}
    client.get(f"/training/{training_session.id}")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training.session.view")) is not None


def test_grid_keeps_csrf_on(app, client, login_as, make_facility, make_session):
    facility = make_facility("J")
    staff = login_as("staff", facilities=[facility])
    training_session = make_session(staff, facility)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/training/{training_session.id}/grid/pre", data={}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def _attendee_with(staff, training_session, participant, *, attendance="full", post=True, teach_back=True):
    attendee = services.add_attendee(staff, training_session, participant.id)
    services.record_attendance(staff, attendee, attendance=attendance, teach_back_signs=teach_back,
                               teach_back_steps=teach_back, teach_back_device=teach_back)
    items = services.items_by_key(training_session.curriculum_version)
    if post:
        services.save_answers(staff, attendee, "post", ALL_RIGHT, items)
    return attendee


def test_default_completion_rule(app, make_facility, make_user, make_participant, make_session):
    facility = make_facility("J")
    staff = make_user("staff", [facility])
    training_session = make_session(staff, facility)
    complete = _attendee_with(staff, training_session, make_participant(facility))
    partial = _attendee_with(staff, training_session, make_participant(facility), attendance="partial")
    no_post = _attendee_with(staff, training_session, make_participant(facility), post=False)
    no_teach = _attendee_with(staff, training_session, make_participant(facility), teach_back=False)
    assert services.unmet_requirements(training_session, partial) == ["full_attendance"]
    assert services.unmet_requirements(training_session, no_post) == ["post_test"]
    assert services.unmet_requirements(training_session, no_teach) == ["teach_back"]
    assert services.complete_session(staff, training_session) == 1
    assert [complete.is_complete, partial.is_complete, no_post.is_complete, no_teach.is_complete] == \
        [True, False, False, False]


def test_a_configured_rule_is_copied_onto_the_session(app, make_facility, make_user, make_participant, make_session):
    facility = make_facility("J")
    staff = make_user("staff", [facility])
    rule = services.completion_rule_from_config({"full_attendance": False, "teach_back": False})
    training_session = make_session(staff, facility, rule=rule)
    partial = _attendee_with(staff, training_session, make_participant(facility), attendance="partial",
                             teach_back=False)
    absent = _attendee_with(staff, training_session, make_participant(facility), attendance="absent")
    assert services.unmet_requirements(training_session, partial) == []
    assert services.unmet_requirements(training_session, absent) == ["attendance"]


def test_only_a_manager_reopens_a_completed_session(client, login, login_as, make_facility, make_user,
                                                    make_participant, make_session):
    facility = make_facility("J")
    staff = login_as("staff", facilities=[facility])
    training_session = make_session(staff, facility)
    _attendee_with(staff, training_session, make_participant(facility))
    db.session.commit()
    assert client.post(f"/training/{training_session.id}/complete").status_code == 302
    assert client.post(f"/training/{training_session.id}/reopen", data={"reason": "typo"}).status_code == 403
    assert client.post(f"/training/{training_session.id}/walk-in", data={"label": "late"}).status_code == 422
    with pytest.raises(PermissionDenied):
        services.reopen_session(staff, training_session, "typo")
    manager = make_user("manager", [facility])
    client.post("/logout")
    login(manager)
    assert client.post(f"/training/{training_session.id}/reopen", data={"reason": ""}).status_code == 422
    assert client.post(f"/training/{training_session.id}/reopen", data={"reason": "answer typo"}).status_code == 302
    db.session.expire_all()
    assert training_session.status == "scheduled"
    assert all(not a.is_complete for a in training_session.attendees)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training.session.reopen"))
    assert json.loads(event.changes)["reason"] == "answer typo"


def test_knowledge_gain_per_attendee_item_and_domain(app, make_facility, make_user, make_participant, make_session):
    facility = make_facility("J")
    staff = make_user("staff", [facility])
    training_session = make_session(staff, facility)
    items = services.items_by_key(training_session.curriculum_version)
    first = services.add_attendee(staff, training_session, make_participant(facility).id)
    second = services.add_attendee(staff, training_session, make_participant(facility).id)
    pre_only = services.add_attendee(staff, training_session, make_participant(facility).id)
    wrong = {k: ("false" if v == "true" else "true") for k, v in ALL_RIGHT.items()}
    half = {k: (ALL_RIGHT[k] if k.startswith("risk") else "dont_know") for k in ALL_RIGHT}
    services.save_answers(staff, first, "pre", wrong, items)
    services.save_answers(staff, first, "post", ALL_RIGHT, items)
    services.save_answers(staff, second, "pre", half, items)
    services.save_answers(staff, second, "post", half, items)
    services.save_answers(staff, pre_only, "pre", ALL_RIGHT, items)
    gain = services.knowledge_gain(training_session)
    assert gain["overall"].count == 2  # the pre-only attendee is left out of the comparison
    assert (gain["attendees"][first.id].pre, gain["attendees"][first.id].post) == (0.0, 100.0)
    assert gain["attendees"][second.id].gain == 0.0
    domains = {d.label: d for d in gain["domains"]}
    assert (domains["Opioid and overdose risk"].pre, domains["Opioid and overdose risk"].post) == (50.0, 100.0)
    assert (domains["Recognising an overdose"].pre, domains["Recognising an overdose"].post) == (0.0, 50.0)
    assert gain["items"][0].gain == 50.0


def test_completed_trainings_for_certificates(app, make_facility, make_user, make_participant, make_session):
    facility = make_facility("J")
    staff = make_user("staff", [facility], name="Robin Trainer")
    person = make_participant(facility)
    done = make_session(staff, facility, language="es", starts_at=utcnow() - timedelta(days=3))
    _attendee_with(staff, done, person)
    services.complete_session(staff, done)
    open_session = make_session(staff, facility)
    _attendee_with(staff, open_session, person)
    db.session.commit()
    [record] = services.completed_trainings(person.id)
    assert record["session_id"] == done.id
    assert record["course_title"] == "Educación sobre sobredosis y naloxona"
    assert record["curriculum_version"] == SHIPPED_VERSION and record["language"] == "es"
    assert record["trainer_name"] == "Robin Trainer" and record["completed_at"] is not None


def test_pages_render_for_each_role(client, login_as, make_facility, make_participant, make_session):
    facility = make_facility("J")
    staff = login_as("staff", facilities=[facility])
    person = make_participant(facility, last_name="Okafor")
    training_session = make_session(staff, facility)
    attendee = services.add_attendee(staff, training_session, person.id)
    items = services.items_by_key(training_session.curriculum_version)
    services.save_answers(staff, attendee, "pre", {"risk-1": "true"}, items)
    services.save_answers(staff, attendee, "post", ALL_RIGHT, items)
    db.session.commit()
    assert "By item" in client.get(f"/training/{training_session.id}").get_data(as_text=True)
    for url in ("/training/", f"/training/{training_session.id}", f"/training/{training_session.id}?q=okafor",
                f"/training/{training_session.id}/grid/pre", "/training/curricula/",
                f"/training/curricula/{training_session.curriculum_version_id}", "/training/new",
                "/training/kiosk/start"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Okafor" in client.get(f"/training/{training_session.id}/grid/post").get_data(as_text=True)
    assert client.get("/training/curricula/compare?a=1&b=1").status_code == 403  # staff: no compare page


def test_completion_rule_from_configuration_text():
    assert services.completion_rule_from_config("post_test") == \
        {"full_attendance": False, "post_test": True, "teach_back": False}
    assert services.completion_rule_from_config(None) == services.DEFAULT_COMPLETION_RULE
    with pytest.raises(DomainError, match="teachback"):
        services.completion_rule_from_config("post_test,teachback")


def test_admin_compares_two_versions_side_by_side(client, login_as, oend_version, curriculum_copy):
    from tests.training.restamp import restamp

    # The steps live in protocol.toml; module 4 shows them, so the comparison shows the change there.
    path = curriculum_copy / "protocol.toml"
    path.write_text(path.read_text().replace("Give the address.\"", "Give the address and a landmark.\""))
    set_version(curriculum_copy, "99.1.0")
    restamp(curriculum_copy)
    newer, created = services.import_curriculum(None, curriculum_copy)
    db.session.commit()
    assert created
    login_as("admin")
    page = client.get(f"/training/curricula/compare?a={oend_version.id}&b={newer.id}").get_data(as_text=True)
    assert "Give the address and a landmark." in page and "<del>" in page
    assert "module 04-respond · no change" not in page
    assert "module 01-release-risk · no change" in page


def test_an_attendee_added_in_error_is_voided_and_can_be_restored(client, login_as, make_facility,
                                                                 make_participant, make_session):
    facility = make_facility("J")
    staff = login_as("staff", facilities=[facility])
    person = make_participant(facility)
    training_session = make_session(staff, facility)
    attendee = services.add_attendee(staff, training_session, person.id)
    db.session.commit()
    url = f"/training/{training_session.id}/attendees/{attendee.id}/void"
    assert client.post(url, data={f"v{attendee.id}-reason": ""}).status_code == 302
    db.session.expire_all()
    assert not attendee.is_voided
    assert client.post(url, data={f"v{attendee.id}-reason": "wrong person"}).status_code == 302
    db.session.expire_all()
    assert attendee.is_voided and attendee.void_reason == "wrong person"
    assert training_session.attendees == []
    restored = services.add_attendee(staff, training_session, person.id)
    db.session.commit()
    assert restored.id == attendee.id and not restored.is_voided
    assert [a.id for a in training_session.attendees] == [attendee.id]


def test_only_a_manager_voids_a_session(client, login, login_as, make_facility, make_user, make_session):
    facility = make_facility("J")
    staff = login_as("staff", facilities=[facility])
    training_session = make_session(staff, facility)
    assert client.post(f"/training/{training_session.id}/void", data={"void-reason": "duplicate"}).status_code == 403
    client.post("/logout")
    login(make_user("manager", [facility]))
    assert client.post(f"/training/{training_session.id}/void", data={"void-reason": "duplicate"}).status_code == 302
    assert client.get(f"/training/{training_session.id}").status_code == 404
    db.session.expire_all()
    assert training_session.is_voided and training_session.void_reason == "duplicate"


def test_auditors_read_but_never_write(client, login_as, make_facility, make_user, make_session):
    facility = make_facility("J")
    training_session = make_session(make_user("staff", [facility]), facility)
    login_as("auditor")
    assert client.get(f"/training/{training_session.id}").status_code == 200
    assert client.get(f"/training/{training_session.id}/grid/post").status_code == 200
    assert client.get("/training/curricula/compare?a=1&b=1").status_code == 200
    for url in (f"/training/{training_session.id}/walk-in", f"/training/{training_session.id}/grid/pre",
                f"/training/{training_session.id}/complete", "/training/kiosk/start"):
        assert client.post(url, data={"label": "x"}).status_code == 403, url


def test_edit_reschedules_and_keeps_the_version_once_answers_exist(client, login_as, make_facility,
                                                                   make_participant, make_session, curriculum_copy):
    facility = make_facility("J")
    staff = login_as("staff", facilities=[facility])
    training_session = make_session(staff, facility)
    assert client.get(f"/training/{training_session.id}/edit").status_code == 200
    data = {"facility": str(facility.id), "starts_at": "2026-12-24T09:30", "format": "one_to_one", "language": "es",
            "curriculum_version": str(training_session.curriculum_version_id), "location": "Medical unit",
            "trainers": [str(staff.id)]}
    assert client.post(f"/training/{training_session.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert (training_session.starts_at.hour, training_session.location) == (14, "Medical unit")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training.session.update"))
    assert json.loads(event.changes)["location"] == ["Classroom", "Medical unit"]

    from tests.training.restamp import restamp
    set_version(curriculum_copy, "99.2.0")
    restamp(curriculum_copy)
    newer, _created = services.import_curriculum(None, curriculum_copy)
    attendee = services.add_attendee(staff, training_session, make_participant(facility).id)
    services.save_answers(staff, attendee, "pre", {"risk-1": "true"},
                          services.items_by_key(training_session.curriculum_version))
    db.session.commit()
    refused = client.post(f"/training/{training_session.id}/edit", data={**data, "curriculum_version": str(newer.id)})
    assert refused.status_code == 200 and "cannot change" in refused.get_data(as_text=True)


def test_a_certificate_carries_the_facilitys_date_of_completion(app, make_facility, make_user, make_participant,
                                                                  make_session):
    """Completed at 21:30 in New York is 02:30 UTC the next day: the certificate says the local day
    (it said the UTC day, and the certificate service then refused it as a future date)."""
    from reentry.documents.models import Certificate

    facility = make_facility("J")  # America/New_York
    staff = make_user("staff", [facility])
    person = make_participant(facility)
    with time_machine.travel(datetime(2026, 12, 4, 2, 30, tzinfo=UTC), tick=False):
        done = make_session(staff, facility, starts_at=utcnow() - timedelta(hours=2))
        _attendee_with(staff, done, person)
        services.complete_session(staff, done)
        db.session.commit()
    certificate = db.session.scalar(select(Certificate).where(Certificate.participant_id == person.id))
    assert certificate.completed_on == date(2026, 12, 3)
