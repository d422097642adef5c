"""Synthetic participants for the demo: obviously fake people, never real ones.

About 200 people across the two demo facilities, with names that exercise accents, apostrophes
and hyphens, releases spread over the last 18 months and the next 14 days (and pretrial people
with no expected date), and varied screenings so every risk flag shows up somewhere.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.facilities.services import facility_today
from reentry.participants.models import CustodyEpisode
from reentry.participants.services import create_participant, record_screening

DEMO_COUNT = 200
LAST_NAMES = ["Peña", "O'Brien", "Núñez", "García-López", "D'Angelo", "Nguyễn", "Müller", "Ó Súilleabháin",
              "Castañeda", "Smith-Jones", "Łukasz", "Byrne", "Álvarez", "St. Clair", "Zhang", "Okafor",
              "Begay", "Rodríguez", "MacDonald", "Yılmaz", "Kowalski", "Ferreira", "Dupré", "Haddad"]
FIRST_NAMES = ["José", "Siobhán", "Zoë", "Renée", "Ana", "Devon", "Thi", "Chloé", "Jesús", "Mary-Kate",
               "Bjørn", "Ángel", "Kim", "Noor", "Sam", "Lucía", "Jamal", "Aoife", "Raúl", "Dana"]
HOUSING_UNITS = ["A-1", "A-2", "B-1", "C-3", "Medical", "Women's unit"]
HOUSING = ["stable", "unstable", "shelter", "none", None]
ANSWERS = [True, False, None]


def _demo_screening(rng: random.Random, release: date | None, start: date, today: date) -> dict:
    screened_on = min(release or today, today) - timedelta(days=rng.randint(0, 3))
    answers = {name: rng.choice(ANSWERS) for name in (
        "opioid_use_before_custody", "on_methadone", "on_buprenorphine", "community_moud_appointment",
        "overdose_ever", "overdose_last_12_months", "injects", "uses_sedatives", "xylazine_in_supply",
        "fentanyl_in_supply", "uses_alone", "wants_naloxone", "wants_treatment_referral")}
    answers["screened_on"] = max(screened_on, start)
    answers["housing_at_release"] = rng.choice(HOUSING)
    answers["screener_name"] = "Demo Nurse"
    if rng.random() < 0.15:
        answers["on_naltrexone_xr"] = True
        answers["last_naltrexone_injection"] = answers["screened_on"] - timedelta(days=rng.randint(0, 30))
    if rng.random() < 0.4:
        answers["days_since_last_opioid_use"] = rng.randint(0, 40)
    return answers


def load_participant_demo(_password: str) -> list[str]:
    facilities = list(db.session.scalars(select(Facility).where(Facility.code.in_(["DEMO-JAIL", "DEMO-PRISON"]))
                                         .order_by(Facility.code)))
    if not facilities:
        return []
    if db.session.scalar(select(CustodyEpisode.id).where(CustodyEpisode.booking_id.like("DEMO-%")).limit(1)):
        return []
    rng = random.Random(20261125)  # the same people on every demo system
    screened = 0
    for n in range(DEMO_COUNT):
        facility = facilities[n % len(facilities)]
        today = facility_today(facility)
        # Releases from 18 months ago to 14 days ahead; about a quarter still in custody with no date.
        offset = rng.randint(-548, 14)
        stay = rng.randint(1, 120 if facility.type == "jail" else 900)
        release_date = today + timedelta(days=offset)
        start = release_date - timedelta(days=stay)
        pretrial = offset > 0 and rng.random() < 0.3
        person = create_participant(
            None, facility, booking_id=f"DEMO-{n + 1:04d}", custody_start=start,
            expected_release_date=None if pretrial else (release_date if offset > 0 else None),
            release_date=release_date if offset <= 0 else None,
            housing_unit=rng.choice(HOUSING_UNITS), release_type="" if offset > 0 else rng.choice(
                ["time served", "bond", "parole", "probation", "court order"]),
            last_name=rng.choice(LAST_NAMES), first_name=rng.choice(FIRST_NAMES),
            middle_name=rng.choice(["", "", "Marie", "J.", "de la Cruz"]),
            date_of_birth=date(rng.randint(1955, 2004), rng.randint(1, 12), rng.randint(1, 28)),
            gender=rng.choice(["female", "male", "non-binary", "", "Two-Spirit"]),
            preferred_language=rng.choice(["en", "en", "en", "es"]),
            destination_state=facility.state, destination_county=facility.county,
        )
        if rng.random() < 0.75:
            answers = _demo_screening(rng, None if pretrial else release_date, start, today)
            # Every third person chose to have the sheet about them printed (not drawn from rng,
            # so the demo people stay the same ones as before this choice existed).
            answers["wants_personal_flags_printed"] = n % 3 == 0
            record_screening(None, person, answers, episode=person.episodes[0])
            screened += 1
    return [f"created {DEMO_COUNT} demo participants ({screened} screened)"]
