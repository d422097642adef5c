"""Jail roster import: read a booking list exported by a jail management system, check all of
it, then create or update custody episodes in one transaction.

Two stages, so nothing is half-written:
- `parse_roster` (no database) decodes the file(s), applies the column mapping and checks every
  cell, collecting every problem as "row N, column NAME: message";
- `import_roster` compares the rows with what the facility already has and writes the
  differences with bulk statements (50,000 rows in a few seconds), auditing each change.
The caller commits once; an interrupted import leaves the database as it was.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select, text, update

from reentry import audit
from reentry.csvutil import Problems, decode_upload
from reentry.database import utcnow
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.participants.models import CustodyEpisode, Participant, RosterMapping
from reentry.participants.services import ZIP_CODE, search_name_for
from reentry.tabular import (DEFAULT_DATE_FORMATS, FileLayout, FileProblems, Table, check_required_and_unique,
                             check_text, date_formats_of, make_date_parser, parse_layout, read_rows, read_table)

REQUIRED_FIELDS = ("booking_id", "last_name", "first_name", "date_of_birth")
OPTIONAL_FIELDS = (
    "expected_release_date", "release_date", "middle_name", "booking_date", "housing_unit",
    "preferred_language", "release_type", "destination_state", "destination_county",
    "destination_zip", "gender", "person_id",
)
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
FACILITY_FIELD = "facility"  # only in a mapping with a [facilities] table: which facility a row is for
DATE_FIELDS = ("date_of_birth", "expected_release_date", "release_date", "booking_date")
MAX_LENGTH = {
    "booking_id": 64, "last_name": 200, "first_name": 200, "middle_name": 200, "housing_unit": 64,
    "release_type": 64, "destination_state": 2, "destination_county": 100, "destination_zip": 10,
    "gender": 64, "person_id": 64, "preferred_language": 20, "_key": 64,
}
PERSON_FIELDS = ("last_name", "first_name", "middle_name", "date_of_birth", "gender", "preferred_language",
                 "destination_state", "destination_county", "destination_zip")
# roster field -> CustodyEpisode column
EPISODE_FIELDS = {"booking_date": "custody_start", "expected_release_date": "expected_release_date",
                  "release_date": "release_date", "housing_unit": "housing_unit",
                  "release_type": "release_type", "person_id": "person_ref"}
LANGUAGES = {"en": "en", "eng": "en", "english": "en", "es": "es", "spa": "es", "spanish": "es",
             "espanol": "es", "español": "es"}
SNAPSHOT_GUARD = 0.20  # a snapshot may release at most this share of open episodes without --force
INFERRED_RELEASE = "released, inferred from the roster"
MAPPINGS_DIR = Path(__file__).resolve().parent.parent.parent / "docs" / "mappings"


class RosterError(FileProblems):
    """The roster cannot be imported; `problems` lists the rows and columns at fault (the first
    MAX_PROBLEMS, then "and N more problem(s)")."""


# --- mappings ---------------------------------------------------------------------------------

@dataclass
class Mapping:
    name: str = "default"
    bookings: FileLayout = field(default_factory=lambda: FileLayout(columns={f: f for f in FIELDS}))
    people: FileLayout | None = None
    people_key: str = ""  # the people file's column holding the id that bookings' person_id refers to
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    datetime_formats: tuple[str, ...] = ()
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    # A county export holding several facilities: `facility = "facility_name"` under [columns]
    # names the column, and [facilities] maps its values (any case) to facility codes.
    facilities: dict[str, str] = field(default_factory=dict)

    @property
    def facility_column(self) -> str | None:
        return self.bookings.columns.get(FACILITY_FIELD)


def _layout(table: dict, where: str) -> FileLayout:
    return parse_layout(table, where, FIELDS, () if where else (FACILITY_FIELD,))


def parse_mapping(text: str, name: str = "mapping") -> Mapping:
    """A Mapping from its TOML text; DomainError saying what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DomainError(f"mapping: not valid TOML ({error}).", field="definition") from None
    try:
        mapping = Mapping(name=str(data.get("name", name)), bookings=_layout(data, ""))
        if "people" in data:
            mapping.people = _layout(data["people"], "people.")
            mapping.people_key = str(data["people"].get("key", "")).strip().lower()
            if not mapping.people_key or (mapping.people.names and mapping.people_key not in mapping.people.names):
                raise DomainError("mapping: [people] needs key = the column with the person id.")
            if "person_id" not in mapping.bookings.columns:
                raise DomainError("mapping: with [people], [columns] must name the person_id column.")
        mapping.date_formats, mapping.datetime_formats = date_formats_of(data)
        values = data.get("values", {})
        if not isinstance(values, dict) or any(not isinstance(v, dict) for v in values.values()):
            raise DomainError("mapping: [values.FIELD] tables map source values to ours.")
        mapping.values = {f: {str(k).strip().casefold(): str(v) for k, v in table.items()}
                          for f, table in values.items()}
        facilities = data.get("facilities", {})
        if not isinstance(facilities, dict) or any(not isinstance(v, str) for v in facilities.values()):
            raise DomainError('mapping: [facilities] maps each source value to a facility code, '
                              'e.g. "Main Jail Complex" = "COUNTY-MAIN".')
        mapping.facilities = {str(k).strip().casefold(): v.strip().upper() for k, v in facilities.items()}
        if bool(mapping.facilities) != (mapping.facility_column is not None):
            raise DomainError("mapping: a facility column (facility = \"...\" under [columns]) and a "
                              "[facilities] table go together.")
    except DomainError as error:
        error.field = "definition"
        raise
    except (TypeError, AttributeError, ValueError) as error:
        raise DomainError(f"mapping: {error}", field="definition") from None
    return mapping


def load_mapping(facility: Facility | None, name: str | None, allow_path: bool = False) -> Mapping:
    """The default layout, a mapping saved for the facility, a bundled one (docs/mappings/NAME.toml),
    or, from the command line only (`allow_path`), a TOML file named by its path. With no facility
    (a several-facility export), only a bundled mapping or a file."""
    if not name:
        return Mapping()
    row = db.session.scalar(select(RosterMapping).where(RosterMapping.facility_id == facility.id,
                                                        RosterMapping.name == name)) if facility else None
    if row is not None:
        return parse_mapping(row.definition, row.name)
    if name in bundled_mapping_names():
        return parse_mapping(bundled_mapping_text(name), name)
    path = Path(name)
    if allow_path and path.suffix == ".toml" and path.is_file():
        return parse_mapping(path.read_text(encoding="utf-8"), path.stem)
    where = f" for facility {facility.code}" if facility else ""
    raise DomainError(f"No mapping named {name!r}{where} (and no such TOML file).", field="mapping")


def save_mapping(actor, facility: Facility, name: str, definition: str,
                 mapping: RosterMapping | None = None, expected_version: int | None = None) -> RosterMapping:
    """Create or change a facility's saved mapping (checked before it is saved)."""
    name = (name or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
        raise DomainError("Name: 1 to 64 letters, digits, '.', '-' or '_'.", field="name")
    parse_mapping(definition, name)
    if mapping is None:
        taken = db.session.scalar(select(RosterMapping.id).where(RosterMapping.facility_id == facility.id,
                                                                 RosterMapping.name == name))
        if taken is not None:
            raise DomainError(f"{facility.code} already has a mapping named {name}.", field="name")
        mapping = RosterMapping(facility_id=facility.id, name=name, definition=definition)
        db.session.add(mapping)
        db.session.flush()
        audit.record(actor, "roster_mapping.create", "roster_mappings", mapping.id, facility_id=facility.id,
                     changes={"name": [None, name], "definition": [None, definition]})
        return mapping
    if expected_version is not None and int(expected_version) != mapping.version:
        raise DomainError("Someone else changed this mapping while you were editing it. Nothing was saved.")
    before = audit.snapshot(mapping, ("name", "definition"))
    mapping.name, mapping.definition = name, definition
    changes = audit.changes_between(before, audit.snapshot(mapping, ("name", "definition")))
    if changes:
        db.session.flush()
        audit.record(actor, "roster_mapping.update", "roster_mappings", mapping.id, facility_id=facility.id,
                     changes=changes)
    return mapping


# --- reading and checking ---------------------------------------------------------------------

@dataclass
class ParsedRoster:
    rows: list[dict]  # field -> parsed value, plus "_row" (the row number) and "_facility" (a code)
    present: set[str]  # the fields the file gives (an absent column never blanks stored data)
    ignored_columns: list[str]

    def by_facility(self) -> dict[str, ParsedRoster]:
        """A several-facility export split into one roster per facility code (in code order)."""
        codes = sorted({row["_facility"] for row in self.rows})
        return {code: self.only(code) for code in codes}

    def only(self, code: str) -> ParsedRoster:
        """The rows of one facility of a several-facility export (all rows of a one-facility file)."""
        if not any("_facility" in row for row in self.rows):
            return self
        return ParsedRoster([r for r in self.rows if r.get("_facility") == code], self.present, self.ignored_columns)


def _make_date_parser(mapping: Mapping, zone: ZoneInfo) -> Callable[[str], date]:
    return make_date_parser(mapping.date_formats, mapping.datetime_formats, zone)


def _check_cell(name: str, text: str, parse_date, mapping: Mapping):
    """The parsed value of one cell (ValueError with a message otherwise)."""
    value_map = mapping.values.get(name)
    if value_map:
        text = value_map.get(text.casefold(), text)
    check_text(text, MAX_LENGTH.get(name))
    if not text:
        return None if name in DATE_FIELDS else ""
    if name in DATE_FIELDS:
        return parse_date(text)
    if name == "preferred_language":
        language = LANGUAGES.get(text.casefold())
        if language is None:
            raise ValueError(f"{text[:40]!r} is not a language we offer (en or es)")
        return language
    if name == "destination_state":
        if not (len(text) == 2 and text.isalpha()):
            raise ValueError("use the two-letter state code, e.g. OH")
        return text.upper()
    if name == "destination_zip" and not ZIP_CODE.fullmatch(text):
        raise ValueError("use 5 digits (or ZIP+4)")
    return text


def _rows(table: Table, layout: FileLayout, mapping: Mapping, parse_date, problems: Problems) -> list[dict]:
    return read_rows(table, layout, lambda name, text: _check_cell(name, text, parse_date, mapping), problems)


def parse_roster(data: bytes, mapping: Mapping, zone: ZoneInfo, people: bytes | None = None) -> ParsedRoster:
    """Check a roster file completely; RosterError lists every problem, else the parsed rows."""
    if (people is None) != (mapping.people is None):
        raise DomainError("This mapping needs a people file (--people)." if people is None
                          else f"Mapping {mapping.name!r} does not take a people file.")
    problems = Problems()
    parse_date = _make_date_parser(mapping, zone)
    table = read_table(decode_upload(data), mapping.bookings, "", problems)
    present = {f for f, col in mapping.bookings.columns.items() if col in table.columns}
    if table.columns or not mapping.bookings.header:
        for name in REQUIRED_FIELDS if people is None else ("booking_id", "person_id"):
            if name not in present:
                column = mapping.bookings.columns.get(name, name)
                problems.append(f"row 1, column {column}: this required column is missing.")
    rows = _rows(table, mapping.bookings, mapping, parse_date, problems)
    ignored = list(table.ignored)
    if people is not None:
        rows, people_present = _join_people(rows, decode_upload(people), mapping, parse_date, problems)
        for name in ("last_name", "first_name", "date_of_birth"):
            if name not in people_present and name not in present:
                problems.append(f"people file row 1, column {mapping.people.columns.get(name, name)}: "
                                "this required column is missing.")
        present |= people_present

    def column_of(name: str) -> str:
        return mapping.bookings.columns.get(name) or (mapping.people.columns.get(name) if mapping.people else None) or name

    if mapping.facility_column:
        present.discard(FACILITY_FIELD)
        if mapping.facility_column not in table.columns and (table.columns or not mapping.bookings.header):
            problems.append(f"row 1, column {mapping.facility_column}: this required column is missing.")
        for row in rows:
            value = row.pop(FACILITY_FIELD, None)
            if value is None and mapping.facility_column not in table.columns:
                continue
            code = mapping.facilities.get((value or "").casefold())
            if code is None:
                problems.append(f"row {row['_row']}, column {mapping.facility_column}: {(value or '')[:60]!r} is "
                                "not in the mapping's [facilities] table.")
            row["_facility"] = code

    # Required values, and each booking once.
    check_required_and_unique(rows, [f for f in REQUIRED_FIELDS if f in present], "booking_id", "booking",
                              column_of, problems)
    local_today = datetime.now(zone).date()
    for row in rows:
        born = row.get("date_of_birth")
        if born and born > local_today:
            problems.append(f"row {row['_row']}, column {column_of('date_of_birth')}: "
                            "the date of birth is in the future.")
    if problems:
        raise RosterError(problems)
    return ParsedRoster(rows=rows, present=present, ignored_columns=ignored)


class RecordError(DomainError):
    """A booking sent as fields (the API) breaks the roster's rules; `problems` is (field, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems),
                         field=problems[0][0] if problems else None)
        self.problems = problems


API_MAPPING = Mapping(name="api", date_formats=("%Y-%m-%d",))


def parse_booking_record(values: dict, zone: ZoneInfo, *, partial: bool = False) -> ParsedRoster:
    """One booking given as named fields (the API's JSON), checked by the same rules as a roster
    row, so a booking is the same whether it came in a file or from the JMS. `partial` (a booking
    that exists) lets required fields be left out, else they must be there; sent, never empty."""
    problems: list[tuple[str, str]] = []
    parse_date = _make_date_parser(API_MAPPING, zone)
    row: dict = {"_row": 1}
    for name, raw in values.items():
        if name not in FIELDS:
            problems.append((name, "is not a booking field"))
            continue
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            problems.append((name, "must be a string (dates as YYYY-MM-DD)"))
            continue
        try:
            row[name] = _check_cell(name, raw.strip(), parse_date, API_MAPPING)
        except ValueError as error:
            problems.append((name, str(error)))
    present = {name for name in values if name in FIELDS}
    for name in REQUIRED_FIELDS:
        # A required field may be left out of an update (it stays as it is), never sent empty:
        # a roster row cannot blank a name or a date of birth either.
        missing = name not in values and (not partial or name == "booking_id")
        if missing or (name in row and row[name] in ("", None)):
            problems.append((name, "a value is required"))
    born = row.get("date_of_birth")
    if born and born > datetime.now(zone).date():
        problems.append(("date_of_birth", "the date of birth is in the future"))
    if problems:
        raise RecordError(problems)
    return ParsedRoster(rows=[row], present=present, ignored_columns=[])


def _join_people(rows, text, mapping: Mapping, parse_date, problems):
    """Add each person's details from the people file to their bookings (joined on person_id)."""
    layout = FileLayout(header=mapping.people.header, names=mapping.people.names,
                        columns={**mapping.people.columns, "_key": mapping.people_key})
    table = read_table(text, layout, "people file ", problems)
    if mapping.people_key not in table.columns:
        problems.append(f"people file row 1, column {mapping.people_key}: the person id column is missing.")
        return rows, set()
    people: dict[str, dict] = {}
    for person in _rows(table, layout, mapping, parse_date, problems):
        key = person.pop("_key", "")
        if not key:
            problems.append(f"people file row {person['_row']}, column {mapping.people_key}: a value is required.")
        elif key in people:
            problems.append(f"people file row {person['_row']}, column {mapping.people_key}: person {key[:40]} "
                            f"is also on row {people[key]['_row']}.")
        else:
            people[key] = person
    present = {f for f, col in mapping.people.columns.items() if col in table.columns}
    person_column = mapping.bookings.columns["person_id"]
    joined = []
    for row in rows:
        person = people.get(row.get("person_id") or "")
        if person is None:
            problems.append(f"row {row['_row']}, column {person_column}: no person "
                            f"{(row.get('person_id') or '')[:40]!r} in the people file.")
            continue
        joined.append({**person, **row})
    return joined, present


# --- writing ----------------------------------------------------------------------------------

@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    released: int | None = None  # only counted for a snapshot
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    refusal: str = ""  # why the real import would be refused (the snapshot guard), if it would

    @property
    def summary(self) -> str:
        """The line the CLI and the page both show."""
        text = f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"
        if self.released is not None:
            text += f", released {self.released}"
        return text


_EPISODE_COLUMNS = ("custody_start", "expected_release_date", "release_date", "housing_unit",
                    "release_type", "person_ref")
_PERSON_COLUMNS = PERSON_FIELDS
_CHUNK = 500


def _existing(facility_id: int, rows: list[dict] | None = None) -> dict[str, dict]:
    """The facility's episodes with their person's fields, keyed by booking id: every one, or with
    `rows` (a few bookings, as the API sends) only those the rows can touch: the same booking
    ids, or the same JMS person ids."""
    e, p = CustodyEpisode.__table__.c, Participant.__table__.c
    stmt = (select(e.id, e.booking_id, e.participant_id, e.is_voided, *[e[c] for c in _EPISODE_COLUMNS],
                   p.is_voided.label("person_voided"), *[p[c] for c in _PERSON_COLUMNS])
            .join_from(CustodyEpisode.__table__, Participant.__table__, p.id == e.participant_id)
            .where(e.facility_id == facility_id))
    if rows is not None:
        bookings = [row["booking_id"] for row in rows]
        refs = [row["person_id"] for row in rows if row.get("person_id")]
        stmt = stmt.where(e.booking_id.in_(bookings) | e.person_ref.in_(refs) if refs else e.booking_id.in_(bookings))
    return {row.booking_id: row._asdict() for row in db.session.execute(stmt)}


def _known_people(keys: set[tuple[str, date]], facility_id: int) -> dict[tuple[str, date], int]:
    """Existing, non-voided participants with these (search name, date of birth) who have a
    custody episode at this facility.

    Only this facility's people: a name and date of birth are not a secret, so matching them
    across facilities would let a roster row at one facility open another facility's record of
    the person (issue 14). A person known only elsewhere becomes a new participant here, and
    nothing tells the importer that anyone matched elsewhere.
    """
    found: dict[tuple[str, date], int] = {}
    names = sorted({name for name, _ in keys})
    p, e = Participant.__table__.c, CustodyEpisode.__table__.c
    here = (select(e.participant_id)
            .where(e.facility_id == facility_id, e.is_voided.is_(False)).scalar_subquery())
    for start in range(0, len(names), _CHUNK):
        stmt = (select(p.id, p.search_name, p.date_of_birth)
                .where(p.search_name.in_(names[start:start + _CHUNK]), p.is_voided.is_(False),
                       p.id.in_(here))
                .order_by(p.id))
        for pid, name, born in db.session.execute(stmt):
            if (name, born) in keys:
                found.setdefault((name, born), pid)
    return found


def _person_values(row: dict) -> dict:
    values = {name: row.get(name) or ("" if name not in ("date_of_birth",) else None) for name in _PERSON_COLUMNS}
    values["preferred_language"] = row.get("preferred_language") or "en"
    values["search_name"] = search_name_for(values["last_name"], values["first_name"], values["middle_name"])
    return values


def _episode_values(row: dict, present: set[str]) -> dict:
    return {column: row.get(name) if name in DATE_FIELDS else (row.get(name) or "")
            for name, column in EPISODE_FIELDS.items() if name in present}


ROSTER_LOCK = 4242  # the first key of the advisory lock roster writers of one facility share


def _take_turns(facility_id: int) -> None:
    """Writers of one facility's roster (two API PUTs of one new booking, a feed and an upload)
    would each read a booking as new and the second would fail on the unique key. On PostgreSQL
    they take turns on an advisory lock held until commit; on SQLite the write lock does it."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:namespace, :facility)"),
                           {"namespace": ROSTER_LOCK, "facility": facility_id})


def import_roster(actor, facility: Facility, parsed: ParsedRoster, *, snapshot: bool = False,
                  force: bool = False, dry_run: bool = False, source: str = "",
                  today: date | None = None, progress: Callable[[str], None] | None = None) -> ImportResult:
    """Create, update (and with `snapshot`, release) the facility's episodes from checked rows.

    Upsert by (facility, booking id): an unchanged row writes nothing. New bookings join an
    existing person of this facility with the same jail person id, or the same name and date of
    birth; people known only at other facilities are never matched (docs/roster-import.md).
    """
    today = today or datetime.now(ZoneInfo(facility.timezone)).date()
    _take_turns(facility.id)
    result = ImportResult(ignored_columns=parsed.ignored_columns, dry_run=dry_run,
                          released=0 if snapshot else None)
    # A snapshot compares with every open booking; a few rows need only the bookings they name.
    few = not snapshot and len(parsed.rows) <= _CHUNK
    existing = _existing(facility.id, parsed.rows if few else None)
    problems = Problems()
    new_rows: list[dict] = []
    episode_updates: list[tuple[dict, dict]] = []  # (existing, new episode values)
    person_updates: dict[int, tuple[dict, dict]] = {}  # participant id -> (existing, new values)
    audit_changes: list[tuple[dict, dict]] = []
    person_present = parsed.present & set(_PERSON_COLUMNS)
    for row in parsed.rows:
        old = existing.get(row["booking_id"])
        if old is None:
            new_rows.append(row)
            continue
        if old["is_voided"]:
            problems.append(f"row {row['_row']}: booking {row['booking_id'][:40]} was voided in reentry; "
                            "remove the row or restore the booking first.")
            continue
        episode = _episode_values(row, parsed.present)
        if episode.get("release_date") is None and "release_date" in episode:
            del episode["release_date"]  # an empty cell never reopens a release already recorded
        changes = {c: [old[c], v] for c, v in episode.items() if old[c] != v}
        person = {}
        if not old["person_voided"]:
            wanted = _person_values(row)
            person = {c: [old[c], wanted[c]] for c in person_present
                      if old[c] != wanted[c] and not (c == "preferred_language" and not row.get(c))}
        if not changes and not person:
            result.unchanged += 1
            continue
        result.updated += 1
        if changes:
            episode_updates.append((old, {**{c: old[c] for c in _EPISODE_COLUMNS}, **episode}))
        if person:
            merged = {c: old[c] for c in _PERSON_COLUMNS} | {c: v[1] for c, v in person.items()}
            merged["search_name"] = search_name_for(merged["last_name"], merged["first_name"], merged["middle_name"])
            person_updates[old["participant_id"]] = (old, merged)
        audit_changes.append((old, {**changes, **person}))
    if problems:
        raise RosterError(problems)

    in_file = {row["booking_id"] for row in parsed.rows}
    releases = []
    if snapshot:
        open_episodes = [e for e in existing.values() if e["release_date"] is None and not e["is_voided"]]
        releases = [e for e in open_episodes if e["booking_id"] not in in_file]
        result.released = len(releases)
        if releases and len(releases) > SNAPSHOT_GUARD * len(open_episodes) and not force:
            share = round(100 * len(releases) / len(open_episodes))
            result.refusal = (
                f"This snapshot would release {len(releases)} of {len(open_episodes)} people in custody "
                f"({share}%), more than {round(SNAPSHOT_GUARD * 100)}%. A cut-off export must not release "
                "a whole jail: check the file, or run again with --force if it is really complete.")
    result.created = len(new_rows)
    if dry_run:
        return result  # a dry run reports the refusal with the counts; the caller decides
    if result.refusal:
        raise DomainError(result.refusal, field="force")
    if progress:
        progress(f"checked {len(parsed.rows)} rows; writing")
    now = utcnow()
    created_ids = _insert_new(facility, new_rows, parsed.present, existing, now)
    _apply_updates(episode_updates, person_updates, now)
    if releases:
        db.session.execute(
            update(CustodyEpisode.__table__)
            .where(CustodyEpisode.__table__.c.id == bindparam("_id"))
            .values(release_date=today, release_inferred=True, updated_at=now,
                    version=CustodyEpisode.__table__.c.version + 1),
            [{"_id": e["id"]} for e in releases],
        )
    # The bulk statements skip the ORM's change tracking, so the dashboard's stored figures for
    # the months whose releases they changed are marked stale here.
    from reentry.reports.rollups import mark_release_dates

    mark_release_dates(db.session, facility.id, [
        *(_episode_values(row, parsed.present).get("release_date") for row in new_rows),
        *(day for old, values in episode_updates for day in (old["release_date"], values["release_date"])),
        today if releases else None])
    for old, changes in audit_changes:
        audit.record(actor, "custody_episode.update", "custody_episodes", old["id"], facility_id=facility.id,
                     changes={"participant_id": old["participant_id"], **changes})
    for old in releases:
        audit.record(actor, "custody_episode.release", "custody_episodes", old["id"], facility_id=facility.id,
                     changes={"release_date": [None, today], "release_inferred": [False, True],
                              "reason": INFERRED_RELEASE})
    audit.record(actor, "roster.import", "facilities", facility.id, facility_id=facility.id, changes={
        "source": source[:200], "summary": result.summary, "snapshot": snapshot, "forced": force,
        "created_booking_ids": created_ids,
    })
    db.session.flush()
    db.session.expire_all()  # the bulk statements bypassed the session's copies
    return result


def _insert_new(facility: Facility, rows: list[dict], present: set[str], existing: dict, now) -> list[str]:
    """Insert new people and episodes with two executemany statements; returns the booking ids."""
    if not rows:
        return []
    # A jail system's person id means something only in that system: match it within this
    # facility's episodes (`existing`), never across facilities.
    by_ref = {e["person_ref"]: e["participant_id"] for e in existing.values()
              if e["person_ref"] and not e["person_voided"] and not e["is_voided"]}
    people = [_person_values(row) for row in rows]
    known = _known_people({(p["search_name"], p["date_of_birth"]) for p in people}, facility.id)
    owners: list[int | tuple] = []  # an existing participant id, or ("new", index into to_create)
    to_create: list[dict] = []
    new_index: dict = {}
    for row, person in zip(rows, people):
        ref = row.get("person_id") or ""
        key = (person["search_name"], person["date_of_birth"])
        owner = by_ref.get(ref) if ref else None
        owner = owner or known.get(key) or new_index.get(("ref", ref) if ref else None) or new_index.get(key)
        if owner is None:
            owner = ("new", len(to_create))
            to_create.append({**person, "is_voided": False, "version": 1, "created_at": now, "updated_at": now})
            if ref:
                new_index[("ref", ref)] = owner
            new_index[key] = owner
        owners.append(owner)
    ids: list[int] = []
    table = Participant.__table__
    if to_create:
        result = db.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), to_create)
        ids = [r[0] for r in result]
    episodes = []
    for row, owner in zip(rows, owners):
        values = {c: None if c in ("custody_start", "expected_release_date", "release_date") else ""
                  for c in _EPISODE_COLUMNS}
        values.update({k: v for k, v in _episode_values(row, present).items()})
        episodes.append({**values, "participant_id": ids[owner[1]] if isinstance(owner, tuple) else owner,
                         "facility_id": facility.id, "booking_id": row["booking_id"], "release_inferred": False,
                         "is_voided": False, "version": 1, "created_at": now, "updated_at": now})
    db.session.execute(insert(CustodyEpisode.__table__), episodes)
    return [row["booking_id"] for row in rows]


def _apply_updates(episode_updates, person_updates, now) -> None:
    if episode_updates:
        t = CustodyEpisode.__table__
        db.session.execute(
            update(t).where(t.c.id == bindparam("_id")).values(
                {**{c: bindparam(f"v_{c}") for c in _EPISODE_COLUMNS}, "updated_at": now, "version": t.c.version + 1}),
            [{"_id": old["id"], **{f"v_{c}": values[c] for c in _EPISODE_COLUMNS}} for old, values in episode_updates],
        )
    if person_updates:
        t = Participant.__table__
        columns = (*_PERSON_COLUMNS, "search_name")
        db.session.execute(
            update(t).where(t.c.id == bindparam("_id")).values(
                {**{c: bindparam(f"v_{c}") for c in columns}, "updated_at": now, "version": t.c.version + 1}),
            [{"_id": pid, **{f"v_{c}": values[c] for c in columns}} for pid, (_, values) in person_updates.items()],
        )


def saved_mappings(facility_ids: list[int] | None) -> list[RosterMapping]:
    """The mappings saved for these facilities (all of them for None)."""
    stmt = select(RosterMapping).join(Facility).order_by(Facility.code, RosterMapping.name)
    if facility_ids is not None:
        stmt = stmt.where(RosterMapping.facility_id.in_(facility_ids))
    return list(db.session.scalars(stmt))


def bundled_mapping_names() -> list[str]:
    """The example mappings shipped in docs/mappings (usable by name from any facility)."""
    return sorted(path.stem for path in MAPPINGS_DIR.glob("*.toml")) if MAPPINGS_DIR.is_dir() else []


def bundled_mapping_text(name: str) -> str:
    if name not in bundled_mapping_names():
        return ""
    return (MAPPINGS_DIR / f"{name}.toml").read_text(encoding="utf-8")
