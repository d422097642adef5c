"""Death-record pages: the records a person may see, and one record. Every view is audited."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from reentry.auth.access import role_required
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.outcomes import services
from reentry.outcomes.services import DEATH_RECORD_ROLES

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
