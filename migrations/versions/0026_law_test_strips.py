"""Fentanyl test strips under each state's paraphernalia law: status, source, as-of date

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 21:30:00

The course says test strips can still count as drug tools in some states; the packet now says so
for the destination state where a checked source says which (issue 13). The shipped fact
(Kentucky; sources in docs/good-samaritan-laws.md) fills only a row still "unknown".
"""
from alembic import op
import sqlalchemy as sa

from reentry.documents.seed import shipped_strip_updates

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('good_samaritan_laws', schema=None) as batch_op:
        batch_op.add_column(sa.Column('test_strip_status', sa.String(length=12), server_default='unknown',
                                      nullable=False))
        batch_op.add_column(sa.Column('test_strip_source', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('test_strip_as_of', sa.Date(), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_good_samaritan_laws_test_strip_status'),
                                         "test_strip_status IN ('legal', 'not_exempt', 'unknown')")
    for statement in shipped_strip_updates():
        op.execute(statement)


def downgrade():
    with op.batch_alter_table('good_samaritan_laws', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_good_samaritan_laws_test_strip_status'), type_='check')
        batch_op.drop_column('test_strip_as_of')
        batch_op.drop_column('test_strip_source')
        batch_op.drop_column('test_strip_status')
