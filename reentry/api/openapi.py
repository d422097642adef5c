"""The OpenAPI 3.1 document of /api/v1/, its schemas generated from the Pydantic models in
api.schemas (OpenAPI 3.1 schemas are JSON Schema 2020-12, which Pydantic writes). A test checks
that the paths here are exactly the blueprint's routes."""
from __future__ import annotations

from functools import cache

from pydantic.json_schema import models_json_schema

from reentry.api import schemas

REF = "#/components/schemas/{model}"


def _ref(name: str) -> dict:
    return {"$ref": REF.format(model=name)}


def _json(name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


PROBLEM = {"content": {"application/problem+json": {"schema": _ref("Problem")}}}
ERRORS = {
    "401": {"description": "No valid key (missing, wrong, revoked or expired).", **PROBLEM},
    "403": {"description": "The key is read-only, or the report lists people.", **PROBLEM},
    "404": {"description": "No such facility for this key, or no such booking.", **PROBLEM},
    "422": {"description": "Invalid fields; `errors` names each one.", **PROBLEM},
    "429": {"description": "Too many calls with this key.", **PROBLEM},
}
FACILITY = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
            "description": "Facility code, e.g. DEMO-JAIL."}
BOOKING = {"name": "booking_id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}


def _op(summary: str, responses: dict, *, params=(), body: str | None = None) -> dict:
    operation = {"summary": summary, "parameters": list(params),
                 "responses": {**responses, **ERRORS},
                 "security": [{"apiKey": []}]}
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    return operation


@cache
def document() -> dict:
    _, definitions = models_json_schema(
        [(model, "serialization") for model in (
            schemas.BookingStatus, schemas.WriteResult, schemas.KitEventPage, schemas.Report, schemas.Problem)]
        + [(model, "validation") for model in (schemas.BookingIn, schemas.ReleaseIn)],
        ref_template=REF)
    booking_path = {
        "get": _op("Kit, training and packet status of a booking",
                   {"200": _json("BookingStatus", "The booking's status.")}, params=(FACILITY, BOOKING)),
        "put": _op("Create or update a booking (as one roster row; idempotent)",
                   {"200": _json("WriteResult", "Updated, or unchanged."),
                    "201": _json("WriteResult", "Created.")},
                   params=(FACILITY, BOOKING), body="BookingIn"),
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "reentry API", "version": "1",
                 "description": "For the jail's own systems. Send `Authorization: Bearer KEY` (keys are "
                                "made by an admin: `reentry api-keys create`). Errors are RFC 9457 problem "
                                "details."},
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/facilities/{code}/bookings/{booking_id}": booking_path,
            "/facilities/{code}/bookings/{booking_id}/release": {
                "post": _op("Record the actual release of a booking",
                            {"200": _json("WriteResult", "Recorded (or already so).")},
                            params=(FACILITY, BOOKING), body="ReleaseIn")},
            "/facilities/{code}/kit-events": {
                "get": _op("Kit events changed since a moment (for the health record)",
                           {"200": _json("KitEventPage", "A page of events, oldest change first.")},
                           params=(FACILITY, {"name": "since", "in": "query", "required": False,
                                              "schema": {"type": "string"},
                                              "description": "YYYY-MM-DD or an ISO time; inclusive."}))},
            "/fhir/MedicationDispense": {
                "get": _op("Kits handed out or placed in property, as FHIR MedicationDispense resources",
                           {"200": {"description": "A FHIR searchset Bundle (R4/R4B MedicationDispense).",
                                    "content": {"application/fhir+json": {"schema": {"type": "object"}}}}},
                           params=({"name": "facility", "in": "query", "required": True, "schema": {"type": "string"}},
                                   {"name": "since", "in": "query", "required": False, "schema": {"type": "string"}}))},
            "/reports/{name}": {
                "get": _op("A report's rows", {"200": _json("Report", "The report.")}, params=(
                    {"name": "name", "in": "path", "required": True,
                     "schema": {"enum": ["distribution", "coverage", "training", "inventory", "reversals",
                                         "quarterly"]}},
                    {"name": "from", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}},
                    {"name": "to", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}},
                    {"name": "facility", "in": "query", "required": False, "style": "form", "explode": True,
                     "schema": {"type": "array", "items": {"type": "string"}}}))},
            "/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        },
        "components": {
            "schemas": definitions["$defs"],
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer",
                                           "description": "An API key made by an admin."}},
        },
    }
