"""`reentry backup` (the CLI, as another process) while 4 staff post kit events to gunicorn: the
copy passes integrity_check, restores, and holds every kit event committed before it started."""
import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from benchmarks.load import Server, StaffClient, seed

REENTRY = str(Path(sys.executable).parent / "reentry")


def _kit_ids(path: Path) -> set[int]:
    with closing(sqlite3.connect(path)) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM naloxone_kit_events")}


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "REENTRY_DATABASE_URL": url, "REENTRY_ENV": "development"}
    return subprocess.run([REENTRY, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_backup_while_four_clients_write(sqlite_file, tmp_path):
    database = sqlite_file
    url = f"sqlite:///{database}"
    seeded = seed(url, staff=4, stock=100_000)
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

    backup = tmp_path / "during-writes.backup"
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
    assert made.returncode == 0, made.stdout + made.stderr
    assert "integrity ok" in made.stdout
    assert set(statuses) == {302}

    before = {kit_id for when, kit_id in committed if when < started}
    in_backup = _kit_ids(backup)
    assert before <= in_backup
    assert len(in_backup) < len(committed)  # writes went on during and after the copy
    with closing(sqlite3.connect(backup)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    restored = tmp_path / "restored.sqlite3"
    done = _cli(f"sqlite:///{restored}", "restore", str(backup))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _kit_ids(restored) == in_backup
    with closing(sqlite3.connect(restored)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # Each kit event came with its stock movement: the copy is one consistent moment.
        stock = conn.execute("SELECT sum(quantity) FROM naloxone_stock_movements").fetchone()[0]
    assert stock == 100_000 - len(in_backup)
