"""An import killed half-way (kill -9) leaves the database exactly as before: one transaction."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import migrate_to_head

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_killed_import_leaves_the_database_unchanged(tmp_path):
    sys.path.insert(0, str(ROOT))
    from benchmarks.import_roster import roster_csv

    database = tmp_path / "killed.sqlite3"
    url = f"sqlite:///{database}"
    migrate_to_head(url)
    env = {**os.environ, "REENTRY_DATABASE_URL": url, "REENTRY_ENV": "development"}
    reentry = [str(Path(sys.executable).parent / "reentry")]
    subprocess.run([*reentry, "create-facility", "KILL", "--name", "Kill Test Jail", "--state", "OH"],
                   env=env, check=True, capture_output=True)
    # Something already there, which must survive untouched.
    small = tmp_path / "small.csv"
    small.write_text("booking_id,last_name,first_name,date_of_birth\nKEEP1,Peña,Ana,1980-01-01\n")
    subprocess.run([*reentry, "import-roster", str(small), "--facility", "KILL"], env=env, check=True,
                   capture_output=True)
    before = _counts(database)

    big = tmp_path / "big.csv"
    big.write_bytes(roster_csv(40_000))
    with subprocess.Popen([*reentry, "import-roster", str(big), "--facility", "KILL"], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as process:
        line = process.stderr.readline()  # "checked N rows; writing": the write phase has begun
        assert "writing" in line, line
        time.sleep(0.3)
        assert process.poll() is None, "the import finished before it could be interrupted"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    assert _counts(database) == before
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _counts(path: Path) -> tuple[int, int, int]:
    with closing(sqlite3.connect(path)) as conn:
        return tuple(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                     for table in ("participants", "custody_episodes", "audit_events"))
