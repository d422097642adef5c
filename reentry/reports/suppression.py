"""Small-cell suppression for published tables, with complementary suppression.

A count of 1 to 10 is never published (shown `<11`): with a date, a facility and a small count, a
person can be recognised. Hiding it is not enough when row and column totals are printed: a single
hidden cell in a row is the total minus the others. So every row and column (each with its total)
must hide either nothing or at least two cells; where only one is hidden, the smallest other
non-zero cell of that line is hidden too (shown `*`), repeated until no line has exactly one.
Totals of 1 to 10 are hidden like cells.
"""
from __future__ import annotations

from dataclasses import dataclass

LOW, HIGH = 1, 10
SMALL = "<11"
COMPLEMENTARY = "*"


@dataclass
class Table:
    """Counts with their row and column totals, before or after suppression."""

    row_labels: list[str]
    column_labels: list[str]
    counts: list[list[int]]


def _lines(rows: int, columns: int):
    """Every row and every column of the grid with its totals (last row and column)."""
    for r in range(rows + 1):
        yield [(r, c) for c in range(columns + 1)]
    for c in range(columns + 1):
        yield [(r, c) for r in range(rows + 1)]


def with_totals(counts: list[list[int]]) -> list[list[int]]:
    """The grid with a total column and a total row (the corner is the grand total)."""
    grid = [list(row) + [sum(row)] for row in counts]
    columns = len(counts[0]) if counts else 0
    grid.append([sum(grid[r][c] for r in range(len(counts))) for c in range(columns + 1)])
    return grid


def suppressed_cells(counts: list[list[int]]) -> tuple[set, set]:
    """(primary, complementary) sets of (row, column) positions in the grid with totals."""
    grid = with_totals(counts)
    rows, columns = len(counts), len(grid[0]) - 1
    primary = {(r, c) for r in range(rows + 1) for c in range(columns + 1) if LOW <= grid[r][c] <= HIGH}
    hidden = set(primary)
    changed = True
    while changed:
        changed = False
        for line in _lines(rows, columns):
            if sum(cell in hidden for cell in line) != 1:
                continue
            # Prefer an inner non-zero cell, smallest first; then a zero; the total last.
            candidates = [cell for cell in line if cell not in hidden]
            candidates.sort(key=lambda cell: (cell[0] == rows or cell[1] == columns, grid[cell[0]][cell[1]] == 0,
                                              grid[cell[0]][cell[1]]))
            if candidates:
                hidden.add(candidates[0])
                changed = True
    return primary, hidden - primary


def suppress(table: Table) -> list[list[str]]:
    """The published grid (with totals) as text: counts, `<11` or `*`."""
    grid = with_totals(table.counts)
    primary, complementary = suppressed_cells(table.counts)
    return [[SMALL if (r, c) in primary else COMPLEMENTARY if (r, c) in complementary else str(value)
             for c, value in enumerate(row)] for r, row in enumerate(grid)]


def csv_rows(table: Table, corner: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows for a CSV: the row label, each column, then `total`; a last `total` row."""
    published = suppress(table)
    header = [corner, *table.column_labels, "total"]
    rows = [[label, *cells] for label, cells in zip([*table.row_labels, "total"], published)]
    return header, rows


def suppress_parts(parts: list[int]) -> tuple[list[str], str]:
    """The published text of counts that add up to a total (kit / no kit = all), and of the total.

    The same rules as a table with one column: 1 to 10 is `<11`; a lone hidden part takes another
    with it (`*`), so it cannot be worked out as the total minus the rest."""
    grid = suppress(Table([str(i) for i in range(len(parts))], ["n"], [[p] for p in parts]))
    return [row[0] for row in grid[:-1]], grid[-1][0]
