"""The public certificate check is rate-limited with the app's limiter."""
from __future__ import annotations

import pytest


@pytest.fixture
def app_config(database_url):
    from tests.conftest import base_config

    return base_config(database_url, REENTRY_VERIFY_LIMIT="3 per minute")


def test_public_check_is_rate_limited(client):
    codes = [client.get("/verify/AAAA-AAAA-AAAA-AAAA-AAAA").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
