"""Report figures against numbers worked out by hand on the fixed world in conftest.py."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from reentry.reports import metrics
from reentry.reports.services import ReportParams, coverage, distribution

Q1 = dict(start=date(2026, 1, 1), end=date(2026, 3, 31))

DISTRIBUTION_Q1 = [
    # month, facility, product, handed, property, declined, kits, doses, first, repeat
    ["2026-01", "CA-B", "narcan-4mg", 1, 0, 0, 1, 2, 0, 0],  # 9 pm on 31 Jan in Los Angeles; supply unknown
    ["2026-01", "OH-A", "naloxone-0.4mg-vial", 0, 1, 0, 1, 3, 0, 1],  # three devices per kit
    ["2026-01", "OH-A", "narcan-4mg", 1, 0, 1, 1, 2, 1, 0],  # the voided 3 kits are not here
    ["2026-02", "CA-B", "narcan-4mg", 5, 0, 0, 5, 10, 5, 0],  # 28 Feb local, 1 Mar UTC
    ["2026-03", "OH-A", "narcan-4mg", 2, 0, 0, 2, 4, 2, 0],
]

COVERAGE_Q1 = [
    # E4: untrained, one kit, high need by its unlinked screening dated within the stay
    ["2026-01", "CA-B", 1, 0, 1, "0.0", "100.0", "1000.0", 1, 0, 1, "0.0", "100.0", "1000.0"],
    # E1 (trained, two kits, high need) and E2 (declined; its handed kit was voided)
    ["2026-01", "OH-A", 2, 1, 1, "50.0", "50.0", "1000.0", 1, 1, 1, "100.0", "100.0", "2000.0"],
    # E3: trained only after release; screening says no opioid use, so no high-need release
    ["2026-03", "OH-A", 1, 0, 1, "0.0", "100.0", "2000.0", 0, 0, 0, "", "", ""],
]


def test_distribution_matches_hand_count(world):
    result = distribution(None, ReportParams(**Q1))
    assert result.columns == "month,facility,product,handed,property,declined,kits,doses,first,repeat".split(",")
    assert result.rows == DISTRIBUTION_Q1


def test_coverage_matches_hand_count(world):
    result = coverage(None, ReportParams(**Q1))
    assert result.columns == ("month,facility,releases,releases_trained,releases_with_kit,pct_trained,"
                              "pct_with_kit,kits_per_1000_releases,high_need_releases,high_need_releases_trained,"
                              "high_need_releases_with_kit,high_need_pct_trained,high_need_pct_with_kit,"
                              "high_need_kits_per_1000_releases").split(",")
    assert result.rows == COVERAGE_Q1


def test_funding_filter_counts_only_that_sources_kits(world):
    rows = distribution(None, ReportParams(**Q1, funding_code="federal-grant")).rows
    assert rows == [["2026-01", "OH-A", "naloxone-0.4mg-vial", 0, 1, 0, 1, 3, 0, 1]]
    rows = coverage(None, ReportParams(**Q1, funding_code="federal-grant")).rows
    # Releases still count in full; only E1's federal kit counts.
    assert [r[:8] for r in rows] == [
        ["2026-01", "CA-B", 1, 0, 0, "0.0", "0.0", "0.0"],
        ["2026-01", "OH-A", 2, 1, 1, "50.0", "50.0", "500.0"],
        ["2026-03", "OH-A", 1, 0, 0, "0.0", "0.0", "0.0"],
    ]


def test_facility_filter_and_a_month_with_no_activity(world):
    rows = distribution(None, ReportParams(start=date(2026, 2, 1), end=date(2026, 2, 28),
                                           facility_codes=["oh-a"])).rows
    assert rows == []
    rows = distribution(None, ReportParams(start=date(2026, 2, 1), end=date(2026, 2, 28))).rows
    assert rows == [DISTRIBUTION_Q1[3]]


def test_staff_see_only_their_facilities(world, make_user):
    staff = make_user("staff", [world.oh])
    rows = distribution(staff, ReportParams(**Q1)).rows
    assert {r[1] for r in rows} == {"OH-A"}
    from reentry.errors import NotFound

    with pytest.raises(NotFound, match="CA-B"):
        distribution(staff, ReportParams(**Q1, facility_codes=["CA-B"]))


def test_bad_periods_are_refused(world):
    from reentry.errors import DomainError

    with pytest.raises(DomainError, match="ends before it starts"):
        distribution(None, ReportParams(start=date(2026, 3, 1), end=date(2026, 2, 1)))
    with pytest.raises(DomainError, match="funding source"):
        distribution(None, ReportParams(**Q1, funding_code="nobody"))


def test_cli_writes_the_same_numbers_as_csv_and_pdf(world, runner, tmp_path):
    out = tmp_path / "coverage.csv"
    result = runner.invoke(args=["report", "coverage", "--from", "2026-01-01", "--to", "2026-03-31",
                                 "--format", "csv", "--bom", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 rows" in result.output
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffmonth,facility,releases,")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1:] == [[str(v) for v in row] for row in COVERAGE_Q1]

    pdf = tmp_path / "distribution.pdf"
    result = runner.invoke(args=["report", "distribution", "--from", "2026-01-01", "--to", "2026-03-31",
                                 "--facility", "OH-A", "--format", "pdf", "--out", str(pdf)])
    assert result.exit_code == 0, result.output
    from pypdf import PdfReader

    page_text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "naloxone-0.4mg-vial" in page_text and "Definitions" in page_text
    assert "A kit given: a kit event with outcome" in " ".join(page_text.split())


def test_cli_refuses_an_unknown_report_in_one_line(world, runner, tmp_path):
    result = runner.invoke(args=["report", "nonsense", "--from", "2026-01-01", "--to", "2026-03-31",
                                 "--out", str(tmp_path / "x.csv")])
    assert result.exit_code != 0
    assert "No report named nonsense" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_ratio_rounds_half_up_and_leaves_empty_when_nothing_to_divide():
    assert metrics.ratio(1, 3) == "33.3"
    assert metrics.ratio(2, 3) == "66.7"
    assert metrics.ratio(1, 8) == "12.5"
    assert metrics.ratio(1, 16) == "6.3"  # 6.25 -> 6.3, not banker's 6.2
    assert metrics.ratio(0, 0) == ""
    assert metrics.ratio(3, 2, 1000) == "1500.0"


def test_months_between_spans_years():
    assert metrics.months_between(date(2025, 11, 30), date(2026, 2, 1)) == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_docs_carry_the_definitions_word_for_word():
    from pathlib import Path

    text = " ".join((Path(__file__).parents[2] / "docs" / "metrics.md").read_text().split())
    for definition in metrics.DEFINITIONS.values():
        assert definition in text
