"""naloxone: product catalog, funding sources, storage, lots, stock movements, kit events, reversals

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 14:24:48.500079

"""
from alembic import op
import sqlalchemy as sa

import reentry.database  # noqa: F401  (UTCDateTime in column types)
from datetime import UTC, datetime

from reentry.naloxone.catalog import seed_rows


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def seed():
    """The starting catalog (reentry/naloxone/catalog.py), inserted with plain table objects."""
    now = datetime.now(UTC)
    products, funding = seed_rows()
    stamp = lambda rows, *cols: [dict(row, **{col: now for col in cols}) for row in rows]  # noqa: E731
    columns = lambda rows, *extra: [sa.column(name) for name in rows[0]] + [  # noqa: E731
        sa.column(name, reentry.database.UTCDateTime()) for name in extra]
    op.bulk_insert(sa.table("naloxone_products", *columns(products, "created_at", "updated_at")),
                   stamp(products, "created_at", "updated_at"))
    op.bulk_insert(sa.table("naloxone_funding_sources", *columns(funding, "created_at")),
                   stamp(funding, "created_at"))


def upgrade():
    op.create_table('naloxone_funding_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('state_program', 'federal_grant', 'purchased', 'donated', 'other')", name=op.f('ck_naloxone_funding_sources_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_naloxone_funding_sources')),
    sa.UniqueConstraint('code', name=op.f('uq_naloxone_funding_sources_code'))
    )
    op.create_table('naloxone_products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('strength', sa.String(length=64), nullable=False),
    sa.Column('route', sa.String(length=8), nullable=False),
    sa.Column('devices_per_kit', sa.Integer(), nullable=False),
    sa.Column('is_otc', sa.Boolean(), nullable=False),
    sa.Column('ndc', sa.String(length=20), nullable=True),
    sa.Column('is_ndc_verified', sa.Boolean(), nullable=False),
    sa.Column('ndc_verified_on', sa.Date(), nullable=True),
    sa.Column('storage_min_c', sa.Integer(), nullable=True),
    sa.Column('storage_max_c', sa.Integer(), nullable=True),
    sa.Column('storage_note', sa.Text(), nullable=False),
    sa.Column('shelf_life_months', sa.Integer(), nullable=True),
    sa.Column('instructions_key', sa.String(length=64), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("route IN ('nasal', 'IM', 'IM/SC')", name=op.f('ck_naloxone_products_route')),
    sa.CheckConstraint('devices_per_kit >= 1', name=op.f('ck_naloxone_products_devices_per_kit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_naloxone_products')),
    sa.UniqueConstraint('code', name=op.f('uq_naloxone_products_code'))
    )
    op.create_table('naloxone_stock_minimums',
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('days_of_supply', sa.Integer(), nullable=False),
    sa.Column('updated_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('days_of_supply >= 1', name=op.f('ck_naloxone_stock_minimums_days_of_supply')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_naloxone_stock_minimums_facility_id_facilities')),
    sa.PrimaryKeyConstraint('facility_id', name=op.f('pk_naloxone_stock_minimums'))
    )
    op.create_table('naloxone_storage_locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('check_every_days', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('pharmacy', 'medical_unit', 'housing_cabinet', 'emergency_bag', 'property_room', 'visit_room', 'other')", name=op.f('ck_naloxone_storage_locations_kind')),
    sa.CheckConstraint('check_every_days IS NULL OR check_every_days >= 1', name=op.f('ck_naloxone_storage_locations_check_every_days')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_naloxone_storage_locations_facility_id_facilities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_naloxone_storage_locations')),
    sa.UniqueConstraint('facility_id', 'name', name=op.f('uq_naloxone_storage_locations_facility_id_name'))
    )
    with op.batch_alter_table('naloxone_storage_locations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_naloxone_storage_locations_facility_id'), ['facility_id'], unique=False)

    op.create_table('naloxone_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('lot_number', sa.String(length=64), nullable=False),
    sa.Column('expiry_date', sa.Date(), nullable=False),
    sa.Column('received_date', sa.Date(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('funding_source_id', sa.Integer(), nullable=False),
    sa.Column('is_recalled', sa.Boolean(), nullable=False),
    sa.Column('recalled_at', reentry.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recall_reason', sa.Text(), nullable=True),
    sa.Column('created_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_naloxone_lots_facility_id_facilities')),
    sa.ForeignKeyConstraint(['funding_source_id'], ['naloxone_funding_sources.id'], name=op.f('fk_naloxone_lots_funding_source_id_naloxone_funding_sources')),
    sa.ForeignKeyConstraint(['location_id'], ['naloxone_storage_locations.id'], name=op.f('fk_naloxone_lots_location_id_naloxone_storage_locations')),
    sa.ForeignKeyConstraint(['product_id'], ['naloxone_products.id'], name=op.f('fk_naloxone_lots_product_id_naloxone_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_naloxone_lots')),
    sa.UniqueConstraint('facility_id', 'product_id', 'lot_number', name=op.f('uq_naloxone_lots_facility_id_product_id_lot_number'))
    )
    with op.batch_alter_table('naloxone_lots', schema=None) as batch_op:
        batch_op.create_index('ix_naloxone_lots_facility_expiry', ['facility_id', 'expiry_date'], unique=False)
        batch_op.create_index('ix_naloxone_lots_product_lot_number', ['product_id', 'lot_number'], unique=False)

    op.create_table('naloxone_storage_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('counted', sa.Integer(), nullable=False),
    sa.Column('expired', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint('counted >= 0 AND expired >= 0 AND missing >= 0', name=op.f('ck_naloxone_storage_checks_counts')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_naloxone_storage_checks_checked_by_id_users')),
    sa.ForeignKeyConstraint(['location_id'], ['naloxone_storage_locations.id'], name=op.f('fk_naloxone_storage_checks_location_id_naloxone_storage_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_naloxone_storage_checks'))
    )
    with op.batch_alter_table('naloxone_storage_checks', schema=None) as batch_op:
        batch_op.create_index('ix_naloxone_storage_checks_location_checked', ['location_id', 'checked_at'], unique=False)

    op.create_table('naloxone_kit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=36), nullable=True),
    sa.Column('import_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('episode_id', sa.Integer(), nullable=True),
    sa.Column('is_anonymous', sa.Boolean(), nullable=False),
    sa.Column('occurred_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('context', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('decline_reason', sa.String(length=32), nullable=True),
    sa.Column('decline_other', sa.String(length=500), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('imported_lot_number', sa.String(length=64), nullable=False),
    sa.Column('kits', sa.Integer(), nullable=False),
    sa.Column('recipient_type', sa.String(length=16), nullable=False),
    sa.Column('supply', sa.String(length=16), nullable=False),
    sa.Column('repeat_reason', sa.String(length=16), nullable=True),
    sa.Column('was_trained_before', sa.Boolean(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('property_picked_up', sa.Boolean(), nullable=True),
    sa.Column('picked_up_recorded_at', reentry.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('is_historical', sa.Boolean(), nullable=False),
    sa.Column('is_voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('voided_at', reentry.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("context IN ('release', 'in_custody_training', 'family_visit', 'community')", name=op.f('ck_naloxone_kit_events_context')),
    sa.CheckConstraint("decline_reason IS NULL OR decline_reason IN ('no_need', 'has_kit', 'distrust', 'legal_worry', 'cannot_carry', 'stigma', 'other')", name=op.f('ck_naloxone_kit_events_decline_reason')),
    sa.CheckConstraint("outcome <> 'declined' OR lot_id IS NULL", name=op.f('ck_naloxone_kit_events_declined_no_lot')),
    sa.CheckConstraint("outcome IN ('handed', 'property', 'declined')", name=op.f('ck_naloxone_kit_events_outcome')),
    sa.CheckConstraint("property_picked_up IS NULL OR outcome = 'property'", name=op.f('ck_naloxone_kit_events_picked_up_property')),
    sa.CheckConstraint("recipient_type IN ('participant', 'family', 'staff', 'community')", name=op.f('ck_naloxone_kit_events_recipient_type')),
    sa.CheckConstraint("repeat_reason IS NULL OR repeat_reason IN ('used', 'lost', 'expired', 'confiscated', 'gave_away')", name=op.f('ck_naloxone_kit_events_repeat_reason')),
    sa.CheckConstraint("supply IN ('first', 'repeat', 'unknown')", name=op.f('ck_naloxone_kit_events_supply')),
    sa.CheckConstraint('kits >= 1', name=op.f('ck_naloxone_kit_events_kits')),
    sa.ForeignKeyConstraint(['episode_id'], ['custody_episodes.id'], name=op.f('fk_naloxone_kit_events_episode_id_custody_episodes')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_naloxone_kit_events_facility_id_facilities')),
    sa.ForeignKeyConstraint(['lot_id'], ['naloxone_lots.id'], name=op.f('fk_naloxone_kit_events_lot_id_naloxone_lots')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_naloxone_kit_events_participant_id_participants')),
    sa.ForeignKeyConstraint(['product_id'], ['naloxone_products.id'], name=op.f('fk_naloxone_kit_events_product_id_naloxone_products')),
    sa.ForeignKeyConstraint(['staff_id'], ['users.id'], name=op.f('fk_naloxone_kit_events_staff_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_naloxone_kit_events')),
    sa.UniqueConstraint('import_fingerprint', name=op.f('uq_naloxone_kit_events_import_fingerprint')),
    sa.UniqueConstraint('token', name=op.f('uq_naloxone_kit_events_token'))
    )
    with op.batch_alter_table('naloxone_kit_events', schema=None) as batch_op:
        batch_op.create_index('ix_naloxone_kit_events_episode_voided', ['episode_id', 'is_voided'], unique=False)
        batch_op.create_index('ix_naloxone_kit_events_facility_date', ['facility_id', 'event_date'], unique=False)
        batch_op.create_index('ix_naloxone_kit_events_lot', ['lot_id'], unique=False)
        batch_op.create_index('ix_naloxone_kit_events_participant', ['participant_id'], unique=False)

    op.create_table('naloxone_reversal_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=36), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('reporter_type', sa.String(length=16), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('county', sa.String(length=100), nullable=False),
    sa.Column('zip_code', sa.String(length=10), nullable=False),
    sa.Column('location_type', sa.String(length=16), nullable=False),
    sa.Column('giver_type', sa.String(length=16), nullable=False),
    sa.Column('is_self_administered', sa.Boolean(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('doses_used', sa.Integer(), nullable=False),
    sa.Column('was_breathing', sa.String(length=8), nullable=False),
    sa.Column('was_responsive', sa.String(length=8), nullable=False),
    sa.Column('rescue_breathing', sa.String(length=8), nullable=False),
    sa.Column('called_911', sa.String(length=8), nullable=False),
    sa.Column('ems_came', sa.String(length=8), nullable=False),
    sa.Column('giver_stayed', sa.String(length=8), nullable=False),
    sa.Column('others_gave_naloxone', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('age_band', sa.String(length=16), nullable=False),
    sa.Column('gender', sa.String(length=64), nullable=False),
    sa.Column('naloxone_source', sa.String(length=16), nullable=False),
    sa.Column('kit_event_id', sa.Integer(), nullable=True),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('is_voided', sa.Boolean(), nullable=False),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('created_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("age_band IN ('under_18', '18_24', '25_34', '35_44', '45_54', '55_64', '65_plus', 'unknown')", name=op.f('ck_naloxone_reversal_reports_age_band')),
    sa.CheckConstraint("giver_type IN ('participant', 'family', 'staff', 'other')", name=op.f('ck_naloxone_reversal_reports_giver_type')),
    sa.CheckConstraint("location_type IN ('home', 'street', 'shelter', 'facility', 'other')", name=op.f('ck_naloxone_reversal_reports_location_type')),
    sa.CheckConstraint("naloxone_source IN ('our_kit', 'elsewhere', 'unknown')", name=op.f('ck_naloxone_reversal_reports_naloxone_source')),
    sa.CheckConstraint("outcome IN ('survived', 'died', 'unknown')", name=op.f('ck_naloxone_reversal_reports_outcome')),
    sa.CheckConstraint("reporter_type IN ('participant', 'family', 'staff', 'other')", name=op.f('ck_naloxone_reversal_reports_reporter_type')),
    sa.CheckConstraint('doses_used >= 1', name=op.f('ck_naloxone_reversal_reports_doses_used')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_naloxone_reversal_reports_facility_id_facilities')),
    sa.ForeignKeyConstraint(['kit_event_id'], ['naloxone_kit_events.id'], name=op.f('fk_naloxone_reversal_reports_kit_event_id_naloxone_kit_events')),
    sa.ForeignKeyConstraint(['lot_id'], ['naloxone_lots.id'], name=op.f('fk_naloxone_reversal_reports_lot_id_naloxone_lots')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_naloxone_reversal_reports_participant_id_participants')),
    sa.ForeignKeyConstraint(['product_id'], ['naloxone_products.id'], name=op.f('fk_naloxone_reversal_reports_product_id_naloxone_products')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_naloxone_reversal_reports_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_naloxone_reversal_reports')),
    sa.UniqueConstraint('token', name=op.f('uq_naloxone_reversal_reports_token'))
    )
    with op.batch_alter_table('naloxone_reversal_reports', schema=None) as batch_op:
        batch_op.create_index('ix_naloxone_reversal_reports_facility_date', ['facility_id', 'occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_naloxone_reversal_reports_kit_event_id'), ['kit_event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_naloxone_reversal_reports_participant_id'), ['participant_id'], unique=False)

    op.create_table('naloxone_stock_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=True),
    sa.Column('expected', sa.Integer(), nullable=True),
    sa.Column('kit_event_id', sa.Integer(), nullable=True),
    sa.Column('transfer_lot_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', reentry.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("(kind IN ('receive', 'transfer_in', 'return') AND quantity > 0) OR (kind IN ('transfer_out', 'distribute', 'waste') AND quantity < 0) OR kind = 'adjust'", name=op.f('ck_naloxone_stock_movements_quantity_sign')),
    sa.CheckConstraint("kind <> 'adjust' OR (counted IS NOT NULL AND expected IS NOT NULL AND reason <> '')", name=op.f('ck_naloxone_stock_movements_adjust_counts')),
    sa.CheckConstraint("kind <> 'waste' OR reason IN ('expired', 'damaged', 'recalled', 'lost')", name=op.f('ck_naloxone_stock_movements_waste_reason')),
    sa.CheckConstraint("kind IN ('receive', 'transfer_out', 'transfer_in', 'distribute', 'return', 'waste', 'adjust')", name=op.f('ck_naloxone_stock_movements_kind')),
    sa.CheckConstraint('quantity <> 0', name=op.f('ck_naloxone_stock_movements_quantity_nonzero')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_naloxone_stock_movements_actor_id_users')),
    sa.ForeignKeyConstraint(['kit_event_id'], ['naloxone_kit_events.id'], name=op.f('fk_naloxone_stock_movements_kit_event_id_naloxone_kit_events')),
    sa.ForeignKeyConstraint(['lot_id'], ['naloxone_lots.id'], name=op.f('fk_naloxone_stock_movements_lot_id_naloxone_lots')),
    sa.ForeignKeyConstraint(['transfer_lot_id'], ['naloxone_lots.id'], name=op.f('fk_naloxone_stock_movements_transfer_lot_id_naloxone_lots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_naloxone_stock_movements'))
    )
    with op.batch_alter_table('naloxone_stock_movements', schema=None) as batch_op:
        batch_op.create_index('ix_naloxone_stock_movements_kind_occurred', ['kind', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_naloxone_stock_movements_kit_event_id'), ['kit_event_id'], unique=False)
        batch_op.create_index('ix_naloxone_stock_movements_lot_quantity', ['lot_id', 'quantity'], unique=False)

    seed()


def downgrade():
    with op.batch_alter_table('naloxone_stock_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_naloxone_stock_movements_lot_quantity')
        batch_op.drop_index(batch_op.f('ix_naloxone_stock_movements_kit_event_id'))
        batch_op.drop_index('ix_naloxone_stock_movements_kind_occurred')

    op.drop_table('naloxone_stock_movements')
    with op.batch_alter_table('naloxone_reversal_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_naloxone_reversal_reports_participant_id'))
        batch_op.drop_index(batch_op.f('ix_naloxone_reversal_reports_kit_event_id'))
        batch_op.drop_index('ix_naloxone_reversal_reports_facility_date')

    op.drop_table('naloxone_reversal_reports')
    with op.batch_alter_table('naloxone_kit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_naloxone_kit_events_participant')
        batch_op.drop_index('ix_naloxone_kit_events_lot')
        batch_op.drop_index('ix_naloxone_kit_events_facility_date')
        batch_op.drop_index('ix_naloxone_kit_events_episode_voided')

    op.drop_table('naloxone_kit_events')
    with op.batch_alter_table('naloxone_storage_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_naloxone_storage_checks_location_checked')

    op.drop_table('naloxone_storage_checks')
    with op.batch_alter_table('naloxone_lots', schema=None) as batch_op:
        batch_op.drop_index('ix_naloxone_lots_product_lot_number')
        batch_op.drop_index('ix_naloxone_lots_facility_expiry')

    op.drop_table('naloxone_lots')
    with op.batch_alter_table('naloxone_storage_locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_naloxone_storage_locations_facility_id'))

    op.drop_table('naloxone_storage_locations')
    op.drop_table('naloxone_stock_minimums')
    op.drop_table('naloxone_products')
    op.drop_table('naloxone_funding_sources')
