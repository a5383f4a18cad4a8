"""Indicators against values computed by hand on a tiny, fully known year."""
import pandas as pd
import pytest

from pipeline.indicators import annual
from pipeline import schema

ACT = pd.DataFrame(
    [
        # clave, fecha, tipo_actividad, linea, cut, comuna, cut_prov, provincia, zona, tipo_org, forma, M, H, S
        ("a1", "2017-03-10", "Jornada informativa", "Barrios", "04101", "La Serena", "041", "Elqui", "Urbano", "Comité de Vivienda", "personas", 3, 1, 0),
        ("a2", "2017-03-20", "Sesión COSOC", "Sin información", "04301", "Ovalle", "043", "Limarí", "Rural", "Junta de Vecinos", "personas", 1, 1, 1),
        ("a3", "2017-11-05", "Jornada informativa", "Barrios", "04101", "La Serena", "041", "Elqui", "Urbano", "Otras organizaciones", "resumen", 10, 5, 5),
    ],
    columns=["clave_actividad", "fecha", "tipo_actividad", "linea", "cut_comuna", "comuna", "cut_provincia",
             "provincia", "zona", "tipo_organizacion", "forma", "mujeres", "hombres", "sexo_sin_informacion"],
).assign(fecha=lambda f: pd.to_datetime(f["fecha"]))
ACT["asistencias"] = ACT["mujeres"] + ACT["hombres"] + ACT["sexo_sin_informacion"]

ASIS = pd.DataFrame(
    {
        "clave_actividad": ["a1"] * 4 + ["a2"] * 3,
        "persona": ["p1", "p2", None, "p3", "p1", None, "p4"],
        "sexo": ["Mujer", "Mujer", "Mujer", "Hombre", "Mujer", "Hombre", "Sin información"],
        "edad": pd.array([12, 30, None, 64, 30, None, 17], dtype="Int64"),
    }
)
CALIDAD = {
    "filas_leidas": 9, "filas_validas": 8, "duplicados": 1, "cuarentena": 0, "cuarentena_por_motivo": {},
    "comunas_corregidas": {}, "archivos_rechazados": [], "hojas_omitidas": [],
}


@pytest.fixture(scope="module")
def ind():
    prev = annual.compute(ACT.iloc[:1], ASIS.iloc[:4], CALIDAD, 2016, "Coquimbo")
    return annual.compute(ACT, ASIS, CALIDAD, 2017, "04", previous=prev)


def test_reach_and_sex(ind):
    assert ind["region"] == "Coquimbo" and ind["anio"] == 2017
    assert ind["asistencias"] == 27
    assert (ind["mujeres"], ind["hombres"], ind["sexo_sin_informacion"]) == (14, 7, 6)
    assert ind["pct_mujeres"] == round(14 / 27 * 100, 2) == 51.85
    assert ind["actividades"] == 3
    assert ind["comunas_alcanzadas"] == 2 and ind["comunas_region"] == 15


def test_previous_year_and_change(ind):
    assert ind["asistencias_anio_anterior"] == 4
    assert ind["variacion_asistencias_pct"] == 575.0
    assert ind["anio_anterior"]["anio"] == 2016
    assert ind["anio_anterior"]["actividades_por_tipo_organizacion"]["Comité de Vivienda"] == 1


def test_no_previous_year_gives_nulls():
    out = annual.compute(ACT, ASIS, CALIDAD, 2017, "Coquimbo")
    assert out["asistencias_anio_anterior"] is None
    assert out["variacion_asistencias_pct"] is None
    assert out["anio_anterior"] is None


def test_persons(ind):
    assert ind["personas_unicas"] == 4
    assert ind["asistencias_sin_rut_valido"] == 2


def test_every_comuna_and_province_listed_with_zeros(ind):
    assert len(ind["asistencias_por_comuna"]) == 15
    assert ind["asistencias_por_comuna"]["La Serena"] == 24
    assert ind["asistencias_por_comuna"]["Río Hurtado"] == 0
    assert ind["actividades_por_comuna"]["Ovalle"] == 1
    assert ind["actividades_por_provincia"] == {"Elqui": 2, "Choapa": 0, "Limarí": 1}
    # 24 attendances / 221,054 inhabitants × 1000
    assert ind["asistencias_por_1000_habitantes"]["La Serena"] == round(24 / 221054 * 1000, 2)


def test_categories(ind):
    assert ind["actividades_por_zona"] == {"Urbano": 2, "Rural": 1, "Sin información": 0}
    assert ind["actividades_por_tipo_organizacion"] == {
        "Comité de Vivienda": 1, "Junta de Vecinos": 1, "Otras organizaciones": 1, "Sin información": 0,
    }
    assert ind["actividades_por_tipo_actividad"]["Jornada informativa"] == 2
    assert ind["actividades_por_tipo_actividad"]["Cuenta pública"] == 0
    assert list(ind["actividades_por_tipo_actividad"]) == schema.TIPOS_ACTIVIDAD
    # a line of fewer than 3 activities is grouped as Otras (free text may hold a name)
    assert ind["actividades_por_linea"] == {"Otras": 2, "Sin información": 1}
    assert ind["actividades_por_mes"]["03"] == 2 and ind["actividades_por_mes"]["11"] == 1
    assert sum(ind["actividades_por_mes"].values()) == 3 and len(ind["actividades_por_mes"]) == 12
    assert ind["forma_registro"] == "mixta"


def test_age_groups(ind):
    assert ind["asistencias_por_grupo_etario"] == {
        "0 a 17 años": 2, "18 a 59 años": 2, "60 años y más": 1, "Sin información": 2,
    }


def test_summaries_only_year_has_null_persons_and_ages():
    summaries = ACT.iloc[2:]
    empty = ASIS.iloc[0:0]
    out = annual.compute(summaries, empty, CALIDAD, 2016, "Coquimbo")
    assert out["personas_unicas"] is None
    assert out["asistencias_por_grupo_etario"] is None
    assert out["forma_registro"] == "resumen"
    assert out["asistencias"] == 20


def test_contract_keys_present(ind):
    contract = [
        "anio", "region", "asistencias", "asistencias_anio_anterior", "variacion_asistencias_pct",
        "personas_unicas", "asistencias_sin_rut_valido", "actividades", "comunas_alcanzadas",
        "comunas_region", "mujeres", "hombres", "sexo_sin_informacion", "pct_mujeres",
        "actividades_por_provincia", "actividades_por_zona", "actividades_por_tipo_organizacion",
        "actividades_por_tipo_actividad", "asistencias_por_comuna", "actividades_por_comuna", "calidad",
    ]
    assert [k for k in contract if k not in ind] == []
    assert set(ind["calidad"]) == {
        "filas_leidas", "filas_validas", "duplicados", "cuarentena", "cuarentena_por_motivo",
        "comunas_corregidas", "archivos_rechazados", "hojas_omitidas",
    }
