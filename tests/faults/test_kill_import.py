"""kill -9 of the gunicorn server while it writes a 50,000-row roster uploaded through the import
page: after a restart nothing of that import is in the database, what was there before is intact,
and PRAGMA integrity_check passes. (tests/participants/test_import_interrupted.py kills the CLI.)"""
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from benchmarks.import_roster import roster_csv
from benchmarks.load import ROOT, Server, StaffClient, form_fields, seed

ROWS = 50_000


def _counts(path: Path) -> tuple[int, int, int]:
    with closing(sqlite3.connect(path)) as conn:
        return tuple(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                     for table in ("participants", "custody_episodes", "audit_events"))


def _preview(staff: StaffClient, csv: bytes) -> dict[str, str]:
    """Upload a roster on the import page; the fields of the "Import now" form it shows."""
    fields = form_fields(staff.get("/participants/import").body, "facility")
    page = staff.request("/participants/import", fields, files={"bookings": ("roster.csv", csv)}, timeout=300)
    assert page.status == 200, page.status
    return form_fields(page.body, "upload")


@pytest.mark.slow
def test_server_killed_while_importing_an_upload_leaves_no_partial_import(sqlite_file, tmp_path):
    database = sqlite_file
    url = f"sqlite:///{database}"
    seeded = seed(url, staff=1, stock=1)
    wal = Path(f"{database}-wal")
    uploads = []
    server = Server(url, log_dir=str(tmp_path)).start()
    try:
        staff = StaffClient(server.base)
        staff.sign_in(seeded.emails[0])
        # Something already there, which must survive untouched.
        small = _preview(staff, b"booking_id,last_name,first_name,date_of_birth\r\nKEEP1,Pena,Ana,1980-01-01\r\n")
        assert staff.post("/participants/import/confirm", small).status == 302
        confirm = _preview(staff, roster_csv(ROWS))
        uploads.append(confirm["upload"])
        before = _counts(database)
        assert before[0] == 1
        written_before = wal.stat().st_size if wal.exists() else 0

        outcome = {}

        def import_now():
            try:
                outcome["response"] = staff.request("/participants/import/confirm", confirm, timeout=300)
            except OSError as error:  # the connection dies with the server
                outcome["error"] = error

        thread = threading.Thread(target=import_now)
        thread.start()
        # The write phase has begun once the uncommitted transaction spills pages into the WAL.
        deadline = time.time() + 240
        while thread.is_alive() and time.time() < deadline:
            if wal.exists() and wal.stat().st_size > written_before + 4_000_000:
                break
            time.sleep(0.05)
        assert thread.is_alive(), f"the import ended before it could be interrupted: {outcome}"
        server.kill()
        thread.join(timeout=60)
        assert "response" not in outcome
    finally:
        server.kill()

    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _counts(database) == before
    with Server(url, log_dir=str(tmp_path)) as restarted:
        staff = StaffClient(restarted.base)
        staff.sign_in(seeded.emails[0])
        assert staff.get("/participants/").status == 200
        assert staff.get("/healthz").status == 200
    after = _counts(database)
    assert after[:2] == before[:2]  # only the new sign-in and page view were audited
    for token in uploads:
        for leftover in (ROOT / "instance" / "roster-uploads").glob(f"*-{token}.*"):
            leftover.unlink()
