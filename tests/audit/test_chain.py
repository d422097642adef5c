"""The audit trail's hash chain: an untouched trail verifies; a row changed, removed or moved
around the append-only triggers is reported at the right row (issue 14 point 8)."""
import threading

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from reentry import audit
from reentry.audit.chain import GENESIS, HASHED_FIELDS, guards_lifted, row_hash, verify_chain
from reentry.audit.models import AuditEvent
from reentry.extensions import db

CONTENT_COLUMNS = ("prev_hash", "row_hash", *HASHED_FIELDS)


@pytest.fixture
def trail(app):
    """Six audit rows, each in its own transaction, the last two written together; their ids."""
    for n in range(4):
        audit.record(None, "test.event", "thing", n, changes={"n": n, "name": "Synthetic Person ñ"})
        db.session.commit()
    audit.record(None, "test.event", "thing", 4)
    audit.record(None, "test.other", "thing", 5, facility_id=None, changes={"before": [1, 2]})
    db.session.commit()
    return list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def tamper(statement: str, params=None) -> None:
    """What someone with database write access could do: lift the triggers and change rows."""
    db.session.commit()
    with db.engine.begin() as conn, guards_lifted(conn):
        conn.execute(sa.text(statement), params or {})


def test_each_row_links_to_the_one_before(trail):
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert rows[0].prev_hash == GENESIS
    for before, row in zip(rows, rows[1:]):
        assert row.prev_hash == before.row_hash
        assert row.row_hash == row_hash(row.prev_hash, {name: getattr(row, name) for name in HASHED_FIELDS})
    assert len({row.row_hash for row in rows}) == len(rows)


def test_an_untouched_trail_verifies_and_prints_its_head(trail, runner):
    result = runner.invoke(args=["audit", "verify"])
    head = db.session.get(AuditEvent, trail[-1])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["6 rows, chain intact", f"head: row {head.id} {head.row_hash}"]
    printed = runner.invoke(args=["audit", "verify", "--print-head"])
    assert printed.exit_code == 0 and printed.output == f"{head.id} {head.row_hash}\n"


def test_an_empty_trail_is_intact(app, runner):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and result.output == "0 rows, chain intact\n"


def test_a_changed_field_is_reported_at_its_row(trail, runner):
    tamper("UPDATE audit_events SET actor_label = 'someone else' WHERE id = :id", {"id": trail[2]})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"audit chain broken at row {trail[2]} " in result.output
    assert "its content does not match its hash" in result.output
    assert verify_chain().broken_at == trail[2]


def test_a_changed_timestamp_is_reported_at_its_row(trail):
    tamper("UPDATE audit_events SET occurred_at = :when WHERE id = :id",
           {"when": "2020-01-01 00:00:00", "id": trail[4]})
    assert verify_chain().broken_at == trail[4]


def test_a_deleted_middle_row_is_reported_at_the_row_after_it(trail, runner):
    tamper("DELETE FROM audit_events WHERE id = :id", {"id": trail[3]})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"audit chain broken at row {trail[4]} " in result.output
    assert f"the row before it (id {trail[2]})" in result.output and "removed" in result.output


def test_a_deleted_first_row_is_reported(trail):
    tamper("DELETE FROM audit_events WHERE id = :id", {"id": trail[0]})
    report = verify_chain()
    assert report.broken_at == trail[1] and "rows before it were removed" in report.problem


def _swap(first: int, second: int, columns) -> None:
    rows = {row.id: row for row in db.session.execute(
        select(AuditEvent.id, *(getattr(AuditEvent, c) for c in columns)).where(AuditEvent.id.in_([first, second]))
    )}
    sets = ", ".join(f"{c} = :{c}" for c in columns)
    tamper(f"UPDATE audit_events SET {sets} WHERE id = :id",
           [dict(rows[second]._mapping, id=first), dict(rows[first]._mapping, id=second)])


def test_two_rows_swapped_with_their_hashes_are_reported_at_the_first(trail):
    _swap(trail[1], trail[2], CONTENT_COLUMNS)
    report = verify_chain()
    assert report.broken_at == trail[1] and "links to previous hash" in report.problem


def test_two_rows_swapped_without_their_hashes_are_reported_at_the_first(trail):
    _swap(trail[1], trail[2], HASHED_FIELDS)
    report = verify_chain()
    assert report.broken_at == trail[1] and "content does not match" in report.problem


def test_a_row_written_around_the_app_is_reported(trail):
    tamper("INSERT INTO audit_events (occurred_at, actor_label, action, entity_type, source)"
           " VALUES (CURRENT_TIMESTAMP, 'sql', 'test.forged', 'thing', 'sql')")
    forged = db.session.scalar(select(sa.func.max(AuditEvent.id)))
    assert verify_chain().broken_at == forged



def test_a_row_made_without_a_time_is_sealed_with_the_time_it_gets(trail):
    db.session.add(AuditEvent(actor_label="cli", action="test.no_time", entity_type="thing", source="cli"))
    db.session.commit()
    assert verify_chain().is_intact


def test_a_cut_tail_is_caught_only_against_a_recorded_head(trail, runner):
    recorded = runner.invoke(args=["audit", "verify", "--print-head"]).output.split()[1]
    assert runner.invoke(args=["audit", "verify", "--expect-head", recorded]).exit_code == 0
    tamper("DELETE FROM audit_events WHERE id = :id", {"id": trail[-1]})
    # What is left is a valid chain: the chain alone cannot tell the last row is gone ...
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    # ... the head recorded elsewhere can.
    result = runner.invoke(args=["audit", "verify", "--expect-head", recorded])
    assert result.exit_code == 1 and "is not in the chain" in result.output


def test_the_chain_goes_on_after_a_failed_transaction(trail):
    audit.record(None, "test.rolled_back", "thing", 99)
    db.session.flush()
    db.session.rollback()
    audit.record(None, "test.after", "thing", 100)
    db.session.commit()
    report = verify_chain()
    assert report.is_intact and report.rows == 7


def test_the_chain_goes_on_after_a_rolled_back_savepoint(trail):
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            audit.record(None, "test.in_savepoint", "thing", 99)
            db.session.flush()
            raise RuntimeError("the nested step failed")
    audit.record(None, "test.after", "thing", 100)
    db.session.commit()
    report = verify_chain()
    assert report.is_intact and report.rows == 7


def test_rows_written_before_the_migration_are_chained_in_id_order(app):
    downgrade(revision="0015")
    with db.engine.begin() as conn:
        for n in range(3):
            conn.execute(sa.text("INSERT INTO audit_events (occurred_at, actor_label, action, entity_type, entity_id,"
                                 " changes, source) VALUES (:t, 'cli:old', 'old.event', 'thing', :n, :c, 'cli')"),
                         {"t": f"2025-0{n + 1}-02 03:04:05.123456", "n": str(n), "c": '{"é": 1}' if n else None})
    upgrade()
    db.engine.dispose()
    audit.record(None, "new.event", "thing", 3)
    db.session.commit()
    report = verify_chain()
    assert report.is_intact and report.rows == 4
    first = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id))
    assert first.prev_hash == GENESIS and first.action == "old.event"
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text("UPDATE audit_events SET row_hash = ''"))
    db.session.rollback()


@pytest.mark.slow
def test_concurrent_appends_do_not_fork_the_chain(app):
    """Writers in several threads (own connections) append at once; the chain stays one line."""
    errors = []

    def writer(n: int) -> None:
        try:
            with app.app_context():
                for i in range(60):
                    audit.record(None, "test.concurrent", "thing", f"{n}-{i}")
                    db.session.flush()
                    audit.record(None, "test.concurrent", "thing", f"{n}-{i}b")
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify_chain()
    assert report.problem == "" and report.rows == 480
    prevs = db.session.scalars(select(AuditEvent.prev_hash)).all()
    assert len(set(prevs)) == len(prevs)
