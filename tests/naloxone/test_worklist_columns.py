"""The worklist's columns that come from other features: trained, risk flags, opioid-use
history, packet printed; and the packet's how-to page follows the kit actually given."""
from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from reentry.database import utcnow
from reentry.documents import packets
from reentry.documents.services import print_packets
from reentry.extensions import db
from reentry.naloxone import services
from reentry.naloxone.worklist import build_worklist
from reentry.participants.services import create_participant, record_screening
from reentry.training import services as training
from reentry.training.cli import DEFAULT_PATH
from tests.clock import today
from tests.naloxone.conftest import kit
from tests.training.test_sessions import _attendee_with


# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


def test_worklist_columns_read_trainings_screenings_and_prints(app, facility, make_user, make_lot):
    today = services.facility_today(facility)
    staff = make_user("staff", [facility])
    leaving = create_participant(None, facility, booking_id="W-1", last_name="Leaving", first_name="Lee",
                                 custody_start=today - timedelta(days=30), expected_release_date=today + timedelta(days=2))
    record_screening(None, leaving, {"screened_on": today, "opioid_use_before_custody": True, "injects": True})
    staying = create_participant(None, facility, booking_id="W-2", last_name="Staying", first_name="Sam",
                                 custody_start=today - timedelta(days=5))
    record_screening(None, staying, {"screened_on": today, "opioid_use_before_custody": True})
    create_participant(None, facility, booking_id="W-3", last_name="Noscreen", first_name="Nia",
                       custody_start=today - timedelta(days=5))
    version, _ = training.import_curriculum(None, DEFAULT_PATH)
    session = training.create_training_session(staff, facility, starts_at=utcnow() - timedelta(hours=2),
                                               format="group", language="en", curriculum_version=version,
                                               location="Unit A", trainers=[staff])
    _attendee_with(staff, session, leaving)
    training.complete_session(staff, session)
    db.session.commit()

    worklist = build_worklist(facility, today)
    [row] = worklist.expected
    assert row.participant.id == leaving.id and row.is_trained
    assert "INJECTS" in row.risk_flags and "TOLERANCE_LOST" in row.risk_flags
    assert not row.packet_printed
    # In custody with opioid-use history and no kit in property: Sam, not Nia (no screening).
    assert [r.participant.id for r in worklist.in_custody] == [staying.id]

    episode = row.episode
    event, _ = services.record_kit_event(None, facility, kit(make_lot(), outcome="property"),
                                         token=services.new_token(), episode=episode)
    assert event.was_trained_before is True  # trained earlier today, before the kit
    print_packets(staff, [packets.packet_for(leaving, episode, facility_ids=None)], facility_id=facility.id)
    db.session.commit()
    assert build_worklist(facility, today).expected[0].packet_printed


def test_the_packet_explains_the_product_given(app, facility, make_user, make_lot, make_episode):
    episode = make_episode(release_date=today())
    lot = make_lot(product_code="zimhi-5mg")
    services.record_kit_event(None, facility, kit(lot=lot, outcome="handed"), token=services.new_token(),
                              episode=episode)
    db.session.commit()
    packet = packets.packet_for(episode.participant, episode, "en", facility_ids=None)
    assert packet.product_code == "zimhi-5mg" and packet.episode_id == episode.id
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(print_packets(None, [packet]))).pages)
    assert "Zimhi" in text and "thigh" in text


def test_trained_compares_the_local_day_of_completion_with_the_release_date(app, facility, make_user):
    """A training completed at 21:30 in New York on the release day counts as before release
    (02:30 UTC is already the next day, which the worklist used to compare)."""
    from datetime import UTC, date, datetime

    import time_machine

    from reentry.naloxone.worklist import trained_episode_ids

    staff = make_user("staff", [facility])
    person = create_participant(None, facility, booking_id="W-9", last_name="Late", first_name="Lou",
                                custody_start=date(2026, 11, 1), release_date=date(2026, 12, 3))
    version, _ = training.import_curriculum(None, DEFAULT_PATH)
    with time_machine.travel(datetime(2026, 12, 4, 2, 30, tzinfo=UTC), tick=False):
        session = training.create_training_session(staff, facility, starts_at=utcnow() - timedelta(hours=1),
                                                   format="group", language="en", curriculum_version=version,
                                                   location="Unit A", trainers=[staff])
        _attendee_with(staff, session, person)
        training.complete_session(staff, session)
        db.session.commit()
    assert trained_episode_ids(person.episodes) == {person.episodes[0].id}
