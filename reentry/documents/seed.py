"""Reference data shipped with the package: hotlines (DOMAIN.md section 6) and the Good Samaritan
law table (RAND OPTIC, copied from ../shared/data; see that folder's README). Plain parsing only,
so the migration that seeds a new install can use it without the app."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
# Conditions a protection carries and people it leaves out; codes with a number take it after ':'.
LAW_CONDITIONS = ("must_stay", "give_name", "cooperate", "first_caller", "treatment_within_days",
                  "limited_uses", "small_amount", "defense_only")
LAW_EXCLUSIONS = ("supervision", "prior_convictions", "sale_amounts")
LAW_FIELDS = ("has_gsl", "protects_arrest", "protects_charge", "protects_prosecution",
              "covers_possession", "covers_paraphernalia", "protects_probation_parole")


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def hotline_rows() -> list[dict]:
    rows = []
    for order, row in enumerate(_rows("hotlines.csv")):
        verified_on = row["last_verified_on"].strip()
        rows.append({
            "key": row["key"], "name_en": row["name_en"], "name_es": row["name_es"],
            "number": row["number"], "description_en": row["description_en"],
            "description_es": row["description_es"], "is_verified": row["is_verified"] == "yes",
            "last_verified_on": date.fromisoformat(verified_on) if verified_on else None,
            "last_verified_by": "seed data" if verified_on else "", "source": row["source"],
            "sort_order": order,
        })
    return rows


def law_rows() -> list[dict]:
    rows = []
    for row in _rows("good_samaritan_laws.csv"):
        values = {field: row[field].strip() or "unknown" for field in LAW_FIELDS}
        rows.append({
            "state_code": row["state_code"], "state_name": row["state_name"],
            "effective_date": row["effective_date"].strip(), "notes": row["notes"],
            "source": row["source"], "as_of": date.fromisoformat(row["as_of"]),
            "is_verified": row["verified"] == "yes", **values,
            "conditions": row.get("conditions", "").strip(), "exclusions": row.get("exclusions", "").strip(),
            "statute": row.get("statute", "").strip(),
        })
    return rows


def parse_law_codes(text: str, allowed: tuple[str, ...], field: str) -> list[tuple[str, int | None]]:
    """'treatment_within_days:30 limited_uses:2' -> [(code, 30), (code, 2)]; ValueError names the
    field and the bad code, so an admin's typo is never silently dropped from a packet."""
    codes = []
    for token in text.replace(",", " ").split():
        code, _, number = token.partition(":")
        if code not in allowed:
            raise ValueError(f"{field}: unknown code {code!r} (use {', '.join(allowed)})")
        if number and not number.isdigit():
            raise ValueError(f"{field}: {token!r} needs a whole number after ':'")
        codes.append((code, int(number) if number else None))
    return codes
