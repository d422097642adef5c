"""De-identified aggregate tables for researchers and health departments.

Only counts leave: no names, dates of birth, booking numbers or ZIP codes (not even 3 digits: no
table needs them). Every table goes through small-cell and complementary suppression.
"""
from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from reentry import audit
from reentry.csvutil import csv_text
from reentry.extensions import db
from reentry.naloxone.models import AGE_BANDS
from reentry.outcomes.report import DEIDENTIFIED_ABOUT, deidentified_outcome_tables
from reentry.participants.models import CustodyEpisode, Participant
from reentry.reports import metrics
from reentry.reports.services import ReportParams, _resolve, coverage_groups, distribution_groups
from reentry.reports.suppression import Table, csv_rows

GENDERS = ("female", "male", "another_gender", "unknown")
_GENDER_WORDS = {"f": "female", "female": "female", "woman": "female", "m": "male", "male": "male", "man": "male"}


def age_band(born: date | None, on: date) -> str:
    """The age band (as on use reports) of a person born on `born`, on the day `on`."""
    if born is None:
        return "unknown"
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for limit, band in ((18, "under_18"), (25, "18_24"), (35, "25_34"), (45, "35_44"), (55, "45_54"),
                        (65, "55_64")):
        if age < limit:
            return band
    return "65_plus"


def gender_group(text: str) -> str:
    """Free-text gender folded into four groups, so no rare answer can single a person out."""
    cleaned = (text or "").strip().lower()
    if not cleaned:
        return "unknown"
    return _GENDER_WORDS.get(cleaned, "another_gender")


def _grid(row_labels, column_labels, counter) -> Table:
    return Table(list(row_labels), list(column_labels),
                 [[counter.get((r, c), 0) for c in column_labels] for r in row_labels])


def deidentified_tables(actor, params: ReportParams) -> dict[str, str]:
    """File name -> CSV text of each suppressed table, plus about.txt saying what they are."""
    scope = _resolve(actor, params)
    months = metrics.months_between(params.start, params.end)
    codes = [f.code for f in scope.facilities]
    releases = Counter({(g.month, g.facility): g.releases for g in coverage_groups(params, scope)})
    kits = Counter()
    for g in distribution_groups(params, scope) if codes else []:
        kits[(g.month, g.facility)] += g.kits
    people = db.session.execute(
        select(CustodyEpisode.release_date, Participant.date_of_birth, Participant.gender, Participant.destination_state)
        .join(Participant, Participant.id == CustodyEpisode.participant_id)
        .where(CustodyEpisode.is_voided.is_(False), CustodyEpisode.facility_id.in_(scope.facility_ids),
               CustodyEpisode.release_date >= params.start, CustodyEpisode.release_date <= params.end)
    ).all()
    by_age = Counter((age_band(born, released), gender_group(gender)) for released, born, gender, _ in people)
    states = Counter((state or "unknown") for *_, state in people)
    tables = {
        "releases_by_month_facility.csv": (_grid(months, codes, releases), "month"),
        "kits_given_by_month_facility.csv": (_grid(months, codes, kits), "month"),
        "releases_by_age_band_gender.csv": (_grid(AGE_BANDS, GENDERS, by_age), "age_band"),
        "releases_by_destination_state.csv": (
            _grid(sorted(states), ["releases"], {(s, "releases"): n for s, n in states.items()}), "destination_state"),
    }
    files = {}
    for name, (table, corner) in tables.items():
        header, rows = csv_rows(table, corner)
        files[name] = csv_text(header, rows)
    outcome_files = deidentified_outcome_tables(actor, params, scope)
    files.update(outcome_files)
    files["about.txt"] = "\n".join([
        f"De-identified tables, {params.start.isoformat()} to {params.end.isoformat()}; facilities: "
        f"{', '.join(codes) or 'none'}.",
        "Counts of 1 to 10 are shown as <11. Cells shown as * are hidden as well, so that no hidden count",
        "can be worked out from the row and column totals. Zeros are shown.",
        "Releases: custody episodes whose actual release date is in the period. Kits given: kit events",
        "handed or placed in property, not voided, by the facility's local month. Age band: age on the",
        "release date. No names, dates of birth, booking numbers or ZIP codes are included.",
        *(DEIDENTIFIED_ABOUT if outcome_files else []),
    ]) + "\n"
    audit.record(actor, "report.export", "report", "deidentified",
                 changes={"period": [params.start.isoformat(), params.end.isoformat()], "facilities": codes,
                          "files": sorted(files)})
    return files
