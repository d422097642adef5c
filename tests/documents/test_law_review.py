"""A Good Samaritan law row falls due for review twelve months after its as-of date."""
from datetime import date
from types import SimpleNamespace

import pytest

from reentry.documents.services import law_needs_review, law_review_due_on


@pytest.mark.parametrize("as_of, due", [
    (date(2025, 12, 4), date(2026, 12, 4)),
    (date(2024, 2, 29), date(2025, 2, 28)),
    (date(2025, 1, 31), date(2026, 1, 31)),
])
def test_review_falls_due_a_year_after_the_as_of_date(as_of, due):
    assert law_review_due_on(SimpleNamespace(as_of=as_of)) == due


def test_a_row_is_current_on_its_due_day_and_stale_the_day_after():
    row = SimpleNamespace(as_of=date(2025, 12, 4))
    assert not law_needs_review(row, date(2026, 12, 4))
    assert law_needs_review(row, date(2026, 12, 5))
