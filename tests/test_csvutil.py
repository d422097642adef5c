import csv
import io

import pytest

from reentry.csvutil import csv_text, escape_cell


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+1+2", "'+1+2"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("-12.5", "-12.5"), ("+7", "+7"), (-3, -3), ("O'Brien", "O'Brien"), ("", ""),
])
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


def test_csv_text_with_bom_opens_in_excel():
    text = csv_text(["name", "n"], [["Núñez, José", 3], ["=1+1", 4]], bom=True)
    assert text.startswith("\ufeffname,n\r\n")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1] == ["Núñez, José", "3"] and rows[2] == ["'=1+1", "4"]
