"""Small-cell suppression on constructed tables: primary, secondary, and proof that no
hidden cell can be worked out from what the table publishes."""

import itertools

import numpy as np
import pandas as pd
import pytest

from app.documents.suppression import (
    PRIMARY,
    SECONDARY,
    check_threshold,
    determined_cells,
    format_count,
    suppress_table,
)


def table(rows):
    return pd.DataFrame(
        rows,
        index=[f"r{i}" for i in range(len(rows))],
        columns=[f"c{j}" for j in range(len(rows[0]))],
    )


def recoverable(result) -> list[tuple[str, str]]:
    """Hidden cells whose value is fixed by the visible cells, written independently of
    the module: build every row and column equation of the published table (totals
    included), substitute visible values, and test whether each hidden cell's unit
    vector lies in the row space of the remaining system."""
    values = result.values
    hidden = result.hidden
    cells = [(r, c) for r in values.index for c in values.columns if hidden.loc[r, c]]
    if not cells:
        return []
    position = {cell: k for k, cell in enumerate(cells)}
    body_rows = [r for r in values.index if r != "Total"]
    body_cols = [c for c in values.columns if c != "Total"]
    equations = []
    for r in values.index:  # each row: its body cells minus its total = 0
        equations.append([(r, c, 1) for c in body_cols] + [(r, "Total", -1)])
    for c in values.columns:
        equations.append([(r, c, 1) for r in body_rows] + [("Total", c, -1)])
    matrix = np.zeros((len(equations), len(cells)))
    for i, equation in enumerate(equations):
        for r, c, sign in equation:
            if (r, c) in position:
                matrix[i, position[(r, c)]] = sign
    rank = np.linalg.matrix_rank(matrix)
    exposed = []
    for cell, k in position.items():
        unit = np.zeros((1, len(cells)))
        unit[0, k] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            exposed.append(cell)
    return exposed


def assert_line_rule(result):
    hidden = result.hidden
    for r in hidden.index:
        assert int(hidden.loc[r].sum()) != 1, f"row {r} has a lone hidden cell"
    for c in hidden.columns:
        assert int(hidden[c].sum()) != 1, f"column {c} has a lone hidden cell"


def test_format_count_shows_small_counts_as_below_threshold_and_zero_as_zero():
    assert format_count(3, 5) == "<5"
    assert format_count(0, 5) == "0"
    assert format_count(5, 5) == "5"
    assert format_count(1234, 5) == "1,234"
    assert format_count(3, None) == "3"
    assert format_count(9, 10) == "<10"


@pytest.mark.parametrize("bad", [0, 1, 11, 50])
def test_threshold_must_be_between_two_and_ten(bad):
    with pytest.raises(ValueError):
        check_threshold(bad)


def test_no_small_cells_means_nothing_hidden():
    result = suppress_table(table([[10, 20], [30, 40]]), 5)
    assert not result.any_hidden
    assert result.values.loc["Total", "Total"] == 100
    assert result.display().loc["r0", "Total"] == "30"


def test_a_lone_small_cell_gets_a_partner_in_its_row_and_column():
    result = suppress_table(table([[3, 20, 15], [12, 9, 30], [11, 25, 14]]), 5)
    assert result.reason.loc["r0", "c0"] == PRIMARY
    assert_line_rule(result)
    assert recoverable(result) == []
    # The smallest other cell of row r0 is c2 (15) and of column c0 is r2 (11)... the
    # partners are secondary, shown as "x", never as a number.
    shown = result.display()
    assert shown.loc["r0", "c0"] == "<5"
    for r, c in zip(*np.where(result.reason.to_numpy() == SECONDARY), strict=True):
        assert shown.iloc[r, c] == "x"
    assert (result.reason == SECONDARY).to_numpy().sum() >= 3


def test_partner_is_the_smallest_next_cell():
    result = suppress_table(table([[2, 50, 7, 30], [40, 41, 42, 43], [44, 45, 6, 47]]), 5)
    # Row r0: after c0 (primary), the smallest visible non-zero cell is c2 (7).
    assert result.reason.loc["r0", "c2"] == SECONDARY
    assert recoverable(result) == []


def test_zero_is_shown_and_not_used_as_cover_when_another_cell_exists():
    result = suppress_table(table([[0, 2, 9], [8, 10, 12]]), 5)
    assert result.display().loc["r0", "c0"] == "0"
    assert result.reason.loc["r0", "c0"] == ""
    assert recoverable(result) == []


def test_row_with_only_one_non_zero_cell_hides_its_total():
    result = suppress_table(table([[0, 3, 0], [10, 12, 14], [9, 20, 30]]), 5)
    # r0's only other non-zero figure is its total (3): the total is a small count too.
    assert result.hidden.loc["r0", "Total"]
    assert_line_rule(result)
    assert recoverable(result) == []


def test_two_small_cells_in_one_row_still_need_column_partners():
    result = suppress_table(table([[2, 3, 30], [20, 25, 35], [22, 28, 33]]), 5)
    assert_line_rule(result)
    assert recoverable(result) == []
    assert result.hidden.loc["r0", "c0"] and result.hidden.loc["r0", "c1"]


def test_single_column_list_with_total():
    counts = pd.Series([40, 3, 25, 0, 18], index=list("abcde"), name="Registered")
    result = suppress_table(counts.to_frame(), 5)
    shown = result.display()["Registered"]
    assert shown["b"] == "<5"
    assert shown["d"] == "0"
    assert shown["e"] == "x"  # smallest other count, so b cannot be total minus the rest
    assert recoverable(result) == []


@pytest.mark.parametrize("threshold", [5, 10])
def test_threshold_is_configurable(threshold):
    result = suppress_table(table([[7, 30, 40], [50, 60, 70]]), threshold)
    assert result.hidden.loc["r0", "c0"] == (threshold == 10)
    assert recoverable(result) == []


@pytest.mark.parametrize("seed", range(40))
def test_random_sparse_tables_never_expose_a_hidden_cell(seed):
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(2, 9)), int(rng.integers(2, 13)))
    grid = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 20], size=shape)
    result = suppress_table(table(grid.tolist()), 5)
    primary = (grid > 0) & (grid < 5)
    body = result.reason.drop(index="Total", columns="Total").to_numpy()
    assert ((body == PRIMARY) == primary).all()
    assert_line_rule(result)
    assert recoverable(result) == []
    assert determined_cells(result.hidden.to_numpy()) == []
    # The published totals still equal the true totals of the table.
    assert result.values.loc["Total", "Total"] == grid.sum()


def test_brute_force_small_table_hidden_cells_have_other_possible_values():
    """Enumerate every non-negative table that agrees with what is printed: each hidden
    cell must take at least two different values among them."""
    grid = np.array([[3, 6, 7], [8, 1, 9]])
    result = suppress_table(table(grid.tolist()), 5)
    hidden = result.hidden.to_numpy()
    published = result.values.to_numpy()
    body_hidden = [tuple(map(int, cell)) for cell in np.argwhere(hidden[:-1, :-1])]
    seen = {cell: set() for cell in body_hidden}
    candidate = grid.copy()
    for guess in itertools.product(range(16), repeat=len(body_hidden)):
        for cell, value in zip(body_hidden, guess, strict=True):
            candidate[cell] = value
        extended = np.zeros_like(published)
        extended[:-1, :-1] = candidate
        extended[:-1, -1] = candidate.sum(axis=1)
        extended[-1, :-1] = candidate.sum(axis=0)
        extended[-1, -1] = candidate.sum()
        if (extended[~hidden] == published[~hidden]).all():
            for cell, value in zip(body_hidden, guess, strict=True):
                seen[cell].add(value)
    assert body_hidden
    for cell in body_hidden:
        assert grid[cell] in seen[cell]
        assert len(seen[cell]) >= 2, f"{cell} is recoverable: {seen[cell]}"


def test_rating_headline_survives_whenever_its_own_count_is_large_enough():
    """Every five-point rating with counts 0..6: no hidden figure can be worked out, and
    agree-or-strongly-agree is hidden only when it (or the whole question) is small."""
    from app.documents.suppression import rating_is_safe, suppress_rating

    for counts in itertools.product(range(7), repeat=5):
        counts = list(counts)
        result = suppress_rating(counts, 5)
        assert rating_is_safe(counts, result), counts
        agree = counts[3] + counts[4]
        if sum(counts) >= 5 and agree >= 5:
            assert result.collapsed_reason[-1] == "", counts
        for reason, count in zip(result.detail_reason, counts, strict=True):
            if 0 < count < 5:
                assert reason == "primary", counts
        for g, group in enumerate(result.groups):
            if result.collapsed_reason[g]:
                assert all(result.detail_reason[i] for i in group if counts[i]), counts


def test_rating_suppression_hides_neutral_before_the_headline():
    from app.documents.suppression import suppress_rating

    result = suppress_rating([0, 2, 0, 15, 20], 5)
    assert result.collapsed_reason == ["primary", "secondary", ""]
    assert result.detail_reason == ["secondary", "primary", "secondary", "", ""]
    detail_only = suppress_rating([0, 0, 6, 3, 30], 5)
    assert detail_only.collapsed_reason == ["", "", ""]
    assert detail_only.detail_reason == ["", "", "", "primary", "secondary"]


def test_secondary_cover_prefers_a_cell_whose_crossing_line_needs_cover_too():
    # Two small cells in different rows and columns: hiding the two cells where their
    # lines cross covers all four lines with two extra cells rather than four.
    table = pd.DataFrame([[3, 20, 30], [40, 2, 50], [60, 70, 80]], columns=list("abc"))
    result = suppress_table(table, 5)
    hidden = result.hidden.drop(index="Total", columns="Total").to_numpy()
    assert hidden.sum() == 4
    assert hidden[0, 1] and hidden[1, 0]
    assert not determined_cells(result.hidden.to_numpy())
