from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reentry.database import UTCDateTime, utcnow
from reentry.extensions import db

NAME_LENGTH = 200


class DeathRecord(db.Model):
    """One death from a medical examiner's or vital records' file, keyed by (source, case number).

    The most sensitive table in the app (docs/outcomes.md): admins and auditors see every record,
    a manager only records linked to people released from a facility they manage, staff none.
    `multiple_causes` holds the record-axis ICD-10 codes as given, normalised and space
    separated; `is_overdose` and `is_opioid` are derived from the codes (outcomes.classify) or,
    for a file without codes, from the columns a mapping names.
    """

    __tablename__ = "death_records"
    __table_args__ = (
        UniqueConstraint("source", "case_number"),
        Index("ix_death_records_date_of_birth", "date_of_birth"),
        Index("ix_death_records_date_of_death", "date_of_death"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    case_number: Mapped[str] = mapped_column(String(64))
    last_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    first_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    middle_name: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(16), default="")
    date_of_death: Mapped[date] = mapped_column(Date)
    zip: Mapped[str] = mapped_column(String(10), default="")
    underlying_cause: Mapped[str] = mapped_column(String(8), default="")  # ICD-10, e.g. X42
    multiple_causes: Mapped[str] = mapped_column(Text, default="")  # ICD-10 codes, e.g. "T40.1 T40.4"
    manner: Mapped[str] = mapped_column(String(64), default="")
    cause_text: Mapped[str] = mapped_column(Text, default="")
    is_overdose: Mapped[bool] = mapped_column(default=False)
    is_opioid: Mapped[bool] = mapped_column(default=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    links: Mapped[list[DeathLink]] = relationship(back_populates="death_record")

    def __repr__(self) -> str:
        return f"<DeathRecord {self.id}>"  # never a name: reprs end up in logs


LINK_STATUSES = ("linked", "review", "accepted", "rejected")
# A manager sees a death record through a link in one of these states.
COUNTED_STATUSES = ("linked", "accepted")


class DeathLink(db.Model):
    """A candidate pair (death record, participant's release) from `reentry link-deaths`.

    `facility_id` is the facility of the release the death follows: it decides which managers
    may see the record. A reviewed pair (accepted or rejected) is never overwritten by a run.
    """

    __tablename__ = "death_links"
    __table_args__ = (
        UniqueConstraint("death_record_id", "participant_id"),
        CheckConstraint("status IN ('linked', 'review', 'accepted', 'rejected')", name="status"),
        Index("ix_death_links_facility_status", "facility_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    death_record_id: Mapped[int] = mapped_column(ForeignKey("death_records.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"))
    match_probability: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16), default="review")
    flag: Mapped[str] = mapped_column(String(200), default="")  # why a pair needs review
    review_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    death_record: Mapped[DeathRecord] = relationship(back_populates="links")

    def __repr__(self) -> str:
        return f"<DeathLink {self.id} {self.status}>"
