"""the choice to print personal flags; Spanish resource hours; hotline fixes

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-04 06:30:00

A release packet is read during property searches, so the flags about the person ("You have
overdosed before") print only when they chose it: the choice is recorded with the screening
(off for every existing one) and each packet print records whether it carried that sheet.
Resources get their hours in Spanish, so a Spanish packet never prints "Mon-Fri 6am-2pm".
The shipped 988 and Poison Control rows are corrected where an admin has not edited them.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None

# (key, column, shipped value before, shipped value now): only rows still as shipped change.
HOTLINE_FIXES = (
    ("988", "number", "Call or text 988", "988"),
    ("988", "description_en", "Talk to someone when things are hard.",
     "Call or text. Talk to someone when things are hard. For Spanish, press 2."),
    ("988", "description_es", "Habla con alguien cuando las cosas están difíciles.",
     "Llame o envíe un mensaje de texto. Hable con alguien cuando las cosas estén difíciles. "
     "Para español, oprima 2."),
    ("poison", "description_en", "Help if someone took too much of a drug or medicine.",
     "Help if someone took too much of a drug or medicine. If someone will not wake up or is "
     "not breathing, call 911."),
    ("poison", "description_es", "Ayuda si alguien tomó demasiado de una droga o medicina.",
     "Ayuda si alguien tomó demasiado de una droga o medicina. Si alguien no despierta o no "
     "respira, llame al 911."),
    ("never-use-alone", "name_es", "Never Use Alone", "Never Use Alone (línea para no usar a solas)"),
    ("never-use-alone", "description_es",
     "Si usas solo, llama. Se quedan en la línea y mandan ayuda si dejas de responder.",
     "Si usa a solas, llame. Se quedan en la línea y mandan ayuda si usted deja de responder."),
)


def _fix_hotlines(forward: bool) -> None:
    hotlines = sa.table("hotlines", sa.column("key", sa.String), sa.column("number", sa.String),
                        sa.column("name_es", sa.String), sa.column("description_en", sa.String),
                        sa.column("description_es", sa.String))
    for key, column, before, after in HOTLINE_FIXES:
        old, new = (before, after) if forward else (after, before)
        if old == new:
            continue
        op.execute(hotlines.update().where(hotlines.c.key == key, hotlines.c[column] == old)
                   .values({column: new}))


def upgrade():
    with op.batch_alter_table('release_screenings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wants_personal_flags_printed', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('packet_prints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('has_personal_flags', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hours_es', sa.String(length=200), nullable=False, server_default=''))
    _fix_hotlines(forward=True)


def downgrade():
    _fix_hotlines(forward=False)
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_column('hours_es')
    with op.batch_alter_table('packet_prints', schema=None) as batch_op:
        batch_op.drop_column('has_personal_flags')
    with op.batch_alter_table('release_screenings', schema=None) as batch_op:
        batch_op.drop_column('wants_personal_flags_printed')
