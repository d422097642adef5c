"""content approvals: a medical director signs a content version

Revision ID: 0022
Revises: 0017
Create Date: 2026-12-04 18:00:00

A packet should say which version of its health and legal content it carries and who reviewed
it (issue 13). Each approval is a row of its own, never changed; an admin account may approve
only with the reviewer flag (off for every existing account).
"""
from alembic import op
import sqlalchemy as sa

import reentry.database

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('title_es', sa.String(length=120), nullable=False),
    sa.Column('manifest', sa.Text(), nullable=False),
    sa.Column('approved_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_content_approvals_approved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_approvals'))
    )
    with op.batch_alter_table('content_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_approvals_version'), ['version'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_content_reviewer', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_content_reviewer')
    with op.batch_alter_table('content_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_approvals_version'))
    op.drop_table('content_approvals')
