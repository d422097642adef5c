"""Report pages: the same numbers as the CLI, scoped to the person's facilities, audited."""
from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from reentry.audit.models import AuditEvent
from reentry.extensions import db
from tests.reports.test_figures import COVERAGE_Q1, DISTRIBUTION_Q1

Q1 = "start=2026-01-01&end=2026-03-31"


def test_report_page_shows_the_figures_and_definitions_and_audits_the_run(world, client, login_as):
    login_as("auditor")
    page = client.get(f"/reports/distribution?{Q1}").get_data(as_text=True)
    assert "naloxone-0.4mg-vial" in page and "A kit given: a kit event with outcome" in page
    for row in DISTRIBUTION_Q1:
        assert "".join(f"<td>{v}</td>" for v in row[3:]) in page
    runs = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.run")).all()
    assert [(e.entity_type, e.entity_id) for e in runs] == [("report", "distribution")]


def test_page_without_filters_runs_nothing(world, client, login_as):
    login_as("manager", facilities=[world.oh])
    response = client.get("/reports/coverage")
    assert response.status_code == 200
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.run")) is None


def test_csv_download_is_the_same_numbers_and_is_audited(world, client, login_as):
    login_as("admin")
    response = client.get(f"/reports/coverage/download?{Q1}&format=csv&bom=y")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=coverage_2026-01-01_2026-03-31.csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:] == [[str(v) for v in r] for r in COVERAGE_Q1]
    export = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.export"))
    assert export.entity_id == "coverage" and json.loads(export.changes)["format"] == "csv"


def test_pdf_download(world, client, login_as):
    login_as("manager", facilities=[world.oh, world.ca])
    response = client.get(f"/reports/distribution/download?{Q1}&format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_staff_see_only_their_facility(world, client, login_as):
    login_as("staff", facilities=[world.ca])
    page = client.get(f"/reports/distribution?{Q1}").get_data(as_text=True)
    assert "CA-B" in page and "OH-A" not in page


def test_bad_filters_say_which_field(world, client, login_as):
    login_as("admin")
    response = client.get("/reports/distribution/download?start=2026-03-01&end=2026-02-01&format=csv")
    assert response.status_code == 400
    assert "The period ends before it starts." in response.get_data(as_text=True)
    response = client.get("/reports/distribution?start=soon&end=2026-02-01")
    assert "From: Enter the first day (YYYY-MM-DD)." in response.get_data(as_text=True)


def test_unknown_report_is_404(world, client, login_as):
    login_as("admin")
    assert client.get("/reports/nonsense").status_code == 404


def test_reversal_page_prints_the_counting_rule(world, client, login_as):
    login_as("admin")
    page = client.get(f"/reports/reversals?{Q1}&count_self=no").get_data(as_text=True)
    assert "<dt>Self-administration</dt><dd>not counted</dd>" in page
    assert 'name="count_self"' in page


def test_recall_page_needs_a_lot(world, client, login_as):
    login_as("manager", facilities=[world.oh])
    page = client.get(f"/reports/recall?{Q1}").get_data(as_text=True)
    assert "Lot number: enter the lot to look up." in page
    page = client.get(f"/reports/recall?{Q1}&lot=A1").get_data(as_text=True)
    assert "<td>Three</td>" in page


def test_staff_get_no_recall_names_and_no_recall_link(world, client, login_as):
    """Issue 14.5: the recall report named everyone given a kit from a lot, to staff too."""
    login_as("staff", facilities=[world.oh])
    assert client.get(f"/reports/recall?{Q1}&lot=A1").status_code == 403
    download = client.get(f"/reports/recall/download?{Q1}&lot=A1&format=csv")
    assert download.status_code == 403 and "Three" not in download.get_data(as_text=True)
    index = client.get("/reports/").get_data(as_text=True)
    assert "/reports/recall" not in index and "/reports/distribution" in index
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("report.%"))).all() == []


def test_quarterly_page_shows_each_table(world, client, login_as):
    login_as("auditor")
    page = client.get(f"/reports/quarterly?{Q1}").get_data(as_text=True)
    assert "<h3>Totals for the period</h3>" in page and "<h3>Stock and expiries</h3>" in page
    response = client.get(f"/reports/quarterly/download?{Q1}&format=pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
