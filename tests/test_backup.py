"""reentry backup / restore on the database in use (SQLite, or PostgreSQL when configured)."""
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from reentry.auth.models import User
from reentry.extensions import db
from tests.conftest import POSTGRES_URL


def _user_count():
    return db.session.scalar(select(func.count()).select_from(User))


def test_backup_then_restore_roundtrip(runner, make_user, tmp_path):
    for _ in range(3):
        make_user("admin")
    backup = tmp_path / "reentry.backup"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert f"backup written to {backup}" in result.output
    assert oct(backup.stat().st_mode)[-3:] == "600"
    if not POSTGRES_URL:
        with sqlite3.connect(backup) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 3

    make_user("admin")  # a change after the backup, which the restore must undo
    db.session.remove()
    refused = runner.invoke(args=["restore", str(backup)])
    assert refused.exit_code != 0
    assert "already holds data; add --force" in refused.output
    restored = runner.invoke(args=["restore", str(backup), "--force"])
    assert restored.exit_code == 0, restored.output
    db.session.remove()
    assert _user_count() == 3


def test_backup_never_overwrites_a_file(runner, tmp_path):
    target = tmp_path / "exists.backup"
    target.write_text("keep me")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert target.read_text() == "keep me"


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite file checks")
def test_a_truncated_or_foreign_file_is_refused(runner, make_user, tmp_path):
    make_user("admin")
    backup = tmp_path / "good.backup"
    runner.invoke(args=["backup", str(backup)])
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    result = runner.invoke(args=["restore", str(truncated), "--force"])
    assert result.exit_code != 0 and "nothing was changed" in result.output
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    result = runner.invoke(args=["restore", str(foreign), "--force"])
    assert result.exit_code != 0 and "not a reentry backup" in result.output
    db.session.remove()
    assert _user_count() == 1


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite online backup")
def test_backup_while_writers_run_is_consistent(app, runner, make_user, tmp_path):
    """Writers keep committing during the copy; the copy passes integrity_check and holds every
    row committed before the backup started."""
    make_user("admin")
    engine = db.engine
    stop = threading.Event()

    def writer(n):
        i = 0
        while not stop.is_set():
            with engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO audit_events (occurred_at, actor_label, action, entity_type, source)"
                                     " VALUES (CURRENT_TIMESTAMP, :a, 'load', 'test', 'test')"), {"a": f"w{n}-{i}"})
            i += 1

    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO audit_events (occurred_at, actor_label, action, entity_type, source)"
                             " VALUES (CURRENT_TIMESTAMP, 'before', 'load', 'test', 'test')"))
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    backup = tmp_path / "live.backup"
    result = runner.invoke(args=["backup", str(backup)])
    stop.set()
    for t in threads:
        t.join()
    assert result.exit_code == 0, result.output
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM audit_events WHERE actor_label = 'before'").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 1


def test_missing_pg_dump_is_explained(monkeypatch, tmp_path):
    from sqlalchemy.engine import make_url

    from reentry import backup as backup_module

    monkeypatch.setattr(backup_module.shutil, "which", lambda name: None)
    with pytest.raises(backup_module.BackupError, match="install the PostgreSQL client tools"):
        backup_module.backup_database(make_url("postgresql+psycopg://u@127.0.0.1/x"), str(tmp_path / "b"))
