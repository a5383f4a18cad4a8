"""Activity-level values of each row (clean/activities.py): the first quarantine reason in
the order of data contract §4, the activity key, the display forms, and summary head counts."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline import schema
from pipeline.clean import comunas
from pipeline.clean.activities import activity_labels, activity_values, summary_counts
from pipeline.ingest.sheets import FILA, SHIFTED


def raw_rows(rows: list[dict], own: list[str] = schema.PERSON_COLUMNS) -> pd.DataFrame:
    """Rows as `clean.year` hands them over: every canonical column present, categorical text."""
    data = {c: pd.Series([r.get(c) for r in rows], dtype="str").astype("category")
            for c in schema.ACTIVITY_COLUMNS + own}
    data[FILA] = pd.Series(range(2, 2 + len(rows)), dtype="int64")
    data["_sheet"] = pd.Series([0] * len(rows), dtype="int64")
    data[SHIFTED] = pd.Series([bool(r.get("shifted")) for r in rows], dtype=bool)
    return pd.DataFrame(data)


@pytest.fixture(scope="module")
def matcher():
    return comunas.comuna_matcher("Coquimbo")


def test_each_row_gets_its_first_reason_in_contract_order(matcher):
    raw = raw_rows([
        {"fecha": "05/03/2017", "comuna": "La Serena", "actividad": "Taller"},
        {"fecha": "", "comuna": "Ovalle", "actividad": "X"},
        {"fecha": "31/02/2017", "comuna": "Ovalle", "actividad": "X"},
        {"fecha": "01/01/2018", "comuna": "Ovalle", "actividad": "X"},
        {"fecha": "01/02/2017", "comuna": "Gotham", "actividad": "X"},
        {"fecha": "01/02/2017", "comuna": "Ovalle"},
        # a shifted row: none of its cells is trusted, whatever else is wrong with it
        {"fecha": "", "comuna": "Gotham", "shifted": True},
        # a missing date comes before an unknown comuna and a missing title
        {"fecha": "", "comuna": "Gotham"},
    ])
    out = activity_values(raw, 2017, matcher)
    assert [None if pd.isna(m) else m for m in out["motivo"]] == [
        None, "fecha_faltante", "fecha_invalida", "fecha_fuera_de_anio", "comuna_desconocida",
        "actividad_faltante", "columnas_desplazadas", "fecha_faltante"]
    assert out["cut_comuna"].tolist()[:2] == ["04101", "04301"]
    assert out["estado_comuna"].tolist()[4] == comunas.STATUS_UNKNOWN
    assert out[FILA].tolist() == list(range(2, 10)) and out.index.equals(raw.index)


def test_a_cell_over_the_length_limit_quarantines_its_row(matcher):
    raw = raw_rows([{"fecha": "05/03/2017", "comuna": "Ovalle", "actividad": "x" * 100_000},
                    {"fecha": "05/03/2017", "comuna": "Ovalle", "actividad": "Taller"}])
    out = activity_values(raw, 2017, matcher)
    assert out["motivo"].iloc[0] == "celda_demasiado_larga" and pd.isna(out["motivo"].iloc[1])


def test_activity_key_is_date_comuna_and_folded_title_or_the_typed_id(matcher):
    raw = raw_rows([
        {"fecha": "05/03/2017", "comuna": "La Serena", "actividad": "Taller  de Huertos"},
        {"fecha": "2017-03-05", "comuna": "la serena", "actividad": "taller de huertos"},
        {"fecha": "06/03/2017", "comuna": "La Serena", "actividad": "Taller de Huertos"},
        {"fecha": "05/03/2017", "comuna": "La Serena", "actividad": "Taller", "id_actividad": "AB-12"},
        {"fecha": "07/03/2017", "comuna": "Ovalle", "actividad": "Otro", "id_actividad": "ab 12"},
    ])
    keys = activity_values(raw, 2017, matcher)["clave_actividad"].astype(str).tolist()
    assert keys[0] == keys[1] == "2017-03-05|04101|taller de huertos"  # same activity typed twice
    assert keys[2] == "2017-03-06|04101|taller de huertos"              # another day, another activity
    assert keys[3] == keys[4] == "id:ab 12"                             # a typed id wins over the rest


def test_labels_are_shown_with_spaces_collapsed_and_categories_recognised(matcher):
    raw = raw_rows([{"fecha": "05/03/2017", "comuna": "Ovalle", "actividad": " Junta   Vecinal ",
                     "linea": "Barrios", "zona": "rural", "organizacion": "  Junta de Vecinos  N°5 ",
                     "tipo_organizacion": "junta de vecinos", "modalidad": " Presencial "}])
    row = activity_labels(raw, activity_values(raw, 2017, matcher)).iloc[0]
    assert row["actividad"] == "Junta Vecinal"
    assert row["organizacion"] == "Junta de Vecinos N°5" and row["org_fold"] == "junta de vecinos n 5"
    assert (row["zona"], row["tipo_organizacion"], row["linea"]) == ("Rural", "Junta de Vecinos", "Barrios")
    assert row["modalidad"] == "Presencial"
    assert row["tipo_actividad"] == schema.SIN_INFORMACION  # left blank
    assert row["clave_actividad"] == "2017-03-05|04301|junta vecinal"  # the labels change no key


def test_summary_counts_the_total_wins_and_bad_counts_are_quarantined(matcher):
    day = {"fecha": "05/03/2017", "comuna": "Ovalle"}
    raw = raw_rows([
        {**day, "actividad": "A", "asistentes_mujeres": "3", "asistentes_hombres": "2", "total_asistentes": "7"},
        {**day, "actividad": "B", "asistentes_mujeres": "3", "asistentes_hombres": "2"},
        {**day, "actividad": "C", "asistentes_mujeres": "5", "asistentes_hombres": "4", "total_asistentes": "6"},
        {**day, "actividad": "D"},
        {**day, "actividad": "E", "asistentes_mujeres": "muchas"},
        {**day, "actividad": "F", "asistentes_mujeres": "x", "fecha": ""},  # an earlier reason stays first
    ], own=schema.SUMMARY_COUNT_COLUMNS)
    out = summary_counts(raw, activity_values(raw, 2017, matcher))
    assert [None if pd.isna(m) else m for m in out["motivo"]] == [
        None, None, "conteo_inconsistente", "conteo_invalido", "conteo_invalido", "fecha_faltante"]
    counts = ["mujeres", "hombres", "sexo_sin_informacion", "asistencias"]
    # the total holds women, men and, beyond them, attendees of unknown sex
    assert out.loc[0, counts].tolist() == [3, 2, 2, 7]
    # without a total, the total is the sum
    assert out.loc[1, counts].tolist() == [3, 2, 0, 5]
