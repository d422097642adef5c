"""Naloxone pages: the worklist's three lists, recording through the form, access rules."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reentry.audit.models import AuditEvent
from reentry.extensions import db
from reentry.participants.services import record_screening
from reentry.naloxone import services, worklist
from reentry.naloxone.models import KitEvent, ReversalReport
from tests.clock import today
from tests.conftest import base_config
from tests.naloxone.conftest import kit

# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


@pytest.fixture
def staff(login_as, facility):
    return login_as("staff", facilities=[facility])


def _token(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([0-9a-f-]{36})"', html).group(1)


def test_worklist_shows_the_three_lists(app, client, staff, facility, make_lot, make_episode):
    today = services.facility_today(facility)
    lot = make_lot()
    tonight = make_episode(expected_release_date=today)
    later = make_episode(expected_release_date=today + timedelta(days=6))
    make_episode(expected_release_date=today + timedelta(days=9))  # too far ahead
    gone_no_kit = make_episode(release_date=today - timedelta(days=1), release_inferred=True)
    gone_with_kit = make_episode(release_date=today - timedelta(days=2))
    make_episode(release_date=today - timedelta(days=5))  # older than 72 hours
    services.record_kit_event(None, facility, kit(lot), token=services.new_token(), episode=gone_with_kit)
    packed = make_episode()
    to_pack = make_episode(housing_unit="B-2")
    services.record_kit_event(None, facility, kit(lot, outcome="property"), token=services.new_token(), episode=packed)
    # Opioid use before custody, from each person's screening: puts people still inside on the
    # third list, and gives tonight's release the tolerance-loss flag.
    for episode in (tonight, packed, to_pack):
        record_screening(None, episode.participant, {"screened_on": today, "opioid_use_before_custody": True})
    db.session.commit()

    built = worklist.build_worklist(facility)
    assert [r.episode.id for r in built.expected] == [tonight.id, later.id]
    assert [r.episode.id for r in built.recently_released] == [gone_no_kit.id]
    assert [r.episode.id for r in built.in_custody] == [to_pack.id]
    shown, hidden = tonight.participant.display_name, gone_with_kit.participant.display_name
    gone_no_kit_id = gone_no_kit.id
    db.session.close()  # end the test's transaction: on SQLite it holds the write lock the page needs

    page = client.get(f"/naloxone/{facility.code}/worklist")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert shown in html and "TOLERANCE_LOST" in html
    assert f"/naloxone/{facility.code}/kits/new?episode={gone_no_kit_id}" in html
    assert hidden not in html
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "naloxone.worklist.view")) == 1


def test_record_a_kit_through_the_form_and_a_resubmit_makes_one(app, client, staff, facility, make_lot, make_episode):
    lot = make_lot(quantity=3)
    episode = make_episode(expected_release_date=today())
    url = f"/naloxone/{facility.code}/kits/new?episode={episode.id}"
    token = _token(client.get(url).get_data(as_text=True))
    data = {"token": token, "occurred_at": services.facility_today(facility).isoformat() + "T00:05",
            "context": "release", "outcome": "handed", "decline_reason": "", "decline_other": "",
            "lot": str(lot.id), "kits": "1", "recipient_type": "participant", "supply": "first",
            "repeat_reason": ""}
    first = client.post(url, data=data)
    second = client.post(url, data=data)
    event = db.session.scalar(select(KitEvent))
    assert first.status_code == second.status_code == 302
    assert first.location == second.location == f"/naloxone/kits/{event.id}"
    assert db.session.scalar(select(func.count(KitEvent.id))) == 1 and services.lot_stock(lot.id) == 2
    assert event.staff_id == staff.id and event.episode_id == episode.id


def test_form_errors_name_the_field(app, client, staff, facility, make_episode):
    episode = make_episode()
    url = f"/naloxone/{facility.code}/kits/new?episode={episode.id}"
    token = _token(client.get(url).get_data(as_text=True))
    page = client.post(url, data={"token": token, "occurred_at": "2026-01-01T10:00", "context": "release",
                                  "outcome": "declined", "lot": "", "kits": "1", "recipient_type": "participant",
                                  "supply": "first", "decline_reason": "", "repeat_reason": ""})
    assert page.status_code == 200
    assert "Choose why the kit was declined." in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(KitEvent.id))) == 0


def test_repeat_for_used_offers_the_reversal_form_prefilled(app, client, staff, facility, make_lot, make_episode):
    lot = make_lot()
    episode = make_episode()
    earlier, _ = services.record_kit_event(None, facility, kit(lot, occurred_at=services.utcnow() - timedelta(days=30)),
                                           token=services.new_token(), episode=episode)
    db.session.commit()
    url = f"/naloxone/{facility.code}/kits/new?episode={episode.id}"
    page = client.get(url).get_data(as_text=True)
    assert '<option selected value="repeat">' in page  # a kit was given before: suggested as repeat
    token = _token(page)
    response = client.post(url, data={
        "token": token, "occurred_at": services.facility_today(facility).isoformat() + "T00:01",
        "context": "community", "outcome": "handed", "lot": str(lot.id), "kits": "1",
        "recipient_type": "participant", "supply": "repeat", "repeat_reason": "used", "decline_reason": ""})
    assert response.status_code == 302 and "/reversals/new?kit_event=" in response.location
    form = client.get(response.location).get_data(as_text=True)
    assert f'name="kit_event" type="hidden" value="{earlier.id}"' in form
    assert 'value="43215"' in form
    token = _token(form)
    saved = client.post(response.location, data={
        "token": token, "kit_event": str(earlier.id), "participant": str(episode.participant_id),
        "occurred_on": today().isoformat(), "reporter_type": "participant", "county": "Franklin",
        "zip_code": "43215", "location_type": "home", "giver_type": "family", "product": str(lot.product_id),
        "doses_used": "2", "was_breathing": "no", "was_responsive": "no", "rescue_breathing": "yes",
        "called_911": "yes", "ems_came": "yes", "giver_stayed": "yes", "others_gave_naloxone": "no",
        "outcome": "survived", "age_band": "25_34", "gender": "woman", "naloxone_source": "our_kit"})
    assert saved.status_code == 302
    report = db.session.scalar(select(ReversalReport))
    assert saved.location == f"/naloxone/reversals/{report.id}"
    assert "lot " + lot.lot_number in client.get(saved.location).get_data(as_text=True)
    assert client.post(f"/naloxone/reversals/{report.id}/void", data={"reason": "duplicate"}).status_code == 302
    assert report.is_voided and report.void_reason == "duplicate"
    assert (report.kit_event_id, report.lot_id, report.doses_used, report.giver_type) == (earlier.id, lot.id, 2, "family")


def test_another_facility_is_404_and_auditors_cannot_write(app, client, login_as, make_facility, facility, make_lot):
    lot = make_lot()
    login_as("staff", facilities=[make_facility("MINE")])
    for url in (f"/naloxone/{facility.code}/worklist", f"/naloxone/{facility.code}/inventory",
                f"/naloxone/lots/{lot.id}", f"/naloxone/{facility.code}/kits/new"):
        assert client.get(url).status_code == 404, url
    client.post("/logout")
    login_as("auditor")
    assert client.get(f"/naloxone/{facility.code}/inventory").status_code == 200
    assert client.post(f"/naloxone/lots/{lot.id}/waste", data={"waste-quantity": "1", "waste-reason": "lost"}).status_code == 403


def test_every_page_renders(app, client, login_as, facility, make_lot, make_episode):
    login_as("admin")
    lot = make_lot()
    event, _ = services.record_kit_event(None, facility, kit(lot, outcome="property"), token=services.new_token(),
                                         episode=make_episode())
    location = services.create_location(None, facility, "Pharmacy", "pharmacy", 7)
    db.session.commit()
    code = facility.code
    for url in ("/naloxone/", f"/naloxone/{code}/worklist", f"/naloxone/{code}/kits", f"/naloxone/{code}/kits/new",
                f"/naloxone/{code}/kits/bulk", f"/naloxone/kits/{event.id}", f"/naloxone/kits/{event.id}/edit",
                f"/naloxone/{code}/inventory", f"/naloxone/{code}/lots/receive", f"/naloxone/lots/{lot.id}",
                f"/naloxone/lots/{lot.id}/recall-list", f"/naloxone/{code}/locations",
                f"/naloxone/locations/{location.id}/check", f"/naloxone/{code}/alerts",
                f"/naloxone/{code}/reversals", f"/naloxone/{code}/reversals/new",
                f"/naloxone/{code}/reversals/new?participant={event.participant_id}", "/naloxone/products",
                "/naloxone/products/new", "/naloxone/funding"):
        assert client.get(url).status_code == 200, url


def test_lot_actions_and_recall_export(app, client, login_as, facility, make_lot, make_episode, make_facility):
    login_as("manager", facilities=[facility, make_facility("SECOND")])
    lot = make_lot(quantity=10, lot_number="EXP-1")
    services.record_kit_event(None, facility, kit(lot), token=services.new_token(), episode=make_episode())
    db.session.commit()
    assert client.post(f"/naloxone/lots/{lot.id}/waste", data={"waste-quantity": "2", "waste-reason": "damaged"}).status_code == 302
    client.post(f"/naloxone/lots/{lot.id}/adjust", data={"adjust-counted": "6", "adjust-reason": "count"})
    assert services.lot_stock(lot.id) == 6
    client.post(f"/naloxone/lots/{lot.id}/waste", data={"waste-quantity": "60", "waste-reason": "lost"})
    assert services.lot_stock(lot.id) == 6
    client.post(f"/naloxone/lots/{lot.id}/recall", data={"recall-reason": "maker notice"})
    assert lot.is_recalled
    csv = client.get(f"/naloxone/lots/{lot.id}/recall-list.csv")
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("event_id,event_date,facility,booking_id") and len(lines) == 2
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "lot.recall_list.export")) == 1


def test_receive_a_lot_with_csrf_on(database_url, app):
    """The real form with CSRF on: refused without the token, saved with it."""
    from reentry import create_app
    from reentry.auth import services as auth
    from reentry.facilities.services import create_facility

    csrf_app = create_app(base_config(database_url, WTF_CSRF_ENABLED=True))
    facility = create_facility(None, "CSRF-JAIL", "Jail", "jail", "OH")
    auth.create_user(None, "csrf.staff@example.test", "staff", "correct horse battery staple 42", [facility])
    product = services.get_product_by_code("narcan-4mg")
    data = {"product": str(product.id), "lot_number": "CSRF1", "expiry_date": "2030-01-01", "quantity": "12",
            "funding_source": str(services.active_funding_sources()[0].id), "location": ""}
    db.session.commit()

    def token(html):
        return re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    client = csrf_app.test_client()
    client.post("/login", data={"email": "csrf.staff@example.test", "password": "correct horse battery staple 42",
                                "csrf_token": token(client.get("/login").get_data(as_text=True))})
    assert client.post("/naloxone/CSRF-JAIL/lots/receive", data=data).status_code == 400
    page = client.get("/naloxone/CSRF-JAIL/lots/receive").get_data(as_text=True)
    response = client.post("/naloxone/CSRF-JAIL/lots/receive", data={**data, "csrf_token": token(page)})
    assert response.status_code == 302
    [(lot, on_hand)] = services.facility_lots(facility)
    assert (lot.lot_number, on_hand) == ("CSRF1", 12)
    with csrf_app.app_context():
        db.engine.dispose()


def test_a_stale_correction_is_refused(app, client, staff, facility, make_lot):
    lot = make_lot(quantity=5)
    event, _ = services.record_kit_event(None, facility, kit(lot), token=services.new_token())
    db.session.commit()
    form = {"version": str(event.version), "occurred_at": services.facility_today(facility).isoformat() + "T00:01",
            "context": "release", "outcome": "handed", "lot": str(lot.id), "kits": "2",
            "recipient_type": "participant", "supply": "first", "decline_reason": "", "repeat_reason": ""}
    assert client.post(f"/naloxone/kits/{event.id}/edit", data=form).status_code == 302
    assert event.kits == 2 and services.lot_stock(lot.id) == 3
    stale = client.post(f"/naloxone/kits/{event.id}/edit", data={**form, "kits": "4"})
    assert stale.status_code == 200 and "Someone else changed this record" in stale.get_data(as_text=True)
    db.session.refresh(event)
    assert event.kits == 2 and services.lot_stock(lot.id) == 3


def test_a_use_report_cannot_name_a_participant_from_elsewhere(app, client, staff, facility, make_facility,
                                                               make_episode):
    stranger = make_episode(at=make_facility("ELSEWHERE"))
    response = client.post(f"/naloxone/{facility.code}/reversals/new", data={
        "token": services.new_token(), "participant": str(stranger.participant_id),
        "occurred_on": today().isoformat(), "reporter_type": "participant", "location_type": "home",
        "giver_type": "participant", "product": "", "doses_used": "1", "outcome": "survived",
        "age_band": "unknown", "naloxone_source": "unknown"})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(ReversalReport.id))) == 0


def test_pages_showing_a_participant_write_a_view_audit_row(app, client, staff, facility, make_lot, make_episode):
    lot = make_lot()
    episode = make_episode()
    event, _ = services.record_kit_event(None, facility, kit(lot), token=services.new_token(), episode=episode)
    anonymous, _ = services.record_kit_event(None, facility, kit(lot, recipient_type="community"),
                                             token=services.new_token())
    db.session.commit()
    client.get(f"/naloxone/{facility.code}/kits/new?episode={episode.id}")
    client.get(f"/naloxone/kits/{event.id}")
    client.get(f"/naloxone/kits/{anonymous.id}")
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "participant.view")).all()
    assert [(r.entity_id, r.actor_id) for r in rows] == [(str(episode.participant_id), staff.id)] * 2


def test_two_corrections_at_once_one_is_refused_not_a_500(app, client, staff, facility, make_lot, monkeypatch):
    from sqlalchemy import text

    lot = make_lot(quantity=5)
    event, _ = services.record_kit_event(None, facility, kit(lot), token=services.new_token())
    db.session.commit()
    original = services.correct_kit_event

    def other_person_saves_first(actor, event, details, expected_version=None):
        # The other correction commits between our version check and our UPDATE.
        db.session.execute(text("UPDATE naloxone_kit_events SET version = version + 1 WHERE id = :id"),
                           {"id": event.id})
        return original(actor, event, details, expected_version=None)

    monkeypatch.setattr(services, "correct_kit_event", other_person_saves_first)
    page = client.post(f"/naloxone/kits/{event.id}/edit", data={
        "version": str(event.version), "occurred_at": services.facility_today(facility).isoformat() + "T00:01",
        "context": "release", "outcome": "handed", "lot": str(lot.id), "kits": "3",
        "recipient_type": "participant", "supply": "first", "decline_reason": "", "repeat_reason": ""})
    assert page.status_code == 200 and "Someone else changed this record" in page.get_data(as_text=True)
    assert services.lot_stock(lot.id) == 4


def test_kit_records_are_paged(app, client, staff, facility, make_lot, monkeypatch):
    from reentry.naloxone import views

    monkeypatch.setattr(views, "KIT_PAGE_SIZE", 2)
    lot = make_lot()
    for _ in range(3):
        services.record_kit_event(None, facility, kit(lot, recipient_type="community"), token=services.new_token())
    db.session.commit()
    first = client.get(f"/naloxone/{facility.code}/kits").get_data(as_text=True)
    second = client.get(f"/naloxone/{facility.code}/kits?page=2").get_data(as_text=True)
    assert first.count("/naloxone/kits/") == 2 and "Older records" in first
    assert second.count("/naloxone/kits/") == 1 and "Newer records" in second and "Older records" not in second


def test_the_kit_list_and_the_correction_form_are_audited(app, client, staff, facility, make_lot, make_episode):
    import json

    lot = make_lot()
    episode = make_episode()
    event, _ = services.record_kit_event(None, facility, kit(lot), token=services.new_token(), episode=episode)
    services.record_kit_event(None, facility, kit(lot, recipient_type="community"), token=services.new_token())
    db.session.commit()
    assert client.get(f"/naloxone/{facility.code}/kits").status_code == 200
    listing = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "naloxone.kit_list.view"))
    assert listing.actor_id == staff.id and listing.facility_id == facility.id
    assert json.loads(listing.changes) == {"page": 1, "participant_ids": [episode.participant_id]}
    assert client.get(f"/naloxone/kits/{event.id}/edit").status_code == 200
    view = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participant.view"))
    assert (view.entity_id, view.actor_id) == (str(episode.participant_id), staff.id)
    assert json.loads(view.changes) == {"page": "naloxone.kit_edit", "kit_event": event.id}


def test_a_lot_number_with_quotes_or_a_line_separator_downloads_with_a_sound_header(
        app, client, login_as, facility, make_lot):
    from werkzeug.http import parse_options_header

    login_as("manager", facilities=[facility])
    for number in ('A";x=1', "B\u2028C"):
        lot = make_lot(lot_number=number)
        response = client.get(f"/naloxone/lots/{lot.id}/recall-list.csv")
        assert response.status_code == 200
        value = response.headers["Content-Disposition"]
        kind, options = parse_options_header(value)
        assert kind == "attachment" and "x" not in options and "\u2028" not in value
        assert options["filename"].startswith("recall-narcan-4mg-")
