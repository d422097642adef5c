"""The API's request and response bodies as Pydantic models: they check the shape of what comes
in (types, unknown fields) and give the OpenAPI document its JSON Schemas, so the document and
the code cannot drift apart. The roster's own rules (participants.roster) then check the values."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Types only: the values (dates, lengths, codes) are checked by the roster's own rules, so every
# field at fault is named at once, in the same words as a roster import.
Date = Field(default=None, json_schema_extra={"format": "date"}, examples=["2026-12-01"])


class BookingIn(BaseModel):
    """A booking as the roster import takes it (same fields, same checks, same limits: names 200
    characters, housing unit 64, state 2 letters, ZIP 5 digits or ZIP+4, dates YYYY-MM-DD).
    Absent fields are left as they are; the booking id is the one in the path."""

    model_config = ConfigDict(extra="forbid")

    last_name: str | None = Field(default=None)
    first_name: str | None = Field(default=None)
    middle_name: str | None = Field(default=None)
    date_of_birth: str | None = Date
    booking_date: str | None = Date
    expected_release_date: str | None = Date
    release_date: str | None = Date
    housing_unit: str | None = Field(default=None)
    preferred_language: str | None = Field(default=None, examples=["en", "es"])
    release_type: str | None = Field(default=None)
    destination_state: str | None = Field(default=None, examples=["OH"])
    destination_county: str | None = Field(default=None)
    destination_zip: str | None = Field(default=None)
    gender: str | None = Field(default=None)
    person_id: str | None = Field(default=None, description="The JMS person id.")


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    release_date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-12-01"])
    release_type: str | None = Field(default=None)


class WriteResult(BaseModel):
    result: str = Field(description="created, updated or unchanged")
    booking: "BookingStatus"


class Kit(BaseModel):
    status: str = Field(description="handed, property, declined or none")
    recorded_at: str | None = None
    product: str | None = None
    lot: str | None = None
    expiry: str | None = None
    kits: int = 0


class Training(BaseModel):
    completed: bool
    completed_on: str | None = None
    course: str | None = None


class Packet(BaseModel):
    printed: bool
    printed_at: str | None = None
    language: str | None = None


class BookingStatus(BaseModel):
    """What the JMS needs back; no name or date of birth (the JMS has them)."""

    facility: str
    booking_id: str
    booking_date: str | None
    expected_release_date: str | None
    release_date: str | None
    release_type: str
    housing_unit: str
    kit: Kit
    training: Training
    packet: Packet


class KitEvent(BaseModel):
    id: int
    booking_id: str | None
    occurred_at: str
    event_date: str
    outcome: str
    decline_reason: str | None
    product: str | None
    ndc: str | None
    lot: str | None
    expiry: str | None
    kits: int
    voided: bool
    updated_at: str


class KitEventPage(BaseModel):
    events: list[KitEvent]
    next_since: str | None = Field(description="Pass as ?since= to get the next page; null at the end.")


class Report(BaseModel):
    name: str
    title: str
    columns: list[str]
    rows: list[list]
    filters: list[list[str]]
    definitions: list[str]


class FieldProblem(BaseModel):
    field: str
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = []


WriteResult.model_rebuild()
