"""Consistent backups and restores for both database engines.

SQLite: Python's online backup API copies a live WAL database page by page, consistent with
concurrent writers (never `cp`, which can tear a live WAL database). PostgreSQL: pg_dump's custom
format, restored with pg_restore. Every SQLite copy is checked with PRAGMA integrity_check.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Engine


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why and what to do."""


def _libpq_url(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("This SQLite database is in memory; there is nothing on disk to back up.")
    return Path(url.database)


def _integrity(conn: sqlite3.Connection) -> str:
    return conn.execute("PRAGMA integrity_check").fetchone()[0]


def backup_database(url: URL, destination: str) -> str:
    """Copy the database to `destination`; returns the line to print."""
    target = Path(destination)
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name (backups are never overwritten).")
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url), timeout=30)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy, pages=1024)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            result = _integrity(copy)
        finally:
            copy.close()
            source.close()
        if result != "ok":
            target.unlink(missing_ok=True)
            raise BackupError(f"The copy failed its integrity check ({result}); nothing was kept.")
        os.chmod(target, 0o600)
        return f"backup written to {target} ({target.stat().st_size} bytes, SQLite, integrity ok)"
    if url.get_backend_name() == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise BackupError("pg_dump was not found: install the PostgreSQL client tools "
                              "(Debian/Ubuntu: apt-get install postgresql-client).")
        completed = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", "--file", str(target), "--dbname", _libpq_url(url)],
            capture_output=True, text=True,
        )
        if completed.returncode != 0:
            target.unlink(missing_ok=True)
            raise BackupError("pg_dump failed: " + completed.stderr.strip().splitlines()[-1])
        os.chmod(target, 0o600)
        return f"backup written to {target} ({target.stat().st_size} bytes, PostgreSQL custom format)"
    raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")


def _has_data(engine: Engine) -> bool:
    with engine.connect() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        for table in tables:
            if conn.execute(text(f'SELECT 1 FROM "{table}" LIMIT 1')).first() is not None:
                return True
    return False


def _check_sqlite_backup(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = _integrity(conn)
            has_version = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a usable SQLite backup ({error}); nothing was changed.") from error
    if result != "ok":
        raise BackupError(f"{path} fails its integrity check ({result}); nothing was changed.")
    if not has_version:
        raise BackupError(f"{path} is not a reentry backup (no migration version); nothing was changed.")


def restore_database(engine: Engine, source: str, force: bool = False) -> str:
    """Replace the database's contents with a backup; refuses to overwrite data unless forced."""
    path = Path(source)
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        _check_sqlite_backup(path)
    if _has_data(engine) and not force:
        raise BackupError("The database already holds data; add --force to replace it with the backup.")
    if backend == "sqlite":
        engine.dispose()
        backup = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_path(engine.url), timeout=30)
        try:
            backup.backup(target)
            result = _integrity(target)
        finally:
            target.close()
            backup.close()
        if result != "ok":
            raise BackupError(f"The restored database fails its integrity check ({result}).")
        return f"restored {path} into {engine.url.database} (integrity ok)"
    if backend == "postgresql":
        pg_restore = shutil.which("pg_restore")
        if pg_restore is None:
            raise BackupError("pg_restore was not found: install the PostgreSQL client tools "
                              "(Debian/Ubuntu: apt-get install postgresql-client).")
        engine.dispose()
        completed = subprocess.run(
            [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
             "--exit-on-error", "--dbname", _libpq_url(engine.url), str(path)],
            capture_output=True, text=True,
        )
        if completed.returncode != 0:
            lines = completed.stderr.strip().splitlines() or ["unknown error"]
            raise BackupError(f"pg_restore failed, nothing was changed: {lines[-1]}")
        return f"restored {path} into PostgreSQL database {engine.url.database}"
    raise BackupError(f"Restores of {backend} databases are not supported.")
