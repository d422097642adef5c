"""`reentry feeds add|list|disable|run|status`: roster drop folders (see docs/deploy/ for the timer)."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from reentry.cli import fail
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.feeds.models import LATE_AFTER_HOURS


@click.group("feeds")
def feeds_group():
    """Roster feeds: drop folders the JMS writes roster files into."""


@feeds_group.command("add")
@click.argument("facility_code", metavar="CODE")
@click.option("--folder", required=True, help="The drop folder (full path).")
@click.option("--pattern", required=True, help="File name pattern, e.g. 'roster-*.csv'.")
@click.option("--mapping", default="", help="A mapping saved for the facility, a bundled one, or a TOML file.")
@click.option("--people-pattern", default="", help="Pattern of the people file that goes with each roster file.")
@click.option("--snapshot", is_flag=True, help="Each file is the whole population (missing bookings are released).")
@click.option("--late-hours", type=int, default=LATE_AFTER_HOURS, show_default=True,
              help="Hours without a good file before the feed shows as late.")
@with_appcontext
def add_command(facility_code, folder, pattern, mapping, people_pattern, snapshot, late_hours):
    """Add a feed for facility CODE."""
    from reentry.feeds.services import add_feed

    try:
        feed = add_feed(None, facility_code, folder, pattern, mapping=mapping, people_pattern=people_pattern,
                        snapshot=snapshot, late_after_hours=late_hours)
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    db.session.commit()
    click.echo(f"feed {feed.id}: {feed.facility.code} {feed.folder}/{feed.pattern}"
               f"{' (snapshot)' if snapshot else ''}")


def _line(feed, health) -> str:
    return (f"{feed.id}\t{feed.facility.code}\t{feed.folder}/{feed.pattern}\t"
            f"{'snapshot' if feed.is_snapshot else 'changes'}\t{health.state}\t{health.message}")


@feeds_group.command("list")
@with_appcontext
def list_command():
    """Every feed: id, facility, folder/pattern, kind, state."""
    from reentry.feeds.services import all_feeds, feed_health

    for feed in all_feeds():
        click.echo(_line(feed, feed_health(feed)))


@feeds_group.command("disable")
@click.argument("feed_id", type=int, metavar="ID")
@with_appcontext
def disable_command(feed_id):
    """Stop a feed (its files stay where they are)."""
    from reentry.feeds.services import disable_feed

    try:
        feed = disable_feed(None, feed_id)
    except DomainError as error:
        db.session.rollback()
        fail(error.message)
    db.session.commit()
    click.echo(f"feed {feed.id} is disabled.")


@feeds_group.command("run")
@with_appcontext
def run_command():
    """Import every new file of every enabled feed, once (run by a timer)."""
    from reentry.feeds.services import run_all

    counts = {}
    for feed_id, results in run_all().items():
        for result in results:
            counts[result.status] = counts.get(result.status, 0) + 1
            click.echo(f"feed {feed_id}: {result.name}: {result.status}: {result.message.splitlines()[0][:300]}")
    click.echo(", ".join(f"{status} {n}" for status, n in sorted(counts.items())) or "no new files")


@feeds_group.command("status")
@with_appcontext
def status_command():
    """Each feed's health; exits 1 when any enabled feed is late or failing (for monitoring)."""
    from reentry.feeds.services import all_feeds, feed_health

    bad = 0
    for feed in all_feeds():
        health = feed_health(feed)
        bad += health.needs_attention
        click.echo(_line(feed, health))
    if bad:
        click.echo(f"{bad} feed(s) need attention", err=True)
        sys.exit(1)
