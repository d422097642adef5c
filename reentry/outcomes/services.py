"""Death records: import a medical examiner's or vital records' file, and who may see them.

The import follows the roster's rules (reentry/tabular.py): a TOML mapping (header or named
columns, date formats, [values.FIELD]), every cell checked before anything is written, every
problem as "row N, column NAME: message", upsert by (source, case number), one audit row per
changed record plus one for the import; the caller commits once.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, exists, insert, select, update

from reentry import audit
from reentry.csvutil import Problems, decode_upload
from reentry.database import utcnow
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.outcomes import classify
from reentry.outcomes.models import COUNTED_STATUSES, DeathLink, DeathRecord
from reentry.participants.services import ZIP_CODE
from reentry.tabular import (DEFAULT_DATE_FORMATS, FileLayout, FileProblems, check_required_and_unique, check_text,
                             date_formats_of, make_date_parser, parse_layout, read_rows, read_table)

REQUIRED_FIELDS = ("case_number", "last_name", "first_name", "date_of_birth", "sex", "date_of_death")
# A file needs codes or words for the cause: at least one of these columns.
CAUSE_FIELDS = ("underlying_cause", "multiple_causes", "manner", "cause_text", "overdose", "opioid")
OPTIONAL_FIELDS = ("middle_name", "zip") + CAUSE_FIELDS
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
DATE_FIELDS = ("date_of_birth", "date_of_death")
FLAG_FIELDS = ("overdose", "opioid")
MAX_LENGTH = {"case_number": 64, "last_name": 200, "first_name": 200, "middle_name": 200, "sex": 16,
              "zip": 10, "manner": 64, "cause_text": 2000, "multiple_causes": 400}
SEXES = {"m": "M", "male": "M", "f": "F", "female": "F", "u": "U", "unknown": "U", "x": "X"}
STORED = ("last_name", "first_name", "middle_name", "date_of_birth", "sex", "date_of_death", "zip",
          "underlying_cause", "multiple_causes", "manner", "cause_text", "is_overdose", "is_opioid")
DEFAULT_SOURCE = "deaths"
MAPPINGS_DIR = Path(__file__).resolve().parent.parent.parent / "docs" / "mappings" / "deaths"
_CHUNK = 500


class DeathFileError(FileProblems):
    """The death file cannot be imported; `problems` lists every row and column at fault."""


# --- mappings ---------------------------------------------------------------------------------

@dataclass
class DeathMapping:
    name: str = "default"
    layout: FileLayout = field(default_factory=lambda: FileLayout(columns={f: f for f in FIELDS}))
    source: str = ""  # the default --source for files read with this mapping
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    datetime_formats: tuple[str, ...] = ()
    values: dict[str, dict[str, str]] = field(default_factory=dict)


def parse_death_mapping(text: str, name: str = "mapping") -> DeathMapping:
    """A DeathMapping from its TOML text; DomainError saying what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DomainError(f"mapping: not valid TOML ({error}).") from None
    try:
        mapping = DeathMapping(name=str(data.get("name", name)), layout=parse_layout(data, "", FIELDS),
                               source=str(data.get("source", "")).strip())
        mapping.date_formats, mapping.datetime_formats = date_formats_of(data)
        values = data.get("values", {})
        if not isinstance(values, dict) or any(not isinstance(v, dict) for v in values.values()):
            raise DomainError("mapping: [values.FIELD] tables map source values to ours.")
        mapping.values = {f: {str(k).strip().casefold(): str(v) for k, v in table.items()}
                          for f, table in values.items()}
    except (TypeError, AttributeError, ValueError) as error:
        raise DomainError(f"mapping: {error}") from None
    return mapping


def bundled_death_mapping_names() -> list[str]:
    """The example death-file mappings shipped in docs/mappings/deaths."""
    return sorted(path.stem for path in MAPPINGS_DIR.glob("*.toml")) if MAPPINGS_DIR.is_dir() else []


def load_death_mapping(name: str | None) -> DeathMapping:
    """The standard columns, a bundled mapping (docs/mappings/deaths/NAME.toml) or a TOML file."""
    if not name:
        return DeathMapping()
    if name in bundled_death_mapping_names():
        return parse_death_mapping((MAPPINGS_DIR / f"{name}.toml").read_text(encoding="utf-8"), name)
    path = Path(name)
    if path.suffix == ".toml" and path.is_file():
        return parse_death_mapping(path.read_text(encoding="utf-8"), path.stem)
    raise DomainError(f"No death-file mapping named {name!r} (and no such TOML file).")


# --- reading and checking ---------------------------------------------------------------------

@dataclass
class ParsedDeaths:
    rows: list[dict]  # DeathRecord column -> value, plus "_row"
    present: set[str]
    ignored_columns: list[str]


def _check_cell(name: str, text: str, parse_date, mapping: DeathMapping):
    value_map = mapping.values.get(name)
    if value_map:
        text = value_map.get(text.casefold(), text)
    check_text(text, MAX_LENGTH.get(name))
    if name in DATE_FIELDS:
        return parse_date(text) if text else None
    if name in FLAG_FIELDS:
        return classify.yes_no(text)
    if not text:
        return ""
    if name == "underlying_cause":
        return classify.normalise_code(text)
    if name == "multiple_causes":
        return classify.parse_codes(text)
    if name == "sex":
        sex = SEXES.get(text.casefold())
        if sex is None:
            raise ValueError(f"{text[:20]!r} is not a sex we read (M, F, U or X; [values.sex] maps others)")
        return sex
    if name == "zip" and not ZIP_CODE.fullmatch(text):
        raise ValueError("use 5 digits (or ZIP+4)")
    return text


def parse_deaths(data: bytes, mapping: DeathMapping, zone: ZoneInfo, today: date | None = None) -> ParsedDeaths:
    """Check a death file completely; DeathFileError lists every problem, else the rows ready to
    store (codes normalised, each death classified)."""
    problems = Problems()
    parse_date = make_date_parser(mapping.date_formats, mapping.datetime_formats, zone)
    layout = mapping.layout
    table = read_table(decode_upload(data), layout, "", problems)
    present = {f for f, col in layout.columns.items() if col in table.columns}
    if table.columns or not layout.header:
        for name in REQUIRED_FIELDS:
            if name not in present:
                problems.append(f"row 1, column {layout.columns.get(name, name)}: this required column is missing.")
        if not present & set(CAUSE_FIELDS):
            problems.append("row 1: the file needs the cause of death: ICD-10 codes (underlying_cause, "
                            "multiple_causes), a manner or cause text, or overdose/opioid yes/no columns.")
    raw = read_rows(table, layout, lambda name, text: _check_cell(name, text, parse_date, mapping), problems)
    today = today or datetime.now(zone).date()
    check_required_and_unique(raw, REQUIRED_FIELDS, "case_number", "case",
                              lambda name: layout.columns.get(name, name), problems)
    rows = []
    for row in raw:
        number, case = row["_row"], row.get("case_number")
        born, died = row.get("date_of_birth"), row.get("date_of_death")
        if died and died > today:
            problems.append(f"row {number}, column {layout.columns['date_of_death']}: the date of death is in the future.")
        if born and died and born > died:
            problems.append(f"row {number}, column {layout.columns['date_of_birth']}: "
                            "the date of birth is after the date of death.")
        multiple = row.get("multiple_causes") or []
        underlying = row.get("underlying_cause") or ""
        overdose, opioid = classify.classify(underlying, multiple, row.get("overdose"), row.get("opioid"))
        rows.append({"_row": number, "case_number": case or "",
                     **{name: row.get(name) or ("" if name not in DATE_FIELDS else None)
                        for name in STORED[:-2] if name != "multiple_causes"},
                     "multiple_causes": " ".join(multiple), "is_overdose": overdose, "is_opioid": opioid})
    if problems:
        raise DeathFileError(problems)
    return ParsedDeaths(rows=rows, present=present, ignored_columns=list(table.ignored))


# --- writing ----------------------------------------------------------------------------------

@dataclass
class DeathImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def summary(self) -> str:
        return f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"


def _stored_fields(present: set[str]) -> tuple[str, ...]:
    """The columns a file sets: an absent column never blanks what an earlier file stored; the
    classification is always recomputed from what the row gives."""
    return tuple(c for c in STORED if c in present or c in ("is_overdose", "is_opioid"))


def import_deaths(actor, parsed: ParsedDeaths, source: str, *, dry_run: bool = False,
                  file_name: str = "") -> DeathImportResult:
    """Create or update the source's death records from checked rows (upsert by case number).

    An unchanged row writes nothing; each created or changed record gets an audit row naming
    the fields that changed (never their values: the audit log is read more widely than this
    table), and the import one row with the counts.
    """
    source = (source or DEFAULT_SOURCE).strip()
    if not source or len(source) > 100:
        raise DomainError("--source: 1 to 100 characters naming where the file came from.")
    result = DeathImportResult(ignored_columns=parsed.ignored_columns, dry_run=dry_run)
    t = DeathRecord.__table__
    cases = [row["case_number"] for row in parsed.rows]
    existing: dict[str, dict] = {}
    for start in range(0, len(cases), _CHUNK):
        stmt = select(t.c.id, t.c.case_number, *[t.c[c] for c in STORED]).where(
            t.c.source == source, t.c.case_number.in_(cases[start:start + _CHUNK]))
        existing.update({r.case_number: r._asdict() for r in db.session.execute(stmt)})
    columns = _stored_fields(parsed.present)
    new_rows, updates = [], []
    for row in parsed.rows:
        old = existing.get(row["case_number"])
        if old is None:
            new_rows.append(row)
            continue
        changed = sorted(c for c in columns if old[c] != row[c])
        if changed:
            updates.append((old, row, changed))
        else:
            result.unchanged += 1
    result.created, result.updated = len(new_rows), len(updates)
    if dry_run:
        return result
    now = utcnow()
    created_ids: list[int] = []
    if new_rows:
        values = [{"source": source, "case_number": row["case_number"], **{c: row[c] for c in STORED},
                   "imported_at": now, "updated_at": now} for row in new_rows]
        inserted = db.session.execute(insert(t).returning(t.c.id, sort_by_parameter_order=True), values)
        created_ids = [r[0] for r in inserted]
    if updates:
        db.session.execute(
            update(t).where(t.c.id == bindparam("_id")).values(
                {**{c: bindparam(f"v_{c}") for c in columns}, "updated_at": now}),
            [{"_id": old["id"], **{f"v_{c}": row[c] for c in columns}} for old, row, _ in updates])
    for record_id in created_ids:
        audit.record(actor, "death_record.create", "death_records", record_id, changes={"source": source[:100]})
    for old, _, changed in updates:
        audit.record(actor, "death_record.update", "death_records", old["id"], changes={"fields": changed})
    audit.record(actor, "death_records.import", "death_records", None, changes={
        "source": source[:100], "file": file_name[:200], "summary": result.summary})
    db.session.flush()
    db.session.expire_all()
    return result


# --- who sees what ----------------------------------------------------------------------------

# Who may open death-record pages at all; staff never (issue 15: the most sensitive table).
DEATH_RECORD_ROLES = ("admin", "auditor", "manager")


def may_see_death_records(user) -> bool:
    """Admins, auditors and managers may open death-record pages at all; staff never."""
    return user is not None and user.role in DEATH_RECORD_ROLES


def visible_death_records(user) -> Select:
    """The death records this user may see: every one for admins and auditors; for a manager
    only those linked (or accepted on review) to a release from a facility they manage; for
    anyone else none. Facility scoping is in the query, never in a template."""
    stmt = select(DeathRecord).order_by(DeathRecord.date_of_death.desc(), DeathRecord.id)
    if user is None or not may_see_death_records(user):
        return stmt.where(False)
    if user.role in ("admin", "auditor"):
        return stmt
    link = DeathLink.__table__.c
    return stmt.where(exists().where(link.death_record_id == DeathRecord.id,
                                     link.status.in_(COUNTED_STATUSES),
                                     link.facility_id.in_(user.facility_ids or {-1})))


def view_death_record(user, record_id: int) -> DeathRecord:
    """One death record for a user who may see it, with the view audited (DomainError, never
    a hint that the record exists, otherwise)."""
    record = db.session.scalar(visible_death_records(user).where(DeathRecord.id == record_id))
    if record is None:
        audit.record(user, "access.denied", "death_records", record_id)
        raise DomainError("No such death record.")
    audit.record(user, "death_record.view", "death_records", record.id)
    return record


def list_death_records(user, limit: int = 100) -> list[DeathRecord]:
    """The death records a user may see (newest death first), the listing audited."""
    records = list(db.session.scalars(visible_death_records(user).limit(limit)))
    audit.record(user, "death_records.list", "death_records", None,
                 changes={"ids": [r.id for r in records]})
    return records


# --- the review queue -------------------------------------------------------------------------

REVIEW_ROLES = ("admin", "manager")
COMPARED = (("last_name", "last_name"), ("first_name", "first_name"), ("date_of_birth", "date_of_birth"),
            ("sex", "gender"), ("zip", "destination_zip"))


@dataclass
class ReviewItem:
    link: DeathLink
    death: DeathRecord
    person: object  # the Participant
    fields: list[tuple[str, object, object, bool]]  # (field, death value, person value, agree)


def _reviewable(user) -> Select:
    stmt = select(DeathLink).where(DeathLink.status == "review").order_by(DeathLink.match_probability.desc(),
                                                                        DeathLink.id)
    if user is None or user.role not in REVIEW_ROLES:
        return stmt.where(False)
    if user.role == "manager":
        stmt = stmt.where(DeathLink.facility_id.in_(user.facility_ids or {-1}))
    return stmt


def _agree(field: str, death_value, person_value) -> bool:
    from reentry.outcomes.linkage import _name

    if field in ("last_name", "first_name"):
        return _name(death_value or "") == _name(person_value or "")
    if field == "sex":
        return (death_value or "")[:1].upper() == (person_value or "")[:1].upper()
    if field == "zip":
        return (death_value or "")[:5] == (person_value or "")[:5]
    return death_value == person_value


def review_queue(user, limit: int = 50) -> list[ReviewItem]:
    """The pairs waiting for review that this user may decide (a manager: their facilities'),
    each with the fields side by side; the view is audited."""
    from reentry.participants.models import Participant

    items = []
    for link in db.session.scalars(_reviewable(user).limit(limit)):
        person = db.session.get(Participant, link.participant_id)
        death = link.death_record
        fields = [(ours, getattr(death, ours), getattr(person, theirs),
                   _agree(ours, getattr(death, ours), getattr(person, theirs))) for ours, theirs in COMPARED]
        items.append(ReviewItem(link, death, person, fields))
    audit.record(user, "death_links.review_list", "death_links", None,
                 changes={"ids": [item.link.id for item in items]})
    return items


def review_link(actor, link_id: int, decision: str, reason: str) -> DeathLink:
    """Accept or reject one pair waiting for review; a later run never changes the decision."""
    if decision not in ("accepted", "rejected"):
        raise DomainError("Choose accept or reject.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Reason: say what you checked.", field="reason")
    link = db.session.scalar(_reviewable(actor).where(DeathLink.id == link_id))
    if link is None:
        raise DomainError("This pair is not waiting for your review (someone may have decided it).")
    if decision == "accepted" and db.session.scalar(select(DeathLink.id).where(
            DeathLink.death_record_id == link.death_record_id, DeathLink.participant_id != link.participant_id,
            DeathLink.status.in_(COUNTED_STATUSES)).limit(1)) is not None:
        # One death is one person: accepting a second would count the death twice.
        raise DomainError("This death is already linked to another person. Reject this pair, or ask an "
                          "administrator to correct the other link first.")
    link.status, link.review_reason = decision, reason[:1000]
    link.reviewed_by_id, link.reviewed_at = actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "death_link.review", "death_links", link.id, facility_id=link.facility_id,
                 changes={"status": ["review", decision], "reason": reason[:1000]})
    return link
