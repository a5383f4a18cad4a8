"""The whole product on the shipped sample: `run --years 2016-2018 --jobs 2` (the session's
`sample_run`) writes each year's deck, JSON and workbook, and the trends page."""
import json
import re

import pytest
from openpyxl import load_workbook

from tests.conftest import tree_digest

pytestmark = pytest.mark.slow

CONTRACT_KEYS = [
    "anio", "region", "asistencias", "asistencias_anio_anterior", "variacion_asistencias_pct",
    "personas_unicas", "asistencias_sin_rut_valido", "actividades", "comunas_alcanzadas", "comunas_region",
    "mujeres", "hombres", "sexo_sin_informacion", "pct_mujeres", "actividades_por_provincia",
    "actividades_por_zona", "actividades_por_tipo_organizacion", "actividades_por_tipo_actividad",
    "asistencias_por_comuna", "actividades_por_comuna", "calidad",
]


def test_run_succeeds(sample_run):
    assert sample_run.result.returncode == 0, sample_run.result.stderr[-3000:]
    assert "[2017] listo" in sample_run.result.stderr


def test_a_successful_run_prints_no_kernel_error_line(sample_run):
    """jupyter_client interrupts each kernel before shutting it down; what the kernel logs then
    («[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel») never reaches the console."""
    assert sample_run.result.returncode == 0, sample_run.result.stderr[-3000:]
    assert "[IPKernelApp]" not in sample_run.result.stderr and "ERROR" not in sample_run.result.stderr, \
        sample_run.result.stderr


def test_json_has_every_contract_key_and_consistent_figures(sample_run):
    ind = json.loads(sample_run.paths.indicadores_json.read_text(encoding="utf-8"))
    assert [k for k in CONTRACT_KEYS if k not in ind] == []
    assert ind["anio"] == 2017 and ind["region"] == "Coquimbo" and ind["comunas_region"] == 15
    assert ind["asistencias"] == ind["mujeres"] + ind["hombres"] + ind["sexo_sin_informacion"]
    assert sum(ind["asistencias_por_comuna"].values()) == ind["asistencias"]
    assert sum(ind["actividades_por_provincia"].values()) == ind["actividades"]
    assert sum(ind["actividades_por_zona"].values()) == ind["actividades"]
    assert set(ind["actividades_por_provincia"]) == {"Elqui", "Choapa", "Limarí"}
    # 2016 is in the sample (summaries only), so the change on the previous year is there
    assert ind["asistencias_anio_anterior"] and ind["variacion_asistencias_pct"] is not None
    cal = ind["calidad"]
    assert cal["filas_leidas"] == cal["filas_validas"] + cal["duplicados"] + cal["cuarentena"]
    assert cal["duplicados"] > 0 and cal["cuarentena"] > 0 and cal["archivos_rechazados"]


def test_workbook_opens_with_the_same_figures(sample_run):
    ind = json.loads(sample_run.paths.indicadores_json.read_text(encoding="utf-8"))
    wb = load_workbook(sample_run.paths.indicadores_xlsx)
    resumen = {r[0]: r[1] for r in wb["Resumen"].iter_rows(min_row=2, values_only=True)}
    assert resumen["Asistencias"] == ind["asistencias"]
    assert resumen["Actividades"] == ind["actividades"]


def test_deck_is_one_offline_reveal_file(sample_run):
    html = sample_run.paths.balance_html.read_text(encoding="utf-8")
    assert 'class="reveal"' in html and "Reveal.initialize" in html
    assert not re.search(r"""(src|href)=["']https?://""", html), "el balance no debe pedir nada a la red"
    assert "Balance 2017" in html


def test_quality_report_and_executed_notebooks(sample_run):
    assert sample_run.paths.calidad_html.exists()
    names = sorted(p.name for p in sample_run.paths.notebooks_out.glob("*.ipynb"))
    assert names == ["01_limpieza.ipynb", "02_indicadores.ipynb", "03_balance.ipynb"]


def test_raw_data_untouched(sample_run):
    assert sample_run.raw_after == sample_run.raw_before
    assert tree_digest(sample_run.paths.raw_root) == sample_run.raw_before  # nor by the tests since


def test_several_years_in_parallel_write_trends(sample_run):
    out = sample_run.paths.out_root
    assert sample_run.result.returncode == 0, sample_run.result.stderr[-3000:]
    for year in (2016, 2017, 2018):
        assert f"[{year}] listo" in sample_run.result.stderr
        assert (out / str(year) / f"balance-{year}.html").exists()
    trend = json.loads((out / "tendencias.json").read_text(encoding="utf-8"))
    assert [t["anio"] for t in trend["tendencia"]] == [2016, 2017, 2018]
    by_year = {a: json.loads((out / str(a) / "indicadores.json").read_text(encoding="utf-8"))
               for a in (2016, 2017, 2018)}
    assert [t["asistencias"] for t in trend["tendencia"]] == [by_year[a]["asistencias"] for a in (2016, 2017, 2018)]
    html = (out / "tendencias.html").read_text(encoding="utf-8")
    assert "Región de Coquimbo" in html and not re.search(r"""(src|href)=["']https?://""", html)
    # the 2016 deck is a summaries-only year without a previous year: it still renders
    deck_2016 = (out / "2016" / "balance-2016.html").read_text(encoding="utf-8")
    assert "respecto de 2015" not in deck_2016
