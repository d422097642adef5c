"""audit hash chain: each audit row carries the previous row's hash and its own

Revision ID: 0017
Revises: 0024
Create Date: 2026-12-04 18:00:00

A row changed or removed around the append-only triggers (by someone with database access) must
show (issue 14 point 8). The rows already there are chained here, in id order, with the same
hashing the app uses from now on (reentry/audit/chain.py); the triggers are lifted only for that.
"""
from alembic import op
import sqlalchemy as sa

from reentry.audit.chain import GENESIS, HASHED_FIELDS, guards_lifted, row_hash
from reentry.database import UTCDateTime

revision = '0017'
down_revision = '0024'
branch_labels = None
depends_on = None

BATCH = 5_000


def upgrade():
    # Around the column changes too: should SQLite's batch mode rebuild the table, the triggers
    # would go with it; they are put back from their saved definitions.
    with guards_lifted(op.get_bind()):
        with op.batch_alter_table('audit_events', schema=None) as batch_op:
            batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), server_default='', nullable=False))
            batch_op.add_column(sa.Column('row_hash', sa.String(length=64), server_default='', nullable=False))
        _chain_existing_rows()


def downgrade():
    # On SQLite dropping columns rebuilds the table, which loses its triggers.
    with guards_lifted(op.get_bind()):
        with op.batch_alter_table('audit_events', schema=None) as batch_op:
            batch_op.drop_column('row_hash')
            batch_op.drop_column('prev_hash')


def _chain_existing_rows():
    events = sa.table('audit_events', sa.column('id', sa.Integer), sa.column('occurred_at', UTCDateTime),
                      sa.column('prev_hash', sa.String), sa.column('row_hash', sa.String),
                      *(sa.column(name) for name in HASHED_FIELDS if name != 'occurred_at'))
    bind = op.get_bind()
    seal = (sa.update(events).where(events.c.id == sa.bindparam('row_id'))
            .values(prev_hash=sa.bindparam('new_prev'), row_hash=sa.bindparam('new_hash')))
    prev, after = GENESIS, 0
    while True:
        rows = bind.execute(sa.select(events).where(events.c.id > after).order_by(events.c.id).limit(BATCH)).all()
        if not rows:
            return
        sealed = []
        for row in rows:
            new_hash = row_hash(prev, row._mapping)
            sealed.append({'row_id': row.id, 'new_prev': prev, 'new_hash': new_hash})
            prev = new_hash
        bind.execute(seal, sealed)
        after = rows[-1].id
