"""Death records and their links to releases (issue 15)

Revision ID: 0025
Revises: 0021
Create Date: 2026-12-04 19:00:00

A medical examiner's or vital records' death file, keyed by (source, case number), with the
CDC overdose and opioid classification stored on each row; and the candidate pairs of the
linkage, whose facility decides which managers may see a record.
"""
from alembic import op
import sqlalchemy as sa

from reentry.database import UTCDateTime

revision = '0025'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'death_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=100), nullable=False),
        sa.Column('case_number', sa.String(length=64), nullable=False),
        sa.Column('last_name', sa.String(length=200), nullable=False),
        sa.Column('first_name', sa.String(length=200), nullable=False),
        sa.Column('middle_name', sa.String(length=200), nullable=False),
        sa.Column('date_of_birth', sa.Date(), nullable=True),
        sa.Column('sex', sa.String(length=16), nullable=False),
        sa.Column('date_of_death', sa.Date(), nullable=False),
        sa.Column('zip', sa.String(length=10), nullable=False),
        sa.Column('underlying_cause', sa.String(length=8), nullable=False),
        sa.Column('multiple_causes', sa.Text(), nullable=False),
        sa.Column('manner', sa.String(length=64), nullable=False),
        sa.Column('cause_text', sa.Text(), nullable=False),
        sa.Column('is_overdose', sa.Boolean(), nullable=False),
        sa.Column('is_opioid', sa.Boolean(), nullable=False),
        sa.Column('imported_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_death_records')),
        sa.UniqueConstraint('source', 'case_number', name=op.f('uq_death_records_source_case_number')),
    )
    with op.batch_alter_table('death_records', schema=None) as batch_op:
        batch_op.create_index('ix_death_records_date_of_birth', ['date_of_birth'], unique=False)
        batch_op.create_index('ix_death_records_date_of_death', ['date_of_death'], unique=False)
    op.create_table(
        'death_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('death_record_id', sa.Integer(), nullable=False),
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('facility_id', sa.Integer(), nullable=True),
        sa.Column('match_probability', sa.Float(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('flag', sa.String(length=200), nullable=False),
        sa.Column('review_reason', sa.Text(), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', UTCDateTime(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('linked', 'review', 'accepted', 'rejected')", name=op.f('ck_death_links_status')),
        sa.ForeignKeyConstraint(['death_record_id'], ['death_records.id'], name=op.f('fk_death_links_death_record_id_death_records')),
        sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_death_links_facility_id_facilities')),
        sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_death_links_participant_id_participants')),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_death_links_reviewed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_death_links')),
        sa.UniqueConstraint('death_record_id', 'participant_id', name=op.f('uq_death_links_death_record_id_participant_id')),
    )
    with op.batch_alter_table('death_links', schema=None) as batch_op:
        batch_op.create_index('ix_death_links_facility_status', ['facility_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_death_links_participant_id'), ['participant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('death_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_death_links_participant_id'))
        batch_op.drop_index('ix_death_links_facility_status')
    op.drop_table('death_links')
    with op.batch_alter_table('death_records', schema=None) as batch_op:
        batch_op.drop_index('ix_death_records_date_of_death')
        batch_op.drop_index('ix_death_records_date_of_birth')
    op.drop_table('death_records')
