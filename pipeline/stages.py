"""The three stages as plain functions: the notebooks (run by the runner through papermill, or
by hand in JupyterLab) and the tests call these, never a copy of them.

  clean_stage        raw logs → data/processed/<year>/ and the quality report's data
  indicators_stage   data/processed/ → indicadores.json, the workbook and the plan pages
  balance_inputs     what the deck notebook shows (indicadores.json, checked)
  balance_texts      the office's words for the deck (textos.yml), screened
  publish_quality    the executed cleaning notebook → calidad-<year>.html
  publish_balance    the executed deck notebook → balance-<year>.html (+ PDF), and the figures of
                     textos.yml the data counts otherwise into calidad-<year>.html

Imports point down only (ingest, clean, indicators, report); `run/` calls in, nothing here
calls back. Stage 2 never cleans: it reads each year's processed tables once, after checking
they were built from this run's inputs, and stops with «ejecute limpiar» otherwise (the runner
cleans every year it needs first). Each earlier year's indicators are computed once per call.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import replace
from pathlib import Path

import pandas as pd

from pipeline import config, reference
from pipeline.clean import processed, screen
from pipeline.config import Paths
from pipeline.indicators import annual, plan, trends, verifiers
from pipeline.ingest import files
from pipeline.report import plan_pages, side_inputs
from pipeline.report.workbook import write_workbook

log = logging.getLogger(__name__)

Tables = tuple[pd.DataFrame, pd.DataFrame, dict]


def clean_stage(paths: Paths, region: str):
    """Stage 1: clean one year's raw logs into data/processed/<year>/ (its CleanResult), and
    every earlier year stage 2 will read whose processed tables are missing or stale."""
    result = _clean(paths, region)
    clean_needed(paths, region)
    return result


def clean_needed(paths: Paths, region: str) -> list[int]:
    """Clean the years stage 2 will read (this one and the earlier ones it compares with) whose
    processed tables are missing or stale; no quality report is published for them. The
    runner calls it before stage 2 (whose own function never cleans). Returns those years."""
    done = []
    for year in years_needed(paths):
        needed = replace(paths, year=year)
        if not processed.is_fresh(needed, region) and files.log_files(needed.raw):  # no logs: stage 2 says so
            log.info("Limpiando %s, que lee la etapa de indicadores de %s: sus datos limpios faltan o no "
                     "corresponden a sus planillas", year, paths.year)
            _clean(needed, region)
            done.append(year)
    return done


def _clean(paths: Paths, region: str):
    from pipeline.clean.year import clean_year  # the cleaning is stage 1's alone

    with processed.lock(paths):
        result = clean_year(paths, region, side_inputs=side_inputs.check)
        processed.mark(paths, region)
    return result


def years_needed(paths: Paths) -> list[int]:
    """The years stage 2 reads: this one and every earlier year with logs (comparison, trend
    and plans that span years), oldest first."""
    return sorted({y for y in files.years_with_logs(paths.raw_root) if y < paths.year} | {paths.year})


def processed_tables(paths: Paths, region: str) -> Tables:
    """A year's clean tables, read under the processed lock once their mark says they were
    built from this run's inputs (otherwise `StaleProcessed`: «ejecute limpiar»)."""
    with processed.lock(paths):
        processed.require_fresh(paths, region)
        return annual.load_processed(paths)


def plan_evaluations(paths: Paths, region: str, tables: dict[int, Tables], al=None) -> list:
    """Every plan that covers the year, evaluated as of `al` (default: the year's last day, or
    today for the current year): `plan-<year>.yml` beside the logs first, then the plans of
    `data/raw/planes/` whose period includes the year. Each counts the processed activities of
    every year its period spans up to `al`, with the verifiers of those years."""
    when = plan.resolve_al(paths.year, al)
    found = []
    # a plan that cannot be used is left out (the quality report says why: side_inputs)
    yearly = side_inputs.usable_plan(paths.plan_anio, region, paths.year) if paths.plan_anio.exists() else None
    if yearly is not None:
        found.append((yearly, plan.ORIGEN_ANUAL))
    for path in plan.plan_files(paths.planes):
        loaded = side_inputs.usable_plan(path, region)
        if loaded is not None and loaded.vigencia.inicio.year <= paths.year <= loaded.vigencia.fin.year:
            found.append((loaded, plan.ORIGEN_PLANES))
    # only logs up to the year reported count, even when `al` is later
    years = sorted({y for p, _ in found for y in plan.windows.years_counted(p.vigencia, when) if y <= paths.year})
    frames, evidence = [], verifiers.Verificadores()
    for year in years:
        if year not in tables:
            continue
        acts = tables[year][0]
        frames.append(acts)
        evidence = evidence.merge(verifiers.discover(replace(paths, year=year).raw, acts))
    this_year = tables[paths.year][0]
    every = pd.concat(frames, ignore_index=True) if frames else this_year.iloc[0:0]
    return [(plan.evaluate(p, every, when, evidence), origen) for p, origen in found]


def plan_keys(paths: Paths, region: str, evaluations: list) -> dict:
    """This year's plan (`plan-<year>.yml`: `cumplimiento_plan`…), every plan covering the year
    (`planes`, `planes_al`) and next year's plan (`plan_siguiente`), when present."""
    out: dict = {}
    for ev, origen in evaluations:
        if origen == plan.ORIGEN_ANUAL:
            out.update({"plan_titulo": ev.plan.titulo, "cumplimiento_plan": plan.compliance_records(ev.tabla),
                        "cumplimiento_plan_total": plan.compliance_total(ev.tabla)})
    if evaluations:
        out["planes_al"] = evaluations[0][0].al.isoformat()
        out["planes"] = [plan.plan_result(ev, origen) for ev, origen in evaluations]
    next_year = side_inputs.usable_plan(paths.plan_siguiente, region, paths.year + 1) \
        if paths.plan_siguiente.exists() else None
    if next_year is not None:
        out["plan_siguiente"] = {"anio": paths.year + 1, "titulo": next_year.titulo,
                                 "compromisos": plan.plan_records(next_year)}
    return out


def indicators_stage(paths: Paths, region: str, umbral_celdas: int | None = None, al=None) -> dict:
    """Stage 2: compute the indicators and write `indicadores.json`, the workbook and, when
    plans cover the year, the plan follow-up and verifiers pages. `umbral_celdas`: the
    small-cell threshold (None: `config.small_cell_threshold`); `al`: the plans' "as of" date
    (`--al`; None for the default)."""
    threshold = config.small_cell_threshold(umbral_celdas)
    reference.region(region)  # fail early on an unknown region
    tables = {y: processed_tables(replace(paths, year=y), region) for y in years_needed(paths)}
    by_year: dict[int, dict] = {}
    for year, (actividades, asistencias, calidad) in tables.items():  # oldest first
        by_year[year] = annual.compute(actividades, asistencias, calidad, year, region,
                                       by_year.get(year - 1) if year == paths.year else None, threshold)
    ind = by_year[paths.year]
    evaluations = plan_evaluations(paths, region, tables, al)
    ind.update(plan_keys(paths, region, evaluations))
    ind["tendencia"] = trends.trend_records(trends.trend_frame(by_year))
    ind["destacadas"] = side_inputs.usable_highlights(paths.destacadas)  # screened below with the rest
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
            f"(python -m pipeline indicadores --anio {paths.year})."
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
    if not paths.textos.is_file():  # nothing of the office's to screen (a deck drawn from a JSON alone)
        return side_inputs.usable_texts(paths.textos, indicadores, lambda text: text)
    return side_inputs.usable_texts(paths.textos, indicadores, screen.for_year(paths))


def publish_quality(executed: Path, paths: Paths) -> Path:
    """The executed cleaning notebook → `calidad-<year>.html` (code hidden, offline)."""
    from pipeline.report import export

    return export.export_document(executed, paths.calidad_html)


def publish_balance(executed: Path, paths: Paths, pdf: bool = True) -> Path:
    """Stage 3's product: the executed deck notebook → `balance-<year>.html`, one offline
    reveal.js file, its phone reading `lectura-<year>.html`, and its PDF when `pdf` and
    Chromium is installed. The figures of `textos.yml` that the data counts otherwise go to the
    console, run.log and the quality report (`publish_office_figures`)."""
    from pipeline.report import export

    html = export.export_slides(executed, paths.balance_html)
    export.export_reading(executed, paths.lectura_html)  # for phones
    publish_office_figures(paths)
    if pdf:
        export.export_pdf(paths.balance_html, paths.balance_pdf)
    return html


def office_figures(paths: Paths) -> list[dict]:
    """The figures of the office's words (`textos.yml`, as the deck shows them) that the data
    counts otherwise: `texts.figure_review` of `balance_texts` against `indicadores.json`."""
    from pipeline.report import texts

    indicadores = balance_inputs(paths)
    return texts.figure_review(balance_texts(paths, indicadores), indicadores)


def publish_office_figures(paths: Paths) -> list[dict]:
    """Stage 3's check of the office's figures, said where the analyst looks: one warning each
    (console and run.log) and the section «Textos de la oficina que no coinciden con los datos»
    of `calidad-<year>.html`, rewritten in place (stage 1 publishes the report before any
    indicator exists; stage 3 is the one that holds both the texts and the indicators). Every
    run of stage 3 rewrites the section, so it never lists a difference already corrected."""
    from pipeline.report import quality, texts

    review = office_figures(paths)
    archivo = side_inputs.shown(paths.textos, paths) if paths.textos.is_file() else None
    for line in texts.review_lines(review, archivo or paths.textos.name):
        log.warning("%s", line)
    if not paths.calidad_html.is_file():  # this run published no quality report (stage 2's own cleaning)
        return review
    report = paths.calidad_html.read_text(encoding="utf-8")
    filled = quality.with_office_figures(report, quality.office_figures_html(review, archivo))
    if filled != report:  # (a report of another notebook, without the section, is left alone)
        tmp = paths.calidad_html.with_name(f".{paths.calidad_html.name}.{os.getpid()}")
        tmp.write_text(filled, encoding="utf-8")
        os.replace(tmp, paths.calidad_html)  # never a half-written report
    return review
