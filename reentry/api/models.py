from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reentry.database import UTCDateTime, utcnow
from reentry.extensions import db
from reentry.facilities.models import Facility

SCOPES = ("read", "write")

api_key_facilities = Table(
    "api_key_facilities",
    db.metadata,
    Column("api_key_id", ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True),
    Column("facility_id", ForeignKey("facilities.id", ondelete="CASCADE"), primary_key=True),
)


class ApiKey(db.Model):
    """A key an admin made for one integration (the JMS feed, the health record...).

    Only the SHA-256 of the key is stored (the key is 256 random bits, so a slow password hash
    adds nothing); `prefix` lets an admin tell keys apart without seeing them. A key is never
    deleted: revoking it keeps the row, so the audit trail still names it.
    """

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint("scope IN ('read', 'write')", name="scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    scope: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254), default="")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    facilities: Mapped[list[Facility]] = relationship(
        secondary=api_key_facilities, order_by=Facility.code, lazy="selectin")

    # What the audit trail and the report services ask of whoever acts (see audit.record and
    # auth.access.visible_facility_ids): a key acts for no user and sees only its facilities.
    audit_actor_id = None
    sees_all_facilities = False
    role = "api"

    @property
    def audit_label(self) -> str:
        return f"api:{self.name}"

    @property
    def facility_ids(self) -> set[int]:
        return {facility.id for facility in self.facilities}

    @property
    def facility_codes(self) -> list[str]:
        return [facility.code for facility in self.facilities]

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def __repr__(self) -> str:
        return f"<ApiKey {self.name} {self.scope}>"
