"""Small-cell protection of person counts cross-tabulated finer than comuna.

A table of attendances by comuna × sexo × age group can single out a person: "the only
woman over 60 from Río Hurtado who attended". Cells below a threshold are hidden
(primary suppression) and, so that a hidden cell cannot be recovered by subtracting the
visible cells from its row or column total, more cells are hidden (secondary suppression).

Rules (documented in the README and docs/indicadores.md):

- primary: a cell with 0 < count < threshold is shown as ``"< {threshold}"``. A zero is
  shown: it says that nobody of that group attended, which discloses nothing about any
  person who did;
- margins (row and column totals, and the grand total) are shown: in our tables they are
  comuna totals or region totals that the balance publishes anyway, so hiding them here
  would protect nothing (the one exception is below);
- secondary: every row and every column that has a hidden cell must have at least two,
  and they must not all be zeros (a line whose hidden cells add up to zero gives them
  back, since no count is negative). Where a line falls short, the smallest visible
  non-zero cell of that line is hidden too (a zero only when the line has no other
  non-zero cell, and only if the zero's crossing line has people in it; failing both,
  the line's total is hidden); rows and columns are revisited until nothing changes.
  This is the classic "next smallest cell" heuristic: with it no hidden cell can be
  deduced from its row or column total by subtraction, even repeated across lines
  (tests/indicators/test_disclosure.py audits that). It is not an optimal (linear-programming)
  suppression and does not look at other tables published beside this one.

Activity counts are never suppressed: an activity is not a person.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import config

TOTAL = "Total"


def suppressed_label(threshold: int) -> str:
    """How a hidden cell is shown: ``"< 5"``."""
    return f"< {int(threshold)}"


def _total_label(axis: pd.Index):
    """`Total`, as a tuple padded with "" when the axis is a MultiIndex."""
    if isinstance(axis, pd.MultiIndex):
        return (TOTAL,) + ("",) * (axis.nlevels - 1)
    return TOTAL


def suppression_mask(table: pd.DataFrame, threshold: int | None = None) -> pd.DataFrame:
    """Boolean frame, True where a cell of the inner table (no margins) must be hidden."""
    return _suppress(table, threshold)[0]


def _suppress(table: pd.DataFrame, threshold: int | None) -> tuple[pd.DataFrame, set, set]:
    """(mask of hidden inner cells, rows whose total must be hidden, columns likewise).

    A line (row or column) with hidden cells is safe when it has at least two of them and
    they do not add up to zero (hidden zeros alone are recovered from the total, since no
    count is negative). An unsafe line gets its smallest visible non-zero cell hidden, or
    else a visible zero whose crossing line has people in it; when neither exists (a
    degenerate table) the line's total is hidden instead.
    """
    threshold = config.DEFAULT_SMALL_CELL_THRESHOLD if threshold is None else int(threshold)
    values = table.to_numpy(dtype="int64")
    if (values < 0).any():
        raise ValueError("Una tabla de conteos no puede tener valores negativos.")
    hidden = (values > 0) & (values < threshold)
    hidden_totals: tuple[set, set] = (set(), set())
    changed = hidden.any()
    while changed:  # each pass only adds hidden cells or totals, so this ends
        changed = False
        for axis, (matrix, mask) in enumerate(((values, hidden), (values.T, hidden.T))):
            crossing = matrix.sum(axis=0)  # totals of the lines that cross this one
            for i in range(matrix.shape[0]):
                line, line_hidden = matrix[i], mask[i]
                n = int(line_hidden.sum())
                if n == 0 or i in hidden_totals[axis]:
                    continue
                if n >= 2 and line[line_hidden].sum() > 0:
                    continue
                j = _complement(line, line_hidden, crossing)
                if j is None:
                    hidden_totals[axis].add(i)
                else:
                    mask[i, j] = True  # `mask` is a view of `hidden`
                changed = True
    rows = {table.index[i] for i in hidden_totals[0]}
    cols = {table.columns[j] for j in hidden_totals[1]}
    return pd.DataFrame(hidden, index=table.index, columns=table.columns), rows, cols


def _complement(line: np.ndarray, line_hidden: np.ndarray, crossing: np.ndarray) -> int | None:
    """Cell to hide beside the line's hidden ones: the smallest visible non-zero cell, else a
    visible zero whose crossing line is not empty, else None."""
    visible = np.flatnonzero(~line_hidden)
    nonzero = visible[line[visible] > 0]
    if nonzero.size:
        return int(nonzero[np.argmin(line[nonzero])])  # argmin: first of equal minima
    zeros = visible[crossing[visible] > 0]
    return int(zeros[0]) if zeros.size else None


def protect(table: pd.DataFrame, threshold: int | None = None) -> pd.DataFrame:
    """The table with a `Total` row and column added and small cells hidden.

    `table` holds the inner person counts only (non-negative integers, no margins); the
    margins are computed from the true counts and always shown. Returns a new frame of
    objects: Python ints, or the string ``"< {threshold}"`` where a cell is hidden.
    """
    threshold = config.DEFAULT_SMALL_CELL_THRESHOLD if threshold is None else int(threshold)
    counts = table.astype("int64")
    mask, hidden_rows, hidden_cols = _suppress(counts, threshold)
    label = suppressed_label(threshold)
    out = pd.DataFrame(
        [[label if h else int(v) for v, h in zip(vals, hs)]
         for vals, hs in zip(counts.to_numpy(), mask.to_numpy())],
        index=counts.index, columns=counts.columns, dtype=object,
    )
    row_totals = [label if r in hidden_rows else int(v) for r, v in counts.sum(axis=1).items()]
    col_totals = [label if c in hidden_cols else int(v) for c, v in counts.sum(axis=0).items()]
    out[_total_label(counts.columns)] = pd.Series(row_totals, index=counts.index, dtype=object)
    total_row = pd.DataFrame([col_totals + [int(counts.to_numpy().sum())]],
                             index=[_total_label(counts.index)], columns=out.columns, dtype=object)
    return pd.concat([out, total_row])
