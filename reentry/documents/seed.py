"""Reference data shipped with the package: hotlines (DOMAIN.md section 6) and the Good Samaritan
law table (RAND OPTIC, copied from ../shared/data; see that folder's README). Plain parsing only,
so the migration that seeds a new install can use it without the app."""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
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
        })
    return rows
