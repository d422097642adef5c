"""The database settings every feature relies on, on SQLite and PostgreSQL."""
import os
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from reentry.auth.models import AuthSession
from reentry.database import utcnow
from reentry.extensions import db
from tests.conftest import POSTGRES_URL, base_config

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite connection settings")


@sqlite_only
def test_sqlite_connections_get_the_safe_settings(app):
    conn = db.session.connection()
    assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_foreign_keys_are_enforced(app, make_user):
    db.session.add(AuthSession(user_id=999_999, token_hash="x" * 64))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_timestamps_come_back_as_aware_utc(app, make_user):
    user = make_user("admin")
    db.session.expire_all()
    fetched = db.session.get(type(user), user.id)
    assert fetched.created_at.tzinfo is not None
    assert fetched.created_at.utcoffset().total_seconds() == 0
    assert abs((utcnow() - fetched.created_at).total_seconds()) < 60


def test_naive_datetimes_are_refused(app, make_user):
    user = make_user("admin")
    user.last_login_at = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(Exception, match="naive datetime"):
        db.session.flush()
    db.session.rollback()


@sqlite_only
def test_sqlite_write_transactions_take_the_lock_up_front(app, make_user):
    """Two writers that both read first, then write: with BEGIN IMMEDIATE the second waits for the
    first instead of failing with 'database is locked' half-way through."""
    make_user("admin")
    engine = db.engine
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def writer(n: int):
        try:
            with engine.connect() as conn:
                barrier.wait()
                with conn.begin():
                    count = conn.execute(sa.text("SELECT count(*) FROM auth_sessions")).scalar()
                    conn.execute(sa.text(
                        "INSERT INTO auth_sessions (user_id, token_hash, created_at) VALUES (1, :t, :c)"
                    ), {"t": f"{n}-{count}".ljust(64, "x"), "c": datetime.now(UTC).replace(tzinfo=None)})
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # The second writer saw the first one's row: the two transactions did not overlap.
    tokens = sorted(db.session.scalars(sa.select(AuthSession.token_hash)))
    assert [t.rstrip("x") for t in tokens] in (["0-0", "1-1"], ["0-1", "1-0"])


@sqlite_only
def test_a_new_sqlite_file_and_its_wal_are_readable_by_the_owner_only(tmp_path):
    import stat

    from reentry import create_app
    from tests.conftest import migrate_to_head

    old = os.umask(0o022)  # the usual umask, which would leave the files 0644
    try:
        path = tmp_path / "fresh.sqlite3"
        migrate_to_head(f"sqlite:///{path}")
        app = create_app(base_config(f"sqlite:///{path}"))
        with app.app_context():
            with db.engine.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS scratch (x INTEGER)")
                conn.exec_driver_sql("INSERT INTO scratch VALUES (1)")
                files = [path, tmp_path / "fresh.sqlite3-wal", tmp_path / "fresh.sqlite3-shm"]
                assert all(f.exists() for f in files)
                assert {oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {"0o600"}
            db.engine.dispose()
        # A file left 0644 by an older version is tightened on the next connection.
        os.chmod(path, 0o644)
        app = create_app(base_config(f"sqlite:///{path}"))
        with app.app_context():
            with db.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            db.engine.dispose()
    finally:
        os.umask(old)
