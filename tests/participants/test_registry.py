"""Registry pages: list, search, detail (audited), edit with optimistic locking, void, access."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from reentry.audit.models import AuditEvent
from reentry.errors import DomainError, NotFound
from reentry.extensions import db
from reentry.participants import services
from reentry.participants.models import Participant
from tests import clock

# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


def audit_actions(entity_id=None):
    stmt = select(AuditEvent.action)
    if entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == str(entity_id))
    return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def test_search_key_folds_accents_case_and_spaces():
    assert services.search_key("  PEÑA   Ñúñez ") == "pena nunez"
    assert services.search_key("Straße") == "strasse"
    assert services.search_name_for("O'Brien", "Zoë", "") == "o'brien zoe"


def test_search_by_name_accent_and_case_insensitive(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("staff", facilities=[facility])
    make_participant(facility, last_name="Peña", first_name="José")
    make_participant(facility, last_name="O'Brien", first_name="Siobhán")
    make_participant(facility, last_name="Smith", first_name="Al")
    for query, expected in (("pena", "Peña"), ("JOSÉ PEÑA", "Peña"), ("siobhan o'brien", "O&#39;Brien")):
        page = client.get("/participants/", query_string={"q": query}).get_data(as_text=True)
        assert expected in page, query
        assert "Smith" not in page
    page = client.get("/participants/", query_string={"q": "100%_"}).get_data(as_text=True)
    assert "1 people" not in page and "Peña" not in page


def test_search_by_booking_number_and_date_of_birth(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("staff", facilities=[facility])
    make_participant(facility, booking_id="BK-777", last_name="Alvarez")
    make_participant(facility, last_name="Brown", date_of_birth=date(1970, 3, 4))
    assert "Alvarez" in client.get("/participants/?q=BK-777").get_data(as_text=True)
    for typed in ("1970-03-04", "03/04/1970"):
        page = client.get("/participants/", query_string={"q": typed}).get_data(as_text=True)
        assert "Brown" in page and "Alvarez" not in page


def test_list_filters_by_facility_housing_and_release_window(client, login_as, make_facility, make_participant):
    a, b = make_facility(), make_facility()
    login_as("manager", facilities=[a, b])
    today = clock.today()
    make_participant(a, last_name="Soon", housing_unit="B", expected_release_date=today + timedelta(days=3))
    make_participant(a, last_name="Later", housing_unit="C", expected_release_date=today + timedelta(days=60))
    make_participant(b, last_name="Elsewhere", expected_release_date=today + timedelta(days=3))
    page = client.get("/participants/", query_string={"facility": a.id}).get_data(as_text=True)
    assert "Soon" in page and "Later" in page and "Elsewhere" not in page
    page = client.get("/participants/", query_string={"housing_unit": "b"}).get_data(as_text=True)
    assert "Soon" in page and "Later" not in page
    window = {"release_from": today.isoformat(), "release_to": (today + timedelta(days=14)).isoformat()}
    page = client.get("/participants/", query_string=window).get_data(as_text=True)
    assert "Soon" in page and "Elsewhere" in page and "Later" not in page


def test_list_is_paginated(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("staff", facilities=[facility])
    for n in range(55):
        make_participant(facility, last_name=f"Person{n:03d}")
    first = client.get("/participants/").get_data(as_text=True)
    assert "Person000" in first and "Person054" not in first and "Page 1 of 2" in first
    second = client.get("/participants/?page=2").get_data(as_text=True)
    assert "Person054" in second and "Person000" not in second


def test_other_facility_participant_is_404_and_not_listed(client, login_as, make_facility, make_participant):
    mine, other = make_facility(), make_facility()
    user = login_as("staff", facilities=[mine])
    stranger = make_participant(other, last_name="Stranger")
    assert client.get(f"/participants/{stranger.id}").status_code == 404
    assert client.get(f"/participants/{stranger.id}/edit").status_code == 404
    assert "Stranger" not in client.get("/participants/?q=stranger").get_data(as_text=True)
    with pytest.raises(NotFound):
        services.get_visible_participant(user, stranger.id)
    with pytest.raises(NotFound):
        services.get_visible_participant(user, 999999)
    assert client.get("/participants/999999").status_code == 404


def test_viewing_a_record_is_audited_and_names_render_escaped(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("staff", facilities=[facility])
    person = make_participant(facility, last_name="<script>alert(1)</script>", first_name="O'Brien & Sons")
    page = client.get(f"/participants/{person.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "Everyone leaving custody is at higher risk" in page
    assert audit_actions(person.id).count("participant.view") == 1


def test_edit_saves_and_audits_the_change(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("staff", facilities=[facility])
    person = make_participant(facility, last_name="Garcia", first_name="Ana")
    form = client.get(f"/participants/{person.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    response = client.post(f"/participants/{person.id}/edit", data={
        "last_name": "García-Núñez", "first_name": "Ana", "preferred_language": "es",
        "destination_state": "oh", "destination_zip": "43215", "version": version})
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(Participant, person.id)
    assert person.last_name == "García-Núñez" and person.search_name == "garcia-nunez ana"
    assert person.destination_state == "OH" and person.version == int(version) + 1
    assert "participant.update" in audit_actions(person.id)


def test_a_stale_edit_is_refused_and_overwrites_nothing(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("staff", facilities=[facility])
    person = make_participant(facility, last_name="Lee", first_name="Kim")
    stale_version = person.version
    services.update_participant(None, person, stale_version, last_name="Lee", first_name="Kimberly")
    db.session.commit()
    response = client.post(f"/participants/{person.id}/edit", data={
        "last_name": "Leigh", "first_name": "Kim", "preferred_language": "en", "version": stale_version})
    assert response.status_code == 409
    assert "Someone else changed this record" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Participant, person.id).first_name == "Kimberly"
    assert db.session.get(Participant, person.id).last_name == "Lee"


def test_edit_rejects_control_characters_and_bad_zip(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("staff", facilities=[facility])
    person = make_participant(facility)
    for data, message in (({"last_name": "Evil\u202eeman"}, "control character"),
                          ({"destination_zip": "ABCDE"}, "ZIP")):
        values = {"last_name": "Ok", "first_name": "Ok", "preferred_language": "en", "version": person.version}
        values.update(data)
        page = client.post(f"/participants/{person.id}/edit", data=values).get_data(as_text=True)
        assert message in page


def test_void_needs_a_reason_hides_the_record_and_is_audited(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("manager", facilities=[facility])
    person = make_participant(facility, last_name="Duplicate")
    assert "reason" in client.post(f"/participants/{person.id}/void", data={"reason": ""}).get_data(as_text=True).lower()
    response = client.post(f"/participants/{person.id}/void", data={"reason": "entered twice"})
    assert response.status_code == 302
    db.session.expire_all()
    voided = db.session.get(Participant, person.id)
    assert voided.is_voided and voided.void_reason == "entered twice" and voided.voided_at is not None
    assert "Duplicate" not in client.get("/participants/").get_data(as_text=True)
    assert "participant.void" in audit_actions(person.id)
    assert "This record is void" in client.get(f"/participants/{person.id}").get_data(as_text=True)


def test_staff_cannot_void(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("staff", facilities=[facility])
    person = make_participant(facility)
    assert client.post(f"/participants/{person.id}/void", data={"reason": "nope"}).status_code == 403


def test_auditors_read_but_cannot_edit(client, login_as, make_facility, make_participant):
    person = make_participant(make_facility(), last_name="Readonly")
    login_as("auditor")
    assert client.get(f"/participants/{person.id}").status_code == 200
    response = client.post(f"/participants/{person.id}/edit", data={"last_name": "X", "first_name": "Y",
                                                                     "version": person.version})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Participant, person.id).last_name == "Readonly"


def test_export_escapes_formula_cells_and_is_audited(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("manager", facilities=[facility])
    make_participant(facility, last_name='=HYPERLINK("http://evil.example","x")', first_name="@SUM(A1)")
    body = client.get("/participants/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body and "'@SUM(A1)" in body
    assert "participant.export" in audit_actions()


def test_long_non_latin_names_render_and_search(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("staff", facilities=[facility])
    long_name = ("Алексеевна" * 20)[:200]
    person = make_participant(facility, last_name=long_name, first_name="محمد", middle_name="李")
    page = client.get(f"/participants/{person.id}").get_data(as_text=True)
    assert long_name in page and "محمد" in page
    assert long_name in client.get("/participants/", query_string={"q": "алексеевна"}).get_data(as_text=True)
    with pytest.raises(DomainError, match="longer than 200"):
        make_participant(facility, last_name="x" * 201)


def test_personal_data_never_reaches_the_logs(client, login_as, make_facility, make_participant, caplog, runner,
                                              tmp_path):
    import logging

    caplog.set_level(logging.DEBUG)
    facility = make_facility()
    login_as("staff", facilities=[facility])
    path = tmp_path / "r.csv"
    path.write_text("booking_id,last_name,first_name,date_of_birth\nSENTINEL-BK-42,Zzyzxsentinel,Qqq,1961-07-19\n")
    assert runner.invoke(args=["import-roster", str(path), "--facility", facility.code]).exit_code == 0
    person = db.session.scalar(select(Participant).where(Participant.last_name == "Zzyzxsentinel"))
    client.get(f"/participants/{person.id}")
    client.get("/participants/?q=zzyzx")
    client.post(f"/participants/{person.id}/screening", data={"screened_on": clock.today().isoformat()})
    logged = caplog.text + repr(person) + repr(person.episodes[0])
    for sentinel in ("Zzyzxsentinel", "1961-07-19", "SENTINEL-BK-42"):
        assert sentinel not in logged


def test_a_concurrent_save_between_check_and_write_is_a_conflict(make_facility, make_participant):
    from sqlalchemy import update

    from reentry.errors import Conflict

    person = make_participant(make_facility(), first_name="Kim")
    loaded_version = person.version
    # Another request saves after this one read the row (the session still holds the old copy).
    db.session.execute(update(Participant.__table__).where(Participant.__table__.c.id == person.id)
                       .values(first_name="Other", version=loaded_version + 1))
    with pytest.raises(Conflict):
        services.update_participant(None, person, loaded_version, last_name=person.last_name, first_name="Mine")
    db.session.rollback()
    assert db.session.get(Participant, person.id).first_name != "Mine"


def test_the_list_search_edit_and_screening_pages_are_audited_by_id(client, login_as, make_facility,
                                                                     make_participant):
    import json

    facility = make_facility()
    user = login_as("staff", facilities=[facility])
    shown = make_participant(facility, last_name="Auditedname")
    make_participant(facility, last_name="Othername")
    assert "Auditedname" in client.get("/participants/", query_string={"q": "auditedname"}).get_data(as_text=True)
    listing = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.list.view"))
    assert listing.actor_id == user.id and listing.entity_id is None
    details = json.loads(listing.changes)
    assert details["participant_ids"] == [shown.id] and details["filter"]["query"] == "auditedname"
    assert details["page"] == 1
    assert "Auditedname" not in listing.changes  # ids, not names
    assert client.get(f"/participants/{shown.id}/edit").status_code == 200
    assert client.get(f"/participants/{shown.id}/screening").status_code == 200
    views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "participant.view")
                               .order_by(AuditEvent.id)).all()
    assert [(v.entity_id, v.actor_id, json.loads(v.changes)["page"]) for v in views] == [
        (str(shown.id), user.id, "participants.edit"), (str(shown.id), user.id, "participants.screening")]
