"""Factories for documents tests: participants with an episode, certificates, builder input."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from reentry.documents import builders
from reentry.extensions import db
from reentry.participants.models import CustodyEpisode, Participant

HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    '<font color="[[[1]]]">x</font>',
    "O'Brien & Sons <b>bold</b>",
    "Ab\u202eCD\u202c\u2066EF\u2069",
    "😀🔥 Emoji Person 👍",
    "王小明",
    "محمد عبد الله",
    "דוד כהן",
    "A" * 200,
    "Zoë María-José Ñúñez de la Peña y Mañón Ürquhart-Øresund Łukasiewicz",
]


def pdf_text(data: bytes) -> str:
    """All the text of a PDF, whitespace collapsed (what a screen reader or search would get)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def pdf_pages(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def make_participant(app, make_facility):
    counter = iter(range(1, 10_000))

    def make(facility=None, **overrides):
        facility = facility or make_facility()
        n = next(counter)
        values = dict(last_name="Testperson", first_name="Alex", middle_name="", preferred_language="en",
                      destination_state="OH", destination_county="Franklin")
        values.update(overrides)
        participant = Participant(**values)
        db.session.add(participant)
        db.session.flush()
        db.session.add(CustodyEpisode(participant_id=participant.id, facility_id=facility.id,
                                      booking_id=f"B{n:05d}", custody_start=date(2026, 10, 1)))
        db.session.commit()
        return participant

    return make


@pytest.fixture
def issue(app, make_participant):
    """Issue a certificate for a (new) participant and commit."""
    from reentry.documents import services

    def do_issue(participant=None, actor=None, **overrides):
        participant = participant or make_participant()
        values = dict(course_title="Overdose response and naloxone", course_version="2026.1",
                      completed_on=date(2026, 11, 2), trainer_name="Pat Trainer", language="en")
        values.update(overrides)
        certificate = services.issue_certificate(actor, participant, **values)
        db.session.commit()
        return certificate

    return do_issue


def sample_warning(lang="en", name="Alex Testperson", flags=None) -> builders.WarningInput:
    if flags is None:
        flags = (
            builders.RiskFlag("custody_7_days", "You were inside for 7 days or more. Your tolerance is likely gone.", "merrall2010"),
            builders.RiskFlag("past_overdose", "You had an overdose before.", "keen2020"),
        )
    return builders.WarningInput(name=name, language=lang, release_date=date(2026, 12, 1),
                                 week2_end=date(2026, 12, 15), week4_end=date(2026, 12, 29),
                                 naltrexone_ends=None, flags=flags)


def sample_packet(lang="en", name="Alex Testperson", product="narcan-4mg", certificate=True,
                  resources=None, law=None, hotlines=None, flags=None) -> builders.PacketInput:
    cert = builders.CertificateInput(
        holder_name=name, course_title="Overdose response and naloxone", course_version="2026.1",
        completed_on=date(2026, 11, 20), trainer_name="Pat Trainer", language=lang,
        code="ABCD-EFGH-JKMN-PQRS-TVWX", verify_url="https://example.test/verify/ABCD-EFGH-JKMN-PQRS-TVWX",
    ) if certificate else None
    if resources is None:
        resources = (
            builders.ResourceEntry(name="Demo Harbor Clinic", type="moud", address="100 Example Ave",
                                   phone="614-555-0101", accepts_records="yes"),
            builders.ResourceEntry(name="Demo Old Shelter", type="housing", phone="614-555-0105",
                                   is_stale=True),
        )
    if hotlines is None:
        hotlines = (builders.HotlineEntry("SAMHSA National Helpline", "1-800-662-4357"),)
    return builders.PacketInput(
        name=name, language=lang, release_date=date(2026, 12, 1),
        warning=sample_warning(lang, name, flags), product_code=product,
        area_label="Franklin County, OH", resources=resources, law=law, hotlines=hotlines,
        certificate=cert,
    )


def laws_checked_recently(*states: str) -> None:
    """The shipped law rows date from 2021 and so print the generic text; a test of printed
    protections makes the rows it prints current (checked a month ago)."""
    from datetime import timedelta

    from reentry.documents import services
    from reentry.extensions import db
    from tests.clock import today

    for state in states:
        services.law_for_state(state).as_of = today() - timedelta(days=30)
    db.session.commit()
