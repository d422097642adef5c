"""API tests: keys made through the CLI as an operator would, requests with a bearer header."""
from __future__ import annotations

import pytest

from reentry.api.services import create_key
from reentry.extensions import db


@pytest.fixture
def jail(make_facility):
    return make_facility("API-JAIL")


@pytest.fixture
def prison(make_facility):
    return make_facility("API-PRISON", type_="prison", state="NM", county="Bernalillo",
                         timezone="America/Denver")


@pytest.fixture
def make_key(app):
    def make(*facilities, scope="write", name=None, expires_days=None):
        key, secret = create_key(None, name or f"key-{len(facilities)}-{scope}-{id(facilities)}",
                                 [f.code for f in facilities], scope, expires_days)
        db.session.commit()
        return secret

    return make


@pytest.fixture
def api(client):
    """Call the API with a key: api("GET", path, key, json=...)."""

    def call(method, path, key=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


BOOKING = {"last_name": "Testperson", "first_name": "Ana", "date_of_birth": "1990-02-03",
           "booking_date": "2026-10-01", "expected_release_date": "2026-12-20", "housing_unit": "B2",
           "preferred_language": "es", "destination_state": "OH"}
