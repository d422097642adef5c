"""The tolerance-loss assessment, rule by rule (a pure function: no database, no app)."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from reentry.participants.risk import (
    CITATIONS,
    FLAG_CODES,
    FLAG_TEXT,
    FLAG_VARIANTS,
    GENERAL_FLAG_CODES,
    SHORT_CITATIONS,
    assess,
)

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


@pytest.mark.parametrize("days_before, flagged", [(0, True), (20, True), (27, True), (28, True), (35, True),
                                                   (36, False)])
def test_naltrexone_ending_within_35_days_before_release(days_before, flagged):
    injection = RELEASE - timedelta(days=days_before)
    result = assess(screening(on_naltrexone_xr=True, last_naltrexone_injection=injection), RELEASE, None)
    assert ("NALTREXONE_ENDING" in codes(result)) is flagged
    if not flagged:
        return
    reason = next(f for f in result.flags if f.code == "NALTREXONE_ENDING").reason("en")
    assert "2026-" not in reason  # never an ISO date
    if days_before < 28:
        assert result.key_dates["naltrexone_ends"] == injection + timedelta(days=28)
        assert "until about" in reason and "your tolerance is low" in reason
    else:  # the block ended by release: say so, never a date already past
        assert "naltrexone_ends" not in result.key_dates
        assert "has likely worn off already: your tolerance is low now" in reason


def test_naltrexone_end_printed_as_a_long_local_date_in_each_language():
    injection = RELEASE - timedelta(days=10)  # ends 2026-12-19
    flag = assess(screening(last_naltrexone_injection=injection), RELEASE, None).flags[0]
    assert "until about December 19, 2026." in flag.reason("en")
    assert "hasta cerca del 19 de diciembre de 2026." in flag.reason("es")


def test_naltrexone_judged_by_the_facility_s_today_when_later_than_release():
    """Printed after a release that was recorded late: a block that ended by the facility's
    local today has worn off, whatever the release date says."""
    injection = RELEASE - timedelta(days=10)  # ends 2026-12-19
    before = assess(screening(last_naltrexone_injection=injection), RELEASE, None, today=date(2026, 12, 18))
    after = assess(screening(last_naltrexone_injection=injection), RELEASE, None, today=date(2026, 12, 19))
    assert "naltrexone_ends" in before.key_dates and "naltrexone_ends" not in after.key_dates
    assert "worn off" in after.flags[0].reason("en")
    assert "dejó de hacer efecto" in after.flags[0].reason("es")


def test_no_moud_flag_claims_lower_death_risk_only_for_methadone_and_buprenorphine():
    result = assess(screening(opioid_use_before_custody=True), RELEASE, None)
    english, spanish = (result.flags[0].reason(lang) for lang in ("en", "es"))
    assert "Methadone and buprenorphine lower the risk of death" in english
    assert "naltrexone lower" not in english.lower() and "Naltrexone is another choice" in english
    assert "La metadona y la buprenorfina bajan mucho el riesgo" in spanish and "naltrexona bajan" not in spanish


def test_days_counted_from_custody_do_not_presume_no_use_inside():
    result = assess(screening(opioid_use_before_custody=True), RELEASE, RELEASE - timedelta(days=343))
    reason = result.flags[0].reason("en")
    assert reason.startswith("You have been inside 343 days. If you did not use opioids in that time")
    assert "gone 343 days" not in reason and "can kill" not in reason and "stop your breathing" in reason
    assert result.flags[0].reason("es").startswith("Ha estado adentro 343 días. Si no usó opioides")


def test_days_counted_from_a_reported_last_use_say_so():
    result = assess(screening(opioid_use_before_custody=True, last_opioid_use_date=RELEASE - timedelta(days=40)),
                    RELEASE, RELEASE - timedelta(days=30))
    assert result.flags[0].reason("en").startswith("By the day you leave, it will be 40 days since you last used")


def test_kept_on_moud_inside_is_carried_for_the_tolerance_text():
    assert assess(screening(on_methadone=True), RELEASE, RELEASE - timedelta(days=60)).kept_on_moud
    assert assess(screening(on_buprenorphine=True), RELEASE, None).kept_on_moud
    assert not assess(screening(opioid_use_before_custody=True), RELEASE, None).kept_on_moud
    assert not assess(None, RELEASE, None).kept_on_moud


def test_flags_about_the_person_are_personal_and_the_supply_ones_are_not():
    result = assess(screening(overdose_ever=True, injects=True, fentanyl_in_supply=True, xylazine_in_supply=True),
                    RELEASE, None)
    assert {f.code for f in result.flags if not f.is_personal} == {"FENTANYL", "XYLAZINE"} == GENERAL_FLAG_CODES
    assert {f.code for f in result.flags if f.is_personal} == {"PAST_OVERDOSE", "INJECTS"}


def test_consent_defaults_off_and_follows_the_screening():
    assert assess(screening(), RELEASE, None).wants_personal_flags_printed is False
    assert assess(screening(wants_personal_flags_printed=True), RELEASE, None).wants_personal_flags_printed


@pytest.mark.parametrize("key", sorted(CITATIONS))
def test_every_citation_has_a_short_printed_form_that_is_not_the_key(key):
    english, spanish = SHORT_CITATIONS[key]
    assert english and spanish and key not in english and key not in spanish


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
    assert result.flags[2].reason("es").startswith("Si usa a solas")


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

    text = FLAG_TEXT[code][1].format(days=9, naltrexone_ends="December 1, 2026")
    assert textstat.flesch_kincaid_grade(text) <= 6


@pytest.mark.parametrize("key", sorted(FLAG_VARIANTS))
def test_flag_variants_read_at_grade_6_or_below(key):
    import textstat

    assert textstat.flesch_kincaid_grade(FLAG_VARIANTS[key][0].format(days=9)) <= 6


def test_no_stigmatising_words():
    words = " ".join(" ".join(t[1:]) for t in FLAG_TEXT.values()).lower()
    for banned in ("addict", "abuser", "clean", "dirty"):
        assert banned not in words
