"""Curriculum versions, training sessions, test answers and kiosk runs.

Plain functions: they take models and plain values, flush, write the audit row and return;
the caller (a view or a CLI command) commits once.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from reentry import audit
from reentry.auth import mfa
from reentry.auth.access import can_see_facility, scope_to_facilities
from reentry.auth.models import User
from reentry.auth.passwords import hash_password, verify_password
from reentry.auth.services import authenticate, token_hash
from reentry.database import utcnow
from reentry.errors import DomainError, NotFound, PermissionDenied
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.facilities.services import local_date
from reentry.participants.models import CustodyEpisode, Participant
from reentry.training import curriculum as curriculum_files
from reentry.training.models import (
    ANSWERS, ATTENDANCE, FORMATS, PHASES, CurriculumVersion, KioskFeedback, KioskSession,
    TrainingAnswer, TrainingAttendee, TrainingSession, completed_attendance, feedback_week,
)

DEFAULT_COMPLETION_RULE = {"full_attendance": True, "post_test": True, "teach_back": True}
SESSION_AUDIT_FIELDS = ("facility_id", "curriculum_version_id", "starts_at", "format", "language",
                        "location", "rule_full_attendance", "rule_post_test", "rule_teach_back")
ATTENDEE_AUDIT_FIELDS = ("attendance", "teach_back_signs", "teach_back_steps", "teach_back_device")
MAX_PIN_ATTEMPTS = 5
# A learner changing an answer saved as a draft (the screen locked mid-test) is not a staff correction.
LEARNER_DRAFT_REASON = "changed by the learner before finishing the test"
FEEDBACK_CHOICES = ("yes", "somewhat", "no")
KIOSK_ABSOLUTE_LIMIT = timedelta(hours=12)  # like a staff login: a forgotten kiosk does not live on
MANAGER_ROLES = ("manager", "admin")


class CurriculumInvalid(DomainError):
    """The curriculum files have problems; `problems` lists them by file and line."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(f"The curriculum has {len(problems)} problem(s); run 'reentry curriculum check'.")


# ---------------------------------------------------------------- curriculum versions

def import_curriculum(actor: User | None, path: Path | str) -> tuple[CurriculumVersion, bool]:
    """Store a checked curriculum as a version; (version, True) if new, (existing, False) if the
    same content was imported before. Changed text under an existing version number is refused."""
    cur, _scores = curriculum_files.check_curriculum(path)
    if cur.problems:
        raise CurriculumInvalid(cur.problems)
    document = curriculum_files.content_document(cur)
    digest = curriculum_files.content_hash(document)
    existing = db.session.scalar(select(CurriculumVersion).where(
        CurriculumVersion.curriculum_key == document["id"], CurriculumVersion.version == document["version"]))
    if existing is not None:
        if existing.content_hash == digest:
            return existing, False
        raise DomainError(
            f"Version {document['version']} of {document['id']} is already imported with different text. "
            "Raise the version number in curriculum.toml, then import again."
        )
    version = CurriculumVersion(
        curriculum_key=document["id"], version=document["version"], title_en=document["title"]["en"],
        title_es=document["title"]["es"], content_hash=digest,
        content=json.dumps(document, ensure_ascii=False, sort_keys=True),
        imported_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    db.session.flush()
    audit.record(actor, "curriculum.import", "curriculum_versions", version.id,
                 changes={"curriculum": document["id"], "version": document["version"], "hash": digest})
    return version, True


@lru_cache(maxsize=32)
def _parse_content(content_hash: str, content: str) -> dict:
    return json.loads(content)


def document(version: CurriculumVersion) -> dict:
    """The frozen course content of a version (parsed once per process; versions never change)."""
    return _parse_content(version.content_hash, version.content)


def curriculum_versions() -> list[CurriculumVersion]:
    return list(db.session.scalars(select(CurriculumVersion).order_by(
        CurriculumVersion.curriculum_key, CurriculumVersion.imported_at.desc(), CurriculumVersion.id.desc())))


def current_versions() -> list[CurriculumVersion]:
    """The versions staff may pick for new sessions (newest first, retired ones left out)."""
    return [v for v in curriculum_versions() if not v.is_retired]


def get_version(version_id: int) -> CurriculumVersion:
    version = db.session.get(CurriculumVersion, version_id)
    if version is None:
        raise NotFound("No such curriculum version.")
    return version


def items_by_key(version: CurriculumVersion) -> dict[str, dict]:
    return {item["id"]: item for item in document(version)["items"]}


def is_correct(item: dict, answer: str) -> bool:
    """'Don't know' scores as wrong, like a wrong answer."""
    return answer != "dont_know" and (answer == "true") == bool(item["answer"])


# ---------------------------------------------------------------- sessions

def completion_rule_from_config(config_value: str | dict | None) -> dict:
    """The rule from configuration: a dict, or the names of the parts required, comma-separated
    (REENTRY_TRAINING_COMPLETION_RULE). Unknown names are refused so a typo cannot loosen it."""
    if config_value is None:
        return dict(DEFAULT_COMPLETION_RULE)
    if isinstance(config_value, dict):
        parts = {k for k, v in config_value.items() if v}
        parts |= {k for k in DEFAULT_COMPLETION_RULE if k not in config_value and DEFAULT_COMPLETION_RULE[k]}
    else:
        parts = {p.strip() for p in config_value.split(",") if p.strip()}
    unknown = parts - set(DEFAULT_COMPLETION_RULE)
    if unknown:
        raise DomainError(f"Unknown completion rule part(s): {', '.join(sorted(unknown))}.")
    return {k: k in parts for k in DEFAULT_COMPLETION_RULE}


def get_session(actor: User, session_id: int) -> TrainingSession:
    """A session the actor may see; NotFound for another facility's (the two look the same)."""
    attendees = selectinload(TrainingSession.attendees)
    session = db.session.get(TrainingSession, session_id, options=[
        attendees.selectinload(TrainingAttendee.answers), attendees.joinedload(TrainingAttendee.participant)])
    if session is None or session.is_voided or not can_see_facility(actor, session.facility_id):
        raise NotFound("No such training session.")
    return session


def visible_sessions(actor: User, upcoming: bool | None = None):
    stmt = (select(TrainingSession).where(TrainingSession.is_voided.is_(False))
            .options(joinedload(TrainingSession.facility), selectinload(TrainingSession.attendees)))
    stmt = scope_to_facilities(stmt, TrainingSession.facility_id, actor)
    now = utcnow()
    if upcoming is True:
        stmt = stmt.where(TrainingSession.starts_at >= now).order_by(TrainingSession.starts_at)
    elif upcoming is False:
        stmt = stmt.where(TrainingSession.starts_at < now).order_by(TrainingSession.starts_at.desc())
    return stmt


def _check_trainers(trainers: list[User], facility_id: int) -> None:
    if not trainers:
        raise DomainError("Choose at least one trainer.", field="trainers")
    for trainer in trainers:
        if trainer.role not in ("staff", "manager", "admin") or not can_see_facility(trainer, facility_id):
            raise DomainError(f"{trainer.name or trainer.email} does not work at this facility.", field="trainers")


def existing_by_token(token: str | None) -> TrainingSession | None:
    if not token:
        return None
    return db.session.scalar(select(TrainingSession).where(TrainingSession.request_token == token))


def create_training_session(
    actor: User, facility: Facility, *, starts_at: datetime, format: str, language: str,
    curriculum_version: CurriculumVersion, location: str = "", trainers: list[User] = (),
    rule: dict | None = None, request_token: str | None = None,
) -> TrainingSession:
    """Schedule a session; the completion rule in force is copied onto it."""
    if not can_see_facility(actor, facility.id):
        raise NotFound("No such facility.")
    if format not in FORMATS:
        raise DomainError("Choose group, one-to-one or self-paced.", field="format")
    if language not in ("en", "es"):
        raise DomainError("Choose English or Spanish.", field="language")
    if curriculum_version.is_retired:
        raise DomainError("That curriculum version is retired; choose a current one.", field="curriculum_version")
    _check_trainers(trainers, facility.id)
    rule = rule or dict(DEFAULT_COMPLETION_RULE)
    session = TrainingSession(
        facility_id=facility.id, curriculum_version_id=curriculum_version.id, starts_at=starts_at,
        format=format, language=language, location=location.strip(), trainers=list(trainers),
        rule_full_attendance=rule["full_attendance"], rule_post_test=rule["post_test"],
        rule_teach_back=rule["teach_back"], request_token=request_token,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(session)
    db.session.flush()
    state = audit.snapshot(session, SESSION_AUDIT_FIELDS)
    state["trainer_ids"] = sorted(t.id for t in trainers)
    audit.record(actor, "training.session.create", "training_sessions", session.id,
                 facility_id=facility.id, changes={k: [None, v] for k, v in state.items()})
    return session


def update_training_session(
    actor: User, session: TrainingSession, *, starts_at: datetime, format: str, language: str,
    curriculum_version: CurriculumVersion, location: str, trainers: list[User],
) -> None:
    """Reschedule or correct a session. The curriculum version can change only before any test
    answer is recorded, so recorded answers always match the items they answered."""
    _require_open(session)
    if format not in FORMATS or language not in ("en", "es"):
        raise DomainError("Choose a format and a language from the list.", field="format")
    _check_trainers(trainers, session.facility_id)
    if curriculum_version.id != session.curriculum_version_id and any(a.answers for a in session.attendees):
        raise DomainError("Test answers are already recorded with this curriculum version; it cannot change.",
                          field="curriculum_version")
    before = audit.snapshot(session, SESSION_AUDIT_FIELDS)
    before["trainer_ids"] = sorted(t.id for t in session.trainers)
    session.starts_at, session.format, session.language = starts_at, format, language
    session.curriculum_version_id, session.location = curriculum_version.id, location.strip()
    session.trainers = list(trainers)
    after = audit.snapshot(session, SESSION_AUDIT_FIELDS)
    after["trainer_ids"] = sorted(t.id for t in trainers)
    changes = audit.changes_between(before, after)
    if changes:
        audit.record(actor, "training.session.update", "training_sessions", session.id,
                     facility_id=session.facility_id, changes=changes)


def _require_open(session: TrainingSession) -> None:
    if session.is_completed:
        raise DomainError("This session is completed. A manager must reopen it before changes.")


def search_participants(actor: User, facility: Facility, query: str, limit: int = 20):
    """People with a custody episode at this facility who match the registry's search (name,
    booking number or date of birth), each with their stay here: people still inside first."""
    from reentry.participants.services import ParticipantFilter, current_episode
    from reentry.participants.services import search_participants as registry_search

    if not can_see_facility(actor, facility.id):
        raise NotFound("No such facility.")
    if not query.strip():
        return []
    people = db.session.scalars(registry_search(actor, ParticipantFilter(query=query, facility_id=facility.id))
                                .options(selectinload(Participant.episodes)).limit(limit))
    pairs = [(person, current_episode([e for e in person.episodes
                                       if e.facility_id == facility.id and not e.is_voided]))
             for person in people]
    return sorted(pairs, key=lambda pair: pair[1].release_date is not None)


def housing_units(facility_id: int) -> list[str]:
    """Units with someone in custody now, for the 'add a unit' picker (the registry's list)."""
    from reentry.participants.services import housing_units as registry_units

    return registry_units(None, facility_id)


def _new_attendee(actor: User, session: TrainingSession, participant_id: int | None, label: str = "") -> TrainingAttendee:
    attendee = TrainingAttendee(session_id=session.id, participant_id=participant_id, walk_in_label=label)
    db.session.add(attendee)
    db.session.flush()
    db.session.expire(session, ["attendees"])  # a view-only list: reload it on next use
    audit.record(actor, "training.attendee.add", "training_attendees", attendee.id,
                 facility_id=session.facility_id,
                 changes={"session_id": session.id, "participant_id": participant_id,
                          "walk_in": participant_id is None})
    return attendee


def add_attendee(actor: User, session: TrainingSession, participant_id: int) -> TrainingAttendee:
    """Put a participant held at the session's facility on its list (once)."""
    _require_open(session)
    in_facility = db.session.scalar(
        select(func.count()).select_from(CustodyEpisode).where(
            CustodyEpisode.participant_id == participant_id, CustodyEpisode.facility_id == session.facility_id,
            CustodyEpisode.is_voided.is_(False)))
    if not in_facility:
        raise NotFound("No such participant at this facility.")
    existing = db.session.scalar(select(TrainingAttendee).where(
        TrainingAttendee.session_id == session.id, TrainingAttendee.participant_id == participant_id))
    if existing is not None and not existing.is_voided:
        raise DomainError("This person is already on the list.", field="query")
    if existing is not None:  # voided earlier by mistake: restore the same row and its answers
        existing.is_voided, existing.void_reason = False, None
        audit.record(actor, "training.attendee.restore", "training_attendees", existing.id,
                     facility_id=session.facility_id, changes={"is_voided": [True, False]})
        db.session.expire(session, ["attendees"])
        return existing
    return _new_attendee(actor, session, participant_id)


def void_attendee(actor: User, attendee: TrainingAttendee, reason: str) -> None:
    """Take someone off the list who was added in error; the row and its answers are kept."""
    _require_open(attendee.session)
    if not reason.strip():
        raise DomainError("Say why this person is taken off the list.", field="reason")
    attendee.is_voided, attendee.void_reason = True, reason.strip()[:500]
    audit.record(actor, "training.attendee.void", "training_attendees", attendee.id,
                 facility_id=attendee.session.facility_id,
                 changes={"is_voided": [False, True], "reason": attendee.void_reason})
    db.session.expire(attendee.session, ["attendees"])


def void_session(actor: User, session: TrainingSession, reason: str) -> None:
    """A session entered in error disappears from lists and reports but is kept (manager only)."""
    if actor.role not in MANAGER_ROLES:
        raise PermissionDenied("Only a manager can void a session.")
    if not reason.strip():
        raise DomainError("Say why the session is voided.", field="reason")
    session.is_voided, session.void_reason = True, reason.strip()[:500]
    audit.record(actor, "training.session.void", "training_sessions", session.id,
                 facility_id=session.facility_id, changes={"is_voided": [False, True], "reason": session.void_reason})


def add_housing_unit(actor: User, session: TrainingSession, unit: str) -> int:
    """Add everyone in custody now in this unit who is not on the list yet; returns how many."""
    _require_open(session)
    stmt = (select(CustodyEpisode.participant_id).distinct()
            .join(Participant, Participant.id == CustodyEpisode.participant_id)
            .where(CustodyEpisode.facility_id == session.facility_id, CustodyEpisode.housing_unit == unit,
                   CustodyEpisode.release_date.is_(None), CustodyEpisode.is_voided.is_(False),
                   Participant.is_voided.is_(False)))
    present = {a.participant_id for a in session.attendees}
    added = 0
    for participant_id in list(db.session.scalars(stmt)):
        if participant_id not in present:
            add_attendee(actor, session, participant_id)
            added += 1
    if not added:
        raise DomainError("Nobody new to add from that unit.", field="unit")
    return added


def add_walk_in(actor: User, session: TrainingSession, label: str) -> TrainingAttendee:
    """Someone who came without a record here: kept under a short label (initials, a number)."""
    _require_open(session)
    label = label.strip()
    if not label:
        raise DomainError("Enter a short label for the walk-in (for example initials).", field="label")
    return _new_attendee(actor, session, None, label[:200])


def get_attendee(session: TrainingSession, attendee_id: int) -> TrainingAttendee:
    attendee = db.session.get(TrainingAttendee, attendee_id)
    if attendee is None or attendee.session_id != session.id or attendee.is_voided:
        raise NotFound("No such attendee.")
    return attendee


def record_attendance(actor: User, attendee: TrainingAttendee, *, attendance: str | None,
                      teach_back_signs: bool, teach_back_steps: bool, teach_back_device: bool) -> None:
    """Attendance and the teach-back checklist for one attendee (changes audited)."""
    _require_open(attendee.session)
    if attendance not in (None, *ATTENDANCE):
        raise DomainError("Attendance must be full, partial or absent.", field="attendance")
    before = audit.snapshot(attendee, ATTENDEE_AUDIT_FIELDS)
    attendee.attendance = attendance
    attendee.teach_back_signs = teach_back_signs
    attendee.teach_back_steps = teach_back_steps
    attendee.teach_back_device = teach_back_device
    changes = audit.changes_between(before, audit.snapshot(attendee, ATTENDEE_AUDIT_FIELDS))
    if changes:
        audit.record(actor, "training.attendee.update", "training_attendees", attendee.id,
                     facility_id=attendee.session.facility_id, changes=changes)


def save_answers(actor: User | None, attendee: TrainingAttendee, phase: str, answers: dict[str, str | None],
                 items: dict[str, dict], reason: str = "") -> int:
    """Store one attendee's answers for a phase; a blank clears nothing (it means 'not entered').
    A changed answer is a correction: it needs a reason, and its audit row keeps the old value.
    Returns the number of answers added or changed."""
    if phase not in PHASES:
        raise DomainError("Phase must be pre or post.")
    current = {a.item_key: a for a in attendee.answers if a.phase == phase}
    changes, changed = {}, 0
    for key, answer in answers.items():
        if answer is None:
            continue
        if key not in items:
            raise DomainError(f"Unknown test item {key}.")
        if answer not in ANSWERS:
            raise DomainError(f"Item {key}: answer must be true, false or don't know.")
        row = current.get(key)
        if row is None:
            row = TrainingAnswer(attendee_id=attendee.id, phase=phase, item_key=key, answer=answer,
                                 is_correct=is_correct(items[key], answer))
            db.session.add(row)
            attendee.answers.append(row)
            changes[key] = [None, answer]
            changed += 1
        elif row.answer != answer:
            changes[key] = [row.answer, answer]
            row.answer, row.is_correct = answer, is_correct(items[key], answer)
            changed += 1
    if changes:
        corrected = any(before is not None for before, _after in changes.values())
        if corrected and not reason.strip():
            raise DomainError("Some recorded answers were changed: say why in 'Reason for changes'.",
                              field="reason")
        db.session.flush()
        details = {"phase": phase, "answers": changes}
        if corrected:
            details["reason"] = reason.strip()
        audit.record(actor, "training.answers.correct" if corrected else "training.answers.record",
                     "training_attendees", attendee.id, facility_id=attendee.session.facility_id,
                     changes=details)
    return changed


def record_grid(actor: User, session: TrainingSession, phase: str, grid: dict[int, dict[str, str | None]],
                reason: str = "") -> int:
    """The pre- or post-test grid for the whole session in one transaction."""
    _require_open(session)
    items = items_by_key(session.curriculum_version)
    by_id = {a.id: a for a in session.attendees}
    total = 0
    for attendee_id, answers in grid.items():
        if attendee_id not in by_id:
            raise NotFound("No such attendee.")
        total += save_answers(actor, by_id[attendee_id], phase, answers, items, reason)
    return total


def completion_rules(session: TrainingSession) -> list[tuple[str, bool]]:
    """The rule as (code, in force) pairs, for showing it on the page."""
    return [("full_attendance", session.rule_full_attendance), ("post_test", session.rule_post_test),
            ("teach_back", session.rule_teach_back)]


def unmet_requirements(session: TrainingSession, attendee: TrainingAttendee) -> list[str]:
    """Which parts of the session's completion rule this attendee has not met (empty = complete)."""
    items = {i["id"] for i in document(session.curriculum_version)["items"]}
    unmet = []
    if attendee.attendance in (None, "absent") or (session.rule_full_attendance and attendee.attendance != "full"):
        unmet.append("full_attendance" if session.rule_full_attendance else "attendance")
    if session.rule_post_test and {a.item_key for a in attendee.answers if a.phase == "post"} < items:
        unmet.append("post_test")
    if session.rule_teach_back and not attendee.teach_back_passed:
        unmet.append("teach_back")
    return unmet


def complete_session(actor: User, session: TrainingSession) -> int:
    """Close the session and mark who completed it under its rule; returns how many completed."""
    _require_open(session)
    if not session.attendees:
        raise DomainError("Add attendees before completing the session.")
    completed = 0
    for attendee in session.attendees:
        attendee.is_complete = not unmet_requirements(session, attendee)
        completed += attendee.is_complete
    session.status, session.completed_at, session.completed_by_id = "completed", utcnow(), actor.id
    audit.record(actor, "training.session.complete", "training_sessions", session.id,
                 facility_id=session.facility_id,
                 changes={"status": ["scheduled", "completed"], "completed_attendees": completed})
    db.session.flush()
    issue_certificates_for_session(actor, session)
    return completed


def reopen_session(actor: User, session: TrainingSession, reason: str) -> None:
    """Only a manager (or admin) may reopen a completed session, with a reason."""
    if actor.role not in MANAGER_ROLES:
        raise PermissionDenied("Only a manager can reopen a completed session.")
    if not session.is_completed:
        raise DomainError("This session is not completed.")
    if not reason.strip():
        raise DomainError("Say why the session is reopened.", field="reason")
    session.status, session.completed_at, session.completed_by_id = "scheduled", None, None
    for attendee in session.attendees:
        attendee.is_complete = False
    audit.record(actor, "training.session.reopen", "training_sessions", session.id,
                 facility_id=session.facility_id,
                 changes={"status": ["completed", "scheduled"], "reason": reason.strip()})


# ---------------------------------------------------------------- knowledge gain

@dataclass
class Gain:
    label: str
    pre: float | None
    post: float | None
    count: int = 0

    @property
    def gain(self) -> float | None:
        return None if self.pre is None or self.post is None else self.post - self.pre


def _percent(correct: int, total: int) -> float | None:
    return None if not total else round(100.0 * correct / total, 1)


def knowledge_gain(session: TrainingSession, language: str = "en") -> dict:
    """Percent correct before and after, per attendee, per item and per domain. Only attendees
    with both a pre- and a post-test count, so the gain compares the same people."""
    doc = document(session.curriculum_version)
    items = doc["items"]
    answered = {}
    for attendee in session.attendees:
        phases = {"pre": {}, "post": {}}
        for answer in attendee.answers:
            phases[answer.phase][answer.item_key] = answer.is_correct
        answered[attendee.id] = phases
    paired = [a for a in session.attendees if answered[a.id]["pre"] and answered[a.id]["post"]]

    def score(attendees, keys, phase):
        total = correct = 0
        for attendee in attendees:
            for key in keys:
                total += 1
                correct += bool(answered[attendee.id][phase].get(key))
        return _percent(correct, total)

    keys = [i["id"] for i in items]
    per_attendee = {a.id: Gain(str(a.id), score([a], keys, "pre"), score([a], keys, "post"), 1) for a in paired}
    per_item = [Gain(i[language]["text"], score(paired, [i["id"]], "pre"), score(paired, [i["id"]], "post"),
                     len(paired)) for i in items]
    titles = {d["id"]: d.get(language) or d["en"] for d in doc["domains"]}
    per_domain = []
    for domain, title in titles.items():
        domain_keys = [i["id"] for i in items if i["domain"] == domain]
        per_domain.append(Gain(title, score(paired, domain_keys, "pre"), score(paired, domain_keys, "post"),
                               len(paired)))
    overall = Gain("all", score(paired, keys, "pre"), score(paired, keys, "post"), len(paired))
    return {"attendees": per_attendee, "items": per_item, "domains": per_domain, "overall": overall}


# ---------------------------------------------------------------- for certificates (issue 7)

def completed_trainings(participant_id: int) -> list[dict]:
    """Every training this participant completed, newest first: the facts a certificate prints."""
    stmt = (select(TrainingAttendee, TrainingSession)
            .join(TrainingSession, TrainingSession.id == TrainingAttendee.session_id)
            .where(TrainingAttendee.participant_id == participant_id, TrainingAttendee.is_complete.is_(True),
                   TrainingAttendee.is_voided.is_(False),
                   TrainingSession.status == "completed", TrainingSession.is_voided.is_(False))
            .order_by(TrainingSession.completed_at.desc()))
    results = []
    for attendee, session in db.session.execute(stmt):
        version = session.curriculum_version
        trainer = session.trainers[0] if session.trainers else None
        results.append({
            "session_id": session.id,
            "attendee_id": attendee.id,
            "facility_id": session.facility_id,
            "completed_at": session.completed_at,
            "course_title": version.title(session.language),
            "curriculum_key": version.curriculum_key,
            "curriculum_version": version.version,
            "trainer_name": (trainer.name or trainer.email) if trainer else "",
            "trainer_names": [t.name or t.email for t in session.trainers],
            "language": session.language,
            "format": session.format,
        })
    return results


# ---------------------------------------------------------------- kiosk

def check_pin(pin: str) -> str:
    pin = (pin or "").strip()
    if not pin.isdigit() or not 4 <= len(pin) <= 8:
        raise DomainError("The exit PIN must be 4 to 8 digits.", field="pin")
    return pin


def start_kiosk(actor: User, facility: Facility, curriculum_version: CurriculumVersion, *,
                participant_id: int | None, language: str, pin: str,
                rule: dict | None = None) -> tuple[KioskSession, str]:
    """Open a self-paced session for one learner on this device; returns the kiosk and the
    device token (shown to nobody: it goes into the device's signed cookie)."""
    pin = check_pin(pin)
    session = create_training_session(
        actor, facility, starts_at=utcnow(), format="self_paced", language=language,
        curriculum_version=curriculum_version, location="kiosk", trainers=[actor], rule=rule,
    )
    if participant_id is not None:
        attendee = add_attendee(actor, session, participant_id)
    else:
        attendee = _new_attendee(actor, session, None, "anonymous learner")
    token = secrets.token_urlsafe(32)
    kiosk = KioskSession(attendee_id=attendee.id, token_hash=token_hash(token), pin_hash=hash_password(pin),
                         language=language, started_by_id=actor.id)
    db.session.add(kiosk)
    db.session.flush()
    audit.record(actor, "kiosk.start", "kiosk_sessions", kiosk.id, facility_id=facility.id,
                 changes={"session_id": session.id, "participant_id": participant_id, "language": language})
    return kiosk, token


def kiosk_by_token(token: str | None) -> KioskSession | None:
    """The live kiosk run this device's token belongs to, or None."""
    if not token:
        return None
    kiosk = db.session.scalar(select(KioskSession).where(KioskSession.token_hash == token_hash(token)))
    if kiosk is None or kiosk.ended_at is not None or utcnow() - kiosk.started_at > KIOSK_ABSOLUTE_LIMIT:
        return None
    return kiosk


def kiosk_is_idle(kiosk: KioskSession, idle: timedelta) -> bool:
    return utcnow() - kiosk.last_activity_at > idle


def touch_kiosk(kiosk: KioskSession) -> None:
    kiosk.last_activity_at = utcnow()


def lock_kiosk(kiosk: KioskSession, reason: str = "idle") -> None:
    """Lock the screen; progress is already saved at each step."""
    if kiosk.locked_at is None:
        kiosk.locked_at = utcnow()
        audit.record(None, "kiosk.lock", "kiosk_sessions", kiosk.id,
                     facility_id=kiosk.attendee.session.facility_id, changes={"reason": reason})


class KioskLoginRefused(DomainError):
    """A staff login at the kiosk failed. Wrong email, wrong password, wrong or missing two-step
    code and an account that may not unlock all get this one answer, so the kiosk tells nobody
    which part was right (issue 14)."""

    def __init__(self):
        super().__init__("The email, password or two-step code is not correct, or that account "
                         "cannot unlock this kiosk.", field="email")


def _may_unlock(user: User, kiosk: KioskSession) -> bool:
    return user.role in ("staff", "manager", "admin") and can_see_facility(user, kiosk.attendee.session.facility_id)


def kiosk_staff_login(kiosk: KioskSession, email: str, password: str, code: str) -> User:
    """The staff member who may unlock this kiosk, checked as at sign-in: password, then the
    two-step code if the account has two-step sign-in (or must have it). Signs nobody in."""
    user = authenticate(email, password)  # records a wrong password itself
    if user is None:
        raise KioskLoginRefused()
    # The account is checked before the code, so a refused account never uses up a recovery code.
    refused = None
    if not _may_unlock(user, kiosk):
        refused = "role_or_facility"
    elif not user.has_mfa and mfa.mfa_required(user):
        refused = "two_step_not_set_up"  # enrolling needs a full sign-in first
    if refused:
        audit.record(None, "kiosk.staff_refused", "kiosk_sessions", kiosk.id,
                     facility_id=kiosk.attendee.session.facility_id, changes={"user_id": user.id, "reason": refused})
        raise KioskLoginRefused()
    if user.has_mfa and not (code.strip() and mfa.verify_second_factor(user, code)):
        audit.record(None, "login.mfa_failure", "users", user.id)
        raise KioskLoginRefused()
    return user


def _verify_staff(kiosk: KioskSession, pin: str | None, user: User | None) -> User | None:
    """A right PIN, or a staff login (kiosk_staff_login) for this facility; too many wrong PINs
    disable the PIN."""
    facility_id = kiosk.attendee.session.facility_id
    if user is not None:
        if _may_unlock(user, kiosk):
            return user
        raise KioskLoginRefused()
    if kiosk.failed_pin_attempts >= MAX_PIN_ATTEMPTS:
        raise DomainError("Too many wrong PINs. A staff member must sign in to unlock.", field="pin")
    if not pin or not verify_password(kiosk.pin_hash, pin):
        kiosk.failed_pin_attempts += 1
        audit.record(None, "kiosk.pin_failure", "kiosk_sessions", kiosk.id, facility_id=facility_id)
        raise DomainError("The PIN is not correct.", field="pin")
    kiosk.failed_pin_attempts = 0
    return None


def unlock_kiosk(kiosk: KioskSession, *, pin: str | None = None, user: User | None = None) -> None:
    _verify_staff(kiosk, pin, user)
    kiosk.locked_at = None
    touch_kiosk(kiosk)
    audit.record(user, "kiosk.unlock", "kiosk_sessions", kiosk.id, facility_id=kiosk.attendee.session.facility_id)


def end_kiosk(kiosk: KioskSession, *, pin: str | None = None, user: User | None = None,
              reason: str = "staff_exit") -> None:
    """Leave kiosk mode (needs the PIN or a staff login); the record keeps what was done."""
    _verify_staff(kiosk, pin, user)
    kiosk.ended_at, kiosk.ended_reason = utcnow(), reason
    audit.record(user, "kiosk.end", "kiosk_sessions", kiosk.id, facility_id=kiosk.attendee.session.facility_id,
                 changes={"step": kiosk.step, "reason": reason})


def kiosk_steps(kiosk: KioskSession) -> list[str]:
    count = len(document(kiosk.attendee.session.curriculum_version)["modules"])
    return ["pre", *(f"module:{n}" for n in range(1, count + 1)), "post", "results", "feedback", "done"]


def advance_kiosk(kiosk: KioskSession, to_step: str) -> None:
    """Move to a step; learners may go back to modules but never skip ahead of where they are."""
    steps = kiosk_steps(kiosk)
    if to_step not in steps:
        raise NotFound("No such step.")
    target, current = steps.index(to_step), steps.index(kiosk.step)
    if target > current + 1:
        raise DomainError("Finish this part first.")
    if target > current:
        kiosk.step = to_step
        if to_step.startswith("module:"):
            kiosk.attendee.modules_viewed = max(kiosk.attendee.modules_viewed, int(to_step.split(":")[1]))
        if to_step == "post":
            kiosk.attendee.modules_viewed = len(steps) - 5
            kiosk.attendee.attendance = "full"
    touch_kiosk(kiosk)


def kiosk_answer_test(kiosk: KioskSession, phase: str, answers: dict[str, str | None]) -> None:
    """Save a kiosk pre- or post-test; every item needs an answer ("don't know" is one)."""
    items = items_by_key(kiosk.attendee.session.curriculum_version)
    missing = [k for k in items if not answers.get(k)]
    if missing:
        raise DomainError("Please answer every question. You can choose \"I don't know\".", field=missing[0])
    if kiosk.step != phase:
        raise DomainError("This test is already done.")
    save_answers(None, kiosk.attendee, phase, answers, items, reason=LEARNER_DRAFT_REASON)
    advance_kiosk(kiosk, "module:1" if phase == "pre" else "results")


def save_kiosk_draft(kiosk: KioskSession, answers: dict[str, str | None]) -> None:
    """Keep the answers given so far when the screen locks mid-test (valid ones only)."""
    if kiosk.step not in PHASES:
        return
    items = items_by_key(kiosk.attendee.session.curriculum_version)
    draft = {k: v for k, v in answers.items() if k in items and v in ANSWERS}
    save_answers(None, kiosk.attendee, kiosk.step, draft, items, reason=LEARNER_DRAFT_REASON)


def kiosk_draft(kiosk: KioskSession) -> dict[str, str]:
    """The answers saved so far for the test on screen, as form values (item-ID: answer)."""
    return {f"item-{a.item_key}": a.answer for a in kiosk.attendee.answers if a.phase == kiosk.step}


def record_feedback(kiosk: KioskSession, *, clarity: str, confidence: str, comment: str) -> None:
    """Anonymous feedback: stored with no link to the learner, the session, or the time of day."""
    session = kiosk.attendee.session
    clarity = clarity if clarity in FEEDBACK_CHOICES else ""
    confidence = confidence if confidence in FEEDBACK_CHOICES else ""
    if any([clarity, confidence, comment.strip()]):
        db.session.add(KioskFeedback(facility_id=session.facility_id, curriculum_version_id=session.curriculum_version_id,
                                     given_on=feedback_week(utcnow().date()), clarity=clarity, confidence=confidence,
                                     comment=comment.strip()[:2000]))
    advance_kiosk(kiosk, "done")


def trainer_candidates(actor: User) -> list[User]:
    """Active staff, managers and admins who share a facility with the actor (admins: everyone)."""
    stmt = select(User).where(User.is_disabled.is_(False), User.role.in_(("staff", "manager", "admin")))
    users = list(db.session.scalars(stmt.order_by(User.name, User.email)))
    ids = actor.facility_ids if not actor.sees_all_facilities else None
    return [u for u in users if ids is None or u.role == "admin" or u.facility_ids & ids]


def find_episode_by_booking(actor: User, facility: Facility, booking_id: str) -> CustodyEpisode:
    """The custody episode with this booking or DOC number at the facility (NotFound otherwise)."""
    if not can_see_facility(actor, facility.id):
        raise NotFound("No such facility.")
    episode = db.session.scalar(select(CustodyEpisode).where(
        CustodyEpisode.facility_id == facility.id, CustodyEpisode.booking_id == booking_id.strip(),
        CustodyEpisode.is_voided.is_(False)))
    if episode is None or episode.participant.is_voided:
        raise DomainError(f"No one with booking number {booking_id.strip()} at {facility.code}.", field="booking_id")
    return episode


# ---------------------------------------------------------------- facts other features read

def _completed_attendance(*columns):
    return (select(*columns).join(TrainingSession, TrainingSession.id == TrainingAttendee.session_id)
            .where(*completed_attendance()))


def participant_trained_before(participant_id: int, moment) -> bool:
    """Whether the person had completed a training by this moment (stored on each kit event)."""
    stmt = _completed_attendance(TrainingAttendee.id).where(TrainingAttendee.participant_id == participant_id,
                                                            TrainingSession.completed_at <= moment).limit(1)
    return db.session.execute(stmt).first() is not None


def first_completion_by_participant(participant_ids, *, facility_ids: set[int] | None) -> dict[int, "datetime"]:
    """When each of these people first completed a training at one of `facility_ids` (None: at
    any facility); people never trained there are absent."""
    ids = list(participant_ids)
    if not ids:
        return {}
    stmt = (_completed_attendance(TrainingAttendee.participant_id, func.min(TrainingSession.completed_at))
            .where(TrainingAttendee.participant_id.in_(ids)).group_by(TrainingAttendee.participant_id))
    if facility_ids is not None:
        stmt = stmt.where(TrainingSession.facility_id.in_(facility_ids))
    return dict(db.session.execute(stmt).all())


def issue_certificates_for_session(actor: User, session: TrainingSession) -> int:
    """A certificate for each person who completed (walk-ins without a record get none: a
    certificate needs a name). Completing a reopened session again keeps the certificates still
    earned and revokes those no longer earned. Returns how many were issued."""
    from reentry.documents.models import Certificate
    from reentry.documents.services import issue_certificate, revoke_certificate
    from reentry.participants.models import Participant

    version = session.curriculum_version
    trainer = session.trainers[0] if session.trainers else None
    attendee_ids = [a.id for a in session.attendees]
    valid = {c.training_attendance_id: c for c in db.session.scalars(
        select(Certificate).where(Certificate.training_attendance_id.in_(attendee_ids),
                                  Certificate.is_revoked.is_(False), Certificate.replaced_by_id.is_(None)))}
    issued = 0
    for attendee in session.attendees:
        earned = attendee.is_complete and not attendee.is_voided and attendee.participant_id is not None
        if attendee.id in valid:
            if not earned:
                revoke_certificate(actor, valid[attendee.id], "The training record was corrected.")
            continue
        if not earned:
            continue
        participant = db.session.get(Participant, attendee.participant_id)
        if participant is None or participant.is_voided:
            continue
        issue_certificate(actor, participant, version.title(participant.preferred_language),
                          version.version, local_date(session.facility, session.completed_at),
                          (trainer.name or trainer.email) if trainer else "reentry program",
                          participant.preferred_language, training_attendance_id=attendee.id,
                          facility_id=session.facility_id)
        issued += 1
    return issued
