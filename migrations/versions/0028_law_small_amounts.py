"""Good Samaritan laws: Ohio and Texas cover only a small amount (minor possession; under 1 gram)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 15:00:00

The packet says "a small amount of drugs for your own use" only where the law limits the amount
(issue 13); other states now read "having drugs for your own use". Ohio's protection is for a
minor drug possession offense (ORC 2925.11(B)(2)) and Texas's defense for less than one gram of a
Penalty Group 1 drug (Health & Safety Code 481.115(b)), so both rows gain the small_amount
condition from the statute text read on 2026-12-04. A row is replaced only while it is still as
shipped, never an admin's edit.
"""
from datetime import date

from alembic import op

from reentry.documents.seed import checked_law_updates

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

CHECKED = date(2026, 12, 4)  # the as-of date both rows shipped with in 0016


def upgrade():
    for statement in checked_law_updates({"OH": CHECKED, "TX": CHECKED}):
        op.execute(statement)


def downgrade():
    pass  # data only: the condition is the statute's, and an admin may have built on it
