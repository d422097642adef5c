"""Configuration: safe defaults, overridden by REENTRY_* environment variables.

Every variable is documented in README.md (section "Operating reentry").
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

# A key that is obviously not secret; production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret-change-me"

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says which variable to fix."""


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config from defaults, the environment and explicit overrides (tests)."""
    env = os.environ
    environment = env.get("REENTRY_ENV", "development")
    default_db = "sqlite:///" + str(Path(instance_path) / "reentry.sqlite3")
    config = {
        "REENTRY_ENV": environment,
        "SECRET_KEY": env.get("REENTRY_SECRET_KEY", DEVELOPMENT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": env.get("REENTRY_DATABASE_URL", default_db),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "RATELIMIT_STORAGE_URI": env.get("REENTRY_RATELIMIT_STORAGE_URL", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": False,
        # How many worker processes serve the app (docs/deploy/gunicorn.conf.py sets it from
        # gunicorn's own setting); None when unknown. With memory:// each worker counts alone.
        "REENTRY_WORKERS": _workers(env.get("REENTRY_WORKERS")),
        "REENTRY_DEMO_PASSWORD": env.get("REENTRY_DEMO_PASSWORD"),
        "REENTRY_PUBLIC_URL": env.get("REENTRY_PUBLIC_URL", "http://127.0.0.1:5000"),
        # Sessions: 30 minutes idle, 12 hours absolute (NIST 800-63B AAL2, ASVS 7.3).
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=30),
        "REENTRY_SESSION_ABSOLUTE": timedelta(hours=12),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": environment == "production",
        "SESSION_COOKIE_NAME": "__Host-reentry" if environment == "production" else "reentry",
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        # CSRF tokens live as long as the login session, so a long form is not lost at 60 min.
        "WTF_CSRF_TIME_LIMIT": int(timedelta(hours=12).total_seconds()),
        "WTF_CSRF_ENABLED": True,
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "REENTRY_LANGUAGES": ["en", "es"],
        # Login throttling: failures per username+IP (jail staff share one NAT address).
        "REENTRY_LOGIN_LIMIT": "5 per 15 minutes",
        # API calls per key (a JMS sending a whole roster booking by booking stays under it).
        "REENTRY_API_LIMIT": env.get("REENTRY_API_LIMIT", "6000 per minute"),
        "REENTRY_API_BAD_KEY_LIMIT": env.get("REENTRY_API_BAD_KEY_LIMIT", "30 per minute"),
        "REENTRY_TRUSTED_PROXIES": int(env.get("REENTRY_TRUSTED_PROXIES", "0")),
        "REENTRY_LOG_FORMAT": env.get("REENTRY_LOG_FORMAT", "json" if environment == "production" else "text"),
        # Roles that must use two-step sign-in (facilities can require it of everyone too).
        "REENTRY_MFA_REQUIRED_ROLES": ("admin",),
        # How long the password step stays valid while the person finds their code.
        "REENTRY_MFA_PENDING_SECONDS": 300,
        # Trainings: kiosk screens lock after this much idle time; the completion rule new
        # sessions copy (any of full_attendance, post_test, teach_back, comma-separated).
        # The public certificate check (/verify/CODE) per client address.
        "REENTRY_VERIFY_LIMIT": env.get("REENTRY_VERIFY_LIMIT", "30 per minute"),
        "REENTRY_KIOSK_IDLE_SECONDS": int(env.get("REENTRY_KIOSK_IDLE_SECONDS", "300")),
        "REENTRY_TRAINING_COMPLETION_RULE": env.get(
            "REENTRY_TRAINING_COMPLETION_RULE", "full_attendance,post_test,teach_back"),
        # Death linkage (docs/outcomes.md): a pair at or above HIGH links; from LOW up to HIGH it
        # goes to the review queue; below LOW it is dropped. Splink match probabilities, 0 to 1.
        "REENTRY_LINK_THRESHOLD_HIGH": float(env.get("REENTRY_LINK_THRESHOLD_HIGH", "0.95")),
        "REENTRY_LINK_THRESHOLD_LOW": float(env.get("REENTRY_LINK_THRESHOLD_LOW", "0.50")),
    }
    if overrides:
        config.update(overrides)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {**config["SQLALCHEMY_ENGINE_OPTIONS"], "connect_args": {
            # JIT compiling took 20 ms of a 90 ms report query and never paid back at this size;
            # psycopg's automatic prepared statements let the server switch a report to a
            # generic plan after five runs, 1.6x slower (docs/deploy.md, PostgreSQL).
            "options": "-c jit=off", "prepare_threshold": None,
            **config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {})}}
    check_config(config)
    return config


def _workers(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        workers = int(value)
    except ValueError:
        workers = 0
    if workers < 1:
        raise ConfigError(f"REENTRY_WORKERS must be a whole number of worker processes, not {value!r}")
    return workers


def limiter_store_is_shared(uri: str) -> bool:
    """Every store but memory:// (also what an empty setting means) is one place all workers, and
    machines, count in."""
    uri = uri.strip().lower()
    return bool(uri) and not uri.startswith("memory://")


def check_config(config: dict) -> None:
    """Refuse configurations that would be unsafe in production."""
    if config["REENTRY_ENV"] not in ("development", "production", "testing"):
        raise ConfigError(
            f"REENTRY_ENV must be 'development' or 'production', not {config['REENTRY_ENV']!r}"
        )
    if config["REENTRY_ENV"] == "production":
        key = config.get("SECRET_KEY") or ""
        if key == DEVELOPMENT_SECRET_KEY or len(key) < 32:
            raise ConfigError(
                "REENTRY_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        if not limiter_store_is_shared(config["RATELIMIT_STORAGE_URI"]) and config.get("REENTRY_WORKERS") != 1:
            workers = config.get("REENTRY_WORKERS")
            raise ConfigError(
                "REENTRY_RATELIMIT_STORAGE_URL is memory://, where each worker process counts failed "
                "sign-ins alone (4 workers allow 4 times the guesses), and REENTRY_WORKERS is "
                + ("not set" if workers is None else str(workers))
                + ". In production set REENTRY_RATELIMIT_STORAGE_URL to a Redis URL "
                "(redis://127.0.0.1:6379/0), or run one worker and set REENTRY_WORKERS=1"
            )
