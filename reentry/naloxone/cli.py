"""Naloxone commands: import historical distributions."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from reentry.cli import fail
from reentry.database import reading
from reentry.errors import DomainError
from reentry.extensions import db


@click.command("import-distributions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--facility", "facility_code", required=True, help="Facility code, e.g. DEMO-JAIL.")
@click.option("--dry-run", is_flag=True, help="Check the file and say what would be added; write nothing.")
@with_appcontext
def import_distributions_command(file, facility_code, dry_run):
    """Import historical kit distributions from a CSV file (all rows or none; safe to re-run)."""
    from reentry.facilities.services import get_facility_by_code
    from reentry.naloxone.importer import import_distributions

    raw = Path(file).read_bytes()
    with reading():  # the file is checked holding no lock (issue 14 point 1)
        try:
            facility = get_facility_by_code(facility_code)
        except DomainError as error:
            fail(error.message)
        result = import_distributions(None, facility, raw, dry_run=dry_run, source=Path(file).name)
    if result.errors:
        db.session.rollback()
        for line in result.errors:
            click.echo(line, err=True)
        fail(f"{len(result.errors)} problem(s) in {Path(file).name}; nothing was imported.")
    if dry_run:
        db.session.rollback()
        click.echo(f"dry run: {result.rows} rows; would create {result.created}, "
                   f"already imported {result.already_imported}; nothing written")
        return
    db.session.commit()
    click.echo(f"{result.rows} rows: created {result.created}, already imported {result.already_imported} "
               f"(historical: stock not changed)")
