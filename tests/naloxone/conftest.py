"""Factories for naloxone tests: seeded products, lots with stock, participants with episodes."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from reentry.database import utcnow
from reentry.extensions import db
from reentry.naloxone import services
from reentry.naloxone.catalog import seed_catalog
from reentry.naloxone.models import FundingSource
from reentry.participants.models import CustodyEpisode, Participant
from tests.clock import today


@pytest.fixture(autouse=True)
def catalog(app):
    """The seeded catalog (migration 0005); PostgreSQL tests truncate it between tests."""
    seed_catalog()
    db.session.commit()


@pytest.fixture
def facility(make_facility):
    return make_facility("NAL-JAIL")


@pytest.fixture
def funding(app):
    return db.session.scalar(select(FundingSource).where(FundingSource.code == "state-program"))


@pytest.fixture
def make_lot(app, facility, funding):
    counter = iter(range(1, 10_000))

    def make(quantity: int = 10, product_code: str = "narcan-4mg", expiry: date | None = None,
             at=None, lot_number: str | None = None):
        lot = services.receive_lot(
            None, at or facility, services.get_product_by_code(product_code),
            lot_number or f"LOT{next(counter):04d}", expiry or today() + timedelta(days=400),
            quantity, funding)
        db.session.commit()
        return lot

    return make


@pytest.fixture
def make_episode(app, facility):
    counter = iter(range(1, 100_000))

    def make(at=None, **overrides):
        n = next(counter)
        person = Participant(last_name=f"Testperson{n}", first_name="Synthetic",
                             search_name=f"testperson{n} synthetic", destination_county="Franklin",
                             destination_zip="43215")
        db.session.add(person)
        db.session.flush()
        values = dict(participant_id=person.id, facility_id=(at or facility).id, booking_id=f"B{n:06d}",
                      custody_start=today() - timedelta(days=30))
        values.update(overrides)
        episode = CustodyEpisode(**values)
        db.session.add(episode)
        db.session.commit()
        return episode

    return make


def kit(lot=None, **overrides) -> services.KitDetails:
    values = dict(occurred_at=utcnow(), context="release", outcome="handed", recipient_type="participant",
                  kits=1, lot=lot, supply="first")
    values.update(overrides)
    return services.KitDetails(**values)
