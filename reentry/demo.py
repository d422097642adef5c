"""Synthetic demo data: obviously fake facilities and people, never real ones.

Idempotent: each step adds only what is missing, so `reentry demo` can run on every `make run`.
Feature packages add their own steps to DEMO_STEPS.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import select

from reentry.auth import services as auth_services
from reentry.auth.models import User
from reentry.documents.demo import load_documents_demo
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.facilities.services import create_facility

DEMO_FACILITIES = [
    # code, name, type, state, county, time zone
    ("DEMO-JAIL", "Demo County Jail", "jail", "OH", "Franklin", "America/New_York"),
    ("DEMO-PRISON", "Demo State Prison", "prison", "NM", "Bernalillo", "America/Denver"),
]
DEMO_USERS = [
    # email, role, facility codes, name
    ("admin@demo.test", "admin", [], "Demo Admin"),
    ("manager@demo.test", "manager", ["DEMO-JAIL", "DEMO-PRISON"], "Demo Manager"),
    ("staff@demo.test", "staff", ["DEMO-JAIL"], "Demo Staff"),
    ("auditor@demo.test", "auditor", [], "Demo Auditor"),
]
CREDENTIALS_FILE = "demo-credentials.txt"


def demo_password(given: str | None, instance_path: str) -> tuple[str, bool]:
    """The demo password: given, or the one generated earlier, or a new one (stored mode 600)."""
    if given:
        return given, False
    path = Path(instance_path) / CREDENTIALS_FILE
    if path.exists():
        for line in path.read_text().splitlines():
            if line.startswith("password: "):
                return line.removeprefix("password: "), False
    password = "-".join(secrets.token_urlsafe(6) for _ in range(3))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("# reentry demo logins (synthetic accounts; never use in production)\n")
        for email, *_ in DEMO_USERS:
            handle.write(f"login: {email}\n")
        handle.write(f"password: {password}\n")
    return password, True


def _enrol_demo_admin(user: User) -> str:
    """Admins must use two-step sign-in; the demo admin gets a key to add to an authenticator app."""
    from reentry.auth.mfa import new_secret
    from reentry.database import utcnow

    user.totp_secret = new_secret()
    user.totp_enabled_at = utcnow()
    return user.totp_secret


def load_core_demo(password: str) -> list[str]:
    report = []
    for code, name, type_, state, county, zone in DEMO_FACILITIES:
        if db.session.scalar(select(Facility.id).where(Facility.code == code)) is None:
            create_facility(None, code, name, type_, state, county, zone)
            report.append(f"created facility {code}")
    for email, role, codes, name in DEMO_USERS:
        if db.session.scalar(select(User.id).where(User.email == email)) is None:
            user = auth_services.create_user(
                None, email, role, password, auth_services.facilities_by_code(codes), name=name
            )
            report.append(f"created user {email} ({role})")
            if role == "admin":
                secret = _enrol_demo_admin(user)
                report.append(f"two-step key for {email} (add it to an authenticator app): {secret}")
    return report


def _append_private(path: Path, lines: list[str]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as handle:
        handle.writelines(line + "\n" for line in lines)


# Each step takes the demo password and returns lines to print. People first, then trainings
# (kits record whether the person was trained before), then kits, then the directory.
from reentry.naloxone.demo import load_naloxone_demo  # noqa: E402
from reentry.participants.demo import load_participant_demo  # noqa: E402
from reentry.training.demo import load_training_demo  # noqa: E402

DEMO_STEPS = [load_core_demo, load_participant_demo, load_training_demo, load_naloxone_demo,
              load_documents_demo]


def load_demo(given_password: str | None, instance_path: str) -> list[str]:
    password, generated = demo_password(given_password, instance_path)
    report = []
    for step in DEMO_STEPS:
        report += step(password)
        db.session.flush()
    keys = [line for line in report if line.startswith("two-step key for ")]
    if keys:
        _append_private(Path(instance_path) / CREDENTIALS_FILE, keys)
    if generated:
        report.append(f"demo password (shown once, kept in instance/{CREDENTIALS_FILE}): {password}")
    report.append("demo data is loaded" if report else "demo data was already loaded; nothing to add")
    return report
