"""Fixtures for fault tests that need a SQLite file of their own (even when the suite runs on
PostgreSQL): kill -9, file locks and online backups are SQLite file matters."""
from pathlib import Path

import pytest

from tests.conftest import migrate_to_head


@pytest.fixture
def sqlite_file(tmp_path) -> Path:
    """A migrated SQLite database file; its URL is f"sqlite:///{path}"."""
    path = tmp_path / "app.sqlite3"
    migrate_to_head(f"sqlite:///{path}")
    return path
