"""kill -9 of the gunicorn server while it writes a 50,000-row roster uploaded through the import
page: after a restart nothing of that import is in the database, what was there before is intact,
and PRAGMA integrity_check passes. SQLite always; PostgreSQL too when REENTRY_TEST_POSTGRES_URL is
set. (tests/participants/test_import_interrupted.py kills the CLI.)"""
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa

from benchmarks.import_roster import roster_csv
from benchmarks.load import ROOT, Server, StaffClient, form_fields, seed
from tests.conftest import POSTGRES_URL

ROWS = 50_000


def _counts(url: str) -> tuple[int, int, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        counts = tuple(conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))
                       for table in ("participants", "custody_episodes", "audit_events"))
    engine.dispose()
    return counts


def _preview(staff: StaffClient, csv: bytes) -> dict[str, str]:
    """Upload a roster on the import page; the fields of the "Import now" form it shows."""
    fields = form_fields(staff.get("/participants/import").body, "facility")
    page = staff.request("/participants/import", fields, files={"bookings": ("roster.csv", csv)}, timeout=300)
    assert page.status == 200, page.status
    return form_fields(page.body, "upload")


def _kill_while_writing(url: str, tmp_path: Path, writing) -> tuple[int, int, int]:
    """Import a small roster, then kill -9 the server once `writing()` says the 50k import's
    write phase is under way; returns the counts from before the big import."""
    seeded = seed(url, staff=1, stock=1)
    token = None
    server = Server(url, log_dir=str(tmp_path)).start()
    try:
        staff = StaffClient(server.base)
        staff.sign_in(seeded.emails[0])
        # Something already there, which must survive untouched.
        small = _preview(staff, b"booking_id,last_name,first_name,date_of_birth\r\nKEEP1,Pena,Ana,1980-01-01\r\n")
        assert staff.post("/participants/import/confirm", small).status == 302
        confirm = _preview(staff, roster_csv(ROWS))
        token = confirm["upload"]
        before = _counts(url)
        assert before[0] == 1
        writing(start=True)
        outcome = {}

        def import_now():
            try:
                outcome["response"] = staff.request("/participants/import/confirm", confirm, timeout=300)
            except OSError as error:  # the connection dies with the server
                outcome["error"] = error

        thread = threading.Thread(target=import_now)
        thread.start()
        deadline = time.time() + 240
        while thread.is_alive() and time.time() < deadline and not writing():
            time.sleep(0.05)
        assert thread.is_alive(), f"the import ended before it could be interrupted: {outcome}"
        server.kill()
        thread.join(timeout=60)
        assert "response" not in outcome
    finally:
        server.kill()
        for leftover in (ROOT / "instance" / "roster-uploads").glob(f"*-{token}.*"):
            leftover.unlink()

    assert _counts(url) == before
    with Server(url, log_dir=str(tmp_path)) as restarted:
        staff = StaffClient(restarted.base)
        staff.sign_in(seeded.emails[0])
        assert staff.get("/participants/").status == 200
        assert staff.get("/healthz").status == 200
    assert _counts(url)[:2] == before[:2]  # only the new sign-in and page view were audited
    return before


@pytest.mark.slow
def test_server_killed_during_an_upload_import_sqlite(sqlite_file, tmp_path):
    wal = Path(f"{sqlite_file}-wal")
    size = {}

    def writing(start=False):
        # The write phase has begun once the uncommitted transaction spills pages into the WAL.
        now = wal.stat().st_size if wal.exists() else 0
        if start:
            size["before"] = now
        return now > size["before"] + 4_000_000

    _kill_while_writing(f"sqlite:///{sqlite_file}", tmp_path, writing)
    with closing(sqlite3.connect(sqlite_file)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
@pytest.mark.skipif(not POSTGRES_URL, reason="set REENTRY_TEST_POSTGRES_URL to kill a PostgreSQL import")
def test_server_killed_during_an_upload_import_postgres(database_url, tmp_path):
    engine = sa.create_engine(database_url)
    seen = []

    def writers() -> int:
        """Other backends holding a transaction that has written something not yet committed."""
        with engine.connect() as conn:
            return conn.scalar(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"))

    def writing(start=False):
        # The import has been writing for a second (its transaction holds an xid).
        if start or not writers():
            return False
        seen.append(time.time())
        return seen[-1] - seen[0] > 1

    try:
        _kill_while_writing(database_url, tmp_path, writing)
        deadline = time.time() + 15  # PostgreSQL ends the dead client's transaction by itself
        while writers():
            assert time.time() < deadline, "the killed server's transaction is still open"
            time.sleep(0.2)
    finally:
        engine.dispose()
