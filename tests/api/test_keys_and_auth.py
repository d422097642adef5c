"""API keys: made by admins (CLI and page), shown once, stored hashed, scoped, revocable,
expiring; every call audited with the key's name; no cookie sessions, no CSRF, nowhere else."""
from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from reentry.api.models import ApiKey
from reentry.audit.models import AuditEvent
from reentry.database import utcnow
from reentry.extensions import db
from tests.api.conftest import BOOKING


def test_the_cli_prints_the_key_alone_on_its_last_line_and_stores_only_its_hash(runner, jail):
    result = runner.invoke(args=["api-keys", "create", "jms-feed", "--facility", jail.code, "--scope", "write",
                                 "--expires-days", "90"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("rk_") and " " not in secret and len(secret) > 40
    key = db.session.scalar(select(ApiKey).where(ApiKey.name == "jms-feed"))
    assert key.key_hash != secret and secret not in key.key_hash and key.scope == "write"
    assert key.facility_codes == [jail.code]
    assert timedelta(days=89) < key.expires_at - utcnow() <= timedelta(days=90)
    again = runner.invoke(args=["api-keys", "create", "jms-feed", "--facility", jail.code, "--scope", "read"])
    assert again.exit_code != 0 and "already a key named jms-feed" in again.output
    unknown = runner.invoke(args=["api-keys", "create", "x", "--facility", "NOPE", "--scope", "read"])
    assert unknown.exit_code != 0 and "no facility NOPE" in unknown.output
    listed = runner.invoke(args=["api-keys", "list"])
    assert "jms-feed\twrite\tAPI-JAIL\tactive" in listed.output and secret not in listed.output


def test_a_good_key_works_and_revoked_or_expired_or_wrong_keys_get_401(runner, api, make_key, jail):
    key = make_key(jail, name="health-record", scope="read")
    assert api("GET", f"/facilities/{jail.code}/kit-events", key).status_code == 200
    for bad in (None, "rk_not-a-key", key + "x", "Basic " + key):
        response = api("GET", f"/facilities/{jail.code}/kit-events", headers={"Authorization": bad} if bad else {})
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.get_json()["status"] == 401 and "WWW-Authenticate" in response.headers
    expiring = make_key(jail, name="short", scope="read", expires_days=1)
    with time_machine.travel(utcnow() + timedelta(days=2), tick=False):
        assert api("GET", f"/facilities/{jail.code}/kit-events", expiring).status_code == 401
    result = runner.invoke(args=["api-keys", "revoke", "health-record"])
    assert result.exit_code == 0 and "revoked" in result.output
    assert api("GET", f"/facilities/{jail.code}/kit-events", key).status_code == 401


def test_a_key_reaches_only_its_facilities_and_a_read_key_cannot_write(api, make_key, jail, prison):
    reader = make_key(jail, name="reader", scope="read")
    writer = make_key(jail, name="writer", scope="write")
    other = api("GET", f"/facilities/{prison.code}/kit-events", writer)
    assert other.status_code == 404 and other.get_json()["errors"][0]["field"] == "facility"
    refused = api("PUT", f"/facilities/{jail.code}/bookings/BK1", reader, json=BOOKING)
    assert refused.status_code == 403 and "read-only" in refused.get_json()["detail"]
    assert api("PUT", f"/facilities/{prison.code}/bookings/BK1", writer, json=BOOKING).status_code == 404
    assert api("PUT", f"/facilities/{jail.code}/bookings/BK1", writer, json=BOOKING).status_code == 201


def test_every_call_is_audited_with_the_keys_name(api, make_key, jail):
    key = make_key(jail, name="jms")
    api("PUT", f"/facilities/{jail.code}/bookings/BK9", key, json=BOOKING)
    api("GET", f"/facilities/{jail.code}/bookings/BK9", key)
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_label == "api:jms")
                              .order_by(AuditEvent.id)).all()
    actions = [r.action for r in rows]
    assert actions.count("api.call") == 2 and "roster.import" in actions
    assert all(r.actor_id is None and r.source.startswith("api ") for r in rows)
    assert db.session.scalar(select(ApiKey.last_used_at).where(ApiKey.name == "jms")) is not None


def test_no_cookie_session_and_no_key_anywhere_else(client, api, make_key, login_as, jail):
    key = make_key(jail, name="k")
    response = api("GET", f"/facilities/{jail.code}/kit-events", key)
    assert "Set-Cookie" not in response.headers
    # A signed-in browser without a key is refused by the API...
    login_as("admin")
    assert api("GET", f"/facilities/{jail.code}/kit-events").status_code == 401
    # ...and a key opens nothing outside the API.
    client.post("/logout")
    page = client.get("/participants/", headers={"Authorization": f"Bearer {key}"})
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_writes_need_no_csrf_token_but_still_a_key(app, api, make_key, jail):
    app.config["WTF_CSRF_ENABLED"] = True
    key = make_key(jail, name="csrf")
    assert api("PUT", f"/facilities/{jail.code}/bookings/BK2", key, json=BOOKING).status_code == 201


def test_calls_are_rate_limited_per_key(app, api, make_key, jail):
    app.config["REENTRY_API_LIMIT"] = "3 per minute"
    first, second = make_key(jail, name="one"), make_key(jail, name="two")
    codes = [api("GET", f"/facilities/{jail.code}/kit-events", first).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = api("GET", f"/facilities/{jail.code}/kit-events", first)
    assert limited.content_type == "application/problem+json" and limited.get_json()["status"] == 429
    assert api("GET", f"/facilities/{jail.code}/kit-events", second).status_code == 200


def test_the_admin_page_creates_a_key_shown_once_and_revokes_it(client, api, login_as, jail):
    login_as("admin")
    created = client.post("/admin/api-keys/", data={"name": "county-ehr", "facilities": [jail.code],
                                                    "scope": "read", "expires_days": "30"})
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    secret = html.split('<code id="new-key">')[1].split("</code>")[0]
    assert secret.startswith("rk_")
    assert api("GET", f"/facilities/{jail.code}/kit-events", secret).status_code == 200
    listing = client.get("/admin/api-keys/").get_data(as_text=True)
    assert "county-ehr" in listing and secret not in listing  # shown once, never again
    bad = client.post("/admin/api-keys/", data={"name": "no facility", "scope": "read"})
    assert "at least one facility" in bad.get_data(as_text=True) or "letters, digits" in bad.get_data(as_text=True)
    key_id = db.session.scalar(select(ApiKey.id).where(ApiKey.name == "county-ehr"))
    assert client.post(f"/admin/api-keys/{key_id}/revoke").status_code == 302
    assert api("GET", f"/facilities/{jail.code}/kit-events", secret).status_code == 401
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "api_key.revoke")) is not None


def test_staff_and_managers_cannot_open_the_key_page(client, login_as):
    login_as("manager")
    assert client.get("/admin/api-keys/").status_code == 403


def test_made_up_keys_are_limited_per_address(app, api, make_key, jail):
    app.config["REENTRY_API_BAD_KEY_LIMIT"] = "3 per minute"
    codes = [api("GET", f"/facilities/{jail.code}/kit-events", f"rk_made-up-{n}").status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]
