"""The tolerance-loss assessment, rule by rule (a pure function: no database, no app)."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from reentry.participants.risk import CITATIONS, FLAG_CODES, FLAG_TEXT, assess

# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


RELEASE = date(2026, 12, 1)


def screening(**answers):
    base = dict(screened_on=RELEASE - timedelta(days=2))
    base.update(answers)
    return SimpleNamespace(**base)


def codes(result):
    return result.codes


def test_flag_codes_are_exactly_the_issue_s_list():
    assert set(FLAG_CODES) == {
        "TOLERANCE_DROPPING", "TOLERANCE_LOST", "NALTREXONE_ENDING", "MOUD_CONTINUE",
        "MOUD_NO_APPOINTMENT", "NO_MOUD", "PAST_OVERDOSE", "INJECTS", "SEDATIVES", "XYLAZINE",
        "FENTANYL", "USES_ALONE", "NO_STABLE_HOUSING",
    }


@pytest.mark.parametrize("code", FLAG_CODES)
def test_every_flag_has_english_spanish_and_a_known_citation(code):
    citation, english, spanish = FLAG_TEXT[code]
    assert citation in CITATIONS
    assert english and spanish and english != spanish


@pytest.mark.parametrize("days, expected", [(0, None), (2, None), (3, "TOLERANCE_DROPPING"),
                                             (6, "TOLERANCE_DROPPING"), (7, "TOLERANCE_LOST"),
                                             (400, "TOLERANCE_LOST")])
def test_days_without_opioids_from_the_last_use_date(days, expected):
    result = assess(screening(last_opioid_use_date=RELEASE - timedelta(days=days)), RELEASE, None)
    tolerance = [c for c in codes(result) if c.startswith("TOLERANCE")]
    assert tolerance == ([expected] if expected else [])
    assert result.days_without_opioids == days


def test_days_reported_at_screening_are_counted_on_to_the_release_date():
    # 2 days at screening, screened 2 days before release: 4 days by release.
    result = assess(screening(days_since_last_opioid_use=2), RELEASE, None)
    assert result.days_without_opioids == 4
    assert "TOLERANCE_DROPPING" in codes(result)


@pytest.mark.parametrize("stay, expected", [(2, []), (3, ["TOLERANCE_DROPPING"]), (10, ["TOLERANCE_LOST"])])
def test_custody_length_counts_when_no_use_date_is_known(stay, expected):
    result = assess(None, RELEASE, RELEASE - timedelta(days=stay))
    assert [c for c in codes(result) if c.startswith("TOLERANCE")] == expected


def test_a_known_last_use_wins_over_custody_length():
    result = assess(screening(last_opioid_use_date=RELEASE - timedelta(days=1)), RELEASE,
                    RELEASE - timedelta(days=60))
    assert not any(c.startswith("TOLERANCE") for c in codes(result))


def test_tolerance_flags_skip_people_who_said_they_did_not_use_opioids():
    result = assess(screening(opioid_use_before_custody=False), RELEASE, RELEASE - timedelta(days=30))
    assert not any(c.startswith("TOLERANCE") for c in codes(result))


def test_methadone_in_custody_means_a_long_stay_alone_does_not_mean_lost_tolerance():
    result = assess(screening(on_methadone=True, community_moud_appointment=True), RELEASE,
                    RELEASE - timedelta(days=60))
    assert codes(result) == ["MOUD_CONTINUE"]


@pytest.mark.parametrize("days_before, flagged", [(0, True), (20, True), (35, True), (36, False)])
def test_naltrexone_ending_within_35_days_before_release(days_before, flagged):
    injection = RELEASE - timedelta(days=days_before)
    result = assess(screening(on_naltrexone_xr=True, last_naltrexone_injection=injection), RELEASE, None)
    assert ("NALTREXONE_ENDING" in codes(result)) is flagged
    if flagged:
        assert result.key_dates["naltrexone_ends"] == injection + timedelta(days=28)
        reason = next(f for f in result.flags if f.code == "NALTREXONE_ENDING").reason("en")
        assert (injection + timedelta(days=28)).isoformat() in reason
        assert "very dangerous" in reason


def test_moud_continue_with_and_without_an_appointment():
    booked = assess(screening(on_buprenorphine=True, community_moud_appointment=True), RELEASE, None)
    assert "MOUD_CONTINUE" in codes(booked) and "MOUD_NO_APPOINTMENT" not in codes(booked)
    for answer in (False, None):
        unbooked = assess(screening(on_methadone=True, community_moud_appointment=answer), RELEASE, None)
        assert {"MOUD_CONTINUE", "MOUD_NO_APPOINTMENT"} <= set(codes(unbooked))
    assert "Keep taking it" in booked.flags[0].reason("en")


def test_no_moud_when_opioid_use_before_custody_and_no_medicine():
    assert "NO_MOUD" in codes(assess(screening(opioid_use_before_custody=True), RELEASE, None))
    for medicine in ("on_methadone", "on_buprenorphine", "on_naltrexone_xr"):
        result = assess(screening(opioid_use_before_custody=True, **{medicine: True}), RELEASE, None)
        assert "NO_MOUD" not in codes(result)
    assert "NO_MOUD" not in codes(assess(screening(opioid_use_before_custody=None), RELEASE, None))


@pytest.mark.parametrize("answers, code", [
    ({"overdose_ever": True}, "PAST_OVERDOSE"),
    ({"overdose_last_12_months": True}, "PAST_OVERDOSE"),
    ({"injects": True}, "INJECTS"),
    ({"uses_sedatives": True}, "SEDATIVES"),
    ({"xylazine_in_supply": True}, "XYLAZINE"),
    ({"fentanyl_in_supply": True}, "FENTANYL"),
    ({"uses_alone": True}, "USES_ALONE"),
    ({"housing_at_release": "unstable"}, "NO_STABLE_HOUSING"),
    ({"housing_at_release": "shelter"}, "NO_STABLE_HOUSING"),
    ({"housing_at_release": "none"}, "NO_STABLE_HOUSING"),
])
def test_yes_answers_raise_their_flag(answers, code):
    assert code in codes(assess(screening(**answers), RELEASE, None))


@pytest.mark.parametrize("answers", [
    {"overdose_ever": False}, {"injects": None}, {"uses_alone": False}, {"housing_at_release": "stable"},
    {"housing_at_release": None}, {"xylazine_in_supply": False},
])
def test_no_or_unknown_answers_raise_nothing(answers):
    assert codes(assess(screening(**answers), RELEASE, None)) == []


def test_key_dates_when_the_release_date_is_known():
    result = assess(None, RELEASE, None)
    assert result.key_dates == {"release": RELEASE, "week2_end": date(2026, 12, 15),
                                "week4_end": date(2026, 12, 29)}
    assert assess(None, None, None).key_dates == {}


def test_there_is_no_low_risk_result():
    result = assess(screening(), RELEASE, RELEASE - timedelta(days=1))
    assert result.flags == []
    assert "higher risk of overdose in the first weeks" in result.baseline("en")
    assert "más riesgo de sobredosis" in result.baseline("es")
    assert result.baseline_citation in CITATIONS
    assert not hasattr(result, "level") and "low" not in result.baseline("en").lower()


def test_a_short_stay_never_lowers_a_warning():
    answers = dict(overdose_ever=True, injects=True, fentanyl_in_supply=True)
    short = assess(screening(**answers), RELEASE, RELEASE - timedelta(days=1))
    long_ = assess(screening(**answers), RELEASE, RELEASE - timedelta(days=90))
    assert set(codes(short)) <= set(codes(long_))
    assert {"PAST_OVERDOSE", "INJECTS", "FENTANYL"} <= set(codes(short))


def test_reasons_in_both_languages_and_citations_on_every_flag():
    result = assess(screening(opioid_use_before_custody=True, uses_alone=True), RELEASE,
                    RELEASE - timedelta(days=9))
    assert codes(result) == ["TOLERANCE_LOST", "NO_MOUD", "USES_ALONE"]
    lost = result.flags[0]
    assert "9 days" in lost.reason("en") and "9 días" in lost.reason("es")
    assert lost.citation == "binswanger2007" and "NEJM" in lost.source
    assert result.flags[2].reason("es").startswith("Si usa solo")


def test_release_date_unknown_uses_the_screening_date():
    result = assess(screening(screened_on=RELEASE), None, RELEASE - timedelta(days=5))
    assert "TOLERANCE_DROPPING" in codes(result)
    assert "release" not in result.key_dates


def test_model_rows_work_too():
    from reentry.participants.models import ReleaseScreening

    row = ReleaseScreening(screened_on=RELEASE, injects=True, housing_at_release="shelter")
    assert codes(assess(row, RELEASE, None)) == ["INJECTS", "NO_STABLE_HOUSING"]


@pytest.mark.parametrize("code", FLAG_CODES)
def test_english_reasons_read_at_grade_6_or_below(code):
    import textstat

    text = FLAG_TEXT[code][1].format(days=9, naltrexone_ends="2026-12-01")
    assert textstat.flesch_kincaid_grade(text) <= 6


def test_no_stigmatising_words():
    words = " ".join(" ".join(t[1:]) for t in FLAG_TEXT.values()).lower()
    for banned in ("addict", "abuser", "clean", "dirty"):
        assert banned not in words
