"""participants and custody episodes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:16:01.140118

"""
from alembic import op
import sqlalchemy as sa

import reentry.database  # noqa: F401  (UTCDateTime in column types)


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_name', sa.String(length=200), nullable=False),
    sa.Column('first_name', sa.String(length=200), nullable=False),
    sa.Column('middle_name', sa.String(length=200), nullable=False),
    sa.Column('search_name', sa.String(length=602), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('gender', sa.String(length=64), nullable=False),
    sa.Column('preferred_language', sa.String(length=2), nullable=False),
    sa.Column('destination_state', sa.String(length=2), nullable=False),
    sa.Column('destination_county', sa.String(length=100), nullable=False),
    sa.Column('destination_zip', sa.String(length=10), nullable=False),
    sa.Column('is_voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('voided_at', reentry.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("preferred_language IN ('en', 'es')", name=op.f('ck_participants_preferred_language')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participants'))
    )
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index('ix_participants_date_of_birth', ['date_of_birth'], unique=False)
        batch_op.create_index('ix_participants_search_name', ['search_name'], unique=False)

    op.create_table('custody_episodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.String(length=64), nullable=False),
    sa.Column('custody_start', sa.Date(), nullable=True),
    sa.Column('expected_release_date', sa.Date(), nullable=True),
    sa.Column('release_date', sa.Date(), nullable=True),
    sa.Column('release_inferred', sa.Boolean(), nullable=False),
    sa.Column('housing_unit', sa.String(length=64), nullable=False),
    sa.Column('release_type', sa.String(length=64), nullable=False),
    sa.Column('is_voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('created_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_custody_episodes_facility_id_facilities')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_custody_episodes_participant_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custody_episodes')),
    sa.UniqueConstraint('facility_id', 'booking_id', name=op.f('uq_custody_episodes_facility_id_booking_id'))
    )
    with op.batch_alter_table('custody_episodes', schema=None) as batch_op:
        batch_op.create_index('ix_custody_episodes_facility_expected', ['facility_id', 'expected_release_date'], unique=False)
        batch_op.create_index('ix_custody_episodes_facility_housing', ['facility_id', 'housing_unit'], unique=False)
        batch_op.create_index('ix_custody_episodes_facility_release', ['facility_id', 'release_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_custody_episodes_participant_id'), ['participant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('custody_episodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custody_episodes_participant_id'))
        batch_op.drop_index('ix_custody_episodes_facility_release')
        batch_op.drop_index('ix_custody_episodes_facility_housing')
        batch_op.drop_index('ix_custody_episodes_facility_expected')

    op.drop_table('custody_episodes')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index('ix_participants_search_name')
        batch_op.drop_index('ix_participants_date_of_birth')

    op.drop_table('participants')
