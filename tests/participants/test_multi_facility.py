"""A county export holding several facilities (the Code for America layout's facility_name),
routed by a mapping's [facilities] table: every facility at once, or one with --facility."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from reentry.extensions import db
from reentry.participants.models import CustodyEpisode
from reentry.participants.roster import parse_mapping

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cfa-county"


@pytest.fixture
def county(make_facility):
    return [make_facility(code, timezone="America/Chicago") for code in ("COUNTY-MAIN", "COUNTY-NORTH", "COUNTY-WORK")]


def _bookings() -> dict[str, set[str]]:
    from reentry.facilities.models import Facility

    rows = db.session.execute(select(Facility.code, CustodyEpisode.booking_id)
                              .join(Facility, Facility.id == CustodyEpisode.facility_id)).all()
    out: dict[str, set[str]] = {}
    for code, booking in rows:
        out.setdefault(code, set()).add(booking)
    return out


def _run(runner, *options, bookings=EXAMPLE / "bookings.csv"):
    return runner.invoke(args=["import-roster", str(bookings), "--people", str(EXAMPLE / "people.csv"),
                               "--mapping", str(EXAMPLE / "mapping.toml"), *options])


def test_a_three_facility_export_is_routed_by_facility_name(runner, county):
    result = _run(runner)
    assert result.exit_code == 0, result.output
    assert "COUNTY-MAIN: created 2, updated 0, unchanged 0" in result.output
    assert "COUNTY-NORTH: created 1" in result.output and "COUNTY-WORK: created 2" in result.output
    assert _bookings() == {"COUNTY-MAIN": {"61001", "61002"}, "COUNTY-NORTH": {"61003"},
                           "COUNTY-WORK": {"61004", "61005"}}
    again = _run(runner)
    assert "COUNTY-MAIN: created 0, updated 0, unchanged 2" in again.output


def test_facility_limits_the_import_to_one_of_them(runner, county):
    result = _run(runner, "--facility", "COUNTY-NORTH")
    assert result.exit_code == 0, result.output
    assert _bookings() == {"COUNTY-NORTH": {"61003"}}
    other = _run(runner, "--facility", "ELSEWHERE")
    assert other.exit_code != 0


def test_unknown_facility_values_are_errors_with_their_rows_and_nothing_is_written(runner, county, tmp_path):
    bad = tmp_path / "bookings.csv"
    bad.write_text((EXAMPLE / "bookings.csv").read_text().replace("North Annex", "South Annex", 1))
    result = _run(runner, bookings=bad)
    assert result.exit_code != 0
    assert "row 3, column facility_name: 'South Annex' is not in the mapping's [facilities] table." in result.output
    assert _bookings() == {}


def test_a_snapshot_is_worked_out_per_facility(runner, county, tmp_path):
    assert _run(runner).exit_code == 0
    # The next day's export: one person left the main jail; the other facilities are unchanged.
    later = tmp_path / "bookings.csv"
    later.write_text("".join(line + "\n" for line in (EXAMPLE / "bookings.csv").read_text().splitlines()
                             if not line.startswith("61002")))
    result = _run(runner, "--snapshot", "--force", bookings=later)
    assert result.exit_code == 0, result.output
    assert "COUNTY-MAIN: created 0, updated 0, unchanged 1, released 1" in result.output
    assert "COUNTY-NORTH: created 0, updated 0, unchanged 1, released 0" in result.output
    released = db.session.scalar(select(CustodyEpisode).where(CustodyEpisode.booking_id == "61002"))
    assert released.release_date is not None and released.release_inferred


def test_the_facility_column_and_table_go_together():
    with pytest.raises(Exception, match="go together"):
        parse_mapping('[columns]\nbooking_id = "b"\nfacility = "f"\n')
    with pytest.raises(Exception, match="go together"):
        parse_mapping('[columns]\nbooking_id = "b"\n[facilities]\n"A" = "X"\n')


def test_a_facility_absent_from_a_snapshot_is_left_alone_even_with_force(runner, county, tmp_path):
    assert _run(runner).exit_code == 0
    only_main = tmp_path / "bookings.csv"
    only_main.write_text("".join(line + "\n" for line in (EXAMPLE / "bookings.csv").read_text().splitlines()
                                 if "Main Jail" in line))
    result = _run(runner, "--snapshot", "--force", bookings=only_main)
    assert result.exit_code == 0, result.output
    assert "COUNTY-NORTH: no rows in the file; nothing changed" in result.output
    north = db.session.scalar(select(CustodyEpisode).where(CustodyEpisode.booking_id == "61003"))
    assert north.release_date is None
