"""Factories for outcome tests: people released from a facility, and deaths."""
from __future__ import annotations

from datetime import date

import pytest

from reentry.extensions import db
from tests.participants.conftest import make_participant  # noqa: F401  (a fixture used here)


@pytest.fixture
def make_death(app):
    """make_death(linked_to=None, status="linked", **overrides): a death record, with a link to a
    participant's release facility when `linked_to` is (participant, facility)."""
    from reentry.outcomes.models import DeathLink, DeathRecord

    counter = iter(range(1, 100_000))

    def make(linked_to=None, status="linked", **overrides):
        n = next(counter)
        values = dict(source="Test ME", case_number=f"ME-{n:05d}", last_name=f"Deceased{n}", first_name="Pat",
                      date_of_birth=date(1985, 1, 1), sex="M", date_of_death=date(2025, 6, 1),
                      underlying_cause="X42", multiple_causes="T40.4", is_overdose=True, is_opioid=True)
        values.update(overrides)
        record = DeathRecord(**values)
        db.session.add(record)
        db.session.flush()
        if linked_to is not None:
            participant, facility = linked_to
            db.session.add(DeathLink(death_record_id=record.id, participant_id=participant.id,
                                     facility_id=facility.id, match_probability=0.99, status=status))
        db.session.commit()
        return record

    return make
