"""Naloxone pages: worklist, kit records, inventory, alerts, recalls, reversals, catalog.

Thin views: validate the form, call a service, commit once, redirect. Another facility's
records answer 404.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from reentry import audit
from reentry.auth.access import (
    MANAGING_ROLES, can_manage_facility, can_see_facility, may_see_names, refuse_unseen, role_required,
    shows_names,
)
from reentry.csvutil import csv_response
from reentry.documents.governance import unapproved_version
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.facilities.services import visible_facilities
from reentry.forms import EmptyForm, apply_domain_error, select_choices
from reentry.naloxone import forms as f
from reentry.naloxone import services
from reentry.naloxone.models import (
    FundingSource, KitEvent, Lot, Product, ProductGtin, ReversalReport, StorageLocation,
)
from reentry.naloxone.worklist import build_worklist
from reentry.participants.models import CustodyEpisode, Participant
from reentry.web import MAX_PAGE, is_safe_next, parse_id, query_int

bp = Blueprint("naloxone", __name__, url_prefix="/naloxone")

ALL_ROLES = ("admin", "manager", "staff", "auditor")
WRITERS = ("admin", "manager", "staff")
KIT_PAGE_SIZE = 100


@bp.app_template_global()
def naloxone_label(kind: str, value) -> str:
    """Display label of a stored code, e.g. naloxone_label('outcome', 'property')."""
    pairs = {"context": f.CONTEXT_LABELS, "outcome": f.OUTCOME_LABELS, "decline": f.DECLINE_LABELS,
             "recipient": f.RECIPIENT_LABELS, "supply": f.SUPPLY_LABELS, "repeat": f.REPEAT_LABELS,
             "waste": f.WASTE_LABELS, "location_kind": f.LOCATION_KIND_LABELS,
             "funding_kind": f.FUNDING_KIND_LABELS, "route": f.ROUTE_LABELS,
             "reversal_outcome": f.REVERSAL_OUTCOME_LABELS, "source": f.SOURCE_LABELS,
             "location_type": f.LOCATION_TYPE_LABELS, "giver": f.GIVER_LABELS,
             "reporter": f.REPORTER_LABELS, "age_band": f.AGE_BAND_LABELS}[kind]
    return f.label_for(pairs, value)


def _facility(code: str) -> Facility:
    facility = db.session.scalar(select(Facility).where(Facility.code == code.upper()))
    if facility is None:
        abort(404)
    if not can_see_facility(current_user, facility.id):
        refuse_unseen(current_user, "facilities", facility.id, facility.id)
    return facility


def _visible(obj):
    if obj is None:
        abort(404)
    if not can_see_facility(current_user, obj.facility_id):
        refuse_unseen(current_user, obj.__tablename__, obj.id, obj.facility_id)
    return obj


def _localize(facility: Facility, local: datetime) -> datetime:
    """A form's wall-clock time, read in the facility's zone (stored as UTC by the column type)."""
    return local.replace(tzinfo=ZoneInfo(facility.timezone))


def _local_now(facility: Facility) -> datetime:
    return services.utcnow().astimezone(ZoneInfo(facility.timezone)).replace(second=0, microsecond=0, tzinfo=None)


def _lot_choices(facility: Facility, blank: bool = True):
    pairs = [("", _("— choose a lot —"))] if blank else []
    for lot, on_hand in services.distributable_lots(facility):
        pairs.append((lot.id, _("%(product)s · lot %(lot)s · expires %(expiry)s · %(n)s left",
                                product=lot.product.name, lot=lot.lot_number,
                                expiry=lot.expiry_date.isoformat(), n=on_hand)))
    return select_choices(pairs)


def _scan(mode: str, scan_id: str, quantity: str, facility: Facility | None = None, lot: Lot | None = None) -> dict:
    """What templates/naloxone/_scan_field.html needs: receive scans judge only the carton (a new
    lot is not held yet), kit and lot pages judge it against the facility's stock."""
    lots = {}
    if mode == "kit":
        lots = {f"{row.product.code}|{row.lot_number}": row.id for row, _ in services.distributable_lots(facility)}
    return dict(scan_mode=mode, scan_id=scan_id, scan_quantity=quantity, scan_lots=lots,
                scan_facility=facility.code if facility is not None and mode != "receive" else "",
                scan_products={p.code: p.id for p in services.active_products()} if mode == "receive" else {},
                scan_lot=lot.lot_number if lot else "", scan_add_gtin_url=_add_gtin_url())


def _may_add_gtins() -> bool:
    """Adding a GTIN to the catalog is an admin's (as every catalog change: see product_gtin_add)."""
    return current_user.is_authenticated and current_user.role == "admin"


def _add_gtin_url() -> str:
    """Where a scan of an unknown GTIN sends someone who may add it ("" for everyone else); the
    script adds ?gtin=...&next=... so the form comes back filled and returns to the page."""
    return url_for("naloxone.product_gtin_new") if _may_add_gtins() else ""


def _audit_participant_view(participant_id: int | None, facility_id: int, page: str, **details) -> None:
    """A page that shows a participant's record writes a "participant.view" audit row."""
    if participant_id is not None:
        audit.record(current_user, "participant.view", "participants", participant_id, facility_id=facility_id,
                     changes={"page": page, **details})
        db.session.commit()


def _chosen_lot(facility: Facility, value) -> Lot | None:
    if not value:
        return None
    lot = db.session.get(Lot, parse_id(value)) if parse_id(value) else None
    if lot is None or lot.facility_id != facility.id:
        raise DomainError(_("Choose a lot held at this facility."), field="lot")
    return lot


# --- home, worklist ---------------------------------------------------------------------------

@bp.route("/")
@role_required(*ALL_ROLES)
def index():
    """The facilities this person works in, with their naloxone pages and alert counts."""
    facilities = [(facility, services.facility_alerts(facility).count)
                  for facility in visible_facilities(current_user)]
    return render_template("naloxone/index.html", facilities=facilities)


@bp.route("/<code>/worklist")
@role_required(*ALL_ROLES)
@shows_names("work")
def worklist(code: str):
    """Tonight's release worklist: expected releases, recent releases with no kit, kits to pack."""
    facility = _facility(code)
    worklist = build_worklist(facility)
    audit.record(current_user, "naloxone.worklist.view", "facilities", facility.id, facility_id=facility.id,
                 changes={"rows": len(worklist.expected) + len(worklist.recently_released)
                          + len(worklist.in_custody)})
    # Render first: committing expires every loaded row, and 500 reloads would cost ~0.5 s.
    page = render_template("naloxone/worklist.html", facility=facility, worklist=worklist,
                           content_unapproved=unapproved_version())
    db.session.commit()
    return page


# --- kit events -------------------------------------------------------------------------------

def _kit_details(facility: Facility, form: f.KitEventForm) -> services.KitDetails:
    return services.KitDetails(
        occurred_at=_localize(facility, form.occurred_at.data), context=form.context.data,
        outcome=form.outcome.data, recipient_type=form.recipient_type.data, kits=form.kits.data,
        lot=_chosen_lot(facility, form.lot.data), decline_reason=form.decline_reason.data or None,
        decline_other=form.decline_other.data or "", supply=form.supply.data,
        repeat_reason=form.repeat_reason.data or None)


def _after_kit(event: KitEvent):
    if event.supply == "repeat" and event.repeat_reason == "used":
        flash(_("The last kit was used. Record that use now, while the details are fresh."), "info")
        return redirect(url_for("naloxone.reversal_create", code=event.facility.code, kit_event=event.id))
    return redirect(url_for("naloxone.kit_detail", event_id=event.id))


@bp.route("/<code>/kits/new", methods=["GET", "POST"])
@role_required(*WRITERS)
@shows_names("work")
def kit_create(code: str):
    """Record a kit offered to a person: handed over, packed in property, or declined."""
    facility = _facility(code)
    episode = None
    episode_id = query_int("episode")
    if episode_id:
        episode = db.session.get(CustodyEpisode, episode_id)
        if episode is None or episode.facility_id != facility.id or episode.is_voided:
            abort(404)
    form = f.KitEventForm()
    form.lot.choices = _lot_choices(facility)
    # A lot emptied by someone else since this form was shown is no longer a choice; let the
    # service say why ("has 0 kit(s) left") rather than "Not a valid choice".
    form.lot.validate_choice = False
    if request.method == "GET":
        form.token.data = services.new_token()
        form.occurred_at.data = _local_now(facility)
        if episode is None:
            form.recipient_type.data = "community"
            form.context.data = "community"
        else:
            if services.has_earlier_kit(episode.participant_id, facility.id):
                form.supply.data = "repeat"
            _audit_participant_view(episode.participant_id, facility.id, "naloxone.kit_create")
    if form.validate_on_submit():
        existing = services.find_kit_event_by_token(form.token.data or "")
        if existing is not None:
            flash(_("This kit was already recorded."), "info")
            return redirect(url_for("naloxone.kit_detail", event_id=existing.id))
        try:
            event, created = services.record_kit_event(
                current_user, facility, _kit_details(facility, form), token=form.token.data, episode=episode)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Kit record saved.") if created else _("This kit was already recorded."), "success")
            return _after_kit(event)
    return render_template("naloxone/kit_form.html", form=form, facility=facility, episode=episode,
                           **_scan("kit", "scan", "kits", facility))


@bp.route("/<code>/kits/bulk", methods=["GET", "POST"])
@role_required(*WRITERS)
def kit_bulk(code: str):
    """Counts-only entry for community or visit-room handouts: no names."""
    facility = _facility(code)
    form = f.BulkDistributionForm()
    form.lot.choices = _lot_choices(facility)
    if request.method == "GET":
        form.token.data = services.new_token()
        form.occurred_at.data = _local_now(facility)
    if form.validate_on_submit():
        try:
            events = services.record_bulk_distribution(
                current_user, facility, token=form.token.data,
                occurred_at=_localize(facility, form.occurred_at.data), context=form.context.data,
                lot=_chosen_lot(facility, form.lot.data),
                counts={r: getattr(form, r).data or 0 for r in ("participant", "family", "staff", "community")})
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("%(n)s kits recorded.", n=sum(e.kits for e in events)), "success")
            return redirect(url_for("naloxone.kit_index", code=facility.code))
    return render_template("naloxone/kit_bulk.html", form=form, facility=facility)


@bp.route("/<code>/kits")
@role_required(*ALL_ROLES)
@shows_names("work")
def kit_index(code: str):
    """The facility's kit records, newest first, a page at a time."""
    facility = _facility(code)
    page = max(query_int("page", 1, maximum=MAX_PAGE), 1)
    events = services.facility_kit_events(facility, limit=KIT_PAGE_SIZE + 1, offset=(page - 1) * KIT_PAGE_SIZE)
    shown = events[:KIT_PAGE_SIZE]
    # The list names the people given kits (which implies substance use): audited, by id only.
    audit.record(current_user, "naloxone.kit_list.view", "facilities", facility.id, facility_id=facility.id,
                 changes={"page": page, "participant_ids": sorted({e.participant_id for e in shown
                                                                   if e.participant_id is not None})})
    body = render_template("naloxone/kit_index.html", facility=facility, events=shown,
                           page=page, has_more=len(events) > KIT_PAGE_SIZE)
    db.session.commit()
    return body


@bp.route("/kits/<int:event_id>")
@role_required(*ALL_ROLES)
@shows_names("work")
def kit_detail(event_id: int):
    """One kit record, with correction, void and pickup actions."""
    event = _visible(db.session.get(KitEvent, event_id))
    _audit_participant_view(event.participant_id, event.facility_id, "naloxone.kit_detail", kit_event=event.id)
    reversals = db.session.scalars(select(ReversalReport).where(ReversalReport.kit_event_id == event.id)).all()
    return render_template("naloxone/kit_detail.html", event=event, void_form=f.VoidForm(prefix="void"),
                           pickup_form=f.PickupForm(prefix="pickup"), reversals=reversals)


@bp.route("/kits/<int:event_id>/edit", methods=["GET", "POST"])
@role_required(*WRITERS)
@shows_names("work")
def kit_edit(event_id: int):
    """Correct a kit record: an audited edit (stock follows the change)."""
    event = _visible(db.session.get(KitEvent, event_id))
    if event.is_voided:
        abort(409)
    facility = event.facility
    form = f.KitEventForm(obj=event)
    choices = _lot_choices(facility)
    if event.lot_id and str(event.lot_id) not in [c.value for c in choices]:
        choices += select_choices([(event.lot_id, f"{event.lot.product.name} · {event.lot.lot_number}")])
    form.lot.choices = choices
    form.submit.label.text = _("Save correction")
    if request.method == "GET":
        form.version.data = str(event.version)
        form.occurred_at.data = event.occurred_at.astimezone(ZoneInfo(facility.timezone)).replace(tzinfo=None)
        form.lot.data = str(event.lot_id or "")
        form.decline_reason.data = event.decline_reason or ""
        form.repeat_reason.data = event.repeat_reason or ""
        _audit_participant_view(event.participant_id, event.facility_id, "naloxone.kit_edit", kit_event=event.id)
    if form.validate_on_submit():
        try:
            services.correct_kit_event(current_user, event, _kit_details(facility, form),
                                       expected_version=int(form.version.data or 0))
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        except StaleDataError:
            # Two corrections sent at the same moment: the version column let only one through.
            db.session.rollback()
            form.form_errors.append(_("Someone else changed this record while you were editing. "
                                      "Reload it to see their change, then correct it again."))
        else:
            flash(_("Correction saved."), "success")
            return redirect(url_for("naloxone.kit_detail", event_id=event.id))
    # A correction's scan picks the lot and leaves the number of kits alone (a first scan would
    # set a record of 3 kits to 1); the carton the kit came from is among the lots it may pick.
    scan = _scan("kit", "scan", "", facility)
    if event.lot is not None:
        scan["scan_lots"].setdefault(f"{event.lot.product.code}|{event.lot.lot_number}", event.lot.id)
    return render_template("naloxone/kit_form.html", form=form, facility=facility, episode=event.episode,
                           event=event, **scan)


@bp.route("/kits/<int:event_id>/void", methods=["POST"])
@role_required(*WRITERS)
def kit_void(event_id: int):
    """Void a kit record entered in error (a reason is required)."""
    event = _visible(db.session.get(KitEvent, event_id))
    form = f.VoidForm(prefix="void")
    if form.validate_on_submit():
        try:
            services.void_kit_event(current_user, event, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Record voided."), "success")
    else:
        flash(_("Give the reason for voiding this record."), "error")
    return redirect(url_for("naloxone.kit_detail", event_id=event_id))


@bp.route("/kits/<int:event_id>/pickup", methods=["POST"])
@role_required(*WRITERS)
def kit_pickup(event_id: int):
    """Record whether a kit packed in property was picked up at release."""
    event = _visible(db.session.get(KitEvent, event_id))
    form = f.PickupForm(prefix="pickup")
    if form.validate_on_submit():
        try:
            services.record_property_pickup(current_user, event, form.picked_up.data == "yes")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Pickup recorded."), "success")
    return redirect(url_for("naloxone.kit_detail", event_id=event_id))


# --- reversal / use reports -------------------------------------------------------------------

def _participant_here(facility: Facility, value: str | None) -> Participant | None:
    """The participant named by a hidden field, only if they have a booking at this facility."""
    if not (value or "").isdigit():
        return None
    person_id = parse_id(value)
    person = person_id and db.session.scalar(
        select(Participant).join(CustodyEpisode, CustodyEpisode.participant_id == Participant.id)
        .where(Participant.id == person_id, CustodyEpisode.facility_id == facility.id).limit(1))
    if person is None:
        abort(404)
    return person


@bp.route("/<code>/reversals/new", methods=["GET", "POST"])
@role_required(*WRITERS)
def reversal_create(code: str):
    """Record a naloxone use reported back; prefilled when it follows a repeat kit for "used"."""
    facility = _facility(code)
    form = f.ReversalForm()
    form.product.choices = select_choices([f.BLANK] + [(p.id, p.name) for p in services.all_products()])
    source_event = None
    kit_event_id = query_int("kit_event")
    if kit_event_id:
        source_event = _visible(db.session.get(KitEvent, kit_event_id) if kit_event_id > 0 else None)
    if request.method == "GET":
        form.token.data = services.new_token()
        form.occurred_on.data = services.facility_today(facility)
        if source_event is not None:
            for key, value in services.reversal_prefill(source_event).items():
                getattr(form, key).data = value if key == "occurred_on" else str(value)
        elif request.args.get("participant"):
            person = _participant_here(facility, request.args.get("participant"))
            form.participant.data = str(person.id)
            form.county.data, form.zip_code.data = person.destination_county, person.destination_zip
    if form.validate_on_submit():
        try:
            kit = db.session.get(KitEvent, parse_id(form.kit_event.data)) if parse_id(form.kit_event.data) else None
            if kit is not None:
                _visible(kit)
            person = _participant_here(facility, form.participant.data)
            product = db.session.get(Product, parse_id(form.product.data)) if parse_id(form.product.data) else None
            details = services.ReversalDetails(
                occurred_on=form.occurred_on.data, reporter_type=form.reporter_type.data,
                location_type=form.location_type.data, giver_type=form.giver_type.data,
                outcome=form.outcome.data, doses_used=form.doses_used.data, county=form.county.data or "",
                zip_code=form.zip_code.data or "", is_self_administered=form.is_self_administered.data,
                product=product, was_breathing=form.was_breathing.data, was_responsive=form.was_responsive.data,
                rescue_breathing=form.rescue_breathing.data, called_911=form.called_911.data,
                ems_came=form.ems_came.data, giver_stayed=form.giver_stayed.data,
                others_gave_naloxone=form.others_gave_naloxone.data, age_band=form.age_band.data,
                gender=form.gender.data or "", naloxone_source=form.naloxone_source.data, kit_event=kit)
            report, created = services.record_reversal(current_user, facility, details, token=form.token.data,
                                                       participant=person)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Use report saved.") if created else _("This report was already saved."), "success")
            return redirect(url_for("naloxone.reversal_detail", report_id=report.id))
    return render_template("naloxone/reversal_form.html", form=form, facility=facility, source_event=source_event)


@bp.route("/<code>/reversals")
@role_required(*ALL_ROLES)
def reversal_index(code: str):
    """Naloxone uses reported back to this facility's program."""
    facility = _facility(code)
    return render_template("naloxone/reversal_index.html", facility=facility,
                           reports=services.facility_reversals(facility))


@bp.route("/reversals/<int:report_id>")
@role_required(*ALL_ROLES)
@shows_names("work")
def reversal_detail(report_id: int):
    """One use report, every answer, with the void action."""
    report = _visible(db.session.get(ReversalReport, report_id))
    _audit_participant_view(report.participant_id, report.facility_id, "naloxone.reversal_detail", report=report.id)
    return render_template("naloxone/reversal_detail.html", report=report, void_form=f.VoidForm())


@bp.route("/reversals/<int:report_id>/void", methods=["POST"])
@role_required(*WRITERS)
def reversal_void(report_id: int):
    """Void a use report entered in error."""
    report = _visible(db.session.get(ReversalReport, report_id))
    form = f.VoidForm()
    if form.validate_on_submit():
        try:
            services.void_reversal(current_user, report, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Report voided."), "success")
    else:
        flash(_("Give the reason for voiding this report."), "error")
    return redirect(url_for("naloxone.reversal_detail", report_id=report.id))


# --- inventory --------------------------------------------------------------------------------

@bp.route("/<code>/inventory")
@role_required(*ALL_ROLES)
def inventory(code: str):
    """Stock on hand by lot (first-expiring-first), from movement rows."""
    facility = _facility(code)
    show_empty = request.args.get("all") == "1"
    return render_template("naloxone/inventory.html", facility=facility, show_empty=show_empty,
                           lots=services.facility_lots(facility, include_empty=show_empty),
                           today=services.facility_today(facility), **_lift_context(facility.id))


@bp.route("/<code>/lots/receive", methods=["GET", "POST"])
@role_required(*WRITERS)
def lot_receive(code: str):
    """Receive a lot into stock."""
    facility = _facility(code)
    form = f.ReceiveLotForm()
    form.product.choices = select_choices([f.BLANK] + [(p.id, p.name) for p in services.active_products()])
    form.funding_source.choices = select_choices(
        [f.BLANK] + [(s.id, s.name) for s in services.active_funding_sources()])
    form.location.choices = select_choices(
        [f.BLANK] + [(loc.id, loc.name) for loc in services.facility_locations(facility, active_only=True)])
    if form.validate_on_submit():
        try:
            lot = services.receive_lot(
                current_user, facility, db.session.get(Product, int(form.product.data)),
                form.lot_number.data, form.expiry_date.data, form.quantity.data,
                db.session.get(FundingSource, int(form.funding_source.data)),
                location=db.session.get(StorageLocation, int(form.location.data)) if form.location.data else None,
                received_date=form.received_date.data, note=form.note.data or "",
                serials=(form.serials.data or "").splitlines())
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Received %(n)s kits of lot %(lot)s.", n=form.quantity.data, lot=lot.lot_number), "success")
            return redirect(url_for("naloxone.lot_detail", lot_id=lot.id))
    return render_template("naloxone/lot_receive.html", form=form, facility=facility,
                           **_scan("receive", "scan", "quantity", facility))


@bp.route("/scan", methods=["POST"])
@login_required
def scan():
    """Resolve one carton scan for a form's script: JSON with exactly the keys of
    services.SCAN_KEYS (issue 17); nothing is written."""
    form = f.ScanForm()
    if not form.validate_on_submit():
        problem = " ".join(error for errors in form.errors.values() for error in errors)
        return jsonify(dict.fromkeys(services.SCAN_KEYS) | {"problem": problem}), 400
    facility = _facility(form.facility.data) if form.facility.data else None
    answer = services.resolve_scan(form.code.data, facility, purpose=form.purpose.data or "",
                                   may_add_gtin=_may_add_gtins(),
                                   may_see_facility=lambda facility_id: can_see_facility(current_user, facility_id))
    return jsonify(answer.as_json())


@bp.route("/lots/<int:lot_id>")
@role_required(*ALL_ROLES)
def lot_detail(lot_id: int):
    """One lot: stock, movements, and the waste / count / transfer / recall actions."""
    lot = _visible(db.session.get(Lot, lot_id))
    return render_template("naloxone/lot_detail.html", lot=lot, on_hand=services.lot_stock(lot.id),
                           movements=services.lot_movements(lot), waste_form=f.WasteForm(prefix="waste"),
                           adjust_form=f.AdjustForm(prefix="adjust"), transfer_form=_transfer_form(lot),
                           recall_form=f.RecallForm(prefix="recall"), **_lift_context(lot.facility_id),
                           list_names=may_see_names(current_user, "bulk"), scan_facility=lot.facility.code,
                           scan_lot=lot.lot_number, scan_product=lot.product.code,
                           scan_add_gtin_url=_add_gtin_url())


def _lift_context(facility_id: int) -> dict:
    """The lift-recall form for pages that show recalled lots, if this user manages the facility."""
    may_manage = can_manage_facility(current_user, facility_id)
    return {"may_manage": may_manage, "lift_form": f.LiftRecallForm(prefix="lift") if may_manage else None}


def _transfer_form(lot: Lot) -> f.TransferForm:
    form = f.TransferForm(prefix="transfer")
    form.destination.choices = select_choices(
        [f.BLANK] + [(x.id, x.code) for x in visible_facilities(current_user) if x.id != lot.facility_id])
    return form


def _lot_action(lot_id: int, make_form, action):
    """The shape shared by the lot page's forms: validate, run the service, commit, back to the lot."""
    lot = _visible(db.session.get(Lot, lot_id))
    form = make_form(lot)
    if form.validate_on_submit():
        try:
            message = action(lot, form)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(message, "success")
    else:
        for field in form:
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
    return redirect(url_for("naloxone.lot_detail", lot_id=lot.id))


@bp.route("/lots/<int:lot_id>/waste", methods=["POST"])
@role_required(*WRITERS)
def lot_waste(lot_id: int):
    """Take kits out as waste (expired, damaged, recalled, lost)."""
    def waste(lot, form):
        services.waste_stock(current_user, lot, form.quantity.data, form.reason.data, form.note.data or "")
        return _("Waste recorded.")

    return _lot_action(lot_id, lambda lot: f.WasteForm(prefix="waste"), waste)


@bp.route("/lots/<int:lot_id>/adjust", methods=["POST"])
@role_required(*WRITERS)
def lot_adjust(lot_id: int):
    """Record a physical count; a difference becomes an adjustment with its reason."""
    def adjust(lot, form):
        services.adjust_count(current_user, lot, form.counted.data, form.reason.data, form.note.data or "")
        return _("Count recorded.")

    return _lot_action(lot_id, lambda lot: f.AdjustForm(prefix="adjust"), adjust)


@bp.route("/lots/<int:lot_id>/transfer", methods=["POST"])
@role_required(*WRITERS)
def lot_transfer(lot_id: int):
    """Send kits of this lot to another facility."""
    def transfer(lot, form):
        destination = db.session.get(Facility, int(form.destination.data or 0))
        if destination is None or not can_see_facility(current_user, destination.id):
            raise DomainError(_("Choose a facility you work in."), field="destination")
        services.transfer_stock(current_user, lot, destination, form.quantity.data, note=form.note.data or "")
        return _("Transferred %(n)s kits to %(code)s.", n=form.quantity.data, code=destination.code)

    return _lot_action(lot_id, _transfer_form, transfer)


@bp.route("/lots/<int:lot_id>/recall", methods=["POST"])
@role_required(*MANAGING_ROLES)
def lot_recall(lot_id: int):
    """Mark a lot recalled in every facility you manage that holds it, then show who to contact."""
    def recall(lot, form):
        outcome = services.recall_lot(current_user, lot, form.reason.data)
        message = _("Lot marked recalled at %(codes)s.", codes=", ".join(x.facility.code for x in outcome.recalled)) \
            if outcome.recalled else _("Lot %(lot)s is already recalled.", lot=lot.lot_number)
        if outcome.unmanaged_facilities:
            message += " " + ngettext("%(num)d other facility you do not manage holds this lot number: ask an "
                                      "admin to recall it there.",
                                      "%(num)d other facilities you do not manage hold this lot number: ask an "
                                      "admin to recall it there.", outcome.unmanaged_facilities)
        return message

    return _lot_action(lot_id, lambda lot: f.RecallForm(prefix="recall"), recall)


@bp.route("/lots/<int:lot_id>/recall/lift", methods=["POST"])
@role_required(*MANAGING_ROLES)
def lot_recall_lift(lot_id: int):
    """Put a recalled lot back in use, with the reason (audited); a second submit changes nothing."""
    def lift(lot, form):
        services.lift_recall(current_user, lot, form.reason.data)
        return _("Recall of lot %(lot)s lifted.", lot=lot.lot_number)

    return _lot_action(lot_id, lambda lot: f.LiftRecallForm(prefix="lift"), lift)


@bp.route("/lots/<int:lot_id>/recall-list")
@shows_names("bulk")
def recall_list(lot_id: int):
    """Everyone who got a kit from this lot, to contact."""
    lot = _visible(db.session.get(Lot, lot_id))
    rows = [row for row in services.recall_contacts(lot) if can_see_facility(current_user, row[2].id)]
    audit.record(current_user, "lot.recall_list.view", "naloxone_lots", lot.id, facility_id=lot.facility_id,
                 changes={"rows": len(rows)})
    db.session.commit()
    return render_template("naloxone/recall_list.html", lot=lot, rows=rows, **_lift_context(lot.facility_id))


@bp.route("/lots/<int:lot_id>/recall-list.csv")
@shows_names("bulk")
def recall_export(lot_id: int):
    """The recall contact list as CSV (the export is audited)."""
    lot = _visible(db.session.get(Lot, lot_id))
    audit.record(current_user, "lot.recall_list.export", "naloxone_lots", lot.id, facility_id=lot.facility_id)
    db.session.commit()
    visible = visible_facilities(current_user)
    codes = {x.code for x in visible}
    rows = (row for row in services.recall_csv_rows(lot) if row[2] in codes)
    return csv_response(f"recall-{lot.product.code}-{lot.lot_number}.csv", services.RECALL_CSV_COLUMNS, rows)


# --- storage, alerts ----------------------------------------------------------------------------

@bp.route("/<code>/locations", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def locations(code: str):
    """Storage locations with their check schedules; add one."""
    facility = _facility(code)
    form = f.LocationForm()
    if request.method == "POST":
        if current_user.role not in ("admin", "manager"):
            abort(403)
        if form.validate_on_submit():
            try:
                services.create_location(current_user, facility, form.name.data, form.kind.data,
                                         form.check_every_days.data)
            except DomainError as error:
                db.session.rollback()
                apply_domain_error(form, error)
            else:
                db.session.commit()
                flash(_("Location added."), "success")
                return redirect(url_for("naloxone.locations", code=facility.code))
    return render_template("naloxone/locations.html", facility=facility, form=form,
                           statuses=services.location_statuses(facility))


@bp.route("/locations/<int:location_id>/check", methods=["GET", "POST"])
@role_required(*WRITERS)
def location_check(location_id: int):
    """Record a check of one storage location."""
    location = _visible(db.session.get(StorageLocation, location_id))
    form = f.StorageCheckForm()
    if form.validate_on_submit():
        try:
            services.record_storage_check(current_user, location, form.counted.data, form.expired.data,
                                          form.missing.data, form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Check recorded."), "success")
            return redirect(url_for("naloxone.locations", code=location.facility.code))
    return render_template("naloxone/location_check.html", form=form, location=location)


@bp.route("/<code>/alerts", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def alerts(code: str):
    """Low stock, lots expiring within 90 days, recalled lots in stock, overdue checks."""
    facility = _facility(code)
    form = f.StockMinimumForm()
    if request.method == "GET":
        form.days_of_supply.data = services.stock_minimum_days(facility)
    elif current_user.role not in ("admin", "manager"):
        abort(403)
    elif form.validate_on_submit():
        try:
            services.set_stock_minimum(current_user, facility, form.days_of_supply.data)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Minimum saved."), "success")
            return redirect(url_for("naloxone.alerts", code=facility.code))
    return render_template("naloxone/alerts.html", facility=facility, alerts=services.facility_alerts(facility),
                           form=form, **_lift_context(facility.id))


# --- catalog (admins edit; everyone signed in can read) -----------------------------------------

def _product_values(form: f.ProductForm) -> dict:
    return dict(code=form.code.data, name=form.name.data, strength=form.strength.data, route=form.route.data,
                devices_per_kit=form.devices_per_kit.data, is_otc=form.is_otc.data, ndc=form.ndc.data,
                is_ndc_verified=form.is_ndc_verified.data, storage_min_c=form.storage_min_c.data,
                storage_max_c=form.storage_max_c.data, storage_note=form.storage_note.data or "",
                shelf_life_months=form.shelf_life_months.data, instructions_key=form.instructions_key.data)


@bp.route("/products")
@login_required
def products():
    """The product catalog (retired products listed last)."""
    return render_template("naloxone/products.html", products=services.all_products(), button_form=EmptyForm())


@bp.route("/products/new", methods=["GET", "POST"])
@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def product_edit(product_id: int | None = None):
    """Add or edit a catalog product."""
    product = db.session.get(Product, product_id) or abort(404) if product_id else None
    form = f.ProductForm(obj=product)
    if form.validate_on_submit():
        try:
            services.save_product(current_user, product, **_product_values(form))
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Product saved."), "success")
            return redirect(url_for("naloxone.products"))
    # ?gtin= fills the add-GTIN field, e.g. from a scan the catalog did not know.
    gtin_form = f.ProductGtinForm(prefix="gtin", formdata=None, data={"gtin": request.args.get("gtin", "")[:500]})
    return render_template("naloxone/product_form.html", form=form, product=product,
                           gtin_form=gtin_form, button_form=EmptyForm(),
                           gtins=services.product_gtins(product) if product else [])


@bp.route("/products/<int:product_id>/gtins", methods=["POST"])
@role_required("admin")
def product_gtin_add(product_id: int):
    """Add a carton GTIN to a product, so scans of that carton find it."""
    product = db.session.get(Product, product_id) or abort(404)
    form = f.ProductGtinForm(prefix="gtin")
    if form.validate_on_submit():
        try:
            row = services.add_product_gtin(current_user, product, form.gtin.data)
        except DomainError as error:
            db.session.rollback()
            flash(_("GTIN not added: %(reason)s", reason=error.message), "error")
        else:
            db.session.commit()
            flash(_("GTIN %(gtin)s added to %(product)s.", gtin=row.gtin, product=product.name), "success")
    else:
        flash(_("GTIN not added: scan the carton or type its GTIN."), "error")
    return redirect(url_for("naloxone.product_edit", product_id=product.id))


@bp.route("/products/gtins/new", methods=["GET", "POST"])
@role_required("admin")
def product_gtin_new():
    """Add a GTIN a scan did not find (?gtin= fills it in), choosing its product; then back to the
    page that scanned it (?next=), so the carton can be scanned again."""
    form = f.CatalogGtinForm()
    form.product.choices = select_choices([f.BLANK] + [(p.id, p.name) for p in services.active_products()])
    if request.method == "GET":
        form.gtin.data = request.args.get("gtin", "")[:500]
        form.next.data = request.args.get("next", "")
    back = form.next.data if is_safe_next(form.next.data) else None
    if form.validate_on_submit():
        product = db.session.get(Product, int(form.product.data))
        try:
            row = services.add_product_gtin(current_user, product, form.gtin.data)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("GTIN %(gtin)s added to %(product)s.", gtin=row.gtin, product=product.name), "success")
            return redirect(back or url_for("naloxone.product_edit", product_id=product.id))
    return render_template("naloxone/product_gtin_form.html", form=form, back=back)


@bp.route("/products/<int:product_id>/gtins/<int:gtin_id>/remove", methods=["POST"])
@role_required("admin")
def product_gtin_remove(product_id: int, gtin_id: int):
    """Take a mistyped or no longer bought GTIN off a product."""
    row = db.session.get(ProductGtin, gtin_id)
    if row is None or row.product_id != product_id:
        abort(404)
    if EmptyForm().validate_on_submit():
        services.remove_product_gtin(current_user, row)
        db.session.commit()
        flash(_("GTIN %(gtin)s removed.", gtin=row.gtin), "success")
    return redirect(url_for("naloxone.product_edit", product_id=product_id))


@bp.route("/products/<int:product_id>/retire", methods=["POST"])
@role_required("admin")
def product_retire(product_id: int):
    """Retire a product from new records (history keeps it), or bring it back."""
    product = db.session.get(Product, product_id) or abort(404)
    if EmptyForm().validate_on_submit():
        services.set_product_active(current_user, product, not product.is_active)
        db.session.commit()
        flash(_("Product retired.") if not product.is_active else _("Product restored."), "success")
    return redirect(url_for("naloxone.products"))


@bp.route("/funding", methods=["GET", "POST"])
@login_required
def funding():
    """Funding sources: who paid for each lot. Admins add them."""
    form = f.FundingSourceForm()
    if request.method == "POST":
        if current_user.role != "admin":
            abort(403)
        if form.validate_on_submit():
            try:
                services.create_funding_source(current_user, form.code.data, form.name.data, form.kind.data)
            except DomainError as error:
                db.session.rollback()
                apply_domain_error(form, error)
            else:
                db.session.commit()
                flash(_("Funding source added."), "success")
                return redirect(url_for("naloxone.funding"))
    return render_template("naloxone/funding.html", form=form, sources=services.all_funding_sources(),
                           button_form=EmptyForm())


@bp.route("/funding/<int:source_id>/retire", methods=["POST"])
@role_required("admin")
def funding_retire(source_id: int):
    """Retire a funding source from new lots (lots already received keep it), or bring it back."""
    source = db.session.get(FundingSource, source_id) or abort(404)
    if EmptyForm().validate_on_submit():
        services.set_funding_source_active(current_user, source, not source.is_active)
        db.session.commit()
        flash(_("Funding source retired.") if not source.is_active else _("Funding source restored."), "success")
    return redirect(url_for("naloxone.funding"))
