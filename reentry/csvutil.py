"""CSV in and out: written so that it opens cleanly and safely in Excel, read within limits.

Cells that Excel would run as a formula (=, +, -, @, tab, CR at the start) are prefixed with a
quote (OWASP "CSV injection"); numbers are left alone so sums still work. Every importer decodes
its upload with decode_upload(), so a file in the wrong encoding gets the same clear refusal.

Every importer reads through `capped_rows` and collects its messages in `Problems`, so one upload
cannot cost minutes or gigabytes: at most MAX_COLUMNS columns and MAX_ROWS rows are read, and the
first MAX_PROBLEMS problems are kept (the rest are counted: "and N more problem(s)").
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator

from flask import Response, request
from werkzeug.wsgi import wrap_file

from reentry.extensions import db

from reentry.errors import DomainError
from reentry.web import content_disposition

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


# A plain decimal number only: float() also accepts "+inf", "-nan", "-Infinity", "1_0" and
# surrounding spaces, none of which a spreadsheet reads as a number.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


def _row_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _utf16_without_bom(data: bytes) -> str | None:
    """"little-endian" or "big-endian" when the bytes look like UTF-16 text with no byte-order
    mark (Excel's "Unicode text"): a NUL in most odd (or even) places, which no text has."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.1:
        return "little-endian"
    if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.1:
        return "big-endian"
    return None


def decode_upload(data: bytes) -> str:
    """The text of an uploaded CSV: UTF-8 (with or without BOM) or, failing that, Windows-1252.

    A DomainError names what is wrong: UTF-16 (with a byte-order mark or without), or a byte that
    is neither, with its row; a file that is UTF-8 up to one bad byte is refused at that row
    rather than read as Windows-1252, which would garble every accented name before it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DomainError("The file is UTF-16. Save it as CSV UTF-8 (or Windows-1252) and try again.")
    order = _utf16_without_bom(data)
    if order is not None:
        raise DomainError(f"The file is UTF-16 ({order}, without a byte-order mark), not CSV text. "
                          "Save it as CSV UTF-8 (or Windows-1252) and try again.")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        bad = error.start
        if not data[:bad].isascii():  # real UTF-8 before the bad byte: a damaged file
            raise DomainError(f"Row {_row_of(data, bad)}: byte 0x{data[bad]:02X} is not UTF-8, though the rows "
                              "before it are. Fix or remove that row, or save the file again as CSV UTF-8.") from None
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise DomainError(f"Row {_row_of(data, error.start)}: byte 0x{data[error.start]:02X} is neither UTF-8 "
                          "nor Windows-1252. Save the file as CSV UTF-8 and try again.") from None


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
            "Content-Disposition": content_disposition(filename),
            "Content-Length": str(size),
            "Cache-Control": "no-store",
        },
    )
