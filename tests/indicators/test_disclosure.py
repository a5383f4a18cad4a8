"""Disclosure control you can prove: people (not attendances) are counted, and an attacker's
linear program over everything published cannot narrow a `< 5` cell below the threshold.

The audit here is written apart from `disclosure.ranges`: it reads only the published table
(numbers, `< 5`, `reservado`), as an attacker would, and solves its own linear programs.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linprog

from pipeline import config
from pipeline.indicators import disclosure
from pipeline.indicators import annual as indicators
from pipeline import reference
from pipeline import schema
from pipeline.indicators import gender
from pipeline.report.workbook import PERSON_SHEETS, tables


def _table(rows):
    return pd.DataFrame(rows, index=[f"c{i}" for i in range(len(rows))],
                        columns=[f"g{j}" for j in range(len(rows[0]))])


# --------------------------------------------------------------------------- the attacker's audit

def attacker_ranges(published: pd.DataFrame, threshold: int,
                    row_upper: list | None = None) -> dict[tuple[int, int], tuple[float, float]]:
    """For each `< T` cell of a published table (inner cells, a `Total` column and row), the
    lowest and highest value consistent with everything shown: visible numbers and totals,
    `< T` = 1…T−1 (for the other cells), `reservado` = at least T (a hidden cell is never a
    zero) or any total, every cell ≥ 0; `row_upper`: another published bound of each row's
    people (the comuna's attendances)."""
    label = f"< {threshold}"
    inner = published.iloc[:-1, :-1].to_numpy(dtype=object)
    row_tot = published.iloc[:-1, -1].tolist()
    col_tot = published.iloc[-1, :-1].tolist()
    grand = published.iloc[-1, -1]
    unknown = [(i, j) for i, j in np.ndindex(inner.shape) if isinstance(inner[i, j], str)]
    var = {p: k for k, p in enumerate(unknown)}
    a_eq, b_eq = [], []

    def line(cells, total):
        if isinstance(total, str):
            return
        coef = np.zeros(len(unknown))
        known = 0
        for p in cells:
            if p in var:
                coef[var[p]] = 1
            else:
                known += inner[p]
        if coef.any():
            a_eq.append(coef)
            b_eq.append(total - known)

    for i in range(inner.shape[0]):
        line([(i, j) for j in range(inner.shape[1])], row_tot[i])
    for j in range(inner.shape[1]):
        line([(i, j) for i in range(inner.shape[0])], col_tot[j])
    line(list(np.ndindex(inner.shape)), grand)
    a_ub, b_ub = [], []
    for i, upper in enumerate(row_upper or []):
        coef = np.zeros(len(unknown))
        for j in range(inner.shape[1]):
            if (i, j) in var:
                coef[var[(i, j)]] = 1
        if coef.any():
            a_ub.append(coef)
            b_ub.append(upper - sum(v for v in inner[i] if not isinstance(v, str)))
    bounds = [(1, threshold - 1) if inner[p] == label else (threshold, None) for p in unknown]
    out = {}
    for p in unknown:
        if inner[p] != label:
            continue
        b = list(bounds)
        b[var[p]] = (0, None)
        c = np.zeros(len(unknown))
        c[var[p]] = 1
        kw = dict(A_eq=np.array(a_eq) if a_eq else None, b_eq=np.array(b_eq) if b_eq else None, bounds=b,
                  A_ub=np.array(a_ub) if a_ub else None, b_ub=np.array(b_ub) if b_ub else None, method="highs")
        lo, hi = linprog(c, **kw), linprog(-c, **kw)
        assert lo.status in (0, 3) and hi.status in (0, 3), "the published table must be consistent"
        out[p] = (lo.fun if lo.status == 0 else 0.0, -hi.fun if hi.status == 0 else float("inf"))
    return out


def narrowed(published: pd.DataFrame, threshold: int, true: np.ndarray | None = None,
             row_upper: list | None = None) -> list[tuple[int, int]]:
    """Primary cells whose derivable range is narrower than the threshold (places only)."""
    bad = []
    for (i, j), (lo, hi) in attacker_ranges(published, threshold, row_upper).items():
        if true is not None:
            assert lo - 1e-6 <= true[i, j] <= hi + 1e-6
        if hi - lo < threshold - 1e-6:
            bad.append((i, j))
    return bad


def _check(values, threshold=5, row_upper=None) -> pd.DataFrame:
    table = _table(values) if not isinstance(values, pd.DataFrame) else values
    out = disclosure.protect(table, threshold, row_upper=row_upper)
    true = table.to_numpy()
    inner = out.iloc[:-1, :-1].to_numpy(dtype=object)
    label = f"< {threshold}"
    small = (true > 0) & (true < threshold)
    assert ((inner == label) == small).all(), "exactly the small non-zero cells are labelled < T"
    assert all(v == t for v, t in zip(inner.ravel(), true.ravel()) if not isinstance(v, str))
    assert not ((inner == disclosure.RESERVED) & (true == 0)).any(), "a zero is never hidden"
    assert narrowed(out, threshold, true, row_upper) == [], "a primary cell can be narrowed below the threshold"
    return out


# --------------------------------------------------------------------------- the audit can fail

def test_audit_finds_a_cell_given_back_by_a_total():
    published = _table([[1, 20], [12, 8]]).astype(object)
    published.iloc[0, 0] = "< 5"
    published["Total"] = [21, 20]
    published.loc["Total"] = [13, 28, 41]
    assert narrowed(published, 5) == [(0, 0)]


def test_andacollo_example_beats_the_line_by_line_rule():
    """The rule the previous version used — every line with a hidden cell has two — leaves the
    boy from Andacollo (row 0) within 0 to 2: `B_y` is 1 to 4 and the rest follows from the
    column total and the other comunas' row totals. The linear programs see it."""
    values = np.array([[1, 6, 30], [6, 2, 40], [20, 20, 20]])
    published = pd.DataFrame(values, dtype=object)
    published.iloc[0, 0] = published.iloc[1, 1] = "< 5"
    published.iloc[0, 1] = published.iloc[1, 0] = disclosure.RESERVED
    published["Total"] = values.sum(axis=1)
    published.loc["Total"] = list(values.sum(axis=0)) + [values.sum()]
    assert (0, 0) in narrowed(published, 5)
    _check(values)  # the new protection hides enough


# --------------------------------------------------------------------------- protection

def test_hand_computed_example():
    out = _check([[10, 20, 1], [3, 8, 30], [0, 9, 40]])
    assert out.loc["c0", "g2"] == "< 5" and out.loc["c1", "g0"] == "< 5"
    assert out.loc["c2", "g0"] == 0 and out.loc["Total", "Total"] in (121, disclosure.RESERVED)


def test_zero_is_shown_and_large_table_untouched():
    out = disclosure.protect(_table([[0, 12], [7, 0]]), 5)
    assert out.loc["c0"].tolist() == [0, 12, 12]
    assert out.loc["c1"].tolist() == [7, 0, 7]


def test_tiny_comunas():
    # comunas with one, two, three people in all: their totals alone would give the cells back
    out = _check([[1, 0, 0, 0], [0, 2, 0, 0], [3, 0, 1, 0], [40, 30, 25, 60], [35, 22, 41, 18]])
    assert out.loc["c0", "Total"] == disclosure.RESERVED


def test_comuna_attendances_are_taken_into_account():
    """The comunas' attendances are published beside the table and bound each row's people:
    the protection takes them in, like the audit."""
    values = [[1, 3, 0], [2, 0, 2], [30, 20, 25], [12, 40, 9]]
    attendances = [9, 8, 90, 70]
    _check(values, row_upper=attendances)


def test_comuna_of_fewer_attendances_than_the_threshold_hides_all_it_can():
    """A comuna where one person attended twice: its attendances (2) are published by the
    contract, so no suppression in this table can widen its cell beyond 0–2; the table hides
    every figure of that row and says so (`unprotectable`), and the rest stays audited."""
    values = [[1, 0, 0], [0, 0, 2], [30, 20, 25], [12, 40, 9]]
    attendances = [2, 6, 90, 70]
    s = disclosure.suppress(_table(values), 5, attendances)
    assert s.unprotectable == [(0, 0)] and s.row_total_hidden[0]
    out = disclosure.protect(_table(values), 5, row_upper=attendances)
    assert narrowed(out, 5, np.array(values), attendances) == [(0, 0)]


def test_degenerate_table_hides_the_totals():
    out = _check([[1, 0], [0, 0]])
    assert out.loc["c0", "g0"] == "< 5" and out.loc["c0", "Total"] == disclosure.RESERVED


def test_threshold_changes_what_is_hidden():
    table = _table([[6, 20, 30], [7, 25, 35]])
    assert not disclosure.suppression_mask(table, 5).to_numpy().any()
    assert _check(table, 10).loc["c0", "g0"] == "< 10"


def test_argument_not_modified_and_negative_rejected():
    table = _table([[1, 20], [30, 40]])
    before = table.copy()
    disclosure.protect(table, 5)
    pd.testing.assert_frame_equal(table, before)
    with pytest.raises(ValueError, match="negativos"):
        disclosure.protect(_table([[-1, 2]]), 5)


_skewed = st.sampled_from([0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 8, 12, 30])


@settings(max_examples=60, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=_skewed), st.integers(2, 8))
def test_property_no_primary_cell_narrowed(values, threshold):
    _check(pd.DataFrame(values), threshold)


def test_aggregate_never_reveals_a_hidden_cell():
    values = np.array([[1, 6, 30, 12], [6, 2, 40, 9], [20, 20, 20, 3], [50, 40, 30, 20]])
    protected = _check(pd.DataFrame(values))
    by_province = disclosure.aggregate(protected, rows={"P1": [0, 1], "P2": [2, 3]})
    for name, rows in {"P1": [0, 1], "P2": [2, 3]}.items():
        for j in range(4):
            shown = by_province.loc[name, j]
            cells = protected.iloc[rows, j].tolist()
            if any(isinstance(v, str) for v in cells):
                assert shown == disclosure.RESERVED
            else:
                assert shown == sum(cells)
    whole_rows = disclosure.aggregate(protected, columns={"todas": [0, 1, 2, 3]})
    assert whole_rows["todas"].tolist() == protected["Total"].iloc[:-1].tolist()


# --------------------------------------------------------------------------- counting people

def _small_year():
    acts = pd.DataFrame({
        "clave_actividad": ["a1", "a2", "r1"] + [f"m{i}" for i in range(6)],
        "comuna": ["La Serena", "Ovalle", "Ovalle"] + ["Andacollo"] * 6,
        "forma": [schema.SHAPE_PERSONS, schema.SHAPE_PERSONS, schema.SHAPE_SUMMARY] + [schema.SHAPE_PERSONS] * 6,
        "mujeres": [0, 0, 4] + [0] * 6, "hombres": [0, 0, 6] + [0] * 6, "sexo_sin_informacion": [0, 0, 1] + [0] * 6,
    })
    asis = pd.DataFrame({
        "clave_actividad": ["a1"] * 12 + ["a2"] * 2 + [f"m{i}" for i in range(6)],
        # one woman of Andacollo attends six activities: one person
        "persona": [f"p{i}" for i in range(12)] + [None, "p99"] + ["una-vecina"] * 6,
        "sexo": ["Mujer"] * 10 + ["Hombre"] * 2 + ["Mujer", "Sin información"] + ["Mujer"] * 6,
        "edad": pd.array([30] * 10 + [70, None] + [10, 65] + [62] * 6, dtype="Int64"),
    })
    return acts, asis


def test_people_by_hand_one_woman_at_six_activities_is_one():
    acts, asis = _small_year()
    comunas = list(reference.comunas_region("Coquimbo")["comuna"])
    table = disclosure.people_table(asis, acts, ["comuna", "sexo"], index=comunas, columns=schema.SEXOS)
    assert list(table.index) == comunas
    assert table.loc["Andacollo", "Mujer"] == 1  # one woman at six activities: one person
    assert table.loc["La Serena", "Mujer"] == 10
    assert table.loc["Ovalle", "Mujer"] == 1 + 4  # no valid RUT: its own person; summary heads
    assert table.loc["Ovalle", "Hombre"] == 6  # summary heads
    data = gender.personas_por_comuna_sexo(acts, asis, comunas, 5)
    assert data["Andacollo"]["Mujer"] == "< 5"
    ages = disclosure.people_table(asis, acts, ["grupo", "sexo"], index=indicators.AGE_GROUPS, columns=schema.SEXOS)
    assert ages.loc["60 años y más", "Mujer"] == 1


def test_person_tables_in_json_and_workbook_are_protected():
    acts, asis = _small_year()
    comunas = list(reference.comunas_region("Coquimbo")["comuna"])
    table = disclosure.people_table(asis, acts, ["comuna", "sexo"], index=comunas, columns=schema.SEXOS)
    protected = disclosure.protect(table, 5)
    assert protected.loc["La Serena", "Hombre"] == "< 5"
    assert narrowed(protected, 5, table.to_numpy()) == []
    data = gender.personas_por_comuna_sexo(acts, asis, comunas, 5)
    sheet, first = PERSON_SHEETS["personas_por_comuna_sexo"]
    book = tables({**_minimal_ind(), "personas_por_comuna_sexo": data, "umbral_celdas_pequenas": 5})[sheet]
    row = book[book[first] == "La Serena"].iloc[0]
    assert row["Hombre"] == "< 5"
    assert "menos de 5" in book[first].iloc[-1] and "reservado" in book[first].iloc[-1]


def test_rare_free_text_categories_become_otras():
    acts = pd.DataFrame({"linea": ["Barrios"] * 3 + ["Ximena Albornoz"] + ["Vivienda"] * 4 + [None] * 1})
    assert indicators.actividades_por_linea(acts) == {"Vivienda": 4, "Barrios": 3, "Otras": 1, "Sin información": 1}


def _minimal_ind() -> dict:
    zero = {"Urbano": 0}
    return {
        "anio": 2017, "region_nombre_completo": "Región de Coquimbo", "asistencias": 0,
        "asistencias_anio_anterior": None, "variacion_asistencias_pct": None, "personas_unicas": None,
        "asistencias_sin_rut_valido": 0, "actividades": 0, "comunas_alcanzadas": 0, "comunas_region": 15,
        "mujeres": 0, "hombres": 0, "sexo_sin_informacion": 0, "pct_mujeres": None,
        "asistencias_por_comuna": {}, "actividades_por_comuna": {}, "asistencias_por_1000_habitantes": {},
        "actividades_por_provincia": zero, "actividades_por_zona": zero,
        "actividades_por_tipo_organizacion": zero, "actividades_por_tipo_actividad": zero,
        "actividades_por_linea": zero, "actividades_por_mes": zero,
        "calidad": {"filas_leidas": 0, "filas_validas": 0, "duplicados": 0, "cuarentena": 0,
                    "cuarentena_por_motivo": {}, "archivos_rechazados": []},
    }


def test_threshold_from_environment():
    code = "from pipeline import config; print(config.small_cell_threshold())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=config.PROJ_ROOT, env={**os.environ, "BALANCE_UMBRAL_CELDAS": "11"})
    assert out.stdout.strip() == "11"


def _published_frame(data: dict) -> pd.DataFrame:
    """A JSON person table back into a table (inner cells, `Total` column and row)."""
    frame = pd.DataFrame.from_dict(data, orient="index")
    return frame.loc[[c for c in frame.index if c != "Total"] + ["Total"]]


@pytest.mark.slow
def test_sample_json_passes_the_linear_programming_audit(sample_run):
    """Every person table the sample publishes: each has small cells hidden, and no hidden
    primary cell can be narrowed below the threshold from what is published."""
    ind = json.loads(sample_run.paths.indicadores_json.read_text(encoding="utf-8"))
    threshold = ind["umbral_celdas_pequenas"]
    comunas = _published_frame(ind["personas_por_comuna_sexo"])
    ages = _published_frame(ind["personas_por_grupo_etario_sexo"])
    cells = comunas.iloc[:-1, :-1].to_numpy(dtype=object).ravel()
    assert any(v == f"< {threshold}" for v in cells), "the sample has small cells: some must be hidden"
    for table in (comunas, ages):
        inner = table.iloc[:-1, :-1].to_numpy(dtype=object).ravel()
        assert all(isinstance(v, str) or v == 0 or v >= threshold for v in inner)
    attendances = [ind["asistencias_por_comuna"][c] for c in comunas.index[:-1]]
    assert narrowed(comunas, threshold, row_upper=attendances) == []
    assert narrowed(ages, threshold) == []
    assert "personas_por_comuna_sexo_grupo" not in ind  # no comuna × sex × age table linking the two


