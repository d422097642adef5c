"""Shared fixtures: a migrated database per test (SQLite, or PostgreSQL when
REENTRY_TEST_POSTGRES_URL is set), the app, clients and small factories."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlalchemy as sa
import time_machine
from argon2 import PasswordHasher
from flask.testing import FlaskClient

from reentry import create_app
from reentry.auth import passwords
from reentry.extensions import db

POSTGRES_URL = os.environ.get("REENTRY_TEST_POSTGRES_URL")
# An ISO instant (e.g. 2026-03-08T06:59:00Z): every test starts its clock there and it ticks on.
# .ci/run runs the date-sensitive tests (marker `clock`) at the hours when UTC and the
# facilities' zones are on different days, and across daylight saving changes (issue 18).
TEST_NOW = os.environ.get("REENTRY_TEST_NOW")
TEST_PASSWORD = "correct horse battery staple 42"
TEST_SECRET = "test-secret-key-with-enough-length-0123456789"


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Argon2id with small parameters: same algorithm and format, far less CPU per test."""
    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


@pytest.fixture(autouse=True)
def clock_at_test_instant():
    if not TEST_NOW:
        yield None
        return
    with time_machine.travel(datetime.fromisoformat(TEST_NOW.replace("Z", "+00:00")), tick=True) as traveller:
        yield traveller


def base_config(database_url: str, **overrides) -> dict:
    config = {
        "REENTRY_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Two-step sign-in is tested on its own (tests/auth/test_mfa.py); elsewhere it would only
        # add a step to every login.
        "REENTRY_MFA_REQUIRED_ROLES": (),
    }
    config.update(overrides)
    return config


def migrate_to_head(database_url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(base_config(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def reset_postgres_schema(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    """A database at the head revision, made once per test session."""
    if POSTGRES_URL:
        reset_postgres_schema(POSTGRES_URL)
        migrate_to_head(POSTGRES_URL)
        return POSTGRES_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate_to_head(f"sqlite:///{path}")
    return str(path)


def truncate_postgres(engine) -> None:
    with engine.begin() as conn:
        tables = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
        if tables:
            # The audit guard refuses TRUNCATE; tests are the one place allowed to empty it.
            conn.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            conn.execute(sa.text("ALTER TABLE audit_events ENABLE TRIGGER USER"))


@pytest.fixture
def database_url(migrated_template, tmp_path) -> Iterator[str]:
    """A fresh, migrated, empty database for one test."""
    if POSTGRES_URL:
        yield POSTGRES_URL
        engine = sa.create_engine(POSTGRES_URL)
        truncate_postgres(engine)
        engine.dispose()
        return
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(migrated_template, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def app_config(database_url) -> dict:
    """Override in a test module to change the configuration."""
    return base_config(database_url)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = RequestLikeClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class RequestLikeClient(FlaskClient):
    """Each request gets its own app context (own `g`, own database session), as in production.

    Without this, requests reuse the fixture's app context, so Flask-Login's cached user and the
    test's session leak between requests and hide session bugs. Work the test left pending is
    committed first, as if an earlier request had done it, so the request can take the SQLite
    write lock.

    Werkzeug's test client spools an upload over 500 kB to a temporary file as the request body
    and never closes it; the garbage collector then raises a ResourceWarning in whichever later
    test it happens to run (the suite turns warnings into errors). The body is closed here, once
    the response is complete.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        body = response.request.environ.get("wsgi.input") if response.request is not None else None
        if body is not None and kwargs["buffered"]:
            body.close()
        return response


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_facility(app):
    from reentry.facilities.services import create_facility

    counter = iter(range(1, 10_000))

    def make(code: str | None = None, **overrides):
        values = dict(name="Test County Jail", type_="jail", state="OH", county="Franklin",
                      timezone="America/New_York")
        values.update(overrides)
        facility = create_facility(None, code or f"FAC-{next(counter)}", **values)
        db.session.commit()
        return facility

    return make


@pytest.fixture
def make_user(app):
    from reentry.auth import services

    counter = iter(range(1, 10_000))

    def make(role: str = "staff", facilities=(), email: str | None = None, password: str = TEST_PASSWORD, **kw):
        user = services.create_user(
            None, email or f"{role}{next(counter)}@example.test", role, password, list(facilities), **kw
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    """Sign a client in through the real login form; returns the response."""

    def do_login(user_or_email, password: str = TEST_PASSWORD, test_client=None):
        email = getattr(user_or_email, "email", user_or_email)
        return (test_client or client).post("/login", data={"email": email, "password": password})

    return do_login


@pytest.fixture
def login_as(make_user, make_facility, login):
    """Create a user of a role (with a facility for staff/managers) and sign in as them."""

    def as_role(role: str = "staff", facilities=None, test_client=None, **kw):
        if facilities is None:
            facilities = [make_facility()] if role in ("staff", "manager") else []
        user = make_user(role, facilities, **kw)
        response = login(user, test_client=test_client)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return as_role
