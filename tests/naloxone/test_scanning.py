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


# --- the catalog's GTINs, carton serials and resolving a scan against stock ---------------------

from datetime import timedelta  # noqa: E402

from sqlalchemy import select  # noqa: E402

from reentry.audit.models import AuditEvent  # noqa: E402
from reentry.errors import DomainError  # noqa: E402
from reentry.extensions import db  # noqa: E402
from reentry.naloxone import services  # noqa: E402
from reentry.naloxone.catalog import DEMO_GTINS  # noqa: E402
from reentry.naloxone.models import CartonSerial  # noqa: E402
from tests.clock import today  # noqa: E402


def _datamatrix(lot: str, expiry: date, serial: str = "", gtin: str = NARCAN_GTIN) -> str:
    code = f"]d201{gtin}17{expiry:%y%m%d}10{lot}"
    return code + (f"{GS}21{serial}" if serial else "")


def test_every_seeded_product_has_a_demo_gtin_that_scans_to_it():
    for code, gtin in DEMO_GTINS.items():
        answer = services.resolve_scan(gtin)
        assert answer.product.code == code and answer.problem is None


def test_receipt_stores_serials_and_refuses_a_carton_scanned_twice(facility, funding):
    product = services.get_product_by_code("narcan-4mg")
    expiry = today() + timedelta(days=500)
    lot = services.receive_lot(None, facility, product, "SC1", expiry, 2, funding, serials=["A1", "A2"])
    db.session.commit()
    assert sorted(db.session.scalars(select(CartonSerial.serial).where(CartonSerial.lot_id == lot.id))) == ["A1", "A2"]
    with pytest.raises(DomainError, match=r"This carton \(serial A2\) was already received on") as caught:
        services.receive_lot(None, facility, product, "SC1", expiry, 1, funding, serials=["A2"])
    assert caught.value.field == "serials"
    db.session.rollback()
    with pytest.raises(DomainError, match="already scanned: serial B1"):
        services.receive_lot(None, facility, product, "SC1", expiry, 2, funding, serials=["B1", "B1"])
    db.session.rollback()
    with pytest.raises(DomainError, match="quantity"):
        services.receive_lot(None, facility, product, "SC1", expiry, 1, funding, serials=["C1", "C2"])
    db.session.rollback()
    assert services.lot_stock(lot.id) == 2


def test_a_carton_received_at_another_facility_is_refused_without_its_date(facility, funding, make_facility):
    product = services.get_product_by_code("narcan-4mg")
    expiry = today() + timedelta(days=500)
    services.receive_lot(None, make_facility("SC-OTHER"), product, "SC9", expiry, 1, funding, serials=["X1"])
    db.session.commit()
    with pytest.raises(DomainError, match=r"^This carton \(serial X1\) was already received at another facility\. "
                                          r"Set it aside and check the delivery\.$"):
        services.receive_lot(None, facility, product, "SC9", expiry, 1, funding, serials=["X1"])
    db.session.rollback()
    scan = services.resolve_scan(_datamatrix("SC9", expiry, "X1"), facility, purpose="receive")
    assert scan.problem == "This carton (serial X1) was already received at another facility."


def test_resolve_scan_answers_with_the_contract_keys(facility, make_lot):
    lot = make_lot(quantity=3, lot_number="AB123", expiry=today() + timedelta(days=300))
    answer = services.resolve_scan(_datamatrix("AB123", lot.expiry_date, "S1"), facility)
    assert answer.lot == lot
    assert answer.as_json() == {"gtin": NARCAN_GTIN, "ndc": "6954762702", "product": "narcan-4mg", "lot": "AB123",
                                "expiry": lot.expiry_date.isoformat(), "serial": "S1", "problem": None}


def test_resolve_scan_refusals(facility, make_lot, make_facility):
    later = today() + timedelta(days=300)
    assert "check digit" in services.resolve_scan("00369547627028", facility).problem
    assert "Unknown product" in services.resolve_scan("9520000000011", facility).problem
    assert "Expired" in services.resolve_scan(_datamatrix("OLD1", today() - timedelta(days=2)), facility).problem
    assert "No such lot here" in services.resolve_scan(_datamatrix("NOPE", later), facility).problem
    other = make_lot(quantity=1, lot_number="THERE", expiry=later, at=make_facility("ELSEWHERE"))
    assert "No such lot here" in services.resolve_scan(_datamatrix("THERE", later), facility).problem
    recalled = make_lot(quantity=2, lot_number="RC1", expiry=later)
    services.recall_lot(None, recalled, "test recall")
    db.session.commit()
    assert "recalled" in services.resolve_scan(_datamatrix("RC1", later), facility).problem
    empty = make_lot(quantity=1, lot_number="EM1", expiry=later)
    services.waste_stock(None, empty, 1, "damaged")
    db.session.commit()
    assert "empty" in services.resolve_scan(_datamatrix("EM1", later), facility).problem
    # A carton that disagrees with its lot's record: a past date on the carton is expired even
    # when the record says otherwise, and any other disagreement is refused until corrected.
    held = make_lot(quantity=2, lot_number="DIFF1", expiry=later)
    assert "Expired" in services.resolve_scan(_datamatrix("DIFF1", today() - timedelta(days=1)), facility).problem
    differs = services.resolve_scan(_datamatrix("DIFF1", later + timedelta(days=30)), facility).problem
    assert f"recorded as expiring on {held.expiry_date.isoformat()}" in differs
    assert services.resolve_scan(_datamatrix("DIFF1", later), facility).problem is None
    # Without a facility only the carton itself is judged.
    assert services.resolve_scan(_datamatrix("NOPE", later)).problem is None
    assert other.facility_id != facility.id


def test_scan_without_expiry_takes_the_held_lots(facility, make_lot):
    lot = make_lot(quantity=3, lot_number="NOEXP")
    answer = services.resolve_scan(f"01{NARCAN_GTIN}10NOEXP", facility)
    assert answer.problem is None and answer.as_json()["expiry"] == lot.expiry_date.isoformat()


def test_admin_adds_a_gtin_to_a_product_with_an_audit_row(app):
    product = services.get_product_by_code("rivive-3mg")
    row = services.add_product_gtin(None, product, "9520000000028")
    db.session.commit()
    assert row.gtin == "09520000000028"
    assert services.resolve_scan("9520000000028").product == product
    audit_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "product.gtin_add"))
    assert audit_row.entity_id == str(product.id)
    with pytest.raises(DomainError, match="already belongs to RiVive"):
        services.add_product_gtin(None, services.get_product_by_code("narcan-4mg"), "09520000000028")
    with pytest.raises(DomainError, match="check digit"):
        services.add_product_gtin(None, product, "9520000000027")
