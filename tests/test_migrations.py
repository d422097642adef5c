"""Migrations: empty -> head, models and migrations agree (no drift), head -> base."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from reentry import create_app
from reentry.extensions import db
from tests.conftest import POSTGRES_URL, base_config, reset_postgres_schema


def _fresh_url(tmp_path) -> str:
    if POSTGRES_URL:
        reset_postgres_schema(POSTGRES_URL)
        return POSTGRES_URL
    return f"sqlite:///{tmp_path}/migrations.sqlite3"


def test_upgrade_autogenerate_downgrade(tmp_path, migrated_template):
    url = _fresh_url(tmp_path)
    app = create_app(base_config(url))
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"render_as_batch": True})
                drift = compare_metadata(context, db.metadata)
            assert drift == [], f"models and migrations disagree: {drift}"

            downgrade(revision="base")
            with db.engine.connect() as conn:
                tables = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
            assert tables == set()

            upgrade()  # and back up again, as an operator rolling forward would
            with db.engine.connect() as conn:
                assert "audit_events" in sa.inspect(conn).get_table_names()
            db.engine.dispose()
    finally:
        if POSTGRES_URL:
            # leave the shared PostgreSQL database migrated for the rest of the suite
            with app.app_context():
                db.engine.dispose()
            reset_postgres_schema(POSTGRES_URL)
            from tests.conftest import migrate_to_head

            migrate_to_head(POSTGRES_URL)


def test_a_second_upgrade_is_a_no_op(app):
    with app.app_context():
        before = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        db.session.rollback()
        upgrade()
        after = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert before == after
