"""The memory budget of a run is enforced: per-file limits, and the year's limits on rows and
bytes. A file that would take the year over one of them is rejected with that reason (file
named, what to do) and the rest of the year is cleaned; the accounting holds."""
from __future__ import annotations

import pytest

from tests.conftest import TEST_KEY
from pipeline import config
from pipeline.clean.year import clean_year
from pipeline.ingest import limits, read
from pipeline.report import quality

HEADER = "fecha;comuna;actividad;nombre;rut;sexo;edad\n"
PEOPLE = [("Ana Soto", "12.345.678-5"), ("Luis Rojas", "7.654.321-6"), ("Rosa Díaz", "11.111.111-1"),
          ("Pedro Vera", "10.000.013-2"), ("Elena Araya", "15.555.444-0")]


def log(path, n: int, activity: str) -> None:
    rows = [f"10/07/2017;Coquimbo;{activity};{name};{rut};F;40" for name, rut in PEOPLE[:n]]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture
def paths(tmp_path, monkeypatch):
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    raw = tmp_path / "raw" / "2017"
    raw.mkdir(parents=True)
    log(raw / "a.csv", 3, "Feria uno")
    log(raw / "b.csv", 5, "Feria dos")   # would take the year over 6 rows
    log(raw / "c.csv", 2, "Feria tres")  # still fits after b is left out
    return config.paths(2017, raw_dir=tmp_path / "raw", processed_dir=tmp_path / "proc", out_dir=tmp_path / "out")


def accounting_holds(q: dict) -> None:
    for r in q["por_archivo"]:
        assert r["filas_leidas"] == r["filas_validas"] + r["duplicados"] + r["cuarentena"], r
    assert q["filas_leidas"] == q["filas_validas"] + q["duplicados"] + q["cuarentena"]


def test_file_over_the_year_row_limit_is_rejected_and_the_rest_cleaned(paths, monkeypatch):
    monkeypatch.setattr(limits, "MAX_YEAR_ROWS", 6)
    result = clean_year(paths, "Coquimbo")
    q = result.calidad
    [r] = q["archivos_rechazados"]
    assert (r["archivo"], r["hoja"], r["codigo"]) == ("b.csv", "", "anio_demasiado_grande")
    assert "Con este archivo (5 filas) el año pasaría de 6 filas de datos" in r["motivo"]
    assert "ya suman 3 filas" in r["motivo"] and "Revise que la carpeta del año" in r["motivo"]
    assert [x["archivo"] for x in q["por_archivo"]] == ["a.csv", "c.csv"]
    assert (q["filas_leidas"], q["filas_validas"], len(result.asistencias)) == (5, 5, 5)
    assert sorted(result.actividades["actividad"]) == ["Feria tres", "Feria uno"]
    accounting_holds(q)
    todo = quality.todo(q)
    [line] = todo[todo["Archivo"] == "b.csv"]["Qué pasa y qué hacer"]
    assert line.startswith("No se leyó: Con este archivo (5 filas)")


def test_without_the_limit_every_file_is_cleaned(paths):
    q = clean_year(paths, "Coquimbo").calidad
    assert not q["archivos_rechazados"] and q["filas_validas"] == 10


def test_file_over_the_year_byte_limit_is_rejected_unread(paths, monkeypatch):
    sizes = {p.name: p.stat().st_size for p in paths.raw.iterdir()}
    monkeypatch.setattr(limits, "MAX_YEAR_BYTES", sizes["a.csv"] + sizes["c.csv"])
    opened = []
    real = read.read_file
    monkeypatch.setattr(read, "read_file", lambda path, file=None: opened.append(file) or real(path, file))
    q = clean_year(paths, "Coquimbo").calidad
    assert opened == ["a.csv", "c.csv"]  # b.csv is never opened
    [r] = q["archivos_rechazados"]
    assert (r["archivo"], r["codigo"]) == ("b.csv", "anio_demasiado_grande")
    assert f"el año pasaría de {-(-(sizes['a.csv'] + sizes['c.csv']) // 1024)} KB de archivos" in r["motivo"]
    assert q["filas_validas"] == 5
    accounting_holds(q)


def test_first_file_over_the_year_alone_leaves_the_rest(paths, monkeypatch):
    monkeypatch.setattr(limits, "MAX_YEAR_ROWS", 4)
    (paths.raw / "a.csv").unlink()
    q = clean_year(paths, "Coquimbo").calidad
    [r] = q["archivos_rechazados"]
    assert r["archivo"] == "b.csv" and "ya suman" not in r["motivo"]
    assert [x["archivo"] for x in q["por_archivo"]] == ["c.csv"] and q["filas_validas"] == 2
    accounting_holds(q)


def test_csv_over_the_file_limits_is_rejected_with_what_to_do(paths, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CSV_ROWS", 4)
    q = clean_year(paths, "Coquimbo").calidad
    [r] = q["archivos_rechazados"]
    assert (r["archivo"], r["codigo"]) == ("b.csv", "archivo_demasiado_grande")
    assert "tiene 5 filas (máximo 4 por archivo CSV)" in r["motivo"] and "Divida el archivo" in r["motivo"]
    assert q["filas_validas"] == 5


def test_malformed_csv_over_the_lenient_limit_is_rejected(paths, monkeypatch):
    """A CSV with a shifted row is read row by row by Python: bounded by its own limit."""
    with open(paths.raw / "b.csv", "a", encoding="utf-8") as fh:
        fh.write("10/07/2017;Coquimbo;Feria dos;Otra Persona;;F;40;sobra\n")
    monkeypatch.setattr(limits, "MAX_LENIENT_CSV_BYTES", 100)
    q = clean_year(paths, "Coquimbo").calidad
    [r] = q["archivos_rechazados"]
    assert (r["archivo"], r["codigo"]) == ("b.csv", "archivo_demasiado_grande")
    assert "más o menos celdas que el encabezado" in r["motivo"]
    assert q["filas_validas"] == 5
    monkeypatch.setattr(limits, "MAX_LENIENT_CSV_BYTES", 1 << 20)  # under it: the shifted row is quarantined
    q = clean_year(paths, "Coquimbo").calidad
    assert not q["archivos_rechazados"] and q["cuarentena_por_motivo"]["columnas_desplazadas"] == 1
    accounting_holds(q)


def test_xlsx_counts_by_its_inflated_size(paths, monkeypatch):
    import openpyxl

    from pipeline.ingest.xlsx_files import inflated_size

    for p in paths.raw.iterdir():
        p.unlink()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Fecha", "Comuna", "Actividad", "Nombre", "RUT", "Sexo"])
    ws.append(["10/07/2017", "Coquimbo", "Feria", "Ana Soto", "12.345.678-5", "F"])
    wb.save(paths.raw / "lista.xlsx")
    log(paths.raw / "z.csv", 2, "Feria tres")
    on_disk, inflated = (paths.raw / "lista.xlsx").stat().st_size, inflated_size(paths.raw / "lista.xlsx")
    assert inflated > on_disk
    monkeypatch.setattr(limits, "MAX_YEAR_BYTES", (on_disk + inflated) // 2)
    q = clean_year(paths, "Coquimbo").calidad
    # over the whole year's limit on its own: the file is too big, not the year
    assert [(r["archivo"], r["codigo"]) for r in q["archivos_rechazados"]] == [("lista.xlsx", "archivo_demasiado_grande")]
    assert "descomprimido, más que el máximo de todo un año" in q["archivos_rechazados"][0]["motivo"]
    assert q["filas_validas"] == 2


def test_one_file_bigger_than_the_whole_year_limit_is_too_big_itself(paths, monkeypatch):
    sizes = {p.name: p.stat().st_size for p in paths.raw.iterdir()}
    monkeypatch.setattr(limits, "MAX_YEAR_BYTES", sizes["b.csv"] - 1)
    q = clean_year(paths, "Coquimbo").calidad
    codes = {r["archivo"]: r["codigo"] for r in q["archivos_rechazados"]}
    assert codes["b.csv"] == "archivo_demasiado_grande"
    assert "Divida el archivo" in next(r["motivo"] for r in q["archivos_rechazados"] if r["archivo"] == "b.csv")
    accounting_holds(q)


def test_file_over_the_year_distinct_text_limit_is_rejected(paths, monkeypatch):
    """A column with a different long text in every row costs memory rows do not show."""
    rows = [f"10/07/2017;Coquimbo;Feria {i} {'x' * 200};Persona {i};;F;40" for i in range(5)]
    (paths.raw / "b.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setattr(limits, "MAX_YEAR_TEXT_BYTES", 600)
    q = clean_year(paths, "Coquimbo").calidad
    [r] = q["archivos_rechazados"]
    assert (r["archivo"], r["codigo"]) == ("b.csv", "anio_demasiado_grande")
    assert "textos distintos, 2 KB) el año pasaría de" in r["motivo"] and "un texto distinto en cada fila" in r["motivo"]
    assert [x["archivo"] for x in q["por_archivo"]] == ["a.csv", "c.csv"] and q["filas_validas"] == 5
    accounting_holds(q)


def test_file_over_the_year_count_of_distinct_texts_is_rejected(paths, monkeypatch):
    monkeypatch.setattr(limits, "MAX_YEAR_DISTINCT_TEXTS", 8)  # a.csv holds 5 (fecha, comuna, actividad, sexo, edad)
    q = clean_year(paths, "Coquimbo").calidad
    assert [(r["archivo"], r["codigo"]) for r in q["archivos_rechazados"]] == [("b.csv", "anio_demasiado_grande"),
                                                                             ("c.csv", "anio_demasiado_grande")]
    assert "Con este archivo (5 textos distintos" in q["archivos_rechazados"][0]["motivo"]
    assert "ya suman 5 textos distintos" in q["archivos_rechazados"][0]["motivo"]
    assert q["filas_validas"] == 3
    accounting_holds(q)
