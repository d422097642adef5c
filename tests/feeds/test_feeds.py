"""Roster feeds: every new file imported once, all or nothing, moved with a .log; a bad file never
blocks the next; duplicates and out-of-order snapshots refused; health turns late and failing."""
from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reentry.database import utcnow
from reentry.extensions import db
from reentry.feeds import services
from reentry.feeds.models import FeedFile, RosterFeed
from reentry.participants.models import CustodyEpisode

HEADER = "booking_id,last_name,first_name,date_of_birth,expected_release_date\n"


def _roster(*bookings: str) -> str:
    return HEADER + "".join(f"{b},Testperson{b},Synthetic,1980-01-0{i % 9 + 1},2026-12-20\n"
                            for i, b in enumerate(bookings))


def _drop(folder, name: str, text: str, age_seconds: float = 60) -> None:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    moment = time.time() - age_seconds
    os.utime(path, (moment, moment))


def _open(facility) -> set[str]:
    return set(db.session.scalars(select(CustodyEpisode.booking_id).where(
        CustodyEpisode.facility_id == facility.id, CustodyEpisode.release_date.is_(None))))


@pytest.fixture
def folder(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    return drop


def test_good_bad_and_duplicate_files(runner, make_facility, folder):
    jail = make_facility("FEED-JAIL")
    result = runner.invoke(args=["feeds", "add", jail.code, "--folder", str(folder), "--pattern", "roster-*.csv"])
    assert result.exit_code == 0, result.output
    _drop(folder, "roster-1.csv", _roster("B1", "B2"), age_seconds=300)
    _drop(folder, "roster-2.csv", HEADER + "B3,Testperson,Synthetic,not a date,2026-12-20\n", age_seconds=200)
    _drop(folder, "roster-3.csv", _roster("B1", "B2"), age_seconds=100)  # the same bytes again
    _drop(folder, "roster-4.csv", _roster("B4"), age_seconds=50)
    _drop(folder, "other.csv", _roster("B9"))  # not the pattern
    _drop(folder, "roster-5.csv", _roster("B5"), age_seconds=0)  # still being written: next run
    result = runner.invoke(args=["feeds", "run"])
    assert result.exit_code == 0, result.output
    assert "roster-1.csv: imported: created 2" in result.output
    assert "roster-2.csv: failed" in result.output and "roster-3.csv: duplicate: duplicate of roster-1.csv" in result.output
    assert "roster-4.csv: imported: created 1" in result.output  # a failed file does not block the next
    assert _open(jail) == {"B1", "B2", "B4"}
    assert sorted(p.name for p in (folder / "processed").iterdir()) == [
        "roster-1.csv", "roster-1.csv.log", "roster-3.csv", "roster-3.csv.log", "roster-4.csv", "roster-4.csv.log"]
    log = (folder / "failed" / "roster-2.csv.log").read_text()
    assert "row 2, column date_of_birth" in log
    assert {p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")} == {"other.csv", "roster-5.csv"}
    # Run again: nothing new is imported twice; the settled file goes in.
    os.utime(folder / "roster-5.csv", (time.time() - 60, time.time() - 60))
    again = runner.invoke(args=["feeds", "run"])
    assert "roster-5.csv: imported" in again.output and "roster-1" not in again.output
    # The same bytes under the name of a file already processed are still a duplicate.
    _drop(folder, "roster-1.csv", _roster("B1", "B2"))
    assert "duplicate" in runner.invoke(args=["feeds", "run"]).output
    assert db.session.scalar(select(func.count()).select_from(CustodyEpisode)) == 4
    statuses = db.session.scalars(select(FeedFile.status).order_by(FeedFile.id)).all()
    assert statuses == ["imported", "failed", "duplicate", "imported", "imported", "duplicate"]


def test_a_snapshot_older_than_the_last_applied_one_is_refused(runner, make_facility, folder):
    jail = make_facility("FEED-SNAP")
    runner.invoke(args=["feeds", "add", jail.code, "--folder", str(folder), "--pattern", "pop-*.csv", "--snapshot"])
    _drop(folder, "pop-b.csv", _roster("B1", "B2", "B3", "B4", "B5"), age_seconds=100)
    assert "imported" in runner.invoke(args=["feeds", "run"]).output
    _drop(folder, "pop-a.csv", _roster("B1", "B2", "B3", "B4", "B5", "B6"), age_seconds=500)  # exported earlier
    output = runner.invoke(args=["feeds", "run"]).output
    assert "pop-a.csv: refused: this snapshot" in output and "older than the one already applied" in output
    assert _open(jail) == {"B1", "B2", "B3", "B4", "B5"}
    status = runner.invoke(args=["feeds", "status"])
    assert status.exit_code == 1 and "failing" in status.output and "pop-a.csv" in status.output


def test_the_snapshot_guard_refusal_shows_as_feed_health(runner, make_facility, folder):
    jail = make_facility("FEED-GUARD")
    runner.invoke(args=["feeds", "add", jail.code, "--folder", str(folder), "--pattern", "pop-*.csv", "--snapshot"])
    _drop(folder, "pop-1.csv", _roster(*[f"B{n}" for n in range(10)]), age_seconds=100)
    runner.invoke(args=["feeds", "run"])
    _drop(folder, "pop-2.csv", _roster("B0", "B1"), age_seconds=50)  # a cut-off export: 80 % released
    output = runner.invoke(args=["feeds", "run"]).output
    assert "pop-2.csv: refused: This snapshot would release 8 of 10" in output
    assert len(_open(jail)) == 10
    feed = db.session.scalar(select(RosterFeed))
    health = services.feed_health(feed)
    assert health.state == "failing" and "would release 8 of 10" in health.message
    assert (folder / "failed" / "pop-2.csv.log").exists()


def test_people_file_pairs_by_the_star(runner, make_facility, folder):
    jail = make_facility("FEED-PEOPLE")
    mapping = folder.parent / "two-files.toml"
    mapping.write_text('[columns]\nbooking_id = "booking"\nperson_id = "pid"\n'
                       '[people]\nkey = "pid"\n[people.columns]\nlast_name = "last"\nfirst_name = "first"\n'
                       'date_of_birth = "dob"\n', encoding="utf-8")
    result = runner.invoke(args=["feeds", "add", jail.code, "--folder", str(folder), "--pattern", "book-*.csv",
                                 "--people-pattern", "people-*.csv", "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    _drop(folder, "book-20261201.csv", "booking,pid\nB1,P1\n")
    assert "no new files" in runner.invoke(args=["feeds", "run"]).output  # waits for its people file
    _drop(folder, "people-20261201.csv", "pid,last,first,dob\nP1,Testperson,Synthetic,1980-01-01\n")
    assert "book-20261201.csv: imported: created 1" in runner.invoke(args=["feeds", "run"]).output
    assert {p.name for p in (folder / "processed").iterdir()} >= {"book-20261201.csv", "people-20261201.csv"}


def test_health_turns_late_and_status_exits_non_zero(runner, make_facility, folder):
    jail = make_facility("FEED-LATE")
    runner.invoke(args=["feeds", "add", jail.code, "--folder", str(folder), "--pattern", "r-*.csv",
                        "--late-hours", "26"])
    feed = db.session.scalar(select(RosterFeed))
    assert services.feed_health(feed).state == "waiting"
    assert services.feed_health(feed, utcnow() + timedelta(hours=27)).state == "late"
    _drop(folder, "r-1.csv", _roster("B1"))
    runner.invoke(args=["feeds", "run"])
    db.session.refresh(feed)
    assert services.feed_health(feed).state == "ok"
    assert runner.invoke(args=["feeds", "status"]).exit_code == 0
    feed.last_good_at = utcnow() - timedelta(hours=30)
    db.session.commit()
    status = runner.invoke(args=["feeds", "status"])
    assert status.exit_code == 1 and "late: no file for 30 hours" in status.output
    assert runner.invoke(args=["feeds", "disable", str(feed.id)]).exit_code == 0
    assert runner.invoke(args=["feeds", "status"]).exit_code == 0  # a disabled feed is not late


def test_feed_health_shows_to_admins_and_managers_only(client, login_as, make_facility, folder):
    jail = make_facility("FEED-PAGE")
    services.add_feed(None, jail.code, str(folder), "r-*.csv")
    db.session.commit()
    login_as("manager", facilities=[jail])
    page = client.get(f"/facilities/{jail.code}").get_data(as_text=True)
    assert "Roster feeds" in page and "no file yet" in page
    client.post("/logout")
    login_as("staff", facilities=[jail])
    assert "Roster feeds" not in client.get(f"/facilities/{jail.code}").get_data(as_text=True)


def test_bad_feed_settings_are_named(runner, make_facility, folder):
    jail = make_facility("FEED-BAD")
    for args, words in ((["--folder", "relative/dir", "--pattern", "r-*.csv"], "full path"),
                        (["--folder", str(folder / "missing"), "--pattern", "r-*.csv"], "not a folder"),
                        (["--folder", str(folder), "--pattern", "a*b*.csv"], "at most one *"),
                        (["--folder", str(folder), "--pattern", "r.csv", "--people-pattern", "p-*.csv"], "both patterns"),
                        (["--folder", str(folder), "--pattern", "r-*.csv", "--mapping", "nosuch"], "No mapping")):
        result = runner.invoke(args=["feeds", "add", jail.code, *args])
        assert result.exit_code != 0 and words in result.output, result.output
    assert db.session.scalar(select(func.count()).select_from(RosterFeed)) == 0


def test_the_admin_page_adds_and_disables_a_feed(client, login_as, make_facility, folder):
    jail = make_facility("FEED-ADMIN")
    login_as("admin")
    bad = client.post("/admin/feeds/", data={"facility": jail.code, "folder": "not/absolute", "pattern": "r-*.csv",
                                             "late_after_hours": "26"})
    assert bad.status_code == 200 and "full path" in bad.get_data(as_text=True)
    added = client.post("/admin/feeds/", data={"facility": jail.code, "folder": str(folder), "pattern": "r-*.csv",
                                               "late_after_hours": "26"})
    assert added.status_code == 302
    feed = db.session.scalar(select(RosterFeed))
    assert feed.pattern == "r-*.csv" and feed.is_enabled
    assert "no file yet" in client.get("/admin/feeds/").get_data(as_text=True)
    assert client.post(f"/admin/feeds/{feed.id}/disable").status_code == 302
    db.session.refresh(feed)
    assert not feed.is_enabled


def test_one_feed_imports_every_facility_of_a_county_export(runner, make_facility, folder):
    """A county export in a folder: the feed imports each facility's rows in one transaction
    (the file then moves to processed/, so a feed per facility would drop the others' rows)."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cfa-county"
    for code in ("COUNTY-MAIN", "COUNTY-NORTH", "COUNTY-WORK"):
        make_facility(code, timezone="America/Chicago")
    result = runner.invoke(args=["feeds", "add", "COUNTY-MAIN", "--folder", str(folder), "--pattern", "book-*.csv",
                                 "--people-pattern", "people-*.csv", "--mapping", str(example / "mapping.toml")])
    assert result.exit_code == 0, result.output
    _drop(folder, "book-1.csv", (example / "bookings.csv").read_text())
    _drop(folder, "people-1.csv", (example / "people.csv").read_text())
    output = runner.invoke(args=["feeds", "run"]).output
    assert "COUNTY-MAIN: created 2" in output and "COUNTY-NORTH: created 1" in output
    assert "COUNTY-WORK: created 2" in output
    assert db.session.scalar(select(func.count()).select_from(CustodyEpisode)) == 5


def test_an_unexpected_error_fails_the_file_and_the_next_file_still_goes_in(runner, make_facility, folder,
                                                                             monkeypatch):
    jail = make_facility("FEED-CRASH")
    runner.invoke(args=["feeds", "add", jail.code, "--folder", str(folder), "--pattern", "r-*.csv"])
    _drop(folder, "r-1.csv", _roster("B1"), age_seconds=100)
    _drop(folder, "r-2.csv", _roster("B2"), age_seconds=50)
    from reentry.participants import roster

    real = roster.parse_roster
    calls = iter(range(100))

    def flaky(*args, **kwargs):
        if next(calls) == 0:
            raise OSError("disk read error")
        return real(*args, **kwargs)

    monkeypatch.setattr(roster, "parse_roster", flaky)
    output = runner.invoke(args=["feeds", "run"]).output
    assert "r-1.csv: failed: could not be imported (OSError: disk read error)" in output
    assert "r-2.csv: imported" in output
    assert (folder / "failed" / "r-1.csv.log").exists() and _open(jail) == {"B2"}
