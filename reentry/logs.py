"""Logging: JSON lines in production, one line per request, and never a participant's data.

Request lines carry the method, the route's endpoint name (not the raw URL, whose query string
could hold a name typed into a search box), the status, the duration and the user's numeric id.
"""
from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from flask import Flask, g, request
from flask_login import current_user

REQUEST_LOGGER = "reentry.request"


class JSONFormatter(logging.Formatter):
    """One JSON object per line, easy for journald, Loki or any log shipper to parse."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(app: Flask) -> None:
    log_format = app.config["REENTRY_LOG_FORMAT"]
    if not app.testing:
        handler = logging.StreamHandler()
        handler.setFormatter(JSONFormatter() if log_format == "json" else
                             logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO)
        # werkzeug's own access log prints full URLs (query strings included): ours replaces it.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        # Splink's INFO is its training log (about 250 lines a link-deaths run), which buried the
        # one summary line an operator reads; its warnings still show.
        logging.getLogger("splink").setLevel(logging.WARNING)

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        if request.endpoint == "static":
            return response
        started = g.get("request_started", time.perf_counter())
        fields = {
            "method": request.method,
            "endpoint": request.endpoint or "-",
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": current_user.get_id() if current_user and current_user.is_authenticated else None,
        }
        logging.getLogger(REQUEST_LOGGER).info(
            "%s %s %s", fields["method"], fields["endpoint"], fields["status"], extra={"fields": fields}
        )
        return response
