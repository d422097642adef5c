"""API keys for the jail's systems

Revision ID: 0023
Revises: 0016
Create Date: 2026-12-04 18:10:00

The JMS and the health record talk to /api/v1/ with keys an admin makes (issue 16): stored as a
hash, scoped to facilities and to read or write, expiring and revocable.
"""
from alembic import op
import sqlalchemy as sa

from reentry.database import UTCDateTime

revision = '0023'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=12), nullable=False),
        sa.Column('scope', sa.String(length=5), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=254), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=True),
        sa.Column('revoked_at', UTCDateTime(), nullable=True),
        sa.Column('last_used_at', UTCDateTime(), nullable=True),
        sa.CheckConstraint("scope IN ('read', 'write')", name=op.f('ck_api_keys_scope')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
        sa.UniqueConstraint('name', name=op.f('uq_api_keys_name')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash')),
    )
    op.create_table(
        'api_key_facilities',
        sa.Column('api_key_id', sa.Integer(), nullable=False),
        sa.Column('facility_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], name=op.f('fk_api_key_facilities_api_key_id_api_keys'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'],
                                name=op.f('fk_api_key_facilities_facility_id_facilities'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('api_key_id', 'facility_id', name=op.f('pk_api_key_facilities')),
    )


def downgrade():
    op.drop_table('api_key_facilities')
    op.drop_table('api_keys')
