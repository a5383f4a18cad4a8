"""The three stages as plain functions: the CLI (through the notebooks), the notebooks
themselves and the tests all call these, never a copy of them.

  clean_stage        raw logs → data/processed/<year>/  (pipeline.clean)
  indicators_stage   processed → outputs/<year>/indicadores.json + indicadores.xlsx
  (the deck is notebook 03 + pipeline.export)
"""
from __future__ import annotations

import logging

from . import indicators, reference
from .clean import CleanResult, clean_year
from .config import Paths
from .excel import write_workbook

log = logging.getLogger(__name__)

LOG_SUFFIXES = {".csv", ".xlsx"}


def has_logs(paths: Paths) -> bool:
    """Whether the year's raw folder holds at least one log file."""
    if not paths.raw.is_dir():
        return False
    return any(
        p.suffix.lower() in LOG_SUFFIXES and p.name.lower() != "destacadas.csv"
        for p in paths.raw.iterdir()
        if p.is_file()
    )


def clean_stage(paths: Paths, region: str) -> CleanResult:
    """Stage 1: clean one year's raw logs into data/processed/<year>/."""
    return clean_year(paths, region)


def _ensure_processed(paths: Paths, region: str) -> None:
    if not (paths.actividades.exists() and paths.asistencias.exists() and paths.calidad.exists()):
        log.info("Limpiando %s para comparar con el año anterior", paths.anio)
        clean_year(paths, region)


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


def indicators_stage(paths: Paths, region: str) -> dict:
    """Stage 2: compute the indicators and write `indicadores.json` and the workbook."""
    reference.region(region)  # fail early on an unknown region
    ind = year_indicators(paths, region)
    indicators.write_json(ind, paths.indicadores_json)
    write_workbook(ind, paths.indicadores_xlsx)
    return ind
