"""Death-record pages: the records a person may see, and one record. Every view is audited."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from reentry.auth.access import role_required
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.outcomes import services
from reentry.forms import apply_domain_error
from reentry.outcomes.forms import ReviewForm
from reentry.outcomes.services import DEATH_RECORD_ROLES, REVIEW_ROLES

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")


@bp.route("/deaths/")
@role_required(*DEATH_RECORD_ROLES)
def index():
    """The death records this person may see (a manager: those linked to their facilities). Audited."""
    records = services.list_death_records(current_user)
    db.session.commit()
    return render_template("outcomes/index.html", records=records)


@bp.route("/deaths/<int:record_id>")
@role_required(*DEATH_RECORD_ROLES)
def detail(record_id: int):
    """One death record; the same 404 for one that does not exist or is not this person's to see."""
    try:
        record = services.view_death_record(current_user, record_id)
    except DomainError:
        db.session.commit()  # the refusal is audited
        abort(404)
    db.session.commit()
    return render_template("outcomes/detail.html", record=record)


@bp.route("/review/")
@role_required(*REVIEW_ROLES)
def review():
    """Pairs the linkage was unsure of, death record and person side by side. Audited."""
    items = services.review_queue(current_user)
    db.session.commit()
    return render_template("outcomes/review.html", items=items,
                           forms={item.link.id: ReviewForm(prefix=f"link{item.link.id}") for item in items})


@bp.route("/review/<int:link_id>", methods=["POST"])
@role_required(*REVIEW_ROLES)
def decide(link_id: int):
    """Accept or reject one pair with a reason (audited)."""
    form = ReviewForm(prefix=f"link{link_id}")
    if not form.validate_on_submit():
        flash(_("Give a reason for the decision."), "error")
        return redirect(url_for("outcomes.review"))
    decision = "accepted" if form.accept.data else "rejected" if form.reject.data else ""
    try:
        services.review_link(current_user, link_id, decision, form.reason.data)
    except DomainError as error:
        db.session.rollback()
        apply_domain_error(form, error)
        flash(error.message, "error")
        return redirect(url_for("outcomes.review"))
    db.session.commit()
    flash(_("Decision recorded."), "success")
    return redirect(url_for("outcomes.review"))
