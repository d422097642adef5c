"""Naloxone benchmark: kit events recorded through the service layer, and the worklist page.

    .venv/bin/python benchmarks/naloxone_events.py [--events 10000] [--releases 500]
        [--database-url postgresql+psycopg://...]   (default: a fresh SQLite file in a temp dir)

Prints events/s for `record_kit_event` with one commit per event (one submit = one transaction,
as in the app: lot lock, stock check, event row, movement row, audit row), then the median time of
GET /naloxone/<code>/worklist with N people on it (target < 150 ms for 500).
Synthetic data only. On PostgreSQL the given database's public schema is dropped and rebuilt.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.database import migrated_database  # noqa: E402
from benchmarks.result import report  # noqa: E402
from tests.conftest import TEST_PASSWORD, base_config  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--releases", type=int, default=500)
    parser.add_argument("--database-url")
    parser.add_argument("--profile", action="store_true", help="cProfile the worklist requests")
    args = parser.parse_args()
    url = migrated_database(args.database_url)

    from reentry import create_app
    from reentry.auth import services as auth
    from reentry.extensions import db
    from reentry.facilities.services import create_facility
    from reentry.naloxone import services
    from reentry.naloxone.models import KitEvent
    from reentry.participants.models import CustodyEpisode, Participant

    app = create_app(base_config(url))
    with app.app_context():
        facility = create_facility(None, "BENCH-JAIL", "Benchmark County Jail", "jail", "OH")
        staff = auth.create_user(None, "bench.staff@example.test", "staff", TEST_PASSWORD, [facility])
        funding = services.active_funding_sources()[0]
        product = services.get_product_by_code("narcan-4mg")
        lots = [services.receive_lot(None, facility, product, f"BENCH-{n:02d}", services.facility_today(facility)
                                     + timedelta(days=400 + n), 1_000, funding) for n in range(args.events // 800 + 2)]
        today = services.facility_today(facility)
        people = []
        for n in range(max(args.releases, 2_000)):
            person = Participant(last_name=f"Benchperson{n:05d}", first_name="Synthetic",
                                 search_name=f"benchperson{n:05d} synthetic")
            db.session.add(person)
            people.append(person)
        db.session.flush()
        episodes = []
        for n, person in enumerate(people):
            # The first `releases` people are on the worklist: released in the last 3 days or due in
            # the next 7; the rest left earlier (they carry most of the kit history).
            if n < args.releases:
                dates = dict(release_date=today - timedelta(days=n % 4)) if n % 3 == 0 else \
                    dict(expected_release_date=today + timedelta(days=n % 8))
            else:
                dates = dict(release_date=today - timedelta(days=10 + n % 500))
            episode = CustodyEpisode(participant_id=person.id, facility_id=facility.id, booking_id=f"BK{n:06d}",
                                     housing_unit=f"Unit {n % 6}", **dates)
            db.session.add(episode)
            episodes.append(episode)
        db.session.commit()
        lot_ids = [lot.id for lot in lots]
        episode_ids = [e.id for e in episodes[args.releases:]]
        facility_id, staff_id = facility.id, staff.id
        db.session.remove()

        start = time.perf_counter()
        for n in range(args.events):
            actor = db.session.get(type(staff), staff_id)
            fac = db.session.get(type(facility), facility_id)
            lot = db.session.get(type(lots[0]), lot_ids[n // 800])
            outcome = "declined" if n % 7 == 0 else "property" if n % 5 == 0 else "handed"
            details = services.KitDetails(
                occurred_at=services.utcnow() - timedelta(hours=n % 2000), context="release", outcome=outcome,
                recipient_type="participant", lot=None if outcome == "declined" else lot,
                decline_reason="no_need" if outcome == "declined" else None, supply="first")
            services.record_kit_event(actor, fac, details, token=services.new_token(),
                                      episode=db.session.get(CustodyEpisode, episode_ids[n % len(episode_ids)]))
            db.session.commit()
            if (n + 1) % 2000 == 0:
                print(f"  {n + 1} events, {(n + 1) / (time.perf_counter() - start):,.0f} events/s so far", flush=True)
        elapsed = time.perf_counter() - start
        count = db.session.scalar(db.select(db.func.count(KitEvent.id)))
        print(f"engine: {db.engine.dialect.name}")
        print(f"kit events: {args.events} recorded in {elapsed:.2f} s = {args.events / elapsed:,.0f} events/s "
              f"(one commit each; {count} rows)")
        report(f"kit events through the service layer ({db.engine.dialect.name})", args.events / elapsed,
               "events/s", note=f"{args.events:,} events, one commit each")

    client = app.test_client()
    client.post("/login", data={"email": "bench.staff@example.test", "password": TEST_PASSWORD})
    client.get("/naloxone/BENCH-JAIL/worklist")  # warm-up: templates compiled, caches filled
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(client.get, "/naloxone/BENCH-JAIL/worklist")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    times = []
    for _ in range(15):
        start = time.perf_counter()
        response = client.get("/naloxone/BENCH-JAIL/worklist")
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = html.count("Record kit<span")
    print(f"worklist: {rows} people listed, median {statistics.median(times):.1f} ms, "
          f"best {min(times):.1f} ms over {len(times)} requests (target < 150 ms)")
    report(f"release worklist page, {rows} people", statistics.median(times), "ms", 150,
           note=f"median of {len(times)} requests")
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
