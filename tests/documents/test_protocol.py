"""One response protocol everywhere: the course, the kiosk (tests/training/test_kiosk.py) and every
PDF print the steps of curricula/oend/protocol.toml, in its order, with one second-dose trigger;
each product page follows its own label; Spanish pages are in usted and carry no English."""
from __future__ import annotations

import json
import re

import pytest

from reentry.config import PROJECT_ROOT
from reentry.documents import builders
from reentry.documents.content import DATA_DIR, PRODUCT_CODES, product_instructions, texts
from reentry.readability import reading_score
from reentry.training import curriculum, protocol
from reentry.training.cli import DEFAULT_PATH
from tests.documents.conftest import pdf_text, sample_packet

PROTO = protocol.default_protocol()
ORDER = ["check", "naloxone", "call", "second_dose", "more_doses", "breaths", "side", "stay"]
# Second-dose triggers the packet and course used before: none may come back.
OLD_TRIGGERS = re.compile(r"not awake|not breathing well|no despierta en 2|no respira bien", re.IGNORECASE)
# Forms that only the familiar "tú" takes (3rd-person look-alikes such as "llama" are left out).
TU_FORMS = re.compile(
    r"\b(tu|tus|te|ti|contigo|tienes|puedes|eres|estás|quédate|dale|dásela|ponla|sostén|acuéstala|"
    r"guárdala|mantenla|consíguela|ayúdale|pruebes|congeles|uses|recibiste|llamas|usabas|grita|frota|"
    r"revisa|inclina|presiona|empuja)\b", re.IGNORECASE)
# Everyday English words that have no business on a Spanish page (names such as Narcan are fine).
ENGLISH = re.compile(
    r"\b(the|and|you|your|with|call|text|give|spray|breathing|dose|keep|store|walk|label|toolkit|"
    r"overdose|prevention|response|shot|syringe|device|box|hours|open|free)\b", re.IGNORECASE)


def flat(text: str) -> str:
    return " ".join(text.split())


def step_lines(lang: str) -> list[str]:
    return [flat(f"{e.title} {e.text}") for e in PROTO.steps[lang]]


def in_order(haystack: str, needles: list[str]) -> bool:
    position = 0
    for needle in needles:
        found = haystack.find(needle, position)
        if found < 0:
            return False
        position = found + len(needle)
    return True


def page_between(text: str, start: str, end: str, lang: str = "en") -> str:
    """The text from one heading to the next, past the cover's list of contents (which repeats
    the section names)."""
    after_cover = text.index(flat(texts(lang)["warn_lead"]))
    begin = text.index(flat(start), after_cover)
    return text[begin:text.index(flat(end), begin)]


def test_the_protocol_has_the_steps_in_the_agreed_order_in_both_languages():
    assert PROTO.problems == []
    for lang in ("en", "es"):
        assert [e.key for e in PROTO.steps[lang]] == ORDER
        assert all(e.sources for e in PROTO.steps[lang])
    assert PROTO.trigger == {"en": "breathing is not normal", "es": "no respira normalmente"}
    call = {e.key: e for e in PROTO.steps["en"]}["call"].text
    assert "Someone is not breathing" in call and "speaker" in call and "alone" in call


def test_the_second_dose_trigger_is_the_same_words_everywhere():
    for lang in ("en", "es"):
        steps = {e.key: e.text for e in PROTO.steps[lang]}
        assert PROTO.trigger[lang] in steps["second_dose"] and PROTO.trigger[lang] in steps["more_doses"]
    cur, _scores = curriculum.check_curriculum(DEFAULT_PATH)
    participant_text = [m.body for m in cur.modules.values()]
    participant_text += [json.dumps(product_instructions(code), ensure_ascii=False) for code in PRODUCT_CODES]
    participant_text += [(DATA_DIR / "texts.json").read_text(encoding="utf-8"), cur.quiz_raw]
    for text in participant_text:
        assert not OLD_TRIGGERS.search(text), OLD_TRIGGERS.search(text)
    assert "breathing is not normal after 2 to 3 minutes" in cur.quiz_raw


@pytest.mark.parametrize("lang", ["en", "es"])
def test_course_module_4_shows_the_protocol_steps_in_order(lang):
    cur, _scores = curriculum.check_curriculum(DEFAULT_PATH)
    assert cur.problems == []
    body = flat(curriculum.plain_text(cur.modules[("04-respond", lang)].body))
    assert in_order(body, step_lines(lang))
    for part in ("situations",):
        for entry in getattr(PROTO, part)[lang]:
            assert flat(entry.text) in body
    for part in ("no_naloxone", "donts"):
        for item in PROTO.lists[part][lang].items:
            assert flat(item) in body


@pytest.mark.parametrize("product", [*PRODUCT_CODES, None])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_packet_prints_the_same_protocol_in_the_same_order(lang, product):
    t = texts(lang)
    text = pdf_text(builders.build_packet(sample_packet(lang, product=product)))
    response = page_between(text, t["response_title"], t["resources_title"].format(county="Franklin County, OH"),
                            lang)
    assert in_order(response, step_lines(lang))
    for entry in PROTO.situations[lang]:
        assert flat(f"{entry.title} {entry.text}") in response
    for part in ("no_naloxone", "donts"):
        block = PROTO.lists[part][lang]
        assert in_order(response, [flat(block.title), *map(flat, block.items)])
    # The steps are printed once: the product page does not carry a second list of them.
    assert text.count(step_lines(lang)[3]) == 1
    for key in PROTO.sources():
        assert key not in text  # a citation key never reaches the page


def test_no_second_copy_of_the_steps_exists_anywhere():
    """Every step's words live in protocol.toml alone: no module, data file, template or code
    holds them (modules show them through {{protocol:steps}})."""
    needles = [flat(e.text) for lang in ("en", "es") for e in PROTO.steps[lang]]
    roots = [PROJECT_ROOT / "curricula", PROJECT_ROOT / "reentry", PROJECT_ROOT / "templates"]
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix not in {".md", ".toml", ".json", ".py", ".html", ".po", ".txt"}:
                continue
            if path.name == "protocol.toml":
                continue
            content = flat(path.read_text(encoding="utf-8", errors="ignore"))
            for needle in needles:
                assert needle not in content, f"{path} repeats a protocol step: {needle[:50]}"
    for lang in ("en", "es"):
        assert not {"response_steps", "response_notes", "generic_steps"} & set(texts(lang))
    for code in PRODUCT_CODES:
        product = product_instructions(code)
        assert "steps" not in product["en"] and "source" not in product
        for lang in ("en", "es"):
            # A product page says how to give this device, not the whole response again.
            assert not re.search(r"911|shout|grite", " ".join(product[lang]["give"]), re.IGNORECASE), code


def test_each_product_follows_its_own_label():
    zimhi = product_instructions("zimhi-5mg")
    give, storage = " ".join(zimhi["en"]["give"]), " ".join(zimhi["en"]["storage"])
    assert "12 and up" in give and "case" in give and "outer side of the thigh" in give
    assert "in its case" in storage and "window" in storage and "cloudy" in storage
    assert "12 años" in " ".join(zimhi["es"]["give"]) and "ventana" in " ".join(zimhi["es"]["storage"])
    # The generic makers differ: Teva says below 77 F, Padagis/BluePoint 36-77 F.
    generic = " ".join(product_instructions("naloxone-4mg-generic")["en"]["storage"])
    assert "Teva: keep it below 77 °F (25 °C)." in generic and "Padagis or BluePoint" in generic
    narcan = " ".join(product_instructions("narcan-4mg")["en"]["storage"])
    assert "between 36 and 77 °F (2 to 25 °C)" in narcan and "104 °F (40 °C)" in narcan
    assert "Do not freeze it." in narcan and "in its box" in narcan
    for code in PRODUCT_CODES:
        product = product_instructions(code)
        assert product["checked"] and product["sources"]
        if not product["storage_checked"]:
            # A range not read on the label is never printed: the person is sent to the box.
            assert not re.search(r"\d+ °F", " ".join(product["en"]["storage"])), code
            assert "Read the storage range on your box" in " ".join(product["en"]["storage"])
        for lang in ("en", "es"):
            assert product[lang]["name"] and product[lang]["give"] and product[lang]["storage"]
        # Every field a participant reads exists in both languages, line for line.
        assert set(product["en"]) == set(product["es"])
        assert [len(product[lang]["give"]) for lang in ("en", "es")] == [len(product["en"]["give"])] * 2
        assert [len(product[lang]["storage"]) for lang in ("en", "es")] == [len(product["en"]["storage"])] * 2


@pytest.mark.parametrize("code", PRODUCT_CODES)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_product_pages_print_storage_frozen_and_expired_advice(code, lang):
    t = texts(lang)
    text = pdf_text(builders.build_packet(sample_packet(lang, product=code, certificate=False)))
    page = page_between(text, t["product_title"], t["response_title"], lang)
    for line in (*product_instructions(code)[lang]["give"], *product_instructions(code)[lang]["storage"],
                 *PROTO.lists["storage"][lang].items):
        assert flat(line) in page
    assert "Pruyn" in page and t["sources_title"] in page


@pytest.mark.parametrize("product", [*PRODUCT_CODES, None])
def test_spanish_product_and_response_pages_have_no_english_and_no_tu(product):
    t = texts("es")
    text = pdf_text(builders.build_packet(sample_packet("es", product=product, certificate=False)))
    start = t["product_title"] if product else t["generic_title"]
    pages = page_between(text, start, t["resources_title"].format(county="Franklin County, OH"), "es")
    assert not TU_FORMS.search(pages), TU_FORMS.search(pages)
    english = [w for w in ENGLISH.findall(pages)]
    assert english == [], english


def test_the_checks_catch_tu_and_english():
    assert TU_FORMS.search("Sostén el aerosol") and TU_FORMS.search("Llama al 911 y quédate")
    assert not TU_FORMS.search("Una llama mientras la otra da la naloxona")
    assert ENGLISH.search("Sostén el aerosol naloxone with the plunger")


def test_response_and_product_pages_read_at_grade_6_or_below():
    response = " ".join(step_lines("en") + [flat(f"{e.title} {e.text}") for e in PROTO.situations["en"]]
                        + [i for p in ("no_naloxone", "donts") for i in PROTO.lists[p]["en"].items])
    assert reading_score(response, "en") <= 6
    spanish = " ".join(step_lines("es") + [flat(f"{e.title} {e.text}") for e in PROTO.situations["es"]])
    assert reading_score(spanish, "es") >= 70
    for code in PRODUCT_CODES:
        words = product_instructions(code)["en"]
        assert reading_score(" ".join([*words["give"], *words["storage"]]), "en") <= 6, code


def test_a_protocol_without_the_trigger_in_the_second_dose_step_is_refused(curriculum_copy_path):
    path = curriculum_copy_path / "protocol.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Wait 2 to 3 minutes. If breathing is not normal, give another dose.",
        "Wait 2 to 3 minutes. If they are not awake, give another dose."), encoding="utf-8")
    cur, _scores = curriculum.check_curriculum(curriculum_copy_path)
    assert any("protocol.toml" in p.path and "trigger" in p.message for p in cur.problems)


def test_an_unknown_directive_or_product_is_named_by_file_and_line(curriculum_copy_path):
    path = curriculum_copy_path / "modules" / "05-naloxone-products.en.md"
    path.write_text(path.read_text(encoding="utf-8").replace("{{product:zimhi-5mg}}", "{{product:zimhi-9mg}}"),
                    encoding="utf-8")
    cur, _scores = curriculum.check_curriculum(curriculum_copy_path)
    assert any(p.path.endswith("05-naloxone-products.en.md") and "zimhi-9mg" in p.message and p.line > 1
               for p in cur.problems)


@pytest.fixture
def curriculum_copy_path(tmp_path):
    import shutil

    target = tmp_path / "oend"
    shutil.copytree(DEFAULT_PATH, target)
    return target


def test_a_changed_english_step_marks_the_spanish_out_of_date(curriculum_copy_path):
    path = curriculum_copy_path / "protocol.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("Shout their name.", "Shout their name loudly."),
                    encoding="utf-8")
    cur, _scores = curriculum.check_curriculum(curriculum_copy_path)
    [stale] = [p for p in cur.problems if p.kind == "out-of-date translation"]
    assert stale.path.endswith("protocol.toml") and "translates = " in stale.message
    from tests.training.restamp import restamp

    restamp(curriculum_copy_path)
    cur, _scores = curriculum.check_curriculum(curriculum_copy_path)
    assert cur.problems == []


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("large_print", [False, True])
def test_the_packet_prints_test_strips_wound_care_and_keeping_medicine_from_the_one_copy(lang, large_print):
    # The same lists, word for word and in order, as modules 7 and 8 show (one copy: protocol.toml).
    t = texts(lang)
    text = pdf_text(builders.build_packet(sample_packet(lang, certificate=False), large_print=large_print))
    page = page_between(text, t["safer_title"], t["resources_title"].format(county="Franklin County, OH"), lang)
    cur = curriculum.load_curriculum(DEFAULT_PATH)
    for part in protocol.SAFER_LISTS:
        block = PROTO.lists[part][lang]
        assert in_order(page, [flat(block.title), *(flat(item) for item in block.items)]), part
        module = "08-safer-use" if part != "keep_treatment" else "07-treatment"
        assert all(item in cur.modules[(module, lang)].body for item in block.items), (module, part)
    numbered = PROTO.lists["test_strips"][lang].items
    assert in_order(page, [f"1. {flat(numbered[0])[:30]}", f"5. {flat(numbered[4])[:20]}"])
    english = ("FindTreatment.gov", "tranq", "DEA", "SAMHSA", "Medicaid")  # names, not English words
    assert "Addiction" not in page and "Journal" not in page  # author and year on a packet page
    if lang == "es":
        found = [w for w in ENGLISH.findall(page) if w not in english]
        assert found == [] and not TU_FORMS.search(page), (found, TU_FORMS.search(page))
    assert t["section_safer"] in text.split(flat(t["warn_lead"]))[0]  # listed on the cover


def test_risk_warnings_point_to_the_protocol_instead_of_giving_steps_of_their_own():
    # One copy of what to do: a warning that told people to "give naloxone anyway, then check
    # breathing" was a second, shorter protocol on the warning page.
    from reentry.participants.risk import FLAG_TEXT, FLAG_VARIANTS

    steps = re.compile(r"give naloxone|check (their )?breathing|rescue breath|dé naloxona|revise si respira",
                       re.IGNORECASE)
    for english, spanish in [entry[1:] for entry in FLAG_TEXT.values()] + list(FLAG_VARIANTS.values()):
        assert not steps.search(english) and not steps.search(spanish), english
    xylazine = FLAG_TEXT["XYLAZINE"]
    assert "what to do in an overdose" in xylazine[1] and "qué hacer en una sobredosis" in xylazine[2]
    sedation = [e for e in PROTO.situations["en"] if "sleepy" in e.title.lower() or "sleepy" in e.text.lower()]
    assert sedation, "the protocol says what to do when someone breathes but stays very sleepy"
