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
# Whether the state's drug paraphernalia law still counts fentanyl test strips as drug tools:
# "legal" (excluded from the definition), "not_exempt" (still paraphernalia), or "unknown".
TEST_STRIP_STATUSES = ("legal", "not_exempt", "unknown")
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
            "test_strip_status": row.get("test_strip_status", "").strip() or "unknown",
            "test_strip_source": row.get("test_strip_source", "").strip(),
            "test_strip_as_of": (date.fromisoformat(row["test_strip_as_of"])
                                 if row.get("test_strip_as_of", "").strip() else None),
        })
    return rows


# What a checked row replaces in the database (the state, its name, has_gsl and effective date stay).
CHECKED_LAW_COLUMNS = ("source", "conditions", "exclusions", "statute", "is_verified", "notes",
                       "protects_arrest", "protects_charge", "protects_prosecution", "covers_possession",
                       "covers_paraphernalia", "protects_probation_parole")


def checked_law_updates(shipped_as_of: dict[str, date]) -> list:
    """UPDATE statements a migration runs to bring the shipped rows of the states in
    `shipped_as_of` (state -> the as-of date that state's row shipped with) to the checked rows in
    the CSV. Only a row still as shipped is replaced: its as_of is the shipped date, or already the
    checked row's own date (0006 seeds the current CSV on a new install). An admin's edit carries
    its own as-of date and is never overwritten."""
    import sqlalchemy as sa  # here: the rest of this module is plain parsing

    laws = sa.table("good_samaritan_laws", sa.column("state_code"), sa.column("as_of", sa.Date),
                    *(sa.column(name) for name in CHECKED_LAW_COLUMNS))
    return [laws.update()
            .where(laws.c.state_code == row["state_code"],
                   laws.c.as_of.in_([shipped_as_of[row["state_code"]], row["as_of"]]))
            .values(as_of=row["as_of"], **{name: row[name] for name in CHECKED_LAW_COLUMNS})
            for row in law_rows() if row["state_code"] in shipped_as_of]


def shipped_strip_updates() -> list:
    """UPDATE statements that give the shipped test strip facts (status, source, as-of date) to
    the states the CSV knows, only where the row still says unknown: an admin's entry stays."""
    import sqlalchemy as sa  # here: the rest of this module is plain parsing

    laws = sa.table("good_samaritan_laws", sa.column("state_code"), sa.column("test_strip_status"),
                    sa.column("test_strip_source"), sa.column("test_strip_as_of", sa.Date))
    return [laws.update()
            .where(laws.c.state_code == row["state_code"], laws.c.test_strip_status == "unknown")
            .values(test_strip_status=row["test_strip_status"], test_strip_source=row["test_strip_source"],
                    test_strip_as_of=row["test_strip_as_of"])
            for row in law_rows() if row["test_strip_status"] != "unknown"]


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
