"""A Spanish packet is Spanish: every field a participant reads has a Spanish value, the text
says usted, no English-only value reaches the page, and `--lang es` prints the certificate in
Spanish too. Products' own files (steps, storage, source) are checked with the product pages."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from reentry.documents import services
from reentry.documents.content import _texts, language_names, resource_type_labels
from reentry.documents.demo import DEMO_RESOURCES, load_documents_demo
from reentry.documents.models import Hotline, Resource
from reentry.documents.seed import hotline_rows
from reentry.extensions import db
from reentry.facilities.services import STATE_NAMES, US_STATES
from reentry.participants.risk import FLAG_TEXT, FLAG_VARIANTS
from reentry.participants.services import create_participant, record_screening
from tests.documents.conftest import pdf_text

RELEASE = date(2026, 11, 20)
# Unambiguous tú forms (and the calques issue 13 lists): none may appear in Spanish text.
TU_FORMS = re.compile(
    r"\b(tú|tu|tus|te|ti|contigo|puedes|tienes|usas|usabas|llamas|estás|quédate|dale|dásela|ponla|"
    r"acuéstala|pruebes|ayúdale|consíguela|mira|grita|frota|rocía|inclina|pide|sostén|uses|"
    r"consejo legal|roce fuerte|temperatura de cuarto|drogado)\b", re.IGNORECASE)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _pairs():
    """(where, English, Spanish) for every participant-read value this package owns."""
    en, es = _texts()["en"], _texts()["es"]
    for key in en:
        for n, (english, spanish) in enumerate(zip(_strings(en[key]), _strings(es.get(key, [])), strict=False)):
            yield f"texts.json {key}[{n}]", english, spanish
    for type_, labels in resource_type_labels().items():
        yield f"resource type {type_}", labels["en"], labels["es"]
    for row in hotline_rows():
        yield f"hotline {row['key']} name", row["name_en"], row["name_es"]
        yield f"hotline {row['key']} description", row["description_en"], row["description_es"]
    for code, (english, spanish) in STATE_NAMES.items():
        yield f"state {code}", english, spanish
    for code, (_, english, spanish) in FLAG_TEXT.items():
        yield f"flag {code}", english, spanish
    for (code, variant), (english, spanish) in FLAG_VARIANTS.items():
        yield f"flag {code}/{variant}", english, spanish
    for row in DEMO_RESOURCES:
        yield f"demo resource {row[0]} hours", row[7], row[8]
        yield f"demo resource {row[0]} languages", row[9], language_names(row[9], "es")


def test_every_participant_read_field_has_a_spanish_value():
    en, es = _texts()["en"], _texts()["es"]
    assert set(en) == set(es), "texts.json: a key is missing in one language"
    for key in en:
        assert len(list(_strings(en[key]))) == len(list(_strings(es[key]))), f"texts.json {key}: item counts differ"
    assert set(STATE_NAMES) == set(US_STATES)
    missing = [where for where, english, spanish in _pairs() if english and not (spanish or "").strip()]
    assert missing == []


def test_spanish_values_are_not_the_english_ones():
    """A Spanish value equal to the English one is English left in place, except names that are
    the same in both languages (Ohio, Texas, Naloxone programs' proper names)."""
    citation = re.compile(r"^([A-Z][a-z]+ \d{4}[;.] ?)+$")  # "Binswanger 2007; Hill 2024." reads the same
    same = [where for where, english, spanish in _pairs()
            if english == spanish and len(english.split()) > 1 and not where.startswith("state ")
            and not citation.match(english)]
    assert same == []


def test_spanish_participant_text_says_usted():
    found = [(where, match.group(0)) for where, _, spanish in _pairs() for match in [TU_FORMS.search(spanish)]
             if match]
    assert found == []


@pytest.fixture
def spanish_world(app, make_facility):
    """The demo directory and hotlines, and two people leaving: one to Ohio, one to New Mexico."""
    from tests.documents.conftest import laws_checked_recently

    load_documents_demo("unused")
    laws_checked_recently("OH", "NM")
    jail = make_facility("ES-JAIL")
    prison = make_facility("ES-PRISON", type_="prison", state="NM", county="Bernalillo", timezone="America/Denver")
    people = []
    for facility, state, county, n in ((jail, "OH", "Franklin", 1), (prison, "NM", "Bernalillo", 2)):
        person = create_participant(None, facility, booking_id=f"ES-{n}", last_name="Ejemplo", first_name="Rosa",
                                    custody_start=RELEASE - timedelta(days=343), release_date=RELEASE,
                                    preferred_language="en", destination_state=state, destination_county=county)
        record_screening(None, person, {
            "screened_on": RELEASE - timedelta(days=2), "opioid_use_before_custody": True, "overdose_ever": True,
            "injects": True, "uses_alone": True, "uses_sedatives": True, "fentanyl_in_supply": True,
            "xylazine_in_supply": True, "housing_at_release": "shelter", "on_naltrexone_xr": True,
            "last_naltrexone_injection": RELEASE - timedelta(days=10), "wants_personal_flags_printed": True})
        people.append(person)
    db.session.commit()
    return people


def _spanish_packet_text(people) -> str:
    from reentry.documents import packets

    built = [packets.packet_for(person, person.episodes[0], "es", facility_ids=None) for person in people]
    return pdf_text(services.print_packets(None, built, lang="es"))


def test_a_spanish_packet_carries_no_english_only_value(spanish_world):
    text = _spanish_packet_text(spanish_world)
    assert "Solo para usted" in text  # the personal sheet is checked too
    leaks = []
    for where, english, spanish in _pairs():
        if english == spanish or len(english.split()) < 2:
            continue  # the same word in both languages, or a single word that could be either
        plain = " ".join(re.sub(r"\{[a-z_]+\}", "", english).split())
        pieces = [p for p in re.split(r"(?<=[.:!?])\s+", plain) if len(p.split()) >= 3]
        leaks += [(where, piece) for piece in pieces if piece in text]
    assert leaks == []
    # The data fields this brief names, by their English values.
    for english in ("Call or text 988", "Bernalillo County", "Franklin County", "New Mexico", "Mon-Fri",
                    "Walk in", "English, Spanish", "Toolkit (2018)", "Medicine for opioid use"):
        assert english not in text, english
    for spanish in ("Condado de Bernalillo, Nuevo México", "Condado de Franklin, Ohio",
                    "De lunes a viernes, de 6 a. m. a 2 p. m.", "Sin cita, de lunes a sábado",
                    "inglés, español, navajo", "Nuevo México tiene una ley", "Para español, oprima 2"):
        assert spanish in text, spanish
    # The statute is cited as the law itself names it (legal aid looks it up in English), and the
    # page says so rather than leave English unexplained.
    assert "Fuente (la ley, citada en inglés): N.M. Stat. 30-31-27.1" in text


def test_a_resource_without_spanish_hours_says_to_call_rather_than_print_english(spanish_world):
    resource = db.session.scalar(select(Resource).where(Resource.name == "Demo Desert Treatment Center"))
    resource.hours_es = ""
    resource.languages = "English, Klingonish"
    db.session.commit()
    text = _spanish_packet_text(spanish_world[1:])
    assert "Mon-Fri 6am-2pm" not in text and "Klingonish" not in text
    assert "Llame para preguntar el horario." in text


def test_spanish_hotlines_from_the_database_print_in_spanish(spanish_world):
    text = _spanish_packet_text(spanish_world[:1])
    for hotline in db.session.scalars(select(Hotline).where(Hotline.is_verified.is_(True))):
        assert hotline.name_es in text and hotline.description_en not in text


@pytest.fixture
def english_certificate(spanish_world, issue):
    from reentry.training.models import CurriculumVersion

    db.session.add(CurriculumVersion(curriculum_key="oend", version="2026.1", title_en="Overdose Education and Naloxone",
                                     title_es="Educación sobre sobredosis y naloxona", content_hash="x" * 64,
                                     content="{}"))
    db.session.commit()
    person = spanish_world[0]
    return person, issue(participant=person, course_title="Overdose Education and Naloxone",
                         course_version="2026.1", language="en")


def test_lang_es_prints_the_certificate_in_spanish(runner, english_certificate, tmp_path):
    person, certificate = english_certificate
    out = tmp_path / "es.pdf"
    result = runner.invoke(args=["packets", "--facility", "ES-JAIL", "--date", RELEASE.isoformat(),
                                 "--out", str(out), "--lang", "es"])
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes())
    assert "Certificado de finalización" in text and "Educación sobre sobredosis y naloxona" in text
    assert certificate.code in text
    assert "Certificate of Completion" not in text and "Overdose Education and Naloxone" not in text
    # The certificate as issued is untouched: reprints are its stored English bytes.
    assert "Certificate of Completion" in pdf_text(certificate.pdf_bytes)


def test_lang_en_keeps_an_english_certificate_english(runner, english_certificate, tmp_path):
    out = tmp_path / "en.pdf"
    result = runner.invoke(args=["packets", "--facility", "ES-JAIL", "--date", RELEASE.isoformat(),
                                 "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Certificate of Completion" in pdf_text(out.read_bytes())


def test_a_hotline_prints_only_with_spanish_words_and_never_falls_back_to_english(app):
    from reentry.errors import DomainError

    services.seed_reference_data()
    db.session.commit()
    poison = db.session.scalar(select(Hotline).where(Hotline.key == "poison"))
    values = dict(name_en=poison.name_en, number=poison.number, description_en=poison.description_en,
                  source="called it", is_verified=True)
    with pytest.raises(DomainError) as error:
        services.update_hotline(None, poison, name_es="", description_es=poison.description_es, **values)
    assert error.value.field == "name_es"
    with pytest.raises(DomainError) as error:
        services.update_hotline(None, poison, name_es=poison.name_es, description_es="", **values)
    assert error.value.field == "description_es"
    # Rows that got in some other way (an old import, a direct edit) still never print English.
    poison.name_es, poison.description_es = "", ""
    printed = {h.number: h for h in services.printable_hotlines("es")}["1-800-222-1222"]
    assert printed.name == "Línea de teléfono" and printed.description == ""
