"""Packets assembled from the database, the audited batch print, and the demo data."""
from __future__ import annotations

from datetime import date

import json

import pytest
from sqlalchemy import func, select

from reentry.audit.models import AuditEvent
from reentry.demo import load_demo
from reentry.documents import governance, services
from reentry.documents.models import Resource
from reentry.extensions import db
from tests.clock import today
from tests.documents.conftest import pdf_text, sample_warning


# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


def test_assembled_packet_carries_county_resources_state_law_hotlines_and_certificate(
        app, make_participant, issue):
    from tests.documents.conftest import laws_checked_recently

    services.seed_reference_data()
    laws_checked_recently("OH")
    services.create_resource(None, name="Franklin Clinic", type="moud", state="OH", county="Franklin",
                             last_verified_on=today())
    services.create_resource(None, name="Elsewhere Clinic", type="moud", state="OH", county="Cuyahoga",
                             last_verified_on=today())
    participant = make_participant(first_name="Rosa", last_name="Ejemplo", preferred_language="es")
    old = issue(participant=participant)
    current = services.reissue_certificate(None, old, participant)
    db.session.commit()
    packet = services.assemble_packet(participant, sample_warning("es", "Rosa Ejemplo"),
                                      release_date=date(2026, 12, 1), product_code="zimhi-5mg",
                                      facility_ids=None)
    assert packet.language == "es" and packet.area_label == "Condado de Franklin, Ohio"
    assert [r.name for r in packet.resources] == ["Franklin Clinic"]
    assert packet.certificate.code == current.code
    assert "1-800-484-3731" not in [h.number for h in packet.hotlines]  # unverified
    data = services.print_packets(None, [packet], facility_id=None)
    text = pdf_text(data)
    for expected in ("Rosa Ejemplo", "Franklin Clinic", "Zimhi", current.code,
                     "Ohio tiene una ley del Buen Samaritano", "Esto no es asesoría legal",
                     "Línea Nacional de Ayuda de SAMHSA"):
        assert expected in text, expected
    assert "Elsewhere Clinic" not in text and old.code not in text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "packet.print"))
    assert json.loads(event.changes) == {"count": 1, "large_print": False,
                                         "participant_ids": [participant.id],
                                         "personal_flags": {str(participant.id): False},
                                         "content_version": governance.current_content().version,
                                         "content_approved": False}


def test_a_person_without_destination_or_certificate_still_gets_a_packet(app, make_participant):
    participant = make_participant(destination_state="", destination_county="")
    packet = services.assemble_packet(participant, sample_warning(), release_date=None, product_code=None,
                                      facility_ids=None)
    text = pdf_text(services.print_packets(None, [packet], large_print=True))
    assert "How to use naloxone" in text and "Where to get naloxone for free" in text
    assert "Your certificate" not in text


def test_demo_loads_directory_for_both_demo_counties_once(app, tmp_path):
    load_demo("demo password for tests only 123", str(tmp_path))
    db.session.commit()
    counties = set(db.session.execute(select(Resource.state, Resource.county)).all())
    assert {("OH", "Franklin"), ("NM", "Bernalillo")} <= counties
    assert all("555-01" in phone for phone in db.session.scalars(select(Resource.phone)))
    count = db.session.scalar(select(func.count(Resource.id)))
    load_demo("demo password for tests only 123", str(tmp_path))
    assert db.session.scalar(select(func.count(Resource.id))) == count
