"""Report commands: the same reports as the pages, written to a file."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from reentry.cli import fail
from reentry.errors import DomainError
from reentry.extensions import db


@click.command("report")
@click.argument("name")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day, YYYY-MM-DD.")
@click.option("--facility", "facilities", multiple=True, help="Facility code (repeat for several; default all).")
@click.option("--funding", default="", help="Funding source code: count only its naloxone.")
@click.option("--format", "export_format", type=click.Choice(["csv", "pdf"]), default="csv", show_default=True)
@click.option("--self-administered/--no-self-administered", "count_self", default=True, show_default=True,
              help="reversals: count people who gave naloxone to themselves.")
@click.option("--lot", default="", help="recall: the lot number.")
@click.option("--deaths-through", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="outcomes: the last date of death the death file is complete for (default: yesterday).")
@click.option("--bom", is_flag=True, help="Start the CSV with a UTF-8 byte order mark (for Excel).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True), help="File to write.")
@with_appcontext
def report_command(name, start, end, facilities, funding, export_format, count_self, lot, deaths_through, bom, out):
    """Write a report (distribution, coverage, training, inventory, reversals, recall, quarterly, outcomes) as CSV or PDF."""
    from reentry.reports import services

    params = services.ReportParams(start.date(), end.date(), list(facilities), funding, count_self, lot,
                                   deaths_through.date() if deaths_through else None)
    try:
        result = services.run_report(None, name, params, export_format=export_format)
        data = services.export_bytes(result, export_format, bom=bom)
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    Path(out).write_bytes(data)
    db.session.commit()  # the audit row
    click.echo(f"wrote {name} report ({len(result.rows)} rows, {export_format}) to {out}")


@click.command("export-deidentified")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day, YYYY-MM-DD.")
@click.option("--facility", "facilities", multiple=True, help="Facility code (repeat for several; default all).")
@click.option("--deaths-through", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Outcome tables: the last date of death the death file is complete for (default: yesterday).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Directory to write the tables to.")
@with_appcontext
def export_deidentified_command(start, end, facilities, deaths_through, out):
    """Write de-identified, small-cell-suppressed aggregate tables (CSV) to a directory."""
    from reentry.reports.deidentified import deidentified_tables
    from reentry.reports.services import ReportParams

    try:
        files = deidentified_tables(None, ReportParams(start.date(), end.date(), list(facilities),
                                                       deaths_through=deaths_through.date() if deaths_through else None))
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8", newline="")
    db.session.commit()
    click.echo(f"wrote {len(files)} files to {directory}")


@click.command("data-dictionary")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="File to write (default: docs/data-dictionary.md in the source tree).")
@with_appcontext
def data_dictionary_command(out):
    """Regenerate the data dictionary from the models."""
    from reentry.reports.dictionary import DICTIONARY_PATH, data_dictionary

    path = Path(out) if out else DICTIONARY_PATH
    path.write_text(data_dictionary(), encoding="utf-8")
    click.echo(f"wrote {path}")


@click.command("synth")
@click.option("--releases", type=click.IntRange(1, 5_000_000), required=True, help="Releases (and people) to make.")
@click.option("--kit-events", type=click.IntRange(0, 20_000_000), required=True, help="Kit events to make.")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option("--deaths", type=click.IntRange(0, 5_000_000), default=0, show_default=True,
              help="Also a death file of this many records (source SYN-ME) whose true matches are known, "
                   "and realistic names for the people (the linkage benchmark).")
@with_appcontext
def synth_command(releases, kit_events, seed, deaths):
    """Fill an EMPTY database with synthetic data for benchmarks (refuses one with participants)."""
    from reentry.reports.synth import synthesize

    try:
        counts = synthesize(releases, kit_events, seed, deaths=deaths)
    except ValueError as error:
        db.session.rollback()
        fail(str(error))
    db.session.commit()
    click.echo("synthetic data: " + ", ".join(f"{n:,} {what.replace('_', ' ')}" for what, n in counts.items()))


@click.group("rollups")
def rollups_group():
    """The dashboard's stored figures for closed months."""


@rollups_group.command("refresh")
@with_appcontext
def rollups_refresh_command():
    """Count and store every closed month of the dashboard's 12 that is missing or marked stale.

    The dashboard does this itself when it finds one; run it nightly (docs/deploy.md) and after
    bulk loads so no manager waits for it."""
    from reentry.reports.rollups import refresh

    stored = refresh()
    db.session.commit()
    click.echo(f"stored {stored} facility-months")
