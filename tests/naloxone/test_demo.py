"""The naloxone demo step: something real on every page, and nothing added on a second run."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reentry.demo import load_demo
from reentry.extensions import db
from reentry.naloxone import services
from reentry.naloxone.models import KitEvent, Lot, ReversalReport
from reentry.participants.models import CustodyEpisode, Participant


# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


def _counts():
    return (db.session.scalar(select(func.count(KitEvent.id))), db.session.scalar(select(func.count(Lot.id))),
            db.session.scalar(select(func.count(ReversalReport.id))))


def test_demo_has_every_kind_of_record_and_is_idempotent(app, tmp_path):
    load_demo("a demo password for tests only", str(tmp_path))
    db.session.commit()
    first = _counts()
    load_demo("a demo password for tests only", str(tmp_path))
    db.session.commit()
    assert _counts() == first
    outcomes = set(db.session.scalars(select(KitEvent.outcome)))
    assert outcomes == {"handed", "property", "declined"}
    assert db.session.scalar(select(func.count(KitEvent.id)).where(KitEvent.supply == "repeat")) >= 1
    assert first[2] >= 2
    jail_lots = db.session.scalars(select(Lot).where(Lot.lot_number.like("DEMO-JAIL-%"))).all()
    recalled = [lot for lot in jail_lots if lot.is_recalled]
    assert len(recalled) == 1 and services.recall_contacts(recalled[0])
    facility = recalled[0].facility
    alerts = services.facility_alerts(facility)
    assert alerts.expiring and alerts.recalled_in_stock and any(s.is_overdue for s in alerts.locations)


def test_demo_attaches_kits_to_existing_episodes(app, tmp_path, make_facility):
    facility = make_facility("DEMO-JAIL")
    today = services.facility_today(facility)
    for n in range(40):
        person = Participant(last_name=f"Existing{n}", first_name="Demo", search_name=f"existing{n} demo")
        db.session.add(person)
        db.session.flush()
        db.session.add(CustodyEpisode(participant_id=person.id, facility_id=facility.id, booking_id=f"P{n}",
                                      release_date=today - timedelta(days=n * 9)))
    db.session.commit()
    load_demo("a demo password for tests only", str(tmp_path))
    db.session.commit()
    # The other demo steps add their own people too; count the kits given on these 40.
    ours = select(CustodyEpisode.id).where(CustodyEpisode.facility_id == facility.id,
                                           CustodyEpisode.booking_id.in_([f"P{n}" for n in range(40)]))
    with_kits = db.session.scalar(select(func.count(func.distinct(KitEvent.episode_id)))
                                  .where(KitEvent.episode_id.in_(ours)))
    assert 25 <= with_kits < 40
    assert not db.session.scalar(select(CustodyEpisode.id).where(
        CustodyEpisode.facility_id == facility.id, CustodyEpisode.booking_id.like("NX-%")).limit(1))
