"""Demo data for naloxone: storage, lots (one expiring soon, one recalled), movements, kit events
for most demo releases (some declined, some in property, some repeat), and a few use reports.

Synthetic only. Safe to run again: lots and locations are added once; kit events are attached only
to episodes that have none, with a choice fixed by the episode id, so a re-run adds nothing new
for episodes already seen.
"""
from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.naloxone import services
from reentry.naloxone.catalog import seed_catalog
from reentry.naloxone.models import DECLINE_REASONS, FundingSource, KitEvent, Lot
from reentry.participants.models import CustodyEpisode, Participant

DEMO_FACILITY_CODES = ("DEMO-JAIL", "DEMO-PRISON")
# name, kind, check every (days), days since the last check (None: never checked)
LOCATIONS = [("Pharmacy", "pharmacy", 7, 2), ("Unit A cabinet", "housing_cabinet", 7, 12),
             ("Emergency bag 1", "emergency_bag", 30, 5), ("Property room", "property_room", None, None)]
# lot suffix, product, kits, days to expiry, funding code
LOTS = [("N1", "narcan-4mg", 400, 700, "state-program"), ("G1", "naloxone-4mg-generic", 150, 420, "federal-grant"),
        ("SOON", "narcan-4mg", 24, 45, "purchased"), ("RECALL", "kloxxado-8mg", 30, 500, "donated"),
        ("Z1", "zimhi-5mg", 10, 300, "purchased")]
# Invented first and last names for the handful of people made when no participants exist yet.
FIRST = ["Avery", "Jordan", "Casey", "Riley", "Morgan", "Quinn", "Rowan", "Sky", "Reese", "Emerson", "Dakota", "Harper"]
LAST = ["Samplefield", "Exampleton", "Demoson", "Testwood", "Mockley", "Placeholder"]


def _fallback_episodes(facility: Facility, today: date) -> None:
    """A few synthetic people when the participants demo has not run: releases past and coming."""
    offsets = [(-400, -2), (-200, -1), (-90, -1), (-60, -40), (-120, -60), (-30, -10), (-20, -5),
               (-15, None), (-10, None), (-40, None), (-5, None), (-25, None)]
    for n, (start, released) in enumerate(offsets):
        person = Participant(last_name=LAST[n % len(LAST)], first_name=FIRST[n], gender="",
                             search_name=f"{LAST[n % len(LAST)]} {FIRST[n]}".lower(),
                             destination_state=facility.state, destination_county=facility.county)
        db.session.add(person)
        db.session.flush()
        expected = None if released is not None else today + timedelta(days=n % 8)
        db.session.add(CustodyEpisode(
            participant_id=person.id, facility_id=facility.id, booking_id=f"NX-{facility.id}-{n + 1:03d}",
            custody_start=today + timedelta(days=start),
            release_date=today + timedelta(days=released) if released is not None else None,
            expected_release_date=expected, housing_unit=f"Unit {'AB'[n % 2]}"))
    db.session.flush()


def _setup_facility(facility: Facility, today: date) -> list[str]:
    report = []
    if not services.facility_locations(facility):
        for name, kind, every, checked_days_ago in LOCATIONS:
            location = services.create_location(None, facility, name, kind, every)
            if checked_days_ago is not None:
                when = services.utcnow() - timedelta(days=checked_days_ago)
                services.record_storage_check(None, location, counted=12, expired=0,
                                              missing=1 if kind == "emergency_bag" else 0, checked_at=when)
        report.append(f"naloxone: storage locations for {facility.code}")
    pharmacy = services.facility_locations(facility)[0]
    funders = {f.code: f for f in db.session.scalars(select(FundingSource))}
    for suffix, code, kits, days, funder in LOTS:
        number = f"DEMO-{facility.code[5:]}-{suffix}"
        product = services.get_product_by_code(code)
        if services.find_lot(facility, product, number) is None:
            services.receive_lot(None, facility, product, number, today + timedelta(days=days), kits,
                                 funders[funder], location=pharmacy, received_date=today - timedelta(days=420))
            report.append(f"naloxone: lot {number} ({kits} kits of {code})")
    return report


def _decide(episode_id: int) -> random.Random:
    return random.Random(episode_id * 7919 + 6)


def _attach_kits(facility: Facility, today: date) -> int:
    """Kit events for most released or soon-released episodes that have none yet."""
    zone = ZoneInfo(facility.timezone)
    lots = {lot.lot_number.rsplit("-", 1)[1]: lot for lot in db.session.scalars(
        select(Lot).where(Lot.facility_id == facility.id, Lot.lot_number.like("DEMO-%")))}
    have_kit = set(db.session.scalars(select(KitEvent.episode_id).where(
        KitEvent.facility_id == facility.id, KitEvent.episode_id.is_not(None))))
    episodes = db.session.scalars(select(CustodyEpisode).where(
        CustodyEpisode.facility_id == facility.id, CustodyEpisode.is_voided.is_(False),
        CustodyEpisode.release_date.is_not(None)).order_by(CustodyEpisode.release_date)).all()
    recall_used = db.session.scalar(select(KitEvent.id).where(KitEvent.lot_id == lots["RECALL"].id).limit(1))
    made = 0
    for episode in episodes:
        rng = _decide(episode.id)
        roll = rng.random()
        recent = (today - episode.release_date).days <= 3
        if episode.id in have_kit or roll < (0.5 if recent else 0.12):
            continue  # some releases stay without a kit: the worklist's follow-up list
        outcome = "declined" if roll > 0.85 else "property" if roll > 0.65 else "handed"
        repeat = rng.random() < 0.18
        repeat_reason = rng.choice(["used", "used", "lost", "expired", "confiscated", "gave_away"]) if repeat else None
        lot = lots["N1"] if rng.random() < 0.7 else lots["G1"]
        if recall_used is None and outcome != "declined" and not lots["RECALL"].is_recalled:
            lot = lots["RECALL"]  # so the recall list has people to contact
            recall_used = True
        moment = datetime.combine(episode.release_date, time(rng.randint(0, 23), rng.choice([0, 15, 30, 45])),
                                  tzinfo=zone)
        if moment > services.utcnow():
            moment = services.utcnow() - timedelta(minutes=5)
        details = services.KitDetails(
            occurred_at=moment, context="release", outcome=outcome, recipient_type="participant",
            lot=None if outcome == "declined" else lot,
            decline_reason=rng.choice(DECLINE_REASONS) if outcome == "declined" else None,
            supply="repeat" if repeat else "first", repeat_reason=repeat_reason)
        if details.decline_reason == "other":
            details.decline_other = "Wants to think about it"
        event, _ = services.record_kit_event(None, facility, details, episode=episode,
                                             token=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-kit-{episode.id}")))
        if outcome == "property" and not recent:
            services.record_property_pickup(None, event, rng.random() < 0.8)
        if (repeat_reason == "used" and rng.random() < 0.6) or (outcome == "handed" and made < 3):
            _reversal(facility, event, rng)
        made += 1
    return made


def _reversal(facility: Facility, event: KitEvent, rng: random.Random) -> None:
    prefill = services.reversal_prefill(event)
    earlier = db.session.get(KitEvent, prefill["kit_event"]) if prefill["kit_event"] else None
    services.record_reversal(None, facility, services.ReversalDetails(
        occurred_on=event.event_date - timedelta(days=rng.randint(1, 30)), reporter_type="participant",
        location_type=rng.choice(["home", "street", "shelter"]), giver_type=rng.choice(["participant", "family"]),
        outcome=rng.choice(["survived", "survived", "survived", "unknown"]), doses_used=rng.choice([1, 2, 2, 3]),
        county=prefill["county"], zip_code=prefill["zip_code"], called_911=rng.choice(["yes", "no", "unknown"]),
        age_band=rng.choice(["25_34", "35_44", "45_54"]), naloxone_source="our_kit" if earlier else "unknown",
        kit_event=earlier), token=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-reversal-{event.id}")),
        participant=event.participant)


def load_naloxone_demo(_password: str) -> list[str]:
    """The demo step (DEMO_STEPS in reentry/demo.py)."""
    report = [f"naloxone: added {line}" for line in seed_catalog()]
    for code in DEMO_FACILITY_CODES:
        facility = db.session.scalar(select(Facility).where(Facility.code == code))
        if facility is None:
            continue
        today = services.facility_today(facility)
        if db.session.scalar(select(CustodyEpisode.id).where(CustodyEpisode.facility_id == facility.id).limit(1)) is None:
            _fallback_episodes(facility, today)
            report.append(f"naloxone: a few synthetic bookings at {code} (no participants demo yet)")
        report += _setup_facility(facility, today)
        made = _attach_kits(facility, today)
        if made:
            report.append(f"naloxone: {made} kit records at {code}")
        recall = db.session.scalar(select(Lot).where(Lot.facility_id == facility.id, Lot.lot_number.like("%-RECALL")))
        if recall is not None and not recall.is_recalled:
            services.recall_lot(None, recall, "Demo: manufacturer recall notice (synthetic)")
            report.append(f"naloxone: lot {recall.lot_number} marked recalled")
        token = str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-bulk-{facility.code}"))
        if services.find_kit_event_by_token(str(uuid.uuid5(uuid.UUID(token), "community"))) is None:
            lot = db.session.scalar(select(Lot).where(Lot.facility_id == facility.id, Lot.lot_number.like("%-G1")))
            services.record_bulk_distribution(None, facility, token=token,
                                              occurred_at=services.utcnow() - timedelta(days=12),
                                              context="family_visit", lot=lot, counts={"family": 6, "community": 3})
            report.append(f"naloxone: anonymous visit-room handout at {code}")
    return report
