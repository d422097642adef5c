"""Login throttling holds across gunicorn's 4 workers when they share Redis
(REENTRY_RATELIMIT_STORAGE_URL): failures spread over separate connections, and so over the
workers, add up to one limit. Set REENTRY_TEST_REDIS_URL (CI: the Redis on 127.0.0.1:6379)."""
import os

import pytest

from benchmarks.load import Server, StaffClient, form_fields, seed
from tests.conftest import TEST_PASSWORD

REDIS_URL = os.environ.get("REENTRY_TEST_REDIS_URL")


@pytest.mark.slow
@pytest.mark.skipif(not REDIS_URL, reason="set REENTRY_TEST_REDIS_URL to test the shared limiter")
def test_failed_logins_are_counted_across_all_workers(database_url, tmp_path):
    import redis

    seeded = seed(database_url, staff=1, stock=1)
    email = seeded.emails[0]
    store = redis.Redis.from_url(REDIS_URL)

    def forget():
        for key in store.scan_iter(match=f"*{email}*"):
            store.delete(key)

    forget()
    try:
        with Server(database_url, log_dir=str(tmp_path), REENTRY_RATELIMIT_STORAGE_URL=REDIS_URL) as server:
            statuses = []
            for _ in range(5):  # a new client, so a new connection, each time
                client = StaffClient(server.base)
                fields = form_fields(client.get("/login").body, "email")
                statuses.append(client.post("/login", {**fields, "email": email, "password": "wrong " * 3}).status)
            assert statuses == [200] * 5
            client = StaffClient(server.base)
            fields = form_fields(client.get("/login").body, "email")
            locked = client.post("/login", {**fields, "email": email, "password": TEST_PASSWORD})
            assert locked.status == 429  # even the right password, while the limit holds
            assert any(store.scan_iter(match=f"*{email}*")), "the limit was not kept in Redis"
    finally:
        forget()
