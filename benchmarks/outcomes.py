"""Linkage benchmark (issue 15): a 200,000-release world and a 50,000-record death file.

    .venv/bin/python benchmarks/outcomes.py [--releases 200000] [--deaths 50000] [--seed 1]
        [--database-url postgresql+psycopg://...]   (default: a fresh SQLite file)

Fills the database with `reentry synth --deaths` (realistic names; a fifth of the deaths are
released people with typos, swapped day and month, nicknames, double surnames, swapped names,
moved ZIPs; the rest other people, some namesakes), then times `link_deaths` end to end (read
the rows, train Splink, score, write the pairs and their audit rows, commit): target under 2
minutes on a 2-core machine. Prints precision and recall of the linked set against the known
truth, the peak memory of the process, a second run (every pair already stored), and the
outcomes report when it is registered. On PostgreSQL the given database's public schema is
dropped and rebuilt (benchmarks/run passes REENTRY_BENCH_POSTGRES_URL).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.database import analyze, migrated_database  # noqa: E402
from benchmarks.result import report  # noqa: E402
from tests.conftest import base_config  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=200_000)
    parser.add_argument("--deaths", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = migrated_database(args.database_url)
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"

    from sqlalchemy import func, select

    from reentry import create_app
    from reentry.extensions import db
    from reentry.outcomes.linkage import link_deaths
    from reentry.outcomes.models import DeathLink
    from reentry.outcomes.synth import true_pairs
    from reentry.reports.synth import synthesize

    app = create_app(base_config(url))
    with app.app_context():
        began = time.perf_counter()
        counts = synthesize(args.releases, args.releases // 2, args.seed, deaths=args.deaths)
        db.session.commit()
        print(f"synthetic world in {time.perf_counter() - began:.1f} s: "
              + ", ".join(f"{n:,} {what.replace('_', ' ')}" for what, n in counts.items()))
        analyze(db)
        before_rss = peak_rss_mb()

        began = time.perf_counter()
        result = link_deaths(None)
        db.session.commit()
        elapsed = time.perf_counter() - began
        print(f"link-deaths: {result.summary} in {elapsed:.1f} s")
        report(f"link-deaths, {args.releases:,} releases x {args.deaths:,} deaths ({backend})", elapsed, "s", 120.0,
               note=result.summary)

        after, before = true_pairs()
        statuses = dict(((d, p), s) for d, p, s in db.session.execute(
            select(DeathLink.death_record_id, DeathLink.participant_id, DeathLink.status)))
        linked = {key for key, status in statuses.items() if status == "linked"}
        hits = len(linked & after)
        precision = hits / max(len(linked), 1)
        recall = hits / max(len(after), 1)
        before_in_review = sum(1 for key in before if statuses.get(key) == "review")
        print(f"truth: {len(after):,} deaths after a release, {len(before):,} before; linked {len(linked):,}, "
              f"of them true {hits:,}; deaths before release sent to review {before_in_review}/{len(before)}")
        report(f"link-deaths precision ({backend})", precision, "", 0.98, higher_is_better=True)
        report(f"link-deaths recall ({backend})", recall, "", 0.95, higher_is_better=True)
        report(f"link-deaths peak memory ({backend})", peak_rss_mb(), "MB",
               note=f"process peak RSS; {before_rss:,.0f} MB before linking")

        began = time.perf_counter()
        again = link_deaths(None)
        db.session.commit()
        report(f"link-deaths again, all pairs stored ({backend})", time.perf_counter() - began, "s", 120.0,
               note=again.summary)
        pairs = db.session.scalar(select(func.count()).select_from(DeathLink))
        print(f"{pairs:,} candidate pairs stored")

        from reentry.reports.services import REPORTS

        if "outcomes" not in REPORTS:
            print("outcomes report: not registered in reentry.reports.services.REPORTS yet (not timed)")
            return
        from datetime import timedelta

        from reentry.facilities.models import Facility
        from reentry.facilities.services import facility_today
        from reentry.reports.services import ReportParams, run_report

        today = min(facility_today(f) for f in db.session.scalars(select(Facility)))
        params = ReportParams(start=today - timedelta(days=3 * 365), end=today)
        times = []
        for _ in range(3):
            began = time.perf_counter()
            run_report(None, "outcomes", params)
            times.append(time.perf_counter() - began)
            db.session.rollback()
        report(f"outcomes report, 3 years ({backend})", sorted(times)[1], "s", 2.0)


if __name__ == "__main__":
    main()
