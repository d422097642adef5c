"""Issue 14 point 1 through the real server: while one client uploads a 1 MB wide-header roster
slowly and another opens /audit/export.csv and reads nothing, a third gets /healthz and a
signed-in page (an audited view, so it writes) each in under 1 s. Before the fix every request
waited for SQLite's write lock, held by the stalled export, and got 503 after 10 s."""
import pytest

from benchmarks.availability import run_availability


@pytest.mark.slow
def test_pages_stay_fast_during_a_slow_upload_and_a_stalled_export(database_url, tmp_path):
    result = run_availability(database_url, seconds=5, log_dir=str(tmp_path))
    assert result.bad == []
    assert len(result.healthz) >= 3 and len(result.page) >= 3
    assert result.slowest < 1.0, f"slowest {result.slowest:.2f} s"
    assert result.upload.status == 200, result.upload.note  # the preview answered: too many columns
