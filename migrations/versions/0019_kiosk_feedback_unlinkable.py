"""kiosk feedback cannot be lined up with learners: random ids, the week only

Revision ID: 0019
Revises: 0022
Create Date: 2026-12-04 18:20:00

A sequential id and the day let anyone with the audit trail match a feedback row to the kiosk
session that ended just before it (issue 14 point 7). The table is rebuilt with a random text
id (on SQLite without a rowid, which would keep the insertion order), existing rows are copied in
random order with new ids, and their dates are coarsened to the Monday of their week. The old
ids and days are not kept anywhere, so a downgrade gives new sequential ids and keeps the weeks.
"""
import secrets
from datetime import timedelta

from alembic import op
import sqlalchemy as sa

revision = '0019'
down_revision = '0022'
branch_labels = None
depends_on = None

COLUMNS = ("facility_id", "curriculum_version_id", "given_on", "clarity", "confidence", "comment")


def _create(name: str, id_column: sa.Column, **kwargs) -> sa.Table:
    return op.create_table(
        name,
        id_column,
        sa.Column('facility_id', sa.Integer(), nullable=False),
        sa.Column('curriculum_version_id', sa.Integer(), nullable=False),
        sa.Column('given_on', sa.Date(), nullable=False),
        sa.Column('clarity', sa.String(length=16), nullable=False),
        sa.Column('confidence', sa.String(length=16), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['curriculum_version_id'], ['curriculum_versions.id'],
                                name='fk_kiosk_feedback_curriculum_version_id_curriculum_versions'),
        sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name='fk_kiosk_feedback_facility_id_facilities'),
        sa.PrimaryKeyConstraint('id', name='pk_kiosk_feedback'),
        **kwargs,
    )


def _rebuild(id_column: sa.Column, new_id, coarsen, **kwargs) -> None:
    bind = op.get_bind()
    old = sa.table('kiosk_feedback', *(sa.column(c, sa.Date() if c == "given_on" else None) for c in COLUMNS))
    rows = [dict(row._mapping) for row in bind.execute(sa.select(old))]
    op.drop_table('kiosk_feedback')  # constraint names are per table on SQLite, schema-wide on PostgreSQL
    new = _create('kiosk_feedback', id_column, **kwargs)
    # Copied in a random order, so neither the new ids nor the storage order follow the old ones.
    rows.sort(key=lambda _: secrets.randbits(64))
    for n, row in enumerate(rows, start=1):
        row["id"] = new_id(n)
        row["given_on"] = coarsen(row["given_on"])
    if rows:
        op.bulk_insert(new, rows)


def upgrade():
    _rebuild(sa.Column('id', sa.String(length=32), nullable=False), lambda n: secrets.token_hex(16),
             lambda day: day - timedelta(days=day.weekday()), sqlite_with_rowid=False)


def downgrade():
    _rebuild(sa.Column('id', sa.Integer(), nullable=False), lambda n: n, lambda day: day)
