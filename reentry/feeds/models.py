from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reentry.database import UTCDateTime, utcnow
from reentry.extensions import db
from reentry.facilities.models import Facility

LATE_AFTER_HOURS = 26  # a daily export, plus two hours of slack


class RosterFeed(db.Model):
    """A drop folder the JMS writes one facility's roster files into.

    The health columns (last good file, last error) are what the dashboard, the facility page and
    `reentry feeds status` show; they are written in the same transaction as each file's result.
    """

    __tablename__ = "roster_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    folder: Mapped[str] = mapped_column(Text)
    pattern: Mapped[str] = mapped_column(String(200))
    people_pattern: Mapped[str] = mapped_column(String(200), default="")
    mapping: Mapped[str] = mapped_column(String(500), default="")
    is_snapshot: Mapped[bool] = mapped_column(default=False)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    late_after_hours: Mapped[int] = mapped_column(default=LATE_AFTER_HOURS)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The file time of the last snapshot applied: an older snapshot arriving late is refused.
    last_snapshot_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_good_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_good_file: Mapped[str] = mapped_column(String(500), default="")
    last_good_rows: Mapped[int | None] = mapped_column()
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error_file: Mapped[str] = mapped_column(String(500), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    facility: Mapped[Facility] = relationship()


class FeedFile(db.Model):
    """Each file a feed has seen, known by its SHA-256: a file is never imported twice."""

    __tablename__ = "feed_files"
    # The database's own guarantee that one file is imported once, whatever runs at the same time.
    __table_args__ = (Index("ix_feed_files_imported_once", "feed_id", "sha256", unique=True,
                            sqlite_where=text("status = 'imported'"), postgresql_where=text("status = 'imported'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("roster_feeds.id"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    # imported, failed, refused (an older snapshot, or the 20 % guard), duplicate
    status: Mapped[str] = mapped_column(String(16))
    rows: Mapped[int | None] = mapped_column()
    summary: Mapped[str] = mapped_column(Text, default="")
    file_time: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
