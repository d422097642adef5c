"""Realistic synthetic data at scale, for benchmarks: `reentry synth --releases N --kit-events M`.

Everything is invented (names are "Synthetic Person000123"); rows go in with bulk inserts in one
transaction. Shapes follow the programmes DOMAIN.md describes: five facilities in four time
zones, releases over the last 36 months, screenings for most releases, kits mostly at release
(handed, in property or declined; first or repeat supply; 1% voided), the rest in the community,
training sessions, use reports, and lots whose stock is their received minus distributed kits.
"""
from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, insert, select, update

from reentry.extensions import db

FACILITIES = [("SYN-OH", "America/New_York", "OH"), ("SYN-IL", "America/Chicago", "IL"),
              ("SYN-CO", "America/Denver", "CO"), ("SYN-CA", "America/Los_Angeles", "CA"),
              ("SYN-NY", "America/New_York", "NY")]
CHUNK = 20_000
GENDERS = ("female", "male", "male", "male", "", "nonbinary")
STATES = ("OH", "IL", "CO", "CA", "NY", "PA", "IN", "")


def _bulk(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start:start + CHUNK])


def synthesize(releases: int, kit_events: int, seed: int, today: date | None = None,
               deaths: int = 0) -> dict[str, int]:
    """Fill an empty database; returns how many rows of each kind were added. With `deaths`, the
    people get realistic names and a death file of that many records is added whose true
    matches are known (reentry/outcomes/synth.py, for the linkage benchmark)."""
    from reentry.facilities.models import Facility
    from reentry.facilities.services import create_facility, facility_today
    from reentry.naloxone.catalog import seed_catalog
    from reentry.naloxone.models import FundingSource, KitEvent, Lot, Product, ReversalReport, StockMovement
    from reentry.participants.models import CustodyEpisode, Participant, ReleaseScreening
    from reentry.training import services as training
    from reentry.training.cli import DEFAULT_PATH
    from reentry.training.models import TrainingAnswer, TrainingAttendee, TrainingSession

    if db.session.scalar(select(Participant.id).limit(1)) is not None:
        raise ValueError("The database already has participants: synth only fills an empty database.")
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    seed_catalog()
    facilities = []
    for code, zone, state in FACILITIES:
        facility = db.session.scalar(select(Facility).where(Facility.code == code)) or \
            create_facility(None, code, f"Synthetic {state} facility", "jail", state, "", zone)
        facilities.append(facility)
    # The earliest of the facilities' local dates, so no facility gets a date in its future.
    today = today or min(facility_today(f, now) for f in facilities)
    products = list(db.session.scalars(select(Product).order_by(Product.id)))
    funding = list(db.session.scalars(select(FundingSource).order_by(FundingSource.id)))
    db.session.flush()

    lots = []
    for f in facilities:
        for p in products:
            for n in range(3):
                lots.append(dict(product_id=p.id, lot_number=f"SYN-{f.id}-{p.id}-{n}", facility_id=f.id,
                                 expiry_date=today + timedelta(days=60 + 300 * n), received_date=today - timedelta(days=1100),
                                 funding_source_id=funding[(f.id + p.id + n) % len(funding)].id))
    _bulk(Lot, lots)
    lot_rows = db.session.execute(select(Lot.id, Lot.facility_id, Lot.product_id)).all()
    lots_at = defaultdict(list)
    for lot_id, facility_id, product_id in lot_rows:
        lots_at[facility_id].append((lot_id, product_id))

    days = 36 * 30
    if deaths:
        from reentry.outcomes.synth import NamePool, people_rows

        pool = NamePool(random.Random(seed + 1))
        people = [dict(row, destination_state=rng.choice(STATES)) for row in people_rows(rng, pool, releases, GENDERS)]
    else:
        people = [dict(last_name="Synthetic", first_name=f"Person{n:06d}", search_name=f"synthetic person{n:06d}",
                       date_of_birth=date(1955, 1, 1) + timedelta(days=rng.randrange(0, 45 * 365)),
                       gender=rng.choice(GENDERS), destination_state=rng.choice(STATES)) for n in range(releases)]
    _bulk(Participant, people)
    first_id = db.session.scalar(select(Participant.id).order_by(Participant.id).limit(1))
    episodes = []
    for n in range(releases):
        facility = facilities[n % len(facilities)]
        released = today - timedelta(days=rng.randrange(0, days))
        episodes.append(dict(participant_id=first_id + n, facility_id=facility.id, booking_id=f"SYN{n:07d}",
                             custody_start=released - timedelta(days=rng.randrange(2, 200)), release_date=released))
    _bulk(CustodyEpisode, episodes)
    episode_rows = db.session.execute(select(CustodyEpisode.id, CustodyEpisode.participant_id,
                                             CustodyEpisode.facility_id, CustodyEpisode.release_date)
                                      .order_by(CustodyEpisode.id)).all()
    _bulk(ReleaseScreening, [dict(participant_id=e.participant_id, episode_id=e.id,
                                  screened_on=e.release_date - timedelta(days=3),
                                  opioid_use_before_custody=rng.random() < 0.55)
                             for e in episode_rows if rng.random() < 0.7])

    events, distributed = [], defaultdict(int)
    at_release = min(kit_events, int(releases * 0.9))
    for n in range(kit_events):
        if n < at_release:
            e = episode_rows[rng.randrange(len(episode_rows))]
            facility_id, day, episode_id, person = e.facility_id, e.release_date - timedelta(days=rng.randrange(0, 2)), e.id, e.participant_id
            context, recipient = "release", "participant"
        else:
            facility_id = facilities[rng.randrange(len(facilities))].id
            day, episode_id, person = today - timedelta(days=rng.randrange(0, days)), None, None
            context, recipient = rng.choice(("community", "family_visit", "in_custody_training")), "community"
        roll = rng.random()
        outcome = "handed" if roll < 0.55 else "property" if roll < 0.8 else "declined"
        lot_id, product_id = rng.choice(lots_at[facility_id])
        supply = "first" if rng.random() < 0.7 else "repeat"
        kits = 1 if rng.random() < 0.9 else 2
        voided = rng.random() < 0.01
        events.append(dict(
            facility_id=facility_id, participant_id=person, episode_id=episode_id, is_anonymous=False,
            occurred_at=datetime.combine(day, time(18), timezone.utc), event_date=day, context=context,
            outcome=outcome, decline_reason="no_need" if outcome == "declined" else None, product_id=product_id,
            lot_id=None if outcome == "declined" else lot_id, kits=kits, recipient_type=recipient, supply=supply,
            repeat_reason="lost" if supply == "repeat" else None, is_voided=voided,
            void_reason="synthetic entry error" if voided else None))
        if outcome != "declined" and not voided:
            distributed[lot_id] += kits
    _bulk(KitEvent, events)
    # Stock as the app keeps it: each lot received once, then one movement per kit given (and a
    # return for each voided one), and the lots' running totals.
    moves = [dict(lot_id=lot_id, kind="receive", quantity=distributed[lot_id] + 200 + rng.randrange(0, 400),
                  occurred_at=now - timedelta(days=1100)) for lot_id, _, _ in lot_rows]
    for event_id, lot_id, kits, occurred_at, voided in db.session.execute(
            select(KitEvent.id, KitEvent.lot_id, KitEvent.kits, KitEvent.occurred_at, KitEvent.is_voided)
            .where(KitEvent.lot_id.is_not(None))):
        moves.append(dict(lot_id=lot_id, kind="distribute", quantity=-kits, kit_event_id=event_id,
                          occurred_at=occurred_at))
        if voided:
            moves.append(dict(lot_id=lot_id, kind="return", quantity=kits, kit_event_id=event_id,
                              occurred_at=occurred_at + timedelta(hours=1)))
    _bulk(StockMovement, moves)
    db.session.execute(update(Lot).values(on_hand=select(func.coalesce(func.sum(StockMovement.quantity), 0))
                                          .where(StockMovement.lot_id == Lot.id).scalar_subquery()))

    version, _ = training.import_curriculum(None, DEFAULT_PATH)
    # Bulk inserts skip the model's events, so held_on (the local date of 15:00 UTC) is set here.
    sessions = [dict(facility_id=f.id, curriculum_version_id=version.id, format="group", language="en",
                     status="completed", starts_at=datetime.combine(today - timedelta(days=7 * week + 3), time(15),
                                                                    timezone.utc),
                     held_on=today - timedelta(days=7 * week + 3),
                     completed_at=datetime.combine(today - timedelta(days=7 * week + 3), time(17), timezone.utc))
                for f in facilities for week in range(days // 7)]
    _bulk(TrainingSession, sessions)
    session_ids = defaultdict(list)
    for session_id, facility_id in db.session.execute(select(TrainingSession.id, TrainingSession.facility_id)):
        session_ids[facility_id].append(session_id)
    attendees = [dict(session_id=rng.choice(session_ids[e.facility_id]), participant_id=e.participant_id,
                      attendance="full", is_complete=rng.random() < 0.85)
                 for e in episode_rows if rng.random() < 0.15]
    _bulk(TrainingAttendee, attendees)
    # Seven in ten take both knowledge tests: about half right before, four in five after.
    items = [item["id"] for item in training.document(version)["items"]]
    answers = []
    for attendee_id, in db.session.execute(select(TrainingAttendee.id)):
        if rng.random() < 0.7:
            for phase, chance in (("pre", 0.5), ("post", 0.8)):
                for key in items:
                    right = rng.random() < chance
                    answers.append(dict(attendee_id=attendee_id, phase=phase, item_key=key,
                                        answer="true" if right else "dont_know", is_correct=right, recorded_at=now))
    _bulk(TrainingAnswer, answers)
    reversal_count = max(kit_events // 200, 1)
    _bulk(ReversalReport, [dict(token=str(uuid.UUID(int=rng.getrandbits(128))), facility_id=facilities[n % 5].id,
                                reporter_type="participant", occurred_on=today - timedelta(days=rng.randrange(0, days)),
                                location_type="home", giver_type=rng.choice(("participant", "family", "other")),
                                is_self_administered=rng.random() < 0.1, outcome=rng.choice(("survived", "survived", "unknown")),
                                lot_id=rng.choice(lots_at[facilities[n % 5].id])[0])
                           for n in range(reversal_count)])
    counts = {"facilities": len(facilities), "lots": len(lot_rows), "participants": releases, "releases": releases,
              "kit_events": kit_events, "stock_movements": len(moves), "training_sessions": len(sessions),
              "attendees": len(attendees), "test_answers": len(answers),
              "reversal_reports": reversal_count}
    if deaths:
        from reentry.outcomes.synth import synthesize_deaths

        counts.update(synthesize_deaths(deaths, random.Random(seed + 2), pool, today))
    return counts
