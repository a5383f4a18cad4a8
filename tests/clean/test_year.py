"""Cleaning stage end to end on small real files, with every figure computed by hand."""
from __future__ import annotations

import datetime as dt
import json
import stat

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.clean.year import clean_folder, clean_sheets, clean_year
from pipeline.clean.quarantine import QUARANTINE_COLUMNS, check_accounting
from pipeline.errors import AccountingError, NoDataError
from pipeline import config
from pipeline.ingest.sheets import FILA, Reading, Sheet
from pipeline import schema
from tests.conftest import TEST_KEY, year_csv
from tests.ingest.test_read import write_xlsx

PERSONS = [
    "Lista de asistencia marzo",
    "Fecha;Comuna;Actividad;Tipo;Zona;Nombre;RUT;Sexo;Edad",
    "10/03/2017;La Serena;Taller Uno;Taller participativo;Urbano;Ana Pérez;12.345.678-5;F;30",        # 3 valid A
    "2017-03-10;la serena;taller  uno;taller participativo;U;Ana Perez;12345678-5;Mujer;30",          # 4 dup RUT
    "10/03/2017;La Serena;Taller Uno;Taller participativo;Rural;Luis Soto;;M;200",                    # 5 valid A
    "10/03/2017;La Serena;Taller Uno;Taller participativo;Urbano;LUIS  SOTO;11.111.111-2;Hombre;",   # 6 dup name
    "10/03/2017;La Serena;Taller Uno;Jornada informativa;Urbano;María Díaz;7.654.321-6;Otro;",        # 7 valid A
    "31/02/2017;Ovalle;Taller X;;;Eva;;F;",                                                          # 8 fecha_invalida
    "10/03/2016;Ovalle;Taller X;;;Eva;;F;",                                                          # 9 fuera de año
    ";Ovalle;Taller X;;;Eva;;F;",                                                                    # 10 fecha_faltante
    "11/03/2017;Santiago;Taller X;;;Eva;;F;",                                                        # 11 otra región
    "11/03/2017;Cokimbo;Taller Dos;;;Pedro;;M;x",                                                    # 12 valid B
    "11/03/2017;Gotham;Taller X;;;Eva;;F;",                                                          # 13 desconocida
    "11/03/2017;;Taller X;;;Eva;;F;",                                                                # 14 comuna_faltante
    "11/03/2017;Ovalle;;;;Eva;;F;",                                                                  # 15 actividad_faltante
    ";;;;;;;;",                                                                                      # 16 blank
    "12/03/2017;Ovalle;Taller Tres;;;" + "x" * (config.MAX_CELL_CHARS + 1) + ";;F;",                 # 17 celda larga
]

SUMMARY = [
    ["SERVIU Región de Coquimbo"],
    ["Resumen de actividades 2017"],
    [],
    ["Fecha", "Comuna", "Actividad", "Mujeres", "Hombres", "Total"],
    [dt.datetime(2017, 3, 10), "La Serena", "TALLER UNO", 5, 5, 10],   # 5 dup: person rows win
    [42815, "Vicuña", "Asamblea", 4, 3, None],                         # 6 valid C (total = 7)
    [dt.datetime(2017, 4, 1), "Paihuano", "Feria", 2, 1, 10],          # 7 valid D (7 sin información)
    [dt.datetime(2017, 4, 2), "Ovalle", "Mala", 5, 5, 8],              # 8 conteo_inconsistente
    [dt.datetime(2017, 4, 3), "Ovalle", "Peor", "muchos", 1, 2],       # 9 conteo_invalido
    [dt.datetime(2017, 4, 4), "Ovalle", "Vacía", None, None, None],    # 10 no head count: not a row read
    [42815, "Vicuña", "asamblea", 4, 3, 7],                            # 11 dup of row 6 (re-sent)
]


@pytest.fixture
def year(tmp_path, monkeypatch):
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    raw = tmp_path / "raw" / "2017"
    raw.mkdir(parents=True)
    (raw / "01_personas.csv").write_bytes("\r\n".join(PERSONS).encode("cp1252"))
    write_xlsx(raw / "02_resumen.xlsx", {"Instrucciones": [["Llene una fila por actividad"]], "Resumen": SUMMARY})
    (raw / "03_sin_comuna.csv").write_text("fecha,actividad,sexo\n01/01/2017,X,F\n", encoding="utf-8")
    (raw / "destacadas.csv").write_text("fecha,comuna,titulo\n", encoding="utf-8")
    paths = config.paths(2017, raw_dir=tmp_path / "raw", processed_dir=tmp_path / "proc", out_dir=tmp_path / "out")
    return paths


@pytest.fixture
def result(year):
    return clean_year(year, "Coquimbo")


def test_accounting_by_hand(result):
    q = result.calidad
    assert (q["filas_leidas"], q["filas_validas"], q["duplicados"], q["cuarentena"]) == (20, 6, 4, 10)
    keys = ["archivo", "hoja", "forma", "filas_leidas", "filas_validas", "duplicados", "cuarentena", "sin_asistente"]
    assert [{k: r[k] for k in keys} for r in q["por_archivo"]] == [
        {"archivo": "01_personas.csv", "hoja": "", "forma": "personas", "filas_leidas": 14, "filas_validas": 4,
         "duplicados": 2, "cuarentena": 8, "sin_asistente": 0},
        {"archivo": "02_resumen.xlsx", "hoja": "Resumen", "forma": "resumen", "filas_leidas": 6,
         "filas_validas": 2, "duplicados": 2, "cuarentena": 2, "sin_asistente": 1},
    ]
    assert q["sin_asistente"] == [{"archivo": "02_resumen.xlsx", "hoja": "Resumen", "n": 1, "filas": [10],
                                   "textos": [{"texto": "2017-04-04 | Ovalle | Vacía", "filas": [10]}]}]


def test_quarantine_reasons_and_rows(result):
    q = result.calidad
    expected = {m: 0 for m in schema.QUARANTINE_REASONS}
    expected.update(fecha_invalida=1, fecha_fuera_de_anio=1, fecha_faltante=1, comuna_de_otra_region=1,
                    comuna_desconocida=1, comuna_faltante=1, actividad_faltante=1, celda_demasiado_larga=1,
                    conteo_inconsistente=1, conteo_invalido=1)
    assert q["cuarentena_por_motivo"] == expected
    assert [(d["archivo"], d["fila"], d["motivo"]) for d in q["cuarentena_detalle"]] == [
        ("01_personas.csv", 8, "fecha_invalida"), ("01_personas.csv", 9, "fecha_fuera_de_anio"),
        ("01_personas.csv", 10, "fecha_faltante"), ("01_personas.csv", 11, "comuna_de_otra_region"),
        ("01_personas.csv", 13, "comuna_desconocida"), ("01_personas.csv", 14, "comuna_faltante"),
        ("01_personas.csv", 15, "actividad_faltante"), ("01_personas.csv", 17, "celda_demasiado_larga"),
        ("02_resumen.xlsx", 8, "conteo_inconsistente"), ("02_resumen.xlsx", 9, "conteo_invalido"),
    ]
    c = result.cuarentena
    assert list(c.columns) == QUARANTINE_COLUMNS
    assert c["fila"].tolist() == [8, 9, 10, 11, 13, 14, 15, 17, 8, 9]
    assert c.loc[3, "comuna"] == "Santiago"          # raw value kept for the analyst
    assert len(c.loc[7, "nombre"]) == config.MAX_CELL_CHARS  # huge cell cut


def test_other_quality_figures(result):
    q = result.calidad
    assert q["comunas_corregidas"] == {"Cokimbo": "Coquimbo"}
    [rechazo] = q["archivos_rechazados"]
    assert (rechazo["archivo"], rechazo["hoja"], rechazo["codigo"]) == ("03_sin_comuna.csv", "", "sin_columna_requerida")
    assert rechazo["motivo"].startswith("Falta la columna «comuna». Columnas encontradas: fecha, actividad, sexo. "
                                        "Nombres aceptados para «comuna»: comuna, comuna actividad")
    assert q["hojas_omitidas"] == [{"archivo": "02_resumen.xlsx", "hoja": "Instrucciones"}]
    assert q["rut_invalidos"] == 1      # row 6
    assert q["edades_invalidas"] == 2   # rows 5 (200) and 12 (x)
    assert q["columnas_desconocidas"] == []
    conflicts = {c["campo"]: c for c in q["conflictos_actividad"]}
    assert set(conflicts) == {"tipo_actividad", "zona"}
    assert conflicts["tipo_actividad"] == {"actividad": "Taller Uno", "campo": "tipo_actividad",
                                           "valores": {"Taller participativo": 2, "Jornada informativa": 1},
                                           "elegido": "Taller participativo"}
    assert conflicts["zona"]["valores"] == {"Urbano": 2, "Rural": 1}
    assert conflicts["zona"]["elegido"] == "Urbano"


def test_activities_by_hand(result):
    a = result.actividades
    assert list(a.columns) == schema.ACTIVIDADES_COLUMNS
    got = a[["fecha", "actividad", "comuna", "provincia", "forma", "mujeres", "hombres",
             "sexo_sin_informacion", "asistencias"]]
    expected = pd.DataFrame({
        "fecha": pd.to_datetime(["2017-03-10", "2017-03-11", "2017-03-21", "2017-04-01"]).astype("datetime64[s]"),
        "actividad": ["Taller Uno", "Taller Dos", "Asamblea", "Feria"],
        "comuna": ["La Serena", "Coquimbo", "Vicuña", "Paiguano"],
        "provincia": ["Elqui"] * 4,
        "forma": ["personas", "personas", "resumen", "resumen"],
        "mujeres": [1, 0, 4, 2], "hombres": [1, 1, 3, 1], "sexo_sin_informacion": [1, 0, 0, 7],
        "asistencias": [3, 1, 7, 10],
    }).astype({c: "str" for c in ["actividad", "comuna", "provincia", "forma"]})
    pd.testing.assert_frame_equal(got, expected)
    assert a["clave_actividad"].tolist()[0] == "2017-03-10|04101|taller uno"
    assert a.loc[0, "tipo_actividad"] == "Taller participativo" and a.loc[0, "zona"] == "Urbano"
    assert a.loc[0, "linea"] == "Sin información"


def test_asistencias_pseudonymised(result, year):
    s = result.asistencias
    assert list(s.columns) == schema.ASISTENCIAS_COLUMNS
    assert s["fila"].tolist() == [3, 5, 7, 12]
    assert s["sexo"].tolist() == ["Mujer", "Hombre", "Sin información", "Hombre"]
    assert s["edad"].tolist()[0] == 30 and s["edad"][1:].isna().all()
    assert s["persona"].notna().tolist() == [True, False, True, False]
    assert s["persona"].str.len().dropna().eq(32).all()
    files = b"".join(p.read_bytes() for p in year.processed.glob("*") if p.name != "cuarentena.csv")
    for secret in (b"12345678", b"12.345.678", b"Ana", b"Luis", b"7654321", b"Mar\xc3\xada"):
        assert secret not in files


def test_written_files(result, year):
    proc = year.processed
    assert sorted(p.name for p in proc.iterdir()) == ["actividades.parquet", "asistencias.parquet",
                                                      "calidad.json", "cuarentena.csv", "nombres.huellas"]
    for person_rows in ("cuarentena.csv", "asistencias.parquet", "nombres.huellas"):
        assert stat.S_IMODE((proc / person_rows).stat().st_mode) == 0o600, person_rows
    assert json.loads((proc / "calidad.json").read_text(encoding="utf-8")) == result.calidad
    back = pd.read_parquet(proc / "actividades.parquet")
    assert list(back.columns) == schema.ACTIVIDADES_COLUMNS and len(back) == 4
    assert list(pd.read_parquet(proc / "asistencias.parquet").columns) == schema.ASISTENCIAS_COLUMNS
    assert len(pd.read_csv(proc / "cuarentena.csv", dtype=str, sep=";", encoding="utf-8-sig")) == 10
    assert (year.raw / "01_personas.csv").read_bytes() == "\r\n".join(PERSONS).encode("cp1252")  # raw untouched


def test_id_actividad_groups_rows_and_majority_picks_fecha(tmp_path, monkeypatch):
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    raw = year_csv(tmp_path, "a.csv",
                   "Código actividad,fecha,comuna,actividad,sexo,rut\n"
                   "A-1,01/05/2017,Ovalle,Reunión,F,1-9\n"
                   "a 1,01/05/2017,Ovalle,Reunión,M,14-0\n"
                   "A-1,02/05/2017,Ovalle,Reunion,M,\n")
    r = clean_folder(raw, 2017, "Coquimbo")
    assert len(r.actividades) == 1
    row = r.actividades.iloc[0]
    assert (row["clave_actividad"], row["id_actividad"], row["asistencias"]) == ("id:a 1", "A-1", 3)
    assert row["fecha"] == pd.Timestamp("2017-05-01")
    assert [(c["campo"], c["valores"], c["elegido"]) for c in r.calidad["conflictos_actividad"]] == [
        ("fecha", {"2017-05-01": 2, "2017-05-02": 1}, "2017-05-01")]


def test_no_logs_raises_sin_datos(tmp_path):
    (tmp_path / "2017").mkdir()
    (tmp_path / "2017" / "destacadas.csv").write_text("x\n")
    with pytest.raises(NoDataError, match="2017"):
        clean_folder(tmp_path / "2017", 2017, "Coquimbo")
    with pytest.raises(NoDataError):
        clean_folder(tmp_path / "no-existe", 2017, "Coquimbo")


def test_every_file_rejected_raises_sin_datos(tmp_path):
    (tmp_path / "malo.csv").write_bytes(b"\x00\x01\x02")
    (tmp_path / "malo.xlsx").write_bytes(b"PK nada")
    with pytest.raises(NoDataError, match="2 archivo"):
        clean_folder(tmp_path, 2017, "Coquimbo")


def test_accounting_mismatch_is_detected():
    calidad = {"por_archivo": [{"archivo": "a", "hoja": "", "forma": "personas", "filas_leidas": 3,
                                "filas_validas": 1, "duplicados": 1, "cuarentena": 0}],
               "filas_leidas": 3, "filas_validas": 1, "duplicados": 1, "cuarentena": 0,
               "cuarentena_detalle": [], "cuarentena_por_motivo": {}}
    with pytest.raises(AccountingError):
        check_accounting(calidad, pd.DataFrame(), pd.DataFrame({"forma": []}), 0)


# --- property: no row is ever lost without being counted ----------------------------
_FECHAS = ["01/03/2017", "2017-03-01", "42800", "31/02/2017", "", "01/01/2016", "x"]
_COMUNAS = ["Ovalle", "La Serana", "Santiago", "", "Gotham", "Chillon", "Paihuano"]
_ACTS = ["Taller", "taller", "", "Otro"]
_RUTS = ["12.345.678-5", "12345678-5", "1-9", "1-8", "", "abc"]
_NOMBRES = ["Ana", "ana", "", "Luis"]
_SEXOS = ["F", "M", "", "x"]
_COUNTS = ["1", "0", "", "-1", "2.5", "x", "10"]


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    data = {c: pd.Series([r[i] or None for r in rows], dtype="str") for i, c in enumerate(columns)}
    data[FILA] = pd.Series(range(2, len(rows) + 2), dtype="int64")
    return pd.DataFrame(data)


# 20 examples of up to 25 + 15 rows drawn from these few values: every value and many repeats
# (duplicates, conflicts) appear in each run; each example is a whole cleaning (~0.1 s)
@pytest.mark.slow  # 20 random years, each cleaned: in make test, not in make test-rapido
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(*(st.sampled_from(v) for v in (_FECHAS, _COMUNAS, _ACTS, _RUTS, _NOMBRES, _SEXOS))),
             max_size=25),
    st.lists(st.tuples(*(st.sampled_from(v) for v in (_FECHAS, _COMUNAS, _ACTS, _COUNTS, _COUNTS, _COUNTS))),
             max_size=15),
)
def test_accounting_holds_for_random_rows(monkeypatch, person_rows, summary_rows):
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    sheets = [
        Sheet("p.csv", "", schema.SHAPE_PERSONS,
                    _frame(person_rows, ["fecha", "comuna", "actividad", "rut", "nombre", "sexo"])),
        Sheet("r.xlsx", "R", schema.SHAPE_SUMMARY,
                    _frame(summary_rows, ["fecha", "comuna", "actividad", "asistentes_mujeres",
                                          "asistentes_hombres", "total_asistentes"])),
    ]
    r = clean_sheets(Reading(sheets=sheets), 2017, "Coquimbo")  # checks accounting itself
    q = r.calidad
    assert q["filas_leidas"] == len(person_rows) + len(summary_rows)
    assert q["filas_leidas"] == q["filas_validas"] + q["duplicados"] + q["cuarentena"]
    assert len(r.asistencias) + (r.actividades["forma"] == "resumen").sum() == q["filas_validas"]
    assert len(r.cuarentena) == q["cuarentena"]
    assert r.actividades["asistencias"].sum() >= len(r.asistencias)


def test_head_counts_in_a_list_of_persons_are_reported_not_counted(tmp_path, monkeypatch):
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    raw = year_csv(tmp_path, "a.csv",
                   "fecha,comuna,actividad,sexo,rut,Mujeres,Total asistentes\n"
                   "01/05/2017,Ovalle,Reunión,F,1-9,40,90\n"
                   "01/05/2017,Ovalle,Reunión,M,14-0,40,90\n")
    r = clean_folder(raw, 2017, "Coquimbo")
    assert r.calidad["columnas_desconocidas"] == [{"archivo": "a.csv", "hoja": "", "columna": "Mujeres"},
                                                  {"archivo": "a.csv", "hoja": "", "columna": "Total asistentes"}]
    assert r.actividades[["mujeres", "hombres", "asistencias"]].values.tolist() == [[1, 1, 2]]


def test_failed_run_keeps_previous_files_and_leaves_no_temporary(year, monkeypatch):
    clean_year(year, "Coquimbo")
    before = {p.name: p.read_bytes() for p in year.processed.iterdir()}

    def broken(*args, **kwargs):
        raise AccountingError("forzado")

    monkeypatch.setattr("pipeline.clean.year.check_accounting", broken)
    with pytest.raises(AccountingError):
        clean_year(year, "Coquimbo")
    assert {p.name: p.read_bytes() for p in year.processed.iterdir()} == before
