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
@click.option("--facility", "facility_code", default=None,
              help="Facility code, e.g. DEMO-JAIL. With a mapping that has a facility column: import only "
                   "that facility's rows (default: every facility the mapping names).")
@click.option("--mapping", "mapping_name", default=None,
              help="A mapping saved for the facility, or a TOML file (default: the standard columns).")
@click.option("--people", "people_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A second file of people, joined to the bookings on the person id.")
@click.option("--snapshot", is_flag=True,
              help="The file is the whole population: open bookings missing from it are marked released "
                   "(per facility, for a several-facility export).")
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@click.option("--force", is_flag=True, help="Allow a snapshot that releases more than 20% of open bookings.")
@with_appcontext
def import_roster_command(file, facility_code, mapping_name, people_file, snapshot, dry_run, force):
    """Import a jail roster CSV: all rows or none (every problem is listed)."""
    from reentry.cli import fail, fail_with_problems
    from reentry.database import reading, take_write_lock
    from reentry.facilities.services import facility_zone, get_facility_by_code
    from reentry.participants.roster import RosterError, import_roster, load_mapping, parse_roster

    bookings, people = _read(file), _read(people_file) if people_file else None
    try:
        with reading():  # the file is checked holding no lock (issue 14 point 1)
            facility = get_facility_by_code(facility_code) if facility_code else None
            mapping = load_mapping(facility, mapping_name, allow_path=True)
            if facility is None and not mapping.facility_column:
                fail("--facility is required (the mapping has no facility column).")
            targets = _targets(mapping, facility, get_facility_by_code)
            # Dates are read in the first facility's zone; the facilities of one county export share it.
            parsed = parse_roster(bookings, mapping, facility_zone(targets[0]), people=people)
            if parsed.ignored_columns:
                click.echo(f"ignored columns: {', '.join(parsed.ignored_columns)}")
            if not dry_run:
                take_write_lock(db.session)
            results = []
            for target in targets:
                part = parsed.only(target.code)
                if not part.rows and mapping.facility_column:
                    # A facility absent from a county export is left alone, snapshot or not:
                    # a cut-off export must not release a whole facility (with --force neither).
                    click.echo(f"{target.code}: no rows in the file; nothing changed")
                    continue
                results.append((target, import_roster(
                    None, target, part, snapshot=snapshot, force=force, dry_run=dry_run,
                    source=click.format_filename(file), progress=lambda message: click.echo(message, err=True))))
            if dry_run or any(result.refusal for _, result in results):
                db.session.rollback()
            else:
                db.session.commit()  # every facility of the file, or none
    except RosterError as error:
        fail_with_problems(error)
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    prefix = "dry run, nothing written: " if dry_run else ""
    if len(results) == 1 and not mapping.facility_column:
        click.echo(prefix + results[0][1].summary)
    else:
        for target, result in results:
            click.echo(f"{prefix}{target.code}: {result.summary}")
    refusals = [f"{target.code}: {result.refusal}" for target, result in results if result.refusal]
    if refusals:
        fail(" ".join(refusals))


def _targets(mapping, facility, get_facility_by_code) -> list:
    """The facilities to import: the one named, or every one the mapping's [facilities] table names."""
    if not mapping.facility_column:
        return [facility]
    codes = sorted(set(mapping.facilities.values()))
    if facility is not None:
        if facility.code not in codes:
            raise DomainError(f"--facility {facility.code} is not in the mapping's [facilities] table "
                              f"({', '.join(codes)}).", field="facility")
        return [facility]
    return [get_facility_by_code(code) for code in codes]
