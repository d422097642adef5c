"""Documents: certificates, the resource directory, hotlines, Good Samaritan laws, and the
print services that turn them into builder input and audit every print."""
from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from reentry import audit
from reentry.database import take_write_lock, utcnow
from reentry.documents import builders
from reentry.documents.builders import CertificateInput, HotlineEntry, LawSummary, ResourceEntry
from reentry.documents.content import LANGUAGES, language, language_names, long_date, texts
from reentry.documents.models import (
    RESOURCE_TYPES,
    TRI_STATE,
    Certificate,
    PacketPrint,
    GoodSamaritanLaw,
    Hotline,
    Resource,
)
from reentry.documents.seed import (
    LAW_CONDITIONS, LAW_EXCLUSIONS, LAW_FIELDS, TEST_STRIP_STATUSES, hotline_rows, law_rows, parse_law_codes,
)
from reentry.csvutil import FORMULA_STARTS, Problems, capped_rows
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.facilities.services import facility_today, facility_zone
from reentry.facilities.services import US_STATES
from reentry.facilities.services import state_name as localized_state

# 30 symbols without 0/O, 1/I/L or U (Crockford's reasons): 20 of them carry 98 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20
CODE_GROUP = 4
STALE_AFTER = timedelta(days=365)


class ImportRowsError(DomainError):
    """A file had bad rows; nothing was saved. `errors` lists them as 'row N, column X: ...'."""

    def __init__(self, errors: Problems | list[str]):
        super().__init__(f"Nothing was imported: {len(errors)} problem(s) in the file.", field="file")
        self.errors = list(errors.shown) if isinstance(errors, Problems) else errors
        self.more = len(errors) - len(self.errors)  # counted, not listed


def today() -> date:
    return utcnow().date()


def is_stale(verified_on: date | None, on: date | None = None) -> bool:
    """Not verified within the last 12 months (or never)."""
    return verified_on is None or verified_on < (on or today()) - STALE_AFTER


# ---------------------------------------------------------------- certificates


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def normalize_code(text: str) -> str | None:
    """A typed code in its stored form (case, spaces and dashes forgiven), or None if it cannot be one."""
    raw = re.sub(r"[\s\-]", "", (text or "").upper())
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return None
    return "-".join(raw[i:i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def initials(first_name: str, last_name: str) -> str:
    """'M. N.': the first letter of each name, all a verifier may see of who holds it."""
    letters = [next((c for c in (part or "") if c.isalpha()), "") for part in (first_name, last_name)]
    return " ".join(f"{c.upper()}." for c in letters if c) or "-"


def verify_url(code: str) -> str:
    return current_app.config["REENTRY_PUBLIC_URL"].rstrip("/") + "/verify/" + code


def _participant_facility_id(participant) -> int | None:
    for episode in participant.episodes:
        if not episode.is_voided:
            return episode.facility_id
    return None


def _participant_today(participant) -> date:
    """Today at the person's facility: the completion date is that facility's local date."""
    for episode in participant.episodes:
        if not episode.is_voided:
            return facility_today(episode.facility)
    return today()


def certificate_input(certificate: Certificate, holder_name: str, lang: str | None = None) -> CertificateInput:
    """A certificate as builder input, in its issued language or in `lang` (a packet printed in
    Spanish carries a Spanish certificate; the stored PDF stays as issued)."""
    lang = language(lang or certificate.language)
    return CertificateInput(
        holder_name=holder_name, course_title=course_title_in(certificate, lang),
        course_version=certificate.course_version, completed_on=certificate.completed_on,
        trainer_name=certificate.trainer_name, language=lang,
        code=certificate.code, verify_url=verify_url(certificate.code),
        facility_name=certificate.facility_name,
    )


def course_title_in(certificate: Certificate, lang: str) -> str:
    """The course title in another language: from the curriculum version the training used, else
    from the version whose title in the issued language matches; else the title as issued."""
    from reentry.training.models import CurriculumVersion, TrainingAttendee, TrainingSession

    if language(lang) == certificate.language:
        return certificate.course_title
    version = None
    if certificate.training_attendance_id is not None:
        version = db.session.scalar(
            select(CurriculumVersion).join(TrainingSession, TrainingSession.curriculum_version_id == CurriculumVersion.id)
            .join(TrainingAttendee, TrainingAttendee.session_id == TrainingSession.id)
            .where(TrainingAttendee.id == certificate.training_attendance_id))
    if version is None:
        issued_title = CurriculumVersion.title_es if certificate.language == "es" else CurriculumVersion.title_en
        version = db.session.scalar(
            select(CurriculumVersion).where(issued_title == certificate.course_title,
                                            CurriculumVersion.version == certificate.course_version)
            .order_by(CurriculumVersion.id.desc()).limit(1))
    return version.title(language(lang)) if version is not None else certificate.course_title


def _holder_name(participant) -> str:
    return " ".join(p for p in (participant.first_name, participant.middle_name, participant.last_name) if p)


def issue_certificate(actor, participant, course_title: str, course_version: str, completed_on: date,
                      trainer_name: str, language: str, facility_name: str | None = None,
                      training_attendance_id: int | None = None, facility_id: int | None = None) -> Certificate:
    """Issue a certificate of completion and store its PDF for good (reprints are these bytes).

    `facility_id` is where it was earned (the training's facility); without it, the person's
    current facility. Only that facility's staff see and print it."""
    course_title, course_version = (course_title or "").strip(), (course_version or "").strip()
    trainer_name = (trainer_name or "").strip()
    if participant.is_voided:
        raise DomainError("This participant record was voided; no certificate can be issued.")
    if not course_title:
        raise DomainError("Course title is required.", field="course_title")
    if not course_version:
        raise DomainError("Course version is required.", field="course_version")
    if not trainer_name:
        raise DomainError("Trainer name is required.", field="trainer_name")
    if language not in LANGUAGES:
        raise DomainError("Language must be English or Spanish.", field="language")
    if completed_on is None or completed_on > _participant_today(participant):
        raise DomainError("The completion date cannot be in the future.", field="completed_on")
    code = new_code()
    while db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is not None:
        code = new_code()  # 98 bits: practically never, but a clash must not become an error
    certificate = Certificate(
        code=code, participant_id=participant.id,
        facility_id=facility_id if facility_id is not None else _participant_facility_id(participant),
        training_attendance_id=training_attendance_id, course_title=course_title,
        course_version=course_version, completed_on=completed_on, trainer_name=trainer_name,
        language=language, facility_name=(facility_name or "").strip() or None,
        holder_initials=initials(participant.first_name, participant.last_name),
        issued_by_id=actor.id if actor is not None else None,
    )
    pdf_bytes = builders.build_certificate(certificate_input(certificate, _holder_name(participant)))
    certificate.pdf_bytes = pdf_bytes
    certificate.pdf_sha256 = hashlib.sha256(pdf_bytes).hexdigest()
    db.session.add(certificate)
    db.session.flush()
    audit.record(actor, "certificate.issue", "certificates", certificate.id,
                 facility_id=certificate.facility_id,
                 changes={"participant_id": participant.id, "course_title": course_title,
                          "course_version": course_version, "sha256": certificate.pdf_sha256,
                          "facility_printed": certificate.facility_name is not None})
    return certificate


def certificate_pdf(actor, certificate: Certificate) -> bytes:
    """The stored PDF, exactly as issued; the print is audited."""
    if hashlib.sha256(certificate.pdf_bytes).hexdigest() != certificate.pdf_sha256:
        raise DomainError("The stored certificate does not match its checksum; reissue it.")
    audit.record(actor, "certificate.print", "certificates", certificate.id,
                 facility_id=certificate.facility_id)
    return certificate.pdf_bytes


def revoke_certificate(actor, certificate: Certificate, reason: str) -> Certificate:
    """Withdraw a certificate; the public check then says it is revoked."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason for revoking the certificate.", field="reason")
    if certificate.status != "valid":
        raise DomainError(f"This certificate is already {certificate.status}.")
    certificate.is_revoked = True
    certificate.revoke_reason = reason
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id if actor is not None else None
    audit.record(actor, "certificate.revoke", "certificates", certificate.id,
                 facility_id=certificate.facility_id, changes={"reason": reason})
    return certificate


def reissue_certificate(actor, certificate: Certificate, participant, reason: str = "") -> Certificate:
    """A new certificate (new code, new PDF) for the same course; the old one shows 'replaced'."""
    if certificate.status != "valid":
        raise DomainError(f"Only a valid certificate can be reissued; this one is {certificate.status}.")
    if participant.id != certificate.participant_id:
        raise DomainError("This certificate belongs to another participant.")
    new = issue_certificate(
        actor, participant, certificate.course_title, certificate.course_version,
        certificate.completed_on, certificate.trainer_name, certificate.language,
        facility_name=certificate.facility_name,
        training_attendance_id=certificate.training_attendance_id, facility_id=certificate.facility_id,
    )
    certificate.replaced_by_id = new.id
    certificate.replaced_at = utcnow()
    audit.record(actor, "certificate.replace", "certificates", certificate.id,
                 facility_id=certificate.facility_id,
                 changes={"replaced_by": new.id, "reason": (reason or "").strip()})
    return new


@dataclass(frozen=True)
class Verification:
    """All the public check may show: never a name, facility or custody detail."""

    status: str  # valid, revoked, replaced, unknown
    code: str = ""
    initials: str = ""
    course_title: str = ""
    completed_on: date | None = None


def verify_certificate(code: str) -> Verification:
    normalized = normalize_code(code)
    if normalized is None:
        return Verification("unknown")
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == normalized))
    if certificate is None:
        return Verification("unknown")
    return Verification(certificate.status, certificate.code, certificate.holder_initials,
                        certificate.course_title, certificate.completed_on)


# ---------------------------------------------------------------- resources

RESOURCE_FIELDS = ("name", "type", "address", "state", "county", "zip", "phone", "hours",
                   "languages", "accepts_records", "last_verified_on", "last_verified_by", "hours_es")
RESOURCE_CSV_COLUMNS = ["id", *RESOURCE_FIELDS]
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_LIMITS = {"name": 200, "address": 300, "county": 100, "phone": 40, "hours": 200,
           "languages": 200, "last_verified_by": 200, "hours_es": 200}


def county_name(text: str | None) -> str:
    """'Franklin County' and 'franklin' name the same county: keep the bare name."""
    name = " ".join((text or "").split())
    return re.sub(r"\s+(county|parish|borough)$", "", name, flags=re.IGNORECASE)


def clean_resource(values: dict) -> tuple[dict, list[tuple[str, str]]]:
    """Normalized resource values and a list of (field, message) problems."""
    clean: dict = {}
    problems: list[tuple[str, str]] = []
    for field in RESOURCE_FIELDS:
        value = values.get(field)
        clean[field] = value.strip() if isinstance(value, str) else value
    for field, limit in _LIMITS.items():
        clean[field] = clean[field] or ""
        if len(clean[field]) > limit:
            problems.append((field, f"at most {limit} characters"))
    if not clean["name"]:
        problems.append(("name", "is required"))
    if clean["type"] not in RESOURCE_TYPES:
        problems.append(("type", f"must be one of {', '.join(RESOURCE_TYPES)}"))
    clean["state"] = (clean["state"] or "").upper()
    if clean["state"] not in US_STATES:
        problems.append(("state", "must be a two-letter US state code, such as OH"))
    clean["county"] = county_name(clean["county"])
    if not clean["county"]:
        problems.append(("county", "is required (the packet lists places by county)"))
    clean["zip"] = clean["zip"] or ""
    if clean["zip"] and not _ZIP.match(clean["zip"]):
        problems.append(("zip", "must be 5 digits (or ZIP+4, 12345-6789)"))
    clean["accepts_records"] = (clean["accepts_records"] or "unknown").lower()
    if clean["accepts_records"] not in TRI_STATE:
        problems.append(("accepts_records", "must be yes, no or unknown"))
    verified = clean["last_verified_on"]
    if isinstance(verified, str):
        try:
            verified = date.fromisoformat(verified) if verified else None
        except ValueError:
            problems.append(("last_verified_on", "must be a date like 2026-01-31"))
            verified = None
    if verified is not None and verified > today():
        problems.append(("last_verified_on", "cannot be in the future"))
    clean["last_verified_on"] = verified
    return clean, problems


def _resource_error(problems: list[tuple[str, str]]) -> DomainError:
    field, message = problems[0]
    return DomainError(f"{field.replace('_', ' ').capitalize()} {message}.", field=field)


def create_resource(actor, **values) -> Resource:
    """Add a place to the directory."""
    clean, problems = clean_resource(values)
    if problems:
        raise _resource_error(problems)
    resource = Resource(**clean)
    db.session.add(resource)
    db.session.flush()
    audit.record(actor, "resource.create", "resources", resource.id,
                 changes={k: [None, v] for k, v in audit.snapshot(resource, RESOURCE_FIELDS).items()})
    return resource


def update_resource(actor, resource: Resource, **values) -> Resource:
    """Change a directory entry (who verified it, and when, are fields the admin sets)."""
    clean, problems = clean_resource(values)
    if problems:
        raise _resource_error(problems)
    before = audit.snapshot(resource, RESOURCE_FIELDS)
    for field, value in clean.items():
        setattr(resource, field, value)
    changes = audit.changes_between(before, audit.snapshot(resource, RESOURCE_FIELDS))
    if changes:
        audit.record(actor, "resource.update", "resources", resource.id, changes=changes)
    return resource


def void_resource(actor, resource: Resource, reason: str) -> Resource:
    """Take a place out of the directory (kept, with the reason, for the record)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give a reason for removing this entry.", field="reason")
    if resource.is_voided:
        raise DomainError("This entry was already removed.")
    resource.is_voided, resource.void_reason = True, reason
    audit.record(actor, "resource.void", "resources", resource.id, changes={"reason": reason})
    return resource


def directory(state: str = "", county: str = "", include_voided: bool = False) -> list[Resource]:
    stmt = select(Resource).order_by(Resource.state, Resource.county, Resource.type, Resource.name)
    if state:
        stmt = stmt.where(Resource.state == state.upper())
    if county:
        stmt = stmt.where(func.lower(Resource.county) == county_name(county).lower())
    if not include_voided:
        stmt = stmt.where(Resource.is_voided.is_(False))
    return list(db.session.scalars(stmt))


def resource_csv_rows(resources: Iterable[Resource]):
    for r in resources:
        yield [r.id, r.name, r.type, r.address, r.state, r.county, r.zip, r.phone, r.hours,
               r.languages, r.accepts_records,
               r.last_verified_on.isoformat() if r.last_verified_on else "", r.last_verified_by, r.hours_es]


def _unguard(value: str) -> str:
    """Undo the quote our export puts before a formula-like cell (see csvutil.escape_cell)."""
    return value[1:] if value.startswith("'") and value[1:2] in FORMULA_STARTS else value


def import_resources(actor, text: str) -> tuple[int, int]:
    """Add and update directory entries from CSV text, all or nothing.

    A row with an `id` updates that entry; a row without one adds a new entry. Returns
    (added, updated); raises ImportRowsError listing every bad row.
    """
    errors = Problems()
    rows = capped_rows(text.lstrip("\ufeff"), errors)
    _, first = next(rows, (1, []))
    if errors:
        raise ImportRowsError(errors)  # the header row is unreadable or too wide
    header = [h.strip() for h in first]
    missing = [c for c in RESOURCE_FIELDS if c not in header and c not in
               ("address", "zip", "phone", "hours", "languages", "accepts_records",
                "last_verified_on", "last_verified_by", "hours_es")]
    if missing:
        raise ImportRowsError([f"row 1, column {c}: this column is missing" for c in missing])
    checked: list[tuple[int, str, dict]] = []  # (row number, id cell, clean values)
    for number, cells in rows:
        if not cells:
            continue  # a blank line, as csv.DictReader skipped them
        if len(cells) > len(header):
            errors.append(f"row {number}: more cells than the header has columns")
            continue
        row = dict(zip(header, cells))
        clean, problems = clean_resource({k: _unguard(row.get(k) or "") for k in RESOURCE_FIELDS})
        errors += [f"row {number}, column {field}: {message}" for field, message in problems]
        checked.append((number, (row.get("id") or "").strip(), clean))
    # The whole file is checked before the write lock is taken (issue 14 point 1); the entries it
    # updates are read under the lock, so they are current when written.
    if not errors:
        take_write_lock(db.session)
    wanted = {int(i) for _, i, _ in checked if i.isdigit() and len(i) < 10}
    by_id = {r.id: r for r in db.session.scalars(select(Resource).where(Resource.id.in_(wanted)))} if wanted else {}
    planned: list[tuple[Resource | None, dict]] = []
    for number, raw_id, clean in checked:
        existing = by_id.get(int(raw_id)) if raw_id.isdigit() and len(raw_id) < 10 else None
        if raw_id and existing is None:
            errors.append(f"row {number}, column id: no entry with id {raw_id}")
        planned.append((existing, clean))
    if not planned and not errors:
        errors.append("row 2: the file has no data rows")
    if errors:
        raise ImportRowsError(errors)
    added = updated = 0
    for existing, clean in planned:
        if existing is None:
            create_resource(actor, **clean)
            added += 1
        else:
            update_resource(actor, existing, **clean)
            updated += 1
    audit.record(actor, "resource.import", "resources", None,
                 changes={"added": added, "updated": updated})
    return added, updated


def packet_resources(state: str, county: str, on: date | None = None, lang: str = "en") -> tuple[ResourceEntry, ...]:
    """The destination county's entries as packet input in the packet language (stale ones
    marked on the page). A Spanish packet never prints the English hours or language names:
    without a Spanish value the field is left empty and the page says to call and ask."""
    if not state or not county:
        return ()
    spanish = language(lang) == "es"
    return tuple(
        ResourceEntry(name=r.name, type=r.type, address=", ".join(x for x in (r.address, r.zip) if x),
                      phone=r.phone, hours=r.hours_es if spanish else r.hours,
                      languages=language_names(r.languages, lang),
                      accepts_records=r.accepts_records, is_stale=is_stale(r.last_verified_on, on),
                      has_hours=bool(r.hours or r.hours_es))
        for r in directory(state, county)
    )


def area_label(state: str, county: str, lang: str) -> str:
    """Where the person is going, as they read it: "Condado de Bernalillo, Nuevo México"."""
    t = texts(lang)
    state_label = localized_state(state, lang) if state else ""
    if not county:
        return state_label
    template = t["area_parish"] if state.upper() == "LA" else t["area_county"]
    return template.format(county=county, state=state_label) if state else county


# ---------------------------------------------------------------- hotlines and laws


def seed_reference_data() -> list[str]:
    """Add the shipped hotlines and law rows that are missing (never overwrites an admin's edit)."""
    report = []
    have = set(db.session.scalars(select(Hotline.key)))
    for row in hotline_rows():
        if row["key"] not in have:
            db.session.add(Hotline(**row))
            report.append(f"added hotline {row['key']}")
    have = set(db.session.scalars(select(GoodSamaritanLaw.state_code)))
    added = [row for row in law_rows() if row["state_code"] not in have]
    db.session.add_all(GoodSamaritanLaw(**row) for row in added)
    if added:
        report.append(f"added {len(added)} Good Samaritan law rows")
    db.session.flush()
    return report


HOTLINE_FIELDS = ("name_en", "name_es", "number", "description_en", "description_es",
                  "is_verified", "last_verified_on", "last_verified_by", "source")


def update_hotline(actor, hotline: Hotline, *, name_en: str, name_es: str, number: str,
                   description_en: str, description_es: str, source: str, is_verified: bool,
                   verified_on: date | None = None) -> Hotline:
    """Edit a hotline. Marking it verified records who and when; saved without the tick, it
    stops printing (so a changed number prints only once someone has called it)."""
    number = (number or "").strip()
    if not number:
        raise DomainError("Number is required.", field="number")
    if not (name_en or "").strip():
        raise DomainError("English name is required.", field="name_en")
    if is_verified and verified_on is not None and verified_on > today():
        raise DomainError("The verification date cannot be in the future.", field="verified_on")
    if is_verified and number != hotline.number and verified_on is None:
        raise DomainError("The number changed: call the new number, then give the date you "
                          "verified it (or untick verified).", field="verified_on")
    # A verified number prints in Spanish packets too: never with English words standing in.
    if is_verified and not (name_es or "").strip():
        raise DomainError("Spanish name is required before the number can print (Spanish packets "
                          "print it).", field="name_es")
    if is_verified and (description_en or "").strip() and not (description_es or "").strip():
        raise DomainError("Spanish description is required when there is an English one (Spanish "
                          "packets print it).", field="description_es")
    before = audit.snapshot(hotline, HOTLINE_FIELDS)
    hotline.name_en, hotline.name_es = name_en.strip(), (name_es or "").strip()
    hotline.number = number
    hotline.description_en, hotline.description_es = (description_en or "").strip(), (description_es or "").strip()
    hotline.source = (source or "").strip()
    # Ticking "verified" is the admin saying they called it now (or on the date given).
    hotline.is_verified = bool(is_verified)
    if is_verified:
        hotline.last_verified_on = verified_on or today()
        hotline.last_verified_by = actor.email if actor is not None else "system"
    changes = audit.changes_between(before, audit.snapshot(hotline, HOTLINE_FIELDS))
    if changes:
        audit.record(actor, "hotline.update", "hotlines", hotline.id, changes=changes)
    return hotline


def hotlines() -> list[Hotline]:
    return list(db.session.scalars(select(Hotline).order_by(Hotline.sort_order, Hotline.id)))


def printable_hotlines(lang: str) -> tuple[HotlineEntry, ...]:
    """Verified numbers only: an unverified number never reaches paper. A Spanish packet
    never falls back to the English words: a missing name prints as "Línea de teléfono", a
    missing description not at all."""
    lang = language(lang)
    fallback = texts(lang)["hotline_no_name"]
    return tuple(
        HotlineEntry(name=getattr(h, f"name_{lang}") or (h.name_en if lang == "en" else fallback),
                     number=h.number,
                     description=getattr(h, f"description_{lang}") or (h.description_en if lang == "en" else ""))
        for h in hotlines() if h.is_verified
    )


def laws() -> list[GoodSamaritanLaw]:
    return list(db.session.scalars(select(GoodSamaritanLaw).order_by(GoodSamaritanLaw.state_code)))


def law_for_state(state_code: str) -> GoodSamaritanLaw | None:
    return db.session.scalar(
        select(GoodSamaritanLaw).where(GoodSamaritanLaw.state_code == (state_code or "").upper())
    )


def law_needs_review(law: GoodSamaritanLaw, on: date | None = None) -> bool:
    """Too old to print as protections on the day `on` (facility-local): laws change every session,
    and a stale row that promises protection is worse than the generic text (issue 13)."""
    return is_stale(law.as_of, on)


def update_law(actor, law: GoodSamaritanLaw, *, source: str, as_of: date, is_verified: bool,
               effective_date: str = "", notes: str = "", conditions: str | None = None,
               exclusions: str | None = None, statute: str | None = None,
               test_strip_status: str | None = None, test_strip_source: str | None = None,
               test_strip_as_of: date | None = None, **fields: str) -> GoodSamaritanLaw:
    """Edit a state's row; the source and the as-of date are required with every edit, and a
    test strip status other than unknown needs its own source and date (None: left as is)."""
    if not (source or "").strip():
        raise DomainError("Source is required: say where this came from.", field="source")
    if as_of is None or as_of > today():
        raise DomainError("As-of date is required and cannot be in the future.", field="as_of")
    effective_date = (effective_date or "").strip()
    if effective_date and not re.match(r"^\d{4}(-\d{2}-\d{2})?$", effective_date):
        raise DomainError("Effective date: use 2016-09-13, or just the year.", field="effective_date")
    for field in LAW_FIELDS:
        if fields.get(field, getattr(law, field)) not in TRI_STATE:
            raise DomainError(f"{field}: choose yes, no or unknown.", field=field)
    codes = {"conditions": (conditions, LAW_CONDITIONS), "exclusions": (exclusions, LAW_EXCLUSIONS)}
    for field, (text, allowed) in codes.items():
        try:
            parse_law_codes(text or "", allowed, field)
        except ValueError as error:
            raise DomainError(str(error), field=field) from None
    if test_strip_status is not None:
        if test_strip_status not in TEST_STRIP_STATUSES:
            raise DomainError("Test strips: choose legal, not exempt or unknown.", field="test_strip_status")
        if test_strip_status != "unknown" and not (test_strip_source or "").strip():
            raise DomainError("Test strip source is required: say which statute or page says so.",
                              field="test_strip_source")
        if test_strip_status != "unknown" and (test_strip_as_of is None or test_strip_as_of > today()):
            raise DomainError("Test strip as-of date is required and cannot be in the future.",
                              field="test_strip_as_of")
    names = ("source", "as_of", "is_verified", "effective_date", "notes", "conditions", "exclusions",
             "statute", "test_strip_status", "test_strip_source", "test_strip_as_of", *LAW_FIELDS)
    before = audit.snapshot(law, names)
    law.source, law.as_of, law.is_verified = source.strip(), as_of, bool(is_verified)
    law.effective_date, law.notes = effective_date, (notes or "").strip()
    for field, value in (("conditions", conditions), ("exclusions", exclusions), ("statute", statute)):
        if value is not None:
            setattr(law, field, " ".join(value.replace(",", " ").split()) if field != "statute" else value.strip())
    for field in LAW_FIELDS:
        if field in fields:
            setattr(law, field, fields[field])
    if test_strip_status is not None:
        law.test_strip_status, law.test_strip_source = test_strip_status, (test_strip_source or "").strip()
        law.test_strip_as_of = test_strip_as_of
    changes = audit.changes_between(before, audit.snapshot(law, names))
    if changes:
        audit.record(actor, "law.update", "good_samaritan_laws", law.id, changes=changes)
    return law


_LAW_LINES = (
    ("protects_arrest", "yes", "law_arrest_yes"),
    ("protects_arrest", "no", "law_arrest_no"),
    ("protects_charge", "yes", "law_charge_yes"),
    ("protects_prosecution", "yes", "law_prosecution_yes"),
    ("covers_possession", "yes", "law_possession_yes"),
    ("covers_paraphernalia", "yes", "law_paraphernalia_yes"),
    ("protects_probation_parole", "yes", "law_parole_yes"),
)


def law_protection_lines(law: GoodSamaritanLaw, t: dict) -> list[str]:
    """What the law protects from, in plain words, never more than the row says: 'a small amount'
    only where the law limits the amount (then that condition is not printed twice), and where
    the row does not say a supervision hold is covered, that it may not be."""
    codes = {code for code, _ in parse_law_codes(law.conditions or "", LAW_CONDITIONS, "conditions")}
    small = "small_amount" in codes
    lines = []
    for field, value, key in _LAW_LINES:
        if getattr(law, field) == value:
            lines.append(t["law_possession_small" if key == "law_possession_yes" and small else key])
    excluded = {code for code, _ in parse_law_codes(law.exclusions or "", LAW_EXCLUSIONS, "exclusions")}
    if law.protects_probation_parole != "yes" and "supervision" not in excluded:
        lines.append(t["law_parole_unknown"])
    return lines


def _printed_law_source(law: GoodSamaritanLaw) -> str:
    """The statute section reads the same in any language; the admin's source note (with where and
    when it was read) is for reviewers and stays on the admin page and in clinical-content docs."""
    return law.statute or law.source


def law_condition_lines(law: GoodSamaritanLaw, t: dict) -> list[str]:
    """The law's conditions, then who it leaves out, in plain words (codes checked on save)."""
    lines = []
    for prefix, text, allowed in (("law_cond_", law.conditions, LAW_CONDITIONS),
                                  ("law_excl_", law.exclusions, LAW_EXCLUSIONS)):
        for code, number in parse_law_codes(text or "", allowed, prefix):
            if prefix == "law_cond_" and code == "small_amount" and law.covers_possession == "yes":
                continue  # the possession line already says "a small amount"
            lines.append(t[prefix + code].format(n=number if number is not None else ""))
    return lines


def fentanyl_strip_lines(law: GoodSamaritanLaw | None, t: dict, state: str, on: date | None = None) -> list[str]:
    """One sentence on fentanyl test strips under the state's paraphernalia law, only when a
    source checked within the last 12 months says which; an unknown state prints nothing."""
    if law is None or law.test_strip_status not in ("legal", "not_exempt") or is_stale(law.test_strip_as_of, on):
        return []
    return [t[f"law_strips_{law.test_strip_status}"].format(state=state)]


def law_summary(law: GoodSamaritanLaw | None, lang: str, state_name: str = "",
                on: date | None = None) -> LawSummary:
    """What a packet may say about a state's law: only what the row knows, never 'unknown' as a
    protection, nothing from an unverified row or one due for review on `on` (then the safe
    generic text), always 'as of DATE' and 'not legal advice'."""
    t = texts(lang)
    lang = language(lang)
    name = localized_state(law.state_code, lang, law.state_name) if law is not None else (state_name or "")
    strips = fentanyl_strip_lines(law, t, name, on)
    if law is None or not law.is_verified or law.has_gsl == "unknown":
        return LawSummary(lines=(t["law_not_checked"].format(state=name or "?"), *strips, t["law_call"]),
                          as_of_line=t["law_not_advice"])
    if law_needs_review(law, on):
        return LawSummary(lines=(t["law_not_current"].format(state=name), t["law_generic"], *strips),
                          as_of_line=t["law_not_advice"])
    as_of_line = t["law_as_of"].format(date=long_date(law.as_of, lang))
    if law.has_gsl == "no":
        return LawSummary(lines=(t["law_none"].format(state=name), *strips, t["law_call"]),
                          as_of_line=as_of_line, source=_printed_law_source(law))
    lines = [t["law_has"].format(state=name)]
    if re.match(r"^\d{4}-\d{2}-\d{2}$", law.effective_date or ""):
        lines.append(t["law_since"].format(date=long_date(date.fromisoformat(law.effective_date), lang)))
    elif re.match(r"^\d{4}$", law.effective_date or ""):
        lines.append(t["law_since_year"].format(year=law.effective_date))
    lines += law_protection_lines(law, t)
    lines += law_condition_lines(law, t)
    lines += strips
    lines.append(t["law_call"])
    return LawSummary(lines=tuple(lines), as_of_line=as_of_line, source=_printed_law_source(law))


# ---------------------------------------------------------------- printing


def latest_valid_certificate(participant_id: int, *, facility_ids: set[int] | None) -> Certificate | None:
    """The person's current certificate issued at one of `facility_ids` (None: anywhere). One
    without a facility is only for those who see every facility, as on its own page."""
    stmt = (select(Certificate)
            .where(Certificate.participant_id == participant_id, Certificate.is_revoked.is_(False),
                   Certificate.replaced_by_id.is_(None))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
            .limit(1))
    if facility_ids is not None:
        stmt = stmt.where(Certificate.facility_id.in_(facility_ids))
    return db.session.scalar(stmt)


def assemble_packet(participant, warning: builders.WarningInput, *, release_date: date | None,
                    product_code: str | None, facility_ids: set[int] | None, lang: str | None = None,
                    on: date | None = None) -> builders.PacketInput:
    """Packet input for one person from the database: their destination county's resources and
    state's law, verified hotlines, and their current certificate issued at one of `facility_ids`
    (None: anywhere; a jail's packet never prints a prison's certificate). The caller supplies
    the warning (from risk.assess) and the product given (from the kit events)."""
    lang = language(lang or participant.preferred_language)
    state, county = participant.destination_state or "", county_name(participant.destination_county)
    certificate = latest_valid_certificate(participant.id, facility_ids=facility_ids)
    return builders.PacketInput(
        name=_holder_name(participant), language=lang, release_date=release_date, warning=warning,
        product_code=product_code, area_label=area_label(state, county, lang),
        resources=packet_resources(state, county, on, lang),
        law=law_summary(law_for_state(state), lang, state_name=localized_state(state, lang),
                        on=on or _participant_today(participant)) if state else None,
        hotlines=printable_hotlines(lang),
        certificate=certificate_input(certificate, _holder_name(participant), lang) if certificate else None,
        participant_id=participant.id,
    )


def packet_printed_episode_ids(episode_ids) -> set[int]:
    """The episodes whose release packet has been printed at least once."""
    ids = list(episode_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(PacketPrint.episode_id).where(PacketPrint.episode_id.in_(ids)).distinct()))


def print_packets(actor, packets: list[builders.PacketInput], *, facility_id: int | None = None,
                  large_print: bool = False, lang: str = "en",
                  on_packet: Callable[[int], None] | None = None) -> bytes:
    """One PDF with every packet (each on an odd page), audited as one print of these people.

    The `reentry packets` command and the print buttons are thin wrappers around this.
    """
    if not packets:
        raise DomainError("There are no packets to print for this selection.")
    from reentry.documents import governance

    content = governance.current_content()
    approval = governance.approval_of(content.version)
    # The review date as the facility writes dates: its own calendar day, not UTC's.
    zone = facility_zone(db.session.get(Facility, facility_id)) if facility_id is not None else None
    packets = [replace(p, content_note=governance.footer_note(approval, p.language, zone)) for p in packets]
    data = builders.build_packets(packets, large_print=large_print, on_packet=on_packet, lang=lang)
    for packet in packets:
        if packet.participant_id is not None:
            db.session.add(PacketPrint(participant_id=packet.participant_id, episode_id=packet.episode_id,
                                       printed_by_id=actor.id if actor is not None else None,
                                       language=packet.language, is_large_print=large_print,
                                       has_personal_flags=bool(packet.warning.personal_flags)))
            if packet.personal_flags_chosen != packet.personal_flags_recorded:
                # The person changed their mind at print time: who asked, when, and which way.
                audit.record(actor, "packet.personal_flags_choice", "participants", packet.participant_id,
                             facility_id=facility_id,
                             changes={"wants_personal_flags_printed": [packet.personal_flags_recorded,
                                                                       packet.personal_flags_chosen]})
    audit.record(actor, "packet.print", "participants", None, facility_id=facility_id,
                 changes={"count": len(packets), "large_print": large_print,
                          "content_version": content.version, "content_approved": approval is not None,
                          "participant_ids": [p.participant_id for p in packets if p.participant_id],
                          "personal_flags": {str(p.participant_id): p.personal_flags_chosen
                                             for p in packets if p.participant_id}})
    return data
