from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CheckConstraint, Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint, bindparam, event,
    inspect, select, update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reentry.auth.models import User
from reentry.database import UTCDateTime, utcnow
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.participants.models import Participant

FORMATS = ("group", "one_to_one", "self_paced")
PHASES = ("pre", "post")
ANSWERS = ("true", "false", "dont_know")
ATTENDANCE = ("full", "partial", "absent")
SESSION_STATUSES = ("scheduled", "completed")


class CurriculumVersion(db.Model):
    """One imported version of a curriculum, frozen: trainings point here, so their records stay
    true after the content changes. `content` is the JSON document built by the importer."""

    __tablename__ = "curriculum_versions"
    __table_args__ = (UniqueConstraint("curriculum_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    curriculum_key: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    title_en: Mapped[str] = mapped_column(String(200))
    title_es: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    content: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_retired: Mapped[bool] = mapped_column(default=False)

    def title(self, language: str) -> str:
        return self.title_es if language == "es" else self.title_en

    def __repr__(self) -> str:
        return f"<CurriculumVersion {self.curriculum_key} {self.version}>"


training_session_trainers = Table(
    "training_session_trainers",
    db.metadata,
    Column("session_id", ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)


class TrainingSession(db.Model):
    """One delivery of the course: a group class, a one-to-one talk, or a self-paced kiosk run.

    The completion rule is copied onto the session when it is created, so changing the
    program's rule later never rewrites whether an old session's attendees completed it.
    """

    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint("format IN ('group', 'one_to_one', 'self_paced')", name="format"),
        CheckConstraint("language IN ('en', 'es')", name="language"),
        CheckConstraint("status IN ('scheduled', 'completed')", name="status"),
        Index("ix_training_sessions_facility_starts", "facility_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    curriculum_version_id: Mapped[int] = mapped_column(ForeignKey("curriculum_versions.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The facility's local calendar date of starts_at, kept by _date_the_session below: reports
    # compare it with release dates in SQL, which cannot convert time zones on SQLite.
    held_on: Mapped[date] = mapped_column(Date)
    format: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    location: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    rule_full_attendance: Mapped[bool] = mapped_column(default=True)
    rule_post_test: Mapped[bool] = mapped_column(default=True)
    rule_teach_back: Mapped[bool] = mapped_column(default=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The create form's one-time token: a double submit finds this row instead of adding another.
    request_token: Mapped[str | None] = mapped_column(String(36), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_voided: Mapped[bool] = mapped_column(default=False)
    void_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    facility: Mapped[Facility] = relationship()
    curriculum_version: Mapped[CurriculumVersion] = relationship()
    trainers: Mapped[list[User]] = relationship(secondary=training_session_trainers, order_by=User.name)
    # The people on the list now; an attendee added in error is voided (kept, with a reason).
    attendees: Mapped[list[TrainingAttendee]] = relationship(
        primaryjoin="and_(TrainingSession.id == TrainingAttendee.session_id, TrainingAttendee.is_voided == False)",  # noqa: E712
        order_by="TrainingAttendee.id", viewonly=True,
    )

    @property
    def is_completed(self) -> bool:
        return self.status == "completed"

    def __repr__(self) -> str:
        return f"<TrainingSession {self.id} facility={self.facility_id}>"


@event.listens_for(TrainingSession, "before_insert")
@event.listens_for(TrainingSession, "before_update")
def _date_the_session(mapper, connection, session: TrainingSession) -> None:
    """Set held_on from starts_at in the facility's time zone on every write, whoever writes."""
    zone = connection.scalar(select(Facility.timezone).where(Facility.id == session.facility_id))
    session.held_on = session.starts_at.astimezone(ZoneInfo(zone)).date()


@event.listens_for(Facility, "after_update")
def _redate_sessions(mapper, connection, facility: Facility) -> None:
    """A corrected time zone moves the facility's sessions to their true local days (in the
    same transaction), as trainings were dated before held_on existed."""
    if not inspect(facility).attrs.timezone.history.has_changes():
        return
    zone = ZoneInfo(facility.timezone)
    table = TrainingSession.__table__
    days = [{"_id": sid, "_day": starts_at.astimezone(zone).date()} for sid, starts_at in connection.execute(
        select(table.c.id, table.c.starts_at).where(table.c.facility_id == facility.id))]
    if days:
        connection.execute(update(table).where(table.c.id == bindparam("_id")).values(held_on=bindparam("_day")), days)


class TrainingAttendee(db.Model):
    """A person on a session's list: a known participant, or a walk-in named only by a label."""

    __tablename__ = "training_attendees"
    __table_args__ = (
        UniqueConstraint("session_id", "participant_id"),
        CheckConstraint("attendance IS NULL OR attendance IN ('full', 'partial', 'absent')",
                        name="attendance"),
        Index("ix_training_attendees_participant", "participant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    walk_in_label: Mapped[str] = mapped_column(String(200), default="")
    attendance: Mapped[str | None] = mapped_column(String(16))
    teach_back_signs: Mapped[bool] = mapped_column(default=False)
    teach_back_steps: Mapped[bool] = mapped_column(default=False)
    teach_back_device: Mapped[bool] = mapped_column(default=False)
    is_complete: Mapped[bool] = mapped_column(default=False)
    modules_viewed: Mapped[int] = mapped_column(default=0)
    is_voided: Mapped[bool] = mapped_column(default=False)
    void_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[TrainingSession] = relationship()
    participant: Mapped[Participant | None] = relationship()
    answers: Mapped[list[TrainingAnswer]] = relationship(back_populates="attendee", order_by="TrainingAnswer.id")

    @property
    def is_walk_in(self) -> bool:
        return self.participant_id is None

    @property
    def teach_back_passed(self) -> bool:
        return self.teach_back_signs and self.teach_back_steps and self.teach_back_device

    def __repr__(self) -> str:
        return f"<TrainingAttendee {self.id} session={self.session_id}>"


def completed_attendance() -> tuple:
    """The conditions that make an attendance a completed training (with the session joined on
    TrainingAttendee.session_id): the person completed it, the session is marked completed, and
    neither is voided. Every "was this person trained" question asks this."""
    return (TrainingAttendee.is_complete.is_(True), TrainingAttendee.is_voided.is_(False),
            TrainingSession.status == "completed", TrainingSession.is_voided.is_(False))


class TrainingAnswer(db.Model):
    """One answer to one test item, before or after the course. Corrections update the row and
    leave the old value in the audit trail."""

    __tablename__ = "training_answers"
    __table_args__ = (
        UniqueConstraint("attendee_id", "phase", "item_key"),
        CheckConstraint("phase IN ('pre', 'post')", name="phase"),
        CheckConstraint("answer IN ('true', 'false', 'dont_know')", name="answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("training_attendees.id"))
    phase: Mapped[str] = mapped_column(String(4))
    item_key: Mapped[str] = mapped_column(String(64))
    answer: Mapped[str] = mapped_column(String(16))
    is_correct: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    attendee: Mapped[TrainingAttendee] = relationship(back_populates="answers")

    def __repr__(self) -> str:
        return f"<TrainingAnswer {self.id} attendee={self.attendee_id} {self.phase}>"


class KioskSession(db.Model):
    """A self-paced run of the course on a shared device, for one attendee of a self-paced
    training session. The device holds a random token (its hash is here) instead of a staff
    login; the token opens only the kiosk pages. Leaving needs the exit PIN or a staff login."""

    __tablename__ = "kiosk_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("training_attendees.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(255))
    failed_pin_attempts: Mapped[int] = mapped_column(default=0)
    language: Mapped[str] = mapped_column(String(2), default="en")
    # Where the learner is: "pre", "module:N" (1-based), "post", "results", "feedback", "done".
    step: Mapped[str] = mapped_column(String(16), default="pre")
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(32))

    attendee: Mapped[TrainingAttendee] = relationship()
    started_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<KioskSession {self.id}>"


def feedback_id() -> str:
    return secrets.token_hex(16)


def feedback_week(day: date) -> date:
    """The Monday of the day's week: a jail may run one kiosk learner a day, so the day itself
    would name them (their kiosk session's end is in the audit trail)."""
    return day - timedelta(days=day.weekday())


class KioskFeedback(db.Model):
    """Anonymous feedback at the end of a kiosk course: no link to a person or a session, a
    random id (a sequence would line answers up with the kiosk sessions' end times) and only
    the week, so an answer cannot be traced back to who gave it. On SQLite the table has no
    rowid either, since that would keep the insertion order."""

    __tablename__ = "kiosk_feedback"
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=feedback_id)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    curriculum_version_id: Mapped[int] = mapped_column(ForeignKey("curriculum_versions.id"))
    given_on: Mapped[date] = mapped_column(Date)  # the Monday of the week it was given
    clarity: Mapped[str] = mapped_column(String(16), default="")
    confidence: Mapped[str] = mapped_column(String(16), default="")
    comment: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<KioskFeedback {self.id}>"
