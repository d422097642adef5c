from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reentry.database import UTCDateTime, utcnow
from reentry.extensions import db


class AuditEvent(db.Model):
    """An append-only record of who did what to which record.

    Rows are only ever inserted: the migration adds triggers that refuse UPDATE and DELETE on
    both SQLite and PostgreSQL, and no code path offers either. Each row is sealed into a hash
    chain as it is flushed (reentry/audit/chain.py), so a change made around the triggers shows.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # A copy of who acted, so the row stays readable whatever happens to the account.
    actor_label: Mapped[str] = mapped_column(String(254))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facilities.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    # JSON: {"field": [before, after], ...} for changes, or a small dict of details.
    changes: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))
    # The previous row's row_hash, and SHA-256 over that and this row's content (hex). Empty only
    # on a row written around the app, which `reentry audit verify` reports.
    prev_hash: Mapped[str] = mapped_column(String(64), server_default="")
    row_hash: Mapped[str] = mapped_column(String(64), server_default="")

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.entity_type}:{self.entity_id}>"
