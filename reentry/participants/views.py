"""Participant pages: the registry, the record, edit and void, screenings, and the roster import."""
from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from reentry import audit
from reentry.auth.access import refuse_unseen, role_required, shows_names, visible_facility_ids
from reentry.csvutil import csv_response
from reentry.database import reads_first, take_write_lock
from reentry.documents.forms import PrintPacketForm
from reentry.documents.governance import unapproved_version
from reentry.errors import Conflict, DomainError, NotFound
from reentry.extensions import db
from reentry.facilities.services import facility_zone, visible_facilities
from reentry.forms import apply_domain_error, select_choices
from reentry.participants import roster, services
from reentry.participants.forms import (
    MappingForm, ParticipantFilterForm, ParticipantForm, RosterConfirmForm, RosterUploadForm, ScreeningForm,
    VoidForm,
)
from reentry.participants.models import Participant, RosterMapping
from reentry.participants.risk import CITATIONS
from reentry.web import MAX_PAGE, parse_id, query_int

bp = Blueprint("participants", __name__, url_prefix="/participants")

PAGE_SIZE = 50
ALL_ROLES = ("admin", "manager", "staff", "auditor")
WRITE_ROLES = ("admin", "manager", "staff")
EXPORT_COLUMNS = ["participant_id", "last_name", "first_name", "middle_name", "date_of_birth", "facility",
                  "booking_id", "housing_unit", "custody_start", "expected_release_date", "release_date"]


def _participant_or_404(participant_id: int):
    try:
        return services.get_visible_participant(current_user, participant_id)
    except NotFound:
        if db.session.get(Participant, participant_id) is not None:
            refuse_unseen(current_user, "participants", participant_id)  # audited probe
        abort(404)


def _filters() -> tuple[ParticipantFilterForm, services.ParticipantFilter]:
    form = ParticipantFilterForm(request.args)
    facilities = visible_facilities(current_user)
    form.facility.choices = select_choices([("", _("All my facilities"))] + [(f.id, f.code) for f in facilities])
    facility = form.facility.data or ""
    facility_id = parse_id(facility)
    form.housing_unit.choices = select_choices(
        [("", _("All units"))] + [(u, u) for u in services.housing_units(current_user, facility_id)])
    form.validate()
    criteria = services.ParticipantFilter(
        query=(form.q.data or "").strip()[:200],
        facility_id=facility_id,
        housing_unit=form.housing_unit.data or "",
        release_from=form.release_from.data if not form.release_from.errors else None,
        release_to=form.release_to.data if not form.release_to.errors else None,
        include_voided=current_user.role in ("admin", "auditor") and request.args.get("voided") == "1",
    )
    return form, criteria


@bp.route("/")
@role_required(*ALL_ROLES)
@shows_names("work")
def index():
    """The registry: search by name, booking number or date of birth; filter; page through."""
    form, criteria = _filters()
    page = max(query_int("page", 1, maximum=MAX_PAGE), 1)
    participants, total = services.page_of(services.search_participants(current_user, criteria), page, PAGE_SIZE)
    rows = [(p, services.current_episode(services.visible_episodes(current_user, p))) for p in participants]
    services.view_participant_list(current_user, criteria, page, participants)
    # Render first: committing expires every loaded row, and reloading 50 people costs a query each.
    body = render_template("participants/index.html", form=form, rows=rows, page=page, total=total,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1))
    db.session.commit()
    return body


@bp.route("/export.csv")
@shows_names("bulk")
def export():
    """The filtered registry as CSV (cells that look like formulas are escaped). Audited."""
    _, criteria = _filters()
    audit.record(current_user, "participant.export", "participants", None,
                 changes={"filter": {k: v for k, v in vars(criteria).items() if v}})
    db.session.commit()
    stmt = services.search_participants(current_user, criteria)
    return csv_response("participants.csv", EXPORT_COLUMNS, services.export_rows(current_user, stmt))


@bp.route("/<int:participant_id>")
@role_required(*ALL_ROLES)
@shows_names("work")
def detail(participant_id: int):
    """One person's record: details, custody episodes, latest screening and its flags. Audited."""
    participant = _participant_or_404(participant_id)
    episodes = services.visible_episodes(current_user, participant)
    episode = services.current_episode(episodes)
    # Only what was recorded at the viewer's facilities: the person may have been elsewhere too.
    seen = visible_facility_ids(current_user)
    screening = services.latest_screening(participant.id, facility_ids=seen)
    assessment = services.assess_episode(participant, episode, facility_ids=seen)
    services.view_participant(current_user, participant)
    db.session.commit()
    return render_template("participants/detail.html", participant=participant, episodes=episodes,
                           screening=screening, assessment=assessment, citations=CITATIONS,
                           screenings=services.screening_history(participant.id, facility_ids=seen),
                           lang="es" if str(get_locale() or "en").startswith("es") else "en",
                           person_lang=participant.preferred_language,
                           content_unapproved=unapproved_version(),
                           packet_form=PrintPacketForm(
                               lang=participant.preferred_language,
                               personal_flags=bool(screening and screening.wants_personal_flags_printed)))


def _person_values(form: ParticipantForm) -> dict:
    return {name: (getattr(form, name).data or ("" if name != "date_of_birth" else None))
            for name in services.PERSON_FIELDS}


@bp.route("/<int:participant_id>/edit", methods=["GET", "POST"])
@role_required(*WRITE_ROLES)
@shows_names("work")
def edit(participant_id: int):
    """Change a person's details; a form older than the record is refused, nothing overwritten."""
    participant = _participant_or_404(participant_id)
    if participant.is_voided:
        abort(404)
    form = ParticipantForm(obj=participant)
    status = 200
    if request.method == "GET":
        form.version.data = participant.version
        services.view_participant(current_user, participant, page="participants.edit")
        db.session.commit()
    elif form.validate_on_submit():
        try:
            services.update_participant(current_user, participant, form.version.data or 0, **_person_values(form))
        except Conflict as error:
            db.session.rollback()
            participant = _participant_or_404(participant_id)
            form.form_errors.append(error.message)
            status = 409
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("participants.detail", participant_id=participant.id))
    return render_template("participants/edit.html", form=form, participant=participant,
                           conflict=status == 409), status


@bp.route("/<int:participant_id>/void", methods=["GET", "POST"])
@role_required("admin", "manager")
@shows_names("work")
def void(participant_id: int):
    """Void a record entered in error (it stays, marked void, with the reason)."""
    participant = _participant_or_404(participant_id)
    form = VoidForm()
    if form.validate_on_submit():
        try:
            services.void_participant(current_user, participant, form.reason.data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The record is voided."), "success")
            return redirect(url_for("participants.detail", participant_id=participant.id))
    return render_template("participants/void.html", form=form, participant=participant)


@bp.route("/<int:participant_id>/screening", methods=["GET", "POST"])
@role_required(*WRITE_ROLES)
@shows_names("work")
def screening(participant_id: int):
    """The release risk screening form (every answer optional; a double submit saves once)."""
    participant = _participant_or_404(participant_id)
    if participant.is_voided:
        abort(404)
    form = ScreeningForm()
    if request.method == "GET":
        form.token.data = str(uuid.uuid4())
        form.screener_name.data = current_user.name
        form.screened_on.data = services.screening_today(
            participant, services.current_episode(services.visible_episodes(current_user, participant)))
        services.view_participant(current_user, participant, page="participants.screening")
        db.session.commit()
    elif form.validate_on_submit():
        token = form.token.data if _is_uuid(form.token.data) else None
        episode = services.current_episode(services.visible_episodes(current_user, participant))
        try:
            services.record_screening(current_user, participant, form.answers(), token=token, episode=episode)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Screening saved."), "success")
            return redirect(url_for("participants.detail", participant_id=participant.id) + "#flags")
    return render_template("participants/screening.html", form=form, participant=participant)


def _is_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(value or "")
    except ValueError:
        return False
    return True


# --- roster import ----------------------------------------------------------------------------

UPLOAD_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
UPLOAD_LIFETIME_SECONDS = 24 * 3600


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "roster-uploads"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def _upload_path(token: str, part: str) -> Path:
    # The user id is part of the name: nobody can confirm someone else's upload.
    return _upload_dir() / f"{current_user.id}-{token}.{part}"


def _save_upload(meta: dict, bookings: bytes, people: bytes | None) -> str:
    # Previews nobody confirmed hold personal data: drop them after a day.
    cutoff = time.time() - UPLOAD_LIFETIME_SECONDS
    for stale in _upload_dir().iterdir():
        if stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    _upload_path(token, "bookings").write_bytes(bookings)
    if people is not None:
        _upload_path(token, "people").write_bytes(people)
    _upload_path(token, "json").write_text(json.dumps(meta))
    return token


def _load_upload(token: str):
    if not UPLOAD_TOKEN.match(token or "") or not _upload_path(token, "json").exists():
        return None
    meta = json.loads(_upload_path(token, "json").read_text())
    people = _upload_path(token, "people")
    return meta, _upload_path(token, "bookings").read_bytes(), people.read_bytes() if people.exists() else None


def _drop_upload(token: str) -> None:
    for part in ("bookings", "people", "json"):
        _upload_path(token, part).unlink(missing_ok=True)


def _mapping_choices(facilities) -> list:
    rows = roster.saved_mappings([f.id for f in facilities])
    return [("", _("Standard columns"))] + [(m.name, f"{m.name} ({m.facility.code})") for m in rows] + \
        [(name, name) for name in roster.bundled_mapping_names()]


def _run_import(meta: dict, bookings: bytes, people: bytes | None, dry_run: bool):
    """Check the file(s) completely holding no lock, then (unless a dry run) take SQLite's write
    lock before reading what the import compares against (issue 14 point 1)."""
    facility = next((f for f in visible_facilities(current_user) if f.id == meta["facility_id"]), None)
    if facility is None:
        abort(404)
    mapping = roster.load_mapping(facility, meta.get("mapping") or None)
    # A several-facility export uploaded on one facility's page imports that facility's rows only.
    parsed = roster.parse_roster(bookings, mapping, facility_zone(facility), people=people).only(facility.code)
    if not dry_run:
        take_write_lock(db.session)
    return roster.import_roster(current_user, facility, parsed, snapshot=meta["snapshot"], force=meta["force"],
                                dry_run=dry_run, source=meta["filename"])


@bp.route("/import", methods=["GET", "POST"])
@reads_first  # a preview writes nothing: it never takes the write lock
@role_required(*WRITE_ROLES)
def import_roster():
    """Upload a roster; it is checked completely and previewed before anything is written."""
    form = RosterUploadForm()
    facilities = visible_facilities(current_user)
    form.facility.choices = select_choices([(f.id, f"{f.code}: {f.name}") for f in facilities])
    form.mapping.choices = select_choices(_mapping_choices(facilities))
    problems, more_problems, preview, confirm = [], 0, None, None
    if form.validate_on_submit():
        upload = request.files.get(form.bookings.name)
        people_upload = request.files.get(form.people.name)
        if upload is None or not upload.filename:
            form.bookings.errors = [_("Choose the roster file.")]
        else:
            meta = {"facility_id": int(form.facility.data), "mapping": form.mapping.data or "",
                    "snapshot": form.snapshot.data, "force": form.force.data,
                    "filename": upload.filename[:200]}
            bookings = upload.read()
            people = people_upload.read() if people_upload and people_upload.filename else None
            try:
                preview = _run_import(meta, bookings, people, dry_run=True)
            except roster.RosterError as error:
                problems, more_problems = error.problems, error.more
                form.form_errors.append(error.message)
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                if preview.refusal:
                    form.force.errors = [preview.refusal]
                else:
                    confirm = RosterConfirmForm(upload=_save_upload(meta, bookings, people))
            db.session.rollback()
    return render_template("participants/import.html", form=form, problems=problems,
                           more_problems=more_problems, preview=preview, confirm=confirm)


@bp.route("/import/confirm", methods=["POST"])
@reads_first  # the file is checked again before the write lock is taken (_run_import)
@role_required(*WRITE_ROLES)
def import_confirm():
    """Import a previewed upload (checked again: all rows or none)."""
    form = RosterConfirmForm()
    loaded = _load_upload(form.upload.data) if form.validate_on_submit() else None
    if loaded is None:
        flash(_("That upload is no longer available. Upload the file again."), "error")
        return redirect(url_for("participants.import_roster"))
    meta, bookings, people = loaded
    try:
        result = _run_import(meta, bookings, people, dry_run=False)
    except DomainError as error:
        db.session.rollback()
        flash(_("Nothing was imported: %(message)s", message=error.message), "error")
        return redirect(url_for("participants.import_roster"))
    db.session.commit()
    _drop_upload(form.upload.data)
    flash(_("Roster imported: %(summary)s", summary=result.summary), "success")
    return redirect(url_for("participants.index"))


# --- mappings (admins) ------------------------------------------------------------------------

@bp.route("/mappings")
@role_required("admin")
def mappings():
    """The roster column mappings saved per facility."""
    return render_template("participants/mappings.html",
                           mappings=roster.saved_mappings(None), bundled=roster.bundled_mapping_names())


def _mapping_form(mapping: RosterMapping | None) -> MappingForm:
    form = MappingForm(obj=mapping)
    form.facility.choices = select_choices([(f.id, f.code) for f in visible_facilities(current_user)])
    if mapping is not None and request.method == "GET":
        form.facility.data = str(mapping.facility_id)
        form.version.data = mapping.version
    return form


@bp.route("/mappings/new", methods=["GET", "POST"])
@bp.route("/mappings/<int:mapping_id>", methods=["GET", "POST"])
@role_required("admin")
def mapping_edit(mapping_id: int | None = None):
    """Create or change a facility's roster mapping (checked before it is saved)."""
    mapping = db.session.get(RosterMapping, mapping_id) if mapping_id else None
    if mapping_id and mapping is None:
        abort(404)
    form = _mapping_form(mapping)
    if request.method == "GET" and mapping is None and request.args.get("from"):
        form.definition.data = roster.bundled_mapping_text(request.args["from"])
    if form.validate_on_submit():
        facility = next(f for f in visible_facilities(current_user) if str(f.id) == form.facility.data)
        try:
            if mapping is not None and mapping.facility_id != facility.id:
                raise DomainError("A mapping stays with its facility; create a new one instead.", field="facility")
            roster.save_mapping(current_user, facility, form.name.data, form.definition.data, mapping,
                                form.version.data or None)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Mapping saved."), "success")
            return redirect(url_for("participants.mappings"))
    return render_template("participants/mapping_edit.html", form=form, mapping=mapping)
