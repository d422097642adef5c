"""participants registry, screenings, roster mappings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 14:24:42.902231

"""
from alembic import op
import sqlalchemy as sa

import reentry.database  # noqa: F401  (UTCDateTime in column types)


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('roster_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('created_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_roster_mappings_facility_id_facilities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_mappings')),
    sa.UniqueConstraint('facility_id', 'name', name=op.f('uq_roster_mappings_facility_id_name'))
    )
    op.create_table('release_screenings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=True),
    sa.Column('screened_on', sa.Date(), nullable=False),
    sa.Column('screened_by_id', sa.Integer(), nullable=True),
    sa.Column('screener_name', sa.String(length=200), nullable=False),
    sa.Column('opioid_use_before_custody', sa.Boolean(), nullable=True),
    sa.Column('days_since_last_opioid_use', sa.Integer(), nullable=True),
    sa.Column('last_opioid_use_date', sa.Date(), nullable=True),
    sa.Column('on_methadone', sa.Boolean(), nullable=True),
    sa.Column('on_buprenorphine', sa.Boolean(), nullable=True),
    sa.Column('on_naltrexone_xr', sa.Boolean(), nullable=True),
    sa.Column('last_naltrexone_injection', sa.Date(), nullable=True),
    sa.Column('community_moud_appointment', sa.Boolean(), nullable=True),
    sa.Column('moud_appointment_date', sa.Date(), nullable=True),
    sa.Column('moud_appointment_place', sa.String(length=200), nullable=False),
    sa.Column('overdose_ever', sa.Boolean(), nullable=True),
    sa.Column('overdose_last_12_months', sa.Boolean(), nullable=True),
    sa.Column('injects', sa.Boolean(), nullable=True),
    sa.Column('uses_sedatives', sa.Boolean(), nullable=True),
    sa.Column('xylazine_in_supply', sa.Boolean(), nullable=True),
    sa.Column('fentanyl_in_supply', sa.Boolean(), nullable=True),
    sa.Column('uses_alone', sa.Boolean(), nullable=True),
    sa.Column('housing_at_release', sa.String(length=16), nullable=True),
    sa.Column('wants_naloxone', sa.Boolean(), nullable=True),
    sa.Column('wants_treatment_referral', sa.Boolean(), nullable=True),
    sa.Column('submission_token', sa.String(length=36), nullable=True),
    sa.Column('created_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("housing_at_release IS NULL OR housing_at_release IN ('stable', 'unstable', 'shelter', 'none')", name=op.f('ck_release_screenings_housing_at_release')),
    sa.CheckConstraint('days_since_last_opioid_use IS NULL OR days_since_last_opioid_use >= 0', name=op.f('ck_release_screenings_days_since_last_opioid_use')),
    sa.ForeignKeyConstraint(['episode_id'], ['custody_episodes.id'], name=op.f('fk_release_screenings_episode_id_custody_episodes')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_release_screenings_participant_id_participants')),
    sa.ForeignKeyConstraint(['screened_by_id'], ['users.id'], name=op.f('fk_release_screenings_screened_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_screenings')),
    sa.UniqueConstraint('submission_token', name=op.f('uq_release_screenings_submission_token'))
    )
    with op.batch_alter_table('release_screenings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_release_screenings_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index('ix_release_screenings_participant_screened', ['participant_id', 'screened_on'], unique=False)

    with op.batch_alter_table('custody_episodes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_ref', sa.String(length=64), server_default='', nullable=False))
        batch_op.create_index('ix_custody_episodes_booking_id', ['booking_id'], unique=False)



def downgrade():
    # release_screenings goes first: on SQLite, dropping a column rebuilds custody_episodes, and the
    # rebuild's DROP TABLE fails while another table still refers to it with rows present.
    with op.batch_alter_table('release_screenings', schema=None) as batch_op:
        batch_op.drop_index('ix_release_screenings_participant_screened')
        batch_op.drop_index(batch_op.f('ix_release_screenings_episode_id'))

    op.drop_table('release_screenings')
    op.drop_table('roster_mappings')

    with op.batch_alter_table('custody_episodes', schema=None) as batch_op:
        batch_op.drop_index('ix_custody_episodes_booking_id')
        batch_op.drop_column('person_ref')
