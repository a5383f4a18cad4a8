"""The three stages as plain functions: the CLI (through the notebooks), the notebooks
themselves and the tests all call these, never a copy of them.

  clean_stage        raw logs → data/processed/<year>/ and the quality report's data
  indicators_stage   processed → outputs/<year>/indicadores.json + indicadores.xlsx
  balance_inputs     what the deck notebook shows (indicadores.json, checked)
  publish_balance    the executed deck → balance-<year>.html (+ PDF)
  notebook_paths     the paths a notebook works with (JupyterLab: a staging folder, lab.py)
  publish_from_lab   JupyterLab's last step: the deck exported and swapped into outputs/

Every read of data/processed/<year>/ happens under that year's lock and after checking
that the tables were built from this run's inputs (`cache.processed_is_fresh`), so two
runs that share a processed folder take turns and never read each other's data.
"""
from __future__ import annotations

import json
import logging
from dataclasses import replace
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


def plan_evaluations(paths: Paths, region: str, actividades, al=None) -> list:
    """Every plan that covers the year, evaluated as of `al` (default: the year's last day, or
    today for the current year): `plan-<year>.yml` beside the logs first, then the plans of
    `data/raw/planes/` whose period includes the year. Each counts the processed activities of
    every year its period spans up to `al`, with the verifiers of those years."""
    from pipeline.indicators import plan, verifiers

    when = plan.resolve_al(paths.year, al)
    found = []
    if paths.plan_anio.exists():
        found.append((plan.load_plan(paths.plan_anio, region, paths.year), plan.ORIGEN_ANUAL))
    for path in plan.plan_files(paths.planes):
        loaded = plan.load_plan(path, region)
        if loaded.vigencia.inicio.year <= paths.year <= loaded.vigencia.fin.year:
            found.append((loaded, plan.ORIGEN_PLANES))
    # only logs up to the year reported count, even when `al` is later
    years = sorted({y for p, _ in found for y in plan.windows.years_counted(p.vigencia, when) if y <= paths.year})
    frames, evidence = [], verifiers.Verificadores()
    for year in years:
        year_paths = replace(paths, year=year)
        if year == paths.year:
            acts = actividades
        elif has_logs(year_paths):
            acts = processed_tables(year_paths, region)[0]
        else:
            continue
        frames.append(acts)
        evidence = evidence.merge(verifiers.discover(year_paths.raw, acts))
    every = pd.concat(frames, ignore_index=True) if frames else actividades.iloc[0:0]
    return [(plan.evaluate(p, every, when, evidence), origen) for p, origen in found]


def plan_keys(paths: Paths, region: str, actividades, al=None, evaluations: list | None = None) -> dict:
    """This year's plan (`plan-<year>.yml`: `cumplimiento_plan`…), every plan covering the year
    (`planes`, `planes_al`) and next year's plan (`plan_siguiente`), when present."""
    from pipeline.indicators import plan

    if evaluations is None:
        evaluations = plan_evaluations(paths, region, actividades, al)
    out: dict = {}
    for ev, origen in evaluations:
        if origen == plan.ORIGEN_ANUAL:
            out.update({"plan_titulo": ev.plan.titulo, "cumplimiento_plan": plan.compliance_records(ev.tabla),
                        "cumplimiento_plan_total": plan.compliance_total(ev.tabla)})
    if evaluations:
        out["planes_al"] = evaluations[0][0].al.isoformat()
        out["planes"] = [plan.plan_result(ev, origen) for ev, origen in evaluations]
    if paths.plan_siguiente.exists():
        next_year = plan.load_plan(paths.plan_siguiente, region, paths.year + 1)
        out["plan_siguiente"] = {"anio": paths.year + 1, "titulo": next_year.titulo,
                                 "compromisos": plan.plan_records(next_year)}
    return out


def indicators_stage(paths: Paths, region: str, umbral_celdas: int = DEFAULT_SMALL_CELL_THRESHOLD,
                     al=None) -> dict:
    """Stage 2: compute the indicators and write `indicadores.json`, the workbook and, when
    plans cover the year, the plan follow-up and verifiers pages. `al`: the "as of" date of
    the plans (`--al`; None for the default)."""
    from pipeline.report import plan_pages

    reference.region(region)  # fail early on an unknown region
    ind = year_indicators(paths, region, umbral_celdas)
    actividades, _, _ = processed_tables(paths, region)
    evaluations = plan_evaluations(paths, region, actividades, al)
    ind.update(plan_keys(paths, region, actividades, al, evaluations))
    ind["tendencia"] = trend(paths, region, umbral_celdas, ind)
    ind["destacadas"] = photos.read_highlights(paths.destacadas)  # screened below with the rest
    year_screen = screen.for_year(paths)
    ind = year_screen.tree(ind)  # no personal datum in free text (README, «Datos personales»)
    annual.write_json(ind, paths.indicadores_json)
    write_workbook(ind, paths.indicadores_xlsx)
    plan_pages.write_pages(ind, evaluations, paths, screen=year_screen)
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


def balance_texts(paths: Paths, indicadores: dict) -> dict:
    """The office's words for the deck (`textos.yml`, optional), with their placeholders
    filled and every text passed through the year's personal-data screen."""
    from pipeline.report import texts

    return texts.load(paths.textos, indicadores, screen=screen.for_year(paths))


def publish_quality(executed: Path, paths: Paths) -> Path:
    """The executed cleaning notebook → `calidad-<year>.html` (code hidden, offline)."""
    from pipeline.report import export

    return export.export_document(executed, paths.calidad_html)


def publish_balance(executed: Path, paths: Paths, pdf: bool = True) -> Path:
    """Stage 3's product: the executed deck notebook → `balance-<year>.html`, one offline
    reveal.js file, and its PDF when `pdf` and Chromium is installed."""
    from pipeline.report import export, texts

    html = export.export_slides(executed, paths.balance_html)
    export.export_reading(executed, export.reading_path(paths.balance_html))  # for phones
    for line in texts.notebook_warnings(executed):  # the office's figures the data counts otherwise
        log.warning("%s", line)
    if pdf:
        export.export_pdf(paths.balance_html, paths.balance_pdf)
    return html


def notebook_paths(anio: int, region: str, raw_dir: str = "", processed_dir: str = "", out_dir: str = "",
                   fresh: bool = False) -> Paths:
    """The paths of a notebook's run: the runner's staging folder, or JupyterLab's (lab.py)."""
    from pipeline.run import lab

    return lab.notebook_paths(anio, region, raw_dir, processed_dir, out_dir, fresh)


def publish_from_lab(paths: Paths, region: str, pdf: bool = True) -> Path | None:
    """In JupyterLab: export the saved deck notebook and put the staged outputs in place
    (outputs/<year>/balance-<year>.html); under the runner, nothing (it publishes itself)."""
    from pipeline.run import lab

    return lab.publish(paths, region, pdf)


def indicator_definitions() -> dict[str, str]:
    """Each key of indicadores.json → its definition (docs/indicadores.md)."""
    from pipeline.run import lab

    return lab.indicator_definitions()
