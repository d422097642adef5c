"""Historical kit distributions from a spreadsheet: `reentry import-distributions`.

Every row is checked before anything is written; any error means nothing is written, and each is
reported as `row N, column NAME: message` (row 1 is the header, as a spreadsheet shows it).
Each row gets a fingerprint (facility, its values, and which repeat of identical rows it is), stored
UNIQUE, so importing the same file again adds nothing. Historical rows never move stock: the kits
left the shelf years ago, before this system counted them.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from reentry import audit
from reentry.csvutil import Problems, capped_rows, decode_upload
from reentry.database import take_write_lock
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.naloxone.models import (
    DECLINE_REASONS, OUTCOMES, REPEAT_REASONS, RECIPIENT_TYPES, SUPPLY_TYPES, KitEvent, Lot, Product,
)
from reentry.participants.models import CustodyEpisode

COLUMNS = ("event_date", "booking_id", "product", "lot", "kits", "outcome", "decline_reason", "recipient",
           "supply", "repeat_reason")
MAX_KITS = 500
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CHUNK = 500


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    already_imported: int = 0
    errors: Problems = field(default_factory=Problems)  # the first MAX_PROBLEMS, and a count


def _fingerprint(facility: Facility, values: tuple, occurrence: int) -> str:
    text = "\x1f".join([facility.code, *values, str(occurrence)])
    return hashlib.sha256(text.encode()).hexdigest()


def _parse_date(text: str) -> date:
    if not ISO_DATE.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def import_distributions(actor, facility: Facility, raw: bytes, *, dry_run: bool = False,
                         source: str = "") -> ImportResult:
    """Check every row, then (unless dry_run or any error) add the new ones as historical events."""
    result = ImportResult()
    try:
        text = decode_upload(raw)  # bad bytes are refused with their row, never replaced
    except DomainError as error:
        result.errors.append(error.message)
        return result
    reader = capped_rows(text, result.errors)
    number, header = next(reader, (1, None))
    if result.errors:
        return result  # the header row could not be read, or is too wide
    if not header or number != 1:
        result.errors.append("row 1, column (header): the file is empty; the first row must name the columns")
        return result
    names = [h.strip().lower() for h in header]
    for column in COLUMNS:
        if column not in names:
            result.errors.append(f"row 1, column {column}: missing from the header")
    for name in names:
        if name not in COLUMNS:
            result.errors.append(f"row 1, column {name or '(empty)'}: not a known column "
                                 f"(expected {', '.join(COLUMNS)})")
    if len(set(names)) != len(names):
        result.errors.append("row 1, column (header): a column name appears twice")
    if result.errors:
        return result

    products = {p.code: p for p in db.session.scalars(select(Product))}
    episodes = {e.booking_id: e for e in db.session.scalars(
        select(CustodyEpisode).where(CustodyEpisode.facility_id == facility.id, CustodyEpisode.is_voided.is_(False)))}
    lots = {(lot.product_id, lot.lot_number): lot for lot in db.session.scalars(
        select(Lot).where(Lot.facility_id == facility.id))}
    zone = ZoneInfo(facility.timezone)
    today = datetime.now(zone).date()
    seen: dict[tuple, int] = {}
    product_codes = ", ".join(sorted(products))  # joined once: a bad file repeats these messages
    pending: list[tuple[str, dict]] = []

    for number, cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        result.rows += 1
        problems_before = len(result.errors)
        if len(cells) > len(names):
            result.errors.append(f"row {number}, column (extra): {len(cells)} cells but {len(names)} columns")
            continue
        row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(names)}

        def error(column: str, message: str) -> None:
            result.errors.append(f"row {number}, column {column}: {message}")

        event_date = None
        try:
            event_date = _parse_date(row["event_date"])
            if event_date > today:
                error("event_date", f"{row['event_date']} is in the future")
        except ValueError:
            error("event_date", f"{row['event_date']!r} is not a date as YYYY-MM-DD")
        episode = None
        if row["booking_id"]:
            episode = episodes.get(row["booking_id"])
            if episode is None:
                error("booking_id", f"no booking {row['booking_id']!r} at {facility.code}")
        product = products.get(row["product"].lower())
        if product is None:
            error("product", f"{row['product']!r} is not a catalog code "
                             f"(one of {product_codes})")
        kits = None
        try:
            kits = int(row["kits"])
            if not 1 <= kits <= MAX_KITS:
                error("kits", f"must be between 1 and {MAX_KITS}")
        except ValueError:
            error("kits", f"{row['kits']!r} is not a whole number")
        outcome = row["outcome"].lower()
        if outcome not in OUTCOMES:
            error("outcome", f"{row['outcome']!r}: use one of {', '.join(OUTCOMES)}")
        decline_reason, decline_other = None, ""
        if row["decline_reason"]:
            if outcome != "declined":
                error("decline_reason", "only for declined kits")
            elif row["decline_reason"].lower() in DECLINE_REASONS:
                decline_reason = row["decline_reason"].lower()
            else:  # the spreadsheet's own words: kept as "other" with the text
                decline_reason, decline_other = "other", row["decline_reason"][:500]
        recipient = row["recipient"].lower()
        if recipient not in RECIPIENT_TYPES:
            error("recipient", f"{row['recipient']!r}: use one of {', '.join(RECIPIENT_TYPES)}")
        supply = row["supply"].lower() or "unknown"
        if supply not in SUPPLY_TYPES:
            error("supply", f"{row['supply']!r}: use one of {', '.join(SUPPLY_TYPES)}")
        repeat_reason = row["repeat_reason"].lower() or None
        if repeat_reason is not None:
            if supply != "repeat":
                error("repeat_reason", "only for repeat kits (supply = repeat)")
            elif repeat_reason not in REPEAT_REASONS:
                error("repeat_reason", f"{row['repeat_reason']!r}: use one of {', '.join(REPEAT_REASONS)}")
        lot = None
        if row["lot"] and outcome == "declined":
            error("lot", "a declined kit has no lot")
        elif row["lot"] and product is not None:
            lot = lots.get((product.id, row["lot"]))
        if len(result.errors) > problems_before:
            continue
        values = tuple(row[c] for c in COLUMNS)
        key = tuple(v.lower() for v in values)
        seen[key] = seen.get(key, 0) + 1
        moment = datetime.combine(event_date, time(12, 0), tzinfo=zone)
        pending.append((_fingerprint(facility, key, seen[key]), dict(
            facility_id=facility.id, participant_id=episode.participant_id if episode else None,
            episode_id=episode.id if episode else None, occurred_at=moment, event_date=event_date,
            context="release" if episode else "community", outcome=outcome, decline_reason=decline_reason,
            decline_other=decline_other, product_id=product.id, lot_id=lot.id if lot else None,
            imported_lot_number="" if lot else row["lot"][:64], kits=kits, recipient_type=recipient,
            supply=supply, repeat_reason=repeat_reason, is_historical=True)))

    if result.errors:
        return result
    if not dry_run:  # checked without the lock; what is already imported is read under it
        take_write_lock(db.session)
    known: set[str] = set()
    prints = [fp for fp, _ in pending]
    for start in range(0, len(prints), CHUNK):
        known.update(db.session.scalars(select(KitEvent.import_fingerprint).where(
            KitEvent.import_fingerprint.in_(prints[start:start + CHUNK]))))
    new = [(fp, values) for fp, values in pending if fp not in known]
    result.already_imported = len(pending) - len(new)
    result.created = len(new)
    if dry_run or not new:
        return result
    events = [KitEvent(import_fingerprint=fp, staff_id=None, **values) for fp, values in new]
    db.session.add_all(events)
    db.session.flush()
    audit.record(actor, "kit_event.import", "naloxone_kit_events", None, facility_id=facility.id,
                 changes={"file": source, "created": result.created, "already_imported": result.already_imported,
                          "first_id": events[0].id, "last_id": events[-1].id})
    return result

