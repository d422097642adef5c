"""Database plumbing shared by every feature: engine settings, UTC time, transactions.

SQLite is the embedded default, so each connection gets the settings that make it safe for a
small multi-user web app (see ../shared/RELIABILITY.md section 3): busy_timeout first, then WAL,
foreign keys and synchronous=NORMAL. pysqlite's own transaction handling is switched off so that
the app chooses how each transaction begins (issue 14 point 1):

- A write (POST, PUT, PATCH, DELETE requests, CLI commands, background jobs) starts with BEGIN
  IMMEDIATE: the write lock is taken up front, so a stock check then a decrement never fails with
  SQLITE_BUSY half-way, and two of them never both pass the check.
- A read (GET, HEAD, OPTIONS, or a view marked `@reads_first`) starts with a plain, deferred BEGIN
  and holds no lock under WAL, so a slow report or a stalled download never makes other people
  wait. If it then writes (a page view's audit row), the read snapshot is ended and the write
  runs in a new BEGIN IMMEDIATE transaction, waiting its turn for the lock like any writer,
  instead of failing with SQLITE_BUSY because someone wrote since it read. What such a request
  read before that point comes from the earlier snapshot, as under PostgreSQL's READ COMMITTED:
  page views write only append-only rows, which no earlier read decides.
- `take_write_lock()` does that switch on purpose: an upload view (`@reads_first`) or command
  (`with reading():`) checks its file without the lock, then takes it before the reads that its
  writes depend on.

PostgreSQL is untouched by all of this (its MVCC needs none of it).
"""
from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import current_app, g, has_request_context, request
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

SQLITE_BUSY_TIMEOUT_MS = 10_000
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFERRED = "reentry_sqlite_deferred"  # connection info key: the open transaction holds no write lock
_chosen: ContextVar[bool | None] = ContextVar("reentry_sqlite_write_lock", default=None)  # outside requests
_WRITE_SQL = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


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


def reads_first(view: Callable) -> Callable:
    """Mark a view that reads (and checks an upload) before it writes, if it writes at all: its
    SQLite transaction starts deferred even for a POST. A view that then writes something that
    depends on what it read calls `take_write_lock()` before those reads."""
    view.reentry_reads_first = True
    return view


@contextmanager
def reading() -> Iterator[None]:
    """For a command: transactions begun inside start deferred (a file is checked without the
    lock) until `take_write_lock()`."""
    token = _chosen.set(False)
    try:
        yield
    finally:
        _chosen.reset(token)


def _wants_write_lock() -> bool:
    if _chosen.get() is not None:
        return _chosen.get()
    if not has_request_context():
        return True  # CLI commands and jobs write, or are short
    chosen = g.get("_sqlite_write_lock")
    if chosen is not None:
        return chosen
    if request.method in READ_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "reentry_reads_first", False)


@event.listens_for(Engine, "begin")
def _begin(conn: Connection):
    if conn.dialect.name != "sqlite":
        return
    immediate = _wants_write_lock()
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    conn.info[_DEFERRED] = not immediate


def _upgrade(conn: Connection, cursor) -> None:
    """End a deferred (read) transaction and start a BEGIN IMMEDIATE one in its place."""
    conn.info[_DEFERRED] = False
    try:
        cursor.execute("COMMIT")  # nothing was written: this only lets go of the read snapshot
        cursor.execute("BEGIN IMMEDIATE")  # waits up to busy_timeout, like any writer
    except sqlite3.OperationalError as error:
        # As a failed statement would: the app answers 503 (errors.database_unavailable).
        raise OperationalError("BEGIN IMMEDIATE", None, error) from None


@event.listens_for(Engine, "before_cursor_execute")
def _lock_before_first_write(conn, cursor, statement, parameters, context, executemany):
    if not conn.info.get(_DEFERRED) or conn.dialect.name != "sqlite":
        return
    writes = context.isinsert or context.isupdate or context.isdelete or bool(_WRITE_SQL.match(statement))
    if writes and not conn.in_nested_transaction():  # COMMIT would end a savepoint: write deferred
        _upgrade(conn, cursor)


def take_write_lock(session: Session) -> None:
    """From here on the request writes: its SQLite transaction holds the write lock (a deferred
    one is ended and replaced), so what it reads next is current and stays so until commit."""
    if _chosen.get() is not None:
        _chosen.set(True)  # inside reading(): until it ends
    elif has_request_context():
        g._sqlite_write_lock = True
    conn = session.connection()
    if conn.info.get(_DEFERRED) and conn.dialect.name == "sqlite":
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            _upgrade(conn, cursor)
        finally:
            cursor.close()
