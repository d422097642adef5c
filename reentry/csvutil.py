"""CSV written so that it opens cleanly and safely in Excel, and uploaded CSV read as text.

Cells that Excel would run as a formula (=, +, -, @, tab, CR at the start) are prefixed with a
quote (OWASP "CSV injection"); numbers are left alone so sums still work. Every importer decodes
its upload with decode_upload(), so a file in the wrong encoding gets the same clear refusal.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from flask import Response, stream_with_context

from reentry.errors import DomainError
from reentry.web import content_disposition

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable], bom: bool = True) -> Response:
    """A streamed CSV download; rows may be a generator over a large query."""

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        if bom:
            yield "\ufeff"
        writer.writerow(header)
        for row in rows:
            writer.writerow([escape_cell(cell) for cell in row])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": content_disposition(filename),
            "Cache-Control": "no-store",
        },
    )
