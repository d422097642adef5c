"""product GTINs and scanned carton serials

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-04 18:50:00

Cartons are scanned (issue 17): each catalog product holds the GTINs on its cartons, and a
receipt stores the serial numbers it scanned so one carton cannot be received twice. No GTINs are
inserted here: an administrator adds the ones on the labels they hold (the demo adds its own).
"""
from alembic import op
import sqlalchemy as sa

from reentry.database import UTCDateTime

revision = '0021'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'naloxone_product_gtins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('gtin', sa.String(length=14), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['naloxone_products.id'],
                                name=op.f('fk_naloxone_product_gtins_product_id_naloxone_products')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_naloxone_product_gtins')),
        sa.UniqueConstraint('gtin', name=op.f('uq_naloxone_product_gtins_gtin')),
    )
    with op.batch_alter_table('naloxone_product_gtins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_naloxone_product_gtins_product_id'), ['product_id'], unique=False)
    op.create_table(
        'naloxone_carton_serials',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('lot_number', sa.String(length=64), nullable=False),
        sa.Column('serial', sa.String(length=20), nullable=False),
        sa.Column('lot_id', sa.Integer(), nullable=False),
        sa.Column('movement_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['lot_id'], ['naloxone_lots.id'],
                                name=op.f('fk_naloxone_carton_serials_lot_id_naloxone_lots')),
        sa.ForeignKeyConstraint(['movement_id'], ['naloxone_stock_movements.id'],
                                name=op.f('fk_naloxone_carton_serials_movement_id_naloxone_stock_movements')),
        sa.ForeignKeyConstraint(['product_id'], ['naloxone_products.id'],
                                name=op.f('fk_naloxone_carton_serials_product_id_naloxone_products')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_naloxone_carton_serials')),
        sa.UniqueConstraint('product_id', 'lot_number', 'serial',
                            name=op.f('uq_naloxone_carton_serials_product_id_lot_number_serial')),
    )
    with op.batch_alter_table('naloxone_carton_serials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_naloxone_carton_serials_lot_id'), ['lot_id'], unique=False)


def downgrade():
    with op.batch_alter_table('naloxone_carton_serials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_naloxone_carton_serials_lot_id'))
    op.drop_table('naloxone_carton_serials')
    with op.batch_alter_table('naloxone_product_gtins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_naloxone_product_gtins_product_id'))
    op.drop_table('naloxone_product_gtins')
