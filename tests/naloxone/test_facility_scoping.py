"""A person with stays at two facilities: each facility's kit form and worklist use only its own
kit and training records (issue 14, point 2). These failed before the fix."""
from datetime import timedelta

import pytest

from reentry.database import utcnow
from reentry.extensions import db
from reentry.naloxone import services
from reentry.naloxone.worklist import build_worklist
from reentry.participants.models import CustodyEpisode
from reentry.training import services as training
from reentry.training.cli import DEFAULT_PATH
from tests.clock import today
from tests.naloxone.conftest import kit
from tests.training.test_sessions import _attendee_with

pytestmark = pytest.mark.clock


@pytest.fixture
def prison(make_facility):
    return make_facility("NAL-PRISON", type_="prison")


@pytest.fixture
def both(app, facility, prison, make_episode, make_lot, make_user):
    """A prison stay with a kit handed over and a completed training there, and an open jail stay."""
    at_prison = make_episode(at=prison, expected_release_date=today() + timedelta(days=1))
    services.record_kit_event(None, prison, kit(make_lot(at=prison)), token=services.new_token(), episode=at_prison)
    trainer = make_user("staff", [prison])
    version, _ = training.import_curriculum(None, DEFAULT_PATH)
    session = training.create_training_session(trainer, prison, starts_at=utcnow() - timedelta(hours=2),
                                               format="group", language="en", curriculum_version=version,
                                               location="Unit P", trainers=[trainer])
    _attendee_with(trainer, session, at_prison.participant)
    training.complete_session(trainer, session)
    at_jail = CustodyEpisode(participant_id=at_prison.participant_id, facility_id=facility.id, booking_id="J-77",
                             custody_start=today() - timedelta(days=2), expected_release_date=today() + timedelta(days=1))
    db.session.add(at_jail)
    db.session.commit()
    return at_prison, at_jail


def test_a_kit_given_at_the_prison_is_not_a_repeat_at_the_jail(client, login_as, facility, prison, both):
    at_prison, at_jail = both
    assert services.has_earlier_kit(at_prison.participant_id, prison.id)
    assert not services.has_earlier_kit(at_prison.participant_id, facility.id)
    login_as("staff", facilities=[facility])
    page = client.get(f"/naloxone/{facility.code}/kits/new?episode={at_jail.id}").get_data(as_text=True)
    assert '<option selected value="first">' in page and '<option value="repeat">' in page
    assert services.participant_kit_events(at_prison.participant_id, facility_ids={facility.id}) == []
    assert len(services.participant_kit_events(at_prison.participant_id, facility_ids=None)) == 1


def test_the_jail_worklist_does_not_count_the_prisons_training(app, facility, prison, both):
    at_prison, at_jail = both
    (jail_row,) = [r for r in build_worklist(facility).expected if r.episode.id == at_jail.id]
    assert not jail_row.is_trained
    (prison_row,) = [r for r in build_worklist(prison).expected if r.episode.id == at_prison.id]
    assert prison_row.is_trained


def test_a_used_repeat_kit_at_the_jail_never_prefills_the_prisons_kit(app, facility, prison, both, make_lot):
    at_prison, at_jail = both
    repeat, _ = services.record_kit_event(None, facility, kit(make_lot(), supply="repeat", repeat_reason="used"),
                                          token=services.new_token(), episode=at_jail)
    prefill = services.reversal_prefill(repeat)
    assert prefill["kit_event"] == "" and prefill["naloxone_source"] == "unknown"


def test_a_certificate_belongs_to_the_facility_of_its_training(app, facility, prison, make_episode, make_user):
    """Not the person's newest stay: trained at the prison while booked at the jail too, the
    certificate is the prison's (and so never printed in the jail's packet)."""
    from sqlalchemy import select

    from reentry.documents.models import Certificate

    at_prison = make_episode(at=prison)
    db.session.add(CustodyEpisode(participant_id=at_prison.participant_id, facility_id=facility.id,
                                  booking_id="J-78", custody_start=today() - timedelta(days=2)))
    db.session.commit()
    db.session.expire_all()
    assert at_prison.participant.episodes[0].facility_id == facility.id  # the jail stay is the newest
    trainer = make_user("staff", [prison])
    version, _ = training.import_curriculum(None, DEFAULT_PATH)
    session = training.create_training_session(trainer, prison, starts_at=utcnow() - timedelta(hours=2),
                                               format="group", language="en", curriculum_version=version,
                                               location="Unit P", trainers=[trainer])
    _attendee_with(trainer, session, at_prison.participant)
    training.complete_session(trainer, session)
    db.session.commit()
    assert db.session.scalars(select(Certificate.facility_id)).all() == [prison.id]
