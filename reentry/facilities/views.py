"""Facility pages: the ones a person works in, and admin editing."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from reentry.auth.access import can_see_facility, refuse_unseen, role_required
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.facilities import services
from reentry.facilities.forms import FacilityForm
from reentry.facilities.models import Facility
from reentry.forms import apply_domain_error

bp = Blueprint("facilities", __name__, url_prefix="/facilities")


@bp.route("/")
@login_required
def index():
    """The facilities this person works in."""
    return render_template("facilities/index.html", facilities=services.visible_facilities(current_user))


@bp.route("/<code>")
@login_required
def detail(code: str):
    """One facility's page; 404 for a facility the person may not see (no hint that it exists)."""
    facility = db.session.query(Facility).filter_by(code=code.upper()).one_or_none()
    if facility is None:
        abort(404)
    if not can_see_facility(current_user, facility.id):
        refuse_unseen(current_user, "facilities", facility.id, facility.id)
    from reentry.feeds.services import health_for

    return render_template("facilities/detail.html", facility=facility,
                           feed_rows=health_for(current_user, facility.id))


@bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def create():
    """Add a facility."""
    form = FacilityForm()
    if form.validate_on_submit():
        try:
            facility = services.create_facility(
                current_user, form.code.data, form.name.data, form.type.data, form.state.data,
                form.county.data or "", form.timezone.data,
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Facility %(code)s created.", code=facility.code), "success")
            return redirect(url_for("facilities.detail", code=facility.code))
    return render_template("facilities/create.html", form=form)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit(code: str):
    """Change a facility's details."""
    facility = db.session.query(Facility).filter_by(code=code.upper()).one_or_none() or abort(404)
    form = FacilityForm(obj=facility)
    form.code.render_kw = {"readonly": True}
    if form.validate_on_submit():
        try:
            services.update_facility(
                current_user, facility, name=form.name.data, type_=form.type.data,
                state=form.state.data, county=form.county.data or "",
                timezone=form.timezone.data, is_active=form.is_active.data,
                require_mfa=form.require_mfa.data,
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("facilities.detail", code=facility.code))
    return render_template("facilities/edit.html", form=form, facility=facility)
