"""The benchmark's hand-written coverage SQL computes the report's own figures, so the ratio that
benchmarks/reports.py prints compares the same aggregate."""
from datetime import date

from sqlalchemy import text

from benchmarks.hand_sql import DISTRIBUTION_SQL, hand_coverage
from reentry.extensions import db
from reentry.reports.services import ReportParams, _resolve, coverage_groups


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
