"""`reentry packets`: every release packet for one facility and day, in one PDF for duplex printing."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from reentry.cli import fail
from reentry.errors import DomainError
from reentry.extensions import db


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


@click.command("packets")
@click.option("--facility", "facility_code", required=True, help="Facility code, e.g. DEMO-JAIL.")
@click.option("--date", "day", required=True, help="Release date, YYYY-MM-DD.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="PDF file to write.")
@click.option("--lang", type=click.Choice(["en", "es"]), default=None,
              help="Print every packet in this language (default: each person's preferred language).")
@click.option("--large-print", is_flag=True, help="18 pt body text.")
@with_appcontext
def packets_command(facility_code, day, out, lang, large_print):
    """Write the release packets of everyone leaving FACILITY on DATE to one PDF."""
    from reentry.documents import packets, services
    from reentry.facilities.services import get_facility_by_code

    release_day = _day(day)
    try:
        facility = get_facility_by_code(facility_code)
        people = packets.packets_for_day(facility.id, release_day, lang)
        if not people:
            fail(f"Nobody at {facility.code} is released or expected to be released on {release_day.isoformat()}.")
        with click.progressbar(length=len(people), label=f"building {len(people)} packets",
                               file=sys.stderr) as bar:
            data = services.print_packets(None, people, facility_id=facility.id, large_print=large_print,
                                          lang=lang or "en", on_packet=lambda n: bar.update(1))
        Path(out).write_bytes(data)
        db.session.commit()  # the print is audited only once the file is written
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    click.echo(f"wrote {len(people)} packets for {facility.code} on {release_day.isoformat()} to {out} "
               f"({len(data)} bytes)")
