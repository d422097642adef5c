"""Good Samaritan laws: conditions, exclusions and statute; Ohio checked against ORC 2925.11(B)(2)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 13:30:00

A protection with conditions (treatment within 30 days, two uses) and exclusions (people on
probation, parole or post-release control) printed without them overclaims to the very people
who get a release packet (issue 13). The Ohio row is replaced by the checked one where an admin
has not edited it since it was shipped.
"""
from datetime import date

from alembic import op
import sqlalchemy as sa

from reentry.documents.seed import checked_law_updates

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# The row as first shipped (RAND 2021), or as 0006 now seeds it on a new install.
SHIPPED_AS_OF = date(2021, 12, 31)
CHECKED_STATES = ("OH",)


def upgrade():
    with op.batch_alter_table('good_samaritan_laws', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conditions', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('exclusions', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('statute', sa.String(length=200), server_default='', nullable=False))
    for statement in checked_law_updates({state: SHIPPED_AS_OF for state in CHECKED_STATES}):
        op.execute(statement)


def downgrade():
    with op.batch_alter_table('good_samaritan_laws', schema=None) as batch_op:
        batch_op.drop_column('statute')
        batch_op.drop_column('exclusions')
        batch_op.drop_column('conditions')
