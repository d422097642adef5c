from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from reentry.database import UTCDateTime, utcnow
from reentry.documents.seed import TEST_STRIP_STATUSES
from reentry.extensions import db

RESOURCE_TYPES = ("treatment", "moud", "syringe_services", "naloxone", "housing", "crisis", "legal",
                  "recovery_community", "drug_court")
TRI_STATE = ("yes", "no", "unknown")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Certificate(db.Model):
    """A certificate of completion as issued: the PDF bytes are kept and never rebuilt, so a
    reprint is the same document the person first got (its SHA-256 proves it).

    Status is derived: replaced (a newer certificate took its place), revoked, or valid.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        CheckConstraint("language IN ('en', 'es')", name="language"),
        Index("ix_certificates_participant", "participant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    # The training record it certifies; a foreign key is added once trainings are merged.
    training_attendance_id: Mapped[int | None] = mapped_column(ForeignKey("training_attendees.id"), index=True)
    course_title: Mapped[str] = mapped_column(String(200))
    course_version: Mapped[str] = mapped_column(String(40))
    completed_on: Mapped[date] = mapped_column(Date)
    trainer_name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    facility_name: Mapped[str | None] = mapped_column(String(200))  # printed only when chosen
    holder_initials: Mapped[str] = mapped_column(String(16))
    pdf_bytes: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_revoked: Mapped[bool] = mapped_column(default=False)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def status(self) -> str:
        if self.replaced_by_id is not None:
            return "replaced"
        if self.is_revoked:
            return "revoked"
        return "valid"

    def __repr__(self) -> str:
        return f"<Certificate {self.id} {self.status}>"


class Resource(db.Model):
    """A place in the community a person can go after release (printed in the packet)."""

    __tablename__ = "resources"
    __table_args__ = (
        CheckConstraint(_in("type", RESOURCE_TYPES), name="type"),
        CheckConstraint(_in("accepts_records", TRI_STATE), name="accepts_records"),
        Index("ix_resources_state_county", "state", "county"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(2))
    county: Mapped[str] = mapped_column(String(100))
    zip: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    hours: Mapped[str] = mapped_column(String(200), default="")
    # The hours as a Spanish packet prints them ("lun. a vie., 6 a. m. a 2 p. m."); empty: that
    # packet says to call for the hours rather than print English.
    hours_es: Mapped[str] = mapped_column(String(200), default="", server_default="")
    languages: Mapped[str] = mapped_column(String(200), default="")
    accepts_records: Mapped[str] = mapped_column(String(8), default="unknown")
    last_verified_on: Mapped[date | None] = mapped_column(Date)
    last_verified_by: Mapped[str] = mapped_column(String(200), default="")
    is_voided: Mapped[bool] = mapped_column(default=False)
    void_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Resource {self.id} {self.type}>"


class Hotline(db.Model):
    """A phone number printed on release materials. Unverified numbers never print."""

    __tablename__ = "hotlines"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_es: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(40))
    description_en: Mapped[str] = mapped_column(String(300), default="")
    description_es: Mapped[str] = mapped_column(String(300), default="")
    is_verified: Mapped[bool] = mapped_column(default=False)
    last_verified_on: Mapped[date | None] = mapped_column(Date)
    last_verified_by: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Hotline {self.key}>"


class GoodSamaritanLaw(db.Model):
    """One state's 911 Good Samaritan overdose law, as coded by a named source on a date.

    Fields are 'yes', 'no' or 'unknown'; unknown is never printed as a protection, and a row
    that is not verified prints no protection at all.
    """

    __tablename__ = "good_samaritan_laws"
    __table_args__ = (
        *(CheckConstraint(_in(column, TRI_STATE), name=column)
          for column in ("has_gsl", "protects_arrest", "protects_charge", "protects_prosecution",
                         "covers_possession", "covers_paraphernalia", "protects_probation_parole")),
        CheckConstraint(_in("test_strip_status", TEST_STRIP_STATUSES), name="test_strip_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    state_code: Mapped[str] = mapped_column(String(2), unique=True)
    state_name: Mapped[str] = mapped_column(String(60))
    has_gsl: Mapped[str] = mapped_column(String(8), default="unknown")
    effective_date: Mapped[str] = mapped_column(String(10), default="")  # "2016-09-13" or "2024"
    protects_arrest: Mapped[str] = mapped_column(String(8), default="unknown")
    protects_charge: Mapped[str] = mapped_column(String(8), default="unknown")
    protects_prosecution: Mapped[str] = mapped_column(String(8), default="unknown")
    covers_possession: Mapped[str] = mapped_column(String(8), default="unknown")
    covers_paraphernalia: Mapped[str] = mapped_column(String(8), default="unknown")
    protects_probation_parole: Mapped[str] = mapped_column(String(8), default="unknown")
    # What the protection asks of the caller and who it leaves out, as codes from LAW_CONDITIONS and
    # LAW_EXCLUSIONS ("treatment_within_days:30 limited_uses:2"), each printed in plain words.
    conditions: Mapped[str] = mapped_column(Text, default="", server_default="")
    exclusions: Mapped[str] = mapped_column(Text, default="", server_default="")
    statute: Mapped[str] = mapped_column(String(200), default="", server_default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    as_of: Mapped[date] = mapped_column(Date)
    is_verified: Mapped[bool] = mapped_column(default=False)
    # Fentanyl test strips under the state's paraphernalia law (issue 13), a fact of its own with
    # its own source and date: a state can have it checked while its overdose law is not.
    test_strip_status: Mapped[str] = mapped_column(String(12), default="unknown", server_default="unknown")
    test_strip_source: Mapped[str] = mapped_column(Text, default="", server_default="")
    test_strip_as_of: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<GoodSamaritanLaw {self.state_code}>"


class PacketPrint(db.Model):
    """One release packet printed for one person, so the worklist can show who still needs one."""

    __tablename__ = "packet_prints"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("custody_episodes.id"), index=True)
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    language: Mapped[str] = mapped_column(String(2))
    is_large_print: Mapped[bool] = mapped_column(default=False)
    # Whether this print carried the sheet of personal flags (the person's choice at print time).
    has_personal_flags: Mapped[bool] = mapped_column(default=False, server_default=false())

    def __repr__(self) -> str:
        return f"<PacketPrint {self.id} participant={self.participant_id}>"


class ContentApproval(db.Model):
    """A medical director's sign-off of one content version (governance.current_content): the
    course and the packet's texts, product steps, protocol, hotlines and law rows, as hashed.

    Rows are never changed or deleted; the newest row for a version is the one packets cite.
    `manifest` keeps the hash of each part, so the next review can be told what changed.
    """

    __tablename__ = "content_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), index=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the demo loader
    signed_name: Mapped[str] = mapped_column(String(200))  # the name the reviewer typed
    title: Mapped[str] = mapped_column(String(120))  # "Medical Director", printed on English packets
    title_es: Mapped[str] = mapped_column(String(120))  # "Directora médica", on Spanish packets
    manifest: Mapped[str] = mapped_column(Text, default="{}")  # JSON {part: sha256}
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ContentApproval {self.version} {self.title}>"
