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
    from reentry.documents.governance import unapproved_version

    version = unapproved_version()
    if version:  # staff are told; the packets themselves only lack the review line
        click.echo(f"warning: content version {version} is not approved by a medical director, so the "
                   f"packets print no review line; a content reviewer approves it at /admin/content", err=True)


@click.group("content")
def content_group():
    """The content version packets print, and who may approve it (issue 13)."""


@content_group.command("version")
@with_appcontext
def content_version_command():
    """Print the current content version and whether a reviewer approved it."""
    from reentry.documents import governance

    state = governance.current_content()
    approval = governance.approval_of(state.version)
    if approval is None:
        click.echo(f"{state.version}: not approved")
    else:
        click.echo(f"{state.version}: approved by {approval.signed_name} ({approval.title}) "
                   f"on {approval.approved_at.date().isoformat()}")


@content_group.command("grant-reviewer")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Take the permission away instead.")
@with_appcontext
def grant_reviewer_command(email, revoke):
    """Let the admin account EMAIL (a medical director) approve content versions; audited."""
    from reentry.auth.services import find_user_by_email
    from reentry.documents import governance

    user = find_user_by_email(email)
    if user is None:
        fail(f"No account with email {email}.")
    try:
        governance.grant_reviewer(None, user, allowed=not revoke)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    click.echo(f"{user.email} {'may no longer' if revoke else 'may now'} approve content versions")
