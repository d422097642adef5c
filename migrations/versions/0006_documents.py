"""documents: certificates, resources, hotlines, Good Samaritan laws

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 14:29:23.357184

Also seeds the hotlines (DOMAIN.md section 6) and the Good Samaritan law table (RAND OPTIC,
see reentry/documents/data) so a new install prints them from the first day.

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

import reentry.database  # noqa: F401  (UTCDateTime in column types)
from reentry.documents.seed import hotline_rows, law_rows


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    laws = op.create_table('good_samaritan_laws',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_code', sa.String(length=2), nullable=False),
    sa.Column('state_name', sa.String(length=60), nullable=False),
    sa.Column('has_gsl', sa.String(length=8), nullable=False),
    sa.Column('effective_date', sa.String(length=10), nullable=False),
    sa.Column('protects_arrest', sa.String(length=8), nullable=False),
    sa.Column('protects_charge', sa.String(length=8), nullable=False),
    sa.Column('protects_prosecution', sa.String(length=8), nullable=False),
    sa.Column('covers_possession', sa.String(length=8), nullable=False),
    sa.Column('covers_paraphernalia', sa.String(length=8), nullable=False),
    sa.Column('protects_probation_parole', sa.String(length=8), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('is_verified', sa.Boolean(), nullable=False),
    sa.Column('updated_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("covers_paraphernalia IN ('yes', 'no', 'unknown')", name=op.f('ck_good_samaritan_laws_covers_paraphernalia')),
    sa.CheckConstraint("covers_possession IN ('yes', 'no', 'unknown')", name=op.f('ck_good_samaritan_laws_covers_possession')),
    sa.CheckConstraint("has_gsl IN ('yes', 'no', 'unknown')", name=op.f('ck_good_samaritan_laws_has_gsl')),
    sa.CheckConstraint("protects_arrest IN ('yes', 'no', 'unknown')", name=op.f('ck_good_samaritan_laws_protects_arrest')),
    sa.CheckConstraint("protects_charge IN ('yes', 'no', 'unknown')", name=op.f('ck_good_samaritan_laws_protects_charge')),
    sa.CheckConstraint("protects_probation_parole IN ('yes', 'no', 'unknown')", name=op.f('ck_good_samaritan_laws_protects_probation_parole')),
    sa.CheckConstraint("protects_prosecution IN ('yes', 'no', 'unknown')", name=op.f('ck_good_samaritan_laws_protects_prosecution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_good_samaritan_laws')),
    sa.UniqueConstraint('state_code', name=op.f('uq_good_samaritan_laws_state_code'))
    )
    hotlines = op.create_table('hotlines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('name_es', sa.String(length=200), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('description_en', sa.String(length=300), nullable=False),
    sa.Column('description_es', sa.String(length=300), nullable=False),
    sa.Column('is_verified', sa.Boolean(), nullable=False),
    sa.Column('last_verified_on', sa.Date(), nullable=True),
    sa.Column('last_verified_by', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('updated_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotlines')),
    sa.UniqueConstraint('key', name=op.f('uq_hotlines_key'))
    )
    op.create_table('resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('county', sa.String(length=100), nullable=False),
    sa.Column('zip', sa.String(length=10), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('hours', sa.String(length=200), nullable=False),
    sa.Column('languages', sa.String(length=200), nullable=False),
    sa.Column('accepts_records', sa.String(length=8), nullable=False),
    sa.Column('last_verified_on', sa.Date(), nullable=True),
    sa.Column('last_verified_by', sa.String(length=200), nullable=False),
    sa.Column('is_voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('created_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("accepts_records IN ('yes', 'no', 'unknown')", name=op.f('ck_resources_accepts_records')),
    sa.CheckConstraint("type IN ('treatment', 'moud', 'syringe_services', 'naloxone', 'housing', 'crisis', 'legal', 'recovery_community', 'drug_court')", name=op.f('ck_resources_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources'))
    )
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.create_index('ix_resources_state_county', ['state', 'county'], unique=False)

    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('training_attendance_id', sa.Integer(), nullable=True),
    sa.Column('course_title', sa.String(length=200), nullable=False),
    sa.Column('course_version', sa.String(length=40), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('trainer_name', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('facility_name', sa.String(length=200), nullable=True),
    sa.Column('holder_initials', sa.String(length=16), nullable=False),
    sa.Column('pdf_bytes', sa.LargeBinary(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('issued_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('is_revoked', sa.Boolean(), nullable=False),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.Column('revoked_at', reentry.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.Column('replaced_at', reentry.database.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("language IN ('en', 'es')", name=op.f('ck_certificates_language')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_certificates_facility_id_facilities')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_certificates_issued_by_id_users')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_certificates_participant_id_participants')),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['certificates.id'], name=op.f('fk_certificates_replaced_by_id_certificates')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_certificates_revoked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index('ix_certificates_participant', ['participant_id'], unique=False)

    # A new install starts with the shipped reference data: hotlines (unverified ones do not
    # print) and the Good Samaritan law table. Admins edit them afterwards; `reentry demo` and
    # seed_reference_data() add only rows that are missing.
    now = datetime.now(UTC)
    op.bulk_insert(hotlines, [{**row, "updated_at": now} for row in hotline_rows()])
    # Only this revision's columns: later revisions add fields that the shipped rows also carry.
    columns = set(laws.c.keys())
    op.bulk_insert(laws, [{k: v for k, v in {**row, "updated_at": now}.items() if k in columns}
                          for row in law_rows()])



def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('ix_certificates_participant')

    op.drop_table('certificates')
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_index('ix_resources_state_county')

    op.drop_table('resources')
    op.drop_table('hotlines')
    op.drop_table('good_samaritan_laws')
