"""Migration 0019: kiosk feedback keeps its answers but loses its order and its day (issue 14)."""
from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from reentry import create_app
from reentry.extensions import db
from reentry.training.cli import DEFAULT_PATH
from tests.conftest import POSTGRES_URL, base_config, migrate_to_head, reset_postgres_schema


def test_existing_feedback_gets_random_ids_and_only_its_week(tmp_path):
    if POSTGRES_URL:
        reset_postgres_schema(POSTGRES_URL)
    app = create_app(base_config(POSTGRES_URL or f"sqlite:///{tmp_path}/m.sqlite3"))
    try:
        _check_the_migration(app)
    finally:
        if POSTGRES_URL:  # leave the shared PostgreSQL database migrated for the rest of the suite
            with app.app_context():
                db.engine.dispose()
            reset_postgres_schema(POSTGRES_URL)
            migrate_to_head(POSTGRES_URL)


def _revision_before(revision: str) -> str:
    """The revision 0019 follows in the chain (merges re-chain migrations, so it is looked up)."""
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_revision(revision).down_revision


def _check_the_migration(app):
    with app.app_context():
        before = _revision_before("0019")
        upgrade(revision=before)
        from reentry.facilities.services import create_facility
        from reentry.training.services import import_curriculum

        facility = create_facility(None, "MIG", "Migration Jail", "jail", "OH")
        version, _ = import_curriculum(None, DEFAULT_PATH)
        db.session.flush()
        days = [date(2026, 11, 4), date(2026, 11, 5), date(2026, 11, 8), date(2026, 11, 9)]  # Wed Thu Sun Mon
        for n, day in enumerate(days):
            db.session.execute(sa.text(
                "INSERT INTO kiosk_feedback (facility_id, curriculum_version_id, given_on, clarity, confidence,"
                " comment) VALUES (:f, :v, :d, 'yes', 'yes', :c)"), {"f": facility.id, "v": version.id, "d": day,
                                                                    "c": f"comment {n}"})
        db.session.commit()
        db.session.remove()
        upgrade(revision="0019")
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, given_on, comment FROM kiosk_feedback")).all()
            ddl = "" if POSTGRES_URL else conn.execute(
                sa.text("SELECT sql FROM sqlite_master WHERE name = 'kiosk_feedback'")).scalar()
        assert sorted(r.comment for r in rows) == [f"comment {n}" for n in range(4)]
        assert all(re.fullmatch(r"[0-9a-f]{32}", r.id) for r in rows)
        weeks = {r.comment: str(r.given_on) for r in rows}
        assert weeks == {"comment 0": "2026-11-02", "comment 1": "2026-11-02", "comment 2": "2026-11-02",
                         "comment 3": "2026-11-09"}
        assert POSTGRES_URL or "WITHOUT ROWID" in ddl.upper()  # no hidden insertion order either
        downgrade(revision=before)
        with db.engine.connect() as conn:
            back = conn.execute(sa.text("SELECT id, given_on FROM kiosk_feedback ORDER BY id")).all()
        assert [r.id for r in back] == [1, 2, 3, 4]
        db.engine.dispose()


def test_new_feedback_has_a_random_id_and_the_monday_of_its_week(app, oend_version, make_facility):
    from reentry.training.models import KioskFeedback, feedback_week

    facility = make_facility()
    first = KioskFeedback(facility_id=facility.id, curriculum_version_id=oend_version.id,
                          given_on=feedback_week(date(2026, 12, 4)), comment="a")
    second = KioskFeedback(facility_id=facility.id, curriculum_version_id=oend_version.id,
                           given_on=feedback_week(date(2026, 12, 4)), comment="b")
    db.session.add_all([first, second])
    db.session.commit()
    assert first.given_on == date(2026, 11, 30)
    assert re.fullmatch(r"[0-9a-f]{32}", first.id) and first.id != second.id
