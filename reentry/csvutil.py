"""CSV in and out: written so that it opens cleanly and safely in Excel, read within limits.

Cells that Excel would run as a formula (=, +, -, @, tab, CR at the start) are prefixed with a
quote (OWASP "CSV injection"); numbers are left alone so sums still work.

Every importer reads through `capped_rows` and collects its messages in `Problems`, so one upload
cannot cost minutes or gigabytes: at most MAX_COLUMNS columns and MAX_ROWS rows are read, and the
first MAX_PROBLEMS problems are kept (the rest are counted: "and N more problem(s)").
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator

from flask import Response, request
from werkzeug.wsgi import wrap_file

from reentry.extensions import db

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_COLUMNS = 200  # no roster, kit or directory file needs more; a wider row is refused unread
MAX_ROWS = 200_000  # rows per file (a large jail's roster is a few thousand; history, tens of thousands)
MAX_PROBLEMS = 100  # problems shown; the rest are only counted


class Problems:
    """The problems found in a file: the first MAX_PROBLEMS messages, and how many there were.

    Used like a list (`append`, `extend`, `len`, truth); `lines()` is what a person is shown.
    """

    def __init__(self, limit: int = MAX_PROBLEMS):
        self.limit = limit
        self.shown: list[str] = []
        self.total = 0

    def append(self, message: str) -> None:
        self.total += 1
        if len(self.shown) < self.limit:
            self.shown.append(message)

    def extend(self, messages: Iterable[str]) -> None:
        for message in messages:
            self.append(message)

    def __iadd__(self, messages: Iterable[str]) -> Problems:
        self.extend(messages)
        return self

    def first(self, message: str) -> None:
        """A problem that must be seen whatever came before (the file was cut short)."""
        self.total += 1
        self.shown.insert(0, message)
        del self.shown[self.limit:]

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0

    def __iter__(self) -> Iterator[str]:
        return iter(self.lines())

    def lines(self) -> list[str]:
        more = self.total - len(self.shown)
        return self.shown + ([f"and {more} more problem(s)"] if more else [])


def capped_rows(text: str, problems: Problems, label: str = "") -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for each row of CSV text, row 1 first, within MAX_COLUMNS and MAX_ROWS.

    An unreadable row, or one wider than MAX_COLUMNS, is a problem and is skipped (a too-wide row
    1 ends the file: without its columns nothing else can be checked); reading stops after
    MAX_ROWS rows with a problem that is always shown. Linear in the size of the text.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            number += 1
            problems.append(f"{label}row {number}: cannot be read ({error}).")
            continue
        number += 1
        if number > MAX_ROWS:
            problems.first(f"{label}row {number}: the file has more than {MAX_ROWS:,} rows; "
                           "split it into smaller files. Nothing was read after that row.")
            return
        if len(cells) > MAX_COLUMNS:
            problems.append(f"{label}row {number}: {len(cells):,} columns; at most {MAX_COLUMNS} are read.")
            if number == 1:
                return
            continue
        yield number, cells


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def escape_cell(value) -> object:
    """A value safe to put in a spreadsheet cell."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def csv_text(header: list[str], rows: Iterable[Iterable], bom: bool = False) -> str:
    """The whole CSV as text (small tables: reports, exports)."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    return buffer.getvalue()


SPOOL_IN_MEMORY = 1024 * 1024  # a larger export is written to a temporary file


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable], bom: bool = True) -> Response:
    """A CSV download built before it is sent; rows may be a generator over a large query.

    The whole file is written to a spooled temporary file (memory, then disk) and the transaction
    ends before the first byte goes out, so a client that opens the download and never reads it
    holds no database lock or connection, only a file (issue 14 point 1).
    """
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    try:
        buffer = io.StringIO()
        if bom:
            buffer.write("\ufeff")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([escape_cell(cell) for cell in row])
            if buffer.tell() > 64 * 1024:
                spool.write(buffer.getvalue().encode("utf-8"))
                buffer.seek(0)
                buffer.truncate()
        spool.write(buffer.getvalue().encode("utf-8"))
        size = spool.tell()
        spool.seek(0)
        db.session.commit()  # the caller committed its audit row: this ends the read that followed
    except BaseException:
        spool.close()
        raise
    return Response(
        wrap_file(request.environ, spool),
        mimetype="text/csv",
        direct_passthrough=True,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Length": str(size),
            "Cache-Control": "no-store",
        },
    )
