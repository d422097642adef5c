"""Training, inventory, reversals and recall reports on the hand-counted world in conftest.py."""
from __future__ import annotations

from datetime import date

import pytest

from reentry.errors import DomainError
from reentry.reports import metrics
from reentry.reports.services import ReportParams, inventory, recall, reversals, training

Q1 = dict(start=date(2026, 1, 1), end=date(2026, 3, 31))


def test_training_by_month_facility_and_domain(world):
    result = training(None, ReportParams(**Q1))
    assert result.columns == metrics.TRAINING_COLUMNS
    overall = [r for r in result.rows if r[2] == "all"]
    assert overall == [
        # 8 pm on 31 Jan in Los Angeles: January; attended, not complete, no tests
        ["2026-01", "CA-B", "all", 1, 1, 0, "0.0", 0, "", "", ""],
        # P1: nothing right before, everything right after
        ["2026-01", "OH-A", "all", 1, 1, 1, "100.0", 1, "0.0", "100.0", "100.0"],
        ["2026-03", "OH-A", "all", 1, 1, 1, "100.0", 0, "", "", ""],
    ]
    domains = [r for r in result.rows if r[:2] == ["2026-01", "OH-A"] and r[2] != "all"]
    assert len(domains) >= 2
    assert all(r[7:] == [1, "0.0", "100.0", "100.0"] for r in domains)


def test_training_rows_pool_scores_over_tested_people():
    facts = [
        metrics.AttendeeFact("2026-01", "X", 1, True, {"risk": (2, 1, 2), "respond": (2, 0, 1)}),
        metrics.AttendeeFact("2026-01", "X", 1, False, {"risk": (2, 0, 1), "respond": (2, 1, 1)}),
        metrics.AttendeeFact("2026-01", "X", 2, False, {}),  # no tests: counts as attendee, not tested
    ]
    rows = metrics.training_rows(facts, [("2026-01", "X", 1), ("2026-01", "X", 2), ("2026-02", "X", 3)],
                                 ["risk", "respond"])
    assert rows == [
        ["2026-01", "X", "all", 2, 3, 1, "33.3", 2, "25.0", "62.5", "37.5"],
        ["2026-01", "X", "risk", 2, 3, 1, "33.3", 2, "25.0", "75.0", "50.0"],
        ["2026-01", "X", "respond", 2, 3, 1, "33.3", 2, "25.0", "50.0", "25.0"],
        ["2026-02", "X", "all", 1, 0, 0, "", 0, "", "", ""],  # a session with nobody on its list
        ["2026-02", "X", "risk", 1, 0, 0, "", 0, "", "", ""],
        ["2026-02", "X", "respond", 1, 0, 0, "", 0, "", "", ""],
    ]


def test_inventory_by_lot(world):
    result = inventory(None, ReportParams(start=date(2025, 12, 1), end=date(2026, 3, 31)))
    assert result.rows == [
        # 50 in, 1 + 5 out, 2 damaged
        ["CA-B", "narcan-4mg", "B1", "state-program", "2029-01-01", 42, 50, 6, 2, "no"],
        # expires 1 May 2026, within 90 days of 31 March
        ["OH-A", "naloxone-0.4mg-vial", "A2", "federal-grant", "2026-05-01", 49, 50, 1, 0, "yes"],
        # 1 + 2 out; the voided 3 went out and came back; April's kit is after the period
        ["OH-A", "narcan-4mg", "A1", "state-program", "2029-01-01", 47, 50, 3, 0, "no"],
    ]
    rows = inventory(None, ReportParams(**Q1, funding_code="federal-grant")).rows
    assert rows == [["OH-A", "naloxone-0.4mg-vial", "A2", "federal-grant", "2026-05-01", 49, 0, 1, 0, "yes"]]


def test_reversals_follow_the_managers_rules_and_print_them(world):
    result = reversals(None, ReportParams(**Q1))
    assert result.rows == [
        ["2026-01", "OH-A", "no", "died", 1, 1],
        ["2026-01", "OH-A", "no", "survived", 1, 2],
        ["2026-01", "OH-A", "yes", "survived", 1, 1],
        ["2026-02", "CA-B", "no", "survived", 1, 1],
    ]
    assert ("Self-administration", "counted") in result.filters
    result = reversals(None, ReportParams(**Q1, count_self=False))
    assert ["2026-01", "OH-A", "yes", "survived", 1, 1] not in result.rows and len(result.rows) == 3
    assert ("Self-administration", "not counted") in result.filters
    result = reversals(None, ReportParams(**Q1, funding_code="state-program"))
    assert result.rows == [["2026-01", "OH-A", "yes", "survived", 1, 1], ["2026-02", "CA-B", "no", "survived", 1, 1]]
    assert ("Funding source", "state-program") in result.filters


def test_recall_lists_everyone_given_a_kit_from_the_lot(world):
    result = recall(None, ReportParams(**Q1, lot="A1"))
    assert [(r[2], r[3], r[5], r[10], r[12]) for r in result.rows] == [
        ("OH-A", "E1", "One", 1, "A1"), ("OH-A", "E3", "Three", 2, "A1")]
    with pytest.raises(DomainError, match="Lot number"):
        recall(None, ReportParams(**Q1))


def test_reversal_rules_from_the_cli(world, runner, tmp_path):
    out = tmp_path / "r.csv"
    result = runner.invoke(args=["report", "reversals", "--from", "2026-01-01", "--to", "2026-03-31",
                                 "--no-self-administered", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().splitlines()[1:] == ["2026-01,OH-A,no,died,1,1", "2026-01,OH-A,no,survived,1,2",
                                                "2026-02,CA-B,no,survived,1,1"]
    result = runner.invoke(args=["report", "recall", "--lot", "A1", "--from", "2026-01-01", "--to", "2026-03-31",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 3
