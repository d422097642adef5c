"""The CDC's ICD-10 overdose and opioid definitions, however the codes are written."""
from __future__ import annotations

import pytest

from reentry.outcomes.classify import classify, normalise_code, parse_codes, yes_no


@pytest.mark.parametrize("text, code", [("X42", "X42"), ("x42.0", "X42.0"), ("T401", "T40.1"),
                                        ("T40.1", "T40.1"), (" y14 ", "Y14"), ("T40.41", "T40.41")])
def test_codes_are_read_in_every_common_spelling(text, code):
    assert normalise_code(text) == code


@pytest.mark.parametrize("text", ["", "42", "XX42", "X4", "fentanyl"])
def test_a_word_is_not_a_code(text):
    with pytest.raises(ValueError, match="not an ICD-10 code"):
        normalise_code(text)


def test_multiple_causes_split_on_any_separator_once_each():
    assert parse_codes("T401, t40.4;X42 | T40.1/F11.2") == ["T40.1", "T40.4", "X42", "F11.2"]


@pytest.mark.parametrize("underlying", ["X40", "X44", "X60", "X64", "X85", "Y10", "Y14", "X42.0", "Y12"])
def test_every_overdose_intent_counts(underlying):
    assert classify(underlying, [])[0] is True


@pytest.mark.parametrize("underlying", ["X39", "X45", "X59", "X65", "X84", "X86", "Y09", "Y15", "I21.9", "V89.2"])
def test_codes_next_to_the_ranges_do_not(underlying):
    assert classify(underlying, ["T40.1"]) == (False, False)


@pytest.mark.parametrize("contributing", ["T40.0", "T40.1", "T40.2", "T40.3", "T40.4", "T40.6", "T40.41"])
def test_an_overdose_with_an_opioid_code_is_opioid_involved(contributing):
    assert classify("X42", ["F11.2", contributing]) == (True, True)


@pytest.mark.parametrize("contributing", ["T40.5", "T40.7", "T42.4", "T43.6"])
def test_cocaine_cannabis_benzodiazepines_stimulants_are_not_opioids(contributing):
    assert classify("X42", [contributing]) == (True, False)


def test_an_opioid_code_without_an_overdose_underlying_cause_is_not_counted():
    # e.g. a traffic death with heroin present: not a drug overdose death by the CDC definition.
    assert classify("V43.5", ["T40.1"]) == (False, False)


def test_without_codes_the_files_yes_no_columns_decide():
    assert classify("", [], overdose_flag=True, opioid_flag=False) == (True, False)
    assert classify("", [], overdose_flag=None, opioid_flag=True) == (True, True)  # opioid implies overdose
    assert classify("", []) == (False, False)


def test_codes_win_over_the_yes_no_columns():
    assert classify("I21.9", [], overdose_flag=True, opioid_flag=True) == (False, False)


@pytest.mark.parametrize("text, value", [("Yes", True), ("Y", True), ("1", True), ("sí", True),
                                         ("No", False), ("", False), ("0", False)])
def test_yes_no(text, value):
    assert yes_no(text) is value


def test_yes_no_refuses_anything_else():
    with pytest.raises(ValueError, match="not yes or no"):
        yes_no("maybe")
