"""dashboard rollups of closed months

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 16:59:49.854711

"""
from alembic import op
import sqlalchemy as sa

import reentry.database  # noqa: F401  (UTCDateTime in column types)


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_month_rollups',
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('releases', sa.Integer(), nullable=False),
    sa.Column('releases_with_kit', sa.Integer(), nullable=False),
    sa.Column('high_need_releases', sa.Integer(), nullable=False),
    sa.Column('high_need_with_kit', sa.Integer(), nullable=False),
    sa.Column('kits', sa.Integer(), nullable=False),
    sa.Column('offered', sa.Integer(), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.Column('people_trained', sa.Integer(), nullable=False),
    sa.Column('tested_items', sa.Integer(), nullable=False),
    sa.Column('pre_correct', sa.Integer(), nullable=False),
    sa.Column('post_correct', sa.Integer(), nullable=False),
    sa.Column('reversals', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('computed_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_report_month_rollups_facility_id_facilities')),
    sa.PrimaryKeyConstraint('facility_id', 'month', name=op.f('pk_report_month_rollups'))
    )
    op.create_table('report_rollup_stale',
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('marked_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_report_rollup_stale_facility_id_facilities')),
    sa.PrimaryKeyConstraint('facility_id', 'month', name=op.f('pk_report_rollup_stale'))
    )


def downgrade():
    op.drop_table('report_rollup_stale')
    op.drop_table('report_month_rollups')
