"""`reentry import-distributions`: all-or-nothing, row/column errors, idempotent, no stock moved."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reentry.extensions import db
from reentry.naloxone import services
from reentry.naloxone.models import KitEvent, StockMovement
from tests.clock import today


# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


HEADER = "event_date,booking_id,product,lot,kits,outcome,decline_reason,recipient,supply,repeat_reason\n"


def _run(runner, tmp_path, facility, body, *args, header=HEADER, encoding="utf-8"):
    path = tmp_path / "kits.csv"
    path.write_bytes((header + body).encode(encoding))
    return runner.invoke(args=["import-distributions", str(path), "--facility", facility.code, *args])


def test_import_links_bookings_and_lots_and_moves_no_stock(app, runner, tmp_path, facility, make_lot, make_episode):
    lot = make_lot(quantity=5, lot_number="HIST-1")
    episode = make_episode()
    body = (f"2023-04-01,{episode.booking_id},narcan-4mg,HIST-1,2,handed,,participant,first,\n"
            "2023-04-02,,naloxone-4mg-generic,OLD-LOT,1,property,,family,repeat,used\n"
            "2023-04-02,,naloxone-4mg-generic,OLD-LOT,1,property,,family,repeat,used\n"
            f"2023-04-03,{episode.booking_id},narcan-4mg,,1,declined,scared of cops,participant,,\n")
    result = _run(runner, tmp_path, facility, body)
    assert result.exit_code == 0, result.output
    assert "created 4, already imported 0" in result.output
    events = db.session.scalars(select(KitEvent).order_by(KitEvent.id)).all()
    assert [(e.episode_id, e.lot_id, e.imported_lot_number, e.outcome) for e in events] == [
        (episode.id, lot.id, "", "handed"), (None, None, "OLD-LOT", "property"),
        (None, None, "OLD-LOT", "property"), (episode.id, None, "", "declined")]
    assert events[3].decline_reason == "other" and events[3].decline_other == "scared of cops"
    assert all(e.is_historical and e.event_date.year == 2023 for e in events)
    assert services.lot_stock(lot.id) == 5
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.kind != "receive")) == 0
    again = _run(runner, tmp_path, facility, body)
    assert "created 0, already imported 4" in again.output
    assert db.session.scalar(select(func.count(KitEvent.id))) == 4


def test_every_error_is_reported_and_nothing_is_written(app, runner, tmp_path, facility):
    future = (today() + timedelta(days=3)).isoformat()
    body = ("2023-04-01,,narcan-4mg,,1,handed,,participant,first,\n"
            "04/01/2023,NOPE,advil,,0,given,,cousin,second,\n"
            f"{future},,narcan-4mg,,x,handed,distrust,family,first,used\n"
            "2023-04-01,,narcan-4mg,L1,1,declined,,staff,repeat,stolen\n")
    result = _run(runner, tmp_path, facility, body)
    assert result.exit_code != 0
    for line in ("row 3, column event_date: '04/01/2023' is not a date as YYYY-MM-DD",
                 "row 3, column booking_id: no booking 'NOPE'", "row 3, column product: 'advil'",
                 "row 3, column kits: must be between 1 and 500", "row 3, column outcome:",
                 "row 3, column recipient:", "row 3, column supply:", "row 4, column event_date:",
                 "row 4, column kits: 'x' is not a whole number", "row 4, column decline_reason: only for declined",
                 "row 4, column repeat_reason: only for repeat kits", "row 5, column repeat_reason: 'stolen'",
                 "row 5, column lot: a declined kit has no lot", "nothing was imported"):
        assert line in result.output, line
    assert db.session.scalar(select(func.count(KitEvent.id))) == 0


def test_header_must_have_exactly_the_columns(app, runner, tmp_path, facility):
    result = _run(runner, tmp_path, facility, "2023-01-01,narcan-4mg,1\n", header="event_date,product,kits,notes\n")
    assert result.exit_code != 0
    assert "row 1, column booking_id: missing from the header" in result.output
    assert "row 1, column notes: not a known column" in result.output


def test_dry_run_writes_nothing_and_bom_and_windows_1252_are_read(app, runner, tmp_path, facility):
    body = "2023-05-01,,narcan-4mg,,3,declined,no quería,community,unknown,\n"
    dry = _run(runner, tmp_path, facility, body, "--dry-run", encoding="cp1252")
    assert dry.exit_code == 0 and "would create 1" in dry.output
    assert db.session.scalar(select(func.count(KitEvent.id))) == 0
    real = _run(runner, tmp_path, facility, body, header="\ufeff" + HEADER)
    assert real.exit_code == 0, real.output
    assert db.session.scalar(select(KitEvent.decline_other)) == "no quería"


def test_unknown_facility_fails_cleanly(app, runner, tmp_path, facility):
    path = tmp_path / "kits.csv"
    path.write_text(HEADER)
    result = runner.invoke(args=["import-distributions", str(path), "--facility", "NOWHERE"])
    assert result.exit_code != 0 and "No facility with code NOWHERE" in result.output


def test_bad_bytes_are_refused_with_their_row_not_replaced(app, runner, tmp_path, facility):
    good = "2023-05-01,,narcan-4mg,,3,declined,no quería,community,unknown,\n"
    path = tmp_path / "kits.csv"
    # UTF-8 up to row 3, where one byte is not: reading it all as Windows-1252 would garble row 2.
    path.write_bytes((HEADER + good).encode() + b"2023-05-02,,narcan-4mg,,1,declined,no \xff,community,unknown,\n")
    result = runner.invoke(args=["import-distributions", str(path), "--facility", facility.code])
    assert result.exit_code != 0 and "Row 3: byte 0xFF is not UTF-8" in result.output
    # Windows-1252 has five unassigned bytes; one of them is refused, with its row, not turned into "?".
    path.write_bytes((HEADER + good).encode("cp1252") + b"2023-05-02,,narcan-4mg,,1,declined,no \x81,community,unknown,\n")
    result = runner.invoke(args=["import-distributions", str(path), "--facility", facility.code])
    assert result.exit_code != 0 and "Row 3: byte 0x81 is neither UTF-8 nor Windows-1252" in result.output
    path.write_bytes((HEADER + good).encode("utf-16-le"))
    result = runner.invoke(args=["import-distributions", str(path), "--facility", facility.code])
    assert result.exit_code != 0 and "UTF-16 (little-endian" in result.output and "missing" not in result.output
    assert db.session.scalar(select(func.count(KitEvent.id))) == 0
