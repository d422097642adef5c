"""Reports benchmark: each report and the dashboard at scale, against one hand-written SQL query.

    .venv/bin/python benchmarks/reports.py [--releases 200000] [--kit-events 1000000] [--seed 1]
        [--rounds 5] [--database-url postgresql+psycopg://...]   (default: a fresh SQLite file)

Fills the database with `reentry synth`, then for distribution and coverage over the last 12
months prints the median time of the report service, of the best hand-written SQL for the same
aggregate, and their ratio (target <= 1.3); then the dashboard, cold (every query) and warm
(its cached aggregates; target < 100 ms). Synthetic data only. On PostgreSQL the given
database's public schema is dropped and rebuilt.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.result import report  # noqa: E402
from tests.conftest import base_config, migrate_to_head, reset_postgres_schema  # noqa: E402

DISTRIBUTION_SQL = {
    "sqlite": "substr(event_date, 1, 7)",
    "postgresql": "to_char(event_date, 'YYYY-MM')",
}


def hand_distribution(month: str) -> str:
    return f"""
        SELECT k.month, f.code, p.code, k.outcome, k.supply, k.kits, p.devices_per_kit
        FROM (SELECT {month} AS month, facility_id, product_id, outcome, supply, SUM(kits) AS kits
              FROM naloxone_kit_events
              WHERE is_voided = false AND event_date >= :start AND event_date <= :end
              GROUP BY {month}, facility_id, product_id, outcome, supply) k
        JOIN facilities f ON f.id = k.facility_id
        LEFT JOIN naloxone_products p ON p.id = k.product_id"""


def hand_coverage(month: str) -> str:
    month = month.replace("event_date", "e.release_date")
    return f"""
        SELECT {month} AS month, e.facility_id, COUNT(*) AS releases,
               SUM(CASE WHEN k.kits > 0 THEN 1 ELSE 0 END) AS with_kit, SUM(COALESCE(k.kits, 0)) AS kits,
               SUM(CASE WHEN s.high THEN 1 ELSE 0 END) AS high_need
        FROM custody_episodes e
        LEFT JOIN (SELECT episode_id, SUM(kits) AS kits FROM naloxone_kit_events
                   WHERE outcome IN ('handed', 'property') AND is_voided = false
                     AND episode_id IN (SELECT id FROM custody_episodes WHERE is_voided = false
                                        AND release_date >= :start AND release_date <= :end)
                   GROUP BY episode_id) k ON k.episode_id = e.id
        LEFT JOIN (SELECT episode_id, MAX(CASE WHEN opioid_use_before_custody THEN 1 ELSE 0 END) = 1 AS high
                   FROM release_screenings WHERE episode_id IS NOT NULL GROUP BY episode_id) s ON s.episode_id = e.id
        WHERE e.is_voided = false AND e.release_date >= :start AND e.release_date <= :end
        GROUP BY {month}, e.facility_id"""


def median_ms(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=200_000)
    parser.add_argument("--kit-events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url
    if url:
        reset_postgres_schema(url)
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='reentry-bench-')}/bench.sqlite3"
    migrate_to_head(url)

    from sqlalchemy import text

    from reentry import create_app
    from reentry.extensions import db
    from reentry.reports import dashboard
    from reentry.reports.services import ReportParams, coverage, distribution
    from reentry.reports.synth import synthesize

    app = create_app(base_config(url))
    with app.app_context():
        began = time.perf_counter()
        synthesize(args.releases, args.kit_events, args.seed)
        db.session.commit()
        loaded = time.perf_counter() - began
        engine = db.engine.dialect.name
        if engine == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE)"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        size = f"{args.releases:,} releases, {args.kit_events:,} kit events, {engine}"
        report(f"reports: synth load ({size})", loaded, "s", note="bulk inserts, one transaction")
        today = date.today()
        start, _ = dashboard.window(today)
        params = ReportParams(start, today)
        bounds = {"start": start, "end": today}
        month = DISTRIBUTION_SQL[engine]
        for name, service, sql in (("distribution", distribution, hand_distribution(month)),
                                   ("coverage", coverage, hand_coverage(month))):
            ours = median_ms(lambda: service(None, params), args.rounds)
            hand = median_ms(lambda: db.session.execute(text(sql), bounds).all(), args.rounds)
            report(f"reports: {name}, 12 months ({size})", ours, "ms", note=f"hand-written SQL {hand:.0f} ms")
            report(f"reports: {name} / hand-written SQL", ours / hand, "x", 1.3)
        def cold():
            dashboard._cache.clear()
            dashboard.build_dashboard(None, today)

        report(f"reports: dashboard, cold ({size})", median_ms(cold, args.rounds), "ms",
               note="every query; what the first visitor of the minute waits")
        dashboard.build_dashboard(None, today)
        report(f"reports: dashboard, cached ({size})",
               median_ms(lambda: dashboard.build_dashboard(None, today), args.rounds), "ms", 100)


if __name__ == "__main__":
    main()
