"""Accounts and login sessions. Plain functions: no request, no commit (the caller commits)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from reentry import audit
from reentry.auth.models import ROLES, AuthSession, User
from reentry.auth.passwords import (
    DUMMY_HASH,
    WeakPassword,
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from reentry.database import utcnow
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.facilities.models import Facility

USER_AUDIT_FIELDS = ("email", "name", "role", "preferred_language", "is_disabled", "facility_codes")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    """A normalized email, or DomainError. Deliberately lenient about the domain: county
    networks use internal names (.local, .test, .lan) that strict validators reject."""
    email = normalize_email(email)
    local, at, domain = email.rpartition("@")
    if not at or not local or not domain or len(email) > 254 or any(c.isspace() for c in email) \
            or domain.startswith(".") or domain.endswith(".") or "@" in local:
        raise DomainError("Enter an email address such as name@county.gov.", field="email")
    return email


def masked_login_name(typed: str) -> dict[str, str]:
    """What a failed sign-in with an unknown email records: never the text itself, since people
    type their password in the email box. A keyed hash lets an auditor see that attempts repeat
    (and an administrator holding the secret key check a given string); an email-shaped entry
    also keeps its first character and domain, which is what an investigation needs."""
    text = normalize_email(typed)
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key, b"login-email\0" + text.encode(), hashlib.sha256).hexdigest()[:16]
    try:
        local, _, domain = check_email(text).rpartition("@")
    except DomainError:
        return {"email_masked": f"({len(text)} characters, not an email)", "email_hmac": digest}
    return {"email_masked": f"{local[0]}…@{domain}"[:254], "email_hmac": digest}


def token_hash(token: str) -> str:
    """How a bearer token (login session, kiosk) is stored: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _user_state(user: User) -> dict:
    state = audit.snapshot(user, USER_AUDIT_FIELDS[:-1])
    state["facility_codes"] = sorted(f.code for f in user.facilities)
    return state


def password_context_words(email: str) -> list[str]:
    """Words a guesser would try first for this person: their email and the facility names."""
    local, _, domain = email.partition("@")
    words = [local, domain.split(".")[0]]
    for code, name, county in db.session.execute(select(Facility.code, Facility.name, Facility.county)):
        words += [code, *name.split(), county]
    return [w for w in words if w]


def validate_new_password(email: str, password: str) -> None:
    """Raise DomainError(field='password') if the password breaks the policy."""
    try:
        check_password_policy(password, password_context_words(email))
    except WeakPassword as exc:
        raise DomainError(str(exc), field="password") from exc


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def facilities_by_code(codes: list[str]) -> list[Facility]:
    """The facilities with these codes; DomainError naming any code that does not exist."""
    wanted = [c.strip().upper() for c in codes if c.strip()]
    found = {f.code: f for f in db.session.scalars(select(Facility).where(Facility.code.in_(wanted)))}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise DomainError(f"No facility with code {', '.join(missing)}.", field="facilities")
    return [found[c] for c in wanted]


def create_user(
    actor: User | None,
    email: str,
    role: str,
    password: str,
    facilities: list[Facility] = (),
    name: str = "",
    preferred_language: str = "en",
    must_change_password: bool = False,
) -> User:
    """Create an account after checking the email is free and the password is strong."""
    email = check_email(email)
    if role not in ROLES:
        raise DomainError(f"Role must be one of {', '.join(ROLES)}.", field="role")
    if find_user_by_email(email) is not None:
        raise DomainError("An account with this email already exists.", field="email")
    if role in ("staff", "manager") and not facilities:
        raise DomainError("Staff and managers need at least one facility.", field="facilities")
    validate_new_password(email, password)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        preferred_language=preferred_language,
        must_change_password=must_change_password,
        facilities=list(facilities),
    )
    db.session.add(user)
    db.session.flush()
    state = _user_state(user)
    audit.record(actor, "user.create", "users", user.id, changes={k: [None, v] for k, v in state.items()})
    return user


def update_user(
    actor: User, user: User, *, name: str, role: str, facilities: list[Facility], preferred_language: str
) -> User:
    """Change an account's role, facilities or details; a role change ends its sessions."""
    if role not in ROLES:
        raise DomainError(f"Role must be one of {', '.join(ROLES)}.", field="role")
    if role in ("staff", "manager") and not facilities:
        raise DomainError("Staff and managers need at least one facility.", field="facilities")
    if user.id == actor.id and role != user.role:
        raise DomainError("You cannot change your own role.", field="role")
    before = _user_state(user)
    user.name, user.role, user.preferred_language = name.strip(), role, preferred_language
    user.facilities = list(facilities)
    after = _user_state(user)
    changes = audit.changes_between(before, after)
    if role != "admin" and user.is_content_reviewer:
        # Only admin accounts sign content; a mark kept through a demotion would come back,
        # unasked, with a later promotion.
        user.is_content_reviewer = False
        changes["is_content_reviewer"] = [True, False]
    if changes:
        audit.record(actor, "user.update", "users", user.id, changes=changes)
        if "role" in changes or "facility_codes" in changes:
            end_all_sessions(user, reason="access_changed")
    return user


def set_disabled(actor: User, user: User, disabled: bool) -> User:
    """Disable or re-enable an account (accounts are never deleted); disabling ends its sessions."""
    if user.id == actor.id and disabled:
        raise DomainError("You cannot disable your own account.")
    if user.is_disabled == disabled:
        return user
    user.is_disabled = disabled
    audit.record(
        actor, "user.disable" if disabled else "user.enable", "users", user.id,
        changes={"is_disabled": [not disabled, disabled]},
    )
    if disabled:
        end_all_sessions(user, reason="disabled")
    return user


def reset_password(actor: User, user: User, new_password: str) -> User:
    """An admin sets a temporary password; the person must choose their own at next login."""
    validate_new_password(user.email, new_password)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = True
    audit.record(actor, "user.password_reset", "users", user.id)
    end_all_sessions(user, reason="password_reset")
    return user


def change_own_password(user: User, current_password: str, new_password: str) -> User:
    """The person changes their password; every other login of theirs ends."""
    if not verify_password(user.password_hash, current_password):
        raise DomainError("The current password is not correct.", field="current_password")
    if current_password == new_password:
        raise DomainError("Choose a password you have not used here before.", field="new_password")
    try:
        check_password_policy(new_password, password_context_words(user.email))
    except WeakPassword as exc:
        raise DomainError(str(exc), field="new_password") from exc
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    audit.record(user, "user.password_change", "users", user.id)
    end_all_sessions(user, reason="password_change")
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Records a failed attempt; success
    is recorded by complete_login() once every step (password, two-step code) has passed."""
    user = find_user_by_email(email)
    if user is None:
        verify_password(DUMMY_HASH, password)  # same work, same time, as a real check
        audit.record(None, "login.failure", "users", None, changes=masked_login_name(email))
        return None
    if not verify_password(user.password_hash, password) or user.is_disabled:
        audit.record(None, "login.failure", "users", user.id, changes={"email": user.email})
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def complete_login(user: User, method: str = "password") -> str:
    """The person passed every step: record it and open a server-side session (returns its token)."""
    user.last_login_at = utcnow()
    audit.record(user, "login.success", "users", user.id, changes={"method": method})
    return start_session(user)


def start_session(user: User) -> str:
    """Open a server-side login session; returns the token for the (signed) cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(AuthSession(user_id=user.id, token_hash=token_hash(token)))
    return token


def session_user(token: str | None, user_id: str, absolute_limit: timedelta) -> User | None:
    """The user of a live login session, or None if it ended, expired or the account is disabled."""
    if not token or not user_id.isdigit():
        return None
    row = db.session.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash(token)))
    if row is None or row.ended_at is not None or row.user_id != int(user_id):
        return None
    if utcnow() - row.created_at > absolute_limit:
        return None
    user = row.user
    if user.is_disabled:
        return None
    return user


def end_session(token: str | None, reason: str = "logout") -> None:
    if not token:
        return
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == token_hash(token), AuthSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )


def end_all_sessions(user: User, reason: str) -> None:
    db.session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )
