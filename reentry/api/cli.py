"""`reentry api-keys create|revoke|list`: keys for the jail's systems."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from reentry.cli import fail
from reentry.errors import DomainError
from reentry.extensions import db


@click.group("api-keys")
def api_keys_group():
    """API keys for the JMS, the health record and the health department."""


@api_keys_group.command("create")
@click.argument("name")
@click.option("--facility", "facilities", multiple=True, required=True, help="Facility code (repeat for several).")
@click.option("--scope", type=click.Choice(["read", "write"]), required=True, help="read, or read and write.")
@click.option("--expires-days", type=int, default=None, help="Days until the key stops working (default never).")
@with_appcontext
def create_command(name, facilities, scope, expires_days):
    """Make a key and print it (alone, on the last line): it is shown this once and never stored."""
    from reentry.api.services import create_key

    try:
        key, secret = create_key(None, name, list(facilities), scope, expires_days)
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    db.session.commit()
    expires = key.expires_at.date().isoformat() if key.expires_at else "never"
    click.echo(f"API key {key.name}: {scope} for {', '.join(key.facility_codes)}; expires {expires}. "
               "Store it now: it cannot be shown again.")
    click.echo(secret)


@api_keys_group.command("revoke")
@click.argument("name")
@with_appcontext
def revoke_command(name):
    """Stop a key at once."""
    from reentry.api.services import revoke_key

    try:
        key = revoke_key(None, name)
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    db.session.commit()
    click.echo(f"API key {key.name} is revoked.")


@api_keys_group.command("list")
@with_appcontext
def list_command():
    """Every key: name, scope, facilities, state (never the key)."""
    from reentry.api.services import all_keys
    from reentry.database import utcnow

    now = utcnow()
    for key in all_keys():
        state = "revoked" if key.revoked_at else "expired" if not key.is_usable(now) else "active"
        click.echo(f"{key.name}\t{key.scope}\t{','.join(key.facility_codes)}\t{state}\t{key.prefix}…")
