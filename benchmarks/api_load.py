"""API load benchmark: gunicorn with 4 workers, 8 integration clients each PUTting 200 bookings.

    .venv/bin/python benchmarks/api_load.py [--clients 8] [--puts 200]
        [--postgres-url postgresql+psycopg://...]   (default $REENTRY_BENCH_POSTGRES_URL)

Each client has its own write key for the facility and PUTs bookings with distinct ids, then PUTs
the first 20 again (an idempotent retry, as a JMS does after a timeout). Afterwards the database
must hold exactly clients x puts bookings, and no response may be a 5xx. Prints p50/p95 PUT latency.
Traffic goes only to 127.0.0.1; bounded in count and time.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.database import migrated_database  # noqa: E402
from benchmarks.load import Server  # noqa: E402
from benchmarks.result import report  # noqa: E402
from tests.conftest import base_config  # noqa: E402

FACILITY = "API-LOAD"
RETRIES = 20


def _seed(database_url: str, clients: int) -> list[str]:
    from reentry import create_app
    from reentry.api.services import create_key
    from reentry.extensions import db
    from reentry.facilities.services import create_facility

    app = create_app(base_config(database_url))
    with app.app_context():
        create_facility(None, FACILITY, "API Load County Jail", "jail", "OH")
        keys = [create_key(None, f"load-{n}", [FACILITY], "write")[1] for n in range(clients)]
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return keys


def _bookings(database_url: str) -> int:
    from reentry import create_app
    from reentry.extensions import db
    from reentry.participants.models import CustodyEpisode

    app = create_app(base_config(database_url))
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count()).select_from(CustodyEpisode))
        db.session.remove()
        db.engine.dispose()
    return count


def _put(base: str, key: str, booking: str, body: dict) -> tuple[int, float]:
    request = urllib.request.Request(f"{base}/api/v1/facilities/{FACILITY}/bookings/{booking}", method="PUT",
                                     data=json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.perf_counter() - started


def run(database_url: str, clients: int, puts: int, time_limit: float = 900):
    keys = _seed(database_url, clients)
    latencies, statuses, lock = [], [], threading.Lock()
    deadline = time.time() + time_limit
    with Server(database_url, REENTRY_API_LIMIT="100000 per minute") as server:
        barrier = threading.Barrier(clients)

        def work(n: int):
            mine, codes = [], []
            barrier.wait()
            for i in list(range(puts)) + list(range(min(RETRIES, puts))):
                if time.time() > deadline:
                    break
                body = {"last_name": f"Loadperson{n}x{i}", "first_name": "Synthetic", "date_of_birth": "1985-05-05",
                        "booking_date": "2026-11-01", "expected_release_date": "2026-12-30", "housing_unit": f"U{i % 9}"}
                status, seconds = _put(server.base, keys[n], f"L{n:02d}-{i:05d}", body)
                mine.append(seconds)
                codes.append(status)
            with lock:
                latencies.extend(mine)
                statuses.extend(codes)

        started = time.perf_counter()
        threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        log = server.log()
    return _bookings(database_url), statuses, latencies, elapsed, log


def _measure(name: str, database_url: str, clients: int, puts: int) -> bool:
    rows, statuses, latencies, seconds, log = run(database_url, clients, puts)
    expected = clients * puts
    errors = sum(1 for s in statuses if s >= 500)
    unexpected = sorted({s for s in statuses if s not in (200, 201)})
    print(f"{name}: {rows} bookings of {expected}, {len(statuses)} PUTs ({clients * min(RETRIES, puts)} retries), "
          f"{errors} responses 5xx, other statuses {unexpected or 'none'}, {seconds:.1f} s")
    if "Traceback" in log:
        print("  the server log shows errors:", log[-1500:])
    report(f"api load {name}: {clients} clients x {puts} booking PUTs, p50", statistics.median(latencies) * 1000, "ms")
    report(f"api load {name}: p95", statistics.quantiles(latencies, n=20)[-1] * 1000, "ms")
    report(f"api load {name}: throughput", len(latencies) / seconds, "PUT/s", higher_is_better=True)
    report(f"api load {name}: bookings missing or extra", abs(rows - expected), "rows", 0)
    report(f"api load {name}: 5xx responses", errors, "responses", 0)
    return rows == expected and errors == 0 and not unexpected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--puts", type=int, default=200)
    parser.add_argument("--postgres-url", default=os.environ.get("REENTRY_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    ok = _measure("SQLite", migrated_database(), args.clients, args.puts)
    if args.postgres_url:
        ok = _measure("PostgreSQL", migrated_database(args.postgres_url), args.clients, args.puts) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
