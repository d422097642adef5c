"""`reentry curriculum check` also lints what the packet prints outside the course (issue 13):
stigmatizing words, tú forms and English left in Spanish text, citation keys, stale law rows."""
from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from reentry.documents import lint


@pytest.fixture
def data(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(lint.DATA, copy)
    return copy


def _set_text(data, language, key, value):
    path = data / "texts.json"
    texts = json.loads(path.read_text(encoding="utf-8"))
    texts[language][key] = value
    path.write_text(json.dumps(texts, ensure_ascii=False, indent=2), encoding="utf-8")


def test_the_shipped_packet_content_lints_clean():
    assert lint.packet_content_problems() == []


@pytest.mark.parametrize("language, text, expected", [
    ("es", "Si tú ves a alguien dormido, llame al 911.", "'tú' is the tú register"),
    ("es", "Guarde tu kit en un lugar seguro.", "'tu' is the tú register"),
    ("es", "Nunca uses a solas.", "'uses' is the tú register"),
    ("es", "Quédate con la persona hasta que llegue la ayuda.", "'quédate' is the tú register"),
    ("es", "Call or text 988 para hablar.", "English word 'call'"),
    ("es", "Condado de Bernalillo County", "English word 'county'"),
    ("en", "Sources: binswanger2007; keen2020", "citation key 'binswanger2007'"),
    ("en", "Help for an addict is near.", "stigmatizing word 'addict'"),
    ("es", "Ayuda para un adicto.", "stigmatizing word 'adicto'"),
])
def test_each_kind_of_mistake_is_named_with_its_file_and_key(data, language, text, expected):
    _set_text(data, language, "law_call", text)
    problems = [str(p) for p in lint.packet_content_problems(data)]
    assert any(expected in p and f"texts.json {language}.law_call" in p for p in problems), problems
    assert all(p.startswith("reentry/documents/data/texts.json:") for p in problems)


def test_packet_claims_and_risk_warnings_must_name_sources_with_a_checked_date(data, monkeypatch):
    from reentry.participants import risk

    path = data / "texts.json"
    texts = json.loads(path.read_text(encoding="utf-8"))
    texts["claim_sources"]["warn_lead"] = ["binswanger2007", "nosuch2020"]
    texts["claim_sources"]["no_such_key"] = ["binswanger2007"]
    path.write_text(json.dumps(texts, ensure_ascii=False, indent=2), encoding="utf-8")
    monkeypatch.setitem(risk.FLAG_TEXT, "INJECTS", ("unlisted_source", "Injecting raises the risk.", "Inyectarse sube el riesgo."))
    messages = [problem.message for problem in lint.packet_content_problems(data)]
    assert "claim_sources warn_lead: source 'nosuch2020' is not in curriculum.toml" in messages
    assert "claim_sources names 'no_such_key', which is not a text" in messages
    assert any(m.startswith("risk flag INJECTS: source 'unlisted_source' is not in curriculum.toml") for m in messages)


def test_risk_warnings_follow_the_packet_word_rules(monkeypatch):
    from reentry.participants import risk

    monkeypatch.setitem(risk.FLAG_TEXT, "USES_ALONE", ("samhsa_toolkit", "An addict should not use alone.",
                                                       "Si usas a solas, nadie te ayuda."))
    messages = [problem.message for problem in lint.packet_content_problems()]
    assert "risk.py FLAG_TEXT USES_ALONE: stigmatizing word 'addict': use person-first words" in messages
    assert "risk.py FLAG_TEXT USES_ALONE: 'te' is the tú register; use usted" in messages


def test_placeholders_are_not_read_as_english(data):
    _set_text(data, "es", "law_call", "Llame al 911 en {county}.")
    assert lint.packet_content_problems(data) == []


def test_product_steps_and_hotlines_are_linted_too(data):
    product = data / "products" / "narcan-4mg.json"
    content = json.loads(product.read_text(encoding="utf-8"))
    content["es"]["give"][0] = "Sostén el aerosol naloxone."
    product.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    hotlines = data / "hotlines.csv"
    hotlines.write_text(hotlines.read_text(encoding="utf-8").replace("Llame o envíe", "Call or text"),
                        encoding="utf-8")
    problems = " ".join(str(p) for p in lint.packet_content_problems(data))
    assert "products/narcan-4mg.json es.give[1]: 'sostén'" in problems
    assert "hotlines.csv row 3 description_es: English word 'call'" in problems


def test_law_rows_over_twelve_months_old_are_listed_for_review():
    rows = [{"state_code": "OH", "as_of": date(2025, 1, 1)}, {"state_code": "NM", "as_of": date(2026, 6, 1)}]
    assert lint.laws_due_for_review(rows, date(2026, 12, 4)) == ["OH"]


def test_curriculum_check_reports_packet_problems_and_stale_laws(app, monkeypatch, data):
    from click.testing import CliRunner

    from reentry.training.cli import check_command

    _set_text(data, "es", "law_call", "Llama al 911 con tu teléfono.")
    monkeypatch.setattr(lint, "DATA", data)
    monkeypatch.setattr(lint.packet_content_problems, "__defaults__", (data,))
    result = CliRunner().invoke(check_command, ["curricula/oend"])
    assert result.exit_code != 0
    assert "'tu' is the tú register" in result.stderr
    assert "Good Samaritan law rows over 12 months old" in result.stderr


HARD_EN = ("Pharmacological antagonism of mu-opioid receptor agonists necessitates immediate "
           "administration, notwithstanding uncertainty regarding concomitant sedative intoxication.")


def test_packet_english_above_grade_eight_is_a_warning_naming_its_key(data):
    assert lint.reading_level_warnings() == []  # the shipped texts read at grade 8 or below
    _set_text(data, "en", "warn_everyone", HARD_EN)
    product = data / "products" / "zimhi-5mg.json"
    content = json.loads(product.read_text(encoding="utf-8"))
    content["en"]["storage"] = [HARD_EN]
    product.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    warnings = [str(w) for w in lint.reading_level_warnings(data)]
    assert len(warnings) == 2, warnings
    assert any("texts.json en.warn_everyone: grade" in w and "aim for 8 or lower" in w for w in warnings)
    assert any(w.startswith("reentry/documents/data/products/zimhi-5mg.json:") and "en.storage: grade" in w
               for w in warnings)
    assert lint.packet_content_problems(data) == []  # a warning, not a failure


HARD_ES = ("La administración farmacológica de antagonistas opioides necesita una evaluación "
           "interdisciplinaria, considerando la intoxicación concomitante con sustancias sedantes.")


def test_packet_spanish_below_plain_reading_ease_is_a_warning_naming_its_key(data, monkeypatch):
    from reentry.participants import risk

    _set_text(data, "es", "warn_everyone", HARD_ES)
    citation, english, _spanish = risk.FLAG_TEXT["INJECTS"]
    monkeypatch.setitem(risk.FLAG_TEXT, "INJECTS", (citation, english, HARD_ES))
    warnings = [str(w) for w in lint.reading_level_warnings(data)]
    assert any("texts.json es.warn_everyone: Fernández-Huerta" in w and "aim for 60 or higher" in w for w in warnings)
    assert any(w.startswith("reentry/participants/risk.py:") and "FLAG_TEXT INJECTS: Fernández-Huerta" in w
               for w in warnings)
    assert len(warnings) == 2, warnings


def test_short_labels_are_not_scored(data):
    _set_text(data, "en", "cert_code", "Verification identification")  # grade 20 by the formula
    assert lint.reading_level_warnings(data) == []


def test_packet_titles_are_held_to_person_first_words(data):
    _set_text(data, "en", "section_warning", "Risks for former inmates")
    _set_text(data, "es", "cover_title", "Paquete para reclusos")
    problems = " ".join(str(p) for p in lint.packet_content_problems(data))
    assert "texts.json en.section_warning: title 'Risks for former inmates': 'former inmates'" in problems
    assert "texts.json es.cover_title: title 'Paquete para reclusos': 'reclusos'" in problems


def test_curriculum_check_prints_reading_level_warnings_without_failing(app, monkeypatch, data):
    from click.testing import CliRunner

    from reentry.training.cli import check_command

    _set_text(data, "en", "warn_everyone", HARD_EN)
    monkeypatch.setattr(lint.reading_level_warnings, "__defaults__", (data, lint.MAX_PACKET_GRADE, lint.MIN_PACKET_EASE))
    result = CliRunner().invoke(check_command, ["curricula/oend"])
    assert "warning: reentry/documents/data/texts.json:" in result.stderr and "en.warn_everyone: grade" in result.stderr
    assert result.exit_code == 0, result.output
