"""Bookings, releases, kit events and reports through the API: the roster's rules and audit,
idempotent writes, problem details that name the field."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from reentry.audit.models import AuditEvent
from reentry.database import utcnow
from reentry.extensions import db
from reentry.naloxone import services as naloxone
from reentry.naloxone.catalog import seed_catalog
from reentry.naloxone.models import FundingSource
from reentry.participants.models import CustodyEpisode, Participant
from tests.api.conftest import BOOKING
from tests.clock import today


def _episodes():
    return db.session.scalar(select(func.count()).select_from(CustodyEpisode))


def test_put_creates_then_is_idempotent_then_updates_only_what_changed(api, make_key, jail):
    key = make_key(jail)
    path = f"/facilities/{jail.code}/bookings/BK100"
    created = api("PUT", path, key, json=BOOKING)
    assert created.status_code == 201 and created.get_json()["result"] == "created"
    booking = created.get_json()["booking"]
    assert booking["booking_id"] == "BK100" and booking["expected_release_date"] == "2026-12-20"
    assert booking["kit"]["status"] == "none" and booking["training"] == {"completed": False,
                                                                           "completed_on": None, "course": None}
    assert "last_name" not in booking and "date_of_birth" not in booking  # the JMS has them
    again = api("PUT", path, key, json=BOOKING)
    assert again.status_code == 200 and again.get_json()["result"] == "unchanged" and _episodes() == 1
    moved = api("PUT", path, key, json={"housing_unit": "C4"})  # only what is sent changes
    assert moved.status_code == 200 and moved.get_json()["result"] == "updated"
    assert moved.get_json()["booking"]["housing_unit"] == "C4"
    assert moved.get_json()["booking"]["expected_release_date"] == "2026-12-20"
    person = db.session.scalar(select(Participant))
    assert (person.last_name, person.preferred_language) == ("Testperson", "es")
    change = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "custody_episode.update"))
    assert change.actor_label.startswith("api:") and "C4" in change.changes


def test_bad_input_names_each_field_and_writes_nothing(api, make_key, jail):
    key = make_key(jail)
    path = f"/facilities/{jail.code}/bookings/BK200"
    for body, fields in (
        ({**BOOKING, "date_of_birth": "03/02/1990"}, {"date_of_birth"}),
        ({**BOOKING, "preferred_language": "fr", "destination_state": "Ohio"},
         {"preferred_language", "destination_state"}),
        ({**BOOKING, "shoe_size": "9"}, {"shoe_size"}),
        ({k: v for k, v in BOOKING.items() if k != "last_name"}, {"last_name"}),
        ({**BOOKING, "first_name": 7}, {"first_name"}),
        ({**BOOKING, "date_of_birth": (today() + timedelta(days=3)).isoformat()}, {"date_of_birth"}),
    ):
        response = api("PUT", path, key, json=body)
        assert response.status_code == 422, body
        assert response.content_type == "application/problem+json"
        problem = response.get_json()
        assert {e["field"] for e in problem["errors"]} == fields, problem
        assert all(e["detail"] for e in problem["errors"])
    for raw in (b"{not json", b"[1, 2]", b""):
        response = api("PUT", path, key, data=raw, content_type="application/json")
        assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "body"
    assert _episodes() == 0


def test_release_records_the_actual_date_once(api, make_key, jail):
    key = make_key(jail)
    api("PUT", f"/facilities/{jail.code}/bookings/BK300", key, json=BOOKING)
    path = f"/facilities/{jail.code}/bookings/BK300/release"
    released = api("POST", path, key, json={"release_date": "2026-12-02", "release_type": "time served"})
    assert released.status_code == 200 and released.get_json()["result"] == "updated"
    assert released.get_json()["booking"]["release_date"] == "2026-12-02"
    assert released.get_json()["booking"]["release_type"] == "time served"
    assert api("POST", path, key, json={"release_date": "2026-12-02", "release_type": "time served"}) \
        .get_json()["result"] == "unchanged"
    assert api("POST", path, key, json={}).get_json()["errors"][0]["field"] == "release_date"
    missing = api("POST", f"/facilities/{jail.code}/bookings/NOPE/release", key, json={"release_date": "2026-12-02"})
    assert missing.status_code == 404 and missing.get_json()["errors"][0]["field"] == "booking_id"


def test_booking_status_and_kit_events_show_the_kit_handed_out(api, make_key, jail):
    key = make_key(jail)
    api("PUT", f"/facilities/{jail.code}/bookings/BK400", key, json=BOOKING)
    seed_catalog()
    funding = db.session.scalar(select(FundingSource).where(FundingSource.code == "state-program"))
    lot = naloxone.receive_lot(None, jail, naloxone.get_product_by_code("narcan-4mg"), "LOT-API",
                               today() + timedelta(days=300), 5, funding)
    episode = db.session.scalar(select(CustodyEpisode).where(CustodyEpisode.booking_id == "BK400"))
    before = utcnow() - timedelta(seconds=1)
    naloxone.record_kit_event(None, jail, naloxone.KitDetails(
        occurred_at=utcnow(), context="release", outcome="handed", recipient_type="participant", kits=1,
        lot=lot, supply="first"), token="11111111-1111-4111-8111-111111111111", episode=episode)
    db.session.commit()
    status = api("GET", f"/facilities/{jail.code}/bookings/BK400", key).get_json()
    assert status["kit"]["status"] == "handed" and status["kit"]["lot"] == "LOT-API"
    assert status["kit"]["product"] == "narcan-4mg" and status["packet"] == {"printed": False, "printed_at": None,
                                                                             "language": None}
    page = api("GET", f"/facilities/{jail.code}/kit-events", key, query_string={"since": before.isoformat()}).get_json()
    assert [e["booking_id"] for e in page["events"]] == ["BK400"] and page["next_since"] is None
    event = page["events"][0]
    assert event["lot"] == "LOT-API" and event["outcome"] == "handed" and event["voided"] is False
    later = (utcnow() + timedelta(minutes=1)).isoformat()
    assert api("GET", f"/facilities/{jail.code}/kit-events", key, query_string={"since": later}).get_json()["events"] == []
    bad = api("GET", f"/facilities/{jail.code}/kit-events?since=yesterday", key)
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "since"


def test_reports_come_as_json_for_the_keys_facilities_only(api, make_key, jail, prison):
    key = make_key(jail, scope="read")
    start, end = (today() - timedelta(days=30)).isoformat(), today().isoformat()
    report = api("GET", f"/reports/distribution?from={start}&to={end}", key)
    assert report.status_code == 200, report.get_json()
    body = report.get_json()
    assert body["name"] == "distribution" and body["columns"] and isinstance(body["rows"], list)
    assert ["Facilities", jail.code] in body["filters"]
    assert api("GET", f"/reports/distribution?from={start}&to={end}&facility={prison.code}", key).status_code == 404
    assert api("GET", f"/reports/recall?from={start}&to={end}", key).status_code == 403  # lists people
    assert api("GET", f"/reports/outcomes?from={start}&to={end}", key).status_code == 403  # counts deaths
    assert api("GET", f"/reports/nosuch?from={start}&to={end}", key).status_code == 404
    missing = api("GET", "/reports/distribution?from=2026-01-01", key)
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "to"


def test_an_update_may_leave_out_required_fields_but_never_blank_them(api, make_key, jail):
    key = make_key(jail)
    path = f"/facilities/{jail.code}/bookings/BK500"
    assert api("PUT", path, key, json=BOOKING).status_code == 201
    for body, field in (({"last_name": None}, "last_name"), ({"date_of_birth": ""}, "date_of_birth"),
                        ({"first_name": "  "}, "first_name")):
        refused = api("PUT", path, key, json=body)
        assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == field
    person = db.session.scalar(select(Participant))
    assert (person.last_name, str(person.date_of_birth)) == ("Testperson", "1990-02-03")


def test_two_puts_of_one_new_booking_at_once_make_one_booking(app, make_key, jail):
    """A JMS that retries after a timeout sends the same new booking twice at once; on PostgreSQL
    the second used to fail on the unique key (a 500)."""
    import threading

    key, code = make_key(jail), jail.code
    db.session.commit()  # this thread holds no transaction (outside a request it would lock SQLite)
    barrier, statuses = threading.Barrier(2), []

    def put():
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            response = client.put(f"/api/v1/facilities/{code}/bookings/BK600", json=BOOKING,
                                  headers={"Authorization": f"Bearer {key}"})
            statuses.append(response.status_code)
            db.session.remove()

    threads = [threading.Thread(target=put) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 201]  # created, then unchanged
    assert db.session.scalar(select(func.count()).select_from(CustodyEpisode)
                             .where(CustodyEpisode.booking_id == "BK600")) == 1
