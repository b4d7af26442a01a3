"""Small-cell suppression for anything shared outside the steering committee.

Primary suppression hides counts from 1 to threshold-1 (zero may be shown). Secondary
suppression then hides further cells of a table with totals until no hidden cell can be
worked out by subtracting from a row or column total: every line of the table (a row or
column, its total included) holds either no hidden cell or at least two, and a final
linear-algebra check confirms that no hidden cell is fixed by the published figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_THRESHOLD = 10
TOTAL = "Total"

PRIMARY = "primary"
SECONDARY = "secondary"


def check_threshold(threshold: int) -> int:
    """Thresholds above 10 hide too much to be useful; below 2 hide nothing."""
    threshold = int(threshold)
    if not 2 <= threshold <= MAX_THRESHOLD:
        raise ValueError(f"suppression threshold must be between 2 and {MAX_THRESHOLD}")
    return threshold


def is_small(count: int, threshold: int) -> bool:
    return 0 < int(count) < threshold


def format_count(count: int, threshold: int | None) -> str:
    """The printed form of one count: "<5" when small and suppression is on."""
    if threshold is not None and is_small(count, threshold):
        return f"<{threshold}"
    return f"{int(count):,}"


@dataclass(frozen=True)
class SuppressedTable:
    """A table with its totals, and which cells are hidden and why.

    `values` includes the "Total" row and column; `reason` holds "", "primary" or
    "secondary" for each of its cells.
    """

    values: pd.DataFrame
    reason: pd.DataFrame
    threshold: int

    @property
    def hidden(self) -> pd.DataFrame:
        return self.reason != ""

    def display(self) -> pd.DataFrame:
        """Strings to print: "<5" for small counts, "x" for complementary cells."""
        shown = self.values.map(lambda value: f"{int(value):,}")
        shown = shown.mask(self.reason == PRIMARY, f"<{self.threshold}")
        return shown.mask(self.reason == SECONDARY, "x")

    @property
    def any_hidden(self) -> bool:
        return bool(self.hidden.to_numpy().any())


def with_totals(table: pd.DataFrame) -> pd.DataFrame:
    """Add a Total column and a Total row to a table of counts."""
    out = table.astype(int).copy()
    out[TOTAL] = out.sum(axis=1)
    out.loc[TOTAL] = out.sum(axis=0)
    return out


def suppress_table(table: pd.DataFrame, threshold: int) -> SuppressedTable:
    """Primary and secondary suppression of a table of counts (without totals).

    The totals are added here so that they are always consistent with the cells.
    """
    threshold = check_threshold(threshold)
    values = with_totals(table)
    grid = values.to_numpy(dtype=np.int64)
    hidden = (grid > 0) & (grid < threshold)
    primary = hidden.copy()
    hidden = _complete(grid, hidden)
    reason = np.where(primary, PRIMARY, np.where(hidden, SECONDARY, ""))
    return SuppressedTable(
        values=values,
        reason=pd.DataFrame(reason, index=values.index, columns=values.columns),
        threshold=threshold,
    )


def _lines(shape: tuple[int, int]) -> list[list[tuple[int, int]]]:
    """Every row and every column of the extended table, each as a list of cells."""
    rows, cols = shape
    return [[(r, c) for c in range(cols)] for r in range(rows)] + [
        [(r, c) for r in range(rows)] for c in range(cols)
    ]


def _pick_partner(grid: np.ndarray, hidden: np.ndarray, line: list[tuple[int, int]]):
    """The smallest visible cell of a line, preferring non-zero cells.

    A hidden zero is weak cover (a reader may guess it), so zeros are used only when a
    line has nothing else to offer.
    """
    candidates = [cell for cell in line if not hidden[cell]]
    if not candidates:
        return None
    non_zero = [cell for cell in candidates if grid[cell] > 0]
    pool = non_zero or candidates
    last = grid.shape[0] - 1, grid.shape[1] - 1
    return min(pool, key=lambda cell: (grid[cell], cell[0] == last[0] or cell[1] == last[1]))


def _complete(grid: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Add complementary cells until no line has a lone hidden cell and no hidden cell
    is determined by the published values. Iterates until stable."""
    hidden = hidden.copy()
    lines = _lines(grid.shape)
    for _ in range(grid.size + 1):
        changed = False
        for line in lines:
            if sum(bool(hidden[cell]) for cell in line) == 1:
                partner = _pick_partner(grid, hidden, line)
                if partner is not None:
                    hidden[partner] = True
                    changed = True
        if changed:
            continue
        exposed = determined_cells(hidden)
        if not exposed:
            return hidden
        cell = exposed[0]
        for line in lines:
            if cell in line:
                partner = _pick_partner(grid, hidden, line)
                if partner is not None:
                    hidden[partner] = True
                    break
        else:  # pragma: no cover - a full table has a visible cell somewhere
            return hidden
    return hidden


def _constraints(hidden: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The linear equations that tie the hidden cells of an extended table together.

    Each row says: its cells add up to its last cell; so does each column. Known
    values move to the right-hand side, so only the coefficients of hidden cells matter.
    """
    rows, cols = hidden.shape
    cells = [tuple(map(int, cell)) for cell in np.argwhere(hidden)]
    index = {cell: i for i, cell in enumerate(cells)}
    equations = []
    for r in range(rows):
        equations.append([(r, c, -1 if c == cols - 1 else 1) for c in range(cols)])
    for c in range(cols):
        equations.append([(r, c, -1 if r == rows - 1 else 1) for r in range(rows)])
    matrix = np.zeros((len(equations), len(cells)))
    for i, equation in enumerate(equations):
        for r, c, sign in equation:
            if (r, c) in index:
                matrix[i, index[(r, c)]] = sign
    return matrix, cells


def determined_cells(hidden: np.ndarray) -> list[tuple[int, int]]:
    """Hidden cells whose value follows exactly from the visible cells and the totals.

    A hidden cell is determined when its unit vector lies in the row space of the
    constraint matrix, that is, when every solution of the homogeneous system keeps it
    at zero.
    """
    matrix, cells = _constraints(np.asarray(hidden, dtype=bool))
    if not cells:
        return []
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null_space = vt[rank:]
    if null_space.shape[0] == 0:
        return cells
    free = np.abs(null_space).max(axis=0) > 1e-9
    return [cell for cell, is_free in zip(cells, free, strict=True) if not is_free]
