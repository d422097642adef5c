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


FNC1 = 232  # the DataMatrix codeword for GS1's FNC1 (ISO/IEC 16022 5.2.4.6)


class _Codewords(str):
    """A message ppf-datamatrix encodes as exactly these codewords. ppf-datamatrix has no FNC1 (its
    ASCII codec maps characters only), but it takes whatever `message.encode(codec)` returns and
    adds padding, Reed-Solomon and placement itself, so we hand it the GS1 codewords."""

    def __new__(cls, codewords: bytes):
        text = super().__new__(cls, codewords.hex())
        text.codewords = codewords
        return text

    def encode(self, codec="utf-8", errors="strict"):
        return self.codewords


def _gs1_datamatrix_png(*element_strings: str, scale: int = 8, quiet: int = 4) -> str:
    """A GS1 DataMatrix: FNC1 first (that makes it GS1), then the element strings in ASCII
    encodation (digit pairs packed) with FNC1 between them, drawn as a PNG data URL."""
    import ppf.datamatrix  # noqa: F401  (registers the datamatrix.* codecs)
    from PIL import Image
    from ppf.datamatrix import DataMatrix

    codewords = bytearray([FNC1])
    for n, element in enumerate(element_strings):
        if n:
            codewords.append(FNC1)
        codewords += element.encode("datamatrix.ascii")
    matrix = DataMatrix(_Codewords(bytes(codewords)), codecs=["ascii"]).matrix
    size = (len(matrix[0]) + 2 * quiet, len(matrix) + 2 * quiet)
    image = Image.new("L", size, 255)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                image.putpixel((x + quiet, y + quiet), 0)
    out = io.BytesIO()
    image.resize((size[0] * scale, size[1] * scale), Image.NEAREST).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_camera_decoder_reads_a_generated_gs1_datamatrix(page, a11y, sign_in):
    """The prescription carton's code: a GS1 DataMatrix with FNC1, generated by ppf-datamatrix and
    read by the vendored ZXing. ZXing gives FNC1 as GS, the first one too (no ]d2 prefix)."""
    sign_in(page, "staff@demo.test")
    page.goto("/naloxone/DEMO-JAIL/lots/receive")
    a11y(page)
    image = _gs1_datamatrix_png(f"01{NARCAN_GTIN}17300630" "10DM-LOT-1", "21DMSER1")
    text = page.evaluate("""async (src) => {
        const img = new Image();
        img.src = src;
        await img.decode();
        const field = window.reentryScanFields[0];
        const text = await field.decode(img);
        if (text) { field.submit(text); }
        return text;
    }""", image)
    assert text == f"\x1d01{NARCAN_GTIN}17300630" "10DM-LOT-1\x1d21DMSER1", repr(text)
    expect(page.locator("#scan-status")).to_contain_text("Scans of this lot so far: 1")
    expect(page.get_by_label("Lot number")).to_have_value("DM-LOT-1")
    expect(page.get_by_label("Expiry date")).to_have_value("2030-06-30")
    expect(page.get_by_label("Product").locator("option:checked")).to_have_text("Narcan nasal spray 4 mg")
    a11y(page, "after a DataMatrix camera scan")


UNKNOWN_GTIN = "09520000000011"  # valid check digit; in no demo product


def test_an_admin_adds_an_unknown_gtin_from_the_receive_form_and_scans_again(page, a11y, sign_in):
    sign_in(page, "admin@demo.test")
    page.goto("/naloxone/DEMO-JAIL/lots/receive")
    a11y(page)
    status = page.locator("#scan-status")
    scan = f"]d201{UNKNOWN_GTIN}1729063010NEW-GTIN-1"
    _wedge(page, "Scan a carton", scan, "21NG1")
    expect(status).to_contain_text(f"GTIN {UNKNOWN_GTIN} is not in the catalog yet")
    link = page.get_by_role("link", name=f"Add GTIN {UNKNOWN_GTIN} to a product")
    expect(link).to_be_visible()
    a11y(page, "unknown GTIN")
    link.click()
    page.wait_for_load_state("load")
    a11y(page)
    expect(page.get_by_label("Carton GTIN")).to_have_value(UNKNOWN_GTIN)
    page.get_by_label("Product").select_option(label="RiVive nasal spray 3 mg")
    page.get_by_role("button", name="Add GTIN").click()
    page.wait_for_load_state("load")
    a11y(page)
    expect(page.get_by_text(f"GTIN {UNKNOWN_GTIN} added to RiVive nasal spray 3 mg.")).to_be_visible()
    assert page.url.endswith("/naloxone/DEMO-JAIL/lots/receive")
    _wedge(page, "Scan a carton", scan, "21NG1")
    expect(status).to_contain_text("Scans of this lot so far: 1")
    expect(page.get_by_label("Product").locator("option:checked")).to_have_text("RiVive nasal spray 3 mg")
    expect(page.get_by_label("Lot number")).to_have_value("NEW-GTIN-1")
    a11y(page, "after the GTIN was added")


def test_the_receive_form_refuses_a_carton_received_before_as_it_is_scanned(page, a11y, sign_in, live_app):
    from reentry.extensions import db
    from reentry.facilities.models import Facility
    from reentry.naloxone import services
    from reentry.naloxone.models import FundingSource

    with live_app.app_context():
        facility = db.session.scalar(select(Facility).where(Facility.code == "DEMO-JAIL"))
        services.receive_lot(None, facility, services.get_product_by_code("narcan-4mg"), "SEEN-1",
                             services.facility_today(facility).replace(year=2030), 2,
                             db.session.scalar(select(FundingSource).limit(1)), serials=["SEEN-A", "SEEN-B"])
        db.session.commit()
        received_on = services.facility_today(facility).isoformat()
    sign_in(page, "staff@demo.test")
    page.goto("/naloxone/DEMO-JAIL/lots/receive")
    a11y(page)
    status = page.locator("#scan-status")
    _wedge(page, "Scan a carton", f"]d201{NARCAN_GTIN}1730063010SEEN-1", "21SEEN-C")
    expect(status).to_contain_text("Scans of this lot so far: 1")
    _wedge(page, "Scan a carton", f"]d201{NARCAN_GTIN}1730063010SEEN-1", "21SEEN-B")
    expect(status).to_have_text(f"This carton (serial SEEN-B) was already received on {received_on}.")
    expect(page.get_by_label("Kits received")).to_have_value("1")
    a11y(page, "after a repeated carton")


def test_a_scan_picks_the_lot_in_the_kit_correction_form(page, a11y, sign_in, live_app):
    from reentry.extensions import db
    from reentry.facilities.models import Facility
    from reentry.naloxone import services

    g1_id, *_ = _demo_lot(live_app, "G1")
    n1_id, n1_number, n1_expiry, gtin = _demo_lot(live_app, "N1")
    _, recalled_number, recalled_expiry, recalled_gtin = _demo_lot(live_app, "RECALL")
    with live_app.app_context():
        from reentry.naloxone.models import Lot

        facility = db.session.scalar(select(Facility).where(Facility.code == "DEMO-JAIL"))
        event, _ = services.record_kit_event(None, facility, services.KitDetails(
            occurred_at=services.utcnow(), context="community", outcome="handed", recipient_type="community",
            kits=3, lot=db.session.get(Lot, g1_id)), token=services.new_token())
        db.session.commit()
        event_id = event.id
    sign_in(page, "staff@demo.test")
    page.goto(f"/naloxone/kits/{event_id}/edit")
    a11y(page)
    status = page.locator("#scan-status")
    lot_field = page.get_by_label("Lot", exact=True)
    expect(lot_field).to_have_value(str(g1_id))
    _wedge(page, "Scan a carton", f"]d201{recalled_gtin}17{recalled_expiry:%y%m%d}10{recalled_number}")
    expect(status).to_contain_text(re.compile("is recalled|Expired"))
    expect(lot_field).to_have_value(str(g1_id))
    _wedge(page, "Scan a carton", f"]d201{gtin}17{n1_expiry:%y%m%d}10{n1_number}", "21KC1")
    expect(lot_field).to_have_value(str(n1_id))
    expect(page.get_by_label("Number of kits")).to_have_value("3")  # a correction's scan keeps the count
    a11y(page, "after scans")
    page.get_by_role("button", name="Save correction").click()
    expect(page.get_by_text("Correction saved.")).to_be_visible()
    a11y(page)
    with live_app.app_context():
        from reentry.naloxone.models import KitEvent

        corrected = db.session.get(KitEvent, event_id)
        assert (corrected.lot_id, corrected.kits) == (n1_id, 3)
