"""The login throttle, in one place: every route that checks a staff password (/login and the
kiosk's /kiosk/unlock) counts failures in the same counter, per email and client address, so a
second form is not a second set of guesses. The second step has its own counter, per person and
address, so someone who knows a password cannot lock its owner out from elsewhere."""
from __future__ import annotations

from flask import current_app, g, request, session
from flask_limiter.util import get_remote_address

from reentry.auth.services import normalize_email
from reentry.extensions import limiter


def _limit() -> str:
    return current_app.config["REENTRY_LOGIN_LIMIT"]


def _failed(response) -> bool:
    """Only failures count; the view sets g.login_failed when the proof was wrong."""
    return g.get("login_failed", False)


def login_limit_key() -> str:
    email = normalize_email(request.form.get("email", ""))[:254]
    return f"login:{email}:{get_remote_address()}"


def mfa_limit_key() -> str:
    return f"mfa:{session.get('mfa_user_id')}:{get_remote_address()}"


# One scope for every password form: flask-limiter would otherwise keep a counter per route.
password_throttle = limiter.shared_limit(
    _limit, scope="login", key_func=login_limit_key, methods=["POST"], deduct_when=_failed)

second_step_throttle = limiter.shared_limit(
    _limit, scope="login-verify", key_func=mfa_limit_key, methods=["POST"], deduct_when=_failed)
