"""Reading carton scans (issue 17): element strings as scanners send them, parsed by biip."""
from __future__ import annotations

from datetime import date

import pytest

from reentry.naloxone.scanning import gtin_check_digit, gtin_from_ndc, ndc_from_gtin, parse_scan

GS = "\x1d"
# Narcan 4 mg, NDC 69547-627-02: the carton GTIN-14 is indicator 0, "03", the 10 NDC digits, check.
NARCAN_GTIN = "00369547627027"


@pytest.fixture(autouse=True)
def _context(app):
    with app.test_request_context():
        yield


def test_datamatrix_with_symbology_prefix_and_gs_separators():
    scan = parse_scan(f"]d201{NARCAN_GTIN}17270600" f"10AB123{GS}21SN0001\r\n")
    assert (scan.gtin, scan.ndc, scan.lot, scan.serial, scan.problem) == (
        NARCAN_GTIN, "6954762702", "AB123", "SN0001", None)
    assert scan.expiry == date(2027, 6, 30)  # GS1 day 00: the last day of the month


def test_leading_fnc1_and_lot_before_expiry():
    scan = parse_scan(f"{GS}01{NARCAN_GTIN}10AB123{GS}1727061521SN9")
    assert (scan.lot, scan.expiry, scan.serial) == ("AB123", date(2027, 6, 15), "SN9")


@pytest.mark.parametrize("separator", ["|", "^", "~", "<GS>"])
def test_keyboard_wedge_separator_substitutes(separator):
    scan = parse_scan(f"01{NARCAN_GTIN}10LOT-7{separator}17280131")
    assert (scan.lot, scan.expiry) == ("LOT-7", date(2028, 1, 31))


def test_gtin12_upc_of_an_otc_carton():
    scan = parse_scan("369547627027")
    assert (scan.gtin, scan.ndc, scan.lot, scan.expiry, scan.problem) == (NARCAN_GTIN, "6954762702", None, None, None)


def test_ean13_with_e0_prefix():
    scan = parse_scan("]E00369547627027")
    assert scan.gtin == NARCAN_GTIN and scan.ndc == "6954762702"


def test_gtin14_with_an_ndc_of_a_4_4_2_labeler():
    gtin = gtin_from_ndc("0480-3478-68")
    assert gtin == "00304803478685"
    assert ndc_from_gtin(gtin) == "0480347868"
    assert parse_scan(gtin).ndc == "0480347868"


def test_non_drug_gtin_has_no_ndc():
    gtin = "952" + "000000001"
    gtin += gtin_check_digit(gtin)
    scan = parse_scan(gtin)
    assert scan.gtin == "0" + gtin and scan.ndc is None and scan.problem is None


def test_bad_check_digit_is_refused():
    scan = parse_scan("00369547627028")
    assert scan.gtin is None and "check digit" in scan.problem


def test_bad_check_digit_inside_a_datamatrix():
    scan = parse_scan(f"]d20100369547627028172706001 0AB")
    assert scan.gtin is None and scan.problem


def test_missing_expiry_leaves_expiry_empty():
    scan = parse_scan(f"]d201{NARCAN_GTIN}10AB123{GS}21SN0001")
    assert (scan.lot, scan.serial, scan.expiry, scan.problem) == ("AB123", "SN0001", None, None)


def test_not_a_product_barcode():
    assert "GTIN" in parse_scan("hello").problem
    assert parse_scan("  ").problem


def test_as_dict_has_the_contract_keys_but_product():
    values = parse_scan(f"01{NARCAN_GTIN}17270600").as_dict()
    assert values == {"gtin": NARCAN_GTIN, "ndc": "6954762702", "lot": None, "expiry": "2027-06-30",
                      "serial": None, "problem": None}
