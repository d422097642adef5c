"""Every API route against every kind of key: good, another facility's, read-only writing, revoked,
expired; and bad JSON and bad fields for every route that takes a body."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from reentry.database import utcnow
from tests.api.conftest import BOOKING

# (method, path with {code}, JSON body or None, writes?)
ROUTES = [
    ("GET", "/facilities/{code}/bookings/BK1", None, False),
    ("PUT", "/facilities/{code}/bookings/BK1", {"housing_unit": "Z9"}, True),
    ("POST", "/facilities/{code}/bookings/BK1/release", {"release_date": "2026-12-02"}, True),
    ("GET", "/facilities/{code}/kit-events", None, False),
    ("GET", "/fhir/MedicationDispense?facility={code}", None, False),
    ("GET", "/reports/distribution?from=2026-11-01&to=2026-11-30&facility={code}", None, False),
]


def test_the_list_covers_every_api_route(app):
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for method in rule.methods - {"HEAD", "OPTIONS"}} - {("api.openapi", "GET")}
    assert len(routes) == len(ROUTES)


@pytest.fixture
def world(api, make_key, jail, prison):
    writer = make_key(jail, name="writer")
    assert api("PUT", f"/facilities/{jail.code}/bookings/BK1", writer, json=BOOKING).status_code == 201
    return {"writer": writer, "reader": make_key(jail, name="reader", scope="read"),
            "other": make_key(prison, name="other"), "expiring": make_key(jail, name="expiring", expires_days=1),
            "revoked": make_key(jail, name="revoked")}


@pytest.mark.parametrize("method, path, body, writes", ROUTES)
def test_each_kind_of_key(runner, api, jail, world, method, path, body, writes):
    url = path.format(code=jail.code)
    good = world["writer"] if writes else world["reader"]
    assert api(method, url, good, json=body).status_code == 200
    assert api(method, url, world["other"], json=body).status_code == 404  # no such facility for it
    if writes:
        refused = api(method, url, world["reader"], json=body)
        assert refused.status_code == 403 and refused.content_type == "application/problem+json"
    runner.invoke(args=["api-keys", "revoke", "revoked"])
    assert api(method, url, world["revoked"], json=body).status_code == 401
    with time_machine.travel(utcnow() + timedelta(days=2), tick=False):
        assert api(method, url, world["expiring"], json=body).status_code == 401
    assert api(method, url, json=body).status_code == 401


@pytest.mark.parametrize("method, path, body, writes", [r for r in ROUTES if r[3]])
def test_bad_json_and_bad_fields(api, jail, world, method, path, body, writes):
    url = path.format(code=jail.code)
    broken = api(method, url, world["writer"], data=b'{"release_date": ', content_type="application/json")
    assert broken.status_code == 422 and broken.get_json()["errors"][0]["field"] == "body"
    wrong = api(method, url, world["writer"], json={**body, "nonsense": "x"})
    assert wrong.status_code == 422 and "nonsense" in {e["field"] for e in wrong.get_json()["errors"]}
    field = next(iter(body))
    bad_value = api(method, url, world["writer"], json={field: 12})
    assert bad_value.status_code == 422 and field in {e["field"] for e in bad_value.get_json()["errors"]}
