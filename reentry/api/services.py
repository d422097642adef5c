"""API keys and the API's rules, as plain functions (no request needed)."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from reentry import audit
from reentry.api.models import SCOPES, ApiKey
from reentry.auth.services import token_hash
from reentry.database import utcnow
from reentry.errors import DomainError, NotFound
from reentry.extensions import db
from reentry.facilities.models import Facility

KEY_PREFIX = "rk_"  # lets secret scanners and people recognise a reentry key
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
MAX_EXPIRES_DAYS = 3650


def _check_name(name: str) -> str:
    import re

    name = (name or "").strip()
    if not re.fullmatch(NAME_PATTERN, name):
        raise DomainError("Name: 1 to 64 letters, digits, dots, dashes or underscores, e.g. jms-feed.",
                          field="name")
    return name


def create_key(actor, name: str, facility_codes: list[str], scope: str,
               expires_days: int | None = None) -> tuple[ApiKey, str]:
    """Make a key; returns the row and the key itself, which is shown once and never stored."""
    name = _check_name(name)
    if scope not in SCOPES:
        raise DomainError("Scope: choose read or write.", field="scope")
    codes = sorted({code.strip().upper() for code in facility_codes if code.strip()})
    if not codes:
        raise DomainError("Facility: a key is for at least one facility.", field="facility")
    facilities = db.session.scalars(select(Facility).where(Facility.code.in_(codes))).all()
    missing = sorted(set(codes) - {f.code for f in facilities})
    if missing:
        raise DomainError(f"Facility: no facility {', '.join(missing)}.", field="facility")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        raise DomainError(f"Expires: between 1 and {MAX_EXPIRES_DAYS} days.", field="expires_days")
    if db.session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise DomainError(f"Name: there is already a key named {name} (revoked keys keep their name).",
                          field="name")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    key = ApiKey(name=name, key_hash=token_hash(secret), prefix=secret[:10], scope=scope, created_at=now,
                 created_by=getattr(actor, "email", "") or "cli", facilities=list(facilities),
                 expires_at=now + timedelta(days=expires_days) if expires_days else None)
    db.session.add(key)
    db.session.flush()
    audit.record(actor, "api_key.create", "api_keys", key.id, changes={
        "name": name, "scope": scope, "facilities": codes,
        "expires_at": key.expires_at.isoformat() if key.expires_at else None})
    return key, secret


def revoke_key(actor, name: str) -> ApiKey:
    """End a key at once; a second revoke changes nothing."""
    key = db.session.scalar(select(ApiKey).where(ApiKey.name == (name or "").strip()))
    if key is None:
        raise NotFound(f"No API key named {name}.", field="name")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(actor, "api_key.revoke", "api_keys", key.id, changes={"name": key.name})
    return key


def all_keys() -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.name)))


def key_for_header(authorization: str | None, now: datetime | None = None) -> ApiKey | None:
    """The usable key an `Authorization: Bearer KEY` header carries, or None."""
    scheme, _, secret = (authorization or "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == token_hash(secret)))
    if key is None or not key.is_usable(now or utcnow()):
        return None
    return key


def facility_for_key(key: ApiKey, code: str, *, write: bool = False) -> Facility:
    """The facility named in the path, if this key may use it (NotFound otherwise: a key cannot
    learn which other facilities exist)."""
    if write and key.scope != "write":
        raise PermissionError("This key is read-only.")
    facility = next((f for f in key.facilities if f.code == code), None)
    if facility is None:
        raise NotFound(f"No facility {code} for this key.", field="facility")
    return facility
