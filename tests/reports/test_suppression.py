"""Small-cell suppression on crafted tables, and its two promises checked on random ones."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reentry.reports.suppression import Table, suppress, suppressed_cells, with_totals


def test_one_small_cell_hides_a_rectangle_of_four():
    published = suppress(Table(["a", "b"], ["x", "y"], [[5, 40], [30, 50]]))
    assert published == [
        ["<11", "*", "45"],
        ["*", "*", "80"],  # with 50 shown, column y's hidden 40 would be 90 - 50
        ["35", "90", "125"],
    ]


def test_a_row_with_two_small_cells_needs_nothing_more_in_that_row():
    published = suppress(Table(["a", "b"], ["x", "y", "z"], [[3, 4, 100], [20, 30, 100]]))
    # Row a already hides two; columns x and y each hide one, so row b hides its x and y too.
    assert published[0] == ["<11", "<11", "100", "107"]
    assert published[1] == ["*", "*", "100", "150"]
    assert published[2] == ["23", "34", "200", "257"]


def test_small_totals_are_hidden_too():
    published = suppress(Table(["a"], ["x", "y"], [[0, 7]]))
    assert published == [["0", "<11", "<11"], ["0", "<11", "<11"]]


def test_zeros_and_large_counts_are_published():
    assert suppress(Table(["a"], ["x"], [[0]])) == [["0", "0"], ["0", "0"]]
    assert suppress(Table(["a"], ["x", "y"], [[11, 250]])) == [["11", "250", "261"], ["11", "250", "261"]]


tables = st.integers(1, 5).flatmap(lambda rows: st.integers(1, 5).flatmap(
    lambda columns: st.lists(st.lists(st.integers(0, 40), min_size=columns, max_size=columns),
                             min_size=rows, max_size=rows)))


@settings(max_examples=200, deadline=None)
@given(tables)
def test_no_small_count_is_shown_and_none_can_be_worked_out(counts):
    grid = with_totals(counts)
    primary, complementary = suppressed_cells(counts)
    hidden = primary | complementary
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if 1 <= value <= 10:
                assert (r, c) in primary
    rows, columns = len(counts), len(counts[0])
    lines = [[(r, c) for c in range(columns + 1)] for r in range(rows + 1)]
    lines += [[(r, c) for r in range(rows + 1)] for c in range(columns + 1)]
    for line in lines:
        # One hidden cell in a line would be its total minus the others.
        assert sum(cell in hidden for cell in line) != 1
    published = suppress(Table([str(i) for i in range(rows)], [str(i) for i in range(columns)], counts))
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if (r, c) not in hidden:
                assert published[r][c] == str(value)
