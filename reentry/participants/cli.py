"""`reentry import-roster`: the jail roster import from the command line (cron, JMS drops)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from reentry.errors import DomainError
from reentry.extensions import db


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


@click.command("import-roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--facility", "facility_code", required=True, help="Facility code, e.g. DEMO-JAIL.")
@click.option("--mapping", "mapping_name", default=None,
              help="A mapping saved for the facility, or a TOML file (default: the standard columns).")
@click.option("--people", "people_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A second file of people, joined to the bookings on the person id.")
@click.option("--snapshot", is_flag=True,
              help="The file is the whole population: open bookings missing from it are marked released.")
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@click.option("--force", is_flag=True, help="Allow a snapshot that releases more than 20% of open bookings.")
@with_appcontext
def import_roster_command(file, facility_code, mapping_name, people_file, snapshot, dry_run, force):
    """Import a jail roster CSV: all rows or none (every problem is listed)."""
    from reentry.cli import fail
    from reentry.database import reading, take_write_lock
    from reentry.facilities.services import facility_zone, get_facility_by_code
    from reentry.participants.roster import RosterError, import_roster, load_mapping, parse_roster

    bookings, people = _read(file), _read(people_file) if people_file else None
    try:
        with reading():  # the file is checked holding no lock (issue 14 point 1)
            facility = get_facility_by_code(facility_code)
            mapping = load_mapping(facility, mapping_name, allow_path=True)
            parsed = parse_roster(bookings, mapping, facility_zone(facility), people=people)
            if parsed.ignored_columns:
                click.echo(f"ignored columns: {', '.join(parsed.ignored_columns)}")
            if not dry_run:
                take_write_lock(db.session)
            result = import_roster(None, facility, parsed, snapshot=snapshot, force=force, dry_run=dry_run,
                                   source=click.format_filename(file),
                                   progress=lambda message: click.echo(message, err=True))
            if dry_run:
                db.session.rollback()
            else:
                db.session.commit()
    except RosterError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(problem, err=True)
        if error.more:
            click.echo(f"and {error.more} more problem(s)", err=True)
        fail(error.message)
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    prefix = "dry run, nothing written: " if dry_run else ""
    click.echo(prefix + result.summary)
    if result.refusal:
        fail(result.refusal)



