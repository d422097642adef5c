from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from reentry.database import UTCDateTime, utcnow
from reentry.extensions import db

FACILITY_TYPES = ("jail", "prison")


class Facility(db.Model):
    __tablename__ = "facilities"
    __table_args__ = (CheckConstraint("type IN ('jail', 'prison')", name="type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(2))
    county: Mapped[str] = mapped_column(String(100), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    is_active: Mapped[bool] = mapped_column(default=True)
    # An admin can require two-step sign-in of everyone who works in this facility.
    require_mfa: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Facility {self.code}>"
