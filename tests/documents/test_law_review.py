"""A Good Samaritan law row over 12 months old never prints as protections (issue 13): the packet
prints the safe generic text, in the person's language, and the admin law page lists it for review."""
from __future__ import annotations

from datetime import timedelta

import pytest

from reentry.documents import services
from reentry.documents.content import texts
from reentry.documents.models import GoodSamaritanLaw
from tests.clock import today

pytestmark = pytest.mark.clock


def _law(as_of) -> GoodSamaritanLaw:
    return GoodSamaritanLaw(
        state_code="ZZ", state_name="Testland", has_gsl="yes", effective_date="2016-09-13",
        protects_arrest="yes", protects_charge="yes", protects_prosecution="unknown",
        covers_possession="yes", covers_paraphernalia="unknown", protects_probation_parole="unknown",
        source="A source", as_of=as_of, is_verified=True)


def test_a_row_is_current_on_its_anniversary_and_due_the_day_after():
    on = today()
    assert not services.law_needs_review(_law(on - timedelta(days=365)), on)
    assert services.law_needs_review(_law(on - timedelta(days=366)), on)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_stale_row_prints_the_generic_text_and_no_protection(lang):
    t = texts(lang)
    on = today()
    summary = services.law_summary(_law(on - timedelta(days=400)), lang, on=on)
    assert t["law_generic"] in summary.lines
    printed = " ".join(summary.lines)
    for key in ("law_arrest_yes", "law_charge_yes", "law_possession_yes"):
        assert t[key] not in printed
    assert t["law_has"].format(state="Testland") not in printed
    assert summary.as_of_line == t["law_not_advice"]  # "not legal advice" stays on the page
    current = services.law_summary(_law(on - timedelta(days=30)), lang, on=on)
    assert t["law_arrest_yes"] in current.lines and t["law_generic"] not in current.lines


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_small_amount_is_said_only_where_the_law_limits_the_amount(lang):
    t, on = texts(lang), today()
    plain = services.law_summary(_law(on), lang, on=on).lines
    assert t["law_possession_yes"] in plain and t["law_possession_small"] not in plain
    limited = _law(on)
    limited.conditions = "small_amount"
    lines = services.law_summary(limited, lang, on=on).lines
    assert t["law_possession_small"] in lines and t["law_possession_yes"] not in lines
    assert t["law_cond_small_amount"] not in lines  # said once, in the possession line
    english = texts("en")
    assert "because of the call" in english["law_possession_yes"] and "small amount" not in english["law_possession_yes"]
    assert "small amount" in english["law_possession_small"] and "covers having drugs on you" not in " ".join(plain)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_charge_lines_say_what_for_and_a_supervision_hold_is_never_implied_covered(lang):
    t, on = texts(lang), today()
    lines = services.law_summary(_law(on), lang, on=on).lines
    assert t["law_charge_yes"] in lines
    assert ("with having drugs" in texts("en")["law_charge_yes"]
            and "for having drugs" in texts("en")["law_prosecution_yes"])
    assert t["law_parole_unknown"] in lines  # protects_probation_parole is unknown
    covered = _law(on)
    covered.protects_probation_parole = "yes"
    assert t["law_parole_unknown"] not in services.law_summary(covered, lang, on=on).lines
    excluded = _law(on)
    excluded.exclusions = "supervision"
    lines = services.law_summary(excluded, lang, on=on).lines
    assert t["law_excl_supervision"] in lines and t["law_parole_unknown"] not in lines


def test_the_admin_law_page_marks_stale_rows_for_review(app, client, login_as):
    from flask import url_for

    from reentry.extensions import db
    services.seed_reference_data()
    for state, age in (("OH", 400), ("NM", 30)):
        services.law_for_state(state).as_of = today() - timedelta(days=age)
    db.session.commit()
    login_as("admin")
    with app.test_request_context():
        url = url_for("documents.law_index")
    page = client.get(url).get_data(as_text=True)
    ohio, new_mexico = page.split("Ohio", 1)[1].split("</tr>")[0], page.split("New Mexico", 1)[1].split("</tr>")[0]
    assert "Needs review" in ohio and "Needs review" not in new_mexico


@pytest.mark.parametrize("lang, expected", [
    ("en", ("within 30 days", "only 2 times", "probation, parole or post-release control",
            "small amount of drugs for your own use, if police find it because of the call")),
    ("es", ("dentro de 30 días", "solo puede usarla 2 veces", "control posterior a la salida")),
])
def test_ohio_prints_its_conditions_and_who_it_leaves_out(app, lang, expected):
    """ORC 2925.11(B)(2): minor possession only, screening and referral within 30 days, twice at
    most, not for people on community control or post-release control."""
    services.seed_reference_data()
    ohio = services.law_for_state("OH")
    assert ohio.is_verified and ohio.statute.startswith("Ohio Rev. Code 2925.11(B)(2)")
    printed = " ".join(services.law_summary(ohio, lang, on=ohio.as_of).lines)
    for words in expected:
        assert words in printed, words
    assert texts(lang)["law_parole_yes"] not in printed
    assert "covers having drugs on you" not in printed.lower()


def test_an_unknown_condition_code_is_refused_naming_the_field(app):
    from reentry.errors import DomainError

    services.seed_reference_data()
    ohio = services.law_for_state("OH")
    with pytest.raises(DomainError) as error:
        services.update_law(None, ohio, source="x", as_of=ohio.as_of, is_verified=True,
                            conditions="treatment_within_days:30 must_stayy")
    assert error.value.field == "conditions" and "must_stayy" in str(error.value)
    services.update_law(None, ohio, source="x", as_of=ohio.as_of, is_verified=True,
                        conditions="must_stay, give_name")
    assert ohio.conditions == "must_stay give_name"
    assert "You must give your name." in services.law_summary(ohio, "en", on=ohio.as_of).lines
