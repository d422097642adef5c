"""The roster importer on good, malformed and hostile files, from the CLI and the upload page."""
from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reentry.audit.models import AuditEvent
from reentry.extensions import db
from reentry.participants.models import CustodyEpisode, Participant, RosterMapping
from tests.clock import today

# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


DOCS = Path(__file__).resolve().parents[2] / "docs"
HEADER = "booking_id,last_name,first_name,date_of_birth,expected_release_date,housing_unit"


@pytest.fixture
def jail(make_facility):
    return make_facility("JAIL-1", timezone="America/Los_Angeles")


@pytest.fixture
def run_import(runner, tmp_path, jail):
    """run_import(content, *options) -> click result (content: str written as UTF-8, or bytes)."""
    counter = iter(range(1, 1000))

    def run(content, *options, people=None):
        path = tmp_path / f"roster{next(counter)}.csv"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        args = ["import-roster", str(path), "--facility", jail.code, *options]
        if people is not None:
            people_path = tmp_path / f"people{next(counter)}.csv"
            people_path.write_bytes(people if isinstance(people, bytes) else people.encode("utf-8"))
            args += ["--people", str(people_path)]
        result = runner.invoke(args=args)
        db.session.expire_all()
        return result

    return run


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def roster(*rows: str, header: str = HEADER, newline: str = "\n") -> str:
    return newline.join([header, *rows]) + newline


GOOD = roster("B1,Peña,José,1980-01-02,,A", "B2,O'Brien,Siobhán,03/04/1990,2026-12-01,B")


def test_good_file_creates_then_reimport_changes_nothing(run_import):
    first = run_import(GOOD)
    assert first.exit_code == 0, first.output
    assert "created 2, updated 0, unchanged 0" in first.output
    assert count(Participant) == 2 and count(CustodyEpisode) == 2
    person = db.session.scalar(select(Participant).where(Participant.last_name == "Peña"))
    assert person.search_name == "pena jose" and person.date_of_birth == date(1980, 1, 2)
    second = run_import(GOOD)
    assert second.exit_code == 0 and "created 0, updated 0, unchanged 2" in second.output
    assert count(CustodyEpisode) == 2


def test_a_changed_row_updates_its_episode_and_audits_it(run_import):
    run_import(GOOD)
    result = run_import(roster("B1,Peña,José,1980-01-02,2026-12-24,C", "B2,O'Brien,Siobhán,03/04/1990,2026-12-01,B"))
    assert "created 0, updated 1, unchanged 1" in result.output
    episode = db.session.scalar(select(CustodyEpisode).where(CustodyEpisode.booking_id == "B1"))
    assert episode.housing_unit == "C" and episode.expected_release_date == date(2026, 12, 24)
    assert episode.version == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "custody_episode.update"))
    changes = json.loads(event.changes)
    assert changes["housing_unit"] == ["A", "C"] and event.entity_id == str(episode.id)
    imports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "roster.import")).all()
    assert len(imports) == 2 and "created 0, updated 1, unchanged 1" in imports[-1].changes


def test_header_names_are_case_insensitive_any_order_and_extras_are_listed(run_import):
    result = run_import("Date_Of_Birth,FIRST_NAME,Notes,Last_Name,Booking_ID\n1990-05-05,Ana,hi,Ruiz,X9\n")
    assert result.exit_code == 0, result.output
    assert "ignored columns: notes" in result.output and "created 1" in result.output


def test_missing_required_columns_are_reported_and_nothing_written(run_import):
    result = run_import("booking_id,first_name\nB1,Ana\n")
    assert result.exit_code != 0
    assert "row 1, column last_name: this required column is missing." in result.output
    assert "row 1, column date_of_birth: this required column is missing." in result.output
    assert count(CustodyEpisode) == 0


def test_every_problem_is_listed_with_row_and_column(run_import):
    content = roster("B1,Peña,José,1980-13-02,,A", "B2,,Ana,1990-01-01,soon,A", "B1,Lee,Kim,1985-01-01,,A",
                     "B4,Day,Al,2999-01-01,,A")
    result = run_import(content)
    assert result.exit_code != 0
    assert "row 2, column date_of_birth: '1980-13-02' is not a date (YYYY-MM-DD, MM/DD/YYYY)." in result.output
    assert "row 3, column last_name: a value is required." in result.output
    assert "row 3, column expected_release_date: 'soon' is not a date" in result.output
    assert "row 4, column booking_id: booking B1 is also on row 2." in result.output
    assert "row 5, column date_of_birth:" in result.output
    assert "nothing was imported" in result.output
    assert count(CustodyEpisode) == 0 and count(Participant) == 0


def test_utf8_bom_windows_1252_and_crlf(run_import):
    with_bom = b"\xef\xbb\xbf" + roster("B1,Peña,José,1980-01-02,,A", newline="\r\n").encode("utf-8")
    assert "created 1" in run_import(with_bom).output
    cp1252 = roster("B2,Muñoz,Zoë,1970-01-01,,A", "B3,D’Arcy,René,1971-01-01,,A", newline="\r\n").encode("cp1252")
    result = run_import(cp1252)
    assert "created 2" in result.output, result.output
    names = set(db.session.scalars(select(Participant.last_name)))
    assert {"Peña", "Muñoz", "D’Arcy"} <= names
    utf16 = GOOD.encode("utf-16")
    result = run_import(utf16)
    assert result.exit_code != 0 and "UTF-16" in result.output
    for encoding, order in (("utf-16-le", "little-endian"), ("utf-16-be", "big-endian")):
        result = run_import(GOOD.encode(encoding))  # Excel's "Unicode text" has no byte-order mark
        assert result.exit_code != 0 and f"UTF-16 ({order}, without a byte-order mark)" in result.output
        assert "missing" not in result.output


def test_a_10_mb_line_is_refused_cleanly(run_import):
    huge = "B1,Peña,José,1980-01-02,,A," + "x" * (10 * 1024 * 1024)
    result = run_import(roster("B0,Ok,Fine,1980-01-01,,A", huge, "B2,Lee,Kim,1985-01-01,,A",
                               header=HEADER + ",notes"))
    assert result.exit_code != 0
    assert "row 3: cannot be read (field larger than field limit" in result.output
    assert count(CustodyEpisode) == 0


def test_long_names_and_control_characters_are_reported(run_import):
    result = run_import(roster("B1," + "N" * 201 + ",Ana,1980-01-01,,A", "B2,Null\x00Byte,Ana,1980-01-01,,A"))
    assert "row 2, column last_name: longer than 200 characters." in result.output
    assert "row 3, column last_name: contains a control character." in result.output


def test_formula_looking_cells_are_stored_as_plain_text(run_import):
    result = run_import(roster('B1,"=HYPERLINK(""http://evil.example"",""x"")",+Ana,1980-01-01,,@A1'))
    assert result.exit_code == 0, result.output
    person = db.session.scalar(select(Participant))
    assert person.last_name == '=HYPERLINK("http://evil.example","x")' and person.first_name == "+Ana"
    assert db.session.scalar(select(CustodyEpisode.housing_unit)) == "@A1"


def test_dry_run_writes_nothing_and_says_what_it_would_do(run_import):
    result = run_import(GOOD, "--dry-run")
    assert result.exit_code == 0
    assert "dry run, nothing written: created 2, updated 0, unchanged 0" in result.output
    assert count(CustodyEpisode) == 0 and count(AuditEvent) == 1  # only the facility's creation


def test_snapshot_releases_missing_people_on_the_snapshot_date(run_import):
    rows = [f"B{n},Person{n},Ann,1980-01-01,,A" for n in range(10)]
    run_import(roster(*rows))
    result = run_import(roster(*rows[1:]), "--snapshot")
    assert result.exit_code == 0, result.output
    assert "created 0, updated 0, unchanged 9, released 1" in result.output
    gone = db.session.scalar(select(CustodyEpisode).where(CustodyEpisode.booking_id == "B0"))
    assert gone.release_date is not None and gone.release_inferred
    assert "custody_episode.release" in db.session.scalars(select(AuditEvent.action)).all()


def test_snapshot_refuses_to_release_more_than_20_percent_without_force(run_import):
    rows = [f"B{n},Person{n},Ann,1980-01-01,,A" for n in range(10)]
    run_import(roster(*rows))
    truncated = roster(*rows[:7])  # 3 of 10 missing: 30%
    refused = run_import(truncated, "--snapshot")
    assert refused.exit_code != 0 and "would release 3 of 10" in refused.output
    assert db.session.scalar(select(func.count()).where(CustodyEpisode.release_date.is_not(None))) == 0
    dry = run_import(truncated, "--snapshot", "--dry-run")
    assert "dry run, nothing written: created 0, updated 0, unchanged 7, released 3" in dry.output
    assert dry.exit_code != 0 and "would release 3 of 10" in dry.output
    forced = run_import(truncated, "--snapshot", "--force")
    assert forced.exit_code == 0 and "released 3" in forced.output


def test_headerless_file_with_a_mapping_counts_rows_from_1(run_import, jail, tmp_path):
    mapping = tmp_path / "plain.toml"
    mapping.write_text('header = false\nnames = ["id", "last", "first", "dob"]\n'
                       '[columns]\nbooking_id = "id"\nlast_name = "last"\nfirst_name = "first"\ndate_of_birth = "dob"\n')
    result = run_import("X1,Lee,Kim,1980-01-01\nX2,Ray,Al,not a date\n", "--mapping", str(mapping))
    assert "row 2, column dob: 'not a date' is not a date" in result.output


def test_code_for_america_layout_with_people_file(run_import):
    result = run_import((DOCS / "examples/cfa/bookings.csv").read_bytes(), "--mapping", "cfa-jail-dashboard",
                        people=(DOCS / "examples/cfa/people.csv").read_bytes())
    assert result.exit_code == 0, result.output
    assert "created 3, updated 0, unchanged 0" in result.output
    assert "ignored columns: inmate_number, facility_name, status" in result.output
    first = db.session.scalar(select(CustodyEpisode).where(CustodyEpisode.booking_id == "50001"))
    # 2015-04-01 22:56:29 -0700 is still 1 April in Los Angeles (the facility's zone).
    assert first.custody_start == date(2015, 4, 1) and first.housing_unit == "C-12" and first.person_ref == "9001"
    released = db.session.scalar(select(CustodyEpisode).where(CustodyEpisode.booking_id == "50002"))
    assert released.release_date == date(2015, 4, 2)
    # 02:00 UTC on 3 April is still the evening of 2 April in the facility's own zone.
    utc = db.session.scalar(select(CustodyEpisode).where(CustodyEpisode.booking_id == "50003"))
    assert utc.custody_start == date(2015, 4, 2)
    assert first.participant.last_name == "Núñez" and first.participant.gender == "female"


def test_people_file_problems_and_unknown_person_ids(run_import):
    bookings = "1,77,2015-04-01 10:00:00 -0700,,A,F,C,booked\n2,88,2015-04-01 10:00:00 -0700,,A,F,C,booked\n"
    people = "77,Ana,,Ruiz,not-a-date,F,W\n"
    result = run_import(bookings, "--mapping", "cfa-jail-dashboard", people=people)
    assert result.exit_code != 0
    assert "people file row 1, column date_of_birth: 'not-a-date' is not a date" in result.output
    assert "row 2, column person_id: no person '88' in the people file." in result.output


def test_a_new_booking_of_a_known_person_joins_their_record(run_import):
    run_import(roster("B1,Peña,José,1980-01-02,,A"))
    run_import(roster("B7,PENA,Jose,1980-01-02,,A"))
    assert count(Participant) == 1 and count(CustodyEpisode) == 2


def test_saved_mapping_is_used_by_name_and_bad_toml_is_refused(run_import, jail):
    from reentry.errors import DomainError
    from reentry.participants.roster import save_mapping

    with pytest.raises(DomainError, match="not valid TOML"):
        save_mapping(None, jail, "broken", "columns = [")
    with pytest.raises(DomainError, match="unknown field"):
        save_mapping(None, jail, "odd", '[columns]\nshoe_size = "x"\n')
    save_mapping(None, jail, "jms", '[columns]\nbooking_id = "bk"\nlast_name = "surname"\nfirst_name = "given"\n'
                 'date_of_birth = "dob"\ngender = "sex"\n[values.gender]\nf = "female"\n')
    db.session.commit()
    result = run_import("BK,Surname,Given,DOB,Sex\n1,Lee,Kim,1980-01-01,F\n", "--mapping", "jms")
    assert "created 1" in result.output, result.output
    assert db.session.scalar(select(Participant.gender)) == "female"
    assert run_import(GOOD, "--mapping", "nope").exit_code != 0


def test_unknown_facility_fails_with_one_line(runner, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(GOOD)
    result = runner.invoke(args=["import-roster", str(path), "--facility", "NOPE"])
    assert result.exit_code != 0 and "No facility with code NOPE" in result.output


# --- the upload page ---------------------------------------------------------------------------

def upload(client, facility, content: str, **extra):
    data = {"facility": str(facility.id), "mapping": "", "bookings": (io.BytesIO(content.encode()), "roster.csv")}
    data.update(extra)
    return client.post("/participants/import", data=data, content_type="multipart/form-data")


def test_upload_previews_errors_then_imports_the_fixed_file(client, login_as, jail):
    login_as("staff", facilities=[jail])
    page = upload(client, jail, roster("B1,Peña,José,1980-13-02,,A")).get_data(as_text=True)
    assert "row 2, column date_of_birth" in page and "Nothing was imported" in page
    assert count(CustodyEpisode) == 0
    page = upload(client, jail, GOOD).get_data(as_text=True)
    assert "If you import it: created 2, updated 0, unchanged 0" in page
    assert count(CustodyEpisode) == 0  # a preview writes nothing
    token = page.split('name="upload" type="hidden" value="')[1].split('"')[0]
    response = client.post("/participants/import/confirm", data={"upload": token}, follow_redirects=True)
    assert "Roster imported: created 2, updated 0, unchanged 0" in response.get_data(as_text=True)
    assert count(CustodyEpisode) == 2
    again = client.post("/participants/import/confirm", data={"upload": token}, follow_redirects=True)
    assert "no longer available" in again.get_data(as_text=True) and count(CustodyEpisode) == 2


def test_staff_cannot_import_into_another_facility(client, login_as, jail, make_facility):
    login_as("staff", facilities=[make_facility()])
    page = upload(client, jail, GOOD).get_data(as_text=True)
    assert "Not a valid choice" in page and count(CustodyEpisode) == 0


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, database_url):
        from tests.conftest import base_config

        return base_config(database_url, WTF_CSRF_ENABLED=True)

    def test_import_confirm_without_a_csrf_token_is_refused(self, client, app, jail, make_user):
        user = make_user("staff", [jail])
        login_page = client.get("/login").get_data(as_text=True)
        csrf = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        from tests.conftest import TEST_PASSWORD

        client.post("/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": csrf})
        response = client.post("/participants/import/confirm", data={"upload": "x" * 30})
        assert response.status_code == 400
        assert count(CustodyEpisode) == 0


def test_snapshot_releases_show_up_in_recent_releases_at_once(run_import, jail, make_user):
    from reentry.participants.services import recent_releases

    rows = [f"B{n},Person{n},Ann,1980-01-01,,A" for n in range(10)]
    run_import(roster(*rows))
    run_import(roster(*rows[1:]), "--snapshot")
    user = make_user("staff", [jail])
    released = recent_releases(user, today() - timedelta(days=1))
    assert [e.booking_id for e in released] == ["B0"] and released[0].release_inferred


# --- mappings pages ------------------------------------------------------------------------------

def test_admin_creates_edits_and_uses_a_mapping_from_the_page(client, login_as, jail, run_import):
    login_as("admin")
    page = client.get("/participants/mappings/new?from=cfa-jail-dashboard").get_data(as_text=True)
    assert "jms_booking_id" in page
    definition = '[columns]\nbooking_id = "bk"\nlast_name = "ln"\nfirst_name = "fn"\ndate_of_birth = "dob"\n'
    bad = client.post("/participants/mappings/new", data={"facility": jail.id, "name": "mine",
                                                          "definition": "[columns\n"})
    assert "not valid TOML" in bad.get_data(as_text=True)
    response = client.post("/participants/mappings/new", data={"facility": jail.id, "name": "mine",
                                                               "definition": definition})
    assert response.status_code == 302
    mapping = db.session.scalar(select(RosterMapping))
    edited = client.post(f"/participants/mappings/{mapping.id}", data={
        "facility": jail.id, "name": "mine", "definition": definition.replace('"dob"', '"born"'),
        "version": mapping.version})
    assert edited.status_code == 302
    assert "roster_mapping.update" in db.session.scalars(select(AuditEvent.action)).all()
    result = run_import("bk,ln,fn,born\n1,Lee,Kim,1980-01-01\n", "--mapping", "mine")
    assert "created 1" in result.output, result.output


def test_mappings_are_for_admins_only(client, login_as):
    login_as("manager")
    assert client.get("/participants/mappings").status_code == 403


def test_upload_page_shows_the_snapshot_guard(client, login_as, jail, run_import):
    rows = [f"B{n},Person{n},Ann,1980-01-01,,A" for n in range(10)]
    run_import(roster(*rows))
    login_as("staff", facilities=[jail])
    page = upload(client, jail, roster(*rows[:5]), snapshot="y").get_data(as_text=True)
    assert "would release 5 of 10" in page and "Import now" not in page
    page = upload(client, jail, roster(*rows[:5]), snapshot="y", force="y").get_data(as_text=True)
    assert "If you import it: created 0, updated 0, unchanged 5, released 5" in page


def test_the_upload_page_never_reads_a_mapping_file_by_path(client, login_as, jail, tmp_path):
    mapping = tmp_path / "secret.toml"
    mapping.write_text('[columns]\nbooking_id = "a"\n')
    login_as("staff", facilities=[jail])
    page = upload(client, jail, GOOD, mapping=str(mapping)).get_data(as_text=True)
    assert "No mapping named" in page and count(CustodyEpisode) == 0


def test_empty_files_are_refused_and_a_header_only_snapshot_releases_no_one(run_import):
    empty = run_import(b"")
    assert empty.exit_code != 0 and "row 1: the header row is missing or empty." in empty.output
    run_import(GOOD)
    header_only = run_import(HEADER + "\n", "--snapshot")
    assert header_only.exit_code != 0 and "would release 2 of 2" in header_only.output
    assert db.session.scalar(select(func.count()).where(CustodyEpisode.release_date.is_not(None))) == 0
