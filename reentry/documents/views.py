"""Public certificate check, certificate pages, and the admin pages for the resource directory,
hotlines and Good Samaritan laws."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from reentry import audit
from reentry.auth.access import can_see_facility, refuse_unseen, role_required, shows_names, visible_facility_ids
from reentry.csvutil import csv_response, decode_upload
from reentry.database import reads_first
from reentry.documents import governance, services
from reentry.documents.content import resource_type_labels
from reentry.documents.forms import (
    ContentApprovalForm,
    PrintPacketForm,
    HotlineForm,
    ImportForm,
    LawForm,
    ReasonForm,
    ResourceForm,
    VerifyLookupForm,
)
from reentry.documents.models import RESOURCE_TYPES, Certificate, Hotline, Resource
from reentry.documents.seed import LAW_FIELDS
from reentry.errors import DomainError, NotFound, PermissionDenied
from reentry.extensions import db, limiter
from reentry.forms import apply_domain_error
from reentry.participants.models import Participant
from reentry.web import content_disposition

bp = Blueprint("documents", __name__)

ALL_ROLES = ("admin", "manager", "staff", "auditor")


def _verify_limit() -> str:
    return current_app.config.get("REENTRY_VERIFY_LIMIT", "30 per minute")


def _noindex(response: Response) -> Response:
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/verify/")
@limiter.limit(_verify_limit)
def verify_lookup():
    """Type a certificate's code to check it (no sign-in needed)."""
    form = VerifyLookupForm(request.args)
    if request.args and form.validate():
        return redirect(url_for("documents.verify", code=form.code.data.strip()))
    return _noindex(Response(render_template("documents/verify_lookup.html", form=form)))


@bp.route("/verify/<code>")
@limiter.limit(_verify_limit)
def verify(code: str):
    """Whether a certificate is valid: initials, course and date only, never where or why."""
    result = services.verify_certificate(code[:64])
    status = 200 if result.status != "unknown" else 404
    return _noindex(Response(render_template("documents/verify.html", result=result), status=status))


# ---------------------------------------------------------------- certificates


def _certificate_or_404(certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    if certificate.facility_id is None:
        if visible_facility_ids(current_user) is not None:
            refuse_unseen(current_user, "certificates", certificate.id)
    elif not can_see_facility(current_user, certificate.facility_id):
        refuse_unseen(current_user, "certificates", certificate.id, certificate.facility_id)
    return certificate


@bp.route("/participants/<int:participant_id>/packet.pdf", methods=["POST"])
@role_required("admin", "manager", "staff")
@shows_names("work")
def participant_packet(participant_id: int):
    """One person's release packet as a PDF, from their record (the print is audited)."""
    from reentry.documents import packets
    from reentry.participants import services as participant_services

    try:
        participant = participant_services.get_visible_participant(current_user, participant_id)
    except NotFound:
        abort(404)
    form = PrintPacketForm()
    if not form.validate_on_submit():
        abort(400)
    episode = participant_services.current_episode(
        participant_services.visible_episodes(current_user, participant))
    packet = packets.packet_for(participant, episode, form.lang.data, personal=form.personal_flags.data,
                                facility_ids=visible_facility_ids(current_user))
    data = services.print_packets(current_user, [packet], facility_id=episode.facility_id if episode else None,
                                  large_print=form.large_print.data, lang=form.lang.data)
    db.session.commit()
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": content_disposition(f"release-packet-{participant.id}.pdf", inline=True)})


@bp.route("/certificates/<int:certificate_id>")
@role_required(*ALL_ROLES)
@shows_names("work")
def certificate_detail(certificate_id: int):
    """A certificate's status, with reprint, revoke and reissue."""
    certificate = _certificate_or_404(certificate_id)
    participant = db.session.get(Participant, certificate.participant_id)
    audit.record(current_user, "participant.view", "participants", participant.id,
                 facility_id=certificate.facility_id, changes={"via": "certificate"})
    db.session.commit()
    return render_template("documents/certificate_detail.html", certificate=certificate,
                           participant=participant, revoke_form=ReasonForm(prefix="revoke"),
                           reissue_form=ReasonForm(prefix="reissue"),
                           verify_url=services.verify_url(certificate.code))


@bp.route("/certificates/<int:certificate_id>.pdf")
@role_required(*ALL_ROLES)
@shows_names("work")
def certificate_pdf(certificate_id: int):
    """The certificate exactly as issued (the stored bytes; audited)."""
    certificate = _certificate_or_404(certificate_id)
    try:
        data = services.certificate_pdf(current_user, certificate)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("documents.certificate_detail", certificate_id=certificate.id))
    db.session.commit()
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": content_disposition(f"certificate-{certificate.id}.pdf", inline=True)})


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@role_required("admin", "manager")
def certificate_revoke(certificate_id: int):
    """Revoke a certificate, with a reason."""
    certificate = _certificate_or_404(certificate_id)
    form = ReasonForm(prefix="revoke")
    if form.validate_on_submit():
        try:
            services.revoke_certificate(current_user, certificate, form.reason.data)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The certificate is revoked."), "success")
    else:
        flash(_("Give a reason for revoking the certificate."), "error")
    return redirect(url_for("documents.certificate_detail", certificate_id=certificate.id))


@bp.route("/certificates/<int:certificate_id>/reissue", methods=["POST"])
@role_required("admin", "manager", "staff")
def certificate_reissue(certificate_id: int):
    """Issue a new certificate in place of this one (new code; the old one shows replaced)."""
    certificate = _certificate_or_404(certificate_id)
    form = ReasonForm(prefix="reissue")
    form.validate_on_submit()
    participant = db.session.get(Participant, certificate.participant_id)
    try:
        new = services.reissue_certificate(current_user, certificate, participant, form.reason.data or "")
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("documents.certificate_detail", certificate_id=certificate.id))
    db.session.commit()
    flash(_("A new certificate was issued."), "success")
    return redirect(url_for("documents.certificate_detail", certificate_id=new.id))


# ---------------------------------------------------------------- resource directory


@bp.route("/resources/")
@role_required("admin", "auditor")
def resource_index():
    """The directory, by state and county; entries not checked for a year are flagged."""
    state = (request.args.get("state") or "").strip().upper()[:2]
    county = (request.args.get("county") or "").strip()[:100]
    resources = services.directory(state, county)
    stale = {r.id for r in resources if services.is_stale(r.last_verified_on)}
    labels = {t: v["en"] for t, v in resource_type_labels().items()}
    return render_template("documents/resource_index.html", resources=resources, stale=stale,
                           state=state, county=county, labels=labels)


def _resource_values(form: ResourceForm) -> dict:
    return {field: getattr(form, field).data for field in services.RESOURCE_FIELDS}


@bp.route("/resources/new", methods=["GET", "POST"])
@role_required("admin")
def resource_create():
    """Add a place to the directory."""
    form = ResourceForm()
    if form.validate_on_submit():
        try:
            services.create_resource(current_user, **_resource_values(form))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Entry added."), "success")
            return redirect(url_for("documents.resource_index"))
    return render_template("documents/resource_create.html", form=form)


@bp.route("/resources/<int:resource_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def resource_edit(resource_id: int):
    """Change a directory entry, or remove it with a reason."""
    resource = db.session.get(Resource, resource_id) or abort(404)
    form = ResourceForm(obj=resource)
    if form.validate_on_submit():
        try:
            services.update_resource(current_user, resource, **_resource_values(form))
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("documents.resource_index"))
    return render_template("documents/resource_edit.html", form=form, resource=resource,
                           void_form=ReasonForm(prefix="void"))


@bp.route("/resources/<int:resource_id>/void", methods=["POST"])
@role_required("admin")
def resource_void(resource_id: int):
    """Remove an entry from the directory (kept for the record)."""
    resource = db.session.get(Resource, resource_id) or abort(404)
    form = ReasonForm(prefix="void")
    try:
        if not form.validate_on_submit():
            raise DomainError(_("Give a reason for removing this entry."))
        services.void_resource(current_user, resource, form.reason.data)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("documents.resource_edit", resource_id=resource.id))
    db.session.commit()
    flash(_("Entry removed."), "success")
    return redirect(url_for("documents.resource_index"))


@bp.route("/resources/export.csv")
@role_required("admin", "auditor")
def resource_export():
    """The whole directory as CSV (the same columns the import reads)."""
    return csv_response("resources.csv", services.RESOURCE_CSV_COLUMNS,
                        services.resource_csv_rows(services.directory()))


@bp.route("/resources/import", methods=["GET", "POST"])
@reads_first  # the file is checked before the write lock is taken (services.import_resources)
@role_required("admin")
def resource_import():
    """Add or update many entries from a CSV file, all or nothing."""
    form = ImportForm()
    errors: list[str] = []
    more_errors = 0
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            text = decode_upload(raw)
        except DomainError as error:
            form.file.errors = [*form.file.errors, error.message]
        else:
            try:
                added, updated = services.import_resources(current_user, text)
            except services.ImportRowsError as error:
                db.session.rollback()
                apply_domain_error(form, error)
                errors, more_errors = error.errors, error.more
            else:
                db.session.commit()
                flash(_("Imported: %(added)d added, %(updated)d updated.", added=added, updated=updated),
                      "success")
                return redirect(url_for("documents.resource_index"))
    return render_template("documents/resource_import.html", form=form, errors=errors, more_errors=more_errors,
                           columns=services.RESOURCE_CSV_COLUMNS, types=RESOURCE_TYPES)


# ---------------------------------------------------------------- hotlines and laws


@bp.route("/hotlines/")
@role_required("admin", "auditor")
def hotline_index():
    """Phone numbers printed on release materials; unverified ones do not print."""
    return render_template("documents/hotline_index.html", hotlines=services.hotlines(),
                           is_stale=services.is_stale)


@bp.route("/hotlines/<int:hotline_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def hotline_edit(hotline_id: int):
    """Edit a hotline, and mark it verified after calling it."""
    hotline = db.session.get(Hotline, hotline_id) or abort(404)
    form = HotlineForm(obj=hotline)
    if form.validate_on_submit():
        try:
            services.update_hotline(
                current_user, hotline, name_en=form.name_en.data, name_es=form.name_es.data,
                number=form.number.data, description_en=form.description_en.data,
                description_es=form.description_es.data, source=form.source.data,
                is_verified=form.is_verified.data, verified_on=form.verified_on.data,
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("documents.hotline_index"))
    return render_template("documents/hotline_edit.html", form=form, hotline=hotline)


@bp.route("/laws/")
@role_required("admin", "auditor")
def law_index():
    """Good Samaritan laws by state, with their source and as-of date."""
    return render_template("documents/law_index.html", laws=services.laws(), is_stale=services.is_stale)


@bp.route("/laws/<state_code>/edit", methods=["GET", "POST"])
@role_required("admin")
def law_edit(state_code: str):
    """Edit one state's row; the source and as-of date go with every change."""
    law = services.law_for_state(state_code) or abort(404)
    form = LawForm(obj=law)
    if form.validate_on_submit():
        try:
            services.update_law(
                current_user, law, source=form.source.data, as_of=form.as_of.data,
                is_verified=form.is_verified.data, effective_date=form.effective_date.data,
                notes=form.notes.data, conditions=form.conditions.data, exclusions=form.exclusions.data,
                statute=form.statute.data, test_strip_status=form.test_strip_status.data,
                test_strip_source=form.test_strip_source.data, test_strip_as_of=form.test_strip_as_of.data,
                **{f: getattr(form, f).data for f in LAW_FIELDS},
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("documents.law_index"))
    summary = services.law_summary(law, "en")
    return render_template("documents/law_edit.html", form=form, law=law, summary=summary)


# ---------------------------------------------------------------- content sign-off (issue 13)


def _content_page(form: ContentApprovalForm, status: int = 200):
    state = governance.current_content()
    last, changes = governance.changes_since_last_approval(state)
    if not form.is_submitted() or form.version.errors:
        form.version.data = state.version  # what the page shows is what a new submit approves
    return render_template("documents/content_index.html", state=state, form=form, last=last, changes=changes,
                           approval=governance.approval_of(state.version), approvals=governance.approvals()), status


@bp.route("/admin/content")
@role_required("admin", "auditor")
def content_index():
    """The content version packets print now, what changed since the last sign-off, and the form."""
    return _content_page(ContentApprovalForm())


@bp.route("/admin/content/approve", methods=["POST"])
@role_required("admin")
def content_approve():
    """A content reviewer (medical director) signs the version they read; audited."""
    if not current_user.can_approve_content:
        abort(403)
    form = ContentApprovalForm()
    if form.validate_on_submit():
        try:
            approval = governance.approve_content(current_user, version=form.version.data,
                                                  signed_name=form.signed_name.data, title=form.title.data,
                                                  title_es=form.title_es.data)
        except PermissionDenied:
            abort(403)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Content version %(version)s is approved; packets now print the review line.",
                    version=approval.version), "success")
            return redirect(url_for("documents.content_index"))
    return _content_page(form, status=422)
