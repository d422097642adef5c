"""Naloxone services: catalog, storage, lots and stock, kit events, reversals, recalls.

Plain functions in the house shape: they take models and plain values, flush, write the audit row
and return; the caller commits once. Stock is the sum of a lot's movement rows. Every write that
takes stock out first locks the lot row (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
BEGIN IMMEDIATE already serialises writers), then sums and checks, so two staff giving the last
kit at the same moment cannot both succeed.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from reentry import audit
from reentry.auth.access import can_manage_facility
from reentry.database import utcnow
from reentry.errors import Conflict, DomainError, NotFound, PermissionDenied
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.facilities.services import facility_today, local_date  # noqa: F401  (callers use them from here too)
from reentry.naloxone.models import (
    AGE_BANDS, CONTEXTS, DECLINE_REASONS, FUNDING_KINDS, GIVEN_OUTCOMES, GIVER_TYPES,
    LOCATION_KINDS, LOCATION_TYPES, NALOXONE_SOURCES, OUTCOMES, RECIPIENT_TYPES, REPEAT_REASONS,
    REPORTER_TYPES, REVERSAL_OUTCOMES, ROUTES, SUPPLY_TYPES, WASTE_REASONS, YES_NO_UNKNOWN,
    FundingSource, KitEvent, Lot, Product, ReversalReport, StockMinimum, StockMovement,
    CartonSerial, ProductGtin, StorageCheck, StorageLocation,
)
from reentry.naloxone.scanning import Scan, parse_scan
from reentry.participants.models import CustodyEpisode, Participant

PRODUCT_FIELDS = ("code", "name", "strength", "route", "devices_per_kit", "is_otc", "ndc",
                  "is_ndc_verified", "ndc_verified_on", "storage_min_c", "storage_max_c",
                  "storage_note", "shelf_life_months", "instructions_key", "is_active")
KIT_EVENT_FIELDS = ("occurred_at", "context", "outcome", "decline_reason", "decline_other",
                    "product_id", "lot_id", "kits", "recipient_type", "supply", "repeat_reason",
                    "episode_id", "participant_id")
REVERSAL_FIELDS = ("reporter_type", "participant_id", "occurred_on", "county", "zip_code",
                   "location_type", "giver_type", "is_self_administered", "product_id",
                   "doses_used", "was_breathing", "was_responsive", "rescue_breathing",
                   "called_911", "ems_came", "giver_stayed", "others_gave_naloxone", "outcome",
                   "age_band", "gender", "naloxone_source", "kit_event_id", "lot_id")
EXPIRING_DAYS = 90
USE_WINDOW_DAYS = 90


class OutOfStock(DomainError):
    """The lot does not hold enough kits for this."""


class LotNotUsable(DomainError):
    """The lot is expired or recalled and cannot be given out."""


def new_token() -> str:
    """An idempotency token for a form: rendered once, stored UNIQUE with the record it makes."""
    return str(uuid.uuid4())


def _check_token(token: str | None) -> str:
    try:
        return str(uuid.UUID(str(token)))
    except (ValueError, TypeError):
        raise DomainError("The form is missing its submission key; reload the page and try again.") from None


def _choice(value, allowed, field: str, label: str):
    if value not in allowed:
        raise DomainError(f"{label}: choose one of {', '.join(allowed)}.", field=field)
    return value


# --- catalog ----------------------------------------------------------------------------------

def active_products() -> list[Product]:
    return list(db.session.scalars(select(Product).where(Product.is_active).order_by(Product.name)))


def all_products() -> list[Product]:
    return list(db.session.scalars(select(Product).order_by(Product.is_active.desc(), Product.name)))


def get_product_by_code(code: str) -> Product:
    product = db.session.scalar(select(Product).where(Product.code == code.strip().lower()))
    if product is None:
        raise NotFound(f"No product with code {code.strip()!r} in the catalog.", field="product")
    return product


def _validate_product(values: dict) -> None:
    code = values["code"]
    if not code or len(code) > 64 or not all(c.isalnum() or c in "-_." for c in code):
        raise DomainError("Code: use letters, digits, '-', '_' or '.'.", field="code")
    if not values["name"].strip():
        raise DomainError("Name is required.", field="name")
    _choice(values["route"], ROUTES, "route", "Route")
    if not values["devices_per_kit"] or values["devices_per_kit"] < 1:
        raise DomainError("Devices per kit must be at least 1.", field="devices_per_kit")
    if values["is_ndc_verified"] and not values["ndc"]:
        raise DomainError("An NDC can be marked verified only when it is filled in.", field="is_ndc_verified")
    low, high = values["storage_min_c"], values["storage_max_c"]
    if low is not None and high is not None and low > high:
        raise DomainError("Storage: the lowest temperature is above the highest.", field="storage_min_c")
    if not values["instructions_key"].strip():
        raise DomainError("Instructions key is required: it chooses the how-to page printed.",
                          field="instructions_key")


def save_product(actor, product: Product | None, **values) -> Product:
    """Create a catalog product or edit one; verifying an NDC stamps today's date."""
    values["code"] = values["code"].strip().lower()
    values["ndc"] = (values.get("ndc") or "").strip() or None
    _validate_product(values)
    clash = db.session.scalar(select(Product.id).where(Product.code == values["code"]))
    if clash is not None and (product is None or clash != product.id):
        raise DomainError(f"A product with code {values['code']} already exists.", field="code")
    creating = product is None
    if creating:
        product = Product()
        db.session.add(product)
        before = {}
    else:
        before = audit.snapshot(product, PRODUCT_FIELDS)
    if values["is_ndc_verified"] and not (product.is_ndc_verified and product.ndc == values["ndc"]):
        values["ndc_verified_on"] = utcnow().date()
    elif not values["is_ndc_verified"]:
        values["ndc_verified_on"] = None
    else:
        values["ndc_verified_on"] = product.ndc_verified_on
    for key, value in values.items():
        setattr(product, key, value)
    db.session.flush()
    changes = audit.changes_between(before, audit.snapshot(product, PRODUCT_FIELDS))
    if changes:
        audit.record(actor, "product.create" if creating else "product.update", "naloxone_products",
                     product.id, changes=changes)
    return product


def set_product_active(actor, product: Product, active: bool) -> Product:
    """Retire a product (hidden from new records, kept on history) or bring it back."""
    if product.is_active != active:
        product.is_active = active
        audit.record(actor, "product.restore" if active else "product.retire", "naloxone_products",
                     product.id, changes={"is_active": [not active, active]})
    return product


def active_funding_sources() -> list[FundingSource]:
    return list(db.session.scalars(
        select(FundingSource).where(FundingSource.is_active).order_by(FundingSource.name)))


def all_funding_sources() -> list[FundingSource]:
    return list(db.session.scalars(select(FundingSource).order_by(FundingSource.name)))


def create_funding_source(actor, code: str, name: str, kind: str) -> FundingSource:
    """Add a funding source to the list admins keep."""
    code = code.strip().lower()
    if not code or not all(c.isalnum() or c in "-_" for c in code):
        raise DomainError("Code: use letters, digits, '-' or '_'.", field="code")
    if not name.strip():
        raise DomainError("Name is required.", field="name")
    _choice(kind, FUNDING_KINDS, "kind", "Kind")
    if db.session.scalar(select(FundingSource.id).where(FundingSource.code == code)) is not None:
        raise DomainError(f"A funding source with code {code} already exists.", field="code")
    source = FundingSource(code=code, name=name.strip(), kind=kind)
    db.session.add(source)
    db.session.flush()
    audit.record(actor, "funding_source.create", "naloxone_funding_sources", source.id,
                 changes={"code": [None, code], "name": [None, source.name], "kind": [None, kind]})
    return source


def set_funding_source_active(actor, source: FundingSource, active: bool) -> FundingSource:
    """Retire a funding source from new lots (old lots keep it)."""
    if source.is_active != active:
        source.is_active = active
        audit.record(actor, "funding_source.update", "naloxone_funding_sources", source.id,
                     changes={"is_active": [not active, active]})
    return source


# --- storage locations and checks --------------------------------------------------------------

def facility_locations(facility: Facility, active_only: bool = False) -> list[StorageLocation]:
    stmt = select(StorageLocation).where(StorageLocation.facility_id == facility.id)
    if active_only:
        stmt = stmt.where(StorageLocation.is_active)
    return list(db.session.scalars(stmt.order_by(StorageLocation.name)))


def create_location(actor, facility: Facility, name: str, kind: str,
                    check_every_days: int | None) -> StorageLocation:
    """Add a place where kits are kept, with an optional check schedule in days."""
    name = name.strip()
    if not name:
        raise DomainError("Name is required.", field="name")
    _choice(kind, LOCATION_KINDS, "kind", "Kind")
    if check_every_days is not None and check_every_days < 1:
        raise DomainError("Check every: at least 1 day, or leave it empty for no schedule.",
                          field="check_every_days")
    exists = db.session.scalar(select(StorageLocation.id).where(
        StorageLocation.facility_id == facility.id, StorageLocation.name == name))
    if exists is not None:
        raise DomainError(f"{facility.code} already has a location called {name}.", field="name")
    location = StorageLocation(facility_id=facility.id, name=name, kind=kind,
                               check_every_days=check_every_days)
    db.session.add(location)
    db.session.flush()
    audit.record(actor, "storage_location.create", "naloxone_storage_locations", location.id,
                 facility_id=facility.id,
                 changes={"name": [None, name], "kind": [None, kind],
                          "check_every_days": [None, check_every_days]})
    return location


def record_storage_check(actor, location: StorageLocation, counted: int, expired: int, missing: int,
                         note: str = "", checked_at: datetime | None = None) -> StorageCheck:
    """Record a look inside a location: how many kits were there, expired, missing."""
    for field, value in (("counted", counted), ("expired", expired), ("missing", missing)):
        if value is None or value < 0:
            raise DomainError(f"{field.capitalize()}: enter 0 or more.", field=field)
    check = StorageCheck(location_id=location.id, counted=counted, expired=expired, missing=missing,
                         note=note.strip(), checked_at=checked_at or utcnow(),
                         checked_by_id=actor.id if actor is not None else None)
    db.session.add(check)
    db.session.flush()
    audit.record(actor, "storage_check.create", "naloxone_storage_checks", check.id,
                 facility_id=location.facility_id,
                 changes={"location_id": location.id, "counted": counted, "expired": expired,
                          "missing": missing})
    return check


@dataclass
class LocationStatus:
    location: StorageLocation
    last_check: StorageCheck | None
    next_due: date | None
    is_overdue: bool
    has_missing: bool


def location_statuses(facility: Facility, today: date | None = None) -> list[LocationStatus]:
    """Each active location with its last check; overdue (or never checked) and missing flagged."""
    today = today or facility_today(facility)
    locations = facility_locations(facility, active_only=True)
    latest = {}
    if locations:
        last_ids = (select(func.max(StorageCheck.id))
                    .where(StorageCheck.location_id.in_([loc.id for loc in locations]))
                    .group_by(StorageCheck.location_id))
        for check in db.session.scalars(select(StorageCheck).where(StorageCheck.id.in_(last_ids))):
            latest[check.location_id] = check
    statuses = []
    for location in locations:
        check = latest.get(location.id)
        next_due = None
        overdue = False
        if location.check_every_days:
            if check is None:
                overdue = True
            else:
                next_due = local_date(facility, check.checked_at) + timedelta(days=location.check_every_days)
                overdue = next_due < today
        statuses.append(LocationStatus(location, check, next_due, overdue,
                                       bool(check and check.missing)))
    return statuses


# --- lots and stock -----------------------------------------------------------------------------

def lot_stock(lot_id: int) -> int:
    """Kits on hand in a lot: the running total of its movements (Lot.on_hand)."""
    return db.session.scalar(select(Lot.on_hand).where(Lot.id == lot_id)) or 0


def stock_by_lot(lot_ids) -> dict[int, int]:
    ids = list(lot_ids)
    if not ids:
        return {}
    stock = dict.fromkeys(ids, 0)
    stock.update(db.session.execute(select(Lot.id, Lot.on_hand).where(Lot.id.in_(ids))).all())
    return stock


def _lock_lot(lot: Lot) -> Lot:
    """Take the lot's row lock for the rest of the transaction (no-op on SQLite: see module doc)."""
    return db.session.scalars(
        select(Lot).where(Lot.id == lot.id).with_for_update().execution_options(populate_existing=True)
    ).one()


def _lock_lots(*lots: Lot | None) -> None:
    """Lock several lots in id order: two operations on the same pair in opposite directions
    (a transfer each way, a correction moving a kit between lots) then wait for each other
    instead of deadlocking, since each movement updates its lot's total."""
    for lot in sorted({lot.id: lot for lot in lots if lot is not None}.values(), key=lambda lot: lot.id):
        _lock_lot(lot)


def _move(actor, lot: Lot, kind: str, quantity: int, *, reason: str = "", counted=None, expected=None,
          kit_event_id=None, transfer_lot_id=None, note: str = "",
          occurred_at: datetime | None = None) -> StockMovement:
    """Add one movement row. Callers that take stock out hold the lot lock already."""
    movement = StockMovement(
        lot_id=lot.id, kind=kind, quantity=quantity, reason=reason, counted=counted, expected=expected,
        kit_event_id=kit_event_id, transfer_lot_id=transfer_lot_id, note=note.strip(),
        occurred_at=occurred_at or utcnow(), actor_id=actor.id if actor is not None else None,
    )
    db.session.add(movement)
    # One UPDATE adding to the total: concurrent receipts cannot lose each other's kits, and a
    # take-out holds the lot lock already.
    db.session.execute(update(Lot).where(Lot.id == lot.id).values(on_hand=Lot.on_hand + quantity)
                       .execution_options(synchronize_session=False))
    db.session.expire(lot, ["on_hand"])
    return movement


def _take_out(actor, lot: Lot, quantity: int, kind: str, *, locked: bool = False, **kwargs) -> StockMovement:
    """Lock, sum, refuse if it would go below zero, then write the negative movement."""
    if quantity < 1:
        raise DomainError("Number of kits must be at least 1.", field="kits")
    if not locked:
        _lock_lot(lot)
    on_hand = lot_stock(lot.id)
    if quantity > on_hand:
        raise OutOfStock(
            f"Lot {lot.lot_number} has {on_hand} kit(s) left; {quantity} cannot be taken from it.",
            field="kits" if kind == "distribute" else "quantity")
    return _move(actor, lot, kind, -quantity, **kwargs)


def check_lot_usable(lot: Lot, on: date) -> None:
    """Expired and recalled lots cannot be given out."""
    if lot.is_recalled:
        raise LotNotUsable(f"Lot {lot.lot_number} is recalled and cannot be given out.", field="lot")
    if lot.expiry_date < on:
        raise LotNotUsable(f"Lot {lot.lot_number} expired on {lot.expiry_date.isoformat()} "
                           "and cannot be given out.", field="lot")


def find_lot(facility: Facility, product: Product, lot_number: str) -> Lot | None:
    return db.session.scalar(select(Lot).where(
        Lot.facility_id == facility.id, Lot.product_id == product.id, Lot.lot_number == lot_number))


def receive_lot(actor, facility: Facility, product: Product, lot_number: str, expiry_date: date,
                quantity: int, funding_source: FundingSource, location: StorageLocation | None = None,
                received_date: date | None = None, note: str = "", serials=()) -> Lot:
    """Receive kits of a lot into a facility (a new lot, or more of one already held); `serials`
    are the scanned cartons' serial numbers, each received once."""
    lot_number = lot_number.strip()
    serials = [serial.strip() for serial in serials if serial and serial.strip()]
    if len(serials) > quantity:
        raise DomainError(f"{len(serials)} cartons were scanned but the quantity is {quantity}; "
                          "correct the quantity.", field="quantity")
    if not lot_number or len(lot_number) > 64:
        raise DomainError("Lot number is required (up to 64 characters).", field="lot_number")
    if quantity is None or quantity < 1:
        raise DomainError("Quantity must be at least 1 kit.", field="quantity")
    if expiry_date is None:
        raise DomainError("Expiry date is required.", field="expiry_date")
    if not product.is_active:
        raise DomainError(f"{product.name} is retired; it cannot be received.", field="product")
    if location is not None and location.facility_id != facility.id:
        raise DomainError("That storage location belongs to another facility.", field="location")
    received_date = received_date or facility_today(facility)
    lot = find_lot(facility, product, lot_number)
    if lot is None:
        lot = Lot(product_id=product.id, lot_number=lot_number, expiry_date=expiry_date,
                  received_date=received_date, facility_id=facility.id,
                  location_id=location.id if location else None, funding_source_id=funding_source.id)
        db.session.add(lot)
        db.session.flush()
    elif lot.expiry_date != expiry_date or lot.funding_source_id != funding_source.id:
        raise DomainError(
            f"Lot {lot_number} is already held here with expiry {lot.expiry_date.isoformat()} and "
            f"funding {lot.funding_source.name}; check the box label.", field="expiry_date")
    movement = _move(actor, lot, "receive", quantity, note=note)
    db.session.flush()
    _record_serials(product, lot, movement, serials)
    changes = {"product": product.code, "lot_number": lot_number, "quantity": quantity,
               "expiry_date": expiry_date, "funding_source": funding_source.code, "movement_id": movement.id}
    if serials:
        changes["serials"] = serials
    audit.record(actor, "lot.receive", "naloxone_lots", lot.id, facility_id=facility.id, changes=changes)
    return lot


def _record_serials(product: Product, lot: Lot, movement: StockMovement, serials: list[str]) -> None:
    """Store each scanned carton's serial; one already stored (or scanned twice now) is refused."""
    seen: set[str] = set()
    for serial in serials:
        if len(serial) > 20:
            raise DomainError(f"Serial {serial[:24]}… is longer than GS1's 20 characters; scan it again.",
                              field="serials")
        if serial in seen:
            raise DomainError(f"This carton was already scanned: serial {serial} of lot {lot.lot_number} "
                              "is in this delivery twice. Set it aside and check the delivery.", field="serials")
        # Checked again here although the receive form's scan refused it: someone may have received
        # the carton between that scan and this submit.
        earlier = carton_received_before(product, lot.lot_number, serial)
        if earlier is not None:
            raise DomainError(received_before_problem(earlier, lambda facility_id: facility_id == lot.facility_id) + " "
                              + _("Set it aside and check the delivery."),
                              field="serials")
        seen.add(serial)
        db.session.add(CartonSerial(product_id=product.id, lot_number=lot.lot_number, serial=serial,
                                    lot_id=lot.id, movement_id=movement.id))
    db.session.flush()


# --- GTINs and scans (issue 17) ---------------------------------------------------------------

def product_gtins(product: Product) -> list[ProductGtin]:
    return list(db.session.scalars(select(ProductGtin).where(ProductGtin.product_id == product.id)
                                   .order_by(ProductGtin.gtin)))


def add_product_gtin(actor, product: Product, code: str) -> ProductGtin:
    """Add a carton GTIN (GTIN-8/12/13/14, or a whole scan of the carton) to a catalog product."""
    scan = parse_scan(code)
    if scan.gtin is None:
        raise DomainError(f"GTIN: {scan.problem}", field="gtin")
    owner = db.session.scalar(select(ProductGtin).where(ProductGtin.gtin == scan.gtin))
    if owner is not None:
        raise DomainError(f"GTIN {scan.gtin} already belongs to {owner.product.name}.", field="gtin")
    row = ProductGtin(product_id=product.id, gtin=scan.gtin)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "product.gtin_add", "naloxone_products", product.id, changes={"gtin": [None, scan.gtin]})
    return row


def remove_product_gtin(actor, row: ProductGtin) -> None:
    """Take a GTIN off a product (a typo, a pack no longer bought); past receipts keep their lots."""
    audit.record(actor, "product.gtin_remove", "naloxone_products", row.product_id,
                 changes={"gtin": [row.gtin, None]})
    db.session.delete(row)
    db.session.flush()


def product_for_scan(scan: Scan) -> Product | None:
    """The catalog product a scan names: by its GTIN, else by the NDC inside the GTIN."""
    if scan.gtin is None:
        return None
    product = db.session.scalar(select(Product).join(ProductGtin).where(ProductGtin.gtin == scan.gtin))
    if product is None and scan.ndc:
        candidates = [p for p in db.session.scalars(select(Product).where(Product.ndc.is_not(None)))
                      if p.ndc.replace("-", "") == scan.ndc]
        product = candidates[0] if len(candidates) == 1 else None
    return product


@dataclass(frozen=True)
class ScanAnswer:
    """A scan resolved against the catalog and, when a facility is given, its stock."""

    scan: Scan
    product: Product | None
    lot: Lot | None
    problem: str | None

    def as_json(self) -> dict:
        values = self.scan.as_dict()
        values["product"] = self.product.code if self.product else None
        values["problem"] = self.problem
        return {key: values[key] for key in SCAN_KEYS}


SCAN_KEYS = ("gtin", "ndc", "product", "lot", "expiry", "serial", "problem")


# At most this many administrators are named to someone who cannot add a GTIN themselves.
NAMED_ADMINS = 3


def gtin_admin_names() -> list[str]:
    """Who can add a GTIN to the catalog: active administrators with a name. Never an email: any
    signed-in person may scan, and an admin's sign-in address is not theirs to learn."""
    from reentry.auth.models import User

    admins = db.session.scalars(select(User).where(User.role == "admin", User.is_disabled.is_(False), User.name != "")
                                .order_by(User.name, User.id).limit(NAMED_ADMINS))
    return [admin.name for admin in admins]


def unknown_gtin_problem(gtin: str, may_add_gtin: bool) -> str:
    """Why a scan of a GTIN not in the catalog gives nothing, and who can fix that: an admin is
    offered the add-GTIN form by the page; anyone else is told whom to ask."""
    if may_add_gtin:
        return _("Unknown product: GTIN %(gtin)s is not in the catalog yet. Add it to its product, "
                 "then scan the carton again.", gtin=gtin)
    names = gtin_admin_names()
    if not names:
        return _("Unknown product: GTIN %(gtin)s is not in the catalog. Only an administrator can add "
                 "it to its product: ask one.", gtin=gtin)
    return _("Unknown product: GTIN %(gtin)s is not in the catalog. Only an administrator can add "
             "it to its product: ask %(names)s.", gtin=gtin, names=", ".join(names))


def carton_received_before(product: Product, lot_number: str, serial: str) -> CartonSerial | None:
    """The stored receipt of this carton (product, lot and serial), at any facility."""
    return db.session.scalar(select(CartonSerial).where(
        CartonSerial.product_id == product.id, CartonSerial.lot_number == lot_number,
        CartonSerial.serial == serial))


def received_before_problem(earlier: CartonSerial, may_see_facility: Callable[[int], bool]) -> str:
    """"Already received on DATE" (the day where that carton arrived, not the server's day) when
    the reader may see the facility it arrived at; otherwise only that it did: what another
    facility received, and when, is not the reader's to see."""
    held_by = db.session.get(Lot, earlier.lot_id).facility
    if not may_see_facility(held_by.id):
        return _("This carton (serial %(serial)s) was already received at another facility.",
                 serial=earlier.serial)
    return _("This carton (serial %(serial)s) was already received on %(date)s.", serial=earlier.serial,
             date=local_date(held_by, earlier.created_at).isoformat())


def resolve_scan(code: str, facility: Facility | None = None, *, purpose: str = "",
                 may_add_gtin: bool = False, may_see_facility: Callable[[int], bool] | None = None) -> ScanAnswer:
    """What a scan is and whether a kit can come from it: `problem` says why not (unreadable, bad
    check digit, unknown product, expired, recalled, no such lot at the facility, empty lot). With
    purpose "receive" a carton whose serial was received before is refused as the scan is read,
    not only when the form is sent; its date is given only for a receipt at a facility the reader
    may see (`may_see_facility`; by default the scanning facility alone)."""
    scan = parse_scan(code)
    if scan.problem:
        return ScanAnswer(scan, None, None, scan.problem)
    product = product_for_scan(scan)
    if product is None:
        return ScanAnswer(scan, None, None, unknown_gtin_problem(scan.gtin, may_add_gtin))
    today = facility_today(facility) if facility else utcnow().date()
    lot = None
    if facility is not None and scan.lot:
        lot = find_lot(facility, product, scan.lot)
    # The earlier date wins: a carton printed with a past expiry is expired whatever its lot's
    # record says, and a disagreement between the two is a problem of its own (below).
    expiry = min((day for day in (lot.expiry_date if lot else None, scan.expiry) if day), default=None)
    earlier = carton_received_before(product, scan.lot, scan.serial) \
        if purpose == "receive" and scan.lot and scan.serial else None
    if not product.is_active:
        problem = _("%(product)s is retired from the catalog.", product=product.name)
    elif earlier is not None:
        if may_see_facility is None:
            def may_see_facility(facility_id: int) -> bool:
                return facility is not None and facility_id == facility.id
        problem = received_before_problem(earlier, may_see_facility)
    elif expiry is not None and expiry < today:
        problem = _("Expired on %(date)s: do not give or receive this carton.", date=expiry.isoformat())
    elif lot is not None and lot.is_recalled:
        problem = _("Lot %(lot)s is recalled: set the carton aside.", lot=lot.lot_number)
    elif lot is not None and scan.expiry is not None and scan.expiry != lot.expiry_date:
        problem = _("The carton says it expires on %(carton)s, but lot %(lot)s is recorded as expiring on "
                    "%(recorded)s: check the carton and correct the lot record before giving it.",
                    carton=scan.expiry.isoformat(), lot=lot.lot_number, recorded=lot.expiry_date.isoformat())
    elif facility is not None and scan.lot and lot is None:
        problem = _("No such lot here: lot %(lot)s of %(product)s is not held at %(facility)s.",
                    lot=scan.lot, product=product.name, facility=facility.name)
    elif lot is not None and lot_stock(lot.id) <= 0:
        problem = _("Lot %(lot)s is empty here: its stock on hand is 0.", lot=lot.lot_number)
    else:
        problem = None
    if lot is not None and scan.expiry is None:
        scan = replace(scan, expiry=lot.expiry_date)
    return ScanAnswer(scan, product, lot, problem)


def waste_stock(actor, lot: Lot, quantity: int, reason: str, note: str = "") -> StockMovement:
    """Take kits out of stock as waste: expired, damaged, recalled or lost."""
    _choice(reason, WASTE_REASONS, "reason", "Reason")
    movement = _take_out(actor, lot, quantity, "waste", reason=reason, note=note)
    db.session.flush()
    audit.record(actor, "lot.waste", "naloxone_lots", lot.id, facility_id=lot.facility_id,
                 changes={"quantity": quantity, "reason": reason, "movement_id": movement.id})
    return movement


def adjust_count(actor, lot: Lot, counted: int, reason: str, note: str = "") -> StockMovement | None:
    """Record a physical count; the difference from what the records expect becomes a movement."""
    if counted is None or counted < 0:
        raise DomainError("Counted: enter 0 or more.", field="counted")
    if not reason.strip():
        raise DomainError("Give the reason for the count adjustment.", field="reason")
    _lock_lot(lot)
    expected = lot_stock(lot.id)
    if counted == expected:
        audit.record(actor, "lot.count", "naloxone_lots", lot.id, facility_id=lot.facility_id,
                     changes={"counted": counted, "expected": expected})
        return None
    movement = _move(actor, lot, "adjust", counted - expected, reason=reason.strip()[:200],
                     counted=counted, expected=expected, note=note)
    db.session.flush()
    audit.record(actor, "lot.adjust", "naloxone_lots", lot.id, facility_id=lot.facility_id,
                 changes={"counted": counted, "expected": expected, "reason": reason.strip(),
                          "movement_id": movement.id})
    return movement


def transfer_stock(actor, lot: Lot, destination: Facility, quantity: int,
                   location: StorageLocation | None = None, note: str = "") -> Lot:
    """Move kits of a lot to another facility: transfer out here, transfer in there."""
    if destination.id == lot.facility_id:
        raise DomainError("Choose a different facility to transfer to.", field="destination")
    if location is not None and location.facility_id != destination.id:
        raise DomainError("That storage location is not at the receiving facility.", field="location")
    target = find_lot(destination, lot.product, lot.lot_number)
    if target is None:
        target = Lot(product_id=lot.product_id, lot_number=lot.lot_number, expiry_date=lot.expiry_date,
                     received_date=facility_today(destination), facility_id=destination.id,
                     location_id=location.id if location else None,
                     funding_source_id=lot.funding_source_id, is_recalled=lot.is_recalled,
                     recalled_at=lot.recalled_at, recall_reason=lot.recall_reason)
        db.session.add(target)
        db.session.flush()
    _lock_lots(lot, target)
    out = _take_out(actor, lot, quantity, "transfer_out", transfer_lot_id=target.id, note=note, locked=True)
    into = _move(actor, target, "transfer_in", quantity, transfer_lot_id=lot.id, note=note)
    db.session.flush()
    audit.record(actor, "lot.transfer", "naloxone_lots", lot.id, facility_id=lot.facility_id,
                 changes={"quantity": quantity, "to_facility": destination.code, "to_lot_id": target.id,
                          "movement_ids": [out.id, into.id]})
    return target


@dataclass
class RecallOutcome:
    """What a recall changed: the lots marked now, and how many facilities you do not manage hold
    the same lot number (an admin must recall it there)."""

    recalled: list[Lot]
    unmanaged_facilities: int


def recall_lot(actor, lot: Lot, reason: str) -> RecallOutcome:
    """Mark a lot recalled in every facility the actor manages that holds it (same product and
    lot number); admins and the CLI reach every facility. Another facility's lot with the same
    number is left alone: a manager of one jail cannot take a prison's stock out of use."""
    if not can_manage_facility(actor, lot.facility_id):
        raise PermissionDenied("Only a manager of this lot's facility or an admin can recall it.")
    if not reason.strip():
        raise DomainError("Give the reason for the recall (e.g. the manufacturer's notice).", field="reason")
    same = list(db.session.scalars(select(Lot).where(
        Lot.product_id == lot.product_id, Lot.lot_number == lot.lot_number).order_by(Lot.id)))
    managed = [each for each in same if can_manage_facility(actor, each.facility_id)]
    now = utcnow()
    recalled = []
    for each in managed:
        if not each.is_recalled:
            each.is_recalled, each.recalled_at, each.recall_reason = True, now, reason.strip()
            audit.record(actor, "lot.recall", "naloxone_lots", each.id, facility_id=each.facility_id,
                         changes={"is_recalled": [False, True], "reason": reason.strip()})
            recalled.append(each)
    return RecallOutcome(recalled, len({each.facility_id for each in same} - {each.facility_id for each in managed}))


def lift_recall(actor, lot: Lot, reason: str) -> Lot:
    """Put one recalled lot back in use, with the reason (e.g. the maker withdrew the notice).

    Only this lot row: the recall reached every facility at once, but stock goes back into use
    where someone who manages it has checked it. Lifting a lot that is not recalled is refused
    and changes nothing, so a second submit of the same form is harmless.
    """
    if not can_manage_facility(actor, lot.facility_id):
        raise PermissionDenied("Only a manager of this lot's facility or an admin can lift its recall.")
    if not reason.strip():
        raise DomainError("Give the reason for lifting the recall.", field="reason")
    lot = _lock_lot(lot)  # two managers lifting at once: the second sees it lifted
    if not lot.is_recalled:
        raise DomainError(f"Lot {lot.lot_number} is not recalled.", field="reason")
    before = {"recalled_at": lot.recalled_at.isoformat() if lot.recalled_at else None,
              "recall_reason": lot.recall_reason}
    lot.is_recalled, lot.recalled_at, lot.recall_reason = False, None, None
    audit.record(actor, "lot.recall_lift", "naloxone_lots", lot.id, facility_id=lot.facility_id,
                 changes={"is_recalled": [True, False], "reason": reason.strip(), **before})
    return lot


def recall_contacts(lot: Lot):
    """Every kit given from this product and lot number, at any facility: who, when, where.

    Rows of (event, participant or None, facility, booking_id or ""), oldest first.
    """
    return db.session.execute(
        select(KitEvent, Participant, Facility, CustodyEpisode.booking_id)
        .join(Lot, KitEvent.lot_id == Lot.id)
        .join(Facility, KitEvent.facility_id == Facility.id)
        .outerjoin(Participant, KitEvent.participant_id == Participant.id)
        .outerjoin(CustodyEpisode, KitEvent.episode_id == CustodyEpisode.id)
        .where(Lot.product_id == lot.product_id, Lot.lot_number == lot.lot_number,
               KitEvent.outcome.in_(GIVEN_OUTCOMES), KitEvent.is_voided.is_(False))
        .order_by(KitEvent.occurred_at, KitEvent.id)
    ).all()


RECALL_CSV_COLUMNS = ["event_id", "event_date", "facility", "booking_id", "participant_id",
                      "last_name", "first_name", "date_of_birth", "recipient", "outcome", "kits",
                      "product", "lot", "picked_up"]


def recall_csv_rows(lot: Lot):
    for event, person, facility, booking_id in recall_contacts(lot):
        yield [event.id, event.event_date.isoformat(), facility.code, booking_id or "",
               person.id if person else "", person.last_name if person else "",
               person.first_name if person else "",
               person.date_of_birth.isoformat() if person and person.date_of_birth else "",
               event.recipient_type, event.outcome, event.kits, lot.product.code, lot.lot_number,
               "" if event.property_picked_up is None else ("yes" if event.property_picked_up else "no")]


def facility_lots(facility: Facility, include_empty: bool = False):
    """The facility's lots with stock on hand, first-expiring-first: [(lot, on_hand)]."""
    lots = list(db.session.scalars(
        select(Lot).where(Lot.facility_id == facility.id)
        .order_by(Lot.expiry_date, Lot.id)))
    stock = stock_by_lot(lot.id for lot in lots)
    return [(lot, stock[lot.id]) for lot in lots if include_empty or stock[lot.id] > 0]


def distributable_lots(facility: Facility, on: date | None = None):
    """Lots a kit can be given from today: in stock, not expired, not recalled, active product;
    first-expiring-first, so the oldest stock goes out before it expires."""
    on = on or facility_today(facility)
    return [(lot, qty) for lot, qty in facility_lots(facility)
            if not lot.is_recalled and lot.expiry_date >= on and lot.product.is_active]


def lot_movements(lot: Lot) -> list[StockMovement]:
    return list(db.session.scalars(
        select(StockMovement).where(StockMovement.lot_id == lot.id)
        .order_by(StockMovement.occurred_at.desc(), StockMovement.id.desc())))


# --- alerts -------------------------------------------------------------------------------------

@dataclass
class Alerts:
    below_minimum: list[dict]
    expiring: list[tuple[Lot, int]]
    recalled_in_stock: list[tuple[Lot, int]]
    locations: list[LocationStatus]

    @property
    def count(self) -> int:
        flagged = [s for s in self.locations if s.is_overdue or s.has_missing]
        return len(self.below_minimum) + len(self.expiring) + len(self.recalled_in_stock) + len(flagged)


def stock_minimum_days(facility: Facility) -> int:
    row = db.session.get(StockMinimum, facility.id)
    return row.days_of_supply if row else 30


def set_stock_minimum(actor, facility: Facility, days_of_supply: int) -> StockMinimum:
    """Set how many days of supply the facility must keep on hand."""
    if days_of_supply is None or not 1 <= days_of_supply <= 365:
        raise DomainError("Days of supply: between 1 and 365.", field="days_of_supply")
    row = db.session.get(StockMinimum, facility.id)
    before = row.days_of_supply if row else None
    if row is None:
        row = StockMinimum(facility_id=facility.id)
        db.session.add(row)
    row.days_of_supply = days_of_supply
    db.session.flush()
    audit.record(actor, "stock_minimum.update", "naloxone_stock_minimums", facility.id,
                 facility_id=facility.id, changes={"days_of_supply": [before, days_of_supply]})
    return row


def facility_alerts(facility: Facility, today: date | None = None) -> Alerts:
    """Stock below the facility's minimum, lots expiring within 90 days, recalled lots in stock,
    and storage locations with an overdue or missing check."""
    today = today or facility_today(facility)
    lots = facility_lots(facility)
    days = stock_minimum_days(facility)
    since = utcnow() - timedelta(days=USE_WINDOW_DAYS)
    # Kits given, less those given back by a void or correction.
    used = dict(db.session.execute(
        select(Lot.product_id, func.sum(-StockMovement.quantity))
        .join(Lot, StockMovement.lot_id == Lot.id)
        .where(Lot.facility_id == facility.id, StockMovement.kind.in_(("distribute", "return")),
               StockMovement.occurred_at >= since)
        .group_by(Lot.product_id)).all())
    usable: dict[int, int] = {}
    for lot, qty in lots:
        if not lot.is_recalled and lot.expiry_date >= today:
            usable[lot.product_id] = usable.get(lot.product_id, 0) + qty
    products = {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(set(used) | set(usable))))}
    below = []
    for product_id, kits_used in sorted(used.items()):
        per_day = kits_used / USE_WINDOW_DAYS
        minimum = int(-(-per_day * days // 1))  # round up: a fraction of a kit is still a kit
        on_hand = usable.get(product_id, 0)
        if minimum and on_hand < minimum:
            below.append({"product": products[product_id], "on_hand": on_hand, "minimum": minimum,
                          "used_90_days": int(kits_used), "days_of_supply": days})
    horizon = today + timedelta(days=EXPIRING_DAYS)
    expiring = [(lot, qty) for lot, qty in lots if not lot.is_recalled and lot.expiry_date <= horizon]
    recalled = [(lot, qty) for lot, qty in lots if lot.is_recalled]
    return Alerts(below, expiring, recalled, location_statuses(facility, today))


# --- kit events ---------------------------------------------------------------------------------

@dataclass
class KitDetails:
    """What a person enters for one kit event (the form's cleaned data)."""

    occurred_at: datetime
    context: str
    outcome: str
    recipient_type: str
    kits: int = 1
    lot: Lot | None = None
    product: Product | None = None
    decline_reason: str | None = None
    decline_other: str = ""
    supply: str = "unknown"
    repeat_reason: str | None = None


def _validate_kit(facility: Facility, details: KitDetails, *, historical: bool = False) -> Product | None:
    _choice(details.context, CONTEXTS, "context", "Context")
    _choice(details.outcome, OUTCOMES, "outcome", "Outcome")
    _choice(details.recipient_type, RECIPIENT_TYPES, "recipient_type", "Recipient")
    _choice(details.supply, SUPPLY_TYPES, "supply", "First or repeat kit")
    if details.occurred_at is None or details.occurred_at.tzinfo is None:
        raise DomainError("Date and time are required.", field="occurred_at")
    if details.occurred_at > utcnow() + timedelta(minutes=5):
        raise DomainError("Date and time cannot be in the future.", field="occurred_at")
    if details.kits is None or not 1 <= details.kits <= 500:
        raise DomainError("Number of kits: between 1 and 500.", field="kits")
    if details.outcome == "declined":
        if details.decline_reason is None and not historical:
            raise DomainError("Choose why the kit was declined.", field="decline_reason")
        if details.decline_reason is not None:
            _choice(details.decline_reason, DECLINE_REASONS, "decline_reason", "Decline reason")
        if details.decline_reason == "other" and not details.decline_other.strip():
            raise DomainError("Say why the kit was declined (reason: other).", field="decline_other")
        if details.lot is not None:
            raise DomainError("A declined kit leaves no lot: clear the lot.", field="lot")
    else:
        if details.decline_reason or details.decline_other.strip():
            raise DomainError("A decline reason is only for declined kits.", field="decline_reason")
        if details.lot is None and not historical:
            raise DomainError("Choose the lot the kit came from.", field="lot")
    if details.supply == "repeat":
        if details.repeat_reason is None and not historical:
            raise DomainError("Choose why a repeat kit was needed.", field="repeat_reason")
        if details.repeat_reason is not None:
            _choice(details.repeat_reason, REPEAT_REASONS, "repeat_reason", "Repeat reason")
    elif details.repeat_reason:
        raise DomainError("A repeat reason is only for repeat kits.", field="repeat_reason")
    product = details.product
    if details.lot is not None:
        if details.lot.facility_id != facility.id:
            raise DomainError("That lot is held at another facility.", field="lot")
        if product is not None and product.id != details.lot.product_id:
            raise DomainError("The lot is of a different product than the one chosen.", field="product")
        product = details.lot.product
    return product


def _episode_for(facility: Facility, episode: CustodyEpisode | None) -> CustodyEpisode | None:
    if episode is not None and (episode.facility_id != facility.id or episode.is_voided):
        raise DomainError("That booking is not an active episode at this facility.", field="episode")
    return episode


def find_kit_event_by_token(token: str) -> KitEvent | None:
    return db.session.scalar(select(KitEvent).where(KitEvent.token == token))


def record_kit_event(actor, facility: Facility, details: KitDetails, *, token: str,
                     episode: CustodyEpisode | None = None, participant: Participant | None = None,
                     is_anonymous: bool = False) -> tuple[KitEvent, bool]:
    """Record one kit offered: handed, packed in property, or declined.

    Returns (event, created). A token already used returns the earlier event and created=False,
    so a double-click or a resubmitted form makes one record. Stock leaves the lot in the same
    transaction, under the lot's lock.
    """
    token = _check_token(token)
    episode = _episode_for(facility, episode)
    if episode is not None:
        participant = episode.participant
    if participant is not None and participant.is_voided:
        raise DomainError("That participant's record is voided.", field="participant")
    product = _validate_kit(facility, details)
    if details.outcome != "declined":
        check_lot_usable(details.lot, local_date(facility, details.occurred_at))
        if not product.is_active:
            raise DomainError(f"{product.name} is retired; choose another lot.", field="lot")
        # The lock comes first: a concurrent submit of the same token then finds the other's row.
        _lock_lot(details.lot)
    existing = find_kit_event_by_token(token)
    if existing is not None:
        return existing, False
    if is_anonymous:
        participant = episode = None
    trained = None
    if participant is not None:
        from reentry.training.services import participant_trained_before

        trained = participant_trained_before(participant.id, details.occurred_at)
    event = KitEvent(
        token=token, facility_id=facility.id, participant_id=participant.id if participant else None,
        episode_id=episode.id if episode else None, is_anonymous=is_anonymous,
        occurred_at=details.occurred_at, event_date=local_date(facility, details.occurred_at),
        context=details.context, outcome=details.outcome, decline_reason=details.decline_reason,
        decline_other=details.decline_other.strip(), product_id=product.id if product else None,
        lot_id=details.lot.id if details.lot else None, kits=details.kits,
        recipient_type=details.recipient_type, supply=details.supply,
        repeat_reason=details.repeat_reason, was_trained_before=trained,
        staff_id=actor.id if actor is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(event)
            db.session.flush()
    except IntegrityError:
        # Another submit with this token committed between our check and our insert.
        existing = find_kit_event_by_token(token)
        if existing is None:
            raise
        return existing, False
    if event.is_given:
        _take_out(actor, details.lot, details.kits, "distribute", locked=True, kit_event_id=event.id,
                  occurred_at=details.occurred_at)
        db.session.flush()
    audit.record(actor, "kit_event.create", "naloxone_kit_events", event.id, facility_id=facility.id,
                 changes={k: [None, v] for k, v in audit.snapshot(event, KIT_EVENT_FIELDS).items()
                          if v not in (None, "")})
    return event, True


def record_bulk_distribution(actor, facility: Facility, *, token: str, occurred_at: datetime,
                             context: str, lot: Lot, counts: dict[str, int]) -> list[KitEvent]:
    """Anonymous counts-only entry (community or visit-room handouts): one event per recipient
    type with a count, no identity. Idempotent on the form's token."""
    token = _check_token(token)
    counts = {k: v for k, v in counts.items() if v}
    if not counts:
        raise DomainError("Enter how many kits went to at least one type of recipient.")
    for recipient, count in counts.items():
        _choice(recipient, RECIPIENT_TYPES, recipient, "Recipient")
        if count < 0:
            raise DomainError("Counts cannot be negative.", field=recipient)
    events = []
    for recipient in RECIPIENT_TYPES:
        if recipient not in counts:
            continue
        # One derived key per recipient type, so a resubmit finds every row it made.
        sub_token = str(uuid.uuid5(uuid.UUID(token), recipient))
        event, _created = record_kit_event(
            actor, facility,
            KitDetails(occurred_at=occurred_at, context=context, outcome="handed",
                       recipient_type=recipient, kits=counts[recipient], lot=lot),
            token=sub_token, is_anonymous=True)
        events.append(event)
    return events


def _return_stock(actor, event: KitEvent, reason: str) -> None:
    if event.is_given and event.lot_id is not None and not event.is_historical:
        _move(actor, event.lot, "return", event.kits, reason=reason, kit_event_id=event.id)


def correct_kit_event(actor, event: KitEvent, details: KitDetails, expected_version: int | None = None) -> KitEvent:
    """A correction: an audited edit. Stock follows: the old kits go back, the new ones go out."""
    if event.is_voided:
        raise DomainError("A voided record cannot be corrected.")
    if expected_version is not None and expected_version != event.version:
        raise Conflict("Someone else changed this record while you were editing. "
                       "Reload it to see their change, then correct it again.")
    facility = event.facility
    details.product = details.product or (None if details.lot else event.product)
    product = _validate_kit(facility, details, historical=event.is_historical)
    before = audit.snapshot(event, KIT_EVENT_FIELDS)
    stock_changes = (event.lot_id != (details.lot.id if details.lot else None)
                     or event.kits != details.kits or event.is_given != (details.outcome in GIVEN_OUTCOMES))
    if stock_changes and not event.is_historical:
        if details.outcome in GIVEN_OUTCOMES and details.lot.id != event.lot_id:
            check_lot_usable(details.lot, local_date(facility, details.occurred_at))
        _lock_lots(event.lot, details.lot)
        _return_stock(actor, event, "correction")
    event.occurred_at = details.occurred_at
    event.event_date = local_date(facility, details.occurred_at)
    event.context, event.outcome, event.recipient_type = details.context, details.outcome, details.recipient_type
    event.decline_reason, event.decline_other = details.decline_reason, details.decline_other.strip()
    event.product_id = product.id if product else None
    event.lot_id = details.lot.id if details.lot else None
    event.kits, event.supply, event.repeat_reason = details.kits, details.supply, details.repeat_reason
    if event.outcome != "property":
        event.property_picked_up = None
    db.session.flush()
    if stock_changes and not event.is_historical and event.is_given:
        db.session.flush()
        _take_out(actor, details.lot, details.kits, "distribute", kit_event_id=event.id,
                  occurred_at=details.occurred_at, note="correction")
    changes = audit.changes_between(before, audit.snapshot(event, KIT_EVENT_FIELDS))
    if changes:
        audit.record(actor, "kit_event.update", "naloxone_kit_events", event.id,
                     facility_id=event.facility_id, changes=changes)
    return event


def void_kit_event(actor, event: KitEvent, reason: str) -> KitEvent:
    """Void a record entered in error; its kits go back to the lot. The row stays for audit."""
    if event.is_voided:
        raise DomainError("This record is already voided.")
    if not reason.strip():
        raise DomainError("Give the reason for voiding this record.", field="reason")
    _return_stock(actor, event, "void")
    event.is_voided, event.void_reason, event.voided_at = True, reason.strip(), utcnow()
    db.session.flush()
    audit.record(actor, "kit_event.void", "naloxone_kit_events", event.id, facility_id=event.facility_id,
                 changes={"is_voided": [False, True], "reason": reason.strip()})
    return event


def record_property_pickup(actor, event: KitEvent, picked_up: bool) -> KitEvent:
    """Record whether a kit packed in property left with the person at release."""
    if event.outcome != "property" or event.is_voided:
        raise DomainError("Only a kit packed in property can be picked up.")
    before = event.property_picked_up
    event.property_picked_up, event.picked_up_recorded_at = picked_up, utcnow()
    db.session.flush()
    audit.record(actor, "kit_event.pickup", "naloxone_kit_events", event.id, facility_id=event.facility_id,
                 changes={"property_picked_up": [before, picked_up]})
    return event


def facility_kit_events(facility: Facility, limit: int = 100, offset: int = 0) -> list[KitEvent]:
    """A page of the facility's kit records, newest first (voided ones included and marked)."""
    return list(db.session.scalars(
        select(KitEvent).where(KitEvent.facility_id == facility.id)
        .order_by(KitEvent.occurred_at.desc(), KitEvent.id.desc()).limit(limit).offset(offset)))


def has_earlier_kit(participant_id: int, facility_id: int) -> bool:
    """Whether this person was given a kit before at this facility (the form then suggests
    "repeat"; a kit from another facility is that facility's record, issue 14)."""
    return db.session.scalar(select(KitEvent.id).where(
        KitEvent.participant_id == participant_id, KitEvent.facility_id == facility_id,
        KitEvent.outcome.in_(GIVEN_OUTCOMES), KitEvent.is_voided.is_(False)).limit(1)) is not None


def participant_kit_events(participant_id: int, *, facility_ids: set[int] | None) -> list[KitEvent]:
    """The person's kit records made at one of `facility_ids` (None: all), newest first."""
    stmt = select(KitEvent).where(KitEvent.participant_id == participant_id).order_by(KitEvent.occurred_at.desc())
    if facility_ids is not None:
        stmt = stmt.where(KitEvent.facility_id.in_(facility_ids))
    return list(db.session.scalars(stmt))


def kit_status_by_episode(episode_ids) -> dict[int, dict]:
    """For each episode: kits given, whether one is in property, and the latest outcome."""
    ids = list(episode_ids)
    if not ids:
        return {}
    given = case((KitEvent.outcome.in_(GIVEN_OUTCOMES), KitEvent.kits), else_=0)
    in_property = case((and_(KitEvent.outcome == "property",
                             or_(KitEvent.property_picked_up.is_(None), KitEvent.property_picked_up)), 1),
                       else_=0)
    declined = case((KitEvent.outcome == "declined", 1), else_=0)
    rows = db.session.execute(
        select(KitEvent.episode_id, func.sum(given), func.max(in_property), func.max(declined))
        .where(KitEvent.episode_id.in_(ids), KitEvent.is_voided.is_(False))
        .group_by(KitEvent.episode_id))
    return {episode_id: {"given": int(g or 0), "in_property": bool(p), "declined": bool(d)}
            for episode_id, g, p, d in rows}


# --- reversal reports ---------------------------------------------------------------------------

@dataclass
class ReversalDetails:
    occurred_on: date
    reporter_type: str
    location_type: str
    giver_type: str
    outcome: str
    doses_used: int = 1
    county: str = ""
    zip_code: str = ""
    is_self_administered: bool = False
    product: Product | None = None
    was_breathing: str = "unknown"
    was_responsive: str = "unknown"
    rescue_breathing: str = "unknown"
    called_911: str = "unknown"
    ems_came: str = "unknown"
    giver_stayed: str = "unknown"
    others_gave_naloxone: str = "unknown"
    age_band: str = "unknown"
    gender: str = ""
    naloxone_source: str = "unknown"
    kit_event: KitEvent | None = None


def reversal_prefill(event: KitEvent) -> dict:
    """Form defaults when a repeat kit's reason is "used": the earlier kit most likely used, at
    this kit's facility (another facility's kit is that facility's record, issue 14)."""
    earlier = None
    if event.participant_id is not None:
        earlier = db.session.scalar(
            select(KitEvent).where(KitEvent.participant_id == event.participant_id,
                                   KitEvent.facility_id == event.facility_id,
                                   KitEvent.id != event.id, KitEvent.outcome.in_(GIVEN_OUTCOMES),
                                   KitEvent.is_voided.is_(False), KitEvent.occurred_at <= event.occurred_at)
            .order_by(KitEvent.occurred_at.desc()).limit(1))
    person = event.participant
    return {
        "reporter_type": "participant" if event.recipient_type == "participant" else
        {"family": "family", "staff": "staff"}.get(event.recipient_type, "other"),
        "occurred_on": event.event_date,
        "county": person.destination_county if person else "",
        "zip_code": person.destination_zip if person else "",
        "product": (earlier.product_id if earlier else event.product_id) or "",
        "naloxone_source": "our_kit" if earlier else "unknown",
        "kit_event": earlier.id if earlier else "",
        "participant": person.id if person else "",
    }


def _validate_reversal(facility: Facility, details: ReversalDetails) -> None:
    _choice(details.reporter_type, REPORTER_TYPES, "reporter_type", "Reported by")
    _choice(details.location_type, LOCATION_TYPES, "location_type", "Where")
    _choice(details.giver_type, GIVER_TYPES, "giver_type", "Who gave the naloxone")
    _choice(details.outcome, REVERSAL_OUTCOMES, "outcome", "Outcome")
    _choice(details.age_band, AGE_BANDS, "age_band", "Age band")
    _choice(details.naloxone_source, NALOXONE_SOURCES, "naloxone_source", "Where the naloxone came from")
    for field in ("was_breathing", "was_responsive", "rescue_breathing", "called_911", "ems_came",
                  "giver_stayed", "others_gave_naloxone"):
        _choice(getattr(details, field), YES_NO_UNKNOWN, field, field.replace("_", " ").capitalize())
    if details.occurred_on is None:
        raise DomainError("Date is required.", field="occurred_on")
    if details.occurred_on > facility_today(facility):
        raise DomainError("Date cannot be in the future.", field="occurred_on")
    if details.doses_used is None or not 1 <= details.doses_used <= 20:
        raise DomainError("Doses used: between 1 and 20.", field="doses_used")
    if details.zip_code and not (details.zip_code[:5].isdigit() and len(details.zip_code) in (5, 10)):
        raise DomainError("ZIP: 5 digits (or ZIP+4).", field="zip_code")
    if details.kit_event is not None and details.naloxone_source != "our_kit":
        raise DomainError("A linked kit means the naloxone came from one of our kits.", field="naloxone_source")


def record_reversal(actor, facility: Facility, details: ReversalDetails, *, token: str,
                    participant: Participant | None = None) -> tuple[ReversalReport, bool]:
    """Record a use of naloxone reported back; linked to our kit (and its lot) when known."""
    token = _check_token(token)
    existing = db.session.scalar(select(ReversalReport).where(ReversalReport.token == token))
    if existing is not None:
        return existing, False
    _validate_reversal(facility, details)
    kit = details.kit_event
    if kit is not None and kit.is_voided:
        raise DomainError("The linked kit record is voided.", field="kit_event")
    product = details.product or (kit.product if kit else None)
    report = ReversalReport(
        token=token, facility_id=facility.id, reporter_type=details.reporter_type,
        participant_id=participant.id if participant else None, occurred_on=details.occurred_on,
        county=details.county.strip(), zip_code=details.zip_code.strip(),
        location_type=details.location_type, giver_type=details.giver_type,
        is_self_administered=details.is_self_administered, product_id=product.id if product else None,
        doses_used=details.doses_used, was_breathing=details.was_breathing,
        was_responsive=details.was_responsive, rescue_breathing=details.rescue_breathing,
        called_911=details.called_911, ems_came=details.ems_came, giver_stayed=details.giver_stayed,
        others_gave_naloxone=details.others_gave_naloxone, outcome=details.outcome,
        age_band=details.age_band, gender=details.gender.strip(),
        naloxone_source=details.naloxone_source, kit_event_id=kit.id if kit else None,
        lot_id=kit.lot_id if kit else None, recorded_by_id=actor.id if actor is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(report)
            db.session.flush()
    except IntegrityError:
        existing = db.session.scalar(select(ReversalReport).where(ReversalReport.token == token))
        if existing is None:
            raise
        return existing, False
    audit.record(actor, "reversal.create", "naloxone_reversal_reports", report.id, facility_id=facility.id,
                 changes={k: [None, v] for k, v in audit.snapshot(report, REVERSAL_FIELDS).items()
                          if v not in (None, "")})
    return report, True


def void_reversal(actor, report: ReversalReport, reason: str) -> ReversalReport:
    """Void a reversal report entered in error."""
    if report.is_voided:
        raise DomainError("This report is already voided.")
    if not reason.strip():
        raise DomainError("Give the reason for voiding this report.", field="reason")
    report.is_voided, report.void_reason = True, reason.strip()
    audit.record(actor, "reversal.void", "naloxone_reversal_reports", report.id,
                 facility_id=report.facility_id, changes={"is_voided": [False, True], "reason": reason.strip()})
    return report


def facility_reversals(facility: Facility, limit: int = 100) -> list[ReversalReport]:
    return list(db.session.scalars(
        select(ReversalReport).where(ReversalReport.facility_id == facility.id)
        .order_by(ReversalReport.occurred_on.desc(), ReversalReport.id.desc()).limit(limit)))


def product_given_for_episode(episode_id: int) -> str | None:
    """The catalog code of the naloxone last given (handed or packed in property) on a stay,
    for the release packet's how-to page; None if none was given."""
    return db.session.scalar(
        select(Product.code).join(KitEvent, KitEvent.product_id == Product.id)
        .where(KitEvent.episode_id == episode_id, KitEvent.is_voided.is_(False),
               KitEvent.outcome.in_(GIVEN_OUTCOMES))
        .order_by(KitEvent.occurred_at.desc(), KitEvent.id.desc()).limit(1))
