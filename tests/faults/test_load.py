"""gunicorn with 4 workers and staff clients posting kit events through the real form (CSRF on):
every POST makes exactly one row and no response is a 5xx. A smaller run of benchmarks/load.py;
on PostgreSQL too when REENTRY_TEST_POSTGRES_URL is set (the `database_url` fixture picks it)."""
import pytest

from benchmarks.load import run_load


@pytest.mark.slow
def test_concurrent_kit_posts_make_exactly_one_row_each(database_url):
    result = run_load(database_url, clients=4, posts=25, time_limit=240)
    assert result.failures == []
    assert result.server_errors == 0
    assert result.rows == result.expected == 100
    assert result.stock_left == 10  # run_load stocks clients x posts + 10 kits
