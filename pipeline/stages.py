"""The three stages as plain functions: the CLI (through the notebooks), the notebooks
themselves and the tests all call these, never a copy of them.

  clean_stage        raw logs → data/processed/<year>/  (pipeline.clean)
  indicators_stage   processed → outputs/<year>/indicadores.json + indicadores.xlsx
  (the deck is notebook 03 + pipeline.export)
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date

from . import cache, indicators, reference
from .clean import CleanResult, clean_year
from .config import Paths
from .excel import write_workbook

log = logging.getLogger(__name__)

def has_logs(paths: Paths) -> bool:
    """Whether the year's raw folder holds at least one log file."""
    return bool(cache.log_files(paths))


def clean_stage(paths: Paths, region: str) -> CleanResult:
    """Stage 1: clean one year's raw logs into data/processed/<year>/."""
    with cache.processed_lock(paths):
        result = clean_year(paths, region)
        cache.mark_processed(paths, region)
    return result


def _ensure_processed(paths: Paths, region: str) -> None:
    """Clean an earlier year on demand, unless its processed tables are up to date."""
    with cache.processed_lock(paths):
        if not cache.processed_is_fresh(paths, region):
            log.info("Limpiando %s para comparar con años anteriores", paths.anio)
            clean_year(paths, region)
            cache.mark_processed(paths, region)


def year_indicators(paths: Paths, region: str, with_previous: bool = True) -> dict:
    """Indicators of one year from its processed tables, with the previous year beside it
    when the previous year has logs (cleaned on demand if it was not yet)."""
    anterior = None
    prev = paths.previous()
    if with_previous and has_logs(prev):
        _ensure_processed(prev, region)
        anterior = year_indicators(prev, region, with_previous=False)
    actividades, asistencias, calidad = indicators.load_processed(paths)
    return indicators.compute(actividades, asistencias, calidad, paths.anio, region, anterior)


def trend(paths: Paths, region: str, current: dict) -> list[dict]:
    """The year and every earlier year with logs, one record each (for the trend slide)."""
    from . import trends  # matplotlib comes with it: only the indicators stage needs it

    by_year = {paths.anio: current}
    for anio in cache.years_with_logs(paths):
        if anio < paths.anio:
            earlier = replace(paths, anio=anio)
            _ensure_processed(earlier, region)
            by_year[anio] = year_indicators(earlier, region, with_previous=False)
    return trends.trend_records(trends.trend_frame(by_year))


def plan_keys(paths: Paths, region: str, actividades) -> dict:
    """Compliance of this year's plan (`plan-<year>.yml`) and next year's plan, when present."""
    from . import plan

    out: dict = {}
    if paths.plan_anio.exists():
        this_year = plan.load_plan(paths.plan_anio, region, paths.anio)
        out.update(plan.plan_indicators(this_year, actividades, en_curso=paths.anio >= date.today().year))
    if paths.plan_siguiente.exists():
        next_year = plan.load_plan(paths.plan_siguiente, region, paths.anio + 1)
        out["plan_siguiente"] = {"anio": paths.anio + 1, "titulo": next_year.titulo,
                                 "compromisos": plan.plan_records(next_year)}
    return out


def indicators_stage(paths: Paths, region: str) -> dict:
    """Stage 2: compute the indicators and write `indicadores.json` and the workbook."""
    reference.region(region)  # fail early on an unknown region
    _ensure_processed(paths, region)  # run alone, it cleans first when the logs changed
    ind = year_indicators(paths, region)
    actividades, _, _ = indicators.load_processed(paths)
    ind.update(plan_keys(paths, region, actividades))
    ind["tendencia"] = trend(paths, region, ind)
    indicators.write_json(ind, paths.indicadores_json)
    write_workbook(ind, paths.indicadores_xlsx)
    return ind
