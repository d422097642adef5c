"""reentry: overdose education and naloxone distribution records for jails and prisons."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from reentry.config import PROJECT_ROOT, load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` overrides the environment (tests pass a database URL and so on)."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_config(app.instance_path, config))
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    register_template_helpers(app)
    configure_logging(app)
    return app


def register_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext
    from werkzeug.middleware.proxy_fix import ProxyFix

    from reentry import database  # noqa: F401  (SQLite connection settings)
    from reentry.extensions import babel, csrf, db, limiter, login_manager, migrate
    from reentry.web import init_web, select_locale

    if app.config["REENTRY_TRUSTED_PROXIES"]:
        # Only behind a proxy we run: otherwise X-Forwarded-For would let anyone pick their IP
        # and escape the login throttle.
        n = app.config["REENTRY_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = None  # our own server-side sessions do this job
    login_manager.login_message_category = "info"
    login_manager.login_message = lazy_gettext("Please sign in to see this page.")
    init_web(app)


def register_blueprints(app: Flask) -> None:
    from reentry import web
    from reentry.audit import views as audit_views
    from reentry.auth import views as auth_views
    from reentry.documents import views as document_views
    from reentry.facilities import views as facility_views
    from reentry.naloxone import views as naloxone_views
    from reentry.participants import views as participant_views
    from reentry.reports import views as report_views
    from reentry.users import views as user_views
    from reentry.training import views as training_views
    from reentry.api import admin as api_admin
    from reentry.api import views as api_views
    from reentry.feeds import views as feed_views
    from reentry.outcomes import views as outcome_views

    for module in (web, auth_views, user_views, facility_views, audit_views, participant_views,
                   training_views, naloxone_views, document_views, report_views, api_views, api_admin, feed_views,
                   outcome_views):
        app.register_blueprint(module.bp)


def register_error_handlers(app: Flask) -> None:
    from reentry.errors import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from reentry.cli import register_commands as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from reentry.templating import init_templating

    init_templating(app)


def configure_logging(app: Flask) -> None:
    # Logs name routes and record ids, never participants (ASVS 16.2.5).
    from reentry.logs import configure_logging as configure

    configure(app)
