"""The de-identified export: counts only, small cells hidden, no identifiers."""
from __future__ import annotations

import csv
import io
from datetime import date

from reentry.reports.deidentified import age_band, gender_group


def test_age_band_and_gender_groups():
    assert age_band(date(2000, 3, 1), date(2018, 2, 28)) == "under_18"
    assert age_band(date(2000, 3, 1), date(2018, 3, 1)) == "18_24"
    assert age_band(None, date(2026, 1, 1)) == "unknown"
    assert age_band(date(1950, 1, 1), date(2026, 1, 1)) == "65_plus"
    assert [gender_group(g) for g in ("Female", " m ", "", "Two-spirit")] == ["female", "male", "unknown", "another_gender"]


def test_export_writes_suppressed_tables_without_identifiers(world, runner, tmp_path):
    result = runner.invoke(args=["export-deidentified", "--from", "2026-01-01", "--to", "2026-03-31",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    files = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir()}
    assert set(files) == {"about.txt", "releases_by_month_facility.csv", "kits_given_by_month_facility.csv",
                          "releases_by_age_band_gender.csv", "releases_by_destination_state.csv"}
    rows = list(csv.reader(io.StringIO(files["releases_by_month_facility.csv"])))
    assert rows[0] == ["month", "CA-B", "OH-A", "total"]
    # Every count here is small: nothing but zeros and hidden cells.
    assert rows[1:] == [["2026-01", "<11", "<11", "<11"], ["2026-02", "0", "0", "0"],
                        ["2026-03", "0", "<11", "<11"], ["total", "<11", "<11", "<11"]]
    everything = "".join(files.values())
    for identifier in ("One", "Three", "E1", "E4", "1990-"):
        assert identifier not in everything


def test_page_downloads_a_zip_and_audits_it(world, client, login_as):
    import zipfile

    from sqlalchemy import select

    from reentry.audit.models import AuditEvent
    from reentry.extensions import db

    login_as("manager", facilities=[world.oh])
    assert client.get("/reports/deidentified").status_code == 200
    response = client.get("/reports/deidentified?start=2026-01-01&end=2026-03-31")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert "releases_by_destination_state.csv" in archive.namelist()
    header = archive.read("releases_by_month_facility.csv").decode().splitlines()[0]
    assert header == "month,OH-A,total"  # only the manager's facility
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.entity_id == "deidentified")) is not None
