"""Audit benchmark: appending rows through `audit.record`, and verifying the hash chain (issue 14).

    .venv/bin/python benchmarks/audit_chain.py [--rows 10000]
        [--database-url postgresql+psycopg://...]   (default: a fresh SQLite file in a temp dir)

Prints rows/s for `audit.record` with one commit per row (one user action = one transaction, the
way the app writes them), then for the same number of rows in a single transaction (an import),
then the time `reentry audit verify` takes over everything written. Synthetic data only. On
PostgreSQL the given database's public schema is dropped and rebuilt.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.database import migrated_database  # noqa: E402
from benchmarks.result import report  # noqa: E402
from tests.conftest import TEST_PASSWORD, base_config  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = migrated_database(args.database_url)

    from reentry import audit, create_app
    from reentry.auth import services as auth
    from reentry.extensions import db
    from reentry.facilities.services import create_facility

    app = create_app(base_config(url))
    with app.app_context():
        engine = db.engine.dialect.name
        facility = create_facility(None, "BENCH-JAIL", "Benchmark County Jail", "jail", "OH")
        staff = auth.create_user(None, "bench.staff@example.test", "staff", TEST_PASSWORD, [facility])
        db.session.commit()
        # record() reads only the actor's id and email; a plain stand-in keeps loading the account
        # (which the app does once per request anyway) out of the figure.
        actor, facility_id = SimpleNamespace(id=staff.id, email=staff.email), facility.id
        db.session.remove()

        def appended_per_second(commit_each: bool) -> float:
            start = time.perf_counter()
            for n in range(args.rows):
                audit.record(actor, "participant.read", "participant", n, facility_id=facility_id,
                             changes={"page": "detail", "n": n})
                if commit_each:
                    db.session.commit()
            db.session.commit()
            return args.rows / (time.perf_counter() - start)

        for label, commit_each in (("one commit each", True), ("one transaction", False)):
            report(f"audit rows appended, {label} ({engine})", appended_per_second(commit_each), "rows/s",
                   higher_is_better=True, note=f"{args.rows:,} rows through audit.record")

        try:
            from reentry.audit.chain import verify_chain
        except ImportError:  # measuring the code from before the chain existed
            verify_chain = None
        if verify_chain is not None:
            start = time.perf_counter()
            result = verify_chain()
            elapsed = time.perf_counter() - start
            assert result.is_intact, result.problem
            report(f"audit verify ({engine})", result.rows / elapsed, "rows/s", higher_is_better=True,
                   note=f"{result.rows:,} rows in {elapsed:.2f} s")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
