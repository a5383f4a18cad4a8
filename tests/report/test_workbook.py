"""The workbook: one sheet per table, and no text cell can become a formula."""
import zipfile

import pytest
from openpyxl import load_workbook

from pipeline.report import workbook
from tests.indicators.test_annual import ACT, ASIS, CALIDAD
from pipeline.indicators import annual


@pytest.fixture()
def ind():
    out = annual.compute(ACT, ASIS, CALIDAD, 2017, "Coquimbo")
    # text that came from the sheets, hostile on purpose
    out["actividades_por_linea"] = {"=HYPERLINK(\"http://x\",\"clic\")": 2, "=cmd|' /C calc'!A0": 1,
                                     "+1+1": 1, "-2": 1, "@SUM(A1)": 1, "Barrios": 3}
    return out


def test_sheets_and_values(ind, tmp_path):
    path = workbook.write_workbook(ind, tmp_path / "indicadores.xlsx")
    wb = load_workbook(path)
    assert {"Resumen", "Comunas", "Provincias", "Zona", "Organizaciones", "Calidad"} <= set(wb.sheetnames)
    resumen = {r[0]: r[1] for r in wb["Resumen"].iter_rows(min_row=2, values_only=True)}
    assert resumen["Asistencias"] == 27
    assert resumen["Mujeres (%)"] == 51.85
    comunas = list(wb["Comunas"].iter_rows(min_row=2, values_only=True))
    assert len(comunas) == 15 and comunas[0][:3] == ("La Serena", 2, 24)


def test_formula_injection_neutralised(ind, tmp_path):
    path = workbook.write_workbook(ind, tmp_path / "indicadores.xlsx")
    ws = load_workbook(path)["Líneas de trabajo"]
    cells = {c.value: c for c in ws["A"][1:]}
    for text in ["=HYPERLINK(\"http://x\",\"clic\")", "=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1)"]:
        assert cells[text].data_type == "s", text
        assert cells[text].quotePrefix
    with zipfile.ZipFile(path) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml  # no formula element anywhere


def test_previous_year_beside(tmp_path):
    prev = annual.compute(ACT.iloc[:1], ASIS.iloc[:4], CALIDAD, 2016, "Coquimbo")
    ind = annual.compute(ACT, ASIS, CALIDAD, 2017, "Coquimbo", previous=prev)
    ws = load_workbook(workbook.write_workbook(ind, tmp_path / "x.xlsx"))["Organizaciones"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Tipo de organización", "Actividades 2017", "Actividades 2016")
    assert rows[1] == ("Comité de Vivienda", 1, 1)


def test_plan_and_trend_sheets_in_spanish(tmp_path):
    ind = annual.compute(ACT, ASIS, CALIDAD, 2017, "Coquimbo")
    ind["cumplimiento_plan"] = [
        {"nombre": "=Escuelas", "meta": 8, "logrado": 6, "pct_cumplimiento": 75.0, "estado": "EN PROCESO",
         "ponderacion": 40.0, "ponderacion_ganada": 30.0},
        {"nombre": "COSOC", "meta": 2, "logrado": 2, "pct_cumplimiento": 100.0, "estado": "CUMPLE",
         "ponderacion": 60.0, "ponderacion_ganada": 60.0},
    ]
    ind["cumplimiento_plan_total"] = 90.0
    ind["tendencia"] = [{"anio": 2016, "asistencias": 10, "actividades": 2, "pct_mujeres": 50.0,
                         "comunas_alcanzadas": 1, "variacion_asistencias_pct": None},
                        {"anio": 2017, "asistencias": 27, "actividades": 3, "pct_mujeres": 51.85,
                         "comunas_alcanzadas": 2, "variacion_asistencias_pct": 170.0}]
    wb = load_workbook(workbook.write_workbook(ind, tmp_path / "x.xlsx"))
    rows = list(wb["Cumplimiento plan"].iter_rows(values_only=True))
    assert rows[0] == ("Compromiso", "Meta", "Logrado", "Cumplimiento (%)", "Estado", "Ponderación", "Ponderación ganada")
    assert rows[1][0] == "=Escuelas" and wb["Cumplimiento plan"]["A2"].data_type == "s"
    assert rows[-1][0] == "Cumplimiento ponderado del plan" and rows[-1][-1] == 90.0
    trend = list(wb["Tendencia"].iter_rows(values_only=True))
    assert trend[0][0] == "Año" and trend[2] == (2017, 27, 3, 51.85, 2, 170.0)


def test_readers_see_spanish_headers_names_and_reasons(tmp_path):
    """Issue 24: no `plazo_texto`, `vencido` or «Cuarentena: fecha_faltante»; months by name."""
    ind = annual.compute(ACT, ASIS, CALIDAD, 2017, "Coquimbo")
    ind["cumplimiento_plan"] = [
        {"objetivo": None, "nombre": "COSOC", "meta": 2, "logrado": 2, "pct_cumplimiento": 100.0, "estado": "CUMPLE",
         "ponderacion": 100.0, "ponderacion_ganada": 100.0, "plazo": "2017-12-31", "plazo_texto": "todo el periodo",
         "vencido": True, "actividades_verificadas": 2, "verificadores_completos": False},
    ]
    ind["calidad"] = {**ind["calidad"], "cuarentena_por_motivo": {"fecha_faltante": 2, "comuna_desconocida": 0}}
    wb = load_workbook(workbook.write_workbook(ind, tmp_path / "x.xlsx"))
    rows = list(wb["Cumplimiento plan"].iter_rows(values_only=True))
    assert rows[0] == ("Objetivo", "Compromiso", "Meta", "Logrado", "Cumplimiento (%)", "Estado", "Ponderación",
                       "Ponderación ganada", "Fecha del plazo", "Plazo", "Plazo vencido",
                       "Actividades con verificadores", "Verificadores completos")
    assert rows[1][-3:] == ("Sí", 2, "No")
    every = [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert not any(code in every for code in ("plazo_texto", "vencido", "actividades_verificadas"))
    concepts = [r[0] for r in wb["Calidad"].iter_rows(min_row=2, values_only=True)]
    assert "En cuarentena: La fila no tiene fecha" in concepts
    assert not any("_" in c for c in concepts)
    months = [r[0] for r in wb["Meses"].iter_rows(min_row=2, values_only=True)]
    assert months and all(m in [x.capitalize() for x in ("enero", "febrero", "marzo", "abril", "mayo", "junio",
                                                          "julio", "agosto", "septiembre", "octubre", "noviembre",
                                                          "diciembre")] for m in months)
