"""Keeping the dashboard's closed-month rollups true.

Why rollups: the dashboard shows twelve months; eleven of them are closed and change only when
someone records something late (a kit given last month entered today, a release date
corrected, a screening added). Counting those eleven months again on every visit costs seconds
at 1,000,000 kit events; reading eleven stored rows per facility costs a millisecond.

How they stay true:
- A month is closed for a facility once its last day is over there and one more day has
  passed, so a transaction that started before midnight has long committed when the month's
  rollup is first built (`is_closed`).
- Every change to the records a month's figures are counted from marks that facility and
  month stale, in the same transaction as the change (`_collect` and `_mark` below, which
  watch every ORM flush; bulk writers that skip the ORM call `mark_stale` themselves: the
  roster import does). A mark carries a generation that every such change raises; a rollup
  records the generation it was counted from, so it is stale once a mark has a higher one.
  A stale or missing rollup is counted live by the dashboard and stored again, and `reentry
  rollups refresh` (nightly, see docs/deploy.md) does the same ahead of time. Two counts of
  one month at once (two managers, or a manager and the nightly refresh) cannot leave an old
  figure behind: a store never replaces a row counted from a higher generation.
- A facility's time zone change throws its rollups away: its months start at other instants.
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from itertools import chain

from sqlalchemy import delete, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from reentry.database import utcnow
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.naloxone.models import KitEvent, ReversalReport
from reentry.naloxone.services import facility_today, local_date
from reentry.participants.models import CustodyEpisode, ReleaseScreening
from reentry.reports import metrics
from reentry.reports.models import MonthRollup, RollupStale
from reentry.training.models import TrainingAnswer, TrainingAttendee, TrainingSession

Key = tuple[int, str]  # (facility id, "YYYY-MM")


def month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def is_closed(month: str, facility: Facility, now: datetime) -> bool:
    """May this month's figures be stored? Only from the second day after it ended, locally."""
    return month < metrics.month_of(facility_today(facility, now) - timedelta(days=1))


def _upsert(session: Session, model, keys: list[str], set_: dict, where=None):
    """INSERT ... ON CONFLICT (keys) DO UPDATE [WHERE ...], in the dialect of the session's
    database. Values (and `where`) may be functions of the statement, to name `excluded`."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(model)
    return stmt.on_conflict_do_update(index_elements=keys, set_={k: v(stmt) if callable(v) else v for k, v in set_.items()},
                                      where=where(stmt) if where else None)


# --------------------------------------------------------------------------- reading and storing

def fresh(facilities: list[Facility], months: list[str], now: datetime
          ) -> tuple[dict[Key, metrics.MonthFigures], dict[Key, int]]:
    """Stored figures that may be used, and the generation of every stale mark seen."""
    if not facilities or not months:
        return {}, {}
    by_id = {f.id: f for f in facilities}
    in_window = (MonthRollup.facility_id.in_(by_id), MonthRollup.month.in_(months))
    generations = {(fid, month): generation for fid, month, generation in db.session.execute(
        select(RollupStale.facility_id, RollupStale.month, RollupStale.generation)
        .where(RollupStale.facility_id.in_(by_id), RollupStale.month.in_(months)))}
    stored = {}
    for rollup in db.session.scalars(select(MonthRollup).where(*in_window)):
        key = (rollup.facility_id, rollup.month)
        if rollup.generation >= generations.get(key, 0) and is_closed(rollup.month, by_id[rollup.facility_id], now):
            stored[key] = metrics.MonthFigures(*(getattr(rollup, name) for name in metrics.MONTH_FIGURES))
    return stored, generations


def store(figures: dict[Key, metrics.MonthFigures], generations: dict[Key, int]) -> None:
    """Save freshly counted closed months, each with the mark generation `fresh` read before
    counting it. A row already counted from a higher generation is left alone: it is newer."""
    if not figures:
        return
    now = utcnow()
    rows = [{"facility_id": fid, "month": month, "computed_at": now, "generation": generations.get((fid, month), 0),
             **{name: getattr(f, name) for name in metrics.MONTH_FIGURES}} for (fid, month), f in figures.items()]
    replace = {c: (lambda stmt, c=c: stmt.excluded[c]) for c in (*metrics.MONTH_FIGURES, "generation", "computed_at")}
    stmt = _upsert(db.session, MonthRollup, ["facility_id", "month"], replace,
                   where=lambda stmt: MonthRollup.generation <= stmt.excluded.generation)
    db.session.execute(stmt, rows)


def mark_stale(session: Session, keys: Iterable[Key], now: datetime | None = None) -> None:
    """Mark closed months stale (in the caller's transaction). Open months need no mark: the
    dashboard counts them live."""
    now = now or utcnow()
    # No time zone is more than a day ahead of UTC, so a month from tomorrow's UTC month on is
    # open everywhere: most writes (this month's) stop here without looking anything up.
    still_open = metrics.month_of(now.date() + timedelta(days=1))
    keys = {(fid, month) for fid, month in keys if fid is not None and month and month < still_open}
    if not keys:
        return
    with session.no_autoflush:  # the facilities are nearly always loaded already: no query
        facilities = {fid: session.get(Facility, fid) for fid, _ in keys}
    # Sorted, so two transactions lock the same marks in the same order (no deadlock on PostgreSQL).
    closed = [{"facility_id": fid, "month": month, "generation": 1, "marked_at": now} for fid, month in sorted(keys)
              if facilities[fid] is not None and month < metrics.month_of(facility_today(facilities[fid], now))]
    if not closed:
        return
    again = {"generation": RollupStale.generation + 1, "marked_at": now}
    session.execute(_upsert(session, RollupStale, ["facility_id", "month"], again), closed)


def mark_release_dates(session: Session, facility_id: int, days: Iterable[date | None]) -> None:
    """For bulk writers of custody episodes: the release dates (old and new) they touched."""
    mark_stale(session, {(facility_id, metrics.month_of(day)) for day in days if day is not None})


def forget_facility(session: Session, facility_id: int) -> None:
    session.execute(delete(MonthRollup).where(MonthRollup.facility_id == facility_id))


def refresh(now: datetime | None = None) -> int:
    """Count and store every closed month of the dashboard's window that lacks a fresh rollup,
    for every facility (`reentry rollups refresh`, nightly); returns how many were stored."""
    from reentry.reports.dashboard import dashboard_figures, window
    from reentry.reports.services import _Scope

    now = now or utcnow()
    facilities = list(db.session.scalars(select(Facility).order_by(Facility.id)))
    start, today = window(now.date())
    months = metrics.months_between(start, today)[:-1]
    stored, _ = fresh(facilities, months, now)
    if facilities:
        dashboard_figures(_Scope(facilities, None), start, today, now)
    return sum(1 for f in facilities for month in months
               if (f.id, month) not in stored and is_closed(month, f, now))


# --------------------------------------------------------------------------- late edits

def _values(session: Session, obj, attribute: str) -> list:
    """The attribute's value now and, if this flush changes it, before.

    An attribute set on an expired object has no old value in its history (SQLAlchemy does not
    load it first), so the old value is read from the row, which the flush has not written yet."""
    values = {getattr(obj, attribute)}
    state = inspect(obj)
    if state.identity is not None:
        history = state.attrs[attribute].history
        if history.has_changes():
            values |= set(history.deleted)
            if not history.deleted:
                mapper = state.mapper
                values.add(session.scalar(select(mapper.c[attribute]).where(
                    *(column == value for column, value in zip(mapper.primary_key, state.identity)))))
    return [v for v in values if v is not None]


def _dated_keys(session: Session, obj, date_attribute: str) -> set[Key]:
    """Every (facility, month of the date) the row was or is in."""
    return {(fid, metrics.month_of(day)) for fid in _values(session, obj, "facility_id")
            for day in _values(session, obj, date_attribute)}


def _episode_keys(session: Session, episode_ids: Iterable[int]) -> set[Key]:
    keys = set()
    for episode_id in episode_ids:
        episode = session.get(CustodyEpisode, episode_id)
        if episode is not None:
            keys |= _dated_keys(session, episode, "release_date")
    return keys


def _training_keys(session: Session, training_session: TrainingSession | None) -> set[Key]:
    """The months of a training session: its start in its facility's time zone (held_on is set
    only later in the flush, so it is worked out here)."""
    keys = set()
    if training_session is not None:
        for fid in _values(session, training_session, "facility_id"):
            facility = session.get(Facility, fid)
            keys |= {(fid, metrics.month_of(local_date(facility, at)))
                     for at in _values(session, training_session, "starts_at")}
    return keys


def _affected(session: Session, obj) -> set[Key]:
    """The (facility, month) cells of the dashboard this changed row may move."""
    if isinstance(obj, KitEvent):  # kits and offered by event month; releases with a kit by release month
        return _dated_keys(session, obj, "event_date") | _episode_keys(session, _values(session, obj, "episode_id"))
    if isinstance(obj, CustodyEpisode):
        return _dated_keys(session, obj, "release_date")
    if isinstance(obj, ReleaseScreening):  # high need of the linked episode, or of this person's releases after it
        linked = _values(session, obj, "episode_id")
        if linked and not inspect(obj).attrs.episode_id.history.has_changes():
            return _episode_keys(session, linked)
        later = session.scalars(select(CustodyEpisode.id).where(
            CustodyEpisode.participant_id.in_(_values(session, obj, "participant_id")),
            CustodyEpisode.release_date >= min(_values(session, obj, "screened_on"))))
        return _episode_keys(session, {*linked, *later})
    if isinstance(obj, TrainingSession):
        return _training_keys(session, obj)
    if isinstance(obj, TrainingAttendee):
        return set().union(*(_training_keys(session, session.get(TrainingSession, sid))
                             for sid in _values(session, obj, "session_id")))
    if isinstance(obj, TrainingAnswer):
        attendee = session.get(TrainingAttendee, obj.attendee_id)
        return _training_keys(session, session.get(TrainingSession, attendee.session_id)) if attendee else set()
    if isinstance(obj, ReversalReport):
        return _dated_keys(session, obj, "occurred_on")
    return set()


_WATCHED = (KitEvent, CustodyEpisode, ReleaseScreening, TrainingSession, TrainingAttendee, TrainingAnswer,
            ReversalReport)


@event.listens_for(Session, "before_flush")
def _collect(session: Session, flush_context, instances) -> None:
    """Note which closed months this flush's changes touch (old and new values both)."""
    keys = session.info.setdefault("rollups_stale", set())
    forget = session.info.setdefault("rollups_forget", set())
    with session.no_autoflush:
        for obj in chain(session.new, session.dirty, session.deleted):
            if isinstance(obj, Facility) and inspect(obj).attrs.timezone.history.has_changes() and obj.id:
                forget.add(obj.id)
            elif isinstance(obj, _WATCHED) and (obj in session.new or session.is_modified(obj)
                                                or obj in session.deleted):
                keys |= _affected(session, obj)


@event.listens_for(Session, "after_flush")
def _mark(session: Session, flush_context) -> None:
    keys = session.info.pop("rollups_stale", set())
    forget = session.info.pop("rollups_forget", set())
    if keys:
        mark_stale(session, keys)
    for facility_id in forget:
        forget_facility(session, facility_id)


@event.listens_for(Session, "after_rollback")
def _drop_notes(session: Session) -> None:
    session.info.pop("rollups_stale", None)
    session.info.pop("rollups_forget", None)

