"""A small fixed world whose report figures were worked out by hand (see test_figures.py).

Two facilities: OH-A in New York time and CA-B in Los Angeles time. January to March 2026, with
February empty at OH-A; a release with two kits, a declined kit, a voided kit, a voided episode,
a release outside the period, a kit handed at 9 pm local on 31 January in Los Angeles (1 February
in UTC), two funding sources and a product with three devices per kit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from reentry.extensions import db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@dataclass
class World:
    oh: object
    ca: object
    episodes: dict


@pytest.fixture
def world(app, make_facility) -> World:
    from reentry.naloxone import services as naloxone
    from reentry.naloxone.catalog import seed_catalog
    from reentry.naloxone.models import FundingSource, Product
    from reentry.participants.models import CustodyEpisode, Participant, ReleaseScreening
    from reentry.training import services as training
    from reentry.training.cli import DEFAULT_PATH
    from reentry.training.models import TrainingAnswer, TrainingAttendee, TrainingSession
    from reentry.naloxone.models import ReversalReport, StockMovement

    if db.session.scalar(select(Product.id)) is None:
        seed_catalog()
    oh = make_facility("OH-A", timezone="America/New_York")
    ca = make_facility("CA-B", name="Coast Jail", state="CA", county="Los Angeles", timezone="America/Los_Angeles")
    narcan = naloxone.get_product_by_code("narcan-4mg")
    vial = naloxone.get_product_by_code("naloxone-0.4mg-vial")
    vial.devices_per_kit = 3
    state = db.session.scalar(select(FundingSource).where(FundingSource.code == "state-program"))
    federal = db.session.scalar(select(FundingSource).where(FundingSource.code == "federal-grant"))
    expiry = date(2029, 1, 1)
    lot_a1 = naloxone.receive_lot(None, oh, narcan, "A1", expiry, 50, state)
    lot_a2 = naloxone.receive_lot(None, oh, vial, "A2", date(2026, 5, 1), 50, federal)  # expires soon
    lot_b1 = naloxone.receive_lot(None, ca, narcan, "B1", expiry, 50, state)

    def person(name):
        p = Participant(last_name=name, first_name="Test")
        db.session.add(p)
        db.session.flush()
        return p

    def episode(p, facility, booking, start, release, voided=False):
        e = CustodyEpisode(participant_id=p.id, facility_id=facility.id, booking_id=booking, custody_start=start,
                           release_date=release, is_voided=voided)
        db.session.add(e)
        db.session.flush()
        return e

    p1, p2, p3, p4, p5, p6 = (person(n) for n in ("One", "Two", "Three", "Four", "Five", "Six"))
    e1 = episode(p1, oh, "E1", date(2025, 12, 1), date(2026, 1, 15))
    e2 = episode(p2, oh, "E2", date(2025, 12, 20), date(2026, 1, 20))
    e3 = episode(p3, oh, "E3", date(2026, 2, 1), date(2026, 3, 5))
    e4 = episode(p4, ca, "E4", date(2026, 1, 2), date(2026, 1, 31))
    episode(p5, ca, "E5", date(2026, 1, 2), date(2026, 1, 20), voided=True)
    e6 = episode(p6, oh, "E6", date(2026, 3, 1), date(2026, 4, 2))  # after the period

    db.session.add_all([
        ReleaseScreening(participant_id=p1.id, episode_id=e1.id, screened_on=date(2026, 1, 10),
                         opioid_use_before_custody=True),
        ReleaseScreening(participant_id=p3.id, episode_id=e3.id, screened_on=date(2026, 3, 1),
                         opioid_use_before_custody=False),
        # Not linked to the episode, but dated within it: it counts for E4.
        ReleaseScreening(participant_id=p4.id, screened_on=date(2026, 1, 25), opioid_use_before_custody=True),
        # An older screening of P4 from before this custody says no: the later one wins.
        ReleaseScreening(participant_id=p4.id, screened_on=date(2025, 6, 1), opioid_use_before_custody=False),
    ])

    version, _ = training.import_curriculum(None, DEFAULT_PATH)

    items = training.document(version)["items"]

    def trained(p, facility, starts_at, *, complete=True, pre_right=None, post_right=None):
        s = TrainingSession(facility_id=facility.id, curriculum_version_id=version.id, starts_at=starts_at,
                            format="group", language="en", status="completed", completed_at=starts_at)
        db.session.add(s)
        db.session.flush()
        a = TrainingAttendee(session_id=s.id, participant_id=p.id, attendance="full", is_complete=complete)
        db.session.add(a)
        db.session.flush()
        for phase, right in (("pre", pre_right), ("post", post_right)):
            if right is not None:
                db.session.add_all(TrainingAnswer(attendee_id=a.id, phase=phase, item_key=item["id"], answer="true",
                                                  is_correct=right(n)) for n, item in enumerate(items))
        return s

    # P1: nothing right before, everything right after.
    trained(p1, oh, utc(2026, 1, 10, 15), pre_right=lambda n: False, post_right=lambda n: True)
    trained(p3, oh, utc(2026, 3, 10, 15))  # after the release: not trained at release
    # 31 Jan, 8 pm in Los Angeles (1 Feb in UTC); attended but not complete, no tests.
    trained(p4, ca, utc(2026, 2, 1, 4), complete=False)

    def kit(facility, when, outcome, *, episode=None, kits=1, lot=None, supply="first", product=None,
            repeat_reason=None):
        details = naloxone.KitDetails(
            occurred_at=when, context="release" if episode else "community", outcome=outcome,
            recipient_type="participant" if episode else "community", kits=kits, lot=lot, product=product,
            supply=supply, repeat_reason=repeat_reason,
            decline_reason="no_need" if outcome == "declined" else None)
        event, _ = naloxone.record_kit_event(None, facility, details, token=naloxone.new_token(), episode=episode)
        return event

    kit(oh, utc(2026, 1, 14, 15), "handed", episode=e1, lot=lot_a1)
    kit(oh, utc(2026, 1, 15, 15), "property", episode=e1, lot=lot_a2, supply="repeat", repeat_reason="lost")
    kit(oh, utc(2026, 1, 19, 15), "declined", episode=e2, product=narcan, supply="unknown")
    voided = kit(oh, utc(2026, 1, 19, 16), "handed", episode=e2, lot=lot_a1, kits=3)
    naloxone.void_kit_event(None, voided, "Entered for the wrong person")
    kit(oh, utc(2026, 3, 4, 15), "handed", episode=e3, lot=lot_a1, kits=2)
    kit(ca, utc(2026, 2, 1, 5), "handed", episode=e4, lot=lot_b1, supply="unknown")  # 31 Jan, 9 pm local
    kit(ca, utc(2026, 3, 1, 3), "handed", lot=lot_b1, kits=5)  # 28 Feb, 7 pm local; no episode
    kit(oh, utc(2026, 4, 3, 15), "handed", episode=e6, lot=lot_a1)  # after the period
    for n, (facility, day, is_self, outcome, doses, lot) in enumerate([
            (oh, date(2026, 1, 20), True, "survived", 1, lot_a1),
            (oh, date(2026, 1, 22), False, "survived", 2, lot_a2),
            (oh, date(2026, 1, 25), False, "died", 1, None),
            (ca, date(2026, 2, 10), False, "survived", 1, lot_b1)]):
        db.session.add(ReversalReport(token=f"rev-{n}", facility_id=facility.id, reporter_type="staff",
                                      occurred_on=day, location_type="home", giver_type="family",
                                      is_self_administered=is_self, doses_used=doses, outcome=outcome,
                                      lot_id=lot.id if lot else None))
    db.session.add(ReversalReport(token="rev-void", facility_id=oh.id, reporter_type="staff", occurred_on=date(2026, 1, 2),
                                  location_type="home", giver_type="family", outcome="survived", is_voided=True))
    naloxone.waste_stock(None, lot_b1, 2, "damaged")
    # Stock arrived before the period; the damaged kits were thrown away in February.
    # The voided kit's 3 went back to the lot the same evening.
    dated = {"receive": utc(2025, 12, 15, 15), "waste": utc(2026, 2, 15, 15), "return": utc(2026, 1, 19, 17)}
    for movement in db.session.scalars(select(StockMovement).where(StockMovement.kind.in_(dated))):
        movement.occurred_at = dated[movement.kind]
    db.session.commit()
    return World(oh, ca, {"E1": e1, "E2": e2, "E3": e3, "E4": e4})
