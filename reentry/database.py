"""Database plumbing shared by every feature: engine settings, UTC time, transactions.

SQLite is the embedded default, so each connection gets the settings that make it safe for a
small multi-user web app (see ../shared/RELIABILITY.md section 3): busy_timeout first, then WAL,
foreign keys and synchronous=NORMAL. pysqlite's own transaction handling is switched off so that
every transaction starts with BEGIN IMMEDIATE: the write lock is taken up front, and a read that
later writes (an audited page view, a stock check then a decrement) never fails with
SQLITE_BUSY half-way. Readers are not blocked by this under WAL.
"""
from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

SQLITE_BUSY_TIMEOUT_MS = 10_000


def sqlite_busy_timeout_ms() -> int:
    """How long a request waits for SQLite's write lock before the app answers 503.

    REENTRY_SQLITE_BUSY_TIMEOUT_MS overrides the 10 s default (the lock-fault test uses ~0.5 s).
    """
    value = os.environ.get("REENTRY_SQLITE_BUSY_TIMEOUT_MS", "").strip()
    return int(value) if value.isdigit() else SQLITE_BUSY_TIMEOUT_MS


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (a callable column default)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    SQLite keeps no time zone, PostgreSQL does; this makes both return the same thing.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column; use reentry.database.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _sqlite_path(cargs, cparams) -> str | None:
    """The file a pysqlite connection will open, or None (memory, or a file: URI we leave alone)."""
    path = cargs[0] if cargs else cparams.get("database")
    if not isinstance(path, str) or not path or path == ":memory:" or path.startswith("file:"):
        return None
    return path


def make_private(path: str) -> None:
    """Create the file readable by its owner only (0600), or take others' access away if it
    exists: it holds health records, and a normal umask would leave it 0644."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o600)
    except OSError:  # no such folder, read-only disk: SQLite then says why it cannot open it
        return
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    except PermissionError:  # someone else's file: not ours to change
        pass
    finally:
        os.close(fd)


@event.listens_for(Engine, "do_connect")
def _private_sqlite_files(dialect, connection_record, cargs, cparams):
    """The SQLite file and its -wal and -shm exist 0600 before SQLite opens them (SQLite gives
    the -wal and -shm the database file's mode, and a fresh database the umask's)."""
    if dialect.name != "sqlite":
        return
    path = _sqlite_path(cargs, cparams)
    if path is None:
        return
    make_private(path)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(path + suffix):
            make_private(path + suffix)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would otherwise defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {sqlite_busy_timeout_ms()}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_immediate(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
