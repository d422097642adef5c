"""The benchmark's hand-written SQL computes each report's own figures, so the ratios that
benchmarks/reports.py prints compare the same aggregate."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from benchmarks.hand_sql import (DISTRIBUTION_SQL, curriculum_domains, curriculum_items, facility_bounds,
                                 hand_coverage, hand_distribution, hand_inventory, hand_recall, hand_reversals,
                                 hand_training)
from reentry.extensions import db
from reentry.reports import metrics, services
from reentry.reports.services import ReportParams, _resolve, coverage_groups


# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


def test_hand_written_coverage_sql_gives_the_reports_figures(world):
    params = ReportParams(date(2026, 1, 1), date(2026, 3, 31))
    scope = _resolve(None, params)
    ours = sorted((g.month, g.facility, g.releases, g.trained, g.with_kit, g.kits, g.high_need_releases,
                   g.high_need_trained, g.high_need_with_kit, g.high_need_kits) for g in coverage_groups(params, scope))
    sql = hand_coverage(DISTRIBUTION_SQL[db.engine.dialect.name])
    codes = scope.codes
    hand = sorted((month, codes[facility_id], *map(int, counts)) for month, facility_id, *counts in
                  db.session.execute(text(sql), {"start": params.start, "end": params.end}))
    assert ours == hand
    # The world has what makes coverage hard: a release with two kits, an unlinked screening, a voided kit.
    assert ("2026-01", "OH-A", 2, 1, 1, 2, 1, 1, 1, 2) in ours
    assert ("2026-01", "CA-B", 1, 0, 1, 1, 1, 0, 1, 1) in ours


def _period(**rules) -> ReportParams:
    return ReportParams(date(2026, 1, 1), date(2026, 3, 31), **rules)


def _bounds(params: ReportParams) -> dict:
    return {"start": params.start, "end": params.end}


def _as_printed(value):
    """What the report prints for a value SQL returns: "" for NULL, a date as YYYY-MM-DD (SQLite
    returns dates as that text already), counts as plain ints (PostgreSQL sums are Decimals)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value)
    return value


def _hand_rows(statement, values: dict) -> list[list]:
    return [[_as_printed(v) for v in row] for row in db.session.execute(statement, values)]


def test_hand_written_distribution_sql_gives_the_reports_rows(world):
    params = _period()
    ours = services.distribution(None, params).rows
    hand = _hand_rows(text(hand_distribution(DISTRIBUTION_SQL[db.engine.dialect.name])), _bounds(params))
    assert hand == ours
    # E1's kit handed next to the kit declined by E2 (the voided three kits leave no trace), and
    # E1's repeat kit in property of the vial product: three devices, so three doses.
    assert ["2026-01", "OH-A", "narcan-4mg", 1, 0, 1, 1, 2, 1, 0] in ours  # two devices a kit
    assert ["2026-01", "OH-A", "naloxone-0.4mg-vial", 0, 1, 0, 1, 3, 0, 1] in ours


def test_hand_written_training_sql_gives_the_reports_rows(world):
    params = _period()
    ours = services.training(None, params).rows
    sums = _hand_rows(hand_training(DISTRIBUTION_SQL[db.engine.dialect.name], curriculum_items(),
                                    curriculum_domains()), _bounds(params))
    # Formatting only: the percentages the report prints from these sums, by the report's own helpers.
    hand = [[month, facility, domain, sessions, attendees, trained, metrics.ratio(trained, attendees), tested,
             metrics.ratio(pre, items), metrics.ratio(post, items), metrics.knowledge_gain(items, pre, post)]
            for month, facility, domain, sessions, attendees, trained, tested, items, pre, post in sums]
    assert hand == ours
    # The session at 8 pm in Los Angeles on 31 January (1 February in UTC) counts in January;
    # its one attendee did not complete and took no test.
    assert ["2026-01", "CA-B", "all", 1, 1, 0, "0.0", 0, "", "", ""] in ours
    # P1 got nothing right before the course and everything after.
    assert ["2026-01", "OH-A", "all", 1, 1, 1, "100.0", 1, "0.0", "100.0", "100.0"] in ours


def test_hand_written_inventory_sql_gives_the_reports_rows(world):
    params = _period()
    ours = services.inventory(None, params).rows
    hand = _hand_rows(hand_inventory(facility_bounds(params.start, params.end)),
                      {"horizon": params.end + timedelta(days=90)})
    assert hand == ours
    # B1: 50 received in December; 1 and 5 kits handed and 2 damaged kits thrown away in the period.
    assert ["CA-B", "narcan-4mg", "B1", "state-program", "2029-01-01", 42, 0, 6, 2, "no"] in ours


def test_hand_written_reversals_sql_gives_the_reports_rows(world):
    params = _period(count_self=True)
    ours = services.reversals(None, params).rows
    hand = _hand_rows(text(hand_reversals(DISTRIBUTION_SQL[db.engine.dialect.name])), _bounds(params))
    assert hand == ours
    # Self-administration counted; the voided report of 2 January is not.
    assert ["2026-01", "OH-A", "yes", "survived", 1, 1] in ours


def test_hand_written_recall_sql_gives_the_reports_rows(world):
    params = _period(lot="A1")
    ours = services.recall(None, params).rows
    hand = _hand_rows(text(hand_recall()), {**_bounds(params), "lot": "A1"})
    assert hand == ours
    # Lot A1: E1's kit and E3's two; the voided kit and the kit after the period are left out.
    assert [row[3] for row in ours] == ["E1", "E3"]
    assert ours[1][10] == 2


def test_hand_written_decline_reasons_give_the_quarterlys_table(world):
    from benchmarks.hand_sql import hand_decline_reasons
    from reentry.reports.services import _decline_reasons

    params = ReportParams(date(2026, 1, 1), date(2026, 3, 31))
    ours = _decline_reasons(params, _resolve(None, params))
    hand = [[reason, int(kits)] for reason, kits in
            db.session.execute(text(hand_decline_reasons()), {"start": params.start, "end": params.end})]
    assert ours == hand == [["no_need", 1]]  # the one declined kit; the voided handed kit is not a decline


def test_hand_written_stock_gives_the_dashboards_stock(world):
    from benchmarks.hand_sql import hand_stock
    from reentry.reports.dashboard import stock_now

    stock, _ = stock_now(_resolve(None, ReportParams(date(2026, 1, 1), date(2026, 3, 31))), date(2026, 3, 31))
    totals: dict[tuple, int] = {}
    for facility, product, _lot, _expiry, on_hand in db.session.execute(text(hand_stock())):
        totals[(facility, product)] = totals.get((facility, product), 0) + int(on_hand)
    assert [[*key, value] for key, value in sorted(totals.items())] == stock
    assert ["CA-B", "narcan-4mg", 42] in stock
