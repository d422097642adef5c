"""Kits as FHIR MedicationDispense resources, for the health record.

Built and checked with fhir.resources' R4B models (FHIR 4.3; the MedicationDispense elements used
here are the same in R4 4.0.1): a model refuses a resource the standard does not allow, so the
API never sends hand-made JSON that only looks like FHIR. Each dispense carries its medication
(the product, with its NDC, lot and expiry), the person as a contained Patient with only the
booking id and name, and the facility as the location.
"""
from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle

NDC_SYSTEM = "http://hl7.org/fhir/sid/ndc"
BOOKING_SYSTEM = "urn:reentry:booking-id:"  # + facility code: booking ids are unique per facility
FACILITY_SYSTEM = "urn:reentry:facility-code"
# What the program recorded, as the dispense's type (a local code system: FHIR has none for this).
TYPE_SYSTEM = "urn:reentry:kit-outcome"
TYPE_TEXT = {"handed": "Handed to the person at release", "property": "Placed in the person's property"}


def _iso(value):
    return value.isoformat() if value is not None else None


def medication_dispense(event) -> dict:
    facility = event.facility
    contained = []
    medication = {"resourceType": "Medication", "id": "med"}
    if event.product is not None:
        coding = [{"system": NDC_SYSTEM, "code": event.product.ndc, "display": event.product.name}] \
            if event.product.ndc else []
        medication["code"] = {"coding": coding, "text": event.product.name}
    if event.lot is not None:
        medication["batch"] = {"lotNumber": event.lot.lot_number, "expirationDate": _iso(event.lot.expiry_date)}
    elif event.imported_lot_number:
        medication["batch"] = {"lotNumber": event.imported_lot_number}
    contained.append(medication)
    resource = {
        "resourceType": "MedicationDispense",
        "id": f"kit-{event.id}",
        "identifier": [{"system": "urn:reentry:kit-event", "value": str(event.id)}],
        "status": "entered-in-error" if event.is_voided else "completed",
        "medicationReference": {"reference": "#med"},
        "type": {"coding": [{"system": TYPE_SYSTEM, "code": event.outcome, "display": TYPE_TEXT[event.outcome]}],
                 "text": TYPE_TEXT[event.outcome]},
        "quantity": {"value": event.kits, "unit": "kit"},
        "location": {"display": facility.name, "identifier": {"system": FACILITY_SYSTEM, "value": facility.code}},
        "whenPrepared": _iso(event.occurred_at),
    }
    if event.outcome == "handed":
        resource["whenHandedOver"] = _iso(event.occurred_at)
    elif event.property_picked_up and event.picked_up_recorded_at is not None:
        resource["whenHandedOver"] = _iso(event.picked_up_recorded_at)
    participant = event.participant
    if participant is not None and not event.is_anonymous:
        name = {"family": participant.last_name or None, "given": [participant.first_name] if participant.first_name else None}
        patient = {"resourceType": "Patient", "id": "patient",
                   "name": [{k: v for k, v in name.items() if v}] if any(name.values()) else None}
        patient = {k: v for k, v in patient.items() if v is not None}  # FHIR refuses empty strings
        if event.episode is not None:
            patient["identifier"] = [{"system": BOOKING_SYSTEM + facility.code, "value": event.episode.booking_id}]
        contained.append(patient)
        resource["subject"] = {"reference": "#patient"}
    resource["contained"] = contained
    return resource


def dispense_bundle(events, base_url: str, next_url: str | None) -> dict:
    """A searchset Bundle of the events' dispenses, validated by the FHIR models."""
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": len(events),
              "link": [{"relation": "self", "url": base_url}] +
                      ([{"relation": "next", "url": next_url}] if next_url else []),
              "entry": [{"fullUrl": f"urn:reentry:kit-event:{e.id}", "resource": medication_dispense(e),
                         "search": {"mode": "match"}} for e in events]}
    return Bundle.model_validate(bundle).model_dump(mode="json", exclude_none=True)
