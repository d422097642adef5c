"""Site-wide web plumbing: home page, health check, security headers, language choice."""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit

from flask import Blueprint, Flask, abort, current_app, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import text
from werkzeug.http import dump_options_header
from werkzeug.routing import IntegerConverter

from reentry.extensions import db

bp = Blueprint("web", __name__)

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


# Ids are 64-bit signed integers in both databases: a larger number is no record, and passing it
# to the driver raises OverflowError (a 500) instead of finding nothing.
MAX_ID = 2**63 - 1
MAX_PAGE = 10**9  # (page - 1) * page size must stay a 64-bit offset


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: 1 to 2^63-1, so a larger number is a plain 404."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(value) -> int | None:
    """A record id typed or sent as text (ASCII digits, 1 to 2^63-1), else None."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def query_int(name: str, default: int | None = None, maximum: int = MAX_ID) -> int | None:
    """An integer query-string argument, as `request.args.get(name, default, type=int)`, except that
    a number out of range (beyond 64 bits, or `maximum`) is a 400, not a 500 from the driver."""
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return default
    if not -maximum <= value <= maximum:
        abort(400)
    return value


def is_safe_next(target: str | None) -> bool:
    """Only paths on this site: no scheme, no host, no protocol-relative or backslash tricks
    (for a `next` address after signing in or after adding a scanned GTIN)."""
    if not target or not target.startswith("/"):
        return False
    cleaned = target.replace("\\", "/")
    if cleaned.startswith("//") or any(ord(c) < 32 for c in cleaned):
        return False
    parts = urlsplit(cleaned)
    return not parts.scheme and not parts.netloc


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The Content-Disposition value for a download, whatever the name holds (a lot number is
    typed by a person: quotes, semicolons, line separators). An ASCII `filename` for old clients
    and, when the name is more than that, the exact name as RFC 5987 `filename*`, as Werkzeug's
    send_file does; control and separator characters never reach the header."""
    name = "".join("_" if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in filename)
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", fallback).strip("._") or "download"
    options = {"filename": fallback}
    if fallback != name:
        options["filename*"] = "UTF-8''" + quote(name, safe="!#$&+-.^_`|~")
    return dump_options_header("inline" if inline else "attachment", options)


@bp.route("/")
def index():
    """Managers land on their dashboard, other signed-in people on their facilities, everyone
    else on the sign-in page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.role == "manager":
        return redirect(url_for("reports.dashboard"))  # a manager's day starts with the figures
    return redirect(url_for("facilities.index"))


@bp.route("/session/keepalive", methods=["POST"])
@login_required
def keepalive():
    """Keep an idle session (the warning dialog's "Stay signed in"); answering refreshes the cookie."""
    return "", 204


@bp.route("/healthz")
def healthz():
    """For load balancers and monitors: 200 when the app can reach its database, else 503."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as error:  # any failure to reach the database is "down"
        db.session.rollback()
        current_app.logger.warning("healthz: database check failed: %s", type(error).__name__)
        return {"status": "error", "database": "unavailable"}, 503
    return {"status": "ok", "database": "ok"}


def refuse_nul_characters():
    """NUL never belongs in typed text, and PostgreSQL cannot store it: refuse it up front
    (400) rather than fail deep inside a query."""
    values = [*request.args.values(), *request.form.values()]
    if any("\x00" in value for value in values):
        abort(400)


def set_security_headers(response):
    """Headers for every response (OWASP ASVS 3.4, 14.3)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["REENTRY_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Pages may show participant data; never let a shared or kiosk browser keep a copy.
    # Static files are the exception: they hold no data and are worth caching.
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def select_locale() -> str:
    """The person's chosen language, else the browser's, else English."""
    languages = current_app.config["REENTRY_LANGUAGES"]
    if current_user and current_user.is_authenticated:
        return current_user.preferred_language
    return request.accept_languages.best_match(languages) or "en"


# (endpoint, label, roles allowed). Features add their entries; order is the menu's order.
NAV_ITEMS: list[tuple[str, object, tuple[str, ...]]] = [
    ("facilities.index", _l("Facilities"), ("admin", "manager", "staff", "auditor")),
    ("participants.index", _l("Participants"), ("admin", "manager", "staff", "auditor")),
    ("participants.mappings", _l("Roster mappings"), ("admin",)),
    ("feeds.index", _l("Roster feeds"), ("admin",)),
    ("training.index", _l("Trainings"), ("admin", "manager", "staff", "auditor")),
    ("naloxone.index", _l("Naloxone"), ("admin", "manager", "staff", "auditor")),
    ("reports.index", _l("Reports"), ("admin", "manager", "staff", "auditor")),
    ("users.index", _l("Accounts"), ("admin",)),
    ("api_keys.index", _l("API keys"), ("admin",)),
    ("audit.index", _l("Audit log"), ("admin", "auditor")),
    ("documents.resource_index", _l("Resources"), ("admin", "auditor")),
    ("auth.preferences", _l("Your account"), ("admin", "manager", "staff", "auditor")),
]


def template_context() -> dict:
    items = []
    if current_user.is_authenticated:
        for endpoint, label, roles in NAV_ITEMS:
            if current_user.role in roles:
                items.append({"url": url_for(endpoint), "label": label,
                              "active": request.endpoint == endpoint})
    return {"nav_items": items, "current_locale": str(get_locale() or "en"),
            "session_seconds": int(current_app.permanent_session_lifetime.total_seconds())}


def init_web(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before any blueprint adds its routes
    app.before_request(refuse_nul_characters)
    app.after_request(set_security_headers)
    app.context_processor(template_context)
