"""One year's run: lock, staging folder, the stages in order, then the swap into place.

Outputs of a year are written to a staging folder beside `outputs/<year>/` and moved into
place only when every requested stage succeeded, so a failed run leaves the previous good
report intact. Two runs of the same year at once: the second stops with a clear message.
"""
from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator

from . import cache
from .config import NOTEBOOKS, NOTEBOOKS_DIR, Paths
from .kernels import WarmKernel
from .errors import EjecucionEnCurso, EtapaFallida

log = logging.getLogger("pipeline")

STAGES = ("limpieza", "indicadores", "balance")

# With --jobs N, one more year than N runs at once, and `StageSlots` (shared by the year
# workers, see cli) lets at most N of them execute a stage at a time: when a year waits
# (between stages, or for its last stage), another year's stage takes the core.
_stage_slots: "StageSlots | None" = None


class StageSlots:
    """At most `n` stages executing at once across year worker processes (fork-inherited).

    A freed slot goes to the lead year (the earliest one not done) when it is waiting, else
    to the waiting year with the most stages still to run, then the earliest. So one slot
    carries a year through to its deck while the others start the next years: the decks,
    the longest stage, do not all come at the end, with one of them running alone while a
    core idles. A year that goes on to another stage queues for it as it frees its slot,
    so it competes for that very slot."""

    def __init__(self, ctx, n: int, years: list[int]):
        self._cond = ctx.Condition()
        self._free = ctx.Value("i", n, lock=False)
        self._years = list(years)
        self._waiting = ctx.Array("i", len(years), lock=False)  # stages left of each waiting year
        self._done = ctx.Array("b", len(years), lock=False)  # years that need no more slots

    @contextlib.contextmanager
    def slot(self, anio: int, stages_left: int) -> Iterator[None]:
        i = self._years.index(anio)
        with self._cond:
            self._waiting[i] = stages_left
            while not (self._free.value > 0 and self._first_in_line() == i):
                self._cond.wait()
            self._waiting[i] = 0
            self._free.value -= 1
        next_left = 0
        try:
            yield
            next_left = stages_left - 1
        finally:
            with self._cond:
                self._free.value += 1
                self._waiting[i] = next_left
                self._cond.notify_all()

    def leave(self, anio: int) -> None:
        """The year needs no more slots (it ended, failed, or was already running elsewhere)."""
        i = self._years.index(anio)
        with self._cond:
            self._waiting[i] = 0
            self._done[i] = 1
            self._cond.notify_all()

    def _first_in_line(self) -> int:
        lead = next((j for j in range(len(self._years)) if not self._done[j]), None)
        if lead is not None and self._waiting[lead]:
            return lead
        return max(range(len(self._years)), key=lambda j: (self._waiting[j], -j))


def set_stage_slots(slots: StageSlots) -> None:
    """Share the stage slots with this worker process (a process pool initializer)."""
    global _stage_slots
    _stage_slots = slots


@contextlib.contextmanager
def _stage_slot(anio: int, stages_left: int) -> Iterator[None]:
    if _stage_slots is None:
        yield
        return
    with _stage_slots.slot(anio, stages_left):
        yield


def _leave_stage_slots(anio: int) -> None:
    if _stage_slots is not None:
        _stage_slots.leave(anio)


@dataclass
class YearRun:
    paths: Paths
    region: str
    stages: tuple[str, ...] = STAGES
    progress: bool = False
    pdf: bool = True
    notebooks_dir: Path = NOTEBOOKS_DIR
    force: bool = False
    prewarm: bool = True  # start the next stage's kernel while this one runs
    first_kernel: WarmKernel | None = field(default=None, compare=False, repr=False)


@contextlib.contextmanager
def year_lock(paths: Paths) -> Iterator[None]:
    """An exclusive, non-blocking lock per year and output tree (released by the OS if we die)."""
    paths.out_root.mkdir(parents=True, exist_ok=True)
    lock_path = paths.out_root / f".bloqueo-{paths.anio}.lock"
    handle = open(lock_path, "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise EjecucionEnCurso(
            f"Ya hay una ejecución en curso del año {paths.anio} en {paths.out_root}. "
            "Espere a que termine o, si no hay ninguna, vuelva a intentarlo."
        ) from None
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _file_log(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.setLevel(logging.INFO)
    logger = logging.getLogger("pipeline")
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)  # run.log always records the stages
    logger.addHandler(handler)
    return handler


def _swap_into_place(staged: Path, final: Path) -> None:
    old = final.with_name(f".anterior-{final.name}-{os.getpid()}")
    if final.exists():
        final.rename(old)
    staged.rename(final)
    if old.exists():
        shutil.rmtree(old)


def run_year(
    job: YearRun, on_stage: Callable[[str], None] | None = None,
    on_stage_done: Callable[[str, Paths], None] | None = None,
) -> Paths:
    """Run the requested stages of one year; returns the final paths. `on_stage` is called as
    a stage begins, `on_stage_done` once its files are in the staging folder (its paths)."""
    final = job.paths
    try:
        return _run_year_locked(job, final, on_stage, on_stage_done)
    finally:
        _leave_stage_slots(final.anio)


def _run_year_locked(
    job: YearRun, final: Paths, on_stage: Callable[[str], None] | None,
    on_stage_done: Callable[[str, Paths], None] | None,
) -> Paths:
    with year_lock(final):
        # with the year's lock held, a staging folder of this year is a killed run's leftover
        for leftover in final.out_root.glob(f".en-curso-{final.anio}-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        stage_root = final.out_root / f".en-curso-{final.anio}-{os.getpid()}"
        staged = replace(final, out_root=stage_root)
        if final.out.exists() and set(job.stages) != set(STAGES):
            shutil.copytree(final.out, staged.out)  # a single stage keeps the other stages' files
        staged.out.mkdir(parents=True, exist_ok=True)
        if staged.run_log.exists():
            staged.run_log.unlink()
        handler = _file_log(staged.run_log)
        try:
            log.info("Inicio: año %s, región %s, etapas %s", final.anio, job.region, ", ".join(job.stages))
            keys, to_run = cache.stages_to_run(final, job.region, job.stages, job.pdf, job.notebooks_dir, job.force)
            reuse = {etapa: etapa not in to_run for etapa in job.stages}
            warm: dict[str, WarmKernel] = {}
            # the quality report's export runs beside the next stage; its result is awaited below
            background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="exportar")
            pending: list[tuple[str, cache.StageCache, Future | None]] = []
            if job.first_kernel is not None:  # started by the CLI while it was still importing
                if to_run and job.first_kernel.notebook == job.notebooks_dir / NOTEBOOKS[to_run[0]]:
                    warm[to_run[0]] = job.first_kernel
                else:
                    job.first_kernel.shutdown()

            def prewarm(etapa: str | None) -> None:
                if job.prewarm and etapa is not None and etapa not in warm:
                    warm[etapa] = WarmKernel(job.notebooks_dir / NOTEBOOKS[etapa], job.notebooks_dir)

            try:
                prewarm(to_run[0] if to_run else None)
                if to_run:
                    from . import export, report  # noqa: F401  heavy imports, while the kernel loads
                for etapa in job.stages:
                    if on_stage:
                        on_stage(etapa)
                    stored = cache.StageCache(final, etapa)
                    if reuse[etapa]:
                        stored.restore(staged.out)
                        log.info("Etapa %s sin cambios: se reutiliza el resultado anterior", etapa)
                        if on_stage_done:
                            on_stage_done(etapa, staged)
                        continue
                    with _stage_slot(final.anio, len(to_run) - to_run.index(etapa)):
                        start = time.perf_counter()
                        kernel = warm[etapa] if etapa in warm else None
                        km = kernel.take() if kernel else None  # this stage's kernel first, then
                        for following in to_run[to_run.index(etapa) + 1:]:
                            prewarm(following)  # the next ones (two at most), while this one runs
                        try:
                            export_done = _run_stage(etapa, staged, job, km, background)
                        finally:
                            if kernel:
                                kernel.shutdown(wait=False)  # stops while the next stage runs
                    pending.append((etapa, stored, export_done))
                    log.info("Etapa %s lista en %.1f s", etapa, time.perf_counter() - start)
                    if on_stage_done:
                        on_stage_done(etapa, staged)
                for etapa, stored, export_done in pending:
                    if export_done is not None:
                        export_done.result()  # an export's error fails the run here
                    stored.store(keys[etapa], staged.out, produced_files(etapa, staged))
            finally:
                _leave_stage_slots(final.anio)  # between its stages, nothing more to wait for
                background.shutdown(wait=True)
                for kernel in warm.values():
                    kernel.shutdown()
            log.info("Fin: año %s sin errores", final.anio)
        except BaseException as err:
            logging.getLogger("pipeline").removeHandler(handler)
            handler.close()
            failed = final.out_root / ".fallidas" / f"{final.anio}-{time.strftime('%Y%m%d-%H%M%S')}"
            failed.parent.mkdir(parents=True, exist_ok=True)
            staged.out.rename(failed)
            shutil.rmtree(stage_root, ignore_errors=True)
            if isinstance(err, EtapaFallida) and err.copia is not None:
                copia = failed / "notebooks" / err.notebook
                raise EtapaFallida(err.etapa, err.notebook, err.detalle, copia) from None
            raise
        logging.getLogger("pipeline").removeHandler(handler)
        handler.close()
        _swap_into_place(staged.out, final.out)
        shutil.rmtree(stage_root, ignore_errors=True)
    return final


def _run_stage(etapa: str, paths: Paths, job: YearRun, km, background: ThreadPoolExecutor) -> Future | None:
    """Execute the stage's notebook, then export it; an export left running is returned."""
    from . import export  # nbconvert and papermill load here, not when the CLI starts
    from .report import execute_stage

    executed = execute_stage(etapa, paths, job.region, progress=job.progress, notebooks_dir=job.notebooks_dir, km=km)
    if etapa == "limpieza":
        return background.submit(export.export_document, executed, paths.calidad_html)
    if etapa == "balance":
        export.export_slides(executed, paths.balance_html)
        if job.pdf:
            export.export_pdf(paths.balance_html, paths.balance_pdf)
    return None


def produced_files(etapa: str, paths: Paths) -> list[Path]:
    """What a stage writes to outputs/<year>/ (cached and restored as a whole)."""
    notebook = paths.notebooks_out / NOTEBOOKS[etapa]
    return {
        "limpieza": [paths.calidad_html, notebook],
        "indicadores": [paths.indicadores_json, paths.indicadores_xlsx, notebook],
        "balance": [paths.balance_html, paths.balance_pdf, notebook],
    }[etapa]
