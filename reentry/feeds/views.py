"""Admin pages for roster feeds: list with health, add, disable."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from reentry.auth.access import role_required
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.feeds import services
from reentry.feeds.forms import FeedForm
from reentry.forms import EmptyForm, all_facility_choices, apply_domain_error

bp = Blueprint("feeds", __name__, url_prefix="/admin/feeds")


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index():
    form = FeedForm()
    form.facility.choices = all_facility_choices()
    if form.validate_on_submit():
        try:
            feed = services.add_feed(current_user, form.facility.data, form.folder.data.strip(), form.pattern.data.strip(),
                                     mapping=(form.mapping.data or "").strip(),
                                     people_pattern=(form.people_pattern.data or "").strip(),
                                     snapshot=form.snapshot.data, late_after_hours=form.late_after_hours.data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Feed %(id)s added. The timer imports its files (reentry feeds run).", id=feed.id), "success")
            return redirect(url_for("feeds.index"))
    return render_template("feeds/index.html", form=form, rows=services.health_for(current_user),
                           button_form=EmptyForm())


@bp.route("/<int:feed_id>/disable", methods=["POST"])
@role_required("admin")
def disable(feed_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.disable_feed(current_user, feed_id)
    except DomainError:
        abort(404)
    db.session.commit()
    flash(_("Feed %(id)s is disabled.", id=feed_id), "success")
    return redirect(url_for("feeds.index"))
