"""The audit trail's hash chain: each row carries the hash of the row before it and a SHA-256 over
its own content and that hash, so a row changed or removed in the middle breaks the chain at that
point (issue 14 point 8; what it proves and what it does not: docs/audit.md).

Rows are sealed as they are flushed, in the order they were added to the session, which is the
order their ids are given in. Appends must not interleave or two rows would claim the same
predecessor: on PostgreSQL the flush takes a transaction-scoped advisory lock, held until commit;
SQLite lets one writer at a time commit already (BEGIN IMMEDIATE, and WAL refuses a write from a
stale snapshot). The head is read after the lock is taken, which under PostgreSQL's default READ
COMMITTED sees the last committed row; a REPEATABLE READ transaction would see an older one.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, attributes

from reentry.audit.models import AuditEvent
from reentry.database import utcnow

# The previous hash of the first row.
GENESIS = "0" * 64
# The columns a row's hash covers: everything but its id (given by the database at insert; the
# order is held by the links instead) and the hashes themselves.
HASHED_FIELDS = ("occurred_at", "actor_id", "actor_label", "facility_id", "action", "entity_type",
                 "entity_id", "changes", "source")
# pg_advisory_xact_lock key for appending to the chain ("reentry audit" in a bigint).
POSTGRES_LOCK_KEY = 0x7265_656E_7472_7941
VERIFY_BATCH = 5_000


def canonical(fields: Mapping[str, Any]) -> str:
    """The hashed content of a row: JSON with sorted keys, timestamps as ISO 8601 in UTC."""
    content = {}
    for name in HASHED_FIELDS:
        value = fields[name]
        if isinstance(value, datetime):
            value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
            value = value.isoformat(timespec="microseconds")
        content[name] = value
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) over the previous row's hash and this row's canonical content."""
    return hashlib.sha256(f"{prev_hash}\n{canonical(fields)}".encode()).hexdigest()


def _head_hash(connection) -> str:
    last = connection.execute(select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    return GENESIS if last is None else last


@event.listens_for(Session, "before_flush")
def _seal_new_rows(session: Session, flush_context, instances) -> None:
    pending = [obj for obj in session.new if isinstance(obj, AuditEvent) and not obj.row_hash]
    if not pending:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Held until this transaction ends, so the head read below stays the head until commit.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_LOCK_KEY})
    # Rows of earlier flushes in this transaction are in the table already; this batch follows
    # them in the order the unit of work inserts it.
    pending.sort(key=lambda obj: attributes.instance_state(obj).insert_order)
    prev = _head_hash(connection)
    for obj in pending:
        if obj.occurred_at is None:  # the column default would fill it only after hashing
            obj.occurred_at = utcnow()
        obj.prev_hash = prev
        obj.row_hash = prev = row_hash(prev, {name: getattr(obj, name) for name in HASHED_FIELDS})


@dataclass
class ChainReport:
    rows: int
    head_id: int | None
    head_hash: str
    broken_at: int | None = None
    problem: str = ""

    @property
    def is_intact(self) -> bool:
        return self.broken_at is None


def _rows_in_id_order(session: Session) -> Iterator[Any]:
    # Pages by id, each its own short read, so a long trail never holds SQLite's lock for long.
    columns = [AuditEvent.id, AuditEvent.prev_hash, AuditEvent.row_hash,
               *(getattr(AuditEvent, name) for name in HASHED_FIELDS)]
    after = None
    while True:
        stmt = select(*columns).order_by(AuditEvent.id).limit(VERIFY_BATCH)
        if after is not None:
            stmt = stmt.where(AuditEvent.id > after)
        batch = session.execute(stmt).all()
        session.rollback()
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def verify_chain(session: Session | None = None) -> ChainReport:
    """Walk the trail in id order and report the first row whose link or content does not match."""
    if session is None:
        from reentry.extensions import db

        session = db.session
    count, before_id, expected_prev = 0, None, GENESIS
    for row in _rows_in_id_order(session):
        count += 1
        if row.prev_hash != expected_prev:
            if before_id is None:
                problem = ("it should open the chain but links to an earlier row: the rows before it were "
                           "removed")
            else:
                problem = (f"it links to previous hash {row.prev_hash[:16]}… but the row before it (id "
                           f"{before_id}) has hash {expected_prev[:16]}…: rows between them were removed, "
                           f"rows were reordered, or row {before_id} was changed and re-hashed")
            return ChainReport(count, before_id, expected_prev, row.id, problem)
        computed = row_hash(row.prev_hash, row._mapping)
        if computed != row.row_hash:
            problem = (f"its content does not match its hash (stored {row.row_hash[:16] or 'none'}…, "
                       f"computed {computed[:16]}…): a field of this row was changed after it was written")
            return ChainReport(count, before_id, expected_prev, row.id, problem)
        before_id, expected_prev = row.id, row.row_hash
    return ChainReport(count, before_id, expected_prev)


def hash_in_chain(session: Session, hash_hex: str) -> int | None:
    """The id of the row with this hash, if there is one (to check a head recorded earlier)."""
    return session.scalar(select(AuditEvent.id).where(AuditEvent.row_hash == hash_hex.strip().lower()))


@contextmanager
def guards_lifted(connection) -> Iterator[None]:
    """The append-only triggers off on this connection's transaction, then back as they were.

    For migrations that must rewrite audit rows, and for tests that tamper on purpose; nothing in
    the app calls it.
    """
    if connection.dialect.name == "sqlite":
        triggers = connection.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'"
        )).all()
        for name, _ in triggers:
            connection.execute(text(f'DROP TRIGGER "{name}"'))
        try:
            yield
        finally:
            for name, sql in triggers:
                # A batch rebuild of the table inside may have dropped them already.
                connection.execute(text(f'DROP TRIGGER IF EXISTS "{name}"'))
                connection.execute(text(sql))
    else:
        connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        try:
            yield
        finally:
            connection.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
