"""`reentry audit verify`: check the audit trail's hash chain from the first row to the last."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from reentry.cli import fail
from reentry.extensions import db


@click.group("audit")
def audit_group():
    """The audit trail."""


@audit_group.command("verify")
@click.option("--print-head", is_flag=True,
              help="Print only the last row's id and hash, to record somewhere the database's users cannot write.")
@click.option("--expect-head", "expected", metavar="HASH",
              help="A head hash recorded earlier: fail unless it is still in the chain (catches a cut tail).")
@with_appcontext
def verify_command(print_head, expected):
    """Recompute every row's hash in id order; report the first broken link and exit 1."""
    from reentry.audit.chain import hash_in_chain, verify_chain

    result = verify_chain(db.session)
    if not result.is_intact:
        fail(f"audit chain broken at row {result.broken_at} (row {result.rows} of the trail in id order): "
             f"{result.problem}. The {result.rows - 1} rows before it are intact.")
    if expected:
        row_id = hash_in_chain(db.session, expected)
        db.session.rollback()
        if row_id is None:
            fail(f"the recorded head {expected.strip()} is not in the chain: the rows up to it were removed or "
                 f"rewritten ({result.rows} rows, chain otherwise intact)")
    if print_head:
        click.echo(f"{result.head_id or 0} {result.head_hash}")
        return
    click.echo(f"{result.rows} rows, chain intact")
    if result.head_id is not None:
        click.echo(f"head: row {result.head_id} {result.head_hash}")
    if expected:
        click.echo(f"recorded head {expected.strip()} found at row {row_id}")
