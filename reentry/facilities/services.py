"""Facilities: the jails and prisons a program serves."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import select

from reentry import audit
from reentry.auth.access import visible_facility_ids
from reentry.database import utcnow
from reentry.errors import DomainError, NotFound
from reentry.extensions import db
from reentry.facilities.models import FACILITY_TYPES, Facility

FACILITY_FIELDS = ("code", "name", "type", "state", "county", "timezone", "is_active", "require_mfa")
US_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP"
).split()
# Code -> (English, Spanish) name, for anything a participant reads (Fundéu/RAE spellings).
STATE_NAMES = {
    "AL": ("Alabama", "Alabama"), "AK": ("Alaska", "Alaska"), "AZ": ("Arizona", "Arizona"),
    "AR": ("Arkansas", "Arkansas"), "CA": ("California", "California"), "CO": ("Colorado", "Colorado"),
    "CT": ("Connecticut", "Connecticut"), "DE": ("Delaware", "Delaware"),
    "DC": ("District of Columbia", "Distrito de Columbia"), "FL": ("Florida", "Florida"),
    "GA": ("Georgia", "Georgia"), "HI": ("Hawaii", "Hawái"), "ID": ("Idaho", "Idaho"),
    "IL": ("Illinois", "Illinois"), "IN": ("Indiana", "Indiana"), "IA": ("Iowa", "Iowa"),
    "KS": ("Kansas", "Kansas"), "KY": ("Kentucky", "Kentucky"), "LA": ("Louisiana", "Luisiana"),
    "ME": ("Maine", "Maine"), "MD": ("Maryland", "Maryland"), "MA": ("Massachusetts", "Massachusetts"),
    "MI": ("Michigan", "Míchigan"), "MN": ("Minnesota", "Minnesota"), "MS": ("Mississippi", "Misisipi"),
    "MO": ("Missouri", "Misuri"), "MT": ("Montana", "Montana"), "NE": ("Nebraska", "Nebraska"),
    "NV": ("Nevada", "Nevada"), "NH": ("New Hampshire", "Nuevo Hampshire"),
    "NJ": ("New Jersey", "Nueva Jersey"), "NM": ("New Mexico", "Nuevo México"),
    "NY": ("New York", "Nueva York"), "NC": ("North Carolina", "Carolina del Norte"),
    "ND": ("North Dakota", "Dakota del Norte"), "OH": ("Ohio", "Ohio"), "OK": ("Oklahoma", "Oklahoma"),
    "OR": ("Oregon", "Oregón"), "PA": ("Pennsylvania", "Pensilvania"), "RI": ("Rhode Island", "Rhode Island"),
    "SC": ("South Carolina", "Carolina del Sur"), "SD": ("South Dakota", "Dakota del Sur"),
    "TN": ("Tennessee", "Tennessee"), "TX": ("Texas", "Texas"), "UT": ("Utah", "Utah"),
    "VT": ("Vermont", "Vermont"), "VA": ("Virginia", "Virginia"), "WA": ("Washington", "Washington"),
    "WV": ("West Virginia", "Virginia Occidental"), "WI": ("Wisconsin", "Wisconsin"),
    "WY": ("Wyoming", "Wyoming"), "PR": ("Puerto Rico", "Puerto Rico"),
    "VI": ("U.S. Virgin Islands", "Islas Vírgenes de los Estados Unidos"), "GU": ("Guam", "Guam"),
    "AS": ("American Samoa", "Samoa Americana"), "MP": ("Northern Mariana Islands", "Islas Marianas del Norte"),
}


def state_name(code: str, lang: str = "en", default: str | None = None) -> str:
    """A state's name in the reader's language ("Nuevo México"); `default` (else the code) if
    the code is not one."""
    names = STATE_NAMES.get((code or "").upper())
    if names is None:
        return (code or "") if default is None else default
    return names[1] if (lang or "").startswith("es") else names[0]


def _validate(code: str, name: str, type_: str, state: str, timezone: str) -> None:
    if not code or len(code) > 32 or not all(c.isalnum() or c in "-_" for c in code):
        raise DomainError("Code: use 1 to 32 letters, digits, '-' or '_'.", field="code")
    if not name.strip():
        raise DomainError("Name is required.", field="name")
    if type_ not in FACILITY_TYPES:
        raise DomainError("Type must be jail or prison.", field="type")
    if state not in US_STATES:
        raise DomainError(f"State: {state!r} is not a US state or territory code.", field="state")
    if timezone not in available_timezones():
        raise DomainError(f"Time zone: {timezone!r} is not a known time zone (e.g. America/Chicago).",
                          field="timezone")


def get_facility_by_code(code: str) -> Facility:
    facility = db.session.scalar(select(Facility).where(Facility.code == code.strip().upper()))
    if facility is None:
        raise NotFound(f"No facility with code {code.strip().upper()}.", field="facility")
    return facility


def create_facility(actor, code: str, name: str, type_: str, state: str, county: str = "",
                    timezone: str = "America/New_York") -> Facility:
    """Add a facility; the code is its permanent short name (used by imports and the CLI)."""
    code, state = code.strip().upper(), state.strip().upper()
    _validate(code, name, type_, state, timezone)
    if db.session.scalar(select(Facility.id).where(Facility.code == code)) is not None:
        raise DomainError(f"A facility with code {code} already exists.", field="code")
    facility = Facility(code=code, name=name.strip(), type=type_, state=state,
                        county=county.strip(), timezone=timezone)
    db.session.add(facility)
    db.session.flush()
    audit.record(actor, "facility.create", "facilities", facility.id, facility_id=facility.id,
                 changes={k: [None, v] for k, v in audit.snapshot(facility, FACILITY_FIELDS).items()})
    return facility


def update_facility(actor, facility: Facility, *, name: str, type_: str, state: str, county: str,
                    timezone: str, is_active: bool, require_mfa: bool = False) -> Facility:
    """Change a facility's details (the code never changes: files and scripts refer to it)."""
    state = state.strip().upper()
    _validate(facility.code, name, type_, state, timezone)
    before = audit.snapshot(facility, FACILITY_FIELDS)
    facility.name, facility.type, facility.state = name.strip(), type_, state
    facility.county, facility.timezone, facility.is_active = county.strip(), timezone, is_active
    facility.require_mfa = require_mfa
    changes = audit.changes_between(before, audit.snapshot(facility, FACILITY_FIELDS))
    if changes:
        audit.record(actor, "facility.update", "facilities", facility.id, facility_id=facility.id,
                     changes=changes)
    return facility


def visible_facilities(user) -> list[Facility]:
    """The facilities this user works in (all of them for admins and auditors)."""
    stmt = select(Facility).order_by(Facility.code)
    ids = visible_facility_ids(user)
    if ids is not None:
        stmt = stmt.where(Facility.id.in_(ids))
    return list(db.session.scalars(stmt))


def facility_zone(facility: Facility) -> ZoneInfo:
    return ZoneInfo(facility.timezone)


def facility_today(facility: Facility, now: datetime | None = None) -> date:
    """Today's date in the facility's own time zone: the one "today" that expiry, release,
    screening and event dates (all stored as the facility's local dates) are compared with.
    The machine's `date.today()` is another day for hours every night."""
    return (now or utcnow()).astimezone(facility_zone(facility)).date()


def local_date(facility: Facility, moment: datetime) -> date:
    return moment.astimezone(facility_zone(facility)).date()
