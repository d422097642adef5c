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
def _hold_write_lock(app):
    """A second connection that holds SQLite's write lock until closed (an import mid-write)."""
    import sqlite3

    holder = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"),
                             isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


@sqlite_only
def test_a_read_request_does_not_wait_for_the_write_lock(app, client):
    """Issue 14 point 1: GETs ran in BEGIN IMMEDIATE, so one long write made every page 503."""
    import time

    holder = _hold_write_lock(app)
    try:
        started = time.perf_counter()
        response = client.get("/healthz")
        elapsed = time.perf_counter() - started
    finally:
        holder.close()
    assert response.status_code == 200
    assert elapsed < 1.0  # before: busy_timeout (10 s), then 503


@sqlite_only
def test_a_read_that_then_writes_does_not_fail_when_someone_wrote_in_between(app, make_user):
    """A deferred transaction whose snapshot is stale would fail its first write at once with
    SQLITE_BUSY; the write runs in a new BEGIN IMMEDIATE transaction instead."""
    uid = make_user("admin").id
    db.session.commit()
    with app.test_request_context("/participants/", method="GET"):
        with db.engine.connect() as reader, db.engine.connect() as writer:
            reader.execute(sa.text("SELECT count(*) FROM auth_sessions")).scalar()  # snapshot taken
            with writer.begin():  # a POST elsewhere commits after that
                writer.execute(sa.text("INSERT INTO auth_sessions (user_id, token_hash, created_at) "
                                       "VALUES (:u, :t, :c)"), {"u": uid, "t": "a" * 64, "c": datetime(2026, 1, 1)})
            reader.execute(sa.text("INSERT INTO auth_sessions (user_id, token_hash, created_at) "
                                   "VALUES (:u, :t, :c)"), {"u": uid, "t": "b" * 64, "c": datetime(2026, 1, 1)})
            reader.commit()
    assert db.session.scalar(sa.select(sa.func.count(AuthSession.id))) == 2


@sqlite_only
@pytest.mark.parametrize("method, endpoint_reads_first, locks", [
    ("GET", False, False), ("HEAD", False, False), ("POST", False, True), ("DELETE", False, True),
    ("POST", True, False)])
def test_which_transactions_take_the_write_lock_up_front(app, method, endpoint_reads_first, locks):
    import sqlite3

    from reentry.database import reads_first, take_write_lock

    @reads_first
    def upload():
        return ""

    app.view_functions["test.upload"] = upload
    with app.test_request_context("/", method=method) as ctx:
        ctx.request.url_rule = None
        if endpoint_reads_first:
            ctx.request.url_rule = type("Rule", (), {"endpoint": "test.upload"})()
        db.session.execute(sa.text("SELECT 1"))
        other = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"),
                                isolation_level=None, timeout=0)
        try:
            def lock_is_free() -> bool:
                try:
                    other.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError:
                    return False
                other.execute("ROLLBACK")
                return True

            assert lock_is_free() is not locks
            take_write_lock(db.session)  # an upload view, once its file is checked
            assert not lock_is_free()
        finally:
            other.close()
            db.session.rollback()


def test_cli_and_jobs_take_the_write_lock(app):
    """Outside a request (commands, jobs) nothing changes: BEGIN IMMEDIATE as before."""
    from reentry.database import _wants_write_lock

    assert _wants_write_lock() is True
