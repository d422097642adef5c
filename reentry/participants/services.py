"""Participants: the registry (search, edit, void), screenings, and the reads other features use.

Plain functions: they take models and values, flush, write the audit row, and never commit.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from reentry import audit
from reentry.auth.access import visible_facility_ids
from reentry.database import utcnow
from reentry.errors import Conflict, DomainError, NotFound
from reentry.extensions import db
from reentry.facilities.services import facility_today
from reentry.participants.models import (
    HOUSING_AT_RELEASE, NAME_LENGTH, CustodyEpisode, Participant, ReleaseScreening,
)

PERSON_FIELDS = (
    "last_name", "first_name", "middle_name", "date_of_birth", "gender", "preferred_language",
    "destination_state", "destination_county", "destination_zip",
)
SCREENING_FIELDS = (
    "screened_on", "screener_name", "opioid_use_before_custody", "days_since_last_opioid_use",
    "last_opioid_use_date", "on_methadone", "on_buprenorphine", "on_naltrexone_xr",
    "last_naltrexone_injection", "community_moud_appointment", "moud_appointment_date",
    "moud_appointment_place", "overdose_ever", "overdose_last_12_months", "injects",
    "uses_sedatives", "xylazine_in_supply", "fentanyl_in_supply", "uses_alone",
    "housing_at_release", "wants_naloxone", "wants_treatment_referral", "wants_personal_flags_printed",
)
ZIP_CODE = re.compile(r"\d{5}(-\d{4})?")
STALE_MESSAGE = ("Someone else changed this record while you were editing it. "
                 "Nothing was saved: review the current details below and edit again.")
# Characters that never belong in a name: C0/C1 controls (NUL breaks PostgreSQL text) and the
# bidirectional overrides that can make a name display as something else (Trojan Source).
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def search_key(text: str) -> str:
    """Text folded for search: NFKD, combining marks removed, casefolded, spaces collapsed.

    "Peña-O'Brien" and "PENA-O'BRIEN" give the same key, so a search for "pena" finds both.
    """
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def search_name_for(last_name: str, first_name: str, middle_name: str = "") -> str:
    return search_key(" ".join(p for p in (last_name, first_name, middle_name) if p))


def check_text(value: str, field: str, label: str, max_length: int, required: bool = False) -> str:
    """A stripped text value, or DomainError naming the field."""
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"{label} is required.", field=field)
    if len(value) > max_length:
        raise DomainError(f"{label} is longer than {max_length} characters.", field=field)
    if _FORBIDDEN.search(value):
        raise DomainError(f"{label} contains a control character; retype it.", field=field)
    return value


def _check_person(values: dict, today: date) -> dict:
    clean = dict(values)
    clean["last_name"] = check_text(values.get("last_name", ""), "last_name", "Last name", NAME_LENGTH, True)
    clean["first_name"] = check_text(values.get("first_name", ""), "first_name", "First name", NAME_LENGTH, True)
    clean["middle_name"] = check_text(values.get("middle_name", ""), "middle_name", "Middle name", NAME_LENGTH)
    clean["gender"] = check_text(values.get("gender", ""), "gender", "Gender", 64)
    language = values.get("preferred_language") or "en"
    if language not in ("en", "es"):
        raise DomainError("Preferred language must be en or es.", field="preferred_language")
    clean["preferred_language"] = language
    state = check_text(values.get("destination_state", ""), "destination_state", "Destination state", 2).upper()
    if state and not (len(state) == 2 and state.isalpha()):
        raise DomainError("Destination state: use the two-letter code, e.g. OH.", field="destination_state")
    clean["destination_state"] = state
    clean["destination_county"] = check_text(values.get("destination_county", ""), "destination_county",
                                             "Destination county", 100)
    zip_code = check_text(values.get("destination_zip", ""), "destination_zip", "Destination ZIP", 10)
    if zip_code and not ZIP_CODE.fullmatch(zip_code):
        raise DomainError("Destination ZIP: use 5 digits (or ZIP+4).", field="destination_zip")
    clean["destination_zip"] = zip_code
    born = values.get("date_of_birth")
    if born is not None and (born > today or born.year < 1900):
        raise DomainError("Date of birth is not a plausible date.", field="date_of_birth")
    return clean


# --- reads other features use ---------------------------------------------------------------

def _visible_clause(user):
    """Participants the user may see: any with an episode in one of their facilities."""
    ids = visible_facility_ids(user)
    if ids is None:
        return None
    return exists().where(CustodyEpisode.participant_id == Participant.id,
                          CustodyEpisode.facility_id.in_(ids))


def get_visible_participant(user, participant_id) -> Participant:
    """The participant, or NotFound if unknown or only in facilities the user does not work in."""
    try:
        participant_id = int(participant_id)
    except (TypeError, ValueError):
        raise NotFound("No such participant.") from None
    stmt = select(Participant).where(Participant.id == participant_id)
    clause = _visible_clause(user)
    if clause is not None:
        stmt = stmt.where(clause)
    participant = db.session.scalar(stmt)
    if participant is None:
        raise NotFound("No such participant.")
    return participant


def assess_episode(participant: Participant, episode: CustodyEpisode | None, *, facility_ids: set[int] | None):
    """The tolerance-loss assessment for a person leaving from this episode (or with no episode),
    from the latest screening made at one of `facility_ids` (None: any facility)."""
    from reentry.naloxone.services import facility_today
    from reentry.participants.risk import assess

    return assess(
        latest_screening(participant.id, facility_ids=facility_ids),
        (episode.release_date or episode.expected_release_date) if episode else None,
        episode.custody_start if episode else None,
        today=facility_today(episode.facility) if episode else None,
    )


def screenings_made_at(facility_ids: set[int] | None):
    """The condition "this screening was made at one of these facilities" (None: no condition).

    A screening belongs to the facility of its custody episode; one with no episode belongs to no
    facility and is seen only by those who see every facility. One Participant row can hold
    episodes at several facilities, so a record of the person is scoped to where it was made,
    not just to whether the person is visible (issue 14).
    """
    if facility_ids is None:
        return None
    return ReleaseScreening.episode_id.in_(
        select(CustodyEpisode.id).where(CustodyEpisode.facility_id.in_(facility_ids)))


def _scoped_screenings(stmt, facility_ids: set[int] | None):
    clause = screenings_made_at(facility_ids)
    return stmt if clause is None else stmt.where(clause)


def latest_screening(participant_id: int, *, facility_ids: set[int] | None) -> ReleaseScreening | None:
    """The most recent release screening of a participant made at one of `facility_ids` (None:
    at any facility), or None."""
    return db.session.scalar(
        _scoped_screenings(select(ReleaseScreening), facility_ids)
        .where(ReleaseScreening.participant_id == participant_id)
        .order_by(ReleaseScreening.screened_on.desc(), ReleaseScreening.id.desc())
        .limit(1)
    )


def visible_episodes(user, participant: Participant) -> list[CustodyEpisode]:
    """The participant's episodes in the user's facilities, newest first."""
    ids = visible_facility_ids(user)
    return [e for e in participant.episodes if ids is None or e.facility_id in ids]


def current_episode(episodes: list[CustodyEpisode]) -> CustodyEpisode | None:
    """The open episode if any, else the most recent one (episodes come newest first)."""
    for episode in episodes:
        if episode.is_open:
            return episode
    return episodes[0] if episodes else None


def view_participant(user, participant: Participant, page: str | None = None) -> None:
    """Record that the user looked at the record (HIPAA 164.312(b): views are audited too);
    `page` names the page when it is not the record itself (the edit or screening form)."""
    facility_ids = sorted({e.facility_id for e in visible_episodes(user, participant)})
    audit.record(user, "participant.view", "participants", participant.id,
                 facility_id=facility_ids[0] if facility_ids else None,
                 changes={"page": page} if page else None)


def view_participant_list(user, criteria: ParticipantFilter, page: int, participants: list[Participant]) -> None:
    """Record a page of the registry: what was searched and which records were shown, by id
    (the names are in the records the ids point to, not copied into the audit trail)."""
    audit.record(user, "participant.list.view", "participants", None, facility_id=criteria.facility_id,
                 changes={"filter": {k: v for k, v in vars(criteria).items() if v}, "page": page,
                          "participant_ids": [p.id for p in participants]})


# --- search -----------------------------------------------------------------------------------

@dataclass
class ParticipantFilter:
    query: str = ""
    facility_id: int | None = None
    housing_unit: str = ""
    release_from: date | None = None
    release_to: date | None = None
    include_voided: bool = False


def parse_query_date(text: str) -> date | None:
    """A date typed as YYYY-MM-DD or MM/DD/YYYY, else None."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_participants(user, criteria: ParticipantFilter) -> Select:
    """Participants matching a name, booking number or date of birth, and the list filters.

    Facility, housing unit and release window apply to episodes, so a person matches when one
    of their episodes in the user's facilities does.
    """
    stmt = select(Participant)
    if not criteria.include_voided:
        stmt = stmt.where(Participant.is_voided.is_(False))
    episode_conditions = []
    ids = visible_facility_ids(user)
    if ids is not None:
        episode_conditions.append(CustodyEpisode.facility_id.in_(ids))
    if criteria.facility_id:
        episode_conditions.append(CustodyEpisode.facility_id == criteria.facility_id)
    if criteria.housing_unit.strip():
        episode_conditions.append(func.lower(CustodyEpisode.housing_unit) == criteria.housing_unit.strip().lower())
    if criteria.release_from or criteria.release_to:
        episode_conditions.append(CustodyEpisode.release_date.is_(None))
        if criteria.release_from:
            episode_conditions.append(CustodyEpisode.expected_release_date >= criteria.release_from)
        if criteria.release_to:
            episode_conditions.append(CustodyEpisode.expected_release_date <= criteria.release_to)
    if episode_conditions:
        stmt = stmt.where(exists().where(CustodyEpisode.participant_id == Participant.id,
                                         CustodyEpisode.is_voided.is_(False), *episode_conditions))
    query = criteria.query.strip()
    if query:
        stmt = stmt.where(_query_condition(query, ids))
    return stmt.order_by(Participant.search_name, Participant.id)


def _query_condition(query: str, ids):
    """A date finds dates of birth; a booking number that exists finds its person (both indexed);
    anything else is a name, matched word by word anywhere in the folded name."""
    born = parse_query_date(query)
    if born is not None:
        return Participant.date_of_birth == born
    booked = select(CustodyEpisode.participant_id).where(CustodyEpisode.booking_id == query)
    if ids is not None:
        booked = booked.where(CustodyEpisode.facility_id.in_(ids))
    if db.session.scalar(select(booked.exists())):
        return Participant.id.in_(booked)
    tokens = search_key(query).split()
    return and_(*[Participant.search_name.like(f"%{_like_escape(t)}%", escape="\\") for t in tokens])


def page_of(stmt: Select, page: int, size: int) -> tuple[list, int]:
    """One page of a query and the total count."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = list(db.session.scalars(stmt.options(selectinload(Participant.episodes))
                                   .limit(size).offset((page - 1) * size)))
    return rows, total


def housing_units(user, facility_id: int | None = None) -> list[str]:
    """The housing units seen on open episodes, for the list filter and the training unit picker
    (user None: no facility scoping; the caller has checked the facility)."""
    stmt = (select(CustodyEpisode.housing_unit).distinct()
            .where(CustodyEpisode.housing_unit != "", CustodyEpisode.release_date.is_(None),
                   CustodyEpisode.is_voided.is_(False)))
    ids = visible_facility_ids(user) if user is not None else None
    if ids is not None:
        stmt = stmt.where(CustodyEpisode.facility_id.in_(ids))
    if facility_id:
        stmt = stmt.where(CustodyEpisode.facility_id == facility_id)
    return sorted(db.session.scalars(stmt))


# --- writes -----------------------------------------------------------------------------------

def _main_facility_id(participant: Participant) -> int | None:
    return participant.episodes[0].facility_id if participant.episodes else None


def create_participant(actor, facility, *, booking_id: str, custody_start: date | None = None,
                       expected_release_date: date | None = None, release_date: date | None = None,
                       housing_unit: str = "", release_type: str = "", **person) -> Participant:
    """Add a person with their first custody episode in a facility (the import does this in bulk)."""
    clean = _check_person(person, facility_today(facility))
    booking_id = check_text(booking_id, "booking_id", "Booking number", 64, required=True)
    taken = db.session.scalar(select(CustodyEpisode.id).where(CustodyEpisode.facility_id == facility.id,
                                                              CustodyEpisode.booking_id == booking_id))
    if taken is not None:
        raise DomainError(f"Booking {booking_id} already exists in {facility.code}.", field="booking_id")
    participant = Participant(**{name: clean.get(name) for name in PERSON_FIELDS if name in clean or name == "date_of_birth"},
                              search_name=search_name_for(clean["last_name"], clean["first_name"], clean["middle_name"]))
    episode = CustodyEpisode(participant=participant, facility_id=facility.id, booking_id=booking_id,
                             custody_start=custody_start, expected_release_date=expected_release_date,
                             release_date=release_date,
                             housing_unit=check_text(housing_unit, "housing_unit", "Housing unit", 64),
                             release_type=check_text(release_type, "release_type", "Release type", 64))
    db.session.add_all([participant, episode])
    db.session.flush()
    audit.record(actor, "participant.create", "participants", participant.id, facility_id=facility.id,
                 changes={**{k: [None, v] for k, v in audit.snapshot(participant, PERSON_FIELDS).items()},
                          "booking_id": [None, booking_id]})
    return participant


def update_participant(actor, participant: Participant, expected_version: int, **values) -> Participant:
    """Change a person's details; refused (Conflict) when someone saved a newer version first."""
    if participant.is_voided:
        raise DomainError("This record is voided and cannot be changed.")
    if int(expected_version) != participant.version:
        raise Conflict(STALE_MESSAGE)
    # Fields not given keep their values (a partial update never blanks the rest).
    clean = _check_person({**{name: getattr(participant, name) for name in PERSON_FIELDS}, **values},
                          screening_today(participant))
    before = audit.snapshot(participant, PERSON_FIELDS)
    for name in PERSON_FIELDS:
        setattr(participant, name, clean.get(name, getattr(participant, name)))
    participant.search_name = search_name_for(participant.last_name, participant.first_name,
                                              participant.middle_name)
    changes = audit.changes_between(before, audit.snapshot(participant, PERSON_FIELDS))
    if changes:
        try:
            db.session.flush()  # the version check runs here: a concurrent save makes this fail
        except StaleDataError:
            raise Conflict(STALE_MESSAGE) from None
        audit.record(actor, "participant.update", "participants", participant.id,
                     facility_id=_main_facility_id(participant), changes=changes)
    return participant


def void_participant(actor, participant: Participant, reason: str) -> Participant:
    """Mark a record entered in error as void (never deleted), with the reason."""
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise DomainError("Give the reason for voiding this record.", field="reason")
    if participant.is_voided:
        raise DomainError("This record is already voided.")
    participant.is_voided = True
    participant.void_reason = reason[:2000]
    participant.voided_at = utcnow()
    db.session.flush()
    audit.record(actor, "participant.void", "participants", participant.id,
                 facility_id=_main_facility_id(participant), changes={"reason": reason[:2000]})
    return participant


def screening_today(participant: Participant, episode: CustodyEpisode | None = None) -> date:
    """Today at the facility of the screening's episode (else the person's current one): the
    screening date is that facility's local date."""
    episode = episode or current_episode(participant.episodes)
    return facility_today(episode.facility) if episode is not None else utcnow().date()


def record_screening(actor, participant: Participant, answers: dict, token: str | None = None,
                     episode: CustodyEpisode | None = None) -> tuple[ReleaseScreening, bool]:
    """Save a release risk screening; returns (screening, created). A resubmitted form (same
    token) returns the screening saved the first time."""
    if token:
        existing = db.session.scalar(select(ReleaseScreening).where(ReleaseScreening.submission_token == token))
        if existing is not None:
            if existing.participant_id != participant.id:
                raise DomainError("This form was already used for another person; open it again.")
            return existing, False
    if participant.is_voided:
        raise DomainError("This record is voided; screenings cannot be added.")
    # A screening belongs to a stay, and so to a facility: without one given, the person's current stay.
    episode = episode or current_episode([e for e in participant.episodes if not e.is_voided])
    values = {name: answers.get(name) for name in SCREENING_FIELDS}
    values["wants_personal_flags_printed"] = values["wants_personal_flags_printed"] is True
    today = screening_today(participant, episode)
    if values["screened_on"] is None:
        values["screened_on"] = today
    if values["screened_on"] > today:
        raise DomainError("The screening date cannot be in the future.", field="screened_on")
    days = values["days_since_last_opioid_use"]
    if days is not None and not 0 <= days <= 36500:
        raise DomainError("Days since last opioid use must be 0 or more.", field="days_since_last_opioid_use")
    if values["housing_at_release"] in ("", None):
        values["housing_at_release"] = None
    elif values["housing_at_release"] not in HOUSING_AT_RELEASE:
        raise DomainError("Choose a housing answer from the list.", field="housing_at_release")
    values["moud_appointment_place"] = check_text(values.get("moud_appointment_place") or "",
                                                  "moud_appointment_place", "Appointment place", 200)
    values["screener_name"] = check_text(values.get("screener_name") or getattr(actor, "name", "") or "",
                                         "screener_name", "Screener", 200)
    screening = ReleaseScreening(participant_id=participant.id, screened_by_id=getattr(actor, "id", None),
                                 episode_id=episode.id if episode else None, submission_token=token or None,
                                 **values)
    db.session.add(screening)
    db.session.flush()
    audit.record(actor, "screening.create", "release_screenings", screening.id,
                 facility_id=episode.facility_id if episode else _main_facility_id(participant),
                 changes={"participant_id": participant.id,
                          **{k: v for k, v in audit.snapshot(screening, SCREENING_FIELDS).items() if v is not None}})
    return screening, True


def screening_history(participant_id: int, *, facility_ids: set[int] | None) -> list[ReleaseScreening]:
    """Every screening of a participant made at one of `facility_ids` (None: all), newest first."""
    return list(db.session.scalars(
        _scoped_screenings(select(ReleaseScreening), facility_ids)
        .where(ReleaseScreening.participant_id == participant_id)
        .order_by(ReleaseScreening.screened_on.desc(), ReleaseScreening.id.desc())))


def export_rows(user, stmt: Select):
    """CSV rows for the registry download: one per visible episode, streamed in batches."""
    for participant in db.session.scalars(stmt.options(selectinload(Participant.episodes))
                                          .execution_options(yield_per=500)):
        for episode in visible_episodes(user, participant) or [None]:
            yield [
                participant.id, participant.last_name, participant.first_name, participant.middle_name,
                participant.date_of_birth.isoformat() if participant.date_of_birth else "",
                episode.facility.code if episode else "", episode.booking_id if episode else "",
                episode.housing_unit if episode else "",
                *[(getattr(episode, name).isoformat() if episode and getattr(episode, name) else "")
                  for name in ("custody_start", "expected_release_date", "release_date")],
            ]


def recent_releases(user, since: date, until: date | None = None) -> list[CustodyEpisode]:
    """Episodes released in a window (recorded, or inferred from a roster snapshot) in the user's
    facilities, newest first: the release worklist reads this."""
    stmt = (select(CustodyEpisode).join(Participant)
            .where(CustodyEpisode.release_date >= since, CustodyEpisode.is_voided.is_(False),
                   Participant.is_voided.is_(False))
            .order_by(CustodyEpisode.release_date.desc(), CustodyEpisode.id.desc())
            .options(selectinload(CustodyEpisode.participant)))
    if until is not None:
        stmt = stmt.where(CustodyEpisode.release_date <= until)
    ids = visible_facility_ids(user)
    if ids is not None:
        stmt = stmt.where(CustodyEpisode.facility_id.in_(ids))
    return list(db.session.scalars(stmt))


# ---------------------------------------------------------------- facts other features read

def latest_screenings(participant_ids, *, facility_ids: set[int] | None) -> dict[int, ReleaseScreening]:
    """The most recent screening of each of these people made at one of `facility_ids` (None:
    anywhere), in one query (worklists of 500 rows)."""
    ids = list(set(participant_ids))
    if not ids:
        return {}
    # Screenings per person are few; picking the latest in Python keeps this one portable query.
    rows = db.session.scalars(_scoped_screenings(select(ReleaseScreening), facility_ids)
                              .where(ReleaseScreening.participant_id.in_(ids)))
    latest: dict[int, ReleaseScreening] = {}
    for row in rows:
        current = latest.get(row.participant_id)
        if current is None or (row.screened_on, row.id) > (current.screened_on, current.id):
            latest[row.participant_id] = row
    return latest


def risk_flags_by_episode(episodes) -> dict[int, list[str]]:
    """The tolerance-loss flag codes for each episode's person, as the participant page shows them,
    from screenings made at the episode's own facility."""
    from reentry.participants.risk import assess

    episodes = list(episodes)
    flags: dict[int, list[str]] = {}
    for facility_id in {e.facility_id for e in episodes}:
        here = [e for e in episodes if e.facility_id == facility_id]
        screenings = latest_screenings((e.participant_id for e in here), facility_ids={facility_id})
        flags.update({e.id: [flag.code for flag in assess(screenings.get(e.participant_id),
                                                          e.release_date or e.expected_release_date,
                                                          e.custody_start).flags]
                      for e in here})
    return flags


def opioid_history_episode_ids(facility_id: int) -> set[int]:
    """Open episodes at a facility whose person's latest screening reports opioid use before custody."""
    open_episodes = db.session.execute(
        select(CustodyEpisode.id, CustodyEpisode.participant_id)
        .where(CustodyEpisode.facility_id == facility_id, CustodyEpisode.release_date.is_(None),
               CustodyEpisode.is_voided.is_(False))).all()
    screenings = latest_screenings((pid for _, pid in open_episodes), facility_ids={facility_id})
    return {eid for eid, pid in open_episodes
            if (s := screenings.get(pid)) is not None and s.opioid_use_before_custody}
