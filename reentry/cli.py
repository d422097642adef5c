"""The `reentry` command: Flask's CLI bound to the app factory, plus the operator commands.

Every command prints what it did; errors are one clear line on stderr and a non-zero exit.
"""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from reentry.errors import DomainError
from reentry.extensions import db


def _create_app(*_args, **_kwargs) -> Flask:
    from reentry import create_app

    return create_app()


def fail(message: str) -> None:
    """Stop with one clear line and exit code 1."""
    raise click.ClickException(message)


def fail_with_problems(error) -> None:
    """Stop for a refused file: every listed problem on stderr, the count of the rest, then the
    summary line (importers' errors carry `problems` and `more`)."""
    db.session.rollback()
    for problem in error.problems:
        click.echo(problem, err=True)
    if error.more:
        click.echo(f"and {error.more} more problem(s)", err=True)
    fail(error.message)


def _read_password(password_stdin: bool, email: str) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail("No password on standard input.")
        return password
    return click.prompt(f"Password for {email}", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["admin", "manager", "staff", "auditor"]))
@click.option("--facility", "facilities", multiple=True, help="Facility code (repeat for several).")
@click.option("--name", default="", help="The person's name as shown in the app.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email, role, facilities, name, password_stdin):
    """Create an account (the password is asked for, or read from stdin)."""
    from reentry.auth import services

    password = _read_password(password_stdin, email)
    try:
        user = services.create_user(
            None, email, role, password, services.facilities_by_code(list(facilities)), name=name
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    codes = ", ".join(f.code for f in user.facilities) or "all facilities"
    click.echo(f"created user {user.email} (role {user.role}; {codes})")


@click.command("create-facility")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--type", "type_", type=click.Choice(["jail", "prison"]), default="jail", show_default=True)
@click.option("--state", required=True, help="Two-letter state code, e.g. OH.")
@click.option("--county", default="")
@click.option("--timezone", default="America/New_York", show_default=True)
@with_appcontext
def create_facility_command(code, name, type_, state, county, timezone):
    """Add a facility."""
    from reentry.facilities.services import create_facility

    try:
        facility = create_facility(None, code, name, type_, state, county, timezone)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    click.echo(f"created facility {facility.code} ({facility.name}, {facility.type}, {facility.state})")


@click.command("demo")
@with_appcontext
def demo_command():
    """Load synthetic demo data (safe to run again: it adds only what is missing)."""
    from flask import current_app

    from reentry.demo import load_demo

    if current_app.config["REENTRY_ENV"] == "production":
        fail("Refusing to load demo data with REENTRY_ENV=production.")
    try:
        report = load_demo(current_app.config.get("REENTRY_DEMO_PASSWORD"), current_app.instance_path)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    for line in report:
        click.echo(line)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(file):
    """Write a consistent copy of the database to FILE, even while the app is writing."""
    from reentry.backup import BackupError, backup_database

    try:
        message = backup_database(db.engine.url, file)
    except BackupError as error:
        fail(str(error))
    click.echo(message)


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite a database that already holds data.")
@with_appcontext
def restore_command(file, force):
    """Replace the database with the copy in FILE (refuses a non-empty database without --force)."""
    from reentry.backup import BackupError, restore_database

    try:
        message = restore_database(db.engine, file, force=force)
    except BackupError as error:
        fail(str(error))
    click.echo(message)


# Feature commands live in their packages and reuse fail() from here, hence the late imports.
from reentry.api.cli import api_keys_group  # noqa: E402
from reentry.audit.cli import audit_group  # noqa: E402
from reentry.documents.cli import content_group, packets_command  # noqa: E402
from reentry.feeds.cli import feeds_group  # noqa: E402
from reentry.naloxone.cli import import_distributions_command  # noqa: E402
from reentry.participants.cli import import_roster_command  # noqa: E402
from reentry.outcomes.cli import import_deaths_command, link_deaths_command  # noqa: E402
from reentry.reports.cli import (  # noqa: E402
    data_dictionary_command, export_deidentified_command, report_command, rollups_group, synth_command,
)
from reentry.training.cli import curriculum_group  # noqa: E402

COMMANDS = [create_user_command, create_facility_command, demo_command, backup_command, restore_command,
            import_roster_command, import_deaths_command, link_deaths_command, curriculum_group, import_distributions_command, packets_command,
            report_command, export_deidentified_command, data_dictionary_command,
            synth_command, rollups_group, api_keys_group, feeds_group, audit_group, content_group]


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


main = FlaskGroup(
    create_app=_create_app,
    add_version_option=False,
    load_dotenv=False,
    help="reentry: overdose education and naloxone records. Run 'reentry COMMAND --help'.",
)
