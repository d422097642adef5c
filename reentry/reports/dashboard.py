"""The manager's home: the last 12 months and this month at a glance, with charts and tables.

Its figures are the reports' figures (the same queries, month by month), but a manager opens
it many times a day and at 1,000,000 kit events the twelve months take seconds to count. So
closed months come from rollups (reports.rollups: one row of counts per facility and month,
rebuilt when a late edit touches that month), and only the current month, and any closed
month without a fresh rollup, is counted live. Nothing is cached in memory: two workers
never disagree, and a kit recorded a second ago shows at once.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from reentry.database import utcnow
from reentry.extensions import db
from reentry.naloxone.models import Lot, Product, ReversalReport
from reentry.reports import charts, metrics, rollups
from reentry.reports.services import (
    ReportParams, _resolve, _Scope, _training_facts, coverage_groups, distribution_groups,
)

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
    # Opioid-involved deaths within 28 days of release by quarter (issue 15), or None: only for
    # roles that may see death counts, once death records exist.
    deaths: list[list] | None = None  # quarter, within 28 days, all opioid deaths, percent
    deaths_chart: object = None


def window(today: date) -> tuple[date, date]:
    """From the first day of the month eleven months before today's, to today."""
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1), today


def month_figures(params: ReportParams, scope: _Scope, coverage: list[metrics.CoverageGroup] | None = None,
                  distribution: list[metrics.DistributionGroup] | None = None) -> dict[tuple[int, str], metrics.MonthFigures]:
    """Counted live from the report queries: (facility id, month) -> figures, for the period.

    A caller that already ran the coverage or distribution query passes its groups in."""
    ids = {f.code: f.id for f in scope.facilities}
    figures: dict[tuple[int, str], metrics.MonthFigures] = defaultdict(metrics.MonthFigures)
    if not scope.facilities:
        return figures
    for g in coverage if coverage is not None else coverage_groups(params, scope):
        cell = figures[(ids[g.facility], g.month)]
        cell.releases, cell.releases_with_kit = g.releases, g.with_kit
        cell.high_need_releases, cell.high_need_with_kit = g.high_need_releases, g.high_need_with_kit
    for g in distribution if distribution is not None else distribution_groups(params, scope):
        cell = figures[(ids[g.facility], g.month)]
        cell.offered += g.offered
        cell.kits += g.kits
    facts, sessions, _ = _training_facts(params, scope)
    for month, code, _ in set(sessions):
        figures[(ids[code], month)].sessions += 1
    for fact in facts:
        cell = figures[(ids[fact.facility], fact.month)]
        cell.people_trained += fact.is_trained
        for items, pre, post in fact.scores.values():
            cell.tested_items, cell.pre_correct, cell.post_correct = (
                cell.tested_items + items, cell.pre_correct + pre, cell.post_correct + post)
    stmt = (select(ReversalReport.facility_id, ReversalReport.occurred_on).where(
        ReversalReport.is_voided.is_(False), ReversalReport.facility_id.in_(scope.facility_ids),
        ReversalReport.occurred_on >= params.start, ReversalReport.occurred_on <= params.end))
    for facility_id, day in db.session.execute(stmt):
        figures[(facility_id, metrics.month_of(day))].reversals += 1
    return figures


def month_row(month: str, f: metrics.MonthFigures) -> list:
    """One MONTH_COLUMNS row from a month's figures."""
    return [month, f.releases, f.releases_with_kit, metrics.ratio(f.releases_with_kit, f.releases),
            metrics.ratio(f.high_need_with_kit, f.high_need_releases), f.kits, f.offered,
            metrics.ratio(f.kits, f.offered), f.sessions, f.people_trained,
            metrics.knowledge_gain(f.tested_items, f.pre_correct, f.post_correct), f.reversals]


def _added_up(figures: dict, facility_ids: list[int], start: date, end: date) -> list[list]:
    """One MONTH_COLUMNS row per month of the period, the facilities' figures added up."""
    return [month_row(month, sum((figures.get((fid, month), metrics.MonthFigures()) for fid in facility_ids),
                                 metrics.MonthFigures()))
            for month in metrics.months_between(start, end)]


def month_rows(params: ReportParams, scope: _Scope, **groups) -> list[list]:
    """Every month of the period, counted live, all facilities added up (the quarterly report's
    table); `groups` as for month_figures."""
    return _added_up(month_figures(params, scope, **groups), scope.facility_ids, params.start, params.end)


def dashboard_figures(scope: _Scope, start: date, end: date, now: datetime | None = None
                      ) -> dict[tuple[int, str], metrics.MonthFigures]:
    """The window's figures: fresh rollups where there are some, the rest counted live (and the
    closed months among those stored as rollups for next time)."""
    now = now or utcnow()
    months = metrics.months_between(start, end)
    current = months[-1]
    stored, generations = rollups.fresh(scope.facilities, months[:-1], now)
    missing: dict[str, list] = defaultdict(list)
    for facility in scope.facilities:
        for month in months:
            if (facility.id, month) not in stored:
                missing[month].append(facility)
    counted = {}
    for month, facilities in missing.items():
        first = date.fromisoformat(f"{month}-01")
        last = end if month == current else rollups.month_end(first)
        live = month_figures(ReportParams(first, last), _Scope(facilities, None))
        for facility in facilities:
            counted[(facility.id, month)] = live.get((facility.id, month), metrics.MonthFigures())
    by_id = {f.id: f for f in scope.facilities}
    rollups.store({(fid, month): figures for (fid, month), figures in counted.items()
                   if month != current and rollups.is_closed(month, by_id[fid], now)}, generations)
    return {**stored, **counted}


def stock_now(scope, today: date) -> tuple[list[list], list[list]]:
    """Stock on hand by facility and product, and lots with stock expiring within 90 days."""
    stmt = (select(Lot.facility_id, Product.code, Lot.lot_number, Lot.expiry_date, Lot.on_hand)
            .join(Product, Product.id == Lot.product_id)
            .where(Lot.facility_id.in_(scope.facility_ids), Lot.on_hand > 0)
            .order_by(Lot.expiry_date))
    codes = scope.codes
    stock, expiring = defaultdict(int), []
    for facility_id, product, lot, expiry, quantity in db.session.execute(stmt):
        stock[(codes[facility_id], product)] += int(quantity)
        if expiry <= today + timedelta(days=90):
            expiring.append([codes[facility_id], product, lot, expiry.isoformat(), int(quantity)])
    return [[*key, value] for key, value in sorted(stock.items())], expiring


def build_dashboard(actor, today: date, now: datetime | None = None) -> Dashboard:
    """The dashboard for the facilities this person may see."""
    start, end = window(today)
    scope = _resolve(actor, ReportParams(start, end))
    rows = []
    if scope.facilities:
        rows = _added_up(dashboard_figures(scope, start, end, now), scope.facility_ids, start, end)
    stock, expiring = stock_now(scope, today) if scope.facilities else ([], [])
    labels = [r[0] for r in rows]
    column = {name: i for i, name in enumerate(MONTH_COLUMNS)}

    def chart(name, title, unit="", maximum=None):
        return charts.bar_chart(f"chart-{name}", title, labels, [r[column[name]] for r in rows], unit, maximum)

    from reentry.outcomes.report import dashboard_quarters

    deaths = dashboard_quarters(actor, scope, today)
    deaths_chart = None
    if deaths:
        deaths_chart = charts.bar_chart("chart-deaths-28", _l("Opioid-involved deaths within 28 days of release"),
                                        [r[0] for r in deaths], [r[1] for r in deaths])
    return Dashboard(
        start, end, [f.code for f in scope.facilities], rows,
        dict(zip(MONTH_COLUMNS, rows[-1])) if rows else {},
        [chart("releases", _l("Releases")), chart("pct_with_kit", _l("Releases with a kit"), "%", 100),
         chart("pct_accepted", _l("Acceptance"), "%", 100), chart("kits", _l("Kits given")),
         chart("people_trained", _l("People trained")), chart("knowledge_gain", _l("Knowledge gain"), _l("points")),
         chart("reversals", _l("Reversals reported"))],
        stock, expiring, deaths, deaths_chart)
