"""Demo data for trainings: the shipped curriculum, ~30 past sessions with attendance and
pre/post answers that show a realistic knowledge gain, and 2 upcoming sessions.

Synthetic people only. If another step already added participants at the demo facilities
they are reused; otherwise a few obviously fake ones are made here.
"""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from reentry.auth.models import User
from reentry.database import utcnow
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.facilities.services import facility_today
from reentry.participants.models import CustodyEpisode, Participant
from reentry.training import services
from reentry.training.cli import DEFAULT_PATH
from reentry.training.models import TrainingSession

PAST_SESSIONS = 30
TRAINERS = {"DEMO-JAIL": "staff@demo.test", "DEMO-PRISON": "manager@demo.test"}
FAKE_NAMES = [("Demo", n) for n in ("Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Gray",
                                    "Harper", "Indigo", "Jordan", "Kai", "Lane")]
UNITS = ("A1", "A2", "B1", "B2")
# Chance of a right answer before and after the course, per domain (typical OEND results:
# people know the risks best and the response steps least before training).
PRE_RIGHT = {"risk": 0.6, "signs": 0.5, "response": 0.35}
POST_RIGHT = {"risk": 0.85, "signs": 0.85, "response": 0.8}


def _participants(facility: Facility, rng: random.Random) -> tuple[list[int], list[str]]:
    stmt = (select(CustodyEpisode.participant_id).distinct()
            .where(CustodyEpisode.facility_id == facility.id, CustodyEpisode.is_voided.is_(False)))
    ids = list(db.session.scalars(stmt))
    report = []
    if not ids:
        for index, (last, first) in enumerate(FAKE_NAMES, start=1):
            place = facility.code.split("-")[-1].title()  # "Jail", "Prison": obviously not a real name
            person = Participant(last_name=f"{last}-{place}", first_name=first,
                                 search_name=f"{last}-{place} {first}".lower(),
                                 preferred_language="es" if index % 3 == 0 else "en")
            db.session.add(person)
            db.session.flush()
            db.session.add(CustodyEpisode(participant_id=person.id, facility_id=facility.id,
                                          booking_id=f"TRN-{facility.id}-{index:03d}", housing_unit=UNITS[index % 4],
                                          custody_start=facility_today(facility) - timedelta(days=rng.randint(10, 200))))
            ids.append(person.id)
        db.session.flush()
        report.append(f"created {len(FAKE_NAMES)} synthetic participants at {facility.code} for trainings")
    return ids, report


def _answers(items: list[dict], chances: dict[str, float], rng: random.Random) -> dict[str, str]:
    answers = {}
    for item in items:
        right = "true" if item["answer"] else "false"
        wrong = "false" if item["answer"] else "true"
        if rng.random() < chances[item["domain"]]:
            answers[item["id"]] = right
        else:
            answers[item["id"]] = "dont_know" if rng.random() < 0.5 else wrong
    return answers


def load_training_demo(_password: str) -> list[str]:
    report = []
    version, created = services.import_curriculum(None, DEFAULT_PATH)
    if created:
        report.append(f"imported curriculum {version.curriculum_key} {version.version}")
    facilities = list(db.session.scalars(select(Facility).where(Facility.code.in_(TRAINERS)).order_by(Facility.code)))
    if not facilities:
        return report
    existing = db.session.scalar(select(func.count()).select_from(TrainingSession).where(
        TrainingSession.facility_id.in_([f.id for f in facilities])))
    if existing:
        return report
    rng = random.Random(20261125)  # the same demo every time
    items = services.document(version)["items"]
    by_key = services.items_by_key(version)
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    pools = {}
    for facility in facilities:
        pools[facility.code], lines = _participants(facility, rng)
        report += lines
    for index in range(PAST_SESSIONS):
        facility = facilities[index % len(facilities)]
        trainer = db.session.scalar(select(User).where(User.email == TRAINERS[facility.code]))
        training_session = services.create_training_session(
            trainer, facility, starts_at=now - timedelta(days=6 * index + 2, hours=rng.randint(0, 5)),
            format="one_to_one" if index % 7 == 3 else "group", language="es" if index % 4 == 1 else "en",
            curriculum_version=version, location="Program room" if index % 2 else "Housing unit classroom",
            trainers=[trainer])
        size = 1 if training_session.format == "one_to_one" else rng.randint(4, 8)
        for participant_id in rng.sample(pools[facility.code], min(size, len(pools[facility.code]))):
            attendee = services.add_attendee(trainer, training_session, participant_id)
            full = rng.random() < 0.88
            teach = full and rng.random() < 0.9
            services.record_attendance(trainer, attendee, attendance="full" if full else "partial",
                                       teach_back_signs=teach, teach_back_steps=teach, teach_back_device=teach)
            services.save_answers(trainer, attendee, "pre", _answers(items, PRE_RIGHT, rng), by_key)
            if full or rng.random() < 0.5:
                services.save_answers(trainer, attendee, "post", _answers(items, POST_RIGHT, rng), by_key)
        services.complete_session(trainer, training_session)
    for days, facility in ((3, facilities[0]), (9, facilities[-1])):
        trainer = db.session.scalar(select(User).where(User.email == TRAINERS[facility.code]))
        services.create_training_session(
            trainer, facility, starts_at=now + timedelta(days=days, hours=2), format="group", language="en",
            curriculum_version=version, location="Housing unit classroom", trainers=[trainer])
    report.append(f"created {PAST_SESSIONS} past and 2 upcoming training sessions")
    return report
