"""CSV written so that it opens cleanly and safely in Excel.

Cells that Excel would run as a formula (=, +, -, @, tab, CR at the start) are prefixed with a
quote (OWASP "CSV injection"); numbers are left alone so sums still work.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from flask import Response, stream_with_context

from reentry.web import content_disposition

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# A plain decimal number only: float() also accepts "+inf", "-nan", "-Infinity", "1_0" and
# surrounding spaces, none of which a spreadsheet reads as a number.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


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
