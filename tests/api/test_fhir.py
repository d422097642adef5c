"""Kits as FHIR MedicationDispense, checked by a real FHIR model library (fhir.resources R4B)."""
from __future__ import annotations

from datetime import timedelta

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationdispense import MedicationDispense
from sqlalchemy import select

from reentry.database import utcnow
from reentry.extensions import db
from reentry.naloxone import services as naloxone
from reentry.naloxone.catalog import seed_catalog
from reentry.naloxone.models import FundingSource
from reentry.participants.models import CustodyEpisode
from tests.api.conftest import BOOKING
from tests.clock import today


def _give(jail, booking_id, outcome, token, lot):
    episode = db.session.scalar(select(CustodyEpisode).where(CustodyEpisode.booking_id == booking_id))
    details = naloxone.KitDetails(occurred_at=utcnow(), context="release", outcome=outcome,
                                  recipient_type="participant", kits=1, lot=None if outcome == "declined" else lot,
                                  supply="first", decline_reason="has_kit" if outcome == "declined" else None)
    naloxone.record_kit_event(None, jail, details, token=token, episode=episode)
    db.session.commit()


def test_handed_and_property_kits_are_valid_medication_dispenses(api, make_key, jail, prison):
    key = make_key(jail, scope="read")
    writer = make_key(jail, name="w")
    for booking in ("BK1", "BK2", "BK3"):
        api("PUT", f"/facilities/{jail.code}/bookings/{booking}", writer, json=BOOKING | {"last_name": booking})
    seed_catalog()
    funding = db.session.scalar(select(FundingSource).where(FundingSource.code == "state-program"))
    lot = naloxone.receive_lot(None, jail, naloxone.get_product_by_code("narcan-4mg"), "LOT-FHIR",
                               today() + timedelta(days=300), 5, funding)
    db.session.commit()
    _give(jail, "BK1", "handed", "11111111-1111-4111-8111-111111111111", lot)
    _give(jail, "BK2", "property", "22222222-2222-4222-8222-222222222222", lot)
    _give(jail, "BK3", "declined", "33333333-3333-4333-8333-333333333333", lot)
    response = api("GET", "/fhir/MedicationDispense", key, query_string={"facility": jail.code})
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    bundle = Bundle.model_validate(response.get_json())  # raises if not valid FHIR
    dispenses = [MedicationDispense.model_validate(e.resource.model_dump(mode="json")) for e in bundle.entry]
    assert len(dispenses) == 2  # a declined kit is no dispense
    by_type = {d.type.coding[0].code: d for d in dispenses}
    handed, placed = by_type["handed"], by_type["property"]
    assert handed.whenHandedOver is not None and placed.whenHandedOver is None
    medication = next(c for c in handed.contained if c.get_resource_type() == "Medication")
    assert medication.batch.lotNumber == "LOT-FHIR" and medication.batch.expirationDate is not None
    patient = next(c for c in handed.contained if c.get_resource_type() == "Patient")
    assert patient.identifier[0].value == "BK1" and patient.name[0].family == "BK1"
    assert patient.birthDate is None and patient.address is None  # only booking id and name
    assert handed.location.identifier.value == jail.code
    assert api("GET", "/fhir/MedicationDispense", key, query_string={"facility": prison.code}).status_code == 404
    missing = api("GET", "/fhir/MedicationDispense", key)
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "facility"


def test_a_person_with_one_name_is_still_a_valid_patient(api, make_key, jail):
    from reentry.participants.models import Participant

    writer = make_key(jail, name="w1")
    api("PUT", f"/facilities/{jail.code}/bookings/BK9", writer, json=BOOKING)
    seed_catalog()
    funding = db.session.scalar(select(FundingSource).where(FundingSource.code == "state-program"))
    lot = naloxone.receive_lot(None, jail, naloxone.get_product_by_code("narcan-4mg"), "LOT-ONE",
                               today() + timedelta(days=300), 2, funding)
    db.session.commit()
    _give(jail, "BK9", "handed", "44444444-4444-4444-8444-444444444444", lot)
    db.session.scalar(select(Participant)).first_name = ""  # one name only, as some records have
    db.session.commit()
    response = api("GET", "/fhir/MedicationDispense", writer, query_string={"facility": jail.code})
    assert response.status_code == 200
    patient = next(c for c in Bundle.model_validate(response.get_json()).entry[0].resource.contained
                   if c.get_resource_type() == "Patient")
    assert patient.name[0].family == "Testperson" and not patient.name[0].given
