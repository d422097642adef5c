"""Naloxone: products, funding sources, storage, lots, stock movements, kit events, reversals.

Stock is never stored: a lot's quantity on hand is the sum of its movement rows (receive,
transfer, distribute, waste, count adjustment). Every kit event and every reversal traces to a lot
and so to the funding source that paid for it.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reentry.auth.models import User
from reentry.database import UTCDateTime, utcnow
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.participants.models import CustodyEpisode, Participant

ROUTES = ("nasal", "IM", "IM/SC")
FUNDING_KINDS = ("state_program", "federal_grant", "purchased", "donated", "other")
LOCATION_KINDS = ("pharmacy", "medical_unit", "housing_cabinet", "emergency_bag", "property_room",
                  "visit_room", "other")
MOVEMENT_KINDS = ("receive", "transfer_out", "transfer_in", "distribute", "return", "waste", "adjust")
WASTE_REASONS = ("expired", "damaged", "recalled", "lost")
CONTEXTS = ("release", "in_custody_training", "family_visit", "community")
OUTCOMES = ("handed", "property", "declined")
GIVEN_OUTCOMES = ("handed", "property")
DECLINE_REASONS = ("no_need", "has_kit", "distrust", "legal_worry", "cannot_carry", "stigma", "other")
RECIPIENT_TYPES = ("participant", "family", "staff", "community")
SUPPLY_TYPES = ("first", "repeat", "unknown")
REPEAT_REASONS = ("used", "lost", "expired", "confiscated", "gave_away")
YES_NO_UNKNOWN = ("yes", "no", "unknown")
REPORTER_TYPES = ("participant", "family", "staff", "other")
LOCATION_TYPES = ("home", "street", "shelter", "facility", "other")
GIVER_TYPES = ("participant", "family", "staff", "other")
REVERSAL_OUTCOMES = ("survived", "died", "unknown")
AGE_BANDS = ("under_18", "18_24", "25_34", "35_44", "45_54", "55_64", "65_plus", "unknown")
NALOXONE_SOURCES = ("our_kit", "elsewhere", "unknown")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Product(db.Model):
    """A naloxone product the program gives. Retired products stay on old records."""

    __tablename__ = "naloxone_products"
    __table_args__ = (
        CheckConstraint(_in("route", ROUTES), name="route"),
        CheckConstraint("devices_per_kit >= 1", name="devices_per_kit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    strength: Mapped[str] = mapped_column(String(64))
    route: Mapped[str] = mapped_column(String(8))
    devices_per_kit: Mapped[int] = mapped_column(default=2)
    is_otc: Mapped[bool] = mapped_column(default=False)
    ndc: Mapped[str | None] = mapped_column(String(20))
    is_ndc_verified: Mapped[bool] = mapped_column(default=False)
    ndc_verified_on: Mapped[date | None] = mapped_column(Date)
    storage_min_c: Mapped[int | None] = mapped_column(Integer)
    storage_max_c: Mapped[int | None] = mapped_column(Integer)
    storage_note: Mapped[str] = mapped_column(Text, default="")
    shelf_life_months: Mapped[int | None] = mapped_column(Integer)
    instructions_key: Mapped[str] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Product {self.code}>"


class ProductGtin(db.Model):
    """A GTIN printed on a product's cartons (a product can have several: pack sizes, makers,
    GTIN-14 and its UPC). Stored as GTIN-14, so a UPC scan and a DataMatrix scan of one carton
    find the same row."""

    __tablename__ = "naloxone_product_gtins"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("naloxone_products.id"), index=True)
    gtin: Mapped[str] = mapped_column(String(14), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()

    def __repr__(self) -> str:
        return f"<ProductGtin {self.gtin} product={self.product_id}>"


class CartonSerial(db.Model):
    """A carton's serial number (GS1 AI 21), stored when a receipt scanned it: one carton is
    received once, so a second scan of it is refused rather than counted twice."""

    __tablename__ = "naloxone_carton_serials"
    __table_args__ = (UniqueConstraint("product_id", "lot_number", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("naloxone_products.id"))
    lot_number: Mapped[str] = mapped_column(String(64))
    serial: Mapped[str] = mapped_column(String(20))
    lot_id: Mapped[int] = mapped_column(ForeignKey("naloxone_lots.id"), index=True)
    movement_id: Mapped[int] = mapped_column(ForeignKey("naloxone_stock_movements.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<CartonSerial {self.serial} lot={self.lot_id}>"


class FundingSource(db.Model):
    """Who paid for a lot; funders count only what their naloxone did."""

    __tablename__ = "naloxone_funding_sources"
    __table_args__ = (CheckConstraint(_in("kind", FUNDING_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<FundingSource {self.code}>"


class StorageLocation(db.Model):
    """Where kits are kept: the pharmacy, a housing-unit cabinet, an emergency bag..."""

    __tablename__ = "naloxone_storage_locations"
    __table_args__ = (
        UniqueConstraint("facility_id", "name"),
        CheckConstraint(_in("kind", LOCATION_KINDS), name="kind"),
        CheckConstraint("check_every_days IS NULL OR check_every_days >= 1", name="check_every_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    check_every_days: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    facility: Mapped[Facility] = relationship()

    def __repr__(self) -> str:
        return f"<StorageLocation {self.id} facility={self.facility_id}>"


class StorageCheck(db.Model):
    """One look inside a storage location: kits counted, expired and missing."""

    __tablename__ = "naloxone_storage_checks"
    __table_args__ = (
        CheckConstraint("counted >= 0 AND expired >= 0 AND missing >= 0", name="counts"),
        Index("ix_naloxone_storage_checks_location_checked", "location_id", "checked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("naloxone_storage_locations.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    counted: Mapped[int] = mapped_column(default=0)
    expired: Mapped[int] = mapped_column(default=0)
    missing: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")

    location: Mapped[StorageLocation] = relationship()
    checked_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<StorageCheck {self.id} location={self.location_id}>"


class StockMinimum(db.Model):
    """A facility's minimum stock, in days of supply at the last 90 days' rate of use."""

    __tablename__ = "naloxone_stock_minimums"
    __table_args__ = (CheckConstraint("days_of_supply >= 1", name="days_of_supply"),)

    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"), primary_key=True)
    days_of_supply: Mapped[int] = mapped_column(default=30)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<StockMinimum facility={self.facility_id}>"


class Lot(db.Model):
    """A manufacturer's lot of one product held at one facility.

    A transfer to another facility creates (or reuses) the same lot number's row there, so each
    row's stock is one facility's. A recall marks every row of that product and lot number.
    """

    __tablename__ = "naloxone_lots"
    __table_args__ = (
        UniqueConstraint("facility_id", "product_id", "lot_number"),
        CheckConstraint("on_hand >= 0", name="on_hand"),
        Index("ix_naloxone_lots_facility_expiry", "facility_id", "expiry_date"),
        Index("ix_naloxone_lots_product_lot_number", "product_id", "lot_number"),
        # A recall names a lot number, not a product: without this the recall report read every
        # kit of the period to find that lot's.
        Index("ix_naloxone_lots_lot_number", "lot_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("naloxone_products.id"))
    lot_number: Mapped[str] = mapped_column(String(64))
    expiry_date: Mapped[date] = mapped_column(Date)
    received_date: Mapped[date] = mapped_column(Date)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("naloxone_storage_locations.id"))
    funding_source_id: Mapped[int] = mapped_column(ForeignKey("naloxone_funding_sources.id"))
    is_recalled: Mapped[bool] = mapped_column(default=False)
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recall_reason: Mapped[str | None] = mapped_column(Text)
    # The sum of the lot's movements, kept by services._move in the same transaction as each
    # movement (the movements stay the record; this is their running total). Reading it instead
    # of summing keeps the dashboard and each kit recorded fast when a lot has thousands of
    # movements, and the check makes "never below zero" a rule of the database itself.
    on_hand: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    facility: Mapped[Facility] = relationship()
    location: Mapped[StorageLocation | None] = relationship()
    funding_source: Mapped[FundingSource] = relationship()

    def __repr__(self) -> str:
        return f"<Lot {self.id} facility={self.facility_id}>"


class StockMovement(db.Model):
    """One change to a lot's stock; the sum of a lot's rows is its quantity on hand."""

    __tablename__ = "naloxone_stock_movements"
    __table_args__ = (
        CheckConstraint(_in("kind", MOVEMENT_KINDS), name="kind"),
        CheckConstraint("quantity <> 0", name="quantity_nonzero"),
        CheckConstraint(
            "(kind IN ('receive', 'transfer_in', 'return') AND quantity > 0)"
            " OR (kind IN ('transfer_out', 'distribute', 'waste') AND quantity < 0)"
            " OR kind = 'adjust'",
            name="quantity_sign",
        ),
        CheckConstraint(
            "kind <> 'waste' OR reason IN ('expired', 'damaged', 'recalled', 'lost')", name="waste_reason"
        ),
        CheckConstraint(
            "kind <> 'adjust' OR (counted IS NOT NULL AND expected IS NOT NULL AND reason <> '')",
            name="adjust_counts",
        ),
        # Covers the inventory report's sums per lot and period without visiting the table.
        Index("ix_naloxone_stock_movements_lot_period", "lot_id", "occurred_at", "kind", "quantity"),
        Index("ix_naloxone_stock_movements_kind_occurred", "kind", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("naloxone_lots.id"))
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(200), default="")
    counted: Mapped[int | None] = mapped_column(Integer)
    expected: Mapped[int | None] = mapped_column(Integer)
    kit_event_id: Mapped[int | None] = mapped_column(ForeignKey("naloxone_kit_events.id"), index=True)
    transfer_lot_id: Mapped[int | None] = mapped_column(ForeignKey("naloxone_lots.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    lot: Mapped[Lot] = relationship(foreign_keys=[lot_id])
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<StockMovement {self.id} lot={self.lot_id} {self.kind} {self.quantity}>"


class KitEvent(db.Model):
    """A kit offered to someone: handed over, packed in property, or declined.

    `token` is the idempotency key rendered in the form, so a double-click or a resubmitted form
    makes one row. `import_fingerprint` does the same for historical imports. Corrections are
    audited edits; a record entered in error is voided with a reason, never deleted.
    """

    __tablename__ = "naloxone_kit_events"
    __table_args__ = (
        CheckConstraint(_in("context", CONTEXTS), name="context"),
        CheckConstraint(_in("outcome", OUTCOMES), name="outcome"),
        CheckConstraint(_in("recipient_type", RECIPIENT_TYPES), name="recipient_type"),
        CheckConstraint(_in("supply", SUPPLY_TYPES), name="supply"),
        CheckConstraint("decline_reason IS NULL OR " + _in("decline_reason", DECLINE_REASONS),
                        name="decline_reason"),
        CheckConstraint("repeat_reason IS NULL OR " + _in("repeat_reason", REPEAT_REASONS),
                        name="repeat_reason"),
        CheckConstraint("kits >= 1", name="kits"),
        CheckConstraint("outcome <> 'declined' OR lot_id IS NULL", name="declined_no_lot"),
        CheckConstraint("property_picked_up IS NULL OR outcome = 'property'", name="picked_up_property"),
        # Covering for the distribution report, the quarterly's decline reasons and the
        # dashboard's open month: they group a period's kits without reading the table.
        Index("ix_naloxone_kit_events_facility_date", "facility_id", "event_date", "is_voided", "outcome", "supply",
              "product_id", "kits", "lot_id", "decline_reason"),
        # Covers "kits given on this episode" (coverage, worklist) without reading the table:
        # the report's correlated lookup is answered from the index alone.
        Index("ix_naloxone_kit_events_episode_given", "episode_id", "is_voided", "outcome", "kits", "lot_id"),
        Index("ix_naloxone_kit_events_participant", "participant_id"),
        Index("ix_naloxone_kit_events_lot", "lot_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str | None] = mapped_column(String(36), unique=True)
    import_fingerprint: Mapped[str | None] = mapped_column(String(64), unique=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("custody_episodes.id"))
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The facility's local calendar date of occurred_at: reports group on it.
    event_date: Mapped[date] = mapped_column(Date)
    context: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    decline_reason: Mapped[str | None] = mapped_column(String(32))
    decline_other: Mapped[str] = mapped_column(String(500), default="")
    product_id: Mapped[int | None] = mapped_column(ForeignKey("naloxone_products.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("naloxone_lots.id"))
    # A lot number from a historical file that matches no lot held here.
    imported_lot_number: Mapped[str] = mapped_column(String(64), default="")
    kits: Mapped[int] = mapped_column(default=1)
    recipient_type: Mapped[str] = mapped_column(String(16))
    supply: Mapped[str] = mapped_column(String(16), default="unknown")
    repeat_reason: Mapped[str | None] = mapped_column(String(16))
    # Derived when recorded: had the participant completed a training before this moment?
    was_trained_before: Mapped[bool | None] = mapped_column()
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    property_picked_up: Mapped[bool | None] = mapped_column()
    picked_up_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_historical: Mapped[bool] = mapped_column(default=False)
    is_voided: Mapped[bool] = mapped_column(default=False)
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    facility: Mapped[Facility] = relationship()
    participant: Mapped[Participant | None] = relationship()
    episode: Mapped[CustodyEpisode | None] = relationship()
    product: Mapped[Product | None] = relationship()
    lot: Mapped[Lot | None] = relationship()
    staff: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_given(self) -> bool:
        return self.outcome in GIVEN_OUTCOMES

    def __repr__(self) -> str:
        return f"<KitEvent {self.id} facility={self.facility_id} {self.outcome}>"


class ReversalReport(db.Model):
    """A report that naloxone was used on someone: who, where, what happened, whose kit."""

    __tablename__ = "naloxone_reversal_reports"
    __table_args__ = (
        CheckConstraint(_in("reporter_type", REPORTER_TYPES), name="reporter_type"),
        CheckConstraint(_in("location_type", LOCATION_TYPES), name="location_type"),
        CheckConstraint(_in("giver_type", GIVER_TYPES), name="giver_type"),
        CheckConstraint(_in("outcome", REVERSAL_OUTCOMES), name="outcome"),
        CheckConstraint(_in("age_band", AGE_BANDS), name="age_band"),
        CheckConstraint(_in("naloxone_source", NALOXONE_SOURCES), name="naloxone_source"),
        CheckConstraint("doses_used >= 1", name="doses_used"),
        # Covering for the reversals report and the dashboard: counted without reading the table.
        Index("ix_naloxone_reversal_reports_facility_date", "facility_id", "occurred_on", "is_voided",
              "is_self_administered", "outcome", "doses_used", "lot_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(36), unique=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facilities.id"))
    reporter_type: Mapped[str] = mapped_column(String(16))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    county: Mapped[str] = mapped_column(String(100), default="")
    zip_code: Mapped[str] = mapped_column(String(10), default="")
    location_type: Mapped[str] = mapped_column(String(16))
    giver_type: Mapped[str] = mapped_column(String(16))
    is_self_administered: Mapped[bool] = mapped_column(default=False)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("naloxone_products.id"))
    doses_used: Mapped[int] = mapped_column(default=1)
    was_breathing: Mapped[str] = mapped_column(String(8), default="unknown")
    was_responsive: Mapped[str] = mapped_column(String(8), default="unknown")
    rescue_breathing: Mapped[str] = mapped_column(String(8), default="unknown")
    called_911: Mapped[str] = mapped_column(String(8), default="unknown")
    ems_came: Mapped[str] = mapped_column(String(8), default="unknown")
    giver_stayed: Mapped[str] = mapped_column(String(8), default="unknown")
    others_gave_naloxone: Mapped[str] = mapped_column(String(8), default="unknown")
    outcome: Mapped[str] = mapped_column(String(16))
    age_band: Mapped[str] = mapped_column(String(16), default="unknown")
    gender: Mapped[str] = mapped_column(String(64), default="")
    naloxone_source: Mapped[str] = mapped_column(String(16), default="unknown")
    kit_event_id: Mapped[int | None] = mapped_column(ForeignKey("naloxone_kit_events.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("naloxone_lots.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_voided: Mapped[bool] = mapped_column(default=False)
    void_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    facility: Mapped[Facility] = relationship()
    participant: Mapped[Participant | None] = relationship()
    product: Mapped[Product | None] = relationship()
    kit_event: Mapped[KitEvent | None] = relationship()
    lot: Mapped[Lot | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReversalReport {self.id} facility={self.facility_id}>"
