"""Two-step sign-in with time-based one-time codes (TOTP, RFC 6238) and recovery codes.

Required for admins (configurable with REENTRY_MFA_REQUIRED_ROLES) and for everyone working in a
facility where an admin has turned it on; optional for others (OWASP ASVS 6.3.3).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app
from sqlalchemy import select

from reentry import audit
from reentry.auth.models import RecoveryCode, User
from reentry.database import utcnow
from reentry.errors import DomainError
from reentry.extensions import db

ISSUER = "reentry"
RECOVERY_CODE_COUNT = 10
# Accept the previous and next 30-second step too: phone clocks drift.
VALID_WINDOW = 1
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i


def mfa_required(user: User) -> bool:
    roles = current_app.config["REENTRY_MFA_REQUIRED_ROLES"]
    return user.role in roles or any(f.require_mfa for f in user.facilities)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG (no external image service: jail networks are closed)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", omitsize=False)


def _matching_counter(secret: str, code: str, now: float) -> int | None:
    code = "".join(c for c in code if c.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for counter in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    for old in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                             RecoveryCode.used_at.is_(None))):
        old.used_at = utcnow()  # replaced codes stop working
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(raw)))
    return codes


def enable_mfa(user: User, secret: str, code: str) -> list[str]:
    """Turn on two-step sign-in once the person proves their app shows the right code.
    Returns the recovery codes to show once."""
    counter = _matching_counter(secret, code, time.time())
    if counter is None:
        raise DomainError("That code does not match. Check the time on your phone and try the newest code.",
                          field="code")
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_counter = counter
    audit.record(user, "user.mfa_enable", "users", user.id)
    return _new_recovery_codes(user)


def regenerate_recovery_codes(user: User) -> list[str]:
    audit.record(user, "user.mfa_recovery_codes", "users", user.id)
    return _new_recovery_codes(user)


def verify_second_factor(user: User, code: str) -> bool:
    """True if `code` is a fresh TOTP code or an unused recovery code; each works only once."""
    code = code.strip()
    if user.totp_secret and any(c.isdigit() for c in code) and len(code.replace(" ", "")) == 6:
        counter = _matching_counter(user.totp_secret, code, time.time())
        if counter is not None and (user.totp_last_counter is None or counter > user.totp_last_counter):
            user.totp_last_counter = counter
            return True
        return False
    digest = _hash_recovery(code)
    for row in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                             RecoveryCode.used_at.is_(None))):
        if hmac.compare_digest(row.code_hash, digest):
            row.used_at = utcnow()
            audit.record(user, "user.mfa_recovery_code_used", "users", user.id)
            return True
    return False


def reset_mfa(actor: User, user: User) -> None:
    """An admin removes a lost authenticator; the person must enrol again at next sign-in.
    Their sessions end, so the reset cannot be used to slip past the second step."""
    from reentry.auth.services import end_all_sessions

    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    for row in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                             RecoveryCode.used_at.is_(None))):
        row.used_at = utcnow()
    audit.record(actor, "user.mfa_reset", "users", user.id)
    end_all_sessions(user, reason="mfa_reset")


def remaining_recovery_codes(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())
