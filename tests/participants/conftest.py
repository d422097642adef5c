"""Factories for participant tests."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from reentry.extensions import db
from tests.clock import today


@pytest.fixture
def make_participant(app, make_facility):
    """make_participant(facility=None, **overrides): a person with one open custody episode."""
    from reentry.participants.services import create_participant

    counter = iter(range(1, 100_000))

    def make(facility=None, **overrides):
        n = next(counter)
        values = dict(booking_id=f"BK-{n:05d}", last_name=f"Testperson{n}", first_name="Sam",
                      date_of_birth=date(1985, 1, 1), custody_start=today() - timedelta(days=20),
                      expected_release_date=today() + timedelta(days=5), housing_unit="A")
        values.update(overrides)
        participant = create_participant(None, facility or make_facility(), **values)
        db.session.commit()
        return participant

    return make
