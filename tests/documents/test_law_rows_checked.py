"""Good Samaritan law rows checked state by state against the statute (issue 13): each rests on a
named statute and source, its codes parse, Texas prints as a defense in court (never as protection
from arrest), and migration 0016 replaces a shipped row but never an admin's edit."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date

import pytest
from flask_migrate import downgrade, upgrade

from reentry import create_app
from reentry.documents import builders, services
from reentry.documents.content import texts
from reentry.documents.seed import LAW_CONDITIONS, LAW_EXCLUSIONS, law_rows, parse_law_codes
from tests.conftest import base_config
from tests.documents.conftest import laws_checked_recently, pdf_text, sample_packet

CHECKED_ON = date(2026, 12, 4)
CHECKED = ("OH", "NM", "NY", "FL", "PA", "TX", "CA", "IL", "MI", "KY", "MA", "WA", "AZ", "WY")
NOT_CHECKED = ("KS", "WV")  # no statute text could be read: they stay as shipped, unverified or RAND


def test_every_checked_row_names_its_statute_and_source_and_its_codes_parse():
    rows = {row["state_code"]: row for row in law_rows()}
    for state in CHECKED:
        row = rows[state]
        assert row["is_verified"] and row["as_of"] == CHECKED_ON, state
        section = row["statute"].split(",")[0].split()[-1]  # "Fla. Stat. 893.21" -> "893.21"
        assert section and section in row["source"], state  # the source read is the statute's text
        assert "checked 2026-12-04" in row["source"], state
        assert "secondary sources" not in row["source"], state
    for row in rows.values():  # every row, checked or not: a bad code would be dropped silently
        parse_law_codes(row["conditions"], LAW_CONDITIONS, "conditions")
        parse_law_codes(row["exclusions"], LAW_EXCLUSIONS, "exclusions")
    assert not rows["KS"]["is_verified"] and rows["KS"]["as_of"] < CHECKED_ON
    assert rows["WV"]["statute"] == "" and rows["WV"]["as_of"] < CHECKED_ON


def test_texas_is_coded_as_a_defense_in_court_and_never_as_protection_from_arrest():
    texas = {row["state_code"]: row for row in law_rows()}["TX"]
    assert texas["protects_arrest"] == "no" and texas["protects_charge"] == "no"
    assert texas["protects_prosecution"] != "yes"  # it is raised at trial, not a bar to one
    assert "defense_only" in texas["conditions"].split()


@pytest.mark.clock
@pytest.mark.parametrize("lang, defense, arrest_words", [
    ("en", "It is a defense in court, not protection from arrest.", "protect you from arrest"),
    ("es", "Es una defensa ante el juez, no una protección contra el arresto.", "protegerle de un arresto"),
])
def test_the_texas_law_page_says_defense_in_court_not_protection_from_arrest(app, lang, defense,
                                                                              arrest_words):
    services.seed_reference_data()
    laws_checked_recently("TX")
    from tests.clock import today

    summary = services.law_summary(services.law_for_state("TX"), lang, on=today())
    t = texts(lang)
    assert t["law_cond_defense_only"].startswith(defense)
    assert t["law_cond_defense_only"] in summary.lines
    for key in ("law_arrest_yes", "law_charge_yes", "law_prosecution_yes"):
        assert t[key] not in summary.lines, key
    text = pdf_text(builders.build_packet(sample_packet(lang=lang, law=summary)))
    assert defense in text
    assert arrest_words not in text.replace(defense, "")
    assert t["law_not_advice"] in text or t["law_as_of"].split("{")[0].strip() in text


@pytest.mark.clock
def test_a_checked_row_prints_its_conditions_in_plain_words(app):
    """Pennsylvania: name, cooperate, stay; covers a probation or parole violation."""
    services.seed_reference_data()
    laws_checked_recently("PA")
    from tests.clock import today

    printed = services.law_summary(services.law_for_state("PA"), "en", on=today()).lines
    t = texts("en")
    for key in ("law_cond_give_name", "law_cond_cooperate", "law_cond_must_stay", "law_parole_yes"):
        assert t[key] in printed, key
    assert t["law_possession_yes"] not in printed  # subsection (b) could not be read: not claimed


def _row(path, state):
    with closing(sqlite3.connect(path)) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("SELECT * FROM good_samaritan_laws WHERE state_code = ?", (state,)).fetchone())


def _migrated_after_edits(tmp_path, revision: str, *statements: str):
    """A database upgraded to head, taken down to `revision`, edited with `statements` (rows as
    they stood then), and upgraded again: what an existing install sees."""
    path = tmp_path / "laws.sqlite3"
    app = create_app(base_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        from reentry.extensions import db
        db.session.remove()
        downgrade(revision=revision)
        with closing(sqlite3.connect(path)) as conn:
            for statement in statements:
                conn.execute(statement)
            conn.commit()
        upgrade()
        db.engine.dispose()
    return path


def test_migration_0016_replaces_a_shipped_row_and_leaves_an_edited_one(tmp_path):
    path = _migrated_after_edits(
        tmp_path, "0015",
        # Texas as it shipped (secondary summary, unverified); New Mexico as an admin saved it.
        "UPDATE good_samaritan_laws SET as_of = '2025-12-31', is_verified = 0, conditions = '',"
        " statute = '', protects_prosecution = 'unknown', source = 'HB 1694 summary' WHERE state_code = 'TX'",
        "UPDATE good_samaritan_laws SET as_of = '2026-06-01', notes = 'admin checked',"
        " protects_arrest = 'unknown', conditions = 'must_stay' WHERE state_code = 'NM'")
    texas, new_mexico = _row(path, "TX"), _row(path, "NM")
    assert texas["as_of"] == "2026-12-04" and texas["is_verified"] == 1
    assert texas["conditions"] == "defense_only first_caller must_stay cooperate small_amount"  # 0028
    assert texas["statute"].startswith("Tex. Health & Safety Code 481.115(g)")
    assert texas["protects_prosecution"] == "no"
    assert new_mexico["as_of"] == "2026-06-01" and new_mexico["notes"] == "admin checked"
    assert new_mexico["protects_arrest"] == "unknown" and new_mexico["conditions"] == "must_stay"
    ohio = _row(path, "OH")  # 0015's row, untouched by 0016, given its small amount by 0028
    assert ohio["conditions"] == "treatment_within_days:30 limited_uses:2 small_amount"


def test_migration_0028_adds_the_small_amount_to_shipped_ohio_and_texas_only(tmp_path):
    path = _migrated_after_edits(
        tmp_path, "0027",
        # Ohio as 0016 left it; Texas as an admin re-checked and saved it later.
        "UPDATE good_samaritan_laws SET conditions = 'treatment_within_days:30 limited_uses:2' WHERE state_code = 'OH'",
        "UPDATE good_samaritan_laws SET as_of = '2026-12-10', conditions = 'defense_only' WHERE state_code = 'TX'")
    assert _row(path, "OH")["conditions"] == "treatment_within_days:30 limited_uses:2 small_amount"
    assert _row(path, "TX")["conditions"] == "defense_only" and _row(path, "TX")["as_of"] == "2026-12-10"
