"""The one function every service calls to write the audit trail, plus readers for the log.

record() only adds the row to the session; it is committed together with the change it
describes, by the view or command that owns the transaction.
"""
from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Select, select

from reentry.audit.models import AuditEvent
from reentry.database import utcnow
from reentry.extensions import db


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(_plain(v) for v in value)
    return value


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose values differ, as {field: [before, after]}."""
    changed = {}
    for key in sorted(set(before) | set(after)):
        old, new = _plain(before.get(key)), _plain(after.get(key))
        if old != new:
            changed[key] = [old, new]
    return changed


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The current values of some attributes of a model, for changes_between()."""
    return {field: _plain(getattr(obj, field)) for field in fields}


def _source() -> str:
    if has_request_context():
        channel = "api" if request.path.startswith("/api/") else "web"
        return f"{channel} {request.remote_addr or '-'}"[:64]
    return "cli"


def _actor_label(actor) -> str:
    if actor is not None:
        # An API key acts too (api.models.ApiKey): it names itself and stands for no user.
        return getattr(actor, "audit_label", None) or actor.email
    if has_request_context():
        return "anonymous"
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def record(
    actor,
    action: str,
    entity_type: str,
    entity_id: Any = None,
    *,
    facility_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit row to the current transaction.

    `actor` is the User acting (None for the system or an anonymous visitor); `changes` is
    {field: [before, after]} for edits, or a small dict of details for other actions.
    """
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=getattr(actor, "audit_actor_id", actor.id) if actor is not None else None,
        actor_label=_actor_label(actor),
        facility_id=facility_id,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        changes=json.dumps(changes, ensure_ascii=False, default=_plain, sort_keys=True)
        if changes
        else None,
        source=_source(),
    )
    db.session.add(event)
    return event


@dataclass
class AuditFilter:
    actor: str = ""
    action: str = ""
    entity_type: str = ""
    entity_id: str = ""
    facility_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def filtered_events(criteria: AuditFilter) -> Select:
    """The audit rows matching the filter, newest first."""
    stmt = select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if criteria.actor:
        stmt = stmt.where(AuditEvent.actor_label.ilike(f"%{criteria.actor}%"))
    if criteria.action:
        stmt = stmt.where(AuditEvent.action == criteria.action)
    if criteria.entity_type:
        stmt = stmt.where(AuditEvent.entity_type == criteria.entity_type)
    if criteria.entity_id:
        stmt = stmt.where(AuditEvent.entity_id == criteria.entity_id)
    if criteria.facility_id:
        stmt = stmt.where(AuditEvent.facility_id == criteria.facility_id)
    if criteria.date_from:
        start = datetime.combine(criteria.date_from, time.min).replace(tzinfo=utcnow().tzinfo)
        stmt = stmt.where(AuditEvent.occurred_at >= start)
    if criteria.date_to:
        end = datetime.combine(criteria.date_to + timedelta(days=1), time.min).replace(
            tzinfo=utcnow().tzinfo
        )
        stmt = stmt.where(AuditEvent.occurred_at < end)
    return stmt


def known_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


AUDIT_CSV_COLUMNS = [
    "id", "occurred_at_utc", "actor", "facility_id", "action", "entity_type", "entity_id",
    "changes", "source", "row_hash",
]


def audit_csv_rows(stmt: Select):
    """Rows for the CSV download, streamed in batches so a long log does not fill memory."""
    for event in db.session.scalars(stmt.execution_options(yield_per=1000)):
        yield [
            event.id,
            event.occurred_at.isoformat(timespec="seconds"),
            event.actor_label,
            event.facility_id or "",
            event.action,
            event.entity_type,
            event.entity_id or "",
            event.changes or "",
            event.source,
            # A copy kept outside the database holds the chain's heads (docs/audit.md).
            event.row_hash,
        ]
