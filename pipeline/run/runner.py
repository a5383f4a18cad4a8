"""One year's run: lock, staging folder, the stages in order, then the swap into place.

Outputs of a year are written to a staging folder beside `outputs/<year>/` and moved into
place only when every requested stage succeeded, so a failed run leaves the previous good
report intact. Two runs of the same year at once: the second stops with a clear message.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

from pipeline import locks
from pipeline.config import NATIONAL_NOTEBOOK, NOTEBOOKS, NOTEBOOKS_DIR, Paths, small_cell_threshold
from pipeline.errors import LockBusy, RunInProgress, StageFailed
from pipeline.report.formats import fmt_num
from pipeline.run import cache, failed

log = logging.getLogger("pipeline")

STAGES = ("limpieza", "indicadores", "balance")


@dataclass
class YearRun:
    """Everything that decides one year's outputs: each field is an explicit input of the
    stages it affects (notebook parameter, run.log and stage fingerprint)."""

    paths: Paths
    region: str
    stages: tuple[str, ...] = STAGES
    progress: bool = False
    pdf: bool = True
    notebooks_dir: Path = NOTEBOOKS_DIR
    force: bool = False
    umbral_celdas: int | None = None  # None: config.small_cell_threshold (env or 5)
    al: str | None = None  # plans' "as of" date (--al AAAA-MM-DD); None: end of year or today
    label: str | None = None  # how the console names the run (not an input): its year, or «2018 Maule»

    def settings(self) -> cache.Settings:
        return cache.Settings(self.region, small_cell_threshold(self.umbral_celdas), self.pdf, self.al)


@contextlib.contextmanager
def year_lock(paths: Paths) -> Iterator[None]:
    """An exclusive, non-blocking lock per year and output tree (released by the OS if we die;
    its file is removed when the run ends)."""
    try:
        with locks.held(paths.lock, wait=False):
            yield
    except LockBusy:
        raise RunInProgress(
            f"Ya hay una ejecución en curso del año {paths.year} en {paths.out_root}. "
            "Espere a que termine o, si no hay ninguna, vuelva a intentarlo."
        ) from None


def _file_log(path: Path, paths: Paths | None = None) -> logging.Handler:
    """run.log: every line through the year's personal-data screen."""
    from pipeline.clean.screen_messages import ScreenFilter

    handler = logging.FileHandler(path, encoding="utf-8")
    handler.addFilter(ScreenFilter(paths))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.setLevel(logging.INFO)
    logger = logging.getLogger("pipeline")
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)  # run.log always records the stages
    logger.addHandler(handler)
    return handler


def swap_into_place(staged: Path, final: Path) -> None:
    """Put the staged year folder in place of the final one (two renames; the old one goes)."""
    old = final.with_name(f".anterior-{final.name}-{os.getpid()}")
    if final.exists():
        final.rename(old)
    staged.rename(final)
    if old.exists():
        shutil.rmtree(old)


def _folder_of(final: Paths) -> Callable[[OSError], Path]:
    """Which folder a write error is about: data/processed (the stage cache) or outputs/."""
    def folder(exc: OSError) -> Path:
        name = Path(exc.filename) if exc.filename else final.out_root
        return final.processed_root if final.processed_root in (name, *name.parents) else final.out_root
    return folder


def publish_quality_only(staged: Paths, final: Paths) -> Path | None:
    """After a later stage failed: the quality report this run made, put in place (the rest of
    the year's outputs stay as they were), and where it is said on the console."""
    source = staged.calidad_html
    if not source.is_file():
        return None
    final.out.mkdir(parents=True, exist_ok=True)
    tmp = final.calidad_html.with_name(f".{final.calidad_html.name}.{os.getpid()}")
    shutil.copy2(source, tmp)
    os.replace(tmp, final.calidad_html)
    log.warning("La limpieza de %s terminó bien: su informe de calidad quedó publicado en %s (el resto de las "
                "salidas del año no cambió).", final.year, final.calidad_html)
    return final.calidad_html


def run_year(job: YearRun, on_stage: Callable[[str], None] | None = None) -> Paths:
    """Run the requested stages of one year; returns the final paths. `on_stage` is called
    as each stage begins. A folder it cannot write (read-only, full, not ours) ends the run
    with `OutputNotWritable`, one Spanish line."""
    from pipeline.clean.writing import not_writable_as_spanish

    final = job.paths
    with not_writable_as_spanish(_folder_of(final)):
        return _run_year(job, final, on_stage)


def _run_year(job: YearRun, final: Paths, on_stage: Callable[[str], None] | None) -> Paths:
    with year_lock(final):
        # with the year's lock held, a staging folder of this year is a killed run's leftover
        for leftover in final.out_root.glob(final.staging_root("*").name):
            if leftover.name.rsplit("-", 1)[-1].isdigit():  # not JupyterLab's (lab.py)
                shutil.rmtree(leftover, ignore_errors=True)
        stage_root = final.staging_root(str(os.getpid()))
        current = None
        staged = replace(final, out_root=stage_root)
        if final.out.exists() and set(job.stages) != set(STAGES):
            shutil.copytree(final.out, staged.out)  # a single stage keeps the other stages' files
        staged.out.mkdir(parents=True, exist_ok=True)
        staged.run_log.unlink(missing_ok=True)
        handler = _file_log(staged.run_log, final)
        try:
            settings = job.settings()
            log.info("Inicio: año %s, etapas %s", final.year, ", ".join(job.stages))
            for line in cache.describe_inputs(final, settings):
                log.info("Entrada: %s", line)
            keys, to_run = cache.stages_to_run(final, settings, job.stages, job.notebooks_dir, job.force)
            for stage in job.stages:
                current = stage
                if on_stage:
                    on_stage(stage)
                stored = cache.StageCache(final, stage, keys[stage])
                if stage not in to_run:
                    stored.restore(staged.out)
                    log.info("Etapa %s sin cambios: se reutiliza el resultado anterior", stage)
                    continue
                start = time.perf_counter()
                if stage == "indicadores":  # stage 1 reused or not asked for, or an earlier year changed
                    from pipeline import stages  # pandas and the rest load only when a stage runs

                    stages.clean_needed(final, job.region)
                _run_stage(stage, staged, job)
                stored.store(staged.out, produced_files(stage, staged))
                log.info("Etapa %s lista en %s s", stage, fmt_num(time.perf_counter() - start, 1))
            log.info("Fin: año %s sin errores", final.year)
        except BaseException as err:
            with locks.deferred_interrupts():  # a second Ctrl-C never leaves a half-cleaned folder
                logging.getLogger("pipeline").removeHandler(handler)
                handler.close()
                if isinstance(err, KeyboardInterrupt):  # interrupted: nothing is kept
                    shutil.rmtree(stage_root, ignore_errors=True)
                    raise
                if "limpieza" in job.stages and current not in (None, "limpieza"):
                    # the year's cleaning is good: its quality report is published all the same
                    publish_quality_only(staged, final)
                kept = failed.keep(staged.out, final)
                shutil.rmtree(stage_root, ignore_errors=True)
            if isinstance(err, StageFailed) and err.executed_copy is not None:
                copy_path = kept / "notebooks" / err.notebook
                raise StageFailed(err.stage, err.notebook, err.detail, copy_path) from None
            raise
        logging.getLogger("pipeline").removeHandler(handler)
        handler.close()
        # --sin-pdf after a run with a PDF: the old PDF would not match the new deck, so it goes,
        # and the console says so (never a silent deletion)
        pdf_dropped = not staged.balance_pdf.exists() and final.balance_pdf.exists()
        keep_national(final, staged)
        with locks.deferred_interrupts():
            swap_into_place(staged.out, final.out)
            shutil.rmtree(stage_root, ignore_errors=True)
        if pdf_dropped:
            log.warning("Se quitó %s, del balance anterior: no corresponde al balance nuevo, hecho sin PDF "
                        "(--sin-pdf). Para tenerlo, vuelva a ejecutar sin --sin-pdf.", final.balance_pdf)
    return final


def stage_parameters(stage: str, paths: Paths, job: YearRun) -> dict:
    """The values papermill injects into a stage's `parameters` cell: the paths of the run
    and the settings that apply to that stage (names in Spanish, as analysts read them)."""
    params = {
        "anio": int(paths.year), "region": str(job.region), "raw_dir": str(paths.raw_root),
        "processed_dir": str(paths.processed_root), "out_dir": str(paths.out_root),
    }
    if stage == "indicadores":
        params["umbral_celdas"] = small_cell_threshold(job.umbral_celdas)
        params["al"] = str(job.al or "")
    return params


def _run_stage(stage: str, paths: Paths, job: YearRun) -> None:
    """Execute the stage's notebook, then export it."""
    from pipeline import stages
    from pipeline.run.notebooks import execute_stage  # papermill loads here, not when the CLI starts

    executed = execute_stage(stage, paths, stage_parameters(stage, paths, job), progress=job.progress,
                             notebooks_dir=job.notebooks_dir)
    if stage == "limpieza":
        stages.publish_quality(executed, paths)
    if stage == "balance":
        stages.publish_balance(executed, paths, job.pdf)


def produced_files(stage: str, paths: Paths) -> list[Path]:
    """What a stage writes to outputs/<year>/ (cached and restored as a whole). Stage 3 also
    rewrites one section of the quality report (the office's figures against the data): a
    reused stage 3 restores the report with it, made from the same cleaning, since its
    fingerprint includes the cleaning's."""
    notebook = paths.notebooks_out / NOTEBOOKS[stage]
    return {
        "limpieza": [paths.calidad_html, notebook],
        "indicadores": [paths.indicadores_json, paths.indicadores_xlsx, paths.plan_html, paths.verificadores_html,
                        notebook],
        "balance": [paths.balance_html, paths.lectura_html, paths.balance_pdf, paths.calidad_html, notebook],
    }[stage]


def keep_national(final: Paths, staged: Paths) -> None:
    """The country's folder (`outputs/<year>/nacional/`) lives inside the default region's year:
    a run of that region carries it over, so replacing the region's year never drops it (the
    national stage takes the same year lock to write it)."""
    if final.nacional.is_dir() and not staged.nacional.exists():
        shutil.copytree(final.nacional, staged.nacional)


@dataclass
class NationalRun:
    """The national stage of one year, after every region's run: `regions` is each region's
    paths of the year as published (region name → Paths, the 16 of them), `out` the default
    region's paths (the national folder is `out.nacional`), `failed_regions` the regions whose run
    failed this time. `deck`: also run the national deck notebook when it exists."""

    regions: dict[str, Paths]
    out: Paths
    failed_regions: tuple[str, ...] = ()
    umbral_celdas: int | None = None
    deck: bool = True
    pdf: bool = True
    force: bool = False
    progress: bool = False
    notebooks_dir: Path = NOTEBOOKS_DIR

    @property
    def year(self) -> int:
        return self.out.year


def run_national(job: NationalRun) -> Paths:
    """The national stage (and the national deck when its notebook exists), staged and swapped
    into `outputs/<year>/nacional/` as a whole, under the default region's year lock (a run of
    that region replaces `outputs/<year>/`). Reused from the cache when neither a regional
    `indicadores.json`, the regions' states, the threshold nor the code changed."""
    from pipeline.clean.writing import not_writable_as_spanish

    final = job.out
    with not_writable_as_spanish(_folder_of(final)), year_lock(final):
        stage_root = final.staging_root(f"nacional-{os.getpid()}")
        staged = replace(final, out_root=stage_root)
        staged.nacional.mkdir(parents=True, exist_ok=True)
        handler = _file_log(staged.nacional_run_log)
        try:
            key, described = cache.national_key(job)
            log.info("Inicio: año %s, balance nacional", job.year)
            for line in described:
                log.info("Entrada: %s", line)
            stored = cache.StageCache(final, "nacional", key)
            if stored.hit() and not job.force:
                stored.restore(staged.nacional)
                log.info("Etapa nacional sin cambios: se reutiliza el resultado anterior")
            else:
                start = time.perf_counter()
                _national_stage(job, staged)
                stored.store(staged.nacional, [p for p in staged.nacional.rglob("*")
                                               if p.is_file() and p != staged.nacional_run_log])
                log.info("Etapa nacional lista en %s s", fmt_num(time.perf_counter() - start, 1))
            log.info("Fin: año %s, balance nacional sin errores", job.year)
        except BaseException as err:
            with locks.deferred_interrupts():
                logging.getLogger("pipeline").removeHandler(handler)
                handler.close()
                kept = None if isinstance(err, KeyboardInterrupt) else failed.keep(staged.nacional, final)
                shutil.rmtree(stage_root, ignore_errors=True)
            if isinstance(err, StageFailed) and err.executed_copy is not None and kept is not None:
                raise StageFailed(err.stage, err.notebook, err.detail, kept / "notebooks" / err.notebook) from None
            raise
        logging.getLogger("pipeline").removeHandler(handler)
        handler.close()
        with locks.deferred_interrupts():
            final.out.mkdir(parents=True, exist_ok=True)
            swap_into_place(staged.nacional, final.nacional)
            shutil.rmtree(stage_root, ignore_errors=True)
    return final


def _national_stage(job: NationalRun, staged: Paths) -> None:
    """indicadores-nacional.json and .xlsx; then, when `notebooks/04_balance_nacional.ipynb`
    exists, the national deck: executed with papermill (parameters `anio` and `out_dir`, the
    outputs root as in the regional notebooks: `config.paths(anio, out_dir=out_dir)` gives
    `.indicadores_nacional_json`, `.nacional`…) and exported as the regional deck is
    (`stages.publish_national_balance`)."""
    from pipeline import stages

    stages.national_stage(job.regions, job.year, staged, job.failed_regions, job.umbral_celdas)
    notebook = job.notebooks_dir / NATIONAL_NOTEBOOK
    if job.deck and notebook.is_file():
        from pipeline.run.notebooks import execute_notebook

        params = {"anio": int(job.year), "out_dir": str(staged.out_root)}
        executed = execute_notebook("balance nacional", notebook, staged.nacional / "notebooks" / NATIONAL_NOTEBOOK,
                                    params, progress=job.progress)
        stages.publish_national_balance(executed, staged, job.pdf)
