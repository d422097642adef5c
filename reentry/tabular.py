"""The machinery every CSV importer shares: a file layout from a TOML mapping (header or named
columns), reading the rows, dates in the mapping's formats, and checking each cell with the
importer's own rule, so every problem reads "row N, column NAME: message" whichever file it is.

Used by the jail roster import (participants/roster.py) and the death-record import
(outcomes/services.py); each keeps its own fields and cell rules.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from reentry.csvutil import Problems, capped_rows
from reentry.errors import DomainError

DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


class FileProblems(DomainError):
    """The file cannot be imported; `problems` lists the rows and columns at fault (the first
    MAX_PROBLEMS; `more` counts the rest)."""

    def __init__(self, problems: Problems | list[str]):
        super().__init__(f"{len(problems)} problem(s) in the file; nothing was imported.")
        self.problems = list(problems.shown) if isinstance(problems, Problems) else problems
        self.more = len(problems) - len(self.problems)  # counted, not listed


@dataclass
class FileLayout:
    header: bool = True
    names: list[str] = field(default_factory=list)  # column names for a file with no header row
    columns: dict[str, str] = field(default_factory=dict)  # our field -> source column (lower case)


def parse_layout(table: dict, where: str, fields: Iterable[str], extra: Iterable[str] = ()) -> FileLayout:
    """The layout of one file from its mapping table (`[columns]`, `header`, `names`); `extra`
    are fields allowed besides `fields` (e.g. the roster's facility column)."""
    fields = tuple(fields)
    columns = table.get("columns", {})
    if not isinstance(columns, dict) or not columns:
        raise DomainError(f"mapping: [{where}columns] must list which source column feeds each field.")
    unknown = sorted(set(columns) - set(fields) - set(extra))
    if unknown:
        raise DomainError(f"mapping: unknown field(s) in [{where}columns]: {', '.join(unknown)}. "
                          f"Known fields: {', '.join(fields)}.")
    header = table.get("header", True)
    names = [str(n).strip().lower() for n in table.get("names", [])]
    if not isinstance(header, bool):
        raise DomainError(f"mapping: {where}header must be true or false.")
    if not header and not names:
        raise DomainError(f"mapping: a file without a header needs {where}names = [...] listing its columns.")
    cols = {k: str(v).strip().lower() for k, v in columns.items()}
    if names:
        missing = sorted(v for v in cols.values() if v not in names)
        if missing:
            raise DomainError(f"mapping: column(s) {', '.join(missing)} are not in {where}names.")
    return FileLayout(header=header, names=names, columns=cols)


def date_formats_of(data: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(date_formats, datetime_formats) from a mapping's TOML data (the defaults when absent)."""
    formats = data.get("date_formats")
    dates = DEFAULT_DATE_FORMATS if formats is None else tuple(str(f) for f in formats)
    return dates, tuple(str(f) for f in data.get("datetime_formats", ()))


@dataclass
class Table:
    label: str  # "" for the main file, e.g. "people file " for a second one
    columns: list[str]  # lower-case column names
    records: list[tuple[int, list[str]]]  # (spreadsheet row number, cells)
    ignored: list[str]


def read_table(text: str, layout: FileLayout, label: str, problems: Problems) -> Table:
    """The rows of a CSV text with their spreadsheet row numbers (within csvutil's caps); problems
    of the file's shape (unreadable rows, a missing header, a column twice) go to `problems`."""
    records = [(number, cells) for number, cells in capped_rows(text, problems, label)
               if any(c.strip() for c in cells)]
    if layout.header:
        if not records or records[0][0] != 1:
            if not problems:
                problems.append(f"{label}row 1: the header row is missing or empty.")
            return Table(label, [], [], [])
        columns = [c.strip().lower() for c in records[0][1]]
        records = records[1:]
    else:
        columns = list(layout.names)
    duplicates = sorted(name for name, count in Counter(columns).items() if name and count > 1)
    for name in duplicates:
        problems.append(f"{label}row 1, column {name}: the column appears more than once.")
    wanted = set(layout.columns.values())
    ignored = [c for c in columns if c not in wanted]
    return Table(label, columns, records, ignored)


def make_date_parser(date_formats: tuple[str, ...], datetime_formats: tuple[str, ...],
                     zone: ZoneInfo) -> Callable[[str], date]:
    """A cached parser of dates in these formats (ValueError with a message naming them); a
    date-time with a UTC offset becomes the calendar date in `zone`."""
    cache: dict[str, date] = {}
    refused: dict[str, str] = {}  # a file of bad rows repeats its bad values: strptime is slow

    def parse(text: str) -> date:
        found = cache.get(text)
        if found is not None:
            return found
        if text in refused:
            raise ValueError(refused[text])
        value = None
        for fmt in date_formats:
            try:
                value = date.fromisoformat(text) if fmt == "%Y-%m-%d" and len(text) == 10 else \
                    datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if value is None:
            for fmt in datetime_formats:
                try:
                    moment = datetime.strptime(text, fmt)
                except ValueError:
                    continue
                value = moment.astimezone(zone).date() if moment.tzinfo else moment.date()
                break
        if value is None:
            shown = ", ".join(f.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
                              for f in date_formats)
            refused[text] = f"{text[:40]!r} is not a date ({shown})"
            raise ValueError(refused[text])
        if not 1900 <= value.year <= 2100:
            refused[text] = f"{text[:40]!r} is not a plausible date"
            raise ValueError(refused[text])
        cache[text] = value
        return value

    return parse


def check_text(text: str, limit: int | None) -> None:
    """The checks every text cell gets: no control characters, not longer than the column."""
    if CONTROL.search(text):
        raise ValueError("contains a control character")
    if limit and len(text) > limit:
        raise ValueError(f"longer than {limit} characters")


def read_rows(table: Table, layout: FileLayout, check: Callable[[str, str], object],
              problems: Problems) -> list[dict]:
    """Each record as {field: check(field, cell text)} plus "_row"; a cell `check` refuses
    (ValueError) becomes "row N, column NAME: message" in `problems`."""
    index = {c: i for i, c in enumerate(table.columns)}
    fields = [(f, col, index[col]) for f, col in layout.columns.items() if col in index]
    width = len(table.columns)
    rows = []
    for number, cells in table.records:
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            problems.append(f"{table.label}row {number}: {len(cells)} cells but only {width} columns.")
            continue
        row = {"_row": number}
        for name, column, position in fields:
            text = cells[position].strip() if position < len(cells) else ""
            try:
                row[name] = check(name, text)
            except ValueError as error:
                problems.append(f"{table.label}row {number}, column {column}: {error}.")
        rows.append(row)
    return rows


def check_required_and_unique(rows: list[dict], required: Iterable[str], key: str, noun: str,
                              column_of: Callable[[str], str], problems: Problems) -> None:
    """Every required field a row has holds a value, and each `key` value is on one row only
    ("row 7, column case_no: case 123 is also on row 3")."""
    required = tuple(required)
    seen: dict[str, int] = {}
    for row in rows:
        for name in required:
            if name in row and row[name] in ("", None):
                problems.append(f"row {row['_row']}, column {column_of(name)}: a value is required.")
        value = row.get(key)
        if value:
            if value in seen:
                problems.append(f"row {row['_row']}, column {column_of(key)}: "
                                f"{noun} {value[:40]} is also on row {seen[value]}.")
            else:
                seen[value] = row["_row"]
