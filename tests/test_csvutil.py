import csv
import io
import re

import pytest

from reentry.csvutil import csv_text, decode_upload, escape_cell
from reentry.errors import DomainError


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1+2", "'+1+2"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("-12.5", "-12.5"), ("+7", "+7"), (-3, -3), ("O'Brien", "O'Brien"), ("", ""),
    ("-1.5e3", "-1.5e3"), ("-.5", "-.5"),
    # float() reads these as numbers; a spreadsheet does not, so they are escaped like any text.
    ("+inf", "'+inf"), ("-nan", "'-nan"), ("-Infinity", "'-Infinity"), ("-1_0", "'-1_0"), ("-1 ", "'-1 "),
])
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


def test_csv_text_with_bom_opens_in_excel():
    text = csv_text(["name", "n"], [["Núñez, José", 3], ["=1+1", 4]], bom=True)
    assert text.startswith("\ufeffname,n\r\n")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1] == ["Núñez, José", "3"] and rows[2] == ["'=1+1", "4"]



@pytest.mark.parametrize("filename, plain, exact", [
    ("participants.csv", "participants.csv", None),
    ('recall-narcan-A";x=1.csv', "recall-narcan-A_x_1.csv", "recall-narcan-A%22%3Bx%3D1.csv"),
    ("recall-narcan-A\u2028B.csv", "recall-narcan-A_B.csv", None),
    ("recall-narcan-Peña.csv", "recall-narcan-Pena.csv", "recall-narcan-Pe%C3%B1a.csv"),
])
def test_download_names_are_quoted_with_an_ascii_fallback(filename, plain, exact):
    from reentry.web import content_disposition

    value = content_disposition(filename)
    assert all(32 <= ord(c) < 127 for c in value)  # a header any server and client accepts
    if exact is None:
        assert value == f"attachment; filename={plain}"
    else:
        assert value == f"attachment; filename={plain}; filename*=UTF-8''{exact}"
    assert content_disposition("a b.pdf", inline=True) == "inline; filename=a_b.pdf; filename*=UTF-8''a%20b.pdf"


@pytest.mark.parametrize("data, text", [
    ("a,b\nPeña,1\n".encode(), "a,b\nPeña,1\n"), (b"\xef\xbb\xbfa\n", "a\n"),
    ("a\nPeña\n".encode("cp1252"), "a\nPeña\n"), (b"", ""), (b"x", "x"),
])
def test_decode_upload_reads_utf8_and_windows_1252(data, text):
    assert decode_upload(data) == text


@pytest.mark.parametrize("data, message", [
    ("id,name\nB1,Ann\n".encode("utf-16"), "The file is UTF-16."),
    ("id,name\nB1,Ann\n".encode("utf-16-le"), "UTF-16 (little-endian, without a byte-order mark)"),
    ("id,name\nB1,Ann\n".encode("utf-16-be"), "UTF-16 (big-endian, without a byte-order mark)"),
    ("a\nPeña\n".encode() + b"x\xff\n", "Row 3: byte 0xFF is not UTF-8"),
    (b"a\nb\n\x90\n", "Row 3: byte 0x90 is neither UTF-8 nor Windows-1252"),
])
def test_decode_upload_names_the_encoding_or_the_row(data, message):
    with pytest.raises(DomainError, match=re.escape(message)):
        decode_upload(data)
