"""Migration 0003 keeps existing participants when going down to 0002 and back up, with data."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date

from flask_migrate import downgrade, upgrade

from reentry import create_app
from reentry.extensions import db
from tests.clock import today
from tests.conftest import base_config


def test_down_to_0002_and_up_again_with_rows(tmp_path):
    path = tmp_path / "m.sqlite3"
    app = create_app(base_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        from reentry.facilities.services import create_facility
        from reentry.participants.services import create_participant, record_screening

        facility = create_facility(None, "MIG", "Migration Jail", "jail", "OH")
        person = create_participant(None, facility, booking_id="M1", last_name="Peña", first_name="Ana",
                                    date_of_birth=date(1980, 1, 1))
        record_screening(None, person, {"screened_on": today(), "injects": True})
        db.session.commit()
        db.session.remove()
        downgrade(revision="0002")
        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("SELECT last_name FROM participants").fetchall() == [("Peña",)]
            assert conn.execute("SELECT booking_id FROM custody_episodes").fetchall() == [("M1",)]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            assert "release_screenings" not in tables and "roster_mappings" not in tables
        upgrade()
        with closing(sqlite3.connect(path)) as conn:
            assert conn.execute("SELECT person_ref FROM custody_episodes").fetchall() == [("",)]
        db.engine.dispose()
