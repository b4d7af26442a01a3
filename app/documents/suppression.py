"""Small-cell suppression for anything shared outside the steering committee.

Primary suppression hides counts from 1 to threshold-1 (zero may be shown). Secondary
suppression then hides further cells of a table with totals until no hidden cell can be
worked out by subtracting from a row or column total: every line of the table (a row or
column, its total included) holds either no hidden cell or at least two, and a final
linear-algebra check confirms that no hidden cell is fixed by the published figures.

Rating questions are suppressed in two levels (`suppress_rating`): the collapsed
categories (disagree, neutral, agree) first, so that the headline share survives whenever
its own count is large enough, then the five-point detail inside each category.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    import numpy as np
    import pandas as pd

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
    """The least informative visible cell of a line.

    Preferred, in order: a non-zero cell (a hidden zero is weak cover: a reader may
    guess it), an inner cell rather than a total, a cell whose crossing line already
    needs cover (one hidden cell then protects two lines), and the smallest count.
    """
    candidates = [cell for cell in line if not hidden[cell]]
    if not candidates:
        return None
    non_zero = [cell for cell in candidates if grid[cell] > 0]
    pool = non_zero or candidates
    last = grid.shape[0] - 1, grid.shape[1] - 1
    row_hidden = hidden.sum(axis=1)
    col_hidden = hidden.sum(axis=0)
    along_row = len({r for r, _ in line}) == 1

    def lone_crossing(cell: tuple[int, int]) -> bool:
        crossing = col_hidden[cell[1]] if along_row else row_hidden[cell[0]]
        return crossing == 1

    return min(
        pool,
        key=lambda cell: (
            cell[0] == last[0] or cell[1] == last[1],
            not lone_crossing(cell),
            grid[cell],
        ),
    )


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
    import numpy as np

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
    import numpy as np

    matrix, cells = _constraints(np.asarray(hidden, dtype=bool))
    if not cells:
        return []
    fixed = _fixed_columns(matrix)
    return [cell for cell, is_fixed in zip(cells, fixed, strict=True) if is_fixed]


def _fixed_columns(matrix: np.ndarray) -> np.ndarray:
    """For each unknown (column) of a homogeneous linear system, whether every solution
    keeps it at zero: then the published figures fix its value."""
    import numpy as np

    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null_space = vt[rank:]
    if null_space.shape[0] == 0:
        return np.ones(matrix.shape[1], dtype=bool)
    return np.abs(null_space).max(axis=0) <= 1e-9


@dataclass(frozen=True)
class RatingSuppression:
    """One rating question suppressed in two levels.

    `groups` lists the scale points (0-based) in each collapsed category, lowest first;
    `collapsed` their counts; the reasons are "", "primary" or "secondary" per collapsed
    category, per scale point and for the question's total."""

    groups: list[list[int]]
    collapsed: list[int]
    collapsed_reason: list[str]
    detail_reason: list[str]
    total_reason: str


def collapsed_groups(points: int) -> list[list[int]]:
    """Lower half, the middle point (odd scales) and upper half of a scale."""
    half = points // 2
    groups = [list(range(half))]
    if points % 2:
        groups.append([half])
    groups.append(list(range(points - half, points)))
    return groups


def suppress_rating(counts: list[int], threshold: int) -> RatingSuppression:
    """Collapsed categories first, then the detail, so the headline (the top category)
    is hidden only when its own count is small.

    Secondary cover for a collapsed category comes from another category, never the
    headline while another one is left (a zero if need be). Inside a category whose
    count is published, a lone hidden point takes the smallest other point of the same
    category; a hidden category hides all its points. `rating_is_safe` is the rank
    check (the same as for tables) that the tests run over every small count vector.
    """
    threshold = check_threshold(threshold)
    counts = [int(c) for c in counts]
    groups = collapsed_groups(len(counts))
    collapsed = [sum(counts[i] for i in group) for group in groups]
    total = sum(counts)
    if is_small(total, threshold):
        return RatingSuppression(
            groups=groups,
            collapsed=collapsed,
            collapsed_reason=[_hidden_reason(c, threshold) for c in collapsed],
            detail_reason=[_hidden_reason(c, threshold) for c in counts],
            total_reason=PRIMARY,
        )
    headline = len(groups) - 1
    c_reason = [PRIMARY if is_small(c, threshold) else "" for c in collapsed]
    if sum(bool(r) for r in c_reason) == 1:
        others = [i for i, r in enumerate(c_reason) if not r]
        others.sort(key=lambda i: (i == headline, collapsed[i] == 0, collapsed[i]))
        c_reason[others[0]] = SECONDARY
    d_reason = [PRIMARY if is_small(c, threshold) else "" for c in counts]
    for g, group in enumerate(groups):
        if c_reason[g]:
            for i in group:
                d_reason[i] = d_reason[i] or SECONDARY
        elif sum(bool(d_reason[i]) for i in group) == 1 and len(group) > 1:
            visible = sorted((i for i in group if not d_reason[i]), key=lambda i: counts[i])
            d_reason[visible[0]] = SECONDARY
    return RatingSuppression(
        groups=groups,
        collapsed=collapsed,
        collapsed_reason=c_reason,
        detail_reason=d_reason,
        total_reason="",
    )


def _hidden_reason(count: int, threshold: int) -> str:
    """Why a non-zero figure under a hidden total is hidden."""
    if is_small(count, threshold):
        return PRIMARY
    return SECONDARY if count else ""


def _rating_unknowns(c_reason: list[str], d_reason: list[str]) -> list[tuple[str, int]]:
    return [("c", i) for i, r in enumerate(c_reason) if r] + [
        ("d", i) for i, r in enumerate(d_reason) if r
    ]


def _rating_system(groups: list[list[int]], hidden: list[tuple[str, int]]) -> np.ndarray:
    """Each category equals the sum of its points; the total equals the sum of the
    categories. Known figures move to the right-hand side; only hidden ones stay."""
    import numpy as np

    index = {cell: i for i, cell in enumerate(hidden)}
    rows = []
    for g, group in enumerate(groups):
        row = np.zeros(len(hidden))
        if ("c", g) in index:
            row[index[("c", g)]] = 1
        for i in group:
            if ("d", i) in index:
                row[index[("d", i)]] = -1
        rows.append(row)
    row = np.zeros(len(hidden))
    for g in range(len(groups)):
        if ("c", g) in index:
            row[index[("c", g)]] = 1
    rows.append(row)
    return np.array(rows)


def rating_is_safe(counts: list[int], result: RatingSuppression) -> bool:
    """Whether no hidden figure of a suppressed rating can be worked out from the
    published ones: the rank check."""
    hidden = _rating_unknowns(result.collapsed_reason, result.detail_reason)
    if result.total_reason or not hidden:
        return True
    return not _fixed_columns(_rating_system(result.groups, hidden)).any()
