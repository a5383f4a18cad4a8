"""The three stages as plain functions: the CLI (through the notebooks), the notebooks
themselves and the tests all call these, never a copy of them.

  clean_stage        raw logs → data/processed/<year>/ and the quality report's data
  indicators_stage   processed → outputs/<year>/indicadores.json + indicadores.xlsx
  balance_inputs     what the deck notebook shows (indicadores.json, checked)
  publish_balance    the executed deck → balance-<year>.html (+ PDF)

Every read of data/processed/<year>/ happens under that year's lock and after checking
that the tables were built from this run's inputs (`cache.processed_is_fresh`), so two
runs that share a processed folder take turns and never read each other's data.
"""
from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

from pipeline import reference
from pipeline.clean import screen
from pipeline.clean.year import CleanResult, clean_year
from pipeline.config import DEFAULT_SMALL_CELL_THRESHOLD, Paths
from pipeline.indicators import annual, trends
from pipeline.report import photos
from pipeline.report.workbook import write_workbook
from pipeline.run import cache

log = logging.getLogger(__name__)

Tables = tuple[pd.DataFrame, pd.DataFrame, dict]


def has_logs(paths: Paths) -> bool:
    """Whether the year's raw folder holds at least one log file."""
    return bool(cache.log_files(paths))


def clean_stage(paths: Paths, region: str) -> CleanResult:
    """Stage 1: clean one year's raw logs into data/processed/<year>/."""
    with cache.processed_lock(paths):
        result = clean_year(paths, region)
        cache.mark_processed(paths, region)
    return result


def processed_tables(paths: Paths, region: str) -> Tables:
    """A year's clean tables, built from this run's inputs: cleaned again first when
    data/processed/<year>/ is missing or was built from other logs, another key or other code."""
    with cache.processed_lock(paths):
        if not cache.processed_is_fresh(paths, region):
            log.info("Limpiando %s: sus datos procesados no corresponden a estas entradas", paths.year)
            clean_year(paths, region)
            cache.mark_processed(paths, region)
        return annual.load_processed(paths)


def year_indicators(paths: Paths, region: str, umbral_celdas: int, with_previous: bool = True) -> dict:
    """Indicators of one year from its processed tables, with the previous year beside it
    when the previous year has logs."""
    anterior = None
    prev = paths.previous()
    if with_previous and has_logs(prev):
        anterior = year_indicators(prev, region, umbral_celdas, with_previous=False)
    actividades, asistencias, calidad = processed_tables(paths, region)
    return annual.compute(actividades, asistencias, calidad, paths.year, region, anterior, umbral_celdas)


def trend(paths: Paths, region: str, umbral_celdas: int, current: dict) -> list[dict]:
    """The year and every earlier year with logs, one record each (for the trend slide)."""
    by_year = {paths.year: current}
    for year in cache.years_with_logs(paths):
        if year < paths.year:
            by_year[year] = year_indicators(replace(paths, year=year), region, umbral_celdas, with_previous=False)
    return trends.trend_records(trends.trend_frame(by_year))


def plan_keys(paths: Paths, region: str, actividades) -> dict:
    """Compliance of this year's plan (`plan-<year>.yml`) and next year's plan, when present."""
    from pipeline.indicators import plan

    out: dict = {}
    if paths.plan_anio.exists():
        this_year = plan.load_plan(paths.plan_anio, region, paths.year)
        out.update(plan.plan_indicators(this_year, actividades, en_curso=paths.year >= date.today().year))
    if paths.plan_siguiente.exists():
        next_year = plan.load_plan(paths.plan_siguiente, region, paths.year + 1)
        out["plan_siguiente"] = {"anio": paths.year + 1, "titulo": next_year.titulo,
                                 "compromisos": plan.plan_records(next_year)}
    return out


def indicators_stage(paths: Paths, region: str, umbral_celdas: int = DEFAULT_SMALL_CELL_THRESHOLD) -> dict:
    """Stage 2: compute the indicators and write `indicadores.json` and the workbook."""
    reference.region(region)  # fail early on an unknown region
    ind = year_indicators(paths, region, umbral_celdas)
    actividades, _, _ = processed_tables(paths, region)
    ind.update(plan_keys(paths, region, actividades))
    ind["tendencia"] = trend(paths, region, umbral_celdas, ind)
    ind["destacadas"] = photos.read_highlights(paths.destacadas)  # screened below with the rest
    ind = screen.for_year(paths).tree(ind)  # no personal datum in free text (README, «Datos personales»)
    annual.write_json(ind, paths.indicadores_json)
    write_workbook(ind, paths.indicadores_xlsx)
    return ind


def balance_inputs(paths: Paths) -> dict:
    """Stage 3's input: the year's `indicadores.json`, refused loudly when it is missing, of
    another year or without activities (no deck with empty slides)."""
    if not paths.indicadores_json.is_file():
        raise FileNotFoundError(
            f"No existe {paths.indicadores_json}. Ejecute antes la etapa de indicadores "
            f"(python -m pipeline run --year {paths.year})."
        )
    indicadores = json.loads(paths.indicadores_json.read_text(encoding="utf-8"))
    if indicadores.get("anio") != paths.year or not indicadores.get("actividades"):
        raise ValueError(
            f"{paths.indicadores_json} no corresponde al año {paths.year} o no tiene actividades: "
            "no hay balance que mostrar."
        )
    return indicadores


def publish_quality(executed: Path, paths: Paths) -> Path:
    """The executed cleaning notebook → `calidad-<year>.html` (code hidden, offline)."""
    from pipeline.report import export

    return export.export_document(executed, paths.calidad_html)


def publish_balance(executed: Path, paths: Paths, pdf: bool = True) -> Path:
    """Stage 3's product: the executed deck notebook → `balance-<year>.html`, one offline
    reveal.js file, and its PDF when `pdf` and Chromium is installed."""
    from pipeline.report import export

    html = export.export_slides(executed, paths.balance_html)
    if pdf:
        export.export_pdf(paths.balance_html, paths.balance_pdf)
    return html
