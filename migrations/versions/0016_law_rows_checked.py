"""Good Samaritan law rows checked against the statute: NM, NY, FL, PA, TX, CA, IL, MI, KY, MA, WA, AZ, WY

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 18:00:00

Each row now rests on statute text read on 2026-12-04 (sources in docs/good-samaritan-laws.md),
with its conditions and exclusions; Texas is a defense in court, not protection from arrest
(issue 13). A shipped row is replaced only while it is still as shipped, never an admin's edit.
Kansas and West Virginia stay as they were: their statute text could not be read.
"""
from datetime import date

from alembic import op

from reentry.documents.seed import checked_law_updates

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# The as-of date each row shipped with: the RAND 2021 coding, or (TX, WY) a 2025 secondary summary.
RAND = date(2021, 12, 31)
SUMMARY_2025 = date(2025, 12, 31)
SHIPPED_AS_OF = {
    **{state: RAND for state in ("NM", "NY", "FL", "PA", "CA", "IL", "MI", "KY", "MA", "WA", "AZ")},
    "TX": SUMMARY_2025, "WY": SUMMARY_2025,
}


def upgrade():
    for statement in checked_law_updates(SHIPPED_AS_OF):
        op.execute(statement)


def downgrade():
    pass  # data only: the checked rows are the better facts, and an admin may have built on them
