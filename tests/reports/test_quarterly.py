"""The quarterly funder summary: 2-4 pages with charts and definitions; its tables as one CSV."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from reentry.reports.services import ReportParams, export_bytes, quarterly
from tests.clock import today


# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


Q1 = dict(start=date(2026, 1, 1), end=date(2026, 3, 31))


def test_quarterly_totals(world):
    # kits 1+1+1+5+2 (the distribution rows), doses 2+3+2+10+4, one kit declined
    result = quarterly(None, ReportParams(**Q1))
    totals = {row[1]: row[3] for row in result.rows if row[0] == "Totals for the period"}
    assert totals == {
        "releases": 4, "releases_with_kit": 3, "pct_with_kit": "75.0", "kits_per_1000_releases": "1250.0",
        "high_need_releases": 2, "high_need_pct_with_kit": "100.0", "kits": 10, "doses": 21, "offered": 11,
        "pct_accepted": "90.9", "sessions": 3, "people_trained": 2, "reversals": 4}
    reasons = [row[1:] for row in result.rows if row[0] == "Top reasons kits were declined"]
    assert reasons == [["no_need", "kits", 1]]
    assert result.columns == ["table", "key", "measure", "value"]


def test_quarterly_pdf_has_two_to_four_pages_with_definitions(world):
    result = quarterly(None, ReportParams(**Q1))
    reader = PdfReader(io.BytesIO(export_bytes(result, "pdf")))
    assert 2 <= len(reader.pages) <= 4
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Period: 2026-01-01 to 2026-03-31" in text
    assert "Release coverage: releases with at least one kit given on the same episode" in text
    assert "Top reasons kits were declined" in text


def test_quarterly_csv(world):
    text = export_bytes(quarterly(None, ReportParams(**Q1)), "csv").decode()
    lines = text.splitlines()
    assert lines[0] == "table,key,measure,value"
    assert "Totals for the period,releases,value,4" in lines
    assert "Stock and expiries,OH-A / naloxone-0.4mg-vial,on_hand_expiring_within_90_days,49" in lines
    assert "Stock and expiries,CA-B / narcan-4mg,wasted,2" in lines


def test_quarterly_pdf_stays_within_four_pages_on_a_busy_program(app, runner):
    assert runner.invoke(args=["synth", "--releases", "1500", "--kit-events", "3000", "--seed", "3"]).exit_code == 0
    end = today()
    start = date(end.year, end.month, 1) - timedelta(days=62)  # five facilities, three months
    reader = PdfReader(io.BytesIO(export_bytes(quarterly(None, ReportParams(start, end)), "pdf")))
    assert 2 <= len(reader.pages) <= 4
