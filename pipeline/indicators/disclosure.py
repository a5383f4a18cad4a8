"""Disclosure control of person tables: a threshold on contributors, secondary suppression
checked by linear programming, and aggregates that never reveal a hidden cell.

A table of people by comuna × sexo × age group can single out a person ("the one boy aged
0–17 from Andacollo"). The rules (README, «Datos personales»; docs/indicadores.md):

- **Contributors, not attendances.** A cell counts distinct people (`people_table`): the
  pseudonym `persona` of each attendance; an attendance without a valid RUT, and each head
  of a summary count, is its own person. One woman at six activities is one person.
- **Primary suppression**: a cell with 1 to threshold − 1 people is shown as ``"< 5"``. A
  zero is shown: that nobody of a group attended discloses nothing about anyone who did.
- **Secondary suppression**: more cells (``"reservado"``) — never a zero — and, where no
  cell is left to hide, totals (``"reservado"`` too) are hidden until, for every primary
  cell, the range an attacker can derive from everything the table publishes (visible
  cells, visible totals, what the labels say: a ``"< 5"`` cell is 1 to 4, a ``"reservado"``
  cell at least 5) is at least `threshold` wide. The range is computed exactly, by linear
  programming (`ranges`, scipy's HiGHS), not by a rule of thumb; the tests audit it again
  from the published JSON, independently.
- Margins are sums of the published cells (a person recorded in two groups counts in each),
  so the tables are additive and the audit is exact.
- Other tables of the same people (gender by territory…) are published only through
  `aggregate`, from the protected table: a sum is shown only when it is a published total
  or every cell in it is visible, so it adds nothing an attacker could use.

Activity counts are never suppressed: an activity is not a person.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline import config
from pipeline import schema

TOTAL = "Total"
RESERVED = "reservado"
AGE_GROUPS = ["0 a 17 años", "18 a 59 años", "60 años y más", schema.SIN_INFORMACION]


def suppressed_label(threshold: int) -> str:
    """How a primary cell is shown: ``"< 5"``."""
    return f"< {int(threshold)}"


def _total_label(axis: pd.Index):
    """`Total`, as a tuple padded with "" when the axis is a MultiIndex."""
    if isinstance(axis, pd.MultiIndex):
        return (TOTAL,) + ("",) * (axis.nlevels - 1)
    return TOTAL


# ---------------------------------------------------------------------------
# counting contributors
# ---------------------------------------------------------------------------
def age_group(edad: pd.Series) -> pd.Series:
    groups = pd.cut(edad.astype("float64"), bins=[-1, 17, 59, 200], labels=AGE_GROUPS[:3])
    return groups.astype(object).where(edad.notna().to_numpy(), schema.SIN_INFORMACION)


def contributors(asistencias: pd.DataFrame, actividades: pd.DataFrame) -> pd.DataFrame:
    """One row per person unit with its activity's columns, `sexo` and `grupo` (age group),
    and `persona` (the pseudonym, or a unique key for an attendance that is nobody known)
    and `n` (how many such units the row stands for: summary head counts)."""
    acts = actividades.set_index("clave_actividad")
    keys = asistencias["clave_actividad"].astype(object).to_numpy()
    persona = asistencias["persona"].astype(object).to_numpy().copy()
    unknown = pd.isna(persona)
    persona[unknown] = [f"sin-rut-{i}" for i in np.flatnonzero(unknown)]
    people = acts.reindex(keys).reset_index(drop=True).assign(
        sexo=asistencias["sexo"].astype(object).to_numpy(),
        grupo=age_group(asistencias["edad"]).to_numpy(),
        persona=persona, n=1)
    resumen = actividades[actividades["forma"] == schema.SHAPE_SUMMARY]
    heads = []
    for col, sexo in (("mujeres", schema.SEXO_MUJER), ("hombres", schema.SEXO_HOMBRE),
                      ("sexo_sin_informacion", schema.SIN_INFORMACION)):
        part = resumen[resumen[col] > 0]
        heads.append(part.assign(sexo=sexo, grupo=schema.SIN_INFORMACION,
                                 persona=[f"resumen-{k}-{col}" for k in part["clave_actividad"]],
                                 n=part[col].to_numpy()))
    return pd.concat([people, *heads], ignore_index=True)


def people_table(asistencias: pd.DataFrame, actividades: pd.DataFrame, by: Sequence[str],
                 index: Sequence | None = None, columns: Sequence | None = None) -> pd.DataFrame:
    """Distinct people per cell: rows by `by[0]`, columns by `by[1:]` (any column of the
    activities, plus `sexo` and `grupo`). `index` / `columns`: every row / column to show, in
    order, zeros included. True counts: publish only `protect(table)`."""
    units = contributors(asistencias, actividades)
    by = list(by)
    for col in by:
        units[col] = units[col].astype(object).where(units[col].notna(), schema.SIN_INFORMACION)
    # a person counts once per cell; a head-count row counts its heads (all distinct people)
    named = units[units["n"] == 1].drop_duplicates(by + ["persona"])
    heads = units[units["n"] > 1]
    counts = pd.concat([named, heads]).groupby(by)["n"].sum()
    if len(by) == 1:
        table = counts.to_frame("personas")
    else:
        table = counts.unstack(by[1:], fill_value=0)
    table = table.fillna(0).astype("int64")
    if index is not None:
        table = table.reindex(index=list(index), fill_value=0)
    if columns is not None:
        table = table.reindex(columns=columns, fill_value=0)
    table.index.name = by[0]
    return table


# ---------------------------------------------------------------------------
# suppression
# ---------------------------------------------------------------------------
class Suppression:
    """Which cells and totals of a table are hidden, and why (primary or secondary)."""

    def __init__(self, values: np.ndarray, threshold: int):
        self.values = values
        self.threshold = threshold
        self.primary = (values > 0) & (values < threshold)
        self.secondary = np.zeros_like(self.primary)
        self.row_total_hidden = np.zeros(values.shape[0], dtype=bool)
        self.col_total_hidden = np.zeros(values.shape[1], dtype=bool)
        self.grand_total_hidden = False
        self.unprotectable: list[tuple[int, int]] = []  # narrowed only by a bound published elsewhere

    @property
    def hidden(self) -> np.ndarray:
        return self.primary | self.secondary

    def state(self) -> tuple:
        return (int(self.secondary.sum()), int(self.row_total_hidden.sum()), int(self.col_total_hidden.sum()),
                self.grand_total_hidden)


def ranges(values: np.ndarray, primary: np.ndarray, secondary: np.ndarray, row_total_hidden: np.ndarray,
           col_total_hidden: np.ndarray, grand_total_hidden: bool, threshold: int,
           cells: list[tuple[int, int]] | None = None,
           row_upper: np.ndarray | None = None) -> dict[tuple[int, int], tuple[float, float]]:
    """(lowest, highest) value an attacker can derive for each hidden cell in `cells` (default:
    every primary cell) from what is published: the visible cells and totals, every hidden
    cell ≥ 0, a primary one ≤ threshold − 1 and a secondary one ≥ threshold (what their labels
    say), the target itself only ≥ 0; `row_upper`, a published bound of each row's total
    (the comuna's attendances bound its people). Linear programming (scipy HiGHS); `inf` when
    unbounded."""
    from scipy.optimize import linprog

    hidden = primary | secondary
    pos = list(zip(*np.nonzero(hidden)))
    var = {p: k for k, p in enumerate(pos)}
    rows_eq, b_eq = [], []
    visible_sum = np.where(hidden, 0, values)

    def add(cells_of_line, total):
        coef = np.zeros(len(pos))
        for p in cells_of_line:
            coef[var[p]] = 1.0
        rows_eq.append(coef)
        b_eq.append(total)

    for i in range(values.shape[0]):
        line = [(i, j) for j in np.flatnonzero(hidden[i])]
        if line and not row_total_hidden[i]:
            add(line, values[i].sum() - visible_sum[i].sum())
    for j in range(values.shape[1]):
        line = [(i, j) for i in np.flatnonzero(hidden[:, j])]
        if line and not col_total_hidden[j]:
            add(line, values[:, j].sum() - visible_sum[:, j].sum())
    if pos and not grand_total_hidden:
        add(pos, values.sum() - visible_sum.sum())
    # totals hidden on both sides still add up: a visible column total covers the hidden row totals
    a_eq = np.array(rows_eq) if rows_eq else None
    b = np.array(b_eq, dtype=float) if rows_eq else None
    rows_ub, b_ub = [], []
    if row_upper is not None:
        for i in np.flatnonzero(row_total_hidden):
            coef = np.zeros(len(pos))
            for j in np.flatnonzero(hidden[i]):
                coef[var[(i, j)]] = 1.0
            if coef.any():
                rows_ub.append(coef)
                b_ub.append(float(row_upper[i]) - visible_sum[i].sum())
    a_ub = np.array(rows_ub) if rows_ub else None
    bu = np.array(b_ub) if rows_ub else None
    base = [(1, threshold - 1) if primary[p] else (threshold, None) for p in pos]
    out = {}
    for target in (cells if cells is not None else [p for p in pos if primary[p]]):
        k = var[target]
        bounds = list(base)
        bounds[k] = (0, None)
        c = np.zeros(len(pos))
        c[k] = 1.0
        lo = linprog(c, A_ub=a_ub, b_ub=bu, A_eq=a_eq, b_eq=b, bounds=bounds, method="highs")
        hi = linprog(-c, A_ub=a_ub, b_ub=bu, A_eq=a_eq, b_eq=b, bounds=bounds, method="highs")
        low = lo.fun if lo.status == 0 else 0.0
        high = -hi.fun if hi.status == 0 else float("inf")
        out[(int(target[0]), int(target[1]))] = (float(low), float(high))
    return out


def suppress(table: pd.DataFrame, threshold: int | None = None, row_upper=None) -> Suppression:
    """Primary and secondary suppression of a table of inner counts (no margins). `row_upper`:
    what else is published about each row's total (an upper bound, e.g. the comuna's
    attendances), taken into account like the rest."""
    threshold = config.small_cell_threshold(threshold)
    values = np.ascontiguousarray(table.to_numpy(dtype="int64"))
    if (values < 0).any():
        raise ValueError("Una tabla de conteos no puede tener valores negativos.")
    upper = None if row_upper is None else np.asarray(row_upper, dtype="float64")
    return _suppress(values, threshold, upper)


def _suppress(values: np.ndarray, threshold: int, row_upper: np.ndarray | None = None) -> Suppression:
    s = Suppression(values, threshold)
    _lines_of_one(s)
    pending = [tuple(p) for p in zip(*np.nonzero(s.primary))]
    while pending:
        r = ranges(values, s.primary, s.secondary, s.row_total_hidden, s.col_total_hidden,
                   s.grand_total_hidden, threshold, pending, row_upper)
        pending = [p for p, (lo, hi) in r.items() if hi - lo < threshold]
        before = s.state()
        for i, j in pending:  # once safe, a cell stays safe: hiding more only widens its range
            _hide_beside(s, i, j)
        if s.state() == before:
            # nothing left to hide: what still narrows these cells is published elsewhere (a
            # comuna's attendances below the threshold), not by this table
            s.unprotectable = pending
            break
    return s


def _lines_of_one(s: Suppression) -> None:
    """A quick first pass (the classic rule): no row or column with a primary cell keeps it as
    its only hidden cell. The linear programs then only check, and add what is still missing."""
    changed = True
    while changed:
        changed = False
        for i, j in zip(*np.nonzero(s.primary)):
            hidden = s.hidden
            if hidden[i].sum() < 2 or hidden[:, j].sum() < 2:
                before = (s.secondary.sum(), s.row_total_hidden.sum(), s.col_total_hidden.sum())
                _hide_beside(s, i, j, row_only=hidden[i].sum() < 2)
                changed |= before != (s.secondary.sum(), s.row_total_hidden.sum(), s.col_total_hidden.sum())


def _hide_beside(s: Suppression, i: int, j: int, row_only: bool | None = None) -> None:
    """One more hidden cell or total for the primary cell (i, j): the smallest visible
    non-zero cell of its row or column; else its row total, its column total, the grand total."""
    hidden = s.hidden
    candidates = []
    if row_only is not False:
        candidates += [(s.values[i, k], i, k) for k in range(s.values.shape[1]) if not hidden[i, k] and s.values[i, k] > 0]
    if row_only is not True:
        candidates += [(s.values[k, j], k, j) for k in range(s.values.shape[0]) if not hidden[k, j] and s.values[k, j] > 0]
    if row_only is not None and not candidates:
        return  # the linear programs decide what else to hide
    if candidates:
        _, a, b = min(candidates)
        s.secondary[a, b] = True
    elif not s.row_total_hidden[i]:
        s.row_total_hidden[i] = True
    elif not s.col_total_hidden[j]:
        s.col_total_hidden[j] = True
    elif not s.grand_total_hidden:
        s.grand_total_hidden = True


def suppression_mask(table: pd.DataFrame, threshold: int | None = None) -> pd.DataFrame:
    """Boolean frame, True where a cell of the inner table (no margins) is hidden."""
    return pd.DataFrame(suppress(table, threshold).hidden, index=table.index, columns=table.columns)


def protect(table: pd.DataFrame, threshold: int | None = None, row_upper=None) -> pd.DataFrame:
    """The table with a `Total` row and column added and its cells protected.

    `table` holds the inner counts of distinct people (`people_table`); `row_upper` see
    `suppress`. Returns a new frame
    of objects: Python ints, ``"< {threshold}"`` for a primary cell, ``"reservado"`` for a
    secondary cell or a hidden total.
    """
    threshold = config.small_cell_threshold(threshold)
    counts = table.astype("int64")
    s = suppress(counts, threshold, row_upper)
    label = suppressed_label(threshold)
    cells = [[label if p else RESERVED if q else int(v) for v, p, q in zip(vals, ps, qs)]
             for vals, ps, qs in zip(counts.to_numpy(), s.primary, s.secondary)]
    out = pd.DataFrame(cells, index=counts.index, columns=counts.columns, dtype=object)
    row_totals = [RESERVED if h else int(v) for h, v in zip(s.row_total_hidden, counts.sum(axis=1))]
    col_totals = [RESERVED if h else int(v) for h, v in zip(s.col_total_hidden, counts.sum(axis=0))]
    grand = RESERVED if s.grand_total_hidden else int(counts.to_numpy().sum())
    out[_total_label(counts.columns)] = pd.Series(row_totals, index=counts.index, dtype=object)
    total_row = pd.DataFrame([col_totals + [grand]], index=[_total_label(counts.index)],
                             columns=out.columns, dtype=object)
    return pd.concat([out, total_row])


def aggregate(protected: pd.DataFrame, rows: dict | None = None, columns: dict | None = None) -> pd.DataFrame:
    """Another table of the same people from a `protect`-ed one, without new disclosure.

    `rows` / `columns` map each new row / column label to the inner labels it adds up (e.g. a
    province to its comunas, a sex to its age groups); omitted: kept as they are. A new cell is
    its exact sum when every cell in it is visible or when it is exactly one published total
    (a whole row, column or the table); otherwise ``"reservado"``.
    """
    inner = protected.drop(index=_total_label(protected.index)).drop(columns=_total_label(protected.columns))
    rows = rows or {r: [r] for r in inner.index}
    columns = columns or {c: [c] for c in inner.columns}
    all_rows, all_cols = set(inner.index), set(inner.columns)
    out = {}
    for name_c, cs in columns.items():
        col = {}
        for name_r, rs in rows.items():
            block = inner.loc[list(rs), list(cs)]
            vals = block.to_numpy().ravel()
            if all(isinstance(v, (int, np.integer)) for v in vals):
                col[name_r] = int(sum(vals))
            elif set(cs) == all_cols and len(rs) == 1:
                col[name_r] = protected.loc[rs[0], _total_label(protected.columns)]
            elif set(rs) == all_rows and len(cs) == 1:
                col[name_r] = protected.loc[_total_label(protected.index), cs[0]]
            elif set(rs) == all_rows and set(cs) == all_cols:
                col[name_r] = protected.iloc[-1, -1]
            else:
                col[name_r] = RESERVED
        out[name_c] = col
    return pd.DataFrame(out, dtype=object)[list(columns)].loc[list(rows)]


# ---------------------------------------------------------------------------
# free-text categories
# ---------------------------------------------------------------------------
OTHERS = "Otras"
MIN_ACTIVITIES_PER_CATEGORY = 3


def common_categories(values: pd.Series, keep: Sequence[str] = (), minimum: int = MIN_ACTIVITIES_PER_CATEGORY) -> pd.Series:
    """A free-text category per activity (`linea`, an organisation…) as it may be shown: a
    value found in fewer than `minimum` activities becomes `Otras` (a rare text is more often
    a person's name or a detail than a category). Values in `keep` always stay."""
    text = values.astype(object)
    counts = text.value_counts(dropna=True)
    rare = set(counts[counts < minimum].index) - set(keep)
    return text.where(~text.isin(rare), OTHERS)
