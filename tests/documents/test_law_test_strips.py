"""Fentanyl test strips by destination state (issue 13): a state whose paraphernalia law a
checked source describes prints one plain sentence on the law page, in English and Spanish and
in large print, on the same page as "not legal advice"; an unknown or stale state prints nothing;
an admin's status needs a source and a date; migration 0026 fills only rows still unknown."""
from __future__ import annotations

import io
import sqlite3
from contextlib import closing
from datetime import timedelta

import pytest
from flask_migrate import downgrade, upgrade
from pypdf import PdfReader
from sqlalchemy import select

from reentry import create_app
from reentry.audit.models import AuditEvent
from reentry.documents import builders, services
from reentry.documents.content import texts
from reentry.documents.seed import law_rows, shipped_strip_updates
from reentry.errors import DomainError
from reentry.extensions import db
from tests.conftest import base_config
from tests.documents.conftest import laws_checked_recently, sample_packet

pytestmark = pytest.mark.clock


def _strips_checked_recently(state: str) -> None:
    from tests.clock import today

    services.law_for_state(state).test_strip_as_of = today() - timedelta(days=30)
    db.session.commit()


def _law_page(data: bytes, title: str) -> str:
    pages = [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages]
    return [page for page in pages if title in page][-1]  # the first is the contents


def test_only_states_with_a_named_source_carry_a_status():
    rows = {row["state_code"]: row for row in law_rows()}
    known = {state for state, row in rows.items() if row["test_strip_status"] != "unknown"}
    assert known == {"KY"}
    for state in known:
        assert rows[state]["test_strip_source"] and rows[state]["test_strip_as_of"] is not None
        assert "read 2026-12-04" in rows[state]["test_strip_source"]
    assert "fentanyl test strips" in rows["KY"]["test_strip_source"]  # the statute's own words
    for state in ("OH", "NM", "KS", "WV", "TX"):  # no source read says: nothing is claimed
        assert rows[state]["test_strip_status"] == "unknown" and not rows[state]["test_strip_source"]


@pytest.mark.parametrize("lang, sentence", [
    ("en", "In Kentucky, the law does not count fentanyl test strips as drug tools."),
    ("es", "En Kentucky, la ley no cuenta las tiras para fentanilo como cosas para usar drogas."),
])
@pytest.mark.parametrize("large", [False, True])
def test_kentucky_law_page_says_test_strips_are_not_drug_tools(app, lang, sentence, large):
    from tests.clock import today

    services.seed_reference_data()
    laws_checked_recently("KY")
    _strips_checked_recently("KY")
    t = texts(lang)
    summary = services.law_summary(services.law_for_state("KY"), lang, state_name="Kentucky", on=today())
    assert sentence in summary.lines
    assert summary.lines[-1] == t["law_call"]  # "Always call 911" stays the last word
    page = _law_page(builders.build_packet(sample_packet(lang, law=summary), large_print=large), t["law_title"])
    assert sentence in page and t["law_as_of"].split("{")[0].strip() in page


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_sentence_prints_even_when_the_overdose_law_is_not_checked(app, lang):
    """Kansas-like: the Good Samaritan row unverified, the test strip fact checked."""
    from tests.clock import today

    services.seed_reference_data()
    law = services.law_for_state("KY")
    law.is_verified = False
    _strips_checked_recently("KY")
    t = texts(lang)
    lines = services.law_summary(law, lang, state_name="Kentucky", on=today()).lines
    assert lines[0] == t["law_not_checked"].format(state="Kentucky")
    assert t["law_strips_legal"].format(state="Kentucky") in lines
    law.as_of = today() - timedelta(days=400)  # a stale overdose row: the generic text, then strips
    law.is_verified = True
    lines = services.law_summary(law, lang, state_name="Kentucky", on=today()).lines
    assert t["law_generic"] in lines and t["law_strips_legal"].format(state="Kentucky") in lines


def test_unknown_and_stale_states_print_nothing_about_test_strips(app):
    from tests.clock import today

    services.seed_reference_data()
    laws_checked_recently("OH")
    for lang in ("en", "es"):
        t = texts(lang)
        strip_words = t["law_strips_legal"].split("{state}")[1].strip()
        ohio = services.law_summary(services.law_for_state("OH"), lang, state_name="Ohio", on=today())
        assert not any(strip_words in line for line in ohio.lines)
    kentucky = services.law_for_state("KY")
    kentucky.test_strip_as_of = today() - timedelta(days=400)  # the source is over a year old
    lines = services.law_summary(kentucky, "en", state_name="Kentucky", on=today()).lines
    assert not any("test strips" in line for line in lines)


def test_an_admin_status_needs_its_own_source_and_date_and_is_audited(app, make_user):
    from tests.clock import today

    services.seed_reference_data()
    admin = make_user("admin")
    ohio = services.law_for_state("OH")
    common = dict(source=ohio.source, as_of=ohio.as_of, is_verified=ohio.is_verified)
    with pytest.raises(DomainError) as error:
        services.update_law(admin, ohio, test_strip_status="legal", test_strip_source=" ", **common)
    assert error.value.field == "test_strip_source"
    with pytest.raises(DomainError) as error:
        services.update_law(admin, ohio, test_strip_status="not_exempt", test_strip_source="ORC 2925.14",
                            test_strip_as_of=None, **common)
    assert error.value.field == "test_strip_as_of"
    with pytest.raises(DomainError) as error:
        services.update_law(admin, ohio, test_strip_status="maybe", **common)
    assert error.value.field == "test_strip_status"
    services.update_law(admin, ohio, test_strip_status="not_exempt", test_strip_source="ORC 2925.14 (demo)",
                        test_strip_as_of=today(), **common)
    db.session.commit()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "law.update")).all()[-1]
    assert '"test_strip_status": ["unknown", "not_exempt"]' in event.changes
    line = services.law_summary(ohio, "en", state_name="Ohio", on=today()).lines
    assert "In Ohio, the law can still count fentanyl test strips as drug tools." in line


def test_the_admin_form_saves_a_status(app, client, login_as):
    from tests.clock import today

    services.seed_reference_data()
    db.session.commit()
    login_as("admin")
    ohio = services.law_for_state("OH")
    form = {"has_gsl": ohio.has_gsl, "source": ohio.source, "as_of": ohio.as_of.isoformat(),
            "statute": ohio.statute, "conditions": ohio.conditions, "exclusions": ohio.exclusions,
            **{f: getattr(ohio, f) for f in ("protects_arrest", "protects_charge", "protects_prosecution",
                                             "covers_possession", "covers_paraphernalia",
                                             "protects_probation_parole")},
            "is_verified": "y", "test_strip_status": "legal", "test_strip_source": ""}
    response = client.post("/laws/OH/edit", data=form)
    assert b"Test strip source is required" in response.data
    form |= {"test_strip_source": "demo source", "test_strip_as_of": today().isoformat()}
    assert client.post("/laws/OH/edit", data=form).status_code == 302
    db.session.expire_all()
    assert services.law_for_state("OH").test_strip_status == "legal"
    listing = client.get("/laws/").get_data(as_text=True)
    assert f"legal ({today().isoformat()})" in listing and "legal (2026-12-04)" in listing  # OH, KY


def _row(path, state):
    with closing(sqlite3.connect(path)) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("SELECT * FROM good_samaritan_laws WHERE state_code = ?", (state,)).fetchone())


def test_migration_0026_fills_unknown_rows_and_keeps_an_admins_status(tmp_path):
    path = tmp_path / "strips.sqlite3"
    app = create_app(base_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        kentucky = _row(path, "KY")
        assert kentucky["test_strip_status"] == "legal" and kentucky["test_strip_as_of"] == "2026-12-04"
        assert _row(path, "OH")["test_strip_status"] == "unknown"
        db.session.remove()
        downgrade(revision="0025")
        assert "test_strip_status" not in _row(path, "KY")
        upgrade()
        with closing(sqlite3.connect(path)) as conn:  # an admin's later entry is never replaced
            conn.execute("UPDATE good_samaritan_laws SET test_strip_status = 'not_exempt',"
                         " test_strip_source = 'admin', test_strip_as_of = '2026-11-01' WHERE state_code = 'KY'")
            conn.commit()
        for statement in shipped_strip_updates():  # what 0026 runs, run again over the edit
            db.session.execute(statement)
        db.session.commit()
        assert _row(path, "KY")["test_strip_status"] == "not_exempt"
        with pytest.raises(sqlite3.IntegrityError), closing(sqlite3.connect(path)) as conn:
            conn.execute("UPDATE good_samaritan_laws SET test_strip_status = 'maybe' WHERE state_code = 'OH'")
        db.engine.dispose()
