"""packet prints; certificates link to their training attendance

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-25 15:10:08.783271

"""
from alembic import op
import sqlalchemy as sa

import reentry.database  # noqa: F401  (UTCDateTime in column types)


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('packet_prints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=True),
    sa.Column('printed_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('printed_by_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('is_large_print', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['episode_id'], ['custody_episodes.id'], name=op.f('fk_packet_prints_episode_id_custody_episodes')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_packet_prints_participant_id_participants')),
    sa.ForeignKeyConstraint(['printed_by_id'], ['users.id'], name=op.f('fk_packet_prints_printed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_packet_prints'))
    )
    with op.batch_alter_table('packet_prints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_packet_prints_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_packet_prints_participant_id'), ['participant_id'], unique=False)

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_training_attendance_id'), ['training_attendance_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_certificates_training_attendance_id_training_attendees'), 'training_attendees', ['training_attendance_id'], ['id'])



def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificates_training_attendance_id_training_attendees'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_certificates_training_attendance_id'))

    with op.batch_alter_table('packet_prints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_packet_prints_participant_id'))
        batch_op.drop_index(batch_op.f('ix_packet_prints_episode_id'))

    op.drop_table('packet_prints')
