import pytest

from reentry import create_app
from reentry.config import DEVELOPMENT_SECRET_KEY, ConfigError


def test_production_refuses_the_development_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="REENTRY_SECRET_KEY"):
        create_app({"REENTRY_ENV": "production", "SECRET_KEY": DEVELOPMENT_SECRET_KEY,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_production_refuses_a_missing_or_short_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("REENTRY_ENV", "production")
    monkeypatch.delenv("REENTRY_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="at least 32 characters"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    monkeypatch.setenv("REENTRY_SECRET_KEY", "too-short")
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_production_config_is_safe(tmp_path, monkeypatch):
    monkeypatch.setenv("REENTRY_ENV", "production")
    monkeypatch.setenv("REENTRY_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("REENTRY_DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    app = create_app()
    assert app.debug is False
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    # SQLite stays allowed in production: a small jail runs on one machine.
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def test_environment_variables_configure_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("REENTRY_DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    monkeypatch.setenv("REENTRY_RATELIMIT_STORAGE_URL", "memory://")
    monkeypatch.setenv("REENTRY_DEMO_PASSWORD", "a demo password from the environment")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.db"
    assert app.config["REENTRY_DEMO_PASSWORD"] == "a demo password from the environment"
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 30 * 60


def test_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="REENTRY_ENV"):
        create_app({"REENTRY_ENV": "staging", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
