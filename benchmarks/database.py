"""The database a benchmark measures: migrated and empty. The PostgreSQL database given has its
public schema dropped and rebuilt; without one, a new SQLite file in a temporary folder."""
from __future__ import annotations

import tempfile

from tests.conftest import migrate_to_head, reset_postgres_schema


def migrated_database(url: str | None = None) -> str:
    """Returns the URL of the migrated database."""
    if url:
        reset_postgres_schema(url)
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='reentry-bench-')}/bench.sqlite3"
    migrate_to_head(url)
    return url


def analyze(db) -> None:
    """Give the planner the statistics a live database has from autovacuum, after a bulk load:
    on PostgreSQL a report planned on never-analysed tables took ~40 s instead of ~1 s."""
    from sqlalchemy import text

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))  # VACUUM cannot run inside a transaction
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
