"""Browse and download the audit trail (admins and auditors only)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from reentry import audit
from reentry.audit.forms import AuditFilterForm
from reentry.audit.services import (
    AUDIT_CSV_COLUMNS, AuditFilter, audit_csv_rows, filtered_events, known_actions,
)
from reentry.auth.access import role_required, shows_names
from reentry.csvutil import csv_response
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.forms import select_choices
from reentry.web import MAX_PAGE, parse_id, query_int

bp = Blueprint("audit", __name__, url_prefix="/audit")

PAGE_SIZE = 50


def _filter_from_request() -> tuple[AuditFilterForm, AuditFilter]:
    form = AuditFilterForm(request.args)
    form.action.choices = select_choices([("", "—")] + [(a, a) for a in known_actions()])
    form.facility.choices = select_choices(
        [("", "—")]
        + [(f.id, f.code) for f in db.session.scalars(select(Facility).order_by(Facility.code))]
    )
    form.validate()
    facility = form.facility.data or ""
    criteria = AuditFilter(
        actor=(form.actor.data or "").strip(),
        action=form.action.data or "",
        entity_type=(form.entity_type.data or "").strip(),
        entity_id=(form.entity_id.data or "").strip(),
        facility_id=parse_id(facility),
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None,
    )
    return form, criteria


@bp.route("/")
@role_required("admin", "auditor")
@shows_names("bulk")  # the rows' changes hold names and dates of birth
def index():
    """The audit log, newest first, filtered and paginated."""
    form, criteria = _filter_from_request()
    stmt = filtered_events(criteria)
    page = max(query_int("page", 1, maximum=MAX_PAGE), 1)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    events = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "audit/index.html", form=form, events=events, page=page, total=total,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
    )


@bp.route("/export.csv")
@role_required("admin", "auditor")
@shows_names("bulk")
def export():
    """The filtered audit log as CSV. The download itself is audited."""
    _, criteria = _filter_from_request()
    audit.record(current_user, "audit.export", "audit_events", None,
                 changes={"filter": {k: v for k, v in vars(criteria).items() if v}})
    db.session.commit()
    return csv_response("audit-log.csv", AUDIT_CSV_COLUMNS, audit_csv_rows(filtered_events(criteria)))
