"""The manager's dashboard: the reports' numbers over the last 12 months, as SVG and tables."""
from __future__ import annotations

import re

from datetime import date

from reentry.reports import charts
from reentry.reports.dashboard import MONTH_COLUMNS, build_dashboard, window


def test_window_is_twelve_calendar_months_ending_today():
    assert window(date(2026, 3, 31)) == (date(2025, 4, 1), date(2026, 3, 31))
    assert window(date(2026, 12, 5)) == (date(2026, 1, 1), date(2026, 12, 5))


def test_dashboard_figures(world):
    board = build_dashboard(None, date(2026, 3, 31))
    assert [r[0] for r in board.months][:2] == ["2025-04", "2025-05"] and len(board.months) == 12
    january = dict(zip(MONTH_COLUMNS, board.months[9]))
    assert january == {
        "month": "2026-01", "releases": 3, "releases_with_kit": 2, "pct_with_kit": "66.7",
        "high_need_pct_with_kit": "100.0", "kits": 3, "offered": 4, "pct_accepted": "75.0", "sessions": 2,
        "people_trained": 1, "knowledge_gain": "100.0", "reversals": 3}
    empty = dict(zip(MONTH_COLUMNS, board.months[0]))
    assert empty["releases"] == 0 and empty["pct_with_kit"] == "" and empty["kits"] == 0
    assert board.this_month["month"] == "2026-03" and board.this_month["kits"] == 2
    assert board.stock == [["CA-B", "narcan-4mg", 42], ["OH-A", "naloxone-0.4mg-vial", 49], ["OH-A", "narcan-4mg", 46]]
    assert board.expiring == [["OH-A", "naloxone-0.4mg-vial", "A2", "2026-05-01", 49]]


def test_dashboard_for_one_facilitys_manager(world, make_user):
    manager = make_user("manager", [world.ca])
    board = build_dashboard(manager, date(2026, 3, 31))
    assert board.facilities == ["CA-B"]
    assert sum(r[1] for r in board.months) == 1


def test_bar_chart_geometry():
    chart = charts.bar_chart("c", "Kits", ["2026-01", "2026-02", "2026-03"], [5, 0, ""], maximum=None)
    assert [t.label for t in chart.ticks] == ["0", "2.5", "5"]
    tall, flat, missing = chart.bars
    assert tall.height == chart.baseline - 12 and flat.height == 0 and missing.value == ""
    assert tall.short == "01"
    assert charts.bar_chart("p", "Pct", ["a"], ["50.0"], "%", 100).bars[0].height == (240 - 12 - 36) / 2


def test_dashboard_page_has_svg_charts_tables_and_no_inline_style(world, client, login_as):
    login_as("manager", facilities=[world.oh, world.ca])
    response = client.get("/reports/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<svg") == 7 and html.count("<figure") == 7
    # The CSP allows no inline styles or scripts: only files (the session-warning script is one).
    assert not re.search(r"\sstyle=", html)
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert "Releases with a kit" in html and "<th scope=\"row\">" in html


def test_staff_have_no_dashboard(world, client, login_as):
    login_as("staff", facilities=[world.oh])
    assert client.get("/reports/dashboard").status_code == 403
