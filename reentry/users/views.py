"""Admin pages for accounts: list, create, edit, disable/enable, reset password. No deletes."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from reentry.auth import mfa, services
from reentry.auth.access import role_required
from reentry.auth.models import User
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.forms import EmptyForm, all_facility_choices, apply_domain_error
from reentry.users.forms import ResetPasswordForm, UserCreateForm, UserEditForm

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _get_user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/")
@role_required("admin")
def index():
    """Every account, with its role and facilities."""
    users = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("users/index.html", users=users, form=EmptyForm())


@bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
def create():
    """Create an account with a temporary password."""
    form = UserCreateForm()
    form.facilities.choices = all_facility_choices()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                current_user,
                email=form.email.data,
                role=form.role.data,
                password=form.password.data,
                facilities=services.facilities_by_code(form.facilities.data),
                name=form.name.data or "",
                preferred_language=form.preferred_language.data,
                must_change_password=True,
            )
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Account created for %(email)s.", email=user.email), "success")
            return redirect(url_for("users.index"))
    return render_template("users/create.html", form=form)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def edit(user_id: int):
    """Change an account's role, facilities, name or language."""
    user = _get_user(user_id)
    form = UserEditForm(obj=user)
    form.facilities.choices = all_facility_choices()
    if not form.is_submitted():
        form.facilities.data = [f.code for f in user.facilities]
    if form.validate_on_submit():
        try:
            services.update_user(
                current_user, user,
                name=form.name.data or "",
                role=form.role.data,
                facilities=services.facilities_by_code(form.facilities.data),
                preferred_language=form.preferred_language.data,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("users.index"))
    return render_template(
        "users/edit.html", user=user, form=form, reset_form=ResetPasswordForm(), button_form=EmptyForm()
    )


@bp.route("/<int:user_id>/disable", methods=["POST"])
@role_required("admin")
def disable(user_id: int):
    """Disable an account; its sessions end at once."""
    return _set_disabled(user_id, True)


@bp.route("/<int:user_id>/enable", methods=["POST"])
@role_required("admin")
def enable(user_id: int):
    """Let a disabled account sign in again."""
    return _set_disabled(user_id, False)


def _set_disabled(user_id: int, disabled: bool):
    user = _get_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.set_disabled(current_user, user, disabled)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Account disabled.") if disabled else _("Account enabled."), "success")
    return redirect(url_for("users.index"))


@bp.route("/<int:user_id>/password", methods=["POST"])
@role_required("admin")
def reset_password(user_id: int):
    """Set a temporary password the person must change at next sign-in."""
    user = _get_user(user_id)
    reset_form = ResetPasswordForm()
    if reset_form.validate_on_submit():
        try:
            services.reset_password(current_user, user, reset_form.password.data)
        except DomainError as error:
            apply_domain_error(reset_form, error)
        else:
            db.session.commit()
            flash(_("Temporary password set for %(email)s.", email=user.email), "success")
            return redirect(url_for("users.edit", user_id=user.id))
    form = UserEditForm(obj=user)
    form.facilities.choices = all_facility_choices()
    form.facilities.data = [f.code for f in user.facilities]
    return render_template(
        "users/edit.html", user=user, form=form, reset_form=reset_form, button_form=EmptyForm()
    ), 400


@bp.route("/<int:user_id>/two-step/reset", methods=["POST"])
@role_required("admin")
def reset_mfa(user_id: int):
    """Remove a lost authenticator; the person sets it up again at next sign-in."""
    user = _get_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    mfa.reset_mfa(current_user, user)
    db.session.commit()
    flash(_("Two-step sign-in was reset for %(email)s.", email=user.email), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/<int:user_id>/reviewer/grant", methods=["POST"])
@role_required("admin")
def grant_reviewer(user_id: int):
    """Let an admin account (a medical director) approve content versions, as
    `reentry content grant-reviewer` does; audited."""
    return _set_reviewer(user_id, True)


@bp.route("/<int:user_id>/reviewer/revoke", methods=["POST"])
@role_required("admin")
def revoke_reviewer(user_id: int):
    """Take the content reviewer permission away; audited."""
    return _set_reviewer(user_id, False)


def _set_reviewer(user_id: int, allowed: bool):
    # governance owns the rule (admins only) and the audit row, shared with the command line.
    from reentry.documents import governance

    user = _get_user(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        governance.grant_reviewer(current_user, user, allowed=allowed)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("%(email)s may now approve content versions.", email=user.email) if allowed
              else _("%(email)s may no longer approve content versions.", email=user.email), "success")
    return redirect(url_for("users.index"))
