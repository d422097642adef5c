"""Rollups: the dashboard's figures for closed months, kept so the manager's home page is fast.

A rollup row holds one facility's counts for one closed local calendar month: plain integers
that add up across facilities, so the dashboard for any set of facilities is a sum. Rollups
are a cache of the report queries, never a source: a row can always be thrown away and
rebuilt (reports.rollups explains when that happens).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from reentry.database import UTCDateTime, utcnow
from reentry.extensions import db


class MonthRollup(db.Model):
    __tablename__ = "report_month_rollups"

    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM, the facility's local month
    releases: Mapped[int] = mapped_column(default=0)
    releases_with_kit: Mapped[int] = mapped_column(default=0)
    high_need_releases: Mapped[int] = mapped_column(default=0)
    high_need_with_kit: Mapped[int] = mapped_column(default=0)
    kits: Mapped[int] = mapped_column(default=0)  # given: handed or property
    offered: Mapped[int] = mapped_column(default=0)  # given or declined
    sessions: Mapped[int] = mapped_column(default=0)
    people_trained: Mapped[int] = mapped_column(default=0)
    # Knowledge tests of the people with both tests: items asked, correct before and after.
    tested_items: Mapped[int] = mapped_column(default=0)
    pre_correct: Mapped[int] = mapped_column(default=0)
    post_correct: Mapped[int] = mapped_column(default=0)
    reversals: Mapped[int] = mapped_column(default=0)
    # The month's stale-mark generation when the count began (0: none). The row is current while
    # no mark has a higher one, and a slower count never replaces a newer one (rollups.store).
    generation: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RollupStale(db.Model):
    """A closed month whose records changed late: `generation` goes up with every such change.

    Marks are never deleted (one row per facility and month at most): a rollup counted from
    generation 3 is stale once an edit makes it 4. Nothing but late edits writes these rows, so
    a dashboard never waits on a long import's locks."""

    __tablename__ = "report_rollup_stale"

    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    generation: Mapped[int] = mapped_column(default=1)
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
