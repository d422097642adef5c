"""Carton scans in a real browser (issue 17), with axe on every page: a keyboard-wedge scanner
typing into the receive and kit forms, and the camera path's decoder fed a generated barcode."""
from __future__ import annotations

import base64
import io
import re

from playwright.sync_api import expect
from sqlalchemy import select

from reentry.naloxone.catalog import DEMO_GTINS
from reentry.naloxone.scanning import gtin_from_ndc

NARCAN_GTIN = gtin_from_ndc("69547-627-02")


def _wedge(page, label, *parts: str) -> None:
    """Type a scan as a wedge scanner does: keystrokes, Ctrl+] for each FNC1 (GS), then Enter.
    `label` names the scan field, or is its locator."""
    field = page.get_by_label(label) if isinstance(label, str) else label
    field.click()
    for n, part in enumerate(parts):
        if n:
            page.keyboard.press("Control+BracketRight")
        field.press_sequentially(part, delay=2)
    page.keyboard.press("Enter")


def _demo_lot(live_app, suffix: str):
    from reentry.extensions import db
    from reentry.facilities.models import Facility
    from reentry.naloxone.models import Lot

    with live_app.app_context():
        lot = db.session.scalar(select(Lot).join(Facility).where(
            Facility.code == "DEMO-JAIL", Lot.lot_number.like(f"%-{suffix}")))
        return lot.id, lot.lot_number, lot.expiry_date, DEMO_GTINS[lot.product.code]


def test_wedge_scans_fill_the_receive_form_and_count_cartons(page, a11y, sign_in, live_app):
    sign_in(page, "staff@demo.test")
    page.goto("/naloxone/DEMO-JAIL/lots/receive")
    a11y(page)
    status = page.locator("#scan-status")
    # The first carton with GS1's FNC1 as GS (Ctrl+]), the second with a wedge's "|" substitute.
    _wedge(page, "Scan a carton", f"]d201{NARCAN_GTIN}1729063010SCAN-R1", "21SNR1")
    expect(status).to_contain_text("Scans of this lot so far: 1")
    _wedge(page, "Scan a carton", f"01{NARCAN_GTIN}10SCAN-R1|1729063021SNR2")
    expect(status).to_contain_text("Scans of this lot so far: 2")
    expect(page.get_by_label("Lot number")).to_have_value("SCAN-R1")
    expect(page.get_by_label("Expiry date")).to_have_value("2029-06-30")
    expect(page.get_by_label("Kits received")).to_have_value("2")
    expect(page.get_by_label("Product").locator("option:checked")).to_have_text("Narcan nasal spray 4 mg")
    _wedge(page, "Scan a carton", f"]d201{NARCAN_GTIN}1729063010SCAN-R1", "21SNR2")
    expect(status).to_contain_text("already scanned: serial SNR2")
    expect(page.get_by_label("Kits received")).to_have_value("2")
    _wedge(page, "Scan a carton", "00369547627028")  # a misread: bad check digit
    expect(status).to_contain_text("check digit")
    a11y(page, "after scans")
    page.get_by_label("Paid for by").select_option(label="Federal grant")
    page.get_by_role("button", name="Receive lot").click()
    expect(page.get_by_text("Received 2 kits of lot SCAN-R1.")).to_be_visible()
    a11y(page)

    from reentry.extensions import db
    from reentry.naloxone.models import CartonSerial
    with live_app.app_context():
        assert sorted(db.session.scalars(select(CartonSerial.serial).where(CartonSerial.lot_number == "SCAN-R1"))) \
            == ["SNR1", "SNR2"]


def test_wedge_scan_picks_the_lot_in_the_kit_form_and_refuses_others(page, a11y, sign_in, live_app):
    lot_id, lot_number, expiry, gtin = _demo_lot(live_app, "N1")
    _, recalled_number, recalled_expiry, recalled_gtin = _demo_lot(live_app, "RECALL")
    sign_in(page, "staff@demo.test")
    page.goto("/naloxone/DEMO-JAIL/kits/new")
    a11y(page)
    status = page.locator("#scan-status")
    _wedge(page, "Scan a carton", f"]d201{recalled_gtin}17{recalled_expiry:%y%m%d}10{recalled_number}")
    expect(status).to_contain_text(re.compile("is recalled|Expired"))
    expect(page.get_by_label("Lot", exact=True)).to_have_value("")
    _wedge(page, "Scan a carton", f"]d201{gtin}17{expiry:%y%m%d}10NOT-HERE")
    expect(status).to_contain_text("No such lot here")
    _wedge(page, "Scan a carton", f"]d201{gtin}17{expiry:%y%m%d}10{lot_number}", "21K1")
    expect(page.get_by_label("Lot", exact=True)).to_have_value(str(lot_id))
    _wedge(page, "Scan a carton", f"]d201{gtin}17{expiry:%y%m%d}10{lot_number}", "21K2")
    expect(page.get_by_label("Number of kits")).to_have_value("2")
    a11y(page, "after scans")
    page.get_by_role("button", name="Save kit record").click()
    expect(page.get_by_text("Kit record saved.")).to_be_visible()
    a11y(page)


def _barcode_png(data: str) -> str:
    import barcode
    from barcode.writer import ImageWriter

    out = io.BytesIO()
    barcode.get("gs1_128", data, writer=ImageWriter()).write(out, options={"module_width": 0.4, "quiet_zone": 8})
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_camera_decoder_reads_a_generated_barcode_into_the_form(page, a11y, sign_in):
    """The decoder behind "Scan with camera" (the vendored ZXing where there is no BarcodeDetector)
    reads a GS1-128 image; its text then goes the same way as a camera frame's."""
    sign_in(page, "staff@demo.test")
    page.goto("/naloxone/DEMO-JAIL/lots/receive")
    a11y(page)
    expect(page.get_by_role("button", name="Scan with camera")).to_be_visible()
    image = _barcode_png(f"01{NARCAN_GTIN}17300131" "10CAM-1")
    text = page.evaluate("""async (src) => {
        const img = new Image();
        img.src = src;
        await img.decode();
        const field = window.reentryScanFields[0];
        const text = await field.decode(img);
        field.submit(text);
        return text;
    }""", image)
    assert text is not None and "CAM-1" in text, text
    expect(page.get_by_label("Lot number")).to_have_value("CAM-1")
    expect(page.get_by_label("Expiry date")).to_have_value("2030-01-31")
    a11y(page, "after a camera scan")


def test_scans_count_the_waste_of_the_lots_own_cartons(page, a11y, sign_in, live_app):
    lot_id, lot_number, expiry, gtin = _demo_lot(live_app, "G1")
    sign_in(page, "staff@demo.test")
    page.goto(f"/naloxone/lots/{lot_id}")
    a11y(page)
    status = page.locator("#waste-scan-status")
    for serial in ("W1", "W2"):
        _wedge(page, page.locator("#waste-scan"), f"]d201{gtin}17{expiry:%y%m%d}10{lot_number}", f"21{serial}")
    expect(status).to_contain_text("so far: 2")
    expect(page.locator("#waste-quantity")).to_have_value("2")
    _wedge(page, page.locator("#waste-scan"), f"]d201{gtin}17{expiry:%y%m%d}10OTHER-LOT")
    expect(status).to_contain_text(re.compile("not the lot on this page|No such lot here"))
    expect(page.locator("#waste-quantity")).to_have_value("2")
    a11y(page, "after scans")
