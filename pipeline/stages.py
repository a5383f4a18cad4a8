"""The three stages as plain functions: the notebooks (run by the runner through papermill, or
by hand in JupyterLab) and the tests call these, never a copy of them.

  clean_stage        raw logs → data/processed/<year>/ and the quality report's data
  indicators_stage   data/processed/ → indicadores.json, the workbook and the plan pages
  balance_inputs     what the deck notebook shows (indicadores.json, checked)
  balance_texts      the office's words for the deck (textos.yml), screened
  publish_quality    the executed cleaning notebook → calidad-<year>.html
  publish_balance    the executed deck notebook → balance-<year>.html (+ PDF), and the figures of
                     textos.yml the data counts otherwise into calidad-<year>.html
  national_stage     every region's published indicadores.json → indicadores-nacional.json/.xlsx
  publish_national_balance  the executed national deck notebook → balance-nacional-<year>.html

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
from pipeline.indicators import annual, national, plan, trends, verifiers
from pipeline.ingest import files
from pipeline.report import plan_pages, side_inputs
from pipeline.report.workbook import write_national_workbook, write_workbook

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
        found.append((yearly, plan.ORIGIN_ANNUAL))
    for path in plan.plan_files(paths.planes):
        loaded = side_inputs.usable_plan(path, region)
        if loaded is not None and loaded.in_force.start.year <= paths.year <= loaded.in_force.end.year:
            found.append((loaded, plan.ORIGIN_PLANS))
    # only logs up to the year reported count, even when `al` is later
    years = sorted({y for p, _ in found for y in plan.windows.years_counted(p.in_force, when) if y <= paths.year})
    frames, evidence = [], verifiers.Verifiers()
    for year in years:
        if year not in tables:
            continue
        acts = tables[year][0]
        frames.append(acts)
        evidence = evidence.merge(verifiers.discover(replace(paths, year=year).raw, acts))
    this_year = tables[paths.year][0]
    every = pd.concat(frames, ignore_index=True) if frames else this_year.iloc[0:0]
    return [(plan.evaluate(p, every, when, evidence), origin) for p, origin in found]


def plan_keys(paths: Paths, region: str, evaluations: list) -> dict:
    """This year's plan (`plan-<year>.yml`: `cumplimiento_plan`…), every plan covering the year
    (`planes`, `planes_al`) and next year's plan (`plan_siguiente`), when present."""
    out: dict = {}
    for ev, origin in evaluations:
        if origin == plan.ORIGIN_ANNUAL:
            out.update({"plan_titulo": ev.plan.title, "cumplimiento_plan": plan.compliance_records(ev.table),
                        "cumplimiento_plan_total": plan.compliance_total(ev.table)})
    if evaluations:
        out["planes_al"] = evaluations[0][0].al.isoformat()
        out["planes"] = [plan.plan_result(ev, origin) for ev, origin in evaluations]
    next_year = side_inputs.usable_plan(paths.plan_siguiente, region, paths.year + 1) \
        if paths.plan_siguiente.exists() else None
    if next_year is not None:
        out["plan_siguiente"] = {"anio": paths.year + 1, "titulo": next_year.title,
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


def national_balance(out_dir: str | Path, anio: int, pdf: bool = True,
                     notebooks_dir: Path = config.NOTEBOOKS_DIR) -> Path:
    """The national deck of `anio` in one call (scripts, tests, JupyterLab's terminal):
    `notebooks/04_balance_nacional.ipynb` run by papermill with the runner's parameters (`anio`;
    `out_dir`, the outputs root) on `<out_dir>/<anio>/nacional/indicadores-nacional.json`, into
    `nacional/notebooks/`, then published by `publish_national_balance`."""
    import papermill as pm

    paths = config.paths(int(anio), out_dir=out_dir)
    executed = paths.nacional / "notebooks" / config.NATIONAL_NOTEBOOK
    executed.parent.mkdir(parents=True, exist_ok=True)
    pm.execute_notebook(str(notebooks_dir / config.NATIONAL_NOTEBOOK), str(executed), kernel_name="python3",
                        parameters={"anio": int(anio), "out_dir": str(out_dir)}, progress_bar=False,
                        cwd=str(notebooks_dir), log_output=False)
    return publish_national_balance(executed, paths, pdf)


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


def national_inputs(paths: dict[str, Paths], anio: int, failed_regions=()) -> dict[str, tuple[str, Path | None]]:
    """What the national stage of `anio` reads, per region (name → (estado, published
    indicadores.json or None)): `paths` gives every region's paths of the year as published
    (region name → Paths); a region without logs is «sin datos», one in `failed_regions` or whose
    indicadores.json is missing «con error». The runner's cache fingerprints exactly this."""
    failed = {reference.region(r).nombre for r in failed_regions}
    out: dict[str, tuple[str, Path | None]] = {}
    for name, region_paths in paths.items():
        name = reference.region(name).nombre
        if name in failed:
            out[name] = (national.FAILED, None)
        elif not files.log_files(region_paths.raw):
            out[name] = (national.NO_DATA, None)
        elif not region_paths.indicadores_json.is_file():
            log.warning("%s: no hay indicadores.json publicado del año %s en %s; se lista «con error» "
                        "(ejecute la región)", name, anio, region_paths.out)
            out[name] = (national.FAILED, None)
        else:
            out[name] = (national.WITH_DATA, region_paths.indicadores_json)
    return out


def national_balance_links(paths: dict[str, Paths], nacional: Path) -> dict[str, str]:
    """Region name → relative link from the national folder (`outputs/<year>/nacional/`) to
    the region's published deck, for the regions whose deck exists."""
    import os

    return {reference.region(name).nombre: Path(os.path.relpath(p.balance_html, nacional)).as_posix()
            for name, p in paths.items() if p.balance_html.is_file()}


def national_stage(paths: dict[str, Paths], anio: int, out: Paths | None = None, failed_regions=(),
                   umbral_celdas: int | None = None) -> dict:
    """The national stage of `anio`: reads only the regions' published `indicadores.json`
    (never a log, never a cleaning) and writes `indicadores-nacional.json` and
    `indicadores-nacional.xlsx` to `out.nacional` (`outputs/<year>/nacional/`; `out`: the
    default region's paths, or the runner's staging copy of them). `paths`: region name →
    that region's paths of the year as published (all 16; `config.region_paths`);
    `failed_regions`: regions whose run failed this time; `umbral_celdas`: the small-cell threshold
    the regions were computed with (None: `config.small_cell_threshold`). Returns the dict."""
    threshold = config.small_cell_threshold(umbral_celdas)
    default = paths.get(config.DEFAULT_REGION) or next(iter(paths.values()))
    out = out or default
    published, failed = {}, [reference.region(r).nombre for r in failed_regions]
    for name, (estado, source) in national_inputs(paths, anio, failed_regions).items():
        if estado == national.FAILED and name not in failed:
            failed.append(name)
        if source is None:
            continue
        try:
            ind = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            ind, problem = None, f"no se pudo leer su indicadores.json ({type(err).__name__})"
        else:
            problem = national.check(ind, name, anio, threshold) if isinstance(ind, dict) else \
                "su indicadores.json no es un objeto JSON"
        if problem:
            log.warning("%s: %s; se lista «con error»", name, problem)
            failed.append(name)
            continue
        published[name] = ind
    result = national.compute(anio, threshold, published, failed, national_balance_links(paths, default.nacional))
    log.info("Balance nacional %s: %s regiones con datos, %s sin datos, %s con error", anio,
             result["regiones_con_datos"], len(result["regiones_sin_datos"]), len(result["regiones_con_error"]))
    annual.write_json(result, out.indicadores_nacional_json)
    write_national_workbook(result, out.indicadores_nacional_xlsx)
    return result


def publish_national_balance(executed: Path, paths: Paths, pdf: bool = True) -> Path:
    """The executed national deck notebook → `balance-nacional-<year>.html` in the national
    folder, with its phone reading and its PDF (as `publish_balance` does for a region)."""
    from pipeline.report import export

    html = export.export_slides(executed, paths.balance_nacional_html)
    export.export_reading(executed, export.reading_path(paths.balance_nacional_html))
    if pdf:
        export.export_pdf(paths.balance_nacional_html, paths.balance_nacional_pdf)
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
