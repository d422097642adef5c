"""Roster feeds: drop folders imported by `reentry feeds run`

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 18:50:00

A roster that arrives only when someone uploads it is a roster someone forgets (issue 16). Each
file a feed sees is recorded by its SHA-256; a partial unique index makes "imported once" a rule
of the database, not only of the code.
"""
from alembic import op
import sqlalchemy as sa

from reentry.database import UTCDateTime

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'roster_feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('facility_id', sa.Integer(), nullable=False),
        sa.Column('folder', sa.Text(), nullable=False),
        sa.Column('pattern', sa.String(length=200), nullable=False),
        sa.Column('people_pattern', sa.String(length=200), nullable=False),
        sa.Column('mapping', sa.String(length=500), nullable=False),
        sa.Column('is_snapshot', sa.Boolean(), nullable=False),
        sa.Column('is_enabled', sa.Boolean(), nullable=False),
        sa.Column('late_after_hours', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_snapshot_at', UTCDateTime(), nullable=True),
        sa.Column('last_good_at', UTCDateTime(), nullable=True),
        sa.Column('last_good_file', sa.String(length=500), nullable=False),
        sa.Column('last_good_rows', sa.Integer(), nullable=True),
        sa.Column('last_error_at', UTCDateTime(), nullable=True),
        sa.Column('last_error_file', sa.String(length=500), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('last_run_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_roster_feeds_facility_id_facilities')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_feeds')),
    )
    with op.batch_alter_table('roster_feeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_feeds_facility_id'), ['facility_id'], unique=False)
    op.create_table(
        'feed_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('feed_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=500), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=True),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('file_time', UTCDateTime(), nullable=False),
        sa.Column('processed_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['feed_id'], ['roster_feeds.id'], name=op.f('fk_feed_files_feed_id_roster_feeds')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_files')),
    )
    with op.batch_alter_table('feed_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_files_feed_id'), ['feed_id'], unique=False)
        batch_op.create_index('ix_feed_files_imported_once', ['feed_id', 'sha256'], unique=True,
                              sqlite_where=sa.text("status = 'imported'"),
                              postgresql_where=sa.text("status = 'imported'"))


def downgrade():
    op.drop_table('feed_files')
    op.drop_table('roster_feeds')
