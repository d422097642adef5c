"""Jinja filters and globals shared by all templates (formatting only, no queries)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import format_date, format_datetime


def local_datetime(value: datetime | None, timezone: str | None = None) -> str:
    """A UTC timestamp shown in a facility's zone (or UTC), e.g. 'Nov 25, 2026, 9:07 AM'."""
    if value is None:
        return ""
    if timezone:
        return format_datetime(value.astimezone(ZoneInfo(timezone)), "medium", rebase=False)
    return format_datetime(value, "medium", rebase=False) + " UTC"


def iso_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["iso_date"] = iso_date
    app.jinja_env.filters["format_date"] = lambda d: format_date(d, "medium") if d else ""
