"""Reports benchmark: each report and the dashboard at scale, against one hand-written SQL query.

    .venv/bin/python benchmarks/reports.py [--releases 200000] [--kit-events 1000000] [--seed 1]
        [--rounds 5] [--database-url postgresql+psycopg://...]   (default: a fresh SQLite file)

Fills the database with `reentry synth`, then for each report over the last 12 months
(distribution, coverage, training, inventory, reversals with self-administration counted, and
recall of the first lot) prints the median time of the report service, of the best hand-written
SQL for the same aggregate (benchmarks/hand_sql.py), and their ratio (target <= 1.3); then the
dashboard (target < 100 ms): its first visit ever, which counts every month and stores the
closed ones, every later visit, and a visit after a late edit. Synthetic data only. On PostgreSQL the given
database's public schema is dropped and rebuilt.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.hand_sql import (DISTRIBUTION_SQL, curriculum_domains, curriculum_items, facility_bounds,  # noqa: E402
                                 hand_coverage, hand_decline_reasons, hand_distribution, hand_inventory, hand_recall,
                                 hand_reversals, hand_stock, hand_training)
from benchmarks.database import analyze, migrated_database  # noqa: E402
from benchmarks.result import report  # noqa: E402
from tests.conftest import base_config  # noqa: E402


def paired_medians_ms(ours, hand, rounds: int) -> tuple[float, float]:
    """Median times of two functions run in turn, so a machine that drifts slows both alike."""
    times = ([], [])
    for _ in range(rounds):
        for fn, kept in zip((ours, hand), times):
            began = time.perf_counter()
            fn()
            kept.append((time.perf_counter() - began) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


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
    url = migrated_database(args.database_url)

    from sqlalchemy import text

    from reentry import create_app
    from reentry.extensions import db
    from reentry.facilities.models import Facility
    from reentry.facilities.services import facility_today
    from reentry.reports import dashboard, metrics, rollups
    from reentry.reports.services import (
        ReportParams, coverage, distribution, inventory, quarterly, recall, reversals, training,
    )
    from reentry.reports.synth import synthesize

    app = create_app(base_config(url))
    with app.app_context():
        began = time.perf_counter()
        synthesize(args.releases, args.kit_events, args.seed)
        db.session.commit()
        loaded = time.perf_counter() - began
        engine = db.engine.dialect.name
        analyze(db)
        size = f"{args.releases:,} releases, {args.kit_events:,} kit events, {engine}"
        report(f"reports: synth load ({size})", loaded, "s", note="bulk inserts, one transaction")
        # The anchor synth used: the earliest of its facilities' local dates.
        today = min(facility_today(f) for f in db.session.scalars(db.select(Facility)))
        start, _ = dashboard.window(today)
        params = ReportParams(start, today)
        bounds = {"start": start, "end": today}
        month = DISTRIBUTION_SQL[engine]
        # Recall looks up one lot number: the first lot's, which synth gives many kits.
        lot = db.session.scalar(text("SELECT lot_number FROM naloxone_lots ORDER BY id LIMIT 1"))
        # The hand-written training and inventory queries get the curriculum's item domains and
        # each facility's period in UTC as bound values, worked out here once, as constants a
        # hand-written query would carry; the services work them out on every run.
        reports = (
            ("distribution", distribution, params, text(hand_distribution(month)), bounds),
            ("coverage", coverage, params, text(hand_coverage(month)), bounds),
            ("training", training, params, hand_training(month, curriculum_items(), curriculum_domains()), bounds),
            ("inventory", inventory, params, hand_inventory(facility_bounds(start, today)),
             {"horizon": today + timedelta(days=90)}),
            ("reversals", reversals, ReportParams(start, today, count_self=True), text(hand_reversals(month)),
             bounds),
            (f"recall of lot {lot}", recall, ReportParams(start, today, lot=lot), text(hand_recall()),
             {**bounds, "lot": lot}),
        )
        for name, service, service_params, sql, values in reports:
            ours, hand = paired_medians_ms(lambda: service(None, service_params),
                                           lambda: db.session.execute(sql, values).all(), args.rounds)
            report(f"reports: {name}, 12 months ({size})", ours, "ms", note=f"hand-written SQL {hand:.0f} ms")
            report(f"reports: {name} / hand-written SQL", ours / hand, "x", 1.3)
        # Quarterly and the dashboard are several aggregates: compared with the hand-written
        # queries of their parts run one after another.
        def run_all(queries):
            return lambda: [db.session.execute(sql, values).all() for sql, values in queries]

        parts = {name: (sql, values) for name, _, _, sql, values in reports}
        declines = (text(hand_decline_reasons()), bounds)
        quarterly_parts = [parts[n] for n in ("distribution", "coverage", "training", "inventory", "reversals")]
        ours, hand = paired_medians_ms(lambda: quarterly(None, params), run_all([*quarterly_parts, declines]),
                                       args.rounds)
        report(f"reports: quarterly, 12 months ({size})", ours, "ms",
               note=f"hand-written SQL of its tables {hand:.0f} ms")
        report("reports: quarterly / hand-written SQL", ours / hand, "x", 1.3)
        dashboard_hand = run_all([parts[n] for n in ("distribution", "coverage", "training", "reversals")]
                                 + [(text(hand_stock()), {})])
        # The dashboard: closed months from rollups, the open month counted live (nothing is
        # kept in memory, so every visit is what a first visitor gets).
        began = time.perf_counter()
        dashboard.build_dashboard(None, today)
        db.session.commit()
        first = (time.perf_counter() - began) * 1000
        report(f"reports: dashboard, first visit ever ({size})", first, "ms",
               note="counts 12 months and stores the 11 closed ones; `reentry rollups refresh` does this nightly")
        ours, hand = paired_medians_ms(lambda: dashboard.build_dashboard(None, today), dashboard_hand, args.rounds)
        report(f"reports: dashboard ({size})", ours, "ms", 100,
               note=f"hand-written SQL of its 12 months {hand:.0f} ms")
        report("reports: dashboard / hand-written SQL", ours / hand, "x", 1.3)
        facility_ids = db.session.scalars(text("SELECT id FROM facilities")).all()
        late = [(fid, metrics.months_between(start, today)[-2]) for fid in facility_ids]

        def after_late_edit():
            rollups.mark_stale(db.session, late)
            dashboard.build_dashboard(None, today)
            db.session.rollback()  # keep the stale mark for the next round

        db.session.commit()
        report(f"reports: dashboard after a late edit to last month ({size})", median_ms(after_late_edit, args.rounds),
               "ms", note="last month counted again for every facility")


if __name__ == "__main__":
    main()
