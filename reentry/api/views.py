"""/api/v1/: JSON for the JMS, the health record and the health department.

Every request carries `Authorization: Bearer KEY`; nothing here reads a cookie or sets one, and
nothing outside this blueprint accepts a key. Errors are RFC 9457 problem details naming the
field. Each call leaves an audit row with the key's name.
"""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, g, request
from pydantic import ValidationError
from sqlalchemy import select

from reentry import audit
from reentry.api import schemas, services
from reentry.api.models import ApiKey  # noqa: F401  (registers the tables)
from reentry.api.problems import Problem, problem_response
from reentry.auth.services import token_hash
from reentry.database import utcnow
from reentry.errors import DomainError, NotFound
from reentry.extensions import csrf, db, limiter
from reentry.participants.models import CustodyEpisode
from reentry.participants.roster import RecordError, RosterError, import_roster, parse_booking_record

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PAGE_SIZE = 500
NAME_REPORTS = {"recall"}  # reports that list people stay on the web page, behind the names rule


def _rate_key() -> str:
    # The limiter runs before the key is looked up, so it counts per presented key (hashed).
    return "api:" + token_hash(request.headers.get("Authorization", ""))[:32]


limiter.limit(lambda: current_app.config["REENTRY_API_LIMIT"], key_func=_rate_key)(bp)
# A new made-up key on every call would escape the per-key count: wrong keys also count per
# address, and an address over the limit is refused for the rest of the window.
limiter.limit(lambda: current_app.config["REENTRY_API_BAD_KEY_LIMIT"], key_func=lambda: "api-bad:" + (request.remote_addr or "-"),
              deduct_when=lambda response: response.status_code == 401)(bp)


@bp.before_request
def authenticate():
    g.api_key = None
    if request.endpoint == "api.openapi":
        return None
    key = services.key_for_header(request.headers.get("Authorization"))
    if key is None:
        return problem_response(Problem(401, "Unauthorized", "Send a valid, unexpired API key as "
                                        "'Authorization: Bearer KEY'."),
                                headers={"WWW-Authenticate": 'Bearer realm="reentry"'})
    g.api_key = key


@bp.after_request
def audit_call(response):
    key = g.get("api_key")
    if key is not None:
        db.session.rollback()  # whatever the view did is committed already, or must not be
        key = db.session.merge(key)
        key.last_used_at = utcnow()
        audit.record(key, "api.call", "api", request.endpoint, facility_id=g.get("api_facility_id"),
                     changes={"method": request.method, "path": request.path[:200],
                              "status": response.status_code})
        db.session.commit()
    return response


def _facility(code: str, *, write: bool = False):
    try:
        facility = services.facility_for_key(g.api_key, code, write=write)
    except PermissionError:
        raise Forbidden("This key is read-only; writing needs a key with the write scope.")
    g.api_facility_id = facility.id
    return facility


class Forbidden(DomainError):
    pass


def _body(model):
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadBody([("body", "send a JSON object (Content-Type: application/json)")])
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise BadBody([(".".join(str(p) for p in e["loc"]) or "body", e["msg"]) for e in error.errors()])


class BadBody(RecordError):
    pass


@bp.errorhandler(DomainError)
def domain_error(error: DomainError):
    db.session.rollback()
    if isinstance(error, RecordError):
        return problem_response(Problem(422, "Invalid fields", "Some fields are not valid; see errors.",
                                        errors=error.problems))
    if isinstance(error, RosterError):
        return problem_response(Problem(422, "Invalid booking", "; ".join(error.problems)))
    if isinstance(error, NotFound):
        return problem_response(Problem(404, "Not found", error.message,
                                        errors=[(error.field, error.message)] if error.field else []))
    if isinstance(error, Forbidden):
        return problem_response(Problem(403, "Forbidden", error.message))
    return problem_response(Problem(422, "Not accepted", error.message,
                                    errors=[(error.field, error.message)] if error.field else []))


def _episode(facility, booking_id: str) -> CustodyEpisode:
    episode = db.session.scalar(select(CustodyEpisode).where(
        CustodyEpisode.facility_id == facility.id, CustodyEpisode.booking_id == booking_id,
        CustodyEpisode.is_voided.is_(False)))
    if episode is None:
        raise NotFound(f"No booking {booking_id[:64]} at {facility.code}.", field="booking_id")
    return episode


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def booking_status(facility, episode: CustodyEpisode) -> dict:
    """Kit, training and packet for one booking, as the JMS reads them back."""
    from reentry.documents.models import PacketPrint
    from reentry.naloxone.models import GIVEN_OUTCOMES, KitEvent
    from reentry.training.services import completed_trainings

    event = db.session.scalar(select(KitEvent).where(
        KitEvent.episode_id == episode.id, KitEvent.is_voided.is_(False))
        .order_by(KitEvent.outcome.in_(GIVEN_OUTCOMES).desc(), KitEvent.occurred_at.desc()).limit(1))
    kit = {"status": "none", "kits": 0}
    if event is not None:
        kit = {"status": event.outcome, "recorded_at": _iso(event.occurred_at), "kits": event.kits,
               "product": event.product.code if event.product else None,
               "lot": event.lot.lot_number if event.lot else (event.imported_lot_number or None),
               "expiry": _iso(event.lot.expiry_date) if event.lot else None}
    trainings = [t for t in completed_trainings(episode.participant_id) if t["facility_id"] == facility.id]
    zone = ZoneInfo(facility.timezone)
    training = {"completed": bool(trainings)}
    if trainings:
        training |= {"completed_on": trainings[0]["completed_at"].astimezone(zone).date().isoformat(),
                     "course": f'{trainings[0]["curriculum_key"]} {trainings[0]["curriculum_version"]}'}
    printed = db.session.scalar(select(PacketPrint).where(PacketPrint.episode_id == episode.id)
                                .order_by(PacketPrint.printed_at.desc()).limit(1))
    packet = {"printed": printed is not None}
    if printed is not None:
        packet |= {"printed_at": _iso(printed.printed_at), "language": printed.language}
    return schemas.BookingStatus(
        facility=facility.code, booking_id=episode.booking_id, booking_date=_iso(episode.custody_start),
        expected_release_date=_iso(episode.expected_release_date), release_date=_iso(episode.release_date),
        release_type=episode.release_type or "", housing_unit=episode.housing_unit or "",
        kit=kit, training=training, packet=packet).model_dump()


@bp.get("/facilities/<code>/bookings/<booking_id>")
def get_booking(code: str, booking_id: str):
    facility = _facility(code)
    return booking_status(facility, _episode(facility, booking_id))


@bp.put("/facilities/<code>/bookings/<booking_id>")
def put_booking(code: str, booking_id: str):
    """Create or update one booking, as one roster row: same checks, same audit, idempotent."""
    facility = _facility(code, write=True)
    body = _body(schemas.BookingIn)
    values = {k: v for k, v in body.model_dump(exclude_unset=True).items()} | {"booking_id": booking_id}
    exists = db.session.scalar(select(CustodyEpisode.id).where(
        CustodyEpisode.facility_id == facility.id, CustodyEpisode.booking_id == booking_id)) is not None
    parsed = parse_booking_record(values, ZoneInfo(facility.timezone), partial=exists)
    result = import_roster(g.api_key, facility, parsed, source=f"api:{g.api_key.name}")
    outcome = "created" if result.created else "updated" if result.updated else "unchanged"
    db.session.commit()
    status = booking_status(facility, _episode(facility, booking_id))
    return {"result": outcome, "booking": status}, 201 if outcome == "created" else 200


@bp.post("/facilities/<code>/bookings/<booking_id>/release")
def release_booking(code: str, booking_id: str):
    """Record the actual release (date, and type if given) of a booking already here."""
    facility = _facility(code, write=True)
    body = _body(schemas.ReleaseIn)
    _episode(facility, booking_id)
    values = body.model_dump(exclude_none=True) | {"booking_id": booking_id}
    parsed = parse_booking_record(values, ZoneInfo(facility.timezone), partial=True)
    result = import_roster(g.api_key, facility, parsed, source=f"api:{g.api_key.name}")
    db.session.commit()
    return {"result": "updated" if result.updated else "unchanged",
            "booking": booking_status(facility, _episode(facility, booking_id))}


def _since(text: str | None) -> datetime:
    if not text:
        return datetime(1970, 1, 1, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text else \
            datetime.combine(date.fromisoformat(text), time(), UTC)
    except ValueError:
        raise RecordError([("since", "use a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM:SSZ)")])
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _changed_events(facility, since: datetime):
    """A page of the facility's kit events changed since a moment (new, edited or voided), oldest
    change first; and whether more follow."""
    from reentry.naloxone.models import KitEvent

    events = db.session.scalars(select(KitEvent).where(KitEvent.facility_id == facility.id,
                                                       KitEvent.updated_at >= since)
                                .order_by(KitEvent.updated_at, KitEvent.id).limit(PAGE_SIZE + 1)).all()
    # `since` is inclusive, so the next page starts at the last event's moment again and a client
    # skips the ids it already has: events that share one moment are never lost between pages.
    return events[:PAGE_SIZE], len(events) > PAGE_SIZE


@bp.get("/facilities/<code>/kit-events")
def kit_events(code: str):
    """Kit events changed since a moment, for the health record."""
    facility = _facility(code)
    events, more = _changed_events(facility, _since(request.args.get("since")))
    rows = [schemas.KitEvent(
        id=e.id, booking_id=e.episode.booking_id if e.episode else None, occurred_at=_iso(e.occurred_at),
        event_date=_iso(e.event_date), outcome=e.outcome, decline_reason=e.decline_reason,
        product=e.product.code if e.product else None, ndc=e.product.ndc if e.product else None,
        lot=e.lot.lot_number if e.lot else (e.imported_lot_number or None),
        expiry=_iso(e.lot.expiry_date) if e.lot else None, kits=e.kits, voided=e.is_voided,
        updated_at=_iso(e.updated_at)).model_dump() for e in events]
    return {"events": rows, "next_since": _iso(events[-1].updated_at) if more else None}


@bp.get("/fhir/MedicationDispense")
def fhir_medication_dispense():
    """Kits handed out or placed in property, as a FHIR searchset Bundle of MedicationDispense."""
    from urllib.parse import urlencode

    from reentry.api.fhir import dispense_bundle

    code = request.args.get("facility", "")
    if not code:
        raise RecordError([("facility", "a facility code is required")])
    facility = _facility(code)
    events, more = _changed_events(facility, _since(request.args.get("since")))
    dispensed = [e for e in events if e.outcome in ("handed", "property")]
    next_url = (request.base_url + "?" + urlencode({"facility": code, "since": _iso(events[-1].updated_at)})
                if more else None)
    return current_app.response_class(json.dumps(dispense_bundle(dispensed, request.url, next_url)),
                                      mimetype="application/fhir+json")


@bp.get("/reports/<name>")
def report(name: str):
    """The report's rows as JSON, for the key's facilities (or some of them)."""
    from reentry.reports.services import DEATH_REPORTS, ReportParams, run_report

    if name in NAME_REPORTS:
        raise Forbidden("This report lists people; it is on the web page only.")
    if name in DEATH_REPORTS:
        raise Forbidden("This report counts deaths; it is on the web page only, for the roles that may see them.")
    problems = []
    dates = {}
    for param in ("from", "to"):
        try:
            dates[param] = date.fromisoformat(request.args.get(param, ""))
        except ValueError:
            problems.append((param, "a date is required (YYYY-MM-DD)"))
    if problems:
        raise RecordError(problems)
    codes = request.args.getlist("facility") or g.api_key.facility_codes
    for code in codes:
        _facility(code)
    result = run_report(g.api_key, name, ReportParams(dates["from"], dates["to"], codes))
    db.session.commit()
    return schemas.Report(name=result.name, title=result.title, columns=result.columns,
                          rows=[[_iso(v) if isinstance(v, (date, datetime)) else v for v in row]
                                for row in result.rows],
                          filters=[list(f) for f in result.filters], definitions=result.definitions).model_dump()


@bp.get("/openapi.json")
def openapi():
    from reentry.api.openapi import document

    return document()
