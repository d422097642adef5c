"""Roster import throughput: 50,000 synthetic rows into a fresh SQLite database.

    .venv/bin/python benchmarks/import_roster.py [ROWS]

Prints the time to check and write the file (one transaction, as `reentry import-roster` does)
and rows per second; then re-imports the same file (all unchanged) and a snapshot with 1% gone.
Target: 50,000 rows in 10 s or less on a 2-core machine.
"""
from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.result import report  # noqa: E402
from reentry import create_app  # noqa: E402
from reentry.extensions import db  # noqa: E402

LAST = ["Peña", "O'Brien", "Núñez", "García-López", "Smith", "Nguyễn", "Okafor", "Begay", "Müller", "Zhang"]
FIRST = ["José", "Siobhán", "Zoë", "Ana", "Devon", "Thi", "Kim", "Noor", "Sam", "Raúl"]


def roster_csv(rows: int, today: date | None = None, seed: int = 1) -> bytes:
    """`today` is the facility's local date, as the import takes it (default: the test
    facilities' zone; issue 18)."""
    from tests.clock import today as test_facility_today

    rng = random.Random(seed)
    today = today or test_facility_today()
    lines = ["booking_id,last_name,first_name,middle_name,date_of_birth,booking_date,expected_release_date,"
             "housing_unit,preferred_language"]
    for n in range(rows):
        born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 20000))
        start = today - timedelta(days=rng.randint(0, 400))
        expected = "" if rng.random() < 0.6 else (today + timedelta(days=rng.randint(0, 90))).isoformat()
        lines.append(f"BK{n:07d},{rng.choice(LAST)}{n},{rng.choice(FIRST)},,{born.isoformat()},"
                     f"{start.strftime('%m/%d/%Y')},{expected},U-{rng.randint(1, 40)},{rng.choice(['en', 'es'])}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def timed_import(facility, data: bytes, **options):
    from reentry.facilities.services import facility_zone
    from reentry.participants.roster import Mapping, import_roster, parse_roster

    started = time.perf_counter()
    parsed = parse_roster(data, Mapping(), facility_zone(facility))
    result = import_roster(None, facility, parsed, source="benchmark", **options)
    db.session.commit()
    return time.perf_counter() - started, result


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        from tests.conftest import base_config, migrate_to_head

        migrate_to_head(url)
        app = create_app(base_config(url, TESTING=False))
        with app.app_context():
            from reentry.facilities.services import create_facility, facility_today

            facility = create_facility(None, "BENCH", "Benchmark County Jail", "jail", "OH")
            db.session.commit()
            data = roster_csv(rows, facility_today(facility))
            print(f"file: {rows} rows, {len(data) / 1e6:.1f} MB")
            elapsed, result = timed_import(facility, data)
            print(f"first import: {result.summary} in {elapsed:.2f} s = {rows / elapsed:,.0f} rows/s")
            report(f"roster import, {rows:,} new rows (SQLite)", elapsed, "s", 10.0,
                   note=f"{rows / elapsed:,.0f} rows/s")
            elapsed, result = timed_import(facility, data)
            print(f"same file again: {result.summary} in {elapsed:.2f} s = {rows / elapsed:,.0f} rows/s")
            lines = data.split(b"\r\n")
            keep = lines[: len(lines) - rows // 100 - 1] + [b""]
            elapsed, result = timed_import(facility, b"\r\n".join(keep), snapshot=True)
            print(f"snapshot, 1% gone: {result.summary} in {elapsed:.2f} s")
            time_searches(facility)


def time_searches(facility) -> None:
    """The registry's searches at this size: first page and total count, median of 5 runs."""
    from types import SimpleNamespace

    from reentry.facilities.services import facility_today
    from reentry.participants.services import ParticipantFilter, page_of, search_participants

    admin = SimpleNamespace(sees_all_facilities=True)
    for label, criteria in (
        ("name 'pena jose'", ParticipantFilter(query="pena jose")),
        ("booking number", ParticipantFilter(query="BK0049999")),
        ("date of birth", ParticipantFilter(query="1980-06-01")),
        ("facility + housing unit", ParticipantFilter(facility_id=facility.id, housing_unit="U-7")),
        ("release window", ParticipantFilter(release_from=facility_today(facility),
                                             release_to=facility_today(facility) + timedelta(days=14))),
    ):
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            rows, total = page_of(search_participants(admin, criteria), 1, 50)
            runs.append(time.perf_counter() - started)
            db.session.rollback()
        print(f"search by {label}: {total} found, {sorted(runs)[2] * 1000:.0f} ms")
        report(f"participant search by {label}", sorted(runs)[2] * 1000, "ms")


if __name__ == "__main__":
    main()
