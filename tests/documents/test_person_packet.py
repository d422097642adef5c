"""The packet is right for the person it is printed for (from their screening, through the real
database path) and never prints a citation key."""
import re
from datetime import date, timedelta

import pytest

from reentry.documents import builders, packets, services
from reentry.documents.content import texts
from reentry.extensions import db
from reentry.participants.risk import CITATIONS
from reentry.participants.services import create_participant, latest_screening, record_screening
from reentry.training import protocol
from tests.clock import today
from tests.documents.conftest import pdf_text, sample_packet, words

RELEASE = date(2026, 11, 20)
KEY = re.compile("|".join(re.escape(key) for key in CITATIONS))


@pytest.fixture
def leaving(make_facility):
    facility = make_facility("PP-JAIL")
    counter = iter(range(1, 1000))

    def make(consent=True, **answers):
        person = create_participant(None, facility, booking_id=f"PP-{next(counter)}", last_name="Sample",
                                    first_name="Kim", custody_start=RELEASE - timedelta(days=343),
                                    release_date=RELEASE, destination_state="NM", destination_county="Bernalillo")
        record_screening(None, person, {"screened_on": RELEASE - timedelta(days=2),
                                        "wants_personal_flags_printed": consent, **answers})
        db.session.commit()
        return person

    return make


def _text(person, lang="en", large_print=False) -> str:
    packet = packets.packet_for(person, person.episodes[0], lang, facility_ids=None)
    return pdf_text(services.print_packets(None, [packet], lang=lang, large_print=large_print))


def test_kept_on_moud_inside_gets_how_tolerance_was_kept_not_that_it_is_lost(leaving):
    text = _text(leaving(on_methadone=True, opioid_use_before_custody=True, community_moud_appointment=True))
    assert words(texts("en")["warn_everyone_moud"]) in text
    assert words(texts("en")["warn_everyone"]) not in text and "Time inside lowers your tolerance" not in text
    assert "Your methadone or buprenorphine protects you" in text  # on their own sheet, with consent
    assert "You have been inside" not in text  # tolerance was kept: no tolerance-loss flag


def test_without_consent_the_tolerance_text_is_the_same_whether_or_not_they_were_on_moud(leaving):
    # The general page goes through property searches: what it says about tolerance must not
    # show who was on methadone or buprenorphine inside unless the person chose to carry that.
    on_moud = _text(leaving(consent=False, on_methadone=True, opioid_use_before_custody=True))
    not_on = _text(leaving(consent=False, opioid_use_before_custody=True))
    for text in (on_moud, not_on):
        assert words(texts("en")["warn_everyone"]) in text and words(texts("en")["warn_everyone_moud"]) in text
        assert "Your methadone or buprenorphine protects you" not in text
    strip = lambda text: text.split("What to do")[0]  # noqa: E731 - the page above the to-do list
    assert strip(on_moud) == strip(not_on)


def test_not_on_moud_gets_the_lowered_tolerance_text_and_the_days_inside(leaving):
    text = _text(leaving(opioid_use_before_custody=True))
    assert words(texts("en")["warn_everyone"]) in text and words(texts("en")["warn_everyone_moud"]) not in text
    assert "You have been inside 343 days. If you did not use opioids in that time" in text
    assert "gone 343 days" not in text and "can kill you" not in text
    assert "Even a small dose can stop your breathing" in text
    es = _text(leaving(opioid_use_before_custody=True), "es")
    assert "Ha estado adentro 343 días. Si no usó opioides en ese tiempo" in es


def test_naltrexone_in_packet_long_local_date_or_worn_off(leaving):
    soon = _text(leaving(on_naltrexone_xr=True, last_naltrexone_injection=RELEASE - timedelta(days=10)))
    assert "blocks opioids until about December 8, 2026" in soon and "2026-12-08" not in soon
    assert "Your naltrexone shot stops working: December 8, 2026" in soon
    es = _text(leaving(on_naltrexone_xr=True, last_naltrexone_injection=RELEASE - timedelta(days=10)), "es")
    assert "hasta cerca del 8 de diciembre de 2026" in es
    past = _text(leaving(on_naltrexone_xr=True, last_naltrexone_injection=RELEASE - timedelta(days=32)))
    assert "has likely worn off already: your tolerance is low now" in past
    assert "2026-11-17" not in past and "November 17, 2026" not in past
    assert "lower the risk of death" not in past.split("naltrexone")[0][-200:]


def test_moud_resource_heading_says_medicine_to_treat_opioid_use(app):
    entry = builders.ResourceEntry(name="Clinic", type="moud")
    text = pdf_text(builders.build_packet(sample_packet(resources=(entry,))))
    assert "Medicine to treat opioid use" in text and "Medicine for opioid use" not in text and "MOUD" not in text
    es = pdf_text(builders.build_packet(sample_packet("es", resources=(entry,))))
    assert "Medicina para tratar el uso de opioides" in es


def test_poison_control_line_says_call_911_for_someone_not_waking_or_breathing(app):
    services.seed_reference_data()
    db.session.commit()
    by_lang = {lang: {h.name: h for h in services.printable_hotlines(lang)} for lang in ("en", "es")}
    assert "If someone will not wake up or is not breathing, call 911." in by_lang["en"]["Poison Control"].description
    assert "Si alguien no despierta o no respira, llame al 911." in \
        by_lang["es"]["Centro de Control de Envenenamientos"].description


@pytest.mark.parametrize("lang, large_print", [("en", False), ("es", False), ("en", True), ("es", True)])
def test_no_citation_key_on_any_page(leaving, lang, large_print):
    every_flag = dict(opioid_use_before_custody=True, overdose_ever=True, injects=True, uses_sedatives=True,
                      xylazine_in_supply=True, fentanyl_in_supply=True, uses_alone=True,
                      housing_at_release="none", last_naltrexone_injection=RELEASE - timedelta(days=5))
    text = _text(leaving(**every_flag), lang, large_print)
    assert KEY.search(text) is None, KEY.search(text)
    assert "Keen 2020" in text and "Binswanger 2007" in text  # a short human citation instead
    moud = _text(leaving(on_buprenorphine=True), lang, large_print)
    assert KEY.search(moud) is None


@pytest.mark.clock
def test_screening_form_records_the_choice_default_off(client, login_as, make_facility):
    facility = make_facility("SF-JAIL")
    person = create_participant(None, facility, booking_id="SF-1", last_name="Form", first_name="Jo")
    db.session.commit()
    login_as("staff", facilities=[facility])
    page = client.get(f"/participants/{person.id}/screening").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="wants_personal_flags_printed"[^>]*>', page).group(0)
    assert "checked" not in box
    client.post(f"/participants/{person.id}/screening", data={"screened_on": today(facility).isoformat()})
    assert latest_screening(person.id, facility_ids=None).wants_personal_flags_printed is False
    client.post(f"/participants/{person.id}/screening",
                data={"screened_on": today(facility).isoformat(), "wants_personal_flags_printed": "y"})
    assert latest_screening(person.id, facility_ids=None).wants_personal_flags_printed is True


@pytest.mark.parametrize("lang", ["en", "es"])
def test_large_print_never_leaves_a_heading_alone_at_the_bottom_of_a_page(leaving, lang):
    from io import BytesIO

    from pypdf import PdfReader

    t = texts(lang)
    headings = {t[key] for key in ("warn_why", "warn_dates", "warn_todo", "product_storage", "response_title",
                                   "law_title", "hotlines_title", "free_title", "safer_title")}
    headings |= {protocol.default_protocol().lists[part][lang].title for part in protocol.SAFER_LISTS}
    headings |= {labels[lang] for labels in __import__("reentry.documents.content", fromlist=["x"])
                 .resource_type_labels().values()}
    person = leaving(opioid_use_before_custody=True, fentanyl_in_supply=True, xylazine_in_supply=True)
    packet = packets.packet_for(person, person.episodes[0], lang, facility_ids=None)
    data = services.print_packets(None, [packet], lang=lang, large_print=True)
    for number, page in enumerate(PdfReader(BytesIO(data)).pages, 1):
        lines = [line.strip() for line in (page.extract_text() or "").splitlines() if line.strip()]
        body = lines[:-2] if len(lines) > 2 else lines  # the footer: name, page number
        assert not body or body[-1] not in headings, f"page {number} ends with the heading {body[-1]!r}"


def test_a_source_already_in_the_base_line_is_not_printed_twice(leaving):
    text = _text(leaving(fentanyl_in_supply=True))
    assert text.count("Hill 2024") == 1
