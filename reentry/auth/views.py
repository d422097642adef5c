"""Sign in, sign out and the person's own account."""
from __future__ import annotations

import time

from flask import (
    Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from reentry import audit
from reentry.auth import mfa, services
from reentry.auth.forms import (
    ChangePasswordForm, EnableMfaForm, LoginForm, PreferencesForm, SecondFactorForm,
)
from reentry.auth.models import User
from reentry.auth.throttle import password_throttle, second_step_throttle
from reentry.errors import DomainError
from reentry.extensions import db, login_manager
from reentry.forms import EmptyForm, apply_domain_error
from reentry.web import is_safe_next

bp = Blueprint("auth", __name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What a person who must change their password, or an auditor, may still do.
ALWAYS_ALLOWED_ENDPOINTS = frozenset(
    {"auth.logout", "auth.change_password", "auth.preferences", "auth.two_step", "static", "web.healthz",
     "web.keepalive"}
)


@login_manager.user_loader
def load_user(user_id: str):
    return services.session_user(
        session.get("sid"), user_id, current_app.config["REENTRY_SESSION_ABSOLUTE"]
    )


@bp.before_app_request
def enforce_account_rules():
    """Auditors only read; a person with a temporary password must change it first."""
    if request.blueprint == "api":
        return None  # the API ignores browser sign-ins: it takes only keys (api.views.authenticate)
    if not current_user.is_authenticated or request.endpoint in ALWAYS_ALLOWED_ENDPOINTS:
        return None
    if current_user.must_change_password:
        return redirect(url_for("auth.change_password"))
    if not current_user.has_mfa and mfa.mfa_required(current_user):
        return redirect(url_for("auth.two_step"))
    if current_user.is_read_only and request.method not in SAFE_METHODS:
        abort(403)
    return None


@bp.route("/login", methods=["GET", "POST"])
@password_throttle
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("web.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            g.login_failed = True
            db.session.commit()  # keep the audit row of the failed attempt
            form.form_errors.append(_("The email or password is not correct."))
            return render_template("auth/login.html", form=form), 200
        target = request.args.get("next")
        if user.has_mfa:
            db.session.commit()
            session.clear()
            session["mfa_user_id"] = user.id
            session["mfa_started"] = time.time()
            session["mfa_next"] = target if is_safe_next(target) else None
            return redirect(url_for("auth.verify"))
        return _finish_login(user, "password", target)
    return render_template("auth/login.html", form=form)


def _finish_login(user, method: str, target: str | None):
    token = services.complete_login(user, method)
    db.session.commit()
    session.clear()  # a fresh session at login (no fixation)
    session["sid"] = token
    session.permanent = True
    login_user(user)
    return redirect(target if is_safe_next(target) else url_for("web.index"))


def _pending_mfa_user():
    """The person who passed the password step in this browser in the last few minutes."""
    user_id, started = session.get("mfa_user_id"), session.get("mfa_started", 0)
    if not user_id or time.time() - started > current_app.config["REENTRY_MFA_PENDING_SECONDS"]:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_active and user.has_mfa else None


@bp.route("/login/verify", methods=["GET", "POST"])
@second_step_throttle
def verify():
    """The second step: a code from the authenticator app, or a recovery code."""
    user = _pending_mfa_user()
    if user is None:
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        if mfa.verify_second_factor(user, form.code.data):
            return _finish_login(user, "password+totp", session.get("mfa_next"))
        g.login_failed = True
        audit.record(None, "login.mfa_failure", "users", user.id)
        db.session.commit()
        form.code.errors = [_("That code is not right, or it was already used. Try the newest code.")]
    return render_template("auth/verify.html", form=form)


@bp.route("/account/two-step", methods=["GET", "POST"])
@login_required
def two_step():
    """Set up two-step sign-in, see how many recovery codes are left, or make new ones."""
    user = current_user
    if not user.has_mfa:
        form = EnableMfaForm()
        secret = session.get("mfa_pending_secret")
        if not secret or not form.is_submitted():
            secret = session["mfa_pending_secret"] = mfa.new_secret()
        if form.validate_on_submit():
            try:
                codes = mfa.enable_mfa(user, secret, form.code.data)
            except DomainError as error:
                apply_domain_error(form, error)
            else:
                db.session.commit()
                session.pop("mfa_pending_secret", None)
                return render_template("auth/recovery_codes.html", codes=codes)
        uri = mfa.provisioning_uri(user, secret)
        return render_template("auth/mfa_setup.html", form=form, secret=secret, qr_svg=mfa.qr_svg(uri),
                               required=mfa.mfa_required(user))
    form = EmptyForm()
    if form.validate_on_submit():
        codes = mfa.regenerate_recovery_codes(user)
        db.session.commit()
        return render_template("auth/recovery_codes.html", codes=codes)
    return render_template("auth/mfa_status.html", form=form,
                           remaining=mfa.remaining_recovery_codes(user))


@bp.route("/logout", methods=["POST"])
def logout():
    """End the login on the server, so a copy of the old cookie no longer works."""
    if current_user.is_authenticated:
        audit.record(current_user, "logout", "users", current_user.id)
    services.end_session(session.get("sid"))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password (also where a temporary password leads)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.current_password.data, form.new_password.data)
        except DomainError as error:
            apply_domain_error(form, error)
        else:
            token = services.start_session(current_user)
            db.session.commit()
            session["sid"] = token  # this login goes on; every other one has ended
            flash(_("Your password is changed."), "success")
            return redirect(url_for("web.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def preferences():
    """The person's own settings (screen language)."""
    form = PreferencesForm(obj=current_user)
    if form.validate_on_submit():
        before = current_user.preferred_language
        current_user.preferred_language = form.preferred_language.data
        if before != current_user.preferred_language:
            audit.record(current_user, "user.preferences", "users", current_user.id,
                         changes={"preferred_language": [before, current_user.preferred_language]})
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("auth.preferences"))
    return render_template("auth/preferences.html", form=form)
