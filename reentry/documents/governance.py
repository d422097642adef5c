"""Content governance (issue 13): one version for everything health or legal a person reads, and a
medical director's sign-off of it.

The content version covers the course (curricula/oend: curriculum.toml with its citations,
modules, quiz, protocol.toml) and what the packet prints from data (texts.json, every product
file, the risk warnings of participants/risk.py, and the hotline and Good Samaritan law rows as
stored, since admins edit those in the app).
The resource directory is left out: addresses and hours change weekly and are not clinical
claims. The version reads "1.1.0-3fa9c2d1e4": the curriculum's own version, then the first ten hex
digits of a hash over every part, so any edit anywhere gives a new version that needs a new
approval.
"""
from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from datetime import date, timezone, tzinfo
from pathlib import Path

from sqlalchemy import select

from reentry import audit
from reentry.documents.content import DATA_DIR, language, long_date, texts
from reentry.documents.models import ContentApproval, GoodSamaritanLaw, Hotline
from reentry.errors import DomainError, PermissionDenied
from reentry.extensions import db
from reentry.training.protocol import DEFAULT_ROOT as CURRICULUM_ROOT

DIGEST_LENGTH = 10
# Hotline and law columns that print (or decide what prints); dates of a re-check alone do not.
HOTLINE_PARTS = ("name_en", "name_es", "number", "description_en", "description_es", "is_verified",
                 "sort_order")
LAW_PARTS = ("state_name", "has_gsl", "effective_date", "protects_arrest", "protects_charge",
             "protects_prosecution", "covers_possession", "covers_paraphernalia",
             "protects_probation_parole", "conditions", "exclusions", "statute", "as_of", "is_verified",
             "test_strip_status", "test_strip_source", "test_strip_as_of")


@dataclass(frozen=True)
class ContentState:
    """The content as it is now: its version and the hash of each part ({"texts.json": "ab12..."})."""

    version: str
    manifest: dict[str, str]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_hash(path: Path) -> str:
    # Line ends normalised: a checkout on Windows is the same content.
    return _sha(path.read_bytes().replace(b"\r\n", b"\n"))


def file_parts(curriculum_root: Path = CURRICULUM_ROOT, data: Path = DATA_DIR) -> dict[str, str]:
    """The hash of each content file, named by its path as an editor knows it."""
    parts = {}
    for path in sorted(Path(curriculum_root).rglob("*")):
        if path.is_file() and path.name != "README.md":
            parts[f"curricula/{Path(curriculum_root).name}/{path.relative_to(curriculum_root).as_posix()}"] = _file_hash(path)
    for path in [Path(data) / "texts.json", *sorted((Path(data) / "products").glob("*.json"))]:
        parts[f"reentry/documents/data/{path.relative_to(data).as_posix()}"] = _file_hash(path)
    parts["reentry/participants/risk.py warnings"] = risk_texts_hash()
    return parts


def risk_texts_hash() -> str:
    """The risk warnings a packet prints live in code beside the rules that choose them; their
    words, sources and thresholds are content all the same."""
    from reentry.participants import risk

    words = {"baseline": [risk.BASELINE_CITATION, risk.BASELINE_TEXT],
             "flags": {code: list(entry) for code, entry in risk.FLAG_TEXT.items()},
             "variants": {"/".join(key): list(entry) for key, entry in risk.FLAG_VARIANTS.items()},
             "thresholds": {name: getattr(risk, name) for name in dir(risk)
                            if name.endswith("_DAYS") and isinstance(getattr(risk, name), int)}}
    return _sha(json.dumps(words, sort_keys=True, ensure_ascii=False).encode())


def _row_hash(row, columns) -> str:
    values = {column: getattr(row, column) for column in columns}
    return _sha(json.dumps(values, default=str, sort_keys=True, ensure_ascii=False).encode())


def stored_parts() -> dict[str, str]:
    """The hash of each hotline and law row as stored (what the packet prints today)."""
    parts = {f"hotline {h.key}": _row_hash(h, HOTLINE_PARTS) for h in db.session.scalars(select(Hotline))}
    parts |= {f"Good Samaritan law {law.state_code}": _row_hash(law, LAW_PARTS)
              for law in db.session.scalars(select(GoodSamaritanLaw))}
    return parts


def curriculum_version(curriculum_root: Path = CURRICULUM_ROOT) -> str:
    meta = tomllib.loads((Path(curriculum_root) / "curriculum.toml").read_text(encoding="utf-8"))
    return str(meta.get("version", "0"))


def version_of(manifest: dict[str, str], base: str) -> str:
    digest = _sha(json.dumps(manifest, sort_keys=True).encode())
    return f"{base}-{digest[:DIGEST_LENGTH]}"


def current_content(curriculum_root: Path = CURRICULUM_ROOT, data: Path = DATA_DIR) -> ContentState:
    """The one content version: the only function that computes it (needs an app context)."""
    manifest = file_parts(curriculum_root, data) | stored_parts()
    return ContentState(version_of(manifest, curriculum_version(curriculum_root)), manifest)


def approval_of(version: str) -> ContentApproval | None:
    """The newest approval of this exact version, or None: then packets claim no review."""
    return db.session.scalar(select(ContentApproval).where(ContentApproval.version == version)
                             .order_by(ContentApproval.approved_at.desc(), ContentApproval.id.desc()))


def approvals(limit: int = 20) -> list[ContentApproval]:
    return list(db.session.scalars(select(ContentApproval)
                                   .order_by(ContentApproval.approved_at.desc(), ContentApproval.id.desc())
                                   .limit(limit)))


def unapproved_version() -> str | None:
    """The current version when no reviewer approved it (print pages warn staff), else None."""
    state = current_content()
    return None if approval_of(state.version) is not None else state.version


def changed_parts(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Parts added, removed or edited between two manifests, as "changed: texts.json" lines."""
    lines = []
    for part in sorted(set(before) | set(after)):
        if part not in before:
            lines.append(f"added: {part}")
        elif part not in after:
            lines.append(f"removed: {part}")
        elif before[part] != after[part]:
            lines.append(f"changed: {part}")
    return lines


def changes_since_last_approval(state: ContentState) -> tuple[ContentApproval | None, list[str]]:
    """The newest approval of any version, and what changed since it (empty when none)."""
    last = approvals(limit=1)
    if not last:
        return None, []
    return last[0], changed_parts(json.loads(last[0].manifest or "{}"), state.manifest)


def approve_content(actor, *, version: str, signed_name: str, title: str, title_es: str) -> ContentApproval:
    """Record a reviewer's approval of the version they read; actor None is the demo loader.

    The version is the one shown on the page they reviewed: if the content changed since, the
    approval is refused rather than signing text nobody read.
    """
    if actor is not None and not actor.can_approve_content:
        raise PermissionDenied("Only an admin account marked as content reviewer can approve content.")
    signed_name, title, title_es = signed_name.strip(), title.strip(), title_es.strip()
    for value, field, label in ((signed_name, "signed_name", "your name"), (title, "title", "the title"),
                                (title_es, "title_es", "the title in Spanish")):
        if not value:
            raise DomainError(f"Type {label}.", field=field)
    state = current_content()
    if version != state.version:
        raise DomainError(f"The content changed while you were reviewing it; it is now version "
                          f"{state.version}. Review the changes, then approve again.", field="version")
    last, changes = changes_since_last_approval(state)
    approval = ContentApproval(version=version, approved_by_id=actor.id if actor is not None else None,
                               signed_name=signed_name, title=title, title_es=title_es,
                               manifest=json.dumps(state.manifest, sort_keys=True))
    db.session.add(approval)
    db.session.flush()
    audit.record(actor, "content.approve", "content_approvals", approval.id,
                 changes={"version": version, "title": title, "title_es": title_es, "signed_name": signed_name,
                          "previous_version": last.version if last else None,
                          "changed_since_previous": changes})
    return approval


def footer_note(approval: ContentApproval | None, lang: str, zone: tzinfo | None = None) -> str:
    """The packet footer's review line in the packet language; empty for an unapproved version.

    The date is the approval's day in `zone` (the printing facility's time zone): an approval
    signed at 8 p.m. in New Mexico is already the next day in UTC, and the packet would say so."""
    if approval is None:
        return ""
    lang = language(lang)
    approved_on: date = approval.approved_at.astimezone(zone or timezone.utc).date()
    return texts(lang)["content_reviewed"].format(
        version=approval.version, title=approval.title_es if lang == "es" else approval.title,
        date=long_date(approved_on, lang))


def grant_reviewer(actor, user, allowed: bool = True):
    """Mark an admin account as a content reviewer (medical director), or take the mark away."""
    if allowed and user.role != "admin":
        raise DomainError(f"{user.email} is a {user.role} account; only an admin account can approve content.")
    if allowed and actor is not None and actor.id == user.id:
        # Two people: whoever signs the content for the program is named by someone else (or by
        # the operator at the command line, where actor is None).
        raise DomainError("You cannot make yourself a content reviewer: ask another administrator.")
    if user.is_content_reviewer != allowed:
        user.is_content_reviewer = allowed
        audit.record(actor, "user.update", "users", user.id,
                     changes={"is_content_reviewer": [not allowed, allowed]})
    return user
