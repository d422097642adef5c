"""report speed: training sessions' local date, covering indexes for coverage

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 17:30:00

Coverage is computed in one SQL statement (see reentry/reports/services.py). It needs the local
date of each training session, which SQLite cannot work out from a UTC time, so sessions get a
`held_on` column filled here from starts_at and the facility's time zone; and covering indexes
so the releases of a period, their lookups (kits given, latest screening) and a period's kit
events are read from indexes alone.
"""
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import reentry.database  # noqa: F401  (UTCDateTime in column types)

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_on', sa.Date(), nullable=True))

    conn = op.get_bind()
    sessions = sa.table('training_sessions', sa.column('id', sa.Integer), sa.column('held_on', sa.Date),
                        sa.column('starts_at', reentry.database.UTCDateTime(timezone=True)),
                        sa.column('facility_id', sa.Integer))
    facilities = sa.table('facilities', sa.column('id', sa.Integer), sa.column('timezone', sa.String))
    zones = {fid: ZoneInfo(zone) for fid, zone in conn.execute(sa.select(facilities.c.id, facilities.c.timezone))}
    rows = conn.execute(sa.select(sessions.c.id, sessions.c.facility_id, sessions.c.starts_at)).all()
    if rows:
        conn.execute(sessions.update().where(sessions.c.id == sa.bindparam('_id')).values(held_on=sa.bindparam('_day')),
                     [{'_id': sid, '_day': starts_at.astimezone(zones[fid]).date()} for sid, fid, starts_at in rows])

    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.alter_column('held_on', existing_type=sa.Date(), nullable=False)

    with op.batch_alter_table('naloxone_kit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_naloxone_kit_events_episode_voided')
        batch_op.create_index('ix_naloxone_kit_events_episode_given',
                              ['episode_id', 'is_voided', 'outcome', 'kits', 'lot_id'], unique=False)
        batch_op.drop_index('ix_naloxone_kit_events_facility_date')
        batch_op.create_index('ix_naloxone_kit_events_facility_date',
                              ['facility_id', 'event_date', 'is_voided', 'outcome', 'supply', 'product_id', 'kits',
                               'lot_id', 'decline_reason'], unique=False)

    with op.batch_alter_table('custody_episodes', schema=None) as batch_op:
        batch_op.drop_index('ix_custody_episodes_facility_release')
        batch_op.create_index('ix_custody_episodes_facility_release',
                              ['facility_id', 'release_date', 'is_voided', 'participant_id', 'custody_start', 'id'],
                              unique=False)

    with op.batch_alter_table('release_screenings', schema=None) as batch_op:
        batch_op.drop_index('ix_release_screenings_episode_id')
        batch_op.create_index('ix_release_screenings_episode_latest',
                              ['episode_id', 'screened_on', 'id', 'opioid_use_before_custody'], unique=False)


def downgrade():
    with op.batch_alter_table('release_screenings', schema=None) as batch_op:
        batch_op.drop_index('ix_release_screenings_episode_latest')
        batch_op.create_index('ix_release_screenings_episode_id', ['episode_id'], unique=False)

    with op.batch_alter_table('custody_episodes', schema=None) as batch_op:
        batch_op.drop_index('ix_custody_episodes_facility_release')
        batch_op.create_index('ix_custody_episodes_facility_release', ['facility_id', 'release_date'], unique=False)

    with op.batch_alter_table('naloxone_kit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_naloxone_kit_events_facility_date')
        batch_op.create_index('ix_naloxone_kit_events_facility_date', ['facility_id', 'event_date'], unique=False)
        batch_op.drop_index('ix_naloxone_kit_events_episode_given')
        batch_op.create_index('ix_naloxone_kit_events_episode_voided', ['episode_id', 'is_voided'], unique=False)

    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_column('held_on')
