"""Completing a session issues each person's certificate (issue 7); correcting and completing
again keeps the ones still earned and revokes the rest."""
from sqlalchemy import select

from reentry.documents.models import Certificate
from reentry.documents.services import verify_certificate
from reentry.extensions import db
from reentry.training import services
from tests.training.test_sessions import _attendee_with


def _certificates(attendee):
    return db.session.scalars(select(Certificate).where(Certificate.training_attendance_id == attendee.id)).all()


def test_completion_issues_certificates_linked_to_the_attendance(app, make_facility, make_user,
                                                                 make_participant, make_session):
    facility = make_facility("J")
    staff = make_user("staff", [facility], name="Robin Trainer")
    person = make_participant(facility, last_name="Núñez", first_name="Ana", preferred_language="es")
    session = make_session(staff, facility)
    done = _attendee_with(staff, session, person)
    partial = _attendee_with(staff, session, make_participant(facility), attendance="partial")
    walk_in = services.add_walk_in(staff, session, "W1")
    services.complete_session(staff, session)
    db.session.commit()
    [certificate] = _certificates(done)
    assert certificate.participant_id == person.id and certificate.language == "es"
    assert certificate.trainer_name == "Robin Trainer"
    assert certificate.course_title == "Educación sobre sobredosis y naloxona"
    assert verify_certificate(certificate.code).status == "valid"
    assert _certificates(partial) == [] and _certificates(walk_in) == []


def test_reopen_and_complete_again_keeps_or_revokes(app, make_facility, make_user, make_participant, make_session):
    facility = make_facility("J")
    staff = make_user("staff", [facility])
    manager = make_user("manager", [facility])
    session = make_session(staff, facility)
    keeps = _attendee_with(staff, session, make_participant(facility))
    loses = _attendee_with(staff, session, make_participant(facility))
    services.complete_session(staff, session)
    db.session.commit()
    [kept] = _certificates(keeps)
    services.reopen_session(manager, session, "a teach-back was recorded for the wrong person")
    services.record_attendance(manager, loses, attendance="full", teach_back_signs=True,
                               teach_back_steps=True, teach_back_device=False)  # the correction
    services.complete_session(manager, session)
    db.session.commit()
    assert _certificates(keeps) == [kept] and kept.status == "valid"  # not issued twice
    [lost] = _certificates(loses)
    assert lost.status == "revoked" and lost.revoke_reason == "The training record was corrected."
