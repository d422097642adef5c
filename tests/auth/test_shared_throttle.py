"""Login throttling shared by every worker through Redis (REENTRY_RATELIMIT_STORAGE_URL)."""
import os
import uuid

import pytest

from reentry import create_app
from reentry.extensions import db
from tests.conftest import TEST_PASSWORD, RequestLikeClient, base_config

REDIS_URL = os.environ.get("REENTRY_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="set REENTRY_TEST_REDIS_URL to test the shared limiter")
def test_failures_counted_by_one_worker_lock_out_the_other(database_url, make_user):
    email = make_user("admin").email
    db.session.commit()  # end the test's read transaction: it would hold SQLite's write lock
    # Two app instances stand for two gunicorn workers: separate memory, one Redis.
    prefix = f"test-{uuid.uuid4().hex}"
    workers = []
    for _ in range(2):
        app = create_app(base_config(database_url, RATELIMIT_STORAGE_URI=REDIS_URL,
                                     RATELIMIT_KEY_PREFIX=prefix))
        app.test_client_class = RequestLikeClient
        workers.append(app)
    try:
        _fail_five_times_then_check(workers, email)
    finally:
        for app in workers:
            with app.app_context():
                db.engine.dispose()


def _fail_five_times_then_check(workers, email):
    for n in range(5):
        app = workers[n % 2]
        with app.app_context():
            response = app.test_client().post("/login", data={"email": email, "password": "wrong wrong wrong"})
            assert response.status_code == 200
    for app in workers:
        with app.app_context():
            response = app.test_client().post("/login", data={"email": email, "password": TEST_PASSWORD})
            assert response.status_code == 429
