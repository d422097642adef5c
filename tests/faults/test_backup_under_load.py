"""`reentry backup` (the CLI, as another process) while 4 staff post kit events to gunicorn: the
copy passes integrity_check, restores, and holds every kit event committed before it started.
SQLite always; PostgreSQL (pg_dump / pg_restore) too when REENTRY_TEST_POSTGRES_URL is set."""
import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa

from benchmarks.load import Server, StaffClient, seed
from tests.conftest import POSTGRES_URL

REENTRY = str(Path(sys.executable).parent / "reentry")
STOCK = 100_000


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "REENTRY_DATABASE_URL": url, "REENTRY_ENV": "development"}
    return subprocess.run([REENTRY, *args], env=env, capture_output=True, text=True, timeout=300)


def _kits_and_stock(url: str) -> tuple[set[int], int]:
    """Kit event ids in the database, and the kits left according to the stock movements."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ids = set(conn.scalars(sa.text("SELECT id FROM naloxone_kit_events")))
        stock = conn.scalar(sa.text("SELECT sum(quantity) FROM naloxone_stock_movements"))
    engine.dispose()
    return ids, stock


def _backup_while_writing(url: str, tmp_path: Path, backup: Path):
    """Back up with the CLI while 4 clients keep posting kits; returns the CLI's result and the ids
    of the kits whose 302 arrived before the backup started, and of all kits committed."""
    seeded = seed(url, staff=4, stock=STOCK)
    committed: list[tuple[float, int]] = []  # (when the 302 arrived, kit event id)
    statuses: list[int] = []
    stop = threading.Event()
    lock = threading.Lock()

    def write(client: StaffClient):
        while not stop.is_set():
            response = client.give_kit(seeded.code, client.kit_form(seeded.code, seeded.lot_id))
            with lock:
                statuses.append(response.status)
                if response.status == 302:
                    committed.append((time.time(), int(response.location.rsplit("/", 1)[1])))

    with Server(url, log_dir=str(tmp_path)) as server:
        staff = [StaffClient(server.base) for _ in seeded.emails]
        for client, email in zip(staff, seeded.emails):
            client.sign_in(email)
        threads = [threading.Thread(target=write, args=(client,)) for client in staff]
        for thread in threads:
            thread.start()
        try:
            while len(committed) < 40:
                time.sleep(0.05)
            started = time.time()
            made = _cli(url, "backup", str(backup))
            time.sleep(0.5)  # writers carry on after the copy, too
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=120)
    assert set(statuses) == {302}
    return made, {kit for when, kit in committed if when < started}, {kit for _, kit in committed}


@pytest.mark.slow
def test_sqlite_backup_while_four_clients_write(sqlite_file, tmp_path):
    url = f"sqlite:///{sqlite_file}"
    backup = tmp_path / "during-writes.backup"
    made, before, everything = _backup_while_writing(url, tmp_path, backup)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "integrity ok" in made.stdout
    with closing(sqlite3.connect(backup)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    restored = tmp_path / "restored.sqlite3"
    done = _cli(f"sqlite:///{restored}", "restore", str(backup))
    assert done.returncode == 0, done.stdout + done.stderr
    with closing(sqlite3.connect(restored)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kits, stock = _kits_and_stock(f"sqlite:///{restored}")
    assert before <= kits < everything  # writes went on during and after the copy
    assert stock == STOCK - len(kits)  # each kit came with its stock movement: one consistent moment


@pytest.mark.slow
@pytest.mark.skipif(not POSTGRES_URL, reason="set REENTRY_TEST_POSTGRES_URL to back up PostgreSQL")
def test_postgres_backup_while_four_clients_write(database_url, tmp_path):
    backup = tmp_path / "during-writes.dump"
    made, before, everything = _backup_while_writing(database_url, tmp_path, backup)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "PostgreSQL custom format" in made.stdout
    assert _kits_and_stock(database_url)[0] == everything

    done = _cli(database_url, "restore", str(backup), "--force")
    assert done.returncode == 0, done.stdout + done.stderr
    kits, stock = _kits_and_stock(database_url)
    assert before <= kits < everything
    assert stock == STOCK - len(kits)
