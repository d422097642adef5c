"""The CDC's ICD-10 definitions of a drug overdose death and an opioid-involved one, as plain
functions (no database), so every figure that counts deaths uses one rule.

- Drug overdose (poisoning) death: underlying cause X40-X44 (unintentional), X60-X64 (suicide),
  X85 (homicide) or Y10-Y14 (undetermined intent).
- Opioid-involved: a drug overdose death with any of T40.0 (opium), T40.1 (heroin), T40.2
  (natural and semi-synthetic opioids), T40.3 (methadone), T40.4 (synthetic opioids other than
  methadone, e.g. fentanyl) or T40.6 (other and unspecified narcotics) among the multiple causes.
- All-cause: every death is kept; these only add the two flags.
Codes come written many ways ("X42", "x42.0", "T401", "T40.1"); `normalise_code` reads them all.
"""
from __future__ import annotations

import re

OVERDOSE_UNDERLYING = (
    *(f"X{n}" for n in range(40, 45)), *(f"X{n}" for n in range(60, 65)), "X85",
    *(f"Y{n}" for n in range(10, 15)),
)
OPIOID_CONTRIBUTING = ("T40.0", "T40.1", "T40.2", "T40.3", "T40.4", "T40.6")
_CODE = re.compile(r"([A-Z])(\d\d)\.?([0-9A-Z]{0,4})")
_SEPARATORS = re.compile(r"[\s,;|/]+")
YES = {"y", "yes", "true", "1", "x", "si", "sí"}
NO = {"n", "no", "false", "0", ""}


def normalise_code(text: str) -> str:
    """One ICD-10 code written as the standard letter, two digits, dot, rest ("T401" -> "T40.1",
    "x42" -> "X42"); ValueError if it is not one."""
    match = _CODE.fullmatch(text.strip().upper().replace("*", ""))
    if match is None:
        raise ValueError(f"{text[:20]!r} is not an ICD-10 code (e.g. X42 or T40.1)")
    letter, digits, rest = match.groups()
    return f"{letter}{digits}.{rest}" if rest else f"{letter}{digits}"


def parse_codes(text: str) -> list[str]:
    """The codes of a multiple-cause cell (separated by spaces, commas, semicolons, | or /),
    normalised, each once, in their order."""
    codes: list[str] = []
    for part in _SEPARATORS.split(text.strip()):
        if part:
            code = normalise_code(part)
            if code not in codes:
                codes.append(code)
    return codes


def is_overdose_code(underlying: str) -> bool:
    """Whether an underlying cause (normalised) is a drug overdose by the CDC definition."""
    return underlying[:3] in OVERDOSE_UNDERLYING


def is_opioid_codes(underlying: str, multiple: list[str]) -> bool:
    """Whether a death is opioid-involved: an overdose with T40.0-T40.4 or T40.6 among the
    multiple causes (a code more precise than the four characters, e.g. T40.41, counts too)."""
    return is_overdose_code(underlying) and any(code[:5] in OPIOID_CONTRIBUTING for code in multiple)


def yes_no(text: str) -> bool:
    """A yes/no cell of a file without codes (yes, y, true, 1, x, sí / no, n, false, 0, empty)."""
    value = text.strip().casefold()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(f"{text[:20]!r} is not yes or no")


def classify(underlying: str, multiple: list[str], overdose_flag: bool | None = None,
             opioid_flag: bool | None = None) -> tuple[bool, bool]:
    """(is_overdose, is_opioid) of one death: from the codes when there is an underlying cause,
    else from the file's yes/no columns (an opioid death is an overdose too)."""
    if underlying:
        return is_overdose_code(underlying), is_opioid_codes(underlying, multiple)
    opioid = bool(opioid_flag)
    return bool(overdose_flag) or opioid, opioid
