"""The PDFs read back: layout rules, every document in English and Spanish, normal and large
print, each product's instructions, hostile names, determinism, duplex batches."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date

import pytest
import textstat
from pypdf import PdfReader

from reentry.documents import builders, pdf
from reentry.documents.content import PRODUCT_CODES, product_instructions, texts
from reentry.documents.seed import hotline_rows
from tests.documents.conftest import HOSTILE_NAMES, pdf_pages, pdf_text, sample_packet, sample_warning, words

FORBIDDEN = re.compile(r"low risk|bajo riesgo|addict|abuser|\bclean\b|\bdirty\b|unknown|desconocid",
                       re.IGNORECASE)
DIAGNOSIS = re.compile(r"use disorder|\bOUD\b|diagnos|trastorno|adicci", re.IGNORECASE)


def font_names(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            names.add((str(font["/BaseFont"]), embedded))
    return names


def assert_layout(data: bytes, lang: str):
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (612, 792)
    assert reader.trailer["/Root"]["/Lang"] == lang
    assert reader.metadata.title and reader.metadata.author == "reentry"
    fonts = font_names(data)
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert all("DejaVuSans" in name for name, _ in fonts), fonts


def test_margins_and_sizes_meet_the_print_rules():
    assert pdf.MARGIN >= 36 and pdf.BOTTOM_MARGIN >= 36
    assert pdf.styles(False).body.fontSize >= 12 and pdf.styles(False).bullet.fontSize >= 12
    assert pdf.styles(True).body.fontSize >= 18 and pdf.styles(True).bullet.fontSize >= 18
    assert pdf.styles(True).heading.fontSize > pdf.styles(True).body.fontSize


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("large", [False, True])
def test_packet_reads_back_in_order_with_every_section(lang, large):
    t = texts(lang)
    data = builders.build_packet(sample_packet(lang, name="María José Núñez-O'Brien"), large_print=large)
    assert_layout(data, lang)
    text = pdf_text(data)
    assert "María José Núñez-O'Brien" in text
    order = [t["cover_title"], t["warn_title"], t["product_title"], t["response_title"],
             t["resources_title"].format(county="Franklin County, OH"), t["law_title"],
             t["hotlines_title"], t["cert_title"]]
    # Each section heading appears, in this order, after the cover's list of contents.
    position = text.find(t["cover_inside"]) + 200
    for heading in order[1:]:
        found = text.find(" ".join(heading.split()), position)
        assert found > position, heading
        position = found
    assert t["resource_not_checked"] in text  # the stale entry is marked
    assert "1-800-662-4357" in text
    assert not FORBIDDEN.search(text)
    assert not DIAGNOSIS.search(text)
    if large:
        assert pdf_pages(data) > pdf_pages(builders.build_packet(sample_packet(lang)))


@pytest.mark.parametrize("code", PRODUCT_CODES)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_each_product_prints_its_own_instructions(code, lang):
    words = product_instructions(code)[lang]
    text = pdf_text(builders.build_packet(sample_packet(lang, product=code, certificate=False)))
    assert " ".join(words["name"].split()) in text
    for line in (*words["give"], *words["storage"]):
        assert " ".join(line.split()) in text
    assert texts(lang)["free_title"] not in text


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_product_given_prints_the_generic_page_and_where_to_get_it_free(lang):
    t = texts(lang)
    text = pdf_text(builders.build_packet(sample_packet(lang, product=None)))
    assert t["generic_title"] in text and t["free_title"] in text
    assert t["cover_kit_none"] in text
    for item in t["free_items"]:
        assert item in text


@pytest.mark.parametrize("lang", ["en", "es"])
def test_warning_with_no_flags_still_warns_and_never_says_low_risk(lang):
    t = texts(lang)
    data = builders.build_warning(sample_warning(lang, flags=()))
    assert_layout(data, lang)
    text = pdf_text(data)
    assert text.startswith(t["warn_title"])
    assert t["warn_lead"] in text and t["warn_no_flags"] in text
    for item in t["warn_todo_items"]:
        assert item in text
    assert not FORBIDDEN.search(text)
    assert pdf_pages(data) == 1


def test_warning_with_every_flag_prints_reasons_dates_and_short_citations_never_keys():
    flags = tuple(builders.RiskFlag(f"flag{n}", f"Plain reason number {n}.", f"key{n}", f"Author{n} 2020")
                  for n in range(12))
    w = builders.WarningInput(name="Alex", language="en", release_date=date(2026, 12, 1),
                              week2_end=date(2026, 12, 15), week4_end=date(2026, 12, 29),
                              naltrexone_ends=date(2026, 12, 20), flags=flags)
    data = builders.build_warning(w)
    text = pdf_text(data)
    for n in range(12):
        assert f"Plain reason number {n}." in text and f"Author{n} 2020" in text
        assert f"key{n}" not in text
    for label in ("December 15, 2026", "December 29, 2026"):
        assert label in text
    # The naltrexone date is about the person: only on their own sheet.
    assert "December 20, 2026" not in text and "Your naltrexone shot stops working" not in text
    assert pdf_pages(data) == 1


def test_personal_flags_print_on_their_own_sheet_after_the_general_page():
    personal = (builders.RiskFlag("PAST_OVERDOSE", "You have overdosed before.", "keen2020", "Keen 2020"),)
    w = builders.WarningInput(name="Alex", language="en", release_date=date(2026, 12, 1),
                              naltrexone_ends=date(2026, 12, 20), personal_flags=personal)
    data = builders.build_warning(w)
    reader_pages = [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages]
    assert len(reader_pages) == 3  # page 1 general, page 2 blank back, page 3 a sheet of its own
    assert "overdosed" not in reader_pages[0] and texts("en")["blank_page"] in reader_pages[1]
    assert reader_pages[2].startswith("Just for you")
    assert "You have overdosed before." in reader_pages[2] and "December 20, 2026" in reader_pages[2]
    assert "Keen 2020" in reader_pages[2] and "keen2020" not in " ".join(reader_pages)


def test_tolerance_text_depends_on_moud_inside():
    t = texts("en")
    kept = pdf_text(builders.build_warning(builders.WarningInput("Alex", "en", None, kept_on_moud=True)))
    not_kept = pdf_text(builders.build_warning(builders.WarningInput("Alex", "en", None)))
    assert words(t["warn_everyone_moud"]) in kept and words(t["warn_everyone"]) not in kept
    assert "If you miss 3 days or more, talk to your clinic" in kept
    assert words(t["warn_everyone"]) in not_kept and "Time inside lowers your tolerance" not in not_kept


def test_a_flag_reason_naming_a_diagnosis_is_replaced_in_print():
    flag = builders.RiskFlag("moud", "You have opioid use disorder and take methadone.", "x")
    text = pdf_text(builders.build_packet(sample_packet(flags=(flag,))))
    assert "disorder" not in text and texts("en")["flag_generic"] in text


def test_warning_input_adapts_a_risk_assessment():
    class Flag:
        code, citation, is_personal = "PAST_OVERDOSE", "keen2020", True

        def reason(self, lang):
            return {"en": "You had an overdose before.", "es": "Tuvo una sobredosis antes."}[lang]

        def short_source(self, lang):
            return "Keen 2020"

    class Supply(Flag):
        code, citation, is_personal = "FENTANYL", "hill2024", False

        def reason(self, lang):
            return "Hay fentanilo en las drogas de aquí."

    class Assessment:
        flags = [Flag(), Supply()]
        key_dates = {"release": date(2026, 12, 1), "week2_end": date(2026, 12, 15),
                     "week4_end": date(2026, 12, 29), "naltrexone_ends": date(2026, 12, 20)}
        kept_on_moud = True
        wants_personal_flags_printed = False

    w = builders.warning_input_from_assessment(Assessment(), "Alex", "es")
    assert w.flags == (builders.RiskFlag("FENTANYL", "Hay fentanilo en las drogas de aquí.", "hill2024", "Keen 2020"),)
    assert w.personal_flags == () and w.naltrexone_ends is None
    assert w.kept_on_moud is None  # not chosen: the tolerance text may not depend on treatment
    assert w.week4_end == date(2026, 12, 29)
    assert "Tuvo una sobredosis" not in pdf_text(builders.build_warning(w))
    chosen = builders.warning_input_from_assessment(Assessment(), "Alex", "es", personal=True)
    assert chosen.personal_flags == (builders.RiskFlag("PAST_OVERDOSE", "Tuvo una sobredosis antes.", "keen2020",
                                                       "Keen 2020"),)
    assert chosen.naltrexone_ends == date(2026, 12, 20) and chosen.kept_on_moud is True
    assert "Tuvo una sobredosis antes." in pdf_text(builders.build_warning(chosen))


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_print_literally_or_safely_and_never_break_a_build(name):
    data = builders.build_packet(sample_packet(name=name))
    text = pdf_text(data)
    certificate = builders.build_certificate(sample_packet(name=name).certificate)
    assert pdf_pages(certificate) == 1  # a long name shrinks, never spills onto a page 2
    if name in ("דוד כהן", "محمد عبد الله"):
        assert name in text  # drawn right to left, so it reads back in logical order
    else:
        assert pdf.printable(name, builders.NAME_LIMIT)[:40] in text
    assert "\u202e" not in text and "\u2066" not in text
    if "<script>" in name:
        assert "<script>alert(1)</script>" in text  # printed as text, not markup
    if "font color" in name:
        assert '<font color="[[[1]]]">x</font>' in text


def test_names_in_scripts_the_font_lacks_are_replaced_not_crashed():
    assert pdf.printable("王小明") == "???"
    assert pdf.printable("Ｆｕｌｌ") == "Full"  # compatibility forms fold to letters the font has
    assert pdf.printable("Ab\u202eCD") == "AbCD"
    assert pdf.printable("Name: דוד כהן 7") == "Name: ןהכ דוד 7"  # right-to-left run in seen order
    assert pdf.printable("x😀y") == "x?y"
    assert pdf.printable("Ελένη Жанна Zoë") == "Ελένη Жанна Zoë"  # Greek and Cyrillic print as is
    assert pdf.safe('<font color="[[[1]]]">') == '&lt;font color="[[[1]]]"&gt;'


def test_same_input_gives_the_same_bytes():
    assert builders.build_packet(sample_packet()) == builders.build_packet(sample_packet())
    cert = sample_packet().certificate
    assert builders.build_certificate(cert) == builders.build_certificate(cert)


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("large", [False, True])
def test_certificate_reads_back_with_code_and_url_and_no_facility_by_default(lang, large):
    t = texts(lang)
    cert = sample_packet(lang, name="Zoë Ñúñez").certificate
    data = builders.build_certificate(cert, large_print=large)
    assert_layout(data, lang)
    text = pdf_text(data)
    for expected in (t["cert_title"], "Zoë Ñúñez", cert.course_title, "2026.1", "Pat Trainer",
                     cert.code, cert.verify_url):
        assert expected in text
    assert t["cert_place"] not in text
    assert pdf_pages(data) == 1
    with_place = builders.build_certificate(
        builders.CertificateInput(**{**cert.__dict__, "facility_name": "Demo County Jail"}))
    assert "Demo County Jail" in pdf_text(with_place)


def test_batch_starts_every_packet_on_an_odd_page():
    packets = [sample_packet(name=f"Person {n}", certificate=n % 2 == 0) for n in range(5)]
    started = []
    data = builders.build_packets(packets, on_packet=started.append)
    assert started == [0, 1, 2, 3, 4]
    reader = PdfReader(io.BytesIO(data))
    starts = [i + 1 for i, page in enumerate(reader.pages)
              if "Your release packet" in (page.extract_text() or "")]
    assert len(starts) == 5
    assert all(page % 2 == 1 for page in starts), starts
    blank = [p for p in reader.pages if "This page is blank on purpose." in (p.extract_text() or "")]
    assert blank  # packets of an odd length got a marked blank back page
    # Page numbers restart with each packet, and the footer names whose packet it is.
    assert "Person 3" in reader.pages[starts[3] - 1].extract_text()
    assert "Page 1" in reader.pages[starts[3] - 1].extract_text()


def test_batch_of_nothing_is_refused():
    with pytest.raises(ValueError):
        builders.build_packets([])


def _plain_texts(lang: str) -> list[str]:
    t = texts(lang)
    skip = {"warn_base_sources", "warn_sources", "sources_title"}
    out = []
    for key, value in t.items():
        if key in skip:
            continue
        out += value if isinstance(value, list) else [value]
    for code in PRODUCT_CODES:
        words = product_instructions(code)[lang]
        out += [*words["give"], *words["storage"]]
    out += [row[f"description_{lang}"] for row in hotline_rows()]
    return [s.format(state="Ohio", county="Franklin County", date="May 1, 2021", year="2024", n="30",
                     version="1.1.0", title="Medical Director") for s in out]


def test_english_participant_text_is_grade_6_or_below():
    textstat.set_lang("en_US")
    whole = " ".join(s if s.endswith(".") else s + "." for s in _plain_texts("en"))
    assert textstat.flesch_kincaid_grade(whole) <= 6
    for code in PRODUCT_CODES:
        assert textstat.flesch_kincaid_grade(" ".join(product_instructions(code)["en"]["give"])) <= 6
    t = texts("en")
    for key in ("warn_lead", "warn_everyone", "generic_intro"):
        assert textstat.flesch_kincaid_grade(t[key]) <= 6, key
    for key in ("warn_todo_items", "free_items"):
        assert textstat.flesch_kincaid_grade(" ".join(t[key])) <= 6, key


def test_spanish_participant_text_is_easy_to_read():
    # Fernández-Huerta 80+ reads as "easy" (about 6th grade); textstat has no Spanish grade level.
    textstat.set_lang("es")
    try:
        whole = " ".join(s if s.endswith(".") else s + "." for s in _plain_texts("es"))
        assert textstat.fernandez_huerta(whole) >= 80
    finally:
        textstat.set_lang("en_US")


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_sixty_character_accented_name_fits_one_page_and_reads_back_exactly_in_pdftotext():
    name = "Zoë María-José Ñúñez de la Peña y Mañón Ürquhart-Øresund Lóx"
    assert len(name) == 60
    cert = builders.CertificateInput(**{**sample_packet().certificate.__dict__, "holder_name": name})
    for large in (False, True):
        data = builders.build_certificate(cert, large_print=large)
        assert pdf_pages(data) == 1
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
        assert name in " ".join(text.decode().split())


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("large", [False, True])
def test_the_law_section_is_never_split_from_its_not_legal_advice_line(lang, large):
    """Seen on a New Mexico packet: the law page's last line, "This is not legal advice.", was left
    alone at the top of the next page. Whatever comes before it, the section stays on one page."""
    t = texts(lang)
    law = builders.LawSummary(lines=(t["law_generic"],), as_of_line=t["law_not_advice"], source="")
    for count in range(0, 9, 2):
        resources = tuple(builders.ResourceEntry(name=f"Demo Place {n}", type="housing", phone="614-555-0101",
                                                 address=f"{n} Example Ave", accepts_records="yes")
                          for n in range(count))
        data = builders.build_packet(sample_packet(lang, resources=resources, law=law), large_print=large)
        pages = [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages]
        law_page = [page for page in pages if t["law_title"] in page][-1]  # the first is the contents
        assert t["law_not_advice"] in law_page, (count, law_page)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_phone_numbers_stay_together_on_one_page(lang):
    """Wherever the resource list ends, the phone numbers move to the next page whole: a
    Spanish Texas packet had left Poison Control alone at the top of a page."""
    hotlines = tuple(builders.HotlineEntry(name, number, description) for name, number, description in (
        ("SAMHSA National Helpline", "1-800-662-4357", "Free, private help with treatment. Open all day."),
        ("988 Suicide and Crisis Lifeline", "988", "Call or text. For Spanish, press 2."),
        ("Poison Control", "1-800-222-1222", "If someone will not wake up or is not breathing, call 911."),
    ))
    numbers = ("1-800-662-4357", "988", "1-800-222-1222")
    title = texts(lang)["hotlines_title"]
    for count in range(12):
        resources = tuple(builders.ResourceEntry(name=f"Demo Place {n}", type="housing", phone="614-555-0101",
                                                 address=f"{n} Example Ave") for n in range(count))
        data = builders.build_packet(sample_packet(lang, certificate=False, resources=resources, hotlines=hotlines))
        pages = [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages]
        page = [text for text in pages if title in text][-1]  # the first is the contents
        assert all(number in page for number in numbers), (lang, count)
