"""Domain errors and the HTTP error pages.

Services raise DomainError subclasses with a message a person can act on; views turn them into
form errors. Anything unexpected becomes a generic page with no internals (ASVS 16.5.1).
"""
from __future__ import annotations

from flask import Flask, g, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from reentry.extensions import db


class DomainError(Exception):
    """A rule of the program was broken; the message tells the person what to do."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The record does not exist, or the user may not see it (the two look the same)."""


class Conflict(DomainError):
    """Someone else changed the record first (optimistic locking)."""


class PermissionDenied(DomainError):
    """The user's role does not allow this action."""


ERROR_TEMPLATES = {400, 403, 404, 405, 409, 413, 429, 500, 503}


def register_error_handlers(app: Flask) -> None:
    """Friendly pages for HTTP errors; a 503 page when the database is unreachable."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if request.path.startswith("/healthz"):
            return {"status": "error", "code": code}, code
        if request.path.startswith("/api/"):
            from reentry.api.problems import Problem, problem_response

            return problem_response(Problem(code, error.name, error.description or error.name))
        template = f"errors/{code}.html" if code in ERROR_TEMPLATES else "errors/generic.html"
        return render_template(template, error=error), code

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        db.session.rollback()
        app.logger.error("database unavailable: %s", type(error.orig).__name__)
        # Nothing after this may need the database: loading the signed-in user again (for the
        # menu, or the request log) would fail the same way and turn this friendly 503 into a 500.
        g._login_user = app.login_manager.anonymous_user()
        if request.path.startswith("/healthz"):  # reached here when loading the signed-in user failed
            return {"status": "error", "database": "unavailable"}, 503
        return render_template("errors/503.html"), 503

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.endpoint)
        if request.path.startswith("/api/"):
            from reentry.api.problems import Problem, problem_response

            return problem_response(Problem(500, "Internal Server Error", "Something went wrong; it is logged."))
        return render_template("errors/500.html"), 500
