"""Training pages for staff (sessions, attendance, test grids, curriculum versions) and the
self-paced kiosk a learner uses on a locked-down device."""
from __future__ import annotations

import difflib
import uuid
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from reentry import audit
from reentry.auth import services as auth_services
from reentry.auth.access import refuse_unseen, role_required, shows_names
from reentry.auth.models import User
from reentry.auth.throttle import password_throttle
from reentry.errors import DomainError, NotFound, PermissionDenied
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.forms import EmptyForm, apply_domain_error, select_choices
from reentry.training import rendering, services
from reentry.training.forms import (
    AddAttendeeForm, AttendanceForm, HousingUnitForm, KioskStaffForm,
    KioskStartForm, ReopenForm, SearchForm, SessionForm, VoidForm, WalkInForm,
)
from reentry.training.kiosk_text import kiosk_text
from reentry.training.models import PHASES, TrainingSession
from reentry.web import parse_id

bp = Blueprint("training", __name__)

ALL_ROLES = ("admin", "manager", "staff", "auditor")
WRITER_ROLES = ("admin", "manager", "staff")
# The only pages a kiosk device may open; every other request is sent back to the course.
KIOSK_ENDPOINTS = frozenset({
    "training.kiosk", "training.kiosk_step", "training.kiosk_language", "training.kiosk_ping",
    "training.kiosk_lock", "training.kiosk_unlock", "training.kiosk_exit", "static", "web.healthz",
})
KIOSK_COOKIE_KEY = "kiosk"
# Grid cells: what a trainer may type for each answer (English and Spanish initials).
GRID_KEYS = {"t": "true", "v": "true", "c": "true", "f": "false", "d": "dont_know", "n": "dont_know",
             "?": "dont_know"}
GRID_SHOW = {"true": "T", "false": "F", "dont_know": "?"}


def _int_or_404(value) -> int:
    number = parse_id(value)
    if number is None:
        abort(404)  # not a number, or beyond any id: no such record
    return number


def _session_or_404(session_id: int):
    try:
        return services.get_session(current_user, session_id)
    except NotFound:
        probed = db.session.get(TrainingSession, session_id)
        if probed is not None:  # exists, in a facility this person does not work in
            refuse_unseen(current_user, "training_sessions", session_id, probed.facility_id)
        abort(404)


def _attendee_or_404(session_id: int, attendee_id: int):
    training_session = _session_or_404(session_id)
    try:
        return training_session, services.get_attendee(training_session, attendee_id)
    except NotFound:
        abort(404)


def _configured_rule() -> dict:
    return services.completion_rule_from_config(current_app.config.get("REENTRY_TRAINING_COMPLETION_RULE"))


def _visible_facilities() -> list[Facility]:
    from reentry.facilities.services import visible_facilities

    return list(visible_facilities(current_user))


# ---------------------------------------------------------------- kiosk lock-down

@bp.before_app_request
def keep_kiosk_devices_in_the_course():
    """A device in kiosk mode reaches only kiosk pages, whatever URL is typed."""
    if session.get(KIOSK_COOKIE_KEY) and request.endpoint not in KIOSK_ENDPOINTS:
        return redirect(url_for("training.kiosk"))
    return None


# ---------------------------------------------------------------- sessions

@bp.route("/training/")
@role_required(*ALL_ROLES)
def index():
    """Upcoming and past sessions at the person's facilities."""
    upcoming = list(db.session.scalars(services.visible_sessions(current_user, upcoming=True).limit(100)))
    past = list(db.session.scalars(services.visible_sessions(current_user, upcoming=False).limit(100)))
    return render_template("training/index.html", upcoming=upcoming, past=past, empty_form=EmptyForm())


def _session_form() -> SessionForm:
    form = SessionForm()
    form.facility.choices = select_choices((f.id, f"{f.code}: {f.name}") for f in _visible_facilities())
    form.curriculum_version.choices = select_choices(
        (v.id, f"{v.title_en} {v.version}") for v in services.current_versions())
    form.trainers.choices = select_choices((u.id, u.name or u.email) for u in services.trainer_candidates(current_user))
    return form


@bp.route("/training/new", methods=["GET", "POST"])
@role_required(*WRITER_ROLES)
def create():
    """Schedule a session. A double submit finds the first session instead of adding a second."""
    form = _session_form()
    if request.method == "GET":
        form.request_token.data = str(uuid.uuid4())
        form.trainers.data = [str(current_user.id)]
    if form.validate_on_submit():
        existing = services.existing_by_token(form.request_token.data)
        if existing is not None:
            return redirect(url_for("training.detail", session_id=existing.id))
        facility = db.session.get(Facility, int(form.facility.data))
        trainers = [db.session.get(User, int(i)) for i in form.trainers.data]
        starts_at = form.starts_at.data.replace(tzinfo=ZoneInfo(facility.timezone)).astimezone(UTC)
        try:
            created = services.create_training_session(
                current_user, facility, starts_at=starts_at, format=form.format.data,
                language=form.language.data,
                curriculum_version=services.get_version(int(form.curriculum_version.data)),
                location=form.location.data or "", trainers=trainers,
                rule=_configured_rule(),
                request_token=form.request_token.data or None,
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Session created."), "success")
            return redirect(url_for("training.detail", session_id=created.id))
    return render_template("training/create.html", form=form)


def _local_time(training_session):
    return training_session.starts_at.astimezone(ZoneInfo(training_session.facility.timezone)).replace(tzinfo=None)


@bp.route("/training/<int:session_id>/edit", methods=["GET", "POST"])
@role_required(*WRITER_ROLES)
def edit(session_id: int):
    """Reschedule or correct an open session (the facility stays; changes are audited)."""
    training_session = _session_or_404(session_id)
    form = _session_form()
    del form.request_token
    form.facility.choices = select_choices([(training_session.facility_id, training_session.facility.code)])
    form.submit.label.text = _("Save changes")
    if request.method == "GET":
        form.facility.data = str(training_session.facility_id)
        form.starts_at.data = _local_time(training_session)
        form.format.data, form.language.data = training_session.format, training_session.language
        form.curriculum_version.data = str(training_session.curriculum_version_id)
        form.location.data = training_session.location
        form.trainers.data = [str(t.id) for t in training_session.trainers]
    if form.validate_on_submit():
        zone = ZoneInfo(training_session.facility.timezone)
        try:
            services.update_training_session(
                current_user, training_session,
                starts_at=form.starts_at.data.replace(tzinfo=zone).astimezone(UTC), format=form.format.data,
                language=form.language.data,
                curriculum_version=services.get_version(int(form.curriculum_version.data)),
                location=form.location.data or "",
                trainers=[db.session.get(User, int(i)) for i in form.trainers.data])
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Session updated."), "success")
            return redirect(url_for("training.detail", session_id=session_id))
    return render_template("training/edit.html", form=form, training_session=training_session)


def _detail_context(training_session, **forms) -> dict:
    doc = services.document(training_session.curriculum_version)
    attendees = training_session.attendees
    context = {
        "training_session": training_session,
        "doc": doc,
        "rules": services.completion_rules(training_session),
        "unmet": {a.id: services.unmet_requirements(training_session, a) for a in attendees},
        "gain": services.knowledge_gain(training_session, training_session.language),
        "attendance_forms": {a.id: forms.get("attendance_forms", {}).get(a.id) or AttendanceForm(
            prefix=f"a{a.id}", obj=a, attendance=a.attendance or "") for a in attendees},
        "search_form": forms.get("search_form") or SearchForm(request.args, meta={"csrf": False}),
        "results": forms.get("results", []),
        "unit_form": forms.get("unit_form") or _unit_form(training_session),
        "walk_in_form": forms.get("walk_in_form") or WalkInForm(),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "void_form": forms.get("void_form") or VoidForm(prefix="void"),
        "empty_form": EmptyForm(),
        "add_form": AddAttendeeForm(),
        "can_reopen": current_user.role in services.MANAGER_ROLES,
    }
    return context


def _unit_form(training_session) -> HousingUnitForm:
    form = HousingUnitForm()
    form.unit.choices = select_choices((u, u) for u in services.housing_units(training_session.facility_id))
    return form


@bp.route("/training/<int:session_id>")
@role_required(*ALL_ROLES)
@shows_names("work")
def detail(session_id: int):
    """A session: attendees, completion rule, teach-back, knowledge gain; search to add people."""
    training_session = _session_or_404(session_id)
    search_form = SearchForm(request.args, meta={"csrf": False})
    results = []
    if request.args.get("q") and search_form.validate():
        results = services.search_participants(current_user, training_session.facility, search_form.q.data)
    # Who is on a training list is health information (it implies substance use): every view is audited.
    audit.record(current_user, "training.session.view", "training_sessions", training_session.id,
                 facility_id=training_session.facility_id)
    db.session.commit()
    return render_template("training/detail.html",
                           **_detail_context(training_session, search_form=search_form, results=results))


def _detail_with_error(training_session, form_key: str, form, error: DomainError):
    apply_domain_error(form, error)
    db.session.rollback()
    return render_template("training/detail.html", **_detail_context(training_session, **{form_key: form})), 422


@bp.route("/training/<int:session_id>/attendees", methods=["POST"])
@role_required(*WRITER_ROLES)
def add_attendee(session_id: int):
    """Add a participant found by search."""
    training_session = _session_or_404(session_id)
    form = AddAttendeeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.add_attendee(current_user, training_session, _int_or_404(form.participant_id.data))
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("training.detail", session_id=session_id))
    db.session.commit()
    flash(_("Attendee added."), "success")
    return redirect(url_for("training.detail", session_id=session_id) + "#attendees")


@bp.route("/training/<int:session_id>/unit", methods=["POST"])
@role_required(*WRITER_ROLES)
def add_unit(session_id: int):
    """Add everyone now housed in one unit."""
    training_session = _session_or_404(session_id)
    form = _unit_form(training_session)
    if form.validate_on_submit():
        try:
            added = services.add_housing_unit(current_user, training_session, form.unit.data)
        except DomainError as error:
            return _detail_with_error(training_session, "unit_form", form, error)
        db.session.commit()
        flash(_("%(count)d attendees added.", count=added), "success")
        return redirect(url_for("training.detail", session_id=session_id) + "#attendees")
    return render_template("training/detail.html", **_detail_context(training_session, unit_form=form)), 422


@bp.route("/training/<int:session_id>/walk-in", methods=["POST"])
@role_required(*WRITER_ROLES)
def add_walk_in(session_id: int):
    """Add a walk-in who has no record here."""
    training_session = _session_or_404(session_id)
    form = WalkInForm()
    if form.validate_on_submit():
        try:
            services.add_walk_in(current_user, training_session, form.label.data)
        except DomainError as error:
            return _detail_with_error(training_session, "walk_in_form", form, error)
        db.session.commit()
        flash(_("Walk-in added."), "success")
        return redirect(url_for("training.detail", session_id=session_id) + "#attendees")
    return render_template("training/detail.html", **_detail_context(training_session, walk_in_form=form)), 422


@bp.route("/training/<int:session_id>/attendees/<int:attendee_id>", methods=["POST"])
@role_required(*WRITER_ROLES)
def edit_attendee(session_id: int, attendee_id: int):
    """Attendance and teach-back for one attendee."""
    training_session, attendee = _attendee_or_404(session_id, attendee_id)
    form = AttendanceForm(prefix=f"a{attendee.id}")
    if form.validate_on_submit():
        try:
            services.record_attendance(
                current_user, attendee, attendance=form.attendance.data or None,
                teach_back_signs=form.teach_back_signs.data, teach_back_steps=form.teach_back_steps.data,
                teach_back_device=form.teach_back_device.data)
        except DomainError as error:
            flash(error.message, "error")
            db.session.rollback()
            return redirect(url_for("training.detail", session_id=session_id))
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("training.detail", session_id=session_id) + f"#attendee-{attendee.id}")
    abort(400)


def _grid_values(training_session, items) -> dict:
    values = {}
    for attendee in training_session.attendees:
        for answer in attendee.answers:
            values[(attendee.id, answer.phase, answer.item_key)] = GRID_SHOW[answer.answer]
    return values


@bp.route("/training/<int:session_id>/grid/<phase>", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
@shows_names("work")
def grid(session_id: int, phase: str):
    """The pre- or post-test for everyone: one row per attendee, one column per item."""
    if phase not in PHASES:
        abort(404)
    training_session = _session_or_404(session_id)
    items = services.document(training_session.curriculum_version)["items"]
    form = EmptyForm()
    errors: list[str] = []
    submitted = {}
    if request.method == "POST":
        if current_user.role not in WRITER_ROLES:
            abort(403)
        if not form.validate_on_submit():
            abort(400)
        parsed: dict[int, dict[str, str | None]] = {}
        for row, attendee in enumerate(training_session.attendees, start=1):
            parsed[attendee.id] = {}
            for column, item in enumerate(items, start=1):
                raw = request.form.get(f"cell-{attendee.id}-{item['id']}", "").strip().lower()
                submitted[(attendee.id, phase, item["id"])] = raw.upper()
                if not raw:
                    parsed[attendee.id][item["id"]] = None
                elif raw[:1] in GRID_KEYS and len(raw) == 1:
                    parsed[attendee.id][item["id"]] = GRID_KEYS[raw]
                else:
                    errors.append(_("Row %(row)d, item %(column)d: type T, F or ? (not \"%(value)s\").",
                                    row=row, column=column, value=raw[:10]))
        if not errors:
            try:
                changed = services.record_grid(current_user, training_session, phase, parsed,
                                               request.form.get("reason", "")[:500])
            except DomainError as error:
                errors.append(error.message)
                db.session.rollback()
            else:
                db.session.commit()
                flash(_("%(count)d answers saved.", count=changed), "success")
                return redirect(url_for("training.detail", session_id=session_id) + "#gain")
    values = _grid_values(training_session, items)
    values.update(submitted)
    if request.method == "GET":
        audit.record(current_user, "training.grid.view", "training_sessions", training_session.id,
                     facility_id=training_session.facility_id, changes={"phase": phase})
        db.session.commit()
    return render_template("training/grid.html", training_session=training_session, phase=phase, items=items,
                           values=values, form=form, errors=errors,
                           read_only=training_session.is_completed or current_user.role not in WRITER_ROLES), \
        422 if errors else 200


@bp.route("/training/<int:session_id>/attendees/<int:attendee_id>/void", methods=["POST"])
@role_required(*WRITER_ROLES)
def void_attendee(session_id: int, attendee_id: int):
    """Take someone added in error off the list (kept, with the reason)."""
    training_session, attendee = _attendee_or_404(session_id, attendee_id)
    form = VoidForm(prefix=f"v{attendee.id}")
    if form.validate_on_submit():
        try:
            services.void_attendee(current_user, attendee, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("training.detail", session_id=session_id))
        db.session.commit()
        flash(_("Taken off the list."), "success")
        return redirect(url_for("training.detail", session_id=session_id) + "#attendees")
    flash(_("Give a reason to take someone off the list."), "error")
    return redirect(url_for("training.detail", session_id=session_id) + f"#attendee-{attendee.id}")


def _manager_action(session_id: int, form, form_key: str, action, message: str, after: str):
    """Void or reopen: a manager's change with a reason, shown as a form error if refused."""
    training_session = _session_or_404(session_id)
    if form.validate_on_submit():
        try:
            action(current_user, training_session, form.reason.data)
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            return _detail_with_error(training_session, form_key, form, error)
        db.session.commit()
        flash(message, "success")
        return redirect(url_for(after, session_id=session_id) if after == "training.detail" else url_for(after))
    return render_template("training/detail.html", **_detail_context(training_session, **{form_key: form})), 422


@bp.route("/training/<int:session_id>/void", methods=["POST"])
@role_required("manager", "admin")
def void(session_id: int):
    """A manager voids a session entered in error."""
    return _manager_action(session_id, VoidForm(prefix="void"), "void_form", services.void_session,
                           _("Session voided."), "training.index")


@bp.route("/training/<int:session_id>/reopen", methods=["POST"])
@role_required("manager", "admin")
def reopen(session_id: int):
    """A manager reopens a completed session to correct it (the reason is audited)."""
    return _manager_action(session_id, ReopenForm(), "reopen_form", services.reopen_session,
                           _("Session reopened."), "training.detail")


@bp.route("/training/<int:session_id>/complete", methods=["POST"])
@role_required(*WRITER_ROLES)
def complete(session_id: int):
    """Close the session and apply its completion rule to every attendee."""
    training_session = _session_or_404(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        count = services.complete_session(current_user, training_session)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("training.detail", session_id=session_id))
    db.session.commit()
    flash(_("Session completed: %(count)d of %(total)d attendees met the rule.", count=count,
            total=len(training_session.attendees)), "success")
    return redirect(url_for("training.detail", session_id=session_id))


# ---------------------------------------------------------------- curriculum versions

@bp.route("/training/curricula/")
@role_required(*ALL_ROLES)
def curricula():
    """Imported curriculum versions; pick two to compare."""
    return render_template("training/curricula.html", versions=services.curriculum_versions())


@bp.route("/training/curricula/<int:version_id>")
@role_required(*ALL_ROLES)
def curriculum(version_id: int):
    """One version's modules with facilitator notes, and its test bank (for trainers)."""
    try:
        version = services.get_version(version_id)
    except NotFound:
        abort(404)
    doc = services.document(version)
    language = request.args.get("lang", "en") if request.args.get("lang") in ("en", "es") else "en"
    modules = [{"slug": m["slug"], "title": m[language]["title"], "minutes": m[language]["minutes"],
                "objectives": m[language]["objectives"], "html": rendering.module_html(m[language]["body"], doc),
                "notes": m["notes"]} for m in doc["modules"]]
    return render_template("training/curriculum.html", version=version, doc=doc, modules=modules,
                           language=language, strip=rendering.strip_markers)


def _side_by_side(left: str, right: str) -> list[tuple[str, str, str]]:
    """Lines of two texts aligned for a two-column view: (kind, left line, right line)."""
    rows = []
    a, b = left.splitlines(), right.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        span = max(i2 - i1, j2 - j1)
        for k in range(span):
            rows.append((tag, a[i1 + k] if i1 + k < i2 else "", b[j1 + k] if j1 + k < j2 else ""))
    return rows


def _version_text(doc: dict, language: str) -> dict[str, str]:
    texts = {f"module {m['slug']}": f"# {m[language]['title']}\n{m[language]['body']}" for m in doc["modules"]}
    texts["test items"] = "\n".join(f"{i['id']} ({'true' if i['answer'] else 'false'}): {i[language]['text']}"
                                    for i in doc["items"])
    return texts


@bp.route("/training/curricula/compare")
@role_required("admin", "manager", "auditor")
def compare():
    """Two versions side by side, section by section, with changed lines marked."""
    versions = services.curriculum_versions()
    try:
        left = services.get_version(_int_or_404(request.args.get("a")))
        right = services.get_version(_int_or_404(request.args.get("b")))
    except NotFound:
        abort(404)
    language = "es" if request.args.get("lang") == "es" else "en"
    a_texts, b_texts = _version_text(services.document(left), language), _version_text(services.document(right), language)
    sections = []
    for name in list(dict.fromkeys([*a_texts, *b_texts])):
        rows = _side_by_side(a_texts.get(name, ""), b_texts.get(name, ""))
        sections.append({"name": name, "rows": rows, "changed": any(r[0] != "equal" for r in rows)})
    return render_template("training/compare.html", left=left, right=right, sections=sections,
                           versions=versions, language=language)


# ---------------------------------------------------------------- kiosk: staff side

def _kiosk_start_form() -> KioskStartForm:
    form = KioskStartForm()
    form.facility.choices = select_choices((f.id, f"{f.code}: {f.name}") for f in _visible_facilities())
    form.curriculum_version.choices = select_choices(
        (v.id, f"{v.title_en} {v.version}") for v in services.current_versions())
    return form


@bp.route("/training/kiosk/start", methods=["GET", "POST"])
@role_required(*WRITER_ROLES)
def kiosk_start():
    """Turn this browser into a kiosk for one learner: the staff login here ends, and the device
    gets a token that opens only the course."""
    form = _kiosk_start_form()
    if form.validate_on_submit():
        facility = db.session.get(Facility, int(form.facility.data))
        try:
            participant_id = None
            if (form.booking_id.data or "").strip():
                participant_id = services.find_episode_by_booking(
                    current_user, facility, form.booking_id.data).participant_id
            _kiosk, token = services.start_kiosk(
                current_user, facility, services.get_version(int(form.curriculum_version.data)),
                participant_id=participant_id, language=form.language.data, pin=form.pin.data,
                rule=_configured_rule())
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            auth_services.end_session(session.get("sid"), reason="kiosk")
            db.session.commit()
            logout_user()
            session.clear()
            session[KIOSK_COOKIE_KEY] = token
            session.permanent = False  # gone when the browser closes
            return redirect(url_for("training.kiosk"))
    return render_template("training/kiosk_start.html", form=form)


# ---------------------------------------------------------------- kiosk: learner side

def _current_kiosk():
    kiosk = services.kiosk_by_token(session.get(KIOSK_COOKIE_KEY))
    if kiosk is None:
        session.pop(KIOSK_COOKIE_KEY, None)
        abort(403)
    return kiosk


def _idle() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("REENTRY_KIOSK_IDLE_SECONDS", 300)))


def _kiosk_render(kiosk, template: str, status: int = 200, **context):
    doc = services.document(kiosk.attendee.session.curriculum_version)
    with force_locale(kiosk.language):
        html = render_template(
            f"training/kiosk/{template}", kiosk=kiosk, doc=doc, t=kiosk_text(kiosk.language),
            lang=kiosk.language, idle_seconds=int(_idle().total_seconds()), steps=services.kiosk_steps(kiosk),
            csrf_form=EmptyForm(), **context)
    return html, status


def _is_locked(kiosk) -> bool:
    return kiosk.locked_at is not None or services.kiosk_is_idle(kiosk, _idle())


@bp.route("/kiosk/")
def kiosk():
    """Where the learner is now (or the lock screen)."""
    kiosk = _current_kiosk()
    if _is_locked(kiosk):
        return _kiosk_render(kiosk, "locked.html", form=KioskStaffForm())
    return redirect(url_for("training.kiosk_step", step=kiosk.step))


def _test_context(kiosk, phase: str, errors=None, answers=None):
    doc = services.document(kiosk.attendee.session.curriculum_version)
    return {"phase": phase, "items": doc["items"], "errors": errors or [], "answers": answers or {},
            "strip": rendering.strip_markers}


def _module_context(kiosk, number: int) -> dict:
    doc = services.document(kiosk.attendee.session.curriculum_version)
    module = doc["modules"][number - 1][kiosk.language]
    return {"number": number, "total": len(doc["modules"]), "module": module,
            "html": rendering.module_html(module["body"], doc),
            "sources": rendering.cited_sources(module["body"], doc, kiosk.language)}


def _results_context(kiosk) -> dict:
    doc = services.document(kiosk.attendee.session.curriculum_version)
    answers = {(a.phase, a.item_key): a for a in kiosk.attendee.answers}
    rows = [{"item": i, "post": answers.get(("post", i["id"])), "pre": answers.get(("pre", i["id"]))}
            for i in doc["items"]]
    return {"rows": rows, "pre_right": sum(bool(r["pre"] and r["pre"].is_correct) for r in rows),
            "post_right": sum(bool(r["post"] and r["post"].is_correct) for r in rows), "total": len(rows),
            "strip": rendering.strip_markers}


@bp.route("/kiosk/<step>", methods=["GET", "POST"])
def kiosk_step(step: str):
    """One screen of the course: a test, a module, the results, feedback or the end."""
    kiosk = _current_kiosk()
    if _is_locked(kiosk):
        if request.method == "POST" and kiosk.locked_at is None:
            services.lock_kiosk(kiosk)
            db.session.commit()
        return redirect(url_for("training.kiosk"))
    steps = services.kiosk_steps(kiosk)
    if step not in steps:
        abort(404)
    if steps.index(step) > steps.index(kiosk.step) or (step in PHASES and step != kiosk.step):
        # No skipping ahead, and a test once answered is not shown again.
        return redirect(url_for("training.kiosk_step", step=kiosk.step))
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        try:
            if step in PHASES:
                answers = {i["id"]: request.form.get(f"item-{i['id']}") for i in _test_context(kiosk, step)["items"]}
                services.kiosk_answer_test(kiosk, step, answers)
            elif step == "feedback":
                skip = "skip" in request.form
                services.record_feedback(
                    kiosk, clarity="" if skip else request.form.get("clarity", ""),
                    confidence="" if skip else request.form.get("confidence", ""),
                    comment="" if skip else request.form.get("comment", ""))
            else:
                services.advance_kiosk(kiosk, request.form.get("go", ""))
        except DomainError as error:
            db.session.rollback()
            if step in PHASES:
                return _kiosk_render(kiosk, "test.html", 422,
                                     **_test_context(kiosk, step, [kiosk_text(kiosk.language)["required"]],
                                                     {k: v for k, v in request.form.items()}))
            flash(error.message, "error")
            return redirect(url_for("training.kiosk_step", step=kiosk.step))
        db.session.commit()
        return redirect(url_for("training.kiosk_step", step=kiosk.step))
    if step in PHASES:
        return _kiosk_render(kiosk, "test.html", **_test_context(kiosk, step, answers=services.kiosk_draft(kiosk)))
    if step.startswith("module:"):
        return _kiosk_render(kiosk, "module.html", **_module_context(kiosk, int(step.split(":")[1])))
    if step == "results":
        return _kiosk_render(kiosk, "results.html", **_results_context(kiosk))
    if step == "feedback":
        return _kiosk_render(kiosk, "feedback.html")
    return _kiosk_render(kiosk, "done.html")


def _draft_answers() -> dict[str, str]:
    """Test answers the page sent along with a lock or a language switch."""
    return {key.removeprefix("item-"): value for key, value in request.form.items() if key.startswith("item-")}


@bp.route("/kiosk/language", methods=["POST"])
def kiosk_language():
    """Switch between English and Spanish; the learner stays on the same screen."""
    kiosk = _current_kiosk()
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not _is_locked(kiosk):
        services.save_kiosk_draft(kiosk, _draft_answers())
        kiosk.language = "es" if kiosk.language == "en" else "en"
        services.touch_kiosk(kiosk)
        db.session.commit()
    return redirect(url_for("training.kiosk"))


@bp.route("/kiosk/ping", methods=["POST"])
def kiosk_ping():
    """The page reports that the learner is active (reading counts), so the server agrees."""
    kiosk = _current_kiosk()
    if not EmptyForm().validate_on_submit():
        abort(400)
    if _is_locked(kiosk):
        return {"locked": True}, 409
    services.touch_kiosk(kiosk)
    db.session.commit()
    return {"locked": False}


@bp.route("/kiosk/lock", methods=["POST"])
def kiosk_lock():
    """Lock after idle time (the page's timer posts here). Finished steps are already saved; on a
    test page the answers chosen so far come with the request and are kept as a draft."""
    kiosk = _current_kiosk()
    if not EmptyForm().validate_on_submit():
        abort(400)
    if kiosk.locked_at is None:
        services.save_kiosk_draft(kiosk, _draft_answers())
    services.lock_kiosk(kiosk)
    db.session.commit()
    return redirect(url_for("training.kiosk"))


def _staff_check(kiosk, form: KioskStaffForm) -> dict:
    """The staff proof from the form: a PIN, or an email, password and (with two-step sign-in) code,
    checked without signing anyone in on this device."""
    if form.email.data:
        user = services.kiosk_staff_login(kiosk, form.email.data, form.password.data or "", form.code.data or "")
        return {"user": user}
    return {"pin": form.pin.data or ""}


@bp.route("/kiosk/unlock", methods=["POST"])
# Staff passwords tried here count in the sign-in counter (per email and address); wrong PINs
# have their own small limit (services.MAX_PIN_ATTEMPTS) and never lock staff out.
@password_throttle
def kiosk_unlock():
    """Staff unlock the screen so the learner can go on, or end the kiosk."""
    kiosk = _current_kiosk()
    form = KioskStaffForm()
    if not form.validate_on_submit():
        abort(400)
    ending = form.action.data == "end"
    try:
        proof = _staff_check(kiosk, form)
        if ending:
            services.end_kiosk(kiosk, **proof)
        else:
            services.unlock_kiosk(kiosk, **proof)
    except services.KioskLoginRefused:
        g.login_failed = True
        db.session.commit()  # keep the audit row of the failed attempt
        form.email.errors = [kiosk_text(kiosk.language)["staff_login_wrong"]]  # one answer for every reason
        return _kiosk_render(kiosk, "locked.html", 422, form=form)
    except DomainError as error:
        db.session.commit()  # wrong PINs count, and are audited
        apply_domain_error(form, error)
        return _kiosk_render(kiosk, "locked.html", 422, form=form)
    db.session.commit()
    if ending:
        session.clear()
        flash(_("The kiosk session has ended."), "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("training.kiosk"))


@bp.route("/kiosk/exit", methods=["GET"])
def kiosk_exit():
    """The staff-only screen to leave the kiosk (asks for the PIN or a login)."""
    kiosk = _current_kiosk()
    form = KioskStaffForm()
    form.action.data = "end"
    return _kiosk_render(kiosk, "locked.html", form=form, exiting=True)
