"""Reading a carton scan: GS1 DataMatrix contents, GS1-128, GTIN-14 and UPC/EAN codes.

biip does the GS1 parsing (application identifiers, check digits, day 00 as the last day of the
month); this module only turns its result into the fields a naloxone form needs. Plain functions,
no request or database.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import biip
from flask_babel import gettext as _

GS = "\x1d"
# What a keyboard-wedge scanner types for FNC1 when it cannot send the GS control character:
# none of these is in GS1's character set 82, so none can be part of a lot or serial.
WEDGE_SEPARATORS = ("|", "^", "~")
SPELLED_SEPARATORS = ("<GS>", "{GS}", "[GS]", "<gs>", "{gs}", "[gs]")
# AIM symbology identifiers a scanner may send first: GS1 DataMatrix, GS1-128, GS1 QR, EAN/UPC.
SYMBOLOGY_PREFIXES = ("]d2", "]C1", "]Q3", "]E0")


@dataclass(frozen=True)
class Scan:
    """What one scan says. `ndc` is the 10 NDC digits without hyphens: a GTIN does not say where
    the hyphens go (4-4-2, 5-3-2 or 5-4-1), only the label does."""

    gtin: str | None = None
    ndc: str | None = None
    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None
    problem: str | None = None

    def as_dict(self) -> dict:
        values = asdict(self)
        values["expiry"] = self.expiry.isoformat() if self.expiry else None
        return values


def normalize(code: str) -> str:
    """The scan with its symbology prefix, wedge separators and line ending made plain: GS1
    separators become GS, so biip sees one kind."""
    text = (code or "").strip("\r\n\t ")
    for spelled in SPELLED_SEPARATORS:
        text = text.replace(spelled, GS)
    for prefix in SYMBOLOGY_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    # FNC1 in first position is sometimes sent as a leading GS.
    return text.lstrip(GS + "".join(WEDGE_SEPARATORS))


def ndc_from_gtin(gtin14: str) -> str | None:
    """The NDC inside a US drug's GTIN-14 (indicator, "03", 10 NDC digits, check digit)."""
    if len(gtin14) == 14 and gtin14[1:3] == "03":
        return gtin14[3:13]
    return None


def gtin_check_digit(payload: str) -> str:
    """The GS1 mod-10 check digit of a GTIN without its last digit (for building demo GTINs)."""
    total = sum(int(digit) * (3 if i % 2 == 0 else 1) for i, digit in enumerate(reversed(payload)))
    return str((10 - total % 10) % 10)


def gtin_from_ndc(ndc: str) -> str:
    """The GTIN-14 a US drug's carton carries for an NDC (10 digits, hyphens ignored)."""
    digits = ndc.replace("-", "")
    if len(digits) != 10 or not digits.isdigit():
        raise ValueError(f"an NDC has 10 digits, got {ndc!r}")
    payload = "003" + digits
    return payload + gtin_check_digit(payload)


def _element(message, ai: str):
    element = message.element_strings.get(ai=ai) if message else None
    return element


def parse_scan(code: str) -> Scan:
    """Read one scan; `problem` says why it cannot be read (the GTIN's check digit fails, the
    code is not a product barcode)."""
    text = normalize(code)
    if not text:
        return Scan(problem=_("The scan is empty: scan the carton again."))
    config = biip.ParseConfig(separator_chars=(GS, *WEDGE_SEPARATORS))
    result = biip.parse(text, config=config)
    message = result.gs1_message
    gtin_element = _element(message, "01")
    if message is not None and gtin_element is not None and gtin_element.gtin is not None:
        gtin14 = gtin_element.gtin.as_gtin_14()
        lot = _element(message, "10")
        expiry = _element(message, "17")
        serial = _element(message, "21")
        return Scan(gtin=gtin14, ndc=ndc_from_gtin(gtin14), lot=lot.value if lot else None,
                    expiry=expiry.date if expiry else None, serial=serial.value if serial else None)
    if result.gtin is not None:
        gtin14 = result.gtin.as_gtin_14()
        return Scan(gtin=gtin14, ndc=ndc_from_gtin(gtin14))
    errors = " ".join(filter(None, [result.gtin_error, result.gs1_message_error]))
    if "check digit" in errors:
        return Scan(problem=_("The barcode's check digit is wrong, so it was misread or is not a real "
                              "product code: scan it again or type the details from the carton."))
    return Scan(problem=_("This is not a product barcode we can read (no GTIN in it): scan the "
                          "carton's DataMatrix or UPC, or type the details."))
