"""Resource directory (admin pages, CSV import/export), hotlines and Good Samaritan laws."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reentry.documents import services
from reentry.documents.content import texts
from reentry.documents.models import GoodSamaritanLaw, Hotline, Resource
from reentry.documents.seed import law_rows
from reentry.errors import DomainError
from reentry.extensions import db
from tests.clock import today

# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


HEADER = ",".join(services.RESOURCE_CSV_COLUMNS)


@pytest.fixture
def seeded(app):
    services.seed_reference_data()  # idempotent: the migration seeded SQLite already
    db.session.commit()


def resource(**overrides):
    values = dict(name="Demo Clinic", type="moud", address="1 Example St", state="OH",
                  county="Franklin", zip="43215", phone="614-555-0101", hours="9-5",
                  languages="English", accepts_records="yes", last_verified_on=today(),
                  last_verified_by="Tester")
    values.update(overrides)
    created = services.create_resource(None, **values)
    db.session.commit()
    return created


def test_resource_validation_names_the_field(app):
    with pytest.raises(DomainError) as error:
        services.create_resource(None, name="X", type="spa", state="OH", county="Franklin")
    assert error.value.field == "type"
    with pytest.raises(DomainError) as error:
        services.create_resource(None, name="X", type="moud", state="OH", county="Franklin", zip="4321")
    assert error.value.field == "zip"


def test_stale_entries_are_flagged_on_the_admin_page_and_marked_in_the_packet(client, login_as):
    login_as("admin")
    resource(name="Fresh Place", county="Franklin County")
    resource(name="Old Place", last_verified_on=today() - timedelta(days=400))
    html = client.get("/resources/").get_data(as_text=True)
    assert "Fresh Place" in html and "Old Place" in html
    assert html.count("Needs checking: over 12 months") == 1
    entries = {e.name: e for e in services.packet_resources("OH", "franklin county")}
    assert entries["Old Place"].is_stale and not entries["Fresh Place"].is_stale
    assert services.packet_resources("NM", "Franklin") == ()


def test_export_then_import_round_trips_and_updates_by_id(client, login_as):
    login_as("admin")
    place = resource(name="=cmd|' /C calc'!A0")  # a formula: the export guards it
    csv_text = client.get("/resources/export.csv").get_data(as_text=True)
    assert "'=cmd" in csv_text
    csv_text = csv_text.replace("614-555-0101", "614-555-0199")
    added, updated = services.import_resources(None, csv_text)
    db.session.commit()
    assert (added, updated) == (0, 1)
    assert db.session.get(Resource, place.id).phone == "614-555-0199"
    assert db.session.get(Resource, place.id).name == "=cmd|' /C calc'!A0"


def test_import_is_all_or_nothing_with_row_level_errors(client, login_as):
    login_as("admin")
    good = ",Good Place,naloxone,,OH,Franklin,43215,614-555-0100,,,yes,2026-01-05,Tester"
    bad_type = ",Bad Type,spa,,OH,Franklin,,,,,,,"
    bad_date = ",Bad Date,moud,,ZZ,Franklin,,,,,maybe,2026-13-01,"
    bad_id = "99999,Missing,moud,,OH,Franklin,,,,,,,"
    body = "\n".join([HEADER, good, bad_type, bad_date, bad_id]).encode()
    response = client.post("/resources/import", data={"file": (io.BytesIO(body), "r.csv")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in ("row 3, column type:", "row 4, column state:", "row 4, column accepts_records:",
                    "row 4, column last_verified_on:", "row 5, column id: no entry with id 99999"):
        assert message in html
    assert db.session.scalar(select(func.count(Resource.id))) == 0
    response = client.post("/resources/import", data={"file": (io.BytesIO("\n".join([HEADER, good]).encode()), "r.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(select(Resource.name)) == "Good Place"


def test_import_refuses_a_file_without_required_columns(app):
    with pytest.raises(services.ImportRowsError) as error:
        services.import_resources(None, "name,phone\nX,1\n")
    assert "row 1, column type: this column is missing" in error.value.errors


def test_admin_creates_edits_and_removes_an_entry(client, login_as):
    login_as("admin")
    data = dict(name="New Place", type="housing", address="", state="NM", county="Bernalillo", zip="",
                phone="505-555-0100", hours="", languages="", accepts_records="unknown",
                last_verified_on="2026-11-01", last_verified_by="Me")
    assert client.post("/resources/new", data=data).status_code == 302
    place = db.session.scalar(select(Resource))
    assert client.post(f"/resources/{place.id}/edit", data={**data, "zip": "bad"}).status_code == 200
    assert client.post(f"/resources/{place.id}/edit", data={**data, "phone": "505-555-0111"}).status_code == 302
    assert client.post(f"/resources/{place.id}/void", data={"void-reason": "closed"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Resource, place.id).is_voided
    assert services.packet_resources("NM", "Bernalillo") == ()


@pytest.mark.parametrize("role, status", [("staff", 403), ("manager", 403), ("auditor", 200)])
def test_directory_pages_are_for_admins_and_auditors_read_only(client, login_as, role, status):
    login_as(role)
    assert client.get("/resources/").status_code == status
    assert client.get("/hotlines/").status_code == status
    assert client.get("/laws/").status_code == status
    assert client.get("/resources/new").status_code == 403


def test_unverified_hotline_never_prints_until_an_admin_verifies_it(client, login_as, seeded):
    admin = login_as("admin")
    printed = [h.number for h in services.printable_hotlines("en")]
    assert "1-800-662-4357" in printed and "1-800-484-3731" not in printed
    never_alone = db.session.scalar(select(Hotline).where(Hotline.key == "never-use-alone"))
    html = client.get("/hotlines/").get_data(as_text=True)
    assert "Not verified: does not print" in html
    form = dict(name_en=never_alone.name_en, name_es=never_alone.name_es, number=never_alone.number,
                description_en="d", description_es="d", source="called it", is_verified="y")
    assert client.post(f"/hotlines/{never_alone.id}/edit", data=form).status_code == 302
    db.session.expire_all()
    hotline = db.session.get(Hotline, never_alone.id)
    assert hotline.is_verified and hotline.last_verified_by == admin.email
    assert "1-800-484-3731" in [h.number for h in services.printable_hotlines("es")]
    # A changed number must be verified again before it prints.
    with pytest.raises(DomainError, match="number changed"):
        services.update_hotline(None, hotline, name_en=hotline.name_en, name_es="", number="1-800-555-0100",
                                description_en="", description_es="", source="", is_verified=True)
    services.update_hotline(None, hotline, name_en=hotline.name_en, name_es="", number="1-800-555-0100",
                            description_en="", description_es="", source="", is_verified=False)
    assert "1-800-555-0100" not in [h.number for h in services.printable_hotlines("en")]


def test_law_table_is_seeded_from_the_shipped_csv(seeded):
    assert db.session.scalar(select(func.count(GoodSamaritanLaw.id))) == len(law_rows()) == 51
    texas, kansas = services.law_for_state("TX"), services.law_for_state("KS")
    assert texas.is_verified and "defense_only" in texas.conditions.split()  # checked (0016)
    assert not kansas.is_verified  # not checkable from a retrieved statute: stays as shipped
    assert services.seed_reference_data() == []  # idempotent


# Checked a month ago: current. Rows over 12 months old print the generic text instead.
def recent():
    """A month before the (possibly frozen) today: worked out in each test, never at import, where
    the clock is not frozen yet."""
    return today() - timedelta(days=30)


def _law(**overrides) -> GoodSamaritanLaw:
    values = dict(state_code="ZZ", state_name="Testland", has_gsl="yes", effective_date="2016-09-13",
                  protects_arrest="unknown", protects_charge="unknown", protects_prosecution="unknown",
                  covers_possession="unknown", covers_paraphernalia="unknown",
                  protects_probation_parole="unknown", source="A source", as_of=recent(),
                  is_verified=True)
    values.update(overrides)
    return GoodSamaritanLaw(**values)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_summary_prints_only_what_is_known(lang):
    t = texts(lang)
    summary = services.law_summary(_law(protects_arrest="yes", covers_possession="yes"), lang)
    lines = " ".join(summary.lines)
    assert t["law_has"].format(state="Testland") in lines
    assert t["law_arrest_yes"] in lines and t["law_possession_yes"] in lines
    for key in ("law_charge_yes", "law_prosecution_yes", "law_paraphernalia_yes", "law_parole_yes"):
        assert t[key] not in lines  # unknown fields print nothing
    assert str(recent().year) in summary.as_of_line and t["law_not_advice"].rstrip(".") in summary.as_of_line
    everything = (lines + summary.as_of_line).lower()
    assert "unknown" not in everything and "desconoc" not in everything


@pytest.mark.parametrize("lang", ["en", "es"])
def test_summary_of_a_state_without_a_law_an_unverified_row_and_no_row(lang):
    t = texts(lang)
    none = services.law_summary(_law(has_gsl="no"), lang)
    assert t["law_none"].format(state="Testland") in none.lines and str(recent().year) in none.as_of_line
    unverified = services.law_summary(_law(protects_arrest="yes", is_verified=False), lang)
    assert t["law_arrest_yes"] not in unverified.lines
    assert t["law_not_checked"].format(state="Testland") in unverified.lines
    missing = services.law_summary(None, lang, state_name="Nowhere")
    assert t["law_not_checked"].format(state="Nowhere") in missing.lines
    for summary in (none, unverified, missing):
        assert t["law_call"] in summary.lines
        assert t["law_not_advice"].rstrip(".").split()[-1] in summary.as_of_line


def test_summary_reads_back_in_the_packet(seeded):
    from reentry.documents import builders
    from tests.documents.conftest import laws_checked_recently, pdf_text, sample_packet

    laws_checked_recently("OH")
    services.law_for_state("NM").as_of = today() - timedelta(days=400)  # due for review
    db.session.commit()
    for state in ("OH", "NM", "KS"):
        summary = services.law_summary(services.law_for_state(state), "en", on=today())
        text = pdf_text(builders.build_packet(sample_packet(law=summary)))
        assert "This is not legal advice." in text
        if state == "OH":
            assert "It can protect you from arrest for having drugs." in text
            # The row's own date: laws_checked_recently() dates it from the frozen clock, while the
            # test module was once dated at import (the frozen-instant runs tell them apart).
            assert f"As of {services.long_date(services.law_for_state('OH').as_of, 'en')}." in text
        else:  # KS unverified, NM stale: no protection printed
            assert "It can protect you" not in text
        if state == "NM":
            assert texts("en")["law_generic"] in text


def test_admin_edits_a_law_with_source_and_as_of(client, login_as, seeded):
    login_as("admin")
    texas = services.law_for_state("TX")
    form = {"has_gsl": "yes", "effective_date": "2021-09-01", "protects_arrest": "no",
            "protects_charge": "no", "protects_prosecution": "unknown", "covers_possession": "yes",
            "covers_paraphernalia": "yes", "protects_probation_parole": "unknown", "notes": "n",
            "source": "", "as_of": recent().isoformat(), "is_verified": "y"}
    response = client.post("/laws/TX/edit", data=form)
    assert response.status_code == 200 and "Source" in response.get_data(as_text=True)
    response = client.post("/laws/TX/edit", data={**form, "source": "Tex. Health & Safety Code 481.169"})
    assert response.status_code == 302
    db.session.expire_all()
    texas = services.law_for_state("TX")
    assert texas.is_verified and texas.as_of == recent()
    assert "It may not stop an arrest for having drugs." in services.law_summary(texas, "en").lines
    assert client.get("/laws/").status_code == 200


def test_a_utf16_file_without_bom_is_named_not_reported_as_missing_columns(client, login_as):
    login_as("admin")
    good = ",Good Place,naloxone,,OH,Franklin,43215,614-555-0100,,,yes,2026-01-05,Tester"
    body = "\n".join([HEADER, good]).encode("utf-16-le")
    response = client.post("/resources/import", data={"file": (io.BytesIO(body), "r.csv")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "UTF-16 (little-endian, without a byte-order mark)" in html and "missing" not in html
    assert db.session.scalar(select(func.count(Resource.id))) == 0
