"""`reentry synth`: synthetic data the reports can run on; same seed, same figures."""
from __future__ import annotations

from datetime import timedelta

from reentry.reports.services import ReportParams, coverage, distribution

import pytest
from tests.clock import today

# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


def test_synth_fills_an_empty_database_and_the_reports_run(app, runner):
    result = runner.invoke(args=["synth", "--releases", "300", "--kit-events", "600", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "300 releases" in result.output and "600 kit events" in result.output
    params = ReportParams(today() - timedelta(days=3 * 365), today())
    rows = distribution(None, params).rows
    assert sum(r[6] for r in rows) > 0
    cover = coverage(None, params).rows
    assert sum(r[2] for r in cover) == 300
    # Stock as the app keeps it (a movement per kit given, lots' totals matching) and test answers.
    from sqlalchemy import func, select

    from reentry.extensions import db
    from reentry.naloxone.models import Lot, StockMovement
    from reentry.training.models import TrainingAnswer

    ledger = dict(db.session.execute(select(StockMovement.lot_id, func.sum(StockMovement.quantity))
                                     .group_by(StockMovement.lot_id)).all())
    assert dict(db.session.execute(select(Lot.id, Lot.on_hand)).all()) == ledger
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) > 300
    assert db.session.scalar(select(func.count()).select_from(TrainingAnswer)) > 0
    again = runner.invoke(args=["synth", "--releases", "10", "--kit-events", "10"])
    assert again.exit_code != 0 and "already has participants" in again.output
