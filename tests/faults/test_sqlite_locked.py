"""Another process holds SQLite's write lock: writes answer 503 with the friendly page after the
busy timeout, nothing is half-written, and the app recovers by itself when the lock is released.
Reads need no lock under WAL (issue 14 point 1): /healthz and pages that only read stay up."""
import sqlite3
import time
from contextlib import closing

import pytest
import sqlalchemy as sa

from benchmarks.load import Server, StaffClient, counts, seed
from reentry.database import sqlite_busy_timeout_ms  # also registers the connection settings


def test_busy_timeout_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("REENTRY_SQLITE_BUSY_TIMEOUT_MS", "500")
    assert sqlite_busy_timeout_ms() == 500
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'timeout.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 500
    engine.dispose()
    monkeypatch.setenv("REENTRY_SQLITE_BUSY_TIMEOUT_MS", "not a number")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    engine.dispose()


@pytest.mark.slow
def test_locked_database_gives_503_then_recovers(sqlite_file, tmp_path):
    database = sqlite_file
    url = f"sqlite:///{database}"
    seeded = seed(url, staff=1, stock=5)
    with Server(url, log_dir=str(tmp_path), REENTRY_SQLITE_BUSY_TIMEOUT_MS="500") as server:
        staff = StaffClient(server.base)
        staff.sign_in(seeded.emails[0])
        fields = staff.kit_form(seeded.code, seeded.lot_id)

        with closing(sqlite3.connect(database, isolation_level=None)) as locker:
            locker.execute("BEGIN EXCLUSIVE")
            health = staff.get("/healthz")
            assert health.status == 200 and health.seconds < 0.5  # before issue 14: 503
            assert staff.get("/facilities/").status == 200  # a page that only reads
            started = time.perf_counter()
            saved = staff.give_kit(seeded.code, fields)
            waited = time.perf_counter() - started
            assert saved.status == 503
            assert "Nothing was saved" in saved.body and "Traceback" not in saved.body
            assert waited < 10  # the short busy timeout, not the 10 s default, per attempt
            locker.execute("ROLLBACK")

        deadline = time.time() + 20
        while staff.get("/healthz").status != 200:
            assert time.time() < deadline, "the app did not recover after the lock was released"
            time.sleep(0.2)
        again = staff.give_kit(seeded.code, fields)
        assert again.status == 302
        assert staff.get(f"/naloxone/{seeded.code}/kits").status == 200
        log = server.log()
    assert "Traceback" not in log
    assert counts(url, seeded) == (1, 4)
