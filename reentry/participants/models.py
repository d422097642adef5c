from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reentry.database import UTCDateTime, utcnow
from reentry.extensions import db
from reentry.facilities.models import Facility

NAME_LENGTH = 200


class Participant(db.Model):
    """A person the program serves, across facilities and bookings.

    Never deleted: a record entered in error is voided with a reason. `version` is an
    optimistic lock, so a stale edit form cannot overwrite someone else's change.
    """

    __tablename__ = "participants"
    __table_args__ = (
        CheckConstraint("preferred_language IN ('en', 'es')", name="preferred_language"),
        Index("ix_participants_search_name", "search_name"),
        Index("ix_participants_date_of_birth", "date_of_birth"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    last_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    first_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    middle_name: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    # Lower-case, accent-free "last first middle", kept by the services for fast search.
    search_name: Mapped[str] = mapped_column(String(3 * NAME_LENGTH + 2), default="")
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(64), default="")
    preferred_language: Mapped[str] = mapped_column(String(2), default="en")
    destination_state: Mapped[str] = mapped_column(String(2), default="")
    destination_county: Mapped[str] = mapped_column(String(100), default="")
    destination_zip: Mapped[str] = mapped_column(String(10), default="")
    is_voided: Mapped[bool] = mapped_column(default=False)
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    episodes: Mapped[list[CustodyEpisode]] = relationship(
        back_populates="participant", order_by="CustodyEpisode.custody_start.desc()"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def display_name(self) -> str:
        return ", ".join(p for p in (self.last_name, " ".join(x for x in (self.first_name, self.middle_name) if x)) if p)

    def __repr__(self) -> str:
        return f"<Participant {self.id}>"  # never a name: reprs end up in logs


class CustodyEpisode(db.Model):
    """One stay in one facility: a booking (jail) or a DOC commitment (prison).

    Most people in a jail are pretrial, so the expected release date is often unknown; the
    actual `release_date` is set when staff record it or a roster snapshot shows the person gone
    (`release_inferred`).
    """

    __tablename__ = "custody_episodes"
    __table_args__ = (
        UniqueConstraint("facility_id", "booking_id"),
        # Covering for the coverage report's releases of a period (reports.services.coverage_groups).
        Index("ix_custody_episodes_facility_release", "facility_id", "release_date", "is_voided", "participant_id",
              "custody_start", "id"),
        Index("ix_custody_episodes_facility_expected", "facility_id", "expected_release_date"),
        Index("ix_custody_episodes_facility_housing", "facility_id", "housing_unit"),
        Index("ix_custody_episodes_booking_id", "booking_id"),  # search by booking number, any facility
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    booking_id: Mapped[str] = mapped_column(String(64))
    custody_start: Mapped[date | None] = mapped_column(Date)
    expected_release_date: Mapped[date | None] = mapped_column(Date)
    release_date: Mapped[date | None] = mapped_column(Date)
    release_inferred: Mapped[bool] = mapped_column(default=False)
    housing_unit: Mapped[str] = mapped_column(String(64), default="")
    release_type: Mapped[str] = mapped_column(String(64), default="")
    # The person's id in the jail system when the roster gives one (joins a later booking to them).
    person_ref: Mapped[str] = mapped_column(String(64), default="", server_default="")
    is_voided: Mapped[bool] = mapped_column(default=False)
    void_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    participant: Mapped[Participant] = relationship(back_populates="episodes")
    facility: Mapped[Facility] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.release_date is None and not self.is_voided

    def __repr__(self) -> str:
        return f"<CustodyEpisode {self.id} facility={self.facility_id}>"


HOUSING_AT_RELEASE = ("stable", "unstable", "shelter", "none")


class ReleaseScreening(db.Model):
    """The release risk screening a nurse or counselor fills in before release.

    Every answer is optional and None means "unknown": a form that cannot be completed still
    records what is known. Screenings are never edited: a new one supersedes the last, so the
    history shows what was known when. `submission_token` makes a double submit harmless.
    """

    __tablename__ = "release_screenings"
    __table_args__ = (
        CheckConstraint(
            "housing_at_release IS NULL OR housing_at_release IN ('stable', 'unstable', 'shelter', 'none')",
            name="housing_at_release",
        ),
        CheckConstraint("days_since_last_opioid_use IS NULL OR days_since_last_opioid_use >= 0",
                        name="days_since_last_opioid_use"),
        # The latest screening of an episode (or a person's latest unlinked one) and the answers the
        # coverage and outcomes reports group by, from the index alone (migration 0027).
        Index("ix_release_screenings_participant_screened", "participant_id", "screened_on", "episode_id", "id",
              "opioid_use_before_custody", "on_methadone", "on_buprenorphine", "on_naltrexone_xr"),
        Index("ix_release_screenings_episode_latest", "episode_id", "screened_on", "id", "opioid_use_before_custody",
              "on_methadone", "on_buprenorphine", "on_naltrexone_xr"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("custody_episodes.id"))
    screened_on: Mapped[date] = mapped_column(Date)
    screened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    screener_name: Mapped[str] = mapped_column(String(200), default="")
    opioid_use_before_custody: Mapped[bool | None] = mapped_column()
    days_since_last_opioid_use: Mapped[int | None] = mapped_column()
    last_opioid_use_date: Mapped[date | None] = mapped_column(Date)
    on_methadone: Mapped[bool | None] = mapped_column()
    on_buprenorphine: Mapped[bool | None] = mapped_column()
    on_naltrexone_xr: Mapped[bool | None] = mapped_column()
    last_naltrexone_injection: Mapped[date | None] = mapped_column(Date)
    community_moud_appointment: Mapped[bool | None] = mapped_column()
    moud_appointment_date: Mapped[date | None] = mapped_column(Date)
    moud_appointment_place: Mapped[str] = mapped_column(String(200), default="")
    overdose_ever: Mapped[bool | None] = mapped_column()
    overdose_last_12_months: Mapped[bool | None] = mapped_column()
    injects: Mapped[bool | None] = mapped_column()
    uses_sedatives: Mapped[bool | None] = mapped_column()
    xylazine_in_supply: Mapped[bool | None] = mapped_column()
    fentanyl_in_supply: Mapped[bool | None] = mapped_column()
    uses_alone: Mapped[bool | None] = mapped_column()
    housing_at_release: Mapped[str | None] = mapped_column(String(16))
    wants_naloxone: Mapped[bool | None] = mapped_column()
    wants_treatment_referral: Mapped[bool | None] = mapped_column()
    # The person chose to have the flags about them (their use, overdoses, treatment) printed on
    # a sheet of their own; off unless they say yes, since the packet is read in property searches.
    wants_personal_flags_printed: Mapped[bool] = mapped_column(default=False, server_default=false())
    submission_token: Mapped[str | None] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ReleaseScreening {self.id} participant={self.participant_id}>"


class RosterMapping(db.Model):
    """How one facility's roster export maps onto our fields (TOML text, edited by admins)."""

    __tablename__ = "roster_mappings"
    __table_args__ = (UniqueConstraint("facility_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    name: Mapped[str] = mapped_column(String(64))
    definition: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    facility: Mapped[Facility] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<RosterMapping {self.id} facility={self.facility_id}>"
