"""Facility scoping of people and their records (issue 14, point 2).

The attack: staff of one jail uploaded a roster row with the name and date of birth of a prison's
person; the person then opened for them with the prison's screening, flags and certificate. Each
test here failed before the fix.
"""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from reentry.documents import packets
from reentry.documents.models import Certificate
from reentry.documents.services import issue_certificate
from reentry.extensions import db
from reentry.participants.models import CustodyEpisode, Participant, ReleaseScreening
from reentry.participants.services import create_participant, record_screening
from tests.clock import today
from tests.documents.conftest import pdf_text

pytestmark = pytest.mark.clock

BORN = date(1979, 5, 6)
HEADER = "booking_id,last_name,first_name,date_of_birth,expected_release_date,housing_unit,person_id"
PRISON_SCREENER = "Nurse Prisonside"


@pytest.fixture
def jail(make_facility):
    return make_facility("SC-JAIL")


@pytest.fixture
def prison(make_facility):
    return make_facility("SC-PRISON", type_="prison", name="Test State Prison")


@pytest.fixture
def prison_person(app, prison):
    """A prison's person with the prison's screening (flags INJECTS, SEDATIVES) and certificate."""
    person = create_participant(None, prison, booking_id="DOC-1", last_name="Quillfeather", first_name="Rowan",
                                date_of_birth=BORN, custody_start=today() - timedelta(days=400),
                                expected_release_date=today() + timedelta(days=3),
                                destination_state="OH", destination_county="Franklin")
    record_screening(None, person, {"screened_on": today() - timedelta(days=1), "screener_name": PRISON_SCREENER,
                                    "injects": True, "uses_sedatives": True, "opioid_use_before_custody": True,
                                    "wants_personal_flags_printed": True})
    issue_certificate(None, person, "Overdose response and naloxone", "2026.1", today() - timedelta(days=2),
                      "Pat Prisontrainer", "en")
    db.session.commit()
    return person


def prison_certificate_code() -> str:
    (code,) = db.session.scalars(select(Certificate.code)).all()
    return code


def upload(client, facility, content: str):
    data = {"facility": str(facility.id), "mapping": "", "bookings": (io.BytesIO(content.encode()), "roster.csv")}
    page = client.post("/participants/import", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "If you import it:" in page, page
    token = page.split('name="upload" type="hidden" value="')[1].split('"')[0]
    return client.post("/participants/import/confirm", data={"upload": token}, follow_redirects=True)


def people_named(last_name: str) -> list[Participant]:
    return list(db.session.scalars(select(Participant).where(Participant.last_name == last_name)
                                   .order_by(Participant.id)))


def packet_text(client, participant_id: int) -> str:
    response = client.post(f"/participants/{participant_id}/packet.pdf", data={"lang": "en"})
    assert response.status_code == 200
    return pdf_text(response.data)


def test_a_jail_roster_row_with_a_prison_persons_name_and_birth_date_makes_a_new_person(
        client, login_as, jail, prison_person):
    login_as("staff", facilities=[jail])
    response = upload(client, jail, f"{HEADER}\nJ-1,QUILLFEATHER,Rowan,{BORN.isoformat()},,A,\n")
    page = response.get_data(as_text=True)
    assert "Roster imported: created 1, updated 0, unchanged 0" in page
    assert "elsewhere" not in page.lower() and "SC-PRISON" not in page  # nothing says the name is known
    prison_copy, jail_copy = people_named("Quillfeather"), people_named("QUILLFEATHER")
    assert [p.id for p in prison_copy] == [prison_person.id] and len(jail_copy) == 1
    assert {e.facility_id for e in prison_person.episodes} == {prison_person.episodes[0].facility_id}
    assert [e.facility_id for e in jail_copy[0].episodes] == [jail.id]

    # The new person's record and packet carry nothing of the prison's.
    detail = client.get(f"/participants/{jail_copy[0].id}").get_data(as_text=True)
    assert PRISON_SCREENER not in detail and "INJECTS" not in detail and "No screenings." in detail
    assert prison_certificate_code() not in packet_text(client, jail_copy[0].id)
    # The prison's person is not there for jail staff: 404 (the same as no record), not 403.
    assert client.get(f"/participants/{prison_person.id}").status_code == 404
    assert client.post(f"/participants/{prison_person.id}/packet.pdf", data={"lang": "en"}).status_code == 404
    listing = client.get("/participants/?q=quillfeather").get_data(as_text=True)
    assert f"/participants/{jail_copy[0].id}\"" in listing
    assert f"/participants/{prison_person.id}\"" not in listing


def test_the_same_row_imported_again_at_the_jail_joins_the_jails_person(runner, tmp_path, jail, prison_person):
    path = tmp_path / "roster.csv"
    for booking in ("J-1", "J-2"):
        path.write_text(f"{HEADER}\n{booking},Quillfeather,Rowan,{BORN.isoformat()},,A,\n")
        result = runner.invoke(args=["import-roster", str(path), "--facility", jail.code])
        assert "created 1" in result.output, result.output
    people = people_named("Quillfeather")
    assert len(people) == 2  # the prison's and the jail's, the jail's with both bookings
    db.session.expire_all()
    jail_person = next(p for p in people if p.id != prison_person.id)
    assert sorted(e.booking_id for e in jail_person.episodes) == ["J-1", "J-2"]


def test_a_jail_system_person_id_never_matches_another_facilitys(runner, tmp_path, jail, prison):
    path = tmp_path / "roster.csv"
    path.write_text(f"{HEADER}\nDOC-9,Ashgrove,Lee,1970-01-01,,A,P77\n")
    runner.invoke(args=["import-roster", str(path), "--facility", prison.code])
    path.write_text(f"{HEADER}\nJ-9,Birchley,Dana,1991-02-03,,B,P77\n")
    result = runner.invoke(args=["import-roster", str(path), "--facility", jail.code])
    assert "created 1" in result.output, result.output
    db.session.expire_all()
    assert len(people_named("Ashgrove")) == 1 and len(people_named("Birchley")) == 1
    assert [e.facility_id for e in people_named("Birchley")[0].episodes] == [jail.id]


def test_a_voided_booking_at_the_jail_does_not_keep_the_match(runner, tmp_path, jail, prison_person):
    """Voiding the bad booking an earlier import attached must end the match (the remedy for data
    imported before the fix)."""
    db.session.add(CustodyEpisode(participant_id=prison_person.id, facility_id=jail.id, booking_id="OLD-1",
                                  is_voided=True, void_reason="attached to the wrong person"))
    db.session.commit()
    path = tmp_path / "roster.csv"
    path.write_text(f"{HEADER}\nJ-5,Quillfeather,Rowan,{BORN.isoformat()},,A,\n")
    result = runner.invoke(args=["import-roster", str(path), "--facility", jail.code])
    assert "created 1" in result.output, result.output
    assert len(people_named("Quillfeather")) == 2


@pytest.fixture
def shared_person(prison_person, jail):
    """A person attached to both facilities, as the import did before the fix (and as old data may be)."""
    db.session.add(CustodyEpisode(participant_id=prison_person.id, facility_id=jail.id, booking_id="J-OLD",
                                  custody_start=today() - timedelta(days=3),
                                  expected_release_date=today() + timedelta(days=1)))
    db.session.commit()
    db.session.expire_all()
    return prison_person


def test_jail_staff_see_only_the_jails_records_of_a_person_in_both(client, login_as, jail, shared_person):
    login_as("staff", facilities=[jail])
    page = client.get(f"/participants/{shared_person.id}").get_data(as_text=True)
    assert "J-OLD" in page and "DOC-1" not in page
    assert PRISON_SCREENER not in page and "INJECTS" not in page and "SEDATIVES" not in page
    assert "No screenings." in page
    text = packet_text(client, shared_person.id)
    assert prison_certificate_code() not in text and "Your certificate" not in text


def test_a_screening_recorded_at_the_jail_shows_there(client, login_as, jail, shared_person):
    login_as("staff", facilities=[jail])
    response = client.post(f"/participants/{shared_person.id}/screening",
                           data={"token": "", "screened_on": today().isoformat(), "screener_name": "Nurse Jailside",
                                 "injects": "yes"})
    assert response.status_code == 302
    saved = db.session.scalar(select(ReleaseScreening).where(ReleaseScreening.screener_name == "Nurse Jailside"))
    assert db.session.get(CustodyEpisode, saved.episode_id).facility_id == jail.id
    page = client.get(f"/participants/{shared_person.id}").get_data(as_text=True)
    assert "Nurse Jailside" in page and PRISON_SCREENER not in page


def test_admin_and_a_manager_of_both_still_see_everything(client, login_as, jail, prison, shared_person):
    for role, facilities in (("admin", []), ("manager", [jail, prison])):
        login_as(role, facilities=facilities)
        page = client.get(f"/participants/{shared_person.id}").get_data(as_text=True)
        assert PRISON_SCREENER in page and "INJECTS" in page and "DOC-1" in page and "J-OLD" in page
        assert prison_certificate_code() in packet_text(client, shared_person.id)
        client.post("/logout")


def test_the_days_packets_of_the_jail_omit_the_prisons_certificate_and_flags(app, jail, prison, shared_person):
    leaving = today() + timedelta(days=1)
    (jail_packet,) = packets.packets_for_day(jail.id, leaving)
    assert jail_packet.certificate is None
    assert not jail_packet.warning.personal_flags and not jail_packet.personal_flags_recorded
    (prison_packet,) = packets.packets_for_day(prison.id, today() + timedelta(days=3))
    assert prison_packet.certificate.code == prison_certificate_code()


def test_the_jail_worklist_shows_no_prison_flags(app, jail, prison, shared_person):
    from reentry.naloxone.worklist import build_worklist

    (row,) = [r for r in build_worklist(jail).expected if r.participant.id == shared_person.id]
    assert "INJECTS" not in row.risk_flags and "SEDATIVES" not in row.risk_flags
    (prison_row,) = [r for r in build_worklist(prison).expected if r.participant.id == shared_person.id]
    assert "INJECTS" in prison_row.risk_flags
    assert db.session.scalar(select(func.count()).select_from(ReleaseScreening)) == 1
