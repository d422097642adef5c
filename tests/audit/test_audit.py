"""The audit trail: written with the change, never altered, browsable and exportable."""
import csv
import io

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from reentry import audit
from reentry.audit.models import AuditEvent
from reentry.extensions import db
from reentry.facilities.services import create_facility
from tests.conftest import POSTGRES_URL


def test_the_audit_row_shares_the_changes_transaction(app):
    create_facility(None, "ROLLED-BACK", "Gone", "jail", "OH")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    create_facility(None, "KEPT", "Kept", "jail", "OH")
    db.session.commit()
    event = db.session.scalar(select(AuditEvent))
    assert event.action == "facility.create" and event.actor_label.startswith("cli")


def test_changes_between_lists_only_changed_fields():
    assert audit.changes_between({"a": 1, "b": "x"}, {"a": 2, "b": "x"}) == {"a": [1, 2]}


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'tampered'", "DELETE FROM audit_events"])
def test_the_database_refuses_to_change_audit_rows(app, statement):
    create_facility(None, "AUDITED", "Audited", "jail", "OH")
    db.session.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.action)) == "facility.create"


def test_auditors_filter_the_log_and_download_csv(client, login_as, make_facility):
    make_facility("LOGGED-JAIL")
    auditor = login_as("auditor")
    page = client.get("/audit/?action=facility.create").get_data(as_text=True)
    assert "facility.create" in page and "login.success" not in page.split("<tbody>")[1]
    response = client.get("/audit/export.csv?action=facility.create")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "occurred_at_utc", "actor"]
    assert {row[4] for row in rows[1:]} == {"facility.create"}
    assert rows[0][-1] == "row_hash" and all(len(row[-1]) == 64 for row in rows[1:])
    export = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.export"))
    assert export.actor_id == auditor.id


def test_typed_text_lands_in_the_csv_as_text_not_a_formula(app, client, login_as):
    app.test_client().post("/login", data={"email": "=cmd|calc!A0@evil.test", "password": "x"})
    login_as("admin")
    body = client.get("/audit/export.csv?action=login.failure").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert "=…@evil.test" in rows[1][7]  # kept (masked), inside the JSON of the changes column


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite locks and WAL checkpoints")
def test_a_stalled_export_holds_no_transaction(app, client, login_as):
    """Issue 14 point 1: the CSV streamed from an open query, so a client that opened
    /audit/export.csv and stopped reading held the transaction (and, then, the write lock)."""
    import sqlite3


    for n in range(1_500):  # well over one 64 kB chunk of CSV
        audit.record(None, "facility.update", "facilities", n, changes={"note": "x" * 40})
    db.session.commit()
    login_as("auditor")
    response = client.get("/audit/export.csv", buffered=False)
    body = iter(response.response)
    first = next(body)  # the client reads a little, then stalls
    other = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"),
                            isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")  # a writer gets the lock at once
        other.execute("ROLLBACK")
        busy, _, _ = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0  # and no reader pins an old snapshot
    finally:
        other.close()
    text = (first + b"".join(body)).decode("utf-8")
    response.close()
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) >= 1 + 1_500 and int(response.headers["Content-Length"]) == len(text.encode())
