"""training

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 14:46:58.327303

"""
from alembic import op
import sqlalchemy as sa

import reentry.database  # noqa: F401  (UTCDateTime in column types)


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('curriculum_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('curriculum_key', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('title_es', sa.String(length=200), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('imported_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('is_retired', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_curriculum_versions_imported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_curriculum_versions')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_curriculum_versions_content_hash')),
    sa.UniqueConstraint('curriculum_key', 'version', name=op.f('uq_curriculum_versions_curriculum_key_version'))
    )
    op.create_table('kiosk_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('curriculum_version_id', sa.Integer(), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('clarity', sa.String(length=16), nullable=False),
    sa.Column('confidence', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['curriculum_version_id'], ['curriculum_versions.id'], name=op.f('fk_kiosk_feedback_curriculum_version_id_curriculum_versions')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_kiosk_feedback_facility_id_facilities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_feedback'))
    )
    op.create_table('training_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('curriculum_version_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rule_full_attendance', sa.Boolean(), nullable=False),
    sa.Column('rule_post_test', sa.Boolean(), nullable=False),
    sa.Column('rule_teach_back', sa.Boolean(), nullable=False),
    sa.Column('completed_at', reentry.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_by_id', sa.Integer(), nullable=True),
    sa.Column('request_token', sa.String(length=36), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('is_voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('created_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("format IN ('group', 'one_to_one', 'self_paced')", name=op.f('ck_training_sessions_format')),
    sa.CheckConstraint("language IN ('en', 'es')", name=op.f('ck_training_sessions_language')),
    sa.CheckConstraint("status IN ('scheduled', 'completed')", name=op.f('ck_training_sessions_status')),
    sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'], name=op.f('fk_training_sessions_completed_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_training_sessions_created_by_id_users')),
    sa.ForeignKeyConstraint(['curriculum_version_id'], ['curriculum_versions.id'], name=op.f('fk_training_sessions_curriculum_version_id_curriculum_versions')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_training_sessions_facility_id_facilities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions')),
    sa.UniqueConstraint('request_token', name=op.f('uq_training_sessions_request_token'))
    )
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_training_sessions_facility_starts', ['facility_id', 'starts_at'], unique=False)

    op.create_table('training_attendees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('walk_in_label', sa.String(length=200), nullable=False),
    sa.Column('attendance', sa.String(length=16), nullable=True),
    sa.Column('teach_back_signs', sa.Boolean(), nullable=False),
    sa.Column('teach_back_steps', sa.Boolean(), nullable=False),
    sa.Column('teach_back_device', sa.Boolean(), nullable=False),
    sa.Column('is_complete', sa.Boolean(), nullable=False),
    sa.Column('modules_viewed', sa.Integer(), nullable=False),
    sa.Column('is_voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('created_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("attendance IS NULL OR attendance IN ('full', 'partial', 'absent')", name=op.f('ck_training_attendees_attendance')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_training_attendees_participant_id_participants')),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_training_attendees_session_id_training_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_attendees')),
    sa.UniqueConstraint('session_id', 'participant_id', name=op.f('uq_training_attendees_session_id_participant_id'))
    )
    with op.batch_alter_table('training_attendees', schema=None) as batch_op:
        batch_op.create_index('ix_training_attendees_participant', ['participant_id'], unique=False)

    op.create_table('training_session_trainers',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_training_session_trainers_session_id_training_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_session_trainers_user_id_users')),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_training_session_trainers'))
    )
    op.create_table('kiosk_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attendee_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('pin_hash', sa.String(length=255), nullable=False),
    sa.Column('failed_pin_attempts', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('step', sa.String(length=16), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=False),
    sa.Column('started_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_activity_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_at', reentry.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', reentry.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['attendee_id'], ['training_attendees.id'], name=op.f('fk_kiosk_sessions_attendee_id_training_attendees')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_kiosk_sessions_started_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_sessions')),
    sa.UniqueConstraint('attendee_id', name=op.f('uq_kiosk_sessions_attendee_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_kiosk_sessions_token_hash'))
    )
    op.create_table('training_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attendee_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=4), nullable=False),
    sa.Column('item_key', sa.String(length=64), nullable=False),
    sa.Column('answer', sa.String(length=16), nullable=False),
    sa.Column('is_correct', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("answer IN ('true', 'false', 'dont_know')", name=op.f('ck_training_answers_answer')),
    sa.CheckConstraint("phase IN ('pre', 'post')", name=op.f('ck_training_answers_phase')),
    sa.ForeignKeyConstraint(['attendee_id'], ['training_attendees.id'], name=op.f('fk_training_answers_attendee_id_training_attendees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_answers')),
    sa.UniqueConstraint('attendee_id', 'phase', 'item_key', name=op.f('uq_training_answers_attendee_id_phase_item_key'))
    )


def downgrade():
    op.drop_table('training_answers')
    op.drop_table('kiosk_sessions')
    op.drop_table('training_session_trainers')
    with op.batch_alter_table('training_attendees', schema=None) as batch_op:
        batch_op.drop_index('ix_training_attendees_participant')

    op.drop_table('training_attendees')
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_training_sessions_facility_starts')

    op.drop_table('training_sessions')
    op.drop_table('kiosk_feedback')
    op.drop_table('curriculum_versions')
