"""Small-cell protection: hidden cells are < threshold and cannot be recovered from the totals."""
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

from pipeline import config
from pipeline.indicators import disclosure
from pipeline.indicators import annual as indicators
from pipeline import reference
from pipeline import schema
from pipeline.report.workbook import CROSS_TAB_SHEET, tables


def _table(rows):
    return pd.DataFrame(rows, index=[f"c{i}" for i in range(len(rows))],
                        columns=[f"g{j}" for j in range(len(rows[0]))])


def _recoverable(values: np.ndarray, hidden: np.ndarray) -> list[tuple[int, int]]:
    """Hidden non-zero cells an attacker deduces from the shown totals by elimination.

    Repeated until nothing changes: in a row or column with one unknown cell, that cell is
    total − known cells; in a line whose known cells already make the total, every unknown
    cell is 0 (no count is negative). Returns the small cells found this way.
    """
    known = ~hidden
    changed = True
    while changed:
        changed = False
        for vals, kn in ((values, known), (values.T, known.T)):
            for i in range(vals.shape[0]):
                unknown = np.flatnonzero(~kn[i])
                if unknown.size == 0:
                    continue
                rest = vals[i].sum() - vals[i][kn[i]].sum()
                if unknown.size == 1 or rest == 0:
                    kn[i, unknown] = True  # kn is a view of `known`
                    changed = True
    return [(int(i), int(j)) for i, j in zip(*np.nonzero(hidden & known & (values > 0)))]


def test_hand_computed_example():
    table = _table([[10, 20, 1], [3, 8, 30], [0, 9, 40]])
    out = disclosure.protect(table, 5)
    # primary: 1 and 3; then the smallest visible cell beside each one, lines revisited
    assert out.loc["c0"].tolist() == ["< 5", 20, "< 5", 31]
    assert out.loc["c1"].tolist() == ["< 5", "< 5", "< 5", 41]
    assert out.loc["c2"].tolist() == [0, "< 5", "< 5", 49]
    assert out.loc["Total"].tolist() == [13, 37, 71, 121]
    assert _recoverable(table.to_numpy(), disclosure.suppression_mask(table, 5).to_numpy()) == []


def test_audit_finds_a_lone_hidden_cell():
    # the audit itself can fail: primary suppression alone leaves the 1 recoverable
    values = np.array([[10, 20, 1], [12, 8, 30]])
    assert _recoverable(values, (values > 0) & (values < 5)) == [(0, 2)]
    # and hidden zeros alone in a line are given back as zeros, then the rest follows
    hidden = np.array([[True, True, False], [True, True, False]])
    assert _recoverable(np.array([[3, 0, 5], [0, 0, 7]]), hidden) == [(0, 0)]


def test_zero_is_shown_and_large_table_untouched():
    table = _table([[0, 12], [7, 0]])
    out = disclosure.protect(table, 5)
    assert out.loc["c0"].tolist() == [0, 12, 12]
    assert out.loc["c1"].tolist() == [7, 0, 7]


def test_lone_small_cell_in_a_row_of_zeros_hides_a_zero_too():
    # the comuna total (3) would give the cell back: a zero beside it is hidden as well
    table = _table([[3, 0, 0], [20, 30, 40], [25, 35, 45]])
    hidden = disclosure.suppression_mask(table, 5).to_numpy()
    assert hidden[0].sum() >= 2 and _recoverable(table.to_numpy(), hidden) == []


def test_threshold_changes_what_is_hidden():
    table = _table([[6, 20, 30], [7, 25, 35]])
    assert not disclosure.suppression_mask(table, 5).to_numpy().any()
    assert disclosure.protect(table, 10).loc["c0", "g0"] == "< 10"


def test_argument_not_modified_and_negative_rejected():
    table = _table([[1, 20], [30, 40]])
    before = table.copy()
    disclosure.protect(table, 5)
    pd.testing.assert_frame_equal(table, before)
    with pytest.raises(ValueError, match="negativos"):
        disclosure.protect(_table([[-1, 2]]), 5)


@settings(max_examples=200, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(2, 8), st.integers(2, 8)), elements=st.integers(0, 30) | st.just(0)),
       st.integers(2, 12))
def test_property_no_hidden_cell_recoverable(values, threshold):
    table = pd.DataFrame(values)
    mask, hidden_rows, hidden_cols = disclosure._suppress(table, threshold)
    hidden = mask.to_numpy()
    small = (values > 0) & (values < threshold)
    assert (hidden | ~small).all(), "every small non-zero cell is hidden"
    out = disclosure.protect(table, threshold)
    shown = out.iloc[:-1, :-1].to_numpy()
    assert all((v == f"< {threshold}") == h for v, h in zip(shown.ravel(), hidden.ravel()))
    if hidden_rows or hidden_cols:
        # degenerate table (a lone person and nothing beside it): that line's total is hidden
        assert (out.iloc[:-1, -1] == f"< {threshold}").sum() + (out.iloc[-1, :-1] == f"< {threshold}").sum() > 0
        return
    assert _recoverable(values, hidden) == []
    assert out.iloc[:-1, -1].tolist() == values.sum(axis=1).tolist()
    assert out.iloc[-1, :-1].tolist() == values.sum(axis=0).tolist()


def test_degenerate_table_hides_the_total():
    out = disclosure.protect(_table([[1, 0], [0, 0]]), 5)
    assert out.loc["c0"].tolist() == ["< 5", 0, "< 5"]


def _small_year():
    acts = pd.DataFrame({
        "clave_actividad": ["a1", "a2", "r1"],
        "comuna": ["La Serena", "Ovalle", "Ovalle"],
        "forma": [schema.SHAPE_PERSONS, schema.SHAPE_PERSONS, schema.SHAPE_SUMMARY],
        "mujeres": [0, 0, 4], "hombres": [0, 0, 6], "sexo_sin_informacion": [0, 0, 1],
    })
    asis = pd.DataFrame({
        "clave_actividad": ["a1"] * 12 + ["a2"] * 2,
        "sexo": ["Mujer"] * 10 + ["Hombre"] * 2 + ["Mujer", "Sin información"],
        "edad": pd.array([30] * 10 + [70, None] + [10, 65], dtype="Int64"),
    })
    return acts, asis


def test_cross_tab_by_hand():
    acts, asis = _small_year()
    comunas = reference.comunas_region("Coquimbo")
    table = indicators.asistencias_por_comuna_sexo_edad(acts, asis, comunas)
    assert list(table.index) == list(comunas["comuna"])
    assert table.loc["La Serena", ("Mujer", "18 a 59 años")] == 10
    assert table.loc["La Serena", ("Hombre", "60 años y más")] == 1
    assert table.loc["La Serena", ("Hombre", "Sin información")] == 1
    assert table.loc["Ovalle", ("Mujer", "0 a 17 años")] == 1
    assert table.loc["Ovalle", ("Sin información", "60 años y más")] == 1
    # summary head counts: by sex, age unknown
    assert table.loc["Ovalle", ("Hombre", "Sin información")] == 6
    assert table.loc["Ovalle", ("Mujer", "Sin información")] == 4
    assert table.sum(axis=1).loc[["La Serena", "Ovalle", "Coquimbo"]].tolist() == [12, 13, 0]


def test_cross_tab_in_json_and_workbook_is_protected():
    acts, asis = _small_year()
    table = indicators.asistencias_por_comuna_sexo_edad(acts, asis, reference.comunas_region("Coquimbo"))
    data = indicators.cross_tab_json(disclosure.protect(table, 5))
    assert data["La Serena"]["Mujer"]["18 a 59 años"] == 10
    assert data["La Serena"]["Hombre"]["60 años y más"] == "< 5"
    assert data["La Serena"]["Total"] == 12 and data["Total"]["Total"] == 25
    assert data["Coquimbo"]["Total"] == 0
    assert all(v == 0 for s, g in data["Coquimbo"].items() if s != "Total" for v in g.values())
    sheet = tables({**_minimal_ind(), "asistencias_por_comuna_sexo_grupo": data,
                    "umbral_celdas_pequenas": 5})[CROSS_TAB_SHEET]
    row = sheet[sheet["Comuna"] == "La Serena"].iloc[0]
    assert row["Mujer, 18 a 59 años"] == 10 and row["Hombre, 60 años y más"] == "< 5" and row["Total"] == 12
    assert "menos de 5" in sheet["Comuna"].iloc[-1]


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


@pytest.mark.slow
def test_sample_json_has_protected_cross_tab(sample_run):
    ind = json.loads(sample_run.paths.indicadores_json.read_text(encoding="utf-8"))
    data = ind["asistencias_por_comuna_sexo_grupo"]
    threshold = ind["umbral_celdas_pequenas"]
    label = f"< {threshold}"
    cells = [(c, s, g, v) for c, rec in data.items() if c != "Total"
             for s, groups in rec.items() if s != "Total" for g, v in groups.items()]
    assert any(v == label for *_, v in cells), "the sample has small cells: some must be hidden"
    assert all(v == label or v == 0 or v >= threshold for *_, v in cells)
    # row totals are the published comuna totals
    assert {c: rec["Total"] for c, rec in data.items() if c != "Total"} == ind["asistencias_por_comuna"]
    assert data["Total"]["Total"] == ind["asistencias"]
