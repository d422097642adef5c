"""Report pages: filters, the figures with their definitions, and CSV/PDF downloads."""
from __future__ import annotations

import io
import zipfile

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from reentry import audit
from reentry.auth.access import may_see_names, require_names, role_required, scope_to_facilities
from reentry.database import utcnow
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.forms import apply_domain_error, select_choices
from reentry.naloxone.models import FundingSource
from reentry.outcomes.services import may_see_death_records
from reentry.reports import rollups, services  # noqa: F401  (rollups: its hooks mark late edits)
from reentry.reports.forms import ReportFilterForm
from reentry.web import content_disposition

bp = Blueprint("reports", __name__, url_prefix="/reports")

ALL_ROLES = ("admin", "manager", "staff", "auditor")
DASHBOARD_ROLES = ("admin", "manager", "auditor")
TITLES = {
    "distribution": _l("Naloxone distribution"),
    "coverage": _l("Release coverage"),
    "training": _l("Trainings and knowledge gain"),
    "inventory": _l("Naloxone inventory"),
    "reversals": _l("Naloxone use reports"),
    "recall": _l("Recall contacts"),
    "quarterly": _l("Quarterly summary for funders"),
    "outcomes": _l("Deaths after release"),
}
DESCRIPTIONS = {
    "distribution": _l("Kits handed, in property and declined; kits, doses, first and repeat supply, by month, facility and product."),
    "coverage": _l("Releases, trained and with a kit, overall and for high-need releases, by month and facility."),
    "training": _l("Sessions, people trained, completion rate and knowledge gain per domain, by month and facility."),
    "inventory": _l("Stock by lot with expiry; received, distributed and wasted in the period; lots expiring soon."),
    "reversals": _l("Use reports by month, self or other, and outcome, under the counting rules you choose."),
    "recall": _l("Everyone who got a kit from a lot number."),
    "quarterly": _l("Releases, coverage, kits and doses, acceptance, trainings, reversals, stock: a 2-4 page PDF."),
    "outcomes": _l("Deaths within 14, 28, 90 and 365 days after release per 1,000 releases, by kit, training and MOUD at release; Scotland's indicator."),
}
# Filters only some reports use.
EXTRA_FIELDS = {"reversals": ("count_self",), "recall": ("lot",), "quarterly": ("count_self",),
                "outcomes": ("deaths_through",)}
MIMETYPES = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def _form() -> ReportFilterForm:
    form = ReportFilterForm(request.args)
    facilities = db.session.scalars(scope_to_facilities(select(Facility).order_by(Facility.code),
                                                        Facility.id, current_user))
    form.facility.choices = select_choices((f.code, f"{f.code} · {f.name}") for f in facilities)
    form.funding.choices = select_choices(
        [("", _l("All"))] + [(s.code, s.name) for s in db.session.scalars(select(FundingSource).order_by(FundingSource.name))])
    form.count_self.choices = select_choices([("yes", _l("Counted")), ("no", _l("Not counted"))])
    return form


def _params(form: ReportFilterForm) -> services.ReportParams:
    return services.ReportParams(form.start.data, form.end.data, list(form.facility.data or []),
                                 form.funding.data or "", count_self=form.count_self.data != "no",
                                 lot=(form.lot.data or "").strip(), deaths_through=form.deaths_through.data)


def _offered(name: str) -> bool:
    """Whether this person may run the report: not one naming people without the bulk names
    rule, not one counting deaths without the death-records rule (staff: neither)."""
    if name in services.NAME_REPORTS and not may_see_names(current_user, "bulk"):
        return False
    return name not in services.DEATH_REPORTS or may_see_death_records(current_user)


def _known(name: str) -> None:
    """404 for a report that does not exist; 403 for one that names people, to whoever may not
    see a bulk list of names (staff: the recall contacts are closed to them everywhere), and
    for one that counts deaths, to whoever may not see death records (staff)."""
    if name not in services.REPORTS:
        abort(404)
    if name in services.NAME_REPORTS:
        require_names(current_user, "bulk")
    if not _offered(name):
        abort(403)


@bp.route("/")
@role_required(*ALL_ROLES)
def index():
    """The list of reports."""
    reports = [(n, TITLES[n], DESCRIPTIONS[n]) for n in services.REPORTS if _offered(n)]
    return render_template("reports/index.html", reports=reports,
                           show_dashboard=current_user.role in DASHBOARD_ROLES)


@bp.route("/dashboard")
@role_required(*DASHBOARD_ROLES)
def dashboard():
    """The manager's home: the last 12 months and this month, charts with their tables."""
    from reentry.naloxone.services import facility_today
    from reentry.reports.dashboard import MONTH_COLUMNS, build_dashboard

    facilities = current_user.facilities if not current_user.sees_all_facilities else []
    today = facility_today(facilities[0]) if facilities else utcnow().date()
    board = build_dashboard(current_user, today)
    audit.record(current_user, "report.run", "report", "dashboard",
                 changes={"period": [board.start.isoformat(), board.end.isoformat()]})
    db.session.commit()
    from reentry.feeds.services import health_for

    return render_template("reports/dashboard.html", board=board, columns=MONTH_COLUMNS,
                           feed_rows=health_for(current_user))


@bp.route("/deidentified")
@role_required("admin", "manager", "auditor")
def deidentified():
    """The de-identified tables as a zip of CSV files (audited), from a period form."""
    from reentry.reports.deidentified import deidentified_tables

    form = _form()
    if request.args and form.validate():
        try:
            files = deidentified_tables(current_user, _params(form))
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for filename, text in sorted(files.items()):
                    archive.writestr(filename, text)
            name = f"deidentified_{form.start.data.isoformat()}_{form.end.data.isoformat()}.zip"
            return Response(buffer.getvalue(), mimetype="application/zip", headers={
                "Content-Disposition": content_disposition(name), "Cache-Control": "no-store"})
    return render_template("reports/deidentified.html", form=form,
                           show_outcomes=may_see_death_records(current_user))


@bp.route("/<name>")
@role_required(*ALL_ROLES)
def detail(name: str):
    """One report: its filters and, once asked for, its figures and definitions (audited)."""
    _known(name)
    form = _form()
    result = None
    if request.args and form.validate():
        try:
            result = services.run_report(current_user, name, _params(form))
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
    return _page(name, form, result)


def _page(name: str, form: ReportFilterForm, result):
    extra = [form[field] for field in EXTRA_FIELDS.get(name, ())]
    return render_template("reports/detail.html", name=name, title=TITLES[name], form=form, result=result,
                           extra_fields=extra)


@bp.route("/<name>/download")
@role_required(*ALL_ROLES)
def download(name: str):
    """The report as CSV or PDF (the download is audited)."""
    _known(name)
    form = _form()
    if form.validate():
        params = _params(form)
        try:
            result = services.run_report(current_user, name, params, export_format=form.format.data)
            data = services.export_bytes(result, form.format.data, bom=form.bom.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            filename = services.export_filename(result, params, form.format.data)
            return Response(data, mimetype=MIMETYPES[form.format.data], headers={
                "Content-Disposition": content_disposition(filename), "Cache-Control": "no-store"})
    return _page(name, form, None), 400
