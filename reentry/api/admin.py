"""Admin pages for API keys: list, create (the key is shown once), revoke."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from reentry.api import services
from reentry.api.forms import ApiKeyForm
from reentry.api.models import ApiKey
from reentry.auth.access import role_required
from reentry.database import utcnow
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.forms import EmptyForm, all_facility_choices, apply_domain_error

bp = Blueprint("api_keys", __name__, url_prefix="/admin/api-keys")


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index():
    form = ApiKeyForm()
    form.facilities.choices = all_facility_choices()
    secret = None
    if form.validate_on_submit():
        try:
            key, secret = services.create_key(current_user, form.name.data, form.facilities.data or [],
                                              form.scope.data, form.expires_days.data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
    # The new key is shown in this one response and never again (it is stored only as a hash).
    return render_template("api/keys.html", form=form, keys=services.all_keys(), secret=secret,
                           now=utcnow(), button_form=EmptyForm())


@bp.route("/<int:key_id>/revoke", methods=["POST"])
@role_required("admin")
def revoke(key_id: int):
    key = db.session.get(ApiKey, key_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.revoke_key(current_user, key.name)
    db.session.commit()
    flash(_("API key %(name)s is revoked.", name=key.name), "success")
    return redirect(url_for("api_keys.index"))
