"""`reentry import-deaths`: a medical examiner's or vital records' death file from the command line."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from reentry.errors import DomainError
from reentry.extensions import db
from reentry.outcomes import models  # noqa: F401  (the tables are known to every app, for migrations)


def refresh_statistics(*tables: str) -> None:
    """ANALYZE the tables a bulk command just filled, on PostgreSQL: the outcomes report planned
    on tables autovacuum had not analysed yet took ~40 s instead of ~1 s (benchmarks/outcomes.py).
    SQLite plans without statistics well enough here."""
    from sqlalchemy import text

    if db.engine.dialect.name == "postgresql":
        for table in tables:
            db.session.execute(text(f"ANALYZE {table}"))  # our own table names, never input
        db.session.commit()


def _zone() -> ZoneInfo:
    """Date-times with an offset are read in the program's time zone: its first facility's."""
    from reentry.facilities.models import Facility

    name = db.session.scalar(select(Facility.timezone).order_by(Facility.id).limit(1))
    return ZoneInfo(name or "UTC")


@click.command("import-deaths")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--mapping", "mapping_name", default=None,
              help="A bundled death-file mapping (docs/mappings/deaths) or a TOML file (default: the "
                   "standard columns).")
@click.option("--source", default=None,
              help="Where the file comes from, e.g. 'Franklin County ME'; records are matched on "
                   "(source, case number). Default: the mapping's source, else 'deaths'.")
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@with_appcontext
def import_deaths_command(file, mapping_name, source, dry_run):
    """Import a death-record CSV: all rows or none (every problem is listed)."""
    from reentry.cli import fail, fail_with_problems
    from reentry.outcomes.services import (DEFAULT_SOURCE, DeathFileError, import_deaths, load_death_mapping,
                                           parse_deaths)

    try:
        mapping = load_death_mapping(mapping_name)
        with open(file, "rb") as handle:
            parsed = parse_deaths(handle.read(), mapping, _zone())
        if parsed.ignored_columns:
            click.echo(f"ignored columns: {', '.join(parsed.ignored_columns)}")
        result = import_deaths(None, parsed, source or mapping.source or DEFAULT_SOURCE, dry_run=dry_run,
                               file_name=click.format_filename(file))
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
            refresh_statistics("death_records")
    except DeathFileError as error:
        fail_with_problems(error)
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    click.echo(("dry run, nothing written: " if dry_run else "") + result.summary)


@click.command("link-deaths")
@click.option("--source", default=None, help="Only the death records of this source (default: all).")
@click.option("--export", "export_file", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write every candidate pair to this CSV instead of linking "
                   "(case_number,participant_id,jms_person_id,match_probability,status).")
@click.option("--write-inputs", "inputs_dir", type=click.Path(file_okay=False, writable=True), default=None,
              help="Write the two prepared input tables (deaths.parquet, participants.parquet) to this folder "
                   "instead of linking, for Splink on Spark (docs/outcomes.md).")
@click.option("--pairs", "pairs_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Apply pairs scored elsewhere (CSV death_id,participant_id,match_probability) instead of "
                   "scoring here; same thresholds, review and kept decisions.")
@with_appcontext
def link_deaths_command(source, export_file, inputs_dir, pairs_file):
    """Link death records to released participants with Splink (reviewed pairs are kept)."""
    from reentry import audit
    from reentry.cli import fail, fail_with_problems
    from reentry.csvutil import csv_text
    from reentry.outcomes.linkage import (EXPORT_COLUMNS, PairsFileError, export_rows, link_deaths, parse_pairs,
                                          prepare_inputs, write_inputs)

    if sum(bool(option) for option in (export_file, inputs_dir, pairs_file)) > 1:
        fail("Use one of --export, --write-inputs and --pairs at a time.")
    try:
        if export_file:
            rows = export_rows(source)
            with open(export_file, "w", encoding="utf-8", newline="") as handle:
                handle.write(csv_text(EXPORT_COLUMNS, rows))
            audit.record(None, "death_links.export", "death_links", None,
                         changes={"source": source or "", "rows": len(rows), "file": export_file[:200]})
            db.session.commit()
            click.echo(f"wrote {len(rows)} pairs to {export_file}")
            return
        if inputs_dir:
            counts = write_inputs(inputs_dir, source)
            # Names and dates of birth leave the app: audited like an export.
            audit.record(None, "death_links.write_inputs", "death_links", None,
                         changes={"source": source or "", **counts, "folder": inputs_dir[:200]})
            db.session.commit()
            click.echo(f"wrote {counts['deaths']} deaths and {counts['participants']} participants to {inputs_dir}")
            return
        if pairs_file:
            inputs = prepare_inputs(source)
            with open(pairs_file, "rb") as handle:
                pairs = parse_pairs(handle.read(), inputs)
            result = link_deaths(None, source, pairs=pairs, inputs=inputs)
        else:
            result = link_deaths(None, source)
        db.session.commit()
        refresh_statistics("death_links")
    except PairsFileError as error:
        fail_with_problems(error)
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    click.echo(result.summary)
