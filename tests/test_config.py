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
    monkeypatch.setenv("REENTRY_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/11")
    monkeypatch.delenv("REENTRY_WORKERS", raising=False)
    monkeypatch.setenv("REENTRY_DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    app = create_app()
    assert app.debug is False
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    # SQLite stays allowed in production: a small jail runs on one machine.
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


@pytest.mark.parametrize("store", [None, "", "MEMORY://"])
@pytest.mark.parametrize("workers", [None, "2", "4"])
def test_production_refuses_a_per_worker_login_throttle(tmp_path, monkeypatch, workers, store):
    """memory:// counts in each worker alone: N workers allow N times the guesses (issue 14)."""
    monkeypatch.setenv("REENTRY_ENV", "production")
    monkeypatch.setenv("REENTRY_SECRET_KEY", "x" * 64)
    if store is None:
        monkeypatch.delenv("REENTRY_RATELIMIT_STORAGE_URL", raising=False)  # the default, memory://
    else:
        monkeypatch.setenv("REENTRY_RATELIMIT_STORAGE_URL", store)
    if workers is None:
        monkeypatch.delenv("REENTRY_WORKERS", raising=False)
    else:
        monkeypatch.setenv("REENTRY_WORKERS", workers)
    with pytest.raises(ConfigError, match="REENTRY_RATELIMIT_STORAGE_URL.*REENTRY_WORKERS=1") as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert ("not set" if workers is None else f"REENTRY_WORKERS is {workers}") in str(refused.value)


def test_production_allows_memory_throttle_with_one_worker_or_redis_with_many(tmp_path, monkeypatch):
    monkeypatch.setenv("REENTRY_ENV", "production")
    monkeypatch.setenv("REENTRY_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("REENTRY_DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    monkeypatch.setenv("REENTRY_WORKERS", "1")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("REENTRY_WORKERS", "4")
    monkeypatch.setenv("REENTRY_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/11")
    assert create_app().config["REENTRY_WORKERS"] == 4


def test_development_keeps_memory_throttle_with_any_workers(tmp_path, monkeypatch):
    monkeypatch.setenv("REENTRY_WORKERS", "4")
    monkeypatch.delenv("REENTRY_RATELIMIT_STORAGE_URL", raising=False)
    create_app({"REENTRY_ENV": "development", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


@pytest.mark.parametrize("workers", ["four", "0", "-1"])
def test_a_bad_worker_count_is_named(tmp_path, monkeypatch, workers):
    monkeypatch.setenv("REENTRY_WORKERS", workers)
    with pytest.raises(ConfigError, match="REENTRY_WORKERS must be a whole number"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


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
