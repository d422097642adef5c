"""The manager's home: the last 12 months and this month at a glance, with charts and tables.

It reuses the report queries (so its numbers are the reports' numbers) over the window from the
first day of the month eleven months ago to today. At 1,000,000 kit events the queries take a few
hundred ms; the finished figures are cached per facility set and day for CACHE_SECONDS, because
a dashboard is read far more often than the month's figures change and a stale minute is harmless
(reports themselves are never cached).
"""
from __future__ import annotations

import time as clock
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from reentry.extensions import db
from reentry.naloxone.models import Lot, Product, ReversalReport, StockMovement
from reentry.reports import charts, metrics
from reentry.reports.services import (
    ReportParams, _resolve, _training_facts, distribution_groups, release_facts,
)

CACHE_SECONDS = 60
_cache: dict[tuple, tuple[float, object]] = {}

MONTH_COLUMNS = ["month", "releases", "releases_with_kit", "pct_with_kit", "high_need_pct_with_kit", "kits",
                 "offered", "pct_accepted", "sessions", "people_trained", "knowledge_gain", "reversals"]


@dataclass
class Dashboard:
    start: date
    end: date
    facilities: list[str]
    months: list[list]  # MONTH_COLUMNS
    this_month: dict
    charts: list
    stock: list[list]  # facility, product, on hand
    expiring: list[list]  # facility, product, lot, expiry, on hand


def window(today: date) -> tuple[date, date]:
    """From the first day of the month eleven months before today's, to today."""
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1), today


def month_rows(params: ReportParams, scope) -> list[list]:
    months = metrics.months_between(params.start, params.end)
    kits, offered = defaultdict(int), defaultdict(int)
    for g in distribution_groups(params, scope):
        offered[g.month] += g.kits
        if g.outcome in metrics.GIVEN:
            kits[g.month] += g.kits
    releases = defaultdict(list)
    for fact in release_facts(params, scope):
        releases[fact.month].append(fact)
    facts, sessions, domains = _training_facts(params, scope)
    training = {r[0]: r for r in metrics.training_rows([replace(f, facility="all") for f in facts],
                                                       [(m, "all", i) for m, _, i in sessions], [])}
    reversals = defaultdict(int)
    stmt = (select(ReversalReport.occurred_on).where(
        ReversalReport.is_voided.is_(False), ReversalReport.facility_id.in_(scope.facility_ids),
        ReversalReport.occurred_on >= params.start, ReversalReport.occurred_on <= params.end))
    for (day,) in db.session.execute(stmt):
        reversals[metrics.month_of(day)] += 1
    rows = []
    for month in months:
        items = releases.get(month, [])
        with_kit = sum(r.kits > 0 for r in items)
        high = [r for r in items if r.high_need]
        t = training.get(month)
        rows.append([month, len(items), with_kit, metrics.ratio(with_kit, len(items)),
                     metrics.ratio(sum(r.kits > 0 for r in high), len(high)), kits[month], offered[month],
                     metrics.ratio(kits[month], offered[month]), t[3] if t else 0, t[5] if t else 0,
                     t[10] if t else "", reversals[month]])
    return rows


def stock_now(scope, today: date) -> tuple[list[list], list[list]]:
    """Stock on hand by facility and product, and lots with stock expiring within 90 days."""
    on_hand = (select(StockMovement.lot_id, func.sum(StockMovement.quantity).label("on_hand"))
               .group_by(StockMovement.lot_id).subquery())
    stmt = (select(Lot.facility_id, Product.code, Lot.lot_number, Lot.expiry_date, on_hand.c.on_hand)
            .join(on_hand, on_hand.c.lot_id == Lot.id).join(Product, Product.id == Lot.product_id)
            .where(Lot.facility_id.in_(scope.facility_ids), on_hand.c.on_hand > 0)
            .order_by(Lot.expiry_date))
    codes = scope.codes
    stock, expiring = defaultdict(int), []
    for facility_id, product, lot, expiry, quantity in db.session.execute(stmt):
        stock[(codes[facility_id], product)] += int(quantity)
        if expiry <= today + timedelta(days=90):
            expiring.append([codes[facility_id], product, lot, expiry.isoformat(), int(quantity)])
    return [[*key, value] for key, value in sorted(stock.items())], expiring


def build_dashboard(actor, today: date) -> Dashboard:
    """The dashboard for the facilities this person may see (cached for CACHE_SECONDS)."""
    start, end = window(today)
    params = ReportParams(start, end)
    scope = _resolve(actor, params)
    key = (tuple(scope.facility_ids), today)
    hit = _cache.get(key)
    if hit is not None and clock.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    rows = month_rows(params, scope) if scope.facilities else []
    stock, expiring = stock_now(scope, today) if scope.facilities else ([], [])
    labels = [r[0] for r in rows]
    column = {name: i for i, name in enumerate(MONTH_COLUMNS)}

    def chart(name, title, unit="", maximum=None):
        return charts.bar_chart(f"chart-{name}", title, labels, [r[column[name]] for r in rows], unit, maximum)

    result = Dashboard(
        start, end, [f.code for f in scope.facilities], rows,
        dict(zip(MONTH_COLUMNS, rows[-1])) if rows else {},
        [chart("releases", _l("Releases")), chart("pct_with_kit", _l("Releases with a kit"), "%", 100),
         chart("pct_accepted", _l("Acceptance"), "%", 100), chart("kits", _l("Kits given")),
         chart("people_trained", _l("People trained")), chart("knowledge_gain", _l("Knowledge gain"), _l("points")),
         chart("reversals", _l("Reversals reported"))],
        stock, expiring)
    _cache[key] = (clock.monotonic(), result)
    return result
