"""Roster feeds as plain functions: add, list, disable, run every new file once, and health.

A file is known by its SHA-256. Each file is checked and imported in one transaction with the
record of its result, then moved to processed/ or failed/ with a .log beside it. A crash between
the commit and the move leaves the file where it was; the next run finds its hash already
imported and only moves it, so no file is ever imported twice or half.
"""
from __future__ import annotations

import fcntl
import hashlib
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from reentry import audit
from reentry.database import utcnow
from reentry.errors import DomainError, NotFound
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.feeds.models import LATE_AFTER_HOURS, FeedFile, RosterFeed

PROCESSED, FAILED = "processed", "failed"
# A file younger than this may still be being written by the JMS or the SFTP job; the next run
# takes it.
SETTLE_SECONDS = 10
MAX_LOG_LINES = 1000


def add_feed(actor, facility_code: str, folder: str, pattern: str, *, mapping: str = "",
             people_pattern: str = "", snapshot: bool = False,
             late_after_hours: int = LATE_AFTER_HOURS) -> RosterFeed:
    facility = db.session.scalar(select(Facility).where(Facility.code == (facility_code or "").strip().upper()))
    if facility is None:
        raise NotFound(f"Facility: no facility {facility_code}.", field="facility")
    path = Path(folder or "")
    if not folder or not path.is_absolute():
        raise DomainError("Folder: give the drop folder's full path, e.g. /srv/reentry/drop/jail.", field="folder")
    if not path.is_dir():
        raise DomainError(f"Folder: {folder} is not a folder on this server.", field="folder")
    for name, value in (("pattern", pattern), ("people_pattern", people_pattern)):
        if value and ("/" in value or value.count("*") > 1):
            raise DomainError(f"{name.replace('_', ' ').capitalize()}: a file name pattern with at most one *, "
                              "e.g. roster-*.csv.", field=name)
    if not pattern:
        raise DomainError("Pattern: give a file name pattern, e.g. roster-*.csv.", field="pattern")
    if people_pattern and "*" not in pattern:
        raise DomainError("Pattern: with a people file, both patterns need one * (the part that pairs the "
                          "two files, e.g. a date).", field="pattern")
    if not 1 <= late_after_hours <= 24 * 14:
        raise DomainError("Late after: between 1 and 336 hours.", field="late_after_hours")
    if mapping:
        from reentry.participants.roster import load_mapping

        load_mapping(facility, mapping, allow_path=True)  # refuses a mapping that does not exist
    feed = RosterFeed(facility=facility, folder=str(path), pattern=pattern, people_pattern=people_pattern,
                      mapping=mapping, is_snapshot=snapshot, late_after_hours=late_after_hours, created_at=utcnow())
    db.session.add(feed)
    db.session.flush()
    audit.record(actor, "feed.create", "roster_feeds", feed.id, facility_id=facility.id, changes={
        "folder": feed.folder, "pattern": pattern, "people_pattern": people_pattern, "mapping": mapping,
        "snapshot": snapshot, "late_after_hours": late_after_hours})
    return feed


def all_feeds(facility_ids: set[int] | None = None) -> list[RosterFeed]:
    stmt = select(RosterFeed).order_by(RosterFeed.id)
    if facility_ids is not None:
        stmt = stmt.where(RosterFeed.facility_id.in_(facility_ids))
    return list(db.session.scalars(stmt))


def disable_feed(actor, feed_id: int) -> RosterFeed:
    feed = db.session.get(RosterFeed, feed_id)
    if feed is None:
        raise NotFound(f"No feed {feed_id}.", field="feed")
    if feed.is_enabled:
        feed.is_enabled = False
        audit.record(actor, "feed.disable", "roster_feeds", feed.id, facility_id=feed.facility_id)
    return feed


# ---------------------------------------------------------------- health

@dataclass
class FeedHealth:
    state: str  # ok, late, failing, disabled, waiting (no file yet, not late)
    message: str

    @property
    def needs_attention(self) -> bool:
        return self.state in ("late", "failing")


def feed_health(feed: RosterFeed, now: datetime | None = None) -> FeedHealth:
    now = now or utcnow()
    if not feed.is_enabled:
        return FeedHealth("disabled", "disabled")
    if feed.last_error_at and (feed.last_good_at is None or feed.last_error_at > feed.last_good_at):
        return FeedHealth("failing", f"last file {feed.last_error_file} failed: {feed.last_error.splitlines()[0][:300]}")
    since = feed.last_good_at or feed.created_at
    if now - since > timedelta(hours=feed.late_after_hours):
        hours = int((now - since).total_seconds() // 3600)
        what = f"no file for {hours} hours" if feed.last_good_at else f"no file yet ({hours} hours since the feed was added)"
        return FeedHealth("late", f"late: {what}; expected within {feed.late_after_hours}")
    if feed.last_good_at is None:
        return FeedHealth("waiting", "no file yet")
    return FeedHealth("ok", f"last good file {feed.last_good_file} ({feed.last_good_rows} rows)")


# ---------------------------------------------------------------- running

def _stamp_regex(pattern: str) -> re.Pattern:
    """The pattern (literal text and at most one *) as a regex whose group is what the * matched:
    the part, usually a date, that pairs a bookings file with its people file."""
    before, star, after = pattern.partition("*")
    return re.compile("^" + re.escape(before) + ("(.*)" if star else "()") + re.escape(after) + "$")


def _file_time(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _move(path: Path, folder: str, log: str) -> Path:
    """Move a file into processed/ or failed/ (never over another), with its .log beside it."""
    target_dir = path.parent / folder
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    if target.exists() or target.with_name(target.name + ".log").exists():
        target = target_dir / f"{path.stem}.{utcnow().strftime('%Y%m%dT%H%M%S%f')}{path.suffix}"
    shutil.move(str(path), str(target))
    target.with_name(target.name + ".log").write_text(log, encoding="utf-8")
    return target


@dataclass
class FileResult:
    name: str
    status: str  # imported, failed, refused, duplicate, waiting
    message: str


def _pending(feed: RosterFeed, now: datetime, settle: float) -> list[tuple[Path, Path | None]]:
    """The feed's files ready to import, oldest first, each with its people file (if the feed has one)."""
    folder = Path(feed.folder)
    matcher = _stamp_regex(feed.pattern)
    people = _stamp_regex(feed.people_pattern) if feed.people_pattern else None
    files = [p for p in folder.iterdir() if p.is_file() and matcher.match(p.name)
             and not (people and people.match(p.name))]
    ready = []
    for path in sorted(files, key=lambda p: (p.stat().st_mtime, p.name)):
        if (now - _file_time(path)).total_seconds() < settle:
            continue
        partner = None
        if people is not None:
            stamp = matcher.match(path.name).group(1)
            partner = next((p for p in folder.iterdir() if p.is_file() and (m := people.match(p.name))
                            and m.group(1) == stamp), None)
            if partner is None:
                continue  # the people file has not arrived yet
        ready.append((path, partner))
    return ready


def run_feed(feed: RosterFeed, *, now: datetime | None = None, settle: float = SETTLE_SECONDS) -> list[FileResult]:
    """Import every new file of one feed, oldest first; a failed file never blocks the next."""
    now = now or utcnow()
    results = []
    feed_id = feed.id
    # One run per folder at a time (a cron run that overlaps the last one skips the folder).
    with open(Path(feed.folder) / ".reentry-feed.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return [FileResult("", "busy", "another run is importing this folder")]
        for path, partner in _pending(feed, now, settle):
            results.append(_run_file(feed_id, path, partner, now))
    feed = db.session.get(RosterFeed, feed_id)
    feed.last_run_at = now
    db.session.commit()
    return results


def _run_file(feed_id: int, path: Path, partner: Path | None, now: datetime) -> FileResult:
    """Check and import one file in one transaction with the record of its result, then move it."""
    from reentry.facilities.services import facility_zone
    from reentry.participants.roster import RosterError, import_roster, load_mapping, parse_roster

    feed = db.session.get(RosterFeed, feed_id)
    data = path.read_bytes()
    people = partner.read_bytes() if partner else None
    digest = _sha256(data + (b"\0" + people if people is not None else b""))
    file_time = _file_time(path)
    name = path.name
    earlier = db.session.scalar(select(FeedFile).where(FeedFile.feed_id == feed.id, FeedFile.sha256 == digest,
                                                       FeedFile.status == "imported"))
    if earlier is not None:
        message = f"duplicate of {earlier.name}, imported {earlier.processed_at:%Y-%m-%d %H:%M} UTC; not imported again"
        _record(feed, name, digest, "duplicate", None, message, file_time, now)
        db.session.commit()
        return _finish(path, partner, PROCESSED, FileResult(name, "duplicate", message))
    status, rows, message = "imported", None, ""
    try:
        if feed.is_snapshot and feed.last_snapshot_at and file_time <= feed.last_snapshot_at:
            raise _Refused(f"this snapshot ({file_time:%Y-%m-%d %H:%M:%S} UTC) is older than the one "
                           f"already applied ({feed.last_snapshot_at:%Y-%m-%d %H:%M:%S} UTC); files arrived "
                           "out of order, and an old snapshot would undo newer releases")
        mapping = load_mapping(feed.facility, feed.mapping or None, allow_path=True)
        parsed = parse_roster(data, mapping, facility_zone(feed.facility), people=people)
        summaries = []
        # A county export holds every facility its mapping names: one feed imports them all, in
        # this one transaction (the file then moves, so no other feed would see it).
        for target in _facilities_of(feed, mapping):
            part = parsed.only(target.code)
            if mapping.facility_column and not part.rows:
                continue  # a facility absent from the file is never emptied by a snapshot
            result = import_roster(None, target, part, snapshot=feed.is_snapshot, source=f"feed {feed.id}: {name}")
            if result.refusal:
                raise _Refused(f"{target.code}: {result.refusal}" if mapping.facility_column else result.refusal)
            summaries.append(f"{target.code}: {result.summary}" if mapping.facility_column else result.summary)
        rows, message = len(parsed.rows), "; ".join(summaries) or "no rows for this feed's facilities"
    except RosterError as error:
        status, message = "failed", "\n".join([error.message, *error.problems[:MAX_LOG_LINES]])
        if len(error.problems) > MAX_LOG_LINES:
            message += f"\nand {len(error.problems) - MAX_LOG_LINES} more problem(s)"
    except _Refused as error:
        status, message = "refused", str(error)
    except DomainError as error:
        status, message = ("refused" if error.field == "force" else "failed"), error.message
    except Exception as error:  # noqa: BLE001 - one bad file must never block the next one
        status, message = "failed", f"could not be imported ({type(error).__name__}: {str(error)[:300]})"
    if status != "imported":
        db.session.rollback()
        feed = db.session.get(RosterFeed, feed_id)
    _record(feed, name, digest, status, rows, message, file_time, now)
    db.session.commit()
    return _finish(path, partner, PROCESSED if status == "imported" else FAILED,
                   FileResult(name, status, message))


class _Refused(Exception):
    pass


def _facilities_of(feed: RosterFeed, mapping) -> list[Facility]:
    """The feed's facility, or every facility its several-facility mapping names."""
    if not mapping.facility_column:
        return [feed.facility]
    codes = sorted(set(mapping.facilities.values()))
    found = list(db.session.scalars(select(Facility).where(Facility.code.in_(codes)).order_by(Facility.code)))
    missing = sorted(set(codes) - {f.code for f in found})
    if missing:
        raise DomainError(f"the mapping names facilities that do not exist here: {', '.join(missing)}")
    return found


def _record(feed: RosterFeed, name, digest, status, rows, message, file_time, now) -> None:
    db.session.add(FeedFile(feed_id=feed.id, name=name[:500], sha256=digest, status=status, rows=rows,
                            summary=message[:20_000], file_time=file_time, processed_at=now))
    if status == "imported":
        feed.last_good_at, feed.last_good_file, feed.last_good_rows = now, name[:500], rows
        if feed.is_snapshot:
            feed.last_snapshot_at = file_time
    elif status in ("failed", "refused"):
        feed.last_error_at, feed.last_error_file, feed.last_error = now, name[:500], message[:20_000]
    audit.record(None, f"feed.file_{status}", "roster_feeds", feed.id, facility_id=feed.facility_id,
                 changes={"file": name[:500], "sha256": digest, "rows": rows, "summary": message[:500]})


def _finish(path: Path, partner: Path | None, folder: str, result: FileResult) -> FileResult:
    log = f"{result.status}: {result.message}\n"
    _move(path, folder, log)
    if partner is not None:
        _move(partner, folder, log)
    return result


def run_all(*, now: datetime | None = None, settle: float = SETTLE_SECONDS) -> dict[int, list[FileResult]]:
    return {feed.id: run_feed(feed, now=now, settle=settle)
            for feed in all_feeds() if feed.is_enabled}


def health_for(user, facility_id: int | None = None) -> list[tuple[RosterFeed, FeedHealth]]:
    """Feed health for the dashboard and the facility page: admins see every feed, managers
    their facilities' feeds, others none (a feed's folder and errors are operators' business)."""
    if user.role not in ("admin", "manager"):
        return []
    ids = None if user.role == "admin" else user.facility_ids
    if facility_id is not None:
        if ids is not None and facility_id not in ids:
            return []
        ids = {facility_id}
    now = utcnow()
    return [(feed, feed_health(feed, now)) for feed in all_feeds(ids)]
