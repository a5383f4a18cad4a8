"""Command line: `python -m pipeline run --year 2017` (also installed as `balance`).

Parses arguments, runs the years (one after another, or side by side with `--jobs`), shows
progress, puts the multi-year trends page together, and turns failures into Spanish messages
with a non-zero exit. The stages themselves are in runner.py and the notebooks.
"""
from __future__ import annotations

import argparse
import atexit
import json
import logging
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

# jsonschema (under nbformat) builds 38 lark grammars when it is imported with rfc3987-syntax
# installed (JupyterLab's jupyter-events brings it): 0.7 s of every run, for the "iri" string
# format that nbformat never checks. Marked as absent here, in the CLI process only.
sys.modules.setdefault("rfc3987_syntax", None)

from . import reference  # noqa: E402
from .config import DEFAULT_REGION, NOTEBOOKS, Paths, paths
from . import cache
from .errors import EtapaFallida
from .kernels import WarmKernel, fork_server, stop_fork_server, use_fork_server
from .runner import STAGES, EjecucionEnCurso, StageSlots, YearRun, run_year, set_stage_slots

COMMANDS = {
    "run": STAGES,
    "clean": ("limpieza",),
    "indicators": ("indicadores",),
    "report": ("balance",),
}

EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 1, 2, 3

# where run_one sends each year's indicators (the trends page): set by _run_jobs in this
# process, or by _init_worker in a year worker (through a queue to the CLI)
_indicadores_sink = None


def parse_years(text: str) -> list[int]:
    """`2017`, `2016-2018` or `2016,2018` → sorted list of years."""
    years: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d{4})\s*-\s*(\d{4})", part)
        if match:
            a, b = int(match[1]), int(match[2])
            if a > b:
                raise argparse.ArgumentTypeError(f"Rango de años al revés: {part}")
            years.update(range(a, b + 1))
        elif re.fullmatch(r"\d{4}", part):
            years.add(int(part))
        else:
            raise argparse.ArgumentTypeError(f"Año no válido: {part!r} (use 2017, 2016-2018 o 2016,2018)")
    return sorted(years)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="balance",
        description="Balance de Participación Ciudadana: de las listas de asistencia al balance anual.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMANDO")
    helps = {
        "run": "ejecuta todas las etapas (limpieza → indicadores → balance)",
        "clean": "solo la etapa de limpieza (y el reporte de calidad)",
        "indicators": "solo la etapa de indicadores (indicadores.json y .xlsx)",
        "report": "solo el balance (diapositivas HTML y PDF)",
    }
    for name, help_text in helps.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        years = p.add_mutually_exclusive_group(required=True)
        years.add_argument("--year", type=parse_years, help="año a procesar, p. ej. 2017")
        years.add_argument("--years", type=parse_years, help="varios años: 2016-2018 o 2016,2018")
        p.add_argument("--region", default=DEFAULT_REGION, help="región por nombre o código (por defecto: %(default)s)")
        p.add_argument("--raw-dir", type=Path, help="carpeta de registros crudos (por defecto data/raw)")
        p.add_argument("--processed-dir", type=Path, help="carpeta de datos procesados (por defecto data/processed)")
        p.add_argument("--out-dir", type=Path, help="carpeta de salidas (por defecto outputs)")
        p.add_argument("--sin-pdf", action="store_true", help="no generar el PDF del balance")
        p.add_argument("--force", action="store_true", help="recalcula todo, aunque nada haya cambiado")
        p.add_argument("--jobs", type=int, default=1, help="años en paralelo con --years (por defecto 1)")
        p.add_argument("-q", "--quiet", action="store_true", help="sin barra de progreso por celda")
    return parser


def _abs(p: Path | None) -> Path | None:
    return None if p is None else p.expanduser().resolve()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger("pipeline").setLevel(logging.INFO)
    try:
        reg = reference.region(args.region)
    except reference.RegionDesconocida as err:
        print(f"Error: {err}", file=sys.stderr)
        return EXIT_USAGE
    years = args.year or args.years
    stages = COMMANDS[args.command]
    jobs = [
        YearRun(
            paths(anio, reg.nombre, _abs(args.raw_dir), _abs(args.processed_dir), _abs(args.out_dir)),
            reg.nombre, stages, progress=not args.quiet and args.jobs <= 1, pdf=not args.sin_pdf,
            force=args.force,
        )
        for anio in years
    ]
    trends = None
    if len(years) > 1 and args.command in ("run", "indicators"):
        trends = TrendsPage(jobs[0].paths, reg.nombre, years)
    try:
        codes = _run_jobs(jobs, args.jobs, trends)
        failed = next((c for c in codes if c), 0)
        if trends is not None and not failed:
            _, html_path = trends.write()  # before the fork server stops: it may be drawing it
            print(f"Tendencias: {html_path}", file=sys.stderr)
    finally:
        if trends is not None:
            trends.discard()
        stop_fork_server()
    return failed


def entry() -> None:
    """`python -m pipeline` and the `balance` command: `main`, then a quick exit."""
    try:
        code = main()
    except SystemExit as err:  # argparse's --help and usage errors
        if not isinstance(err.code, int | None):
            raise
        code = err.code or 0
    exit_now(code)


def exit_now(code: int) -> None:
    """Exit as Python would (threads still working are awaited, atexit handlers run, output
    flushed), without unloading pandas, matplotlib, nbconvert and the rest one object at a
    time: that teardown alone took half a second of every run."""
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _run_jobs(jobs: list[YearRun], workers: int, trends: "TrendsPage | None" = None) -> list[int]:
    """Run the years; each year's indicators go to `trends` as soon as they exist."""
    global _indicadores_sink
    parallel = workers > 1 and len(jobs) > 1
    # every stage kernel of this run is a fork of one process that already imported ipykernel
    # and the notebooks' libraries (see forkserver.py); started before the year workers fork
    use_fork_server([jobs[0].notebooks_dir / NOTEBOOKS[etapa] for etapa in STAGES], now=parallel,
                    first_kernels=min(len(jobs), workers + 1) if parallel else 1)
    if parallel:
        return _run_parallel(jobs, workers, trends)
    # start the first stage's kernel now: it loads on the other core while this process is
    # still importing papermill and nbconvert
    first = jobs[0]
    _, to_run = cache.stages_to_run(first.paths, first.region, first.stages, first.pdf,
                                    first.notebooks_dir, first.force)
    if to_run:
        first.first_kernel = WarmKernel(first.notebooks_dir / NOTEBOOKS[to_run[0]], first.notebooks_dir)
    _indicadores_sink = trends.add if trends is not None else None
    codes = []
    for job in jobs:
        codes.append(run_one(job))
        if codes[-1]:
            break  # sequential: stop at the first failure, as a scheduler expects
    return codes


def _run_parallel(jobs: list[YearRun], workers: int, trends: "TrendsPage | None" = None) -> list[int]:
    """One year more than `workers` in flight, at most `workers` stages executing at once
    (runner.StageSlots): no core idles while a year is between stages or alone."""
    from . import export, report  # noqa: F401  loaded once here, shared by the forked workers

    export.warm_up()  # likewise nbconvert's first-export work
    fork = multiprocessing.get_context("fork")
    slots = StageSlots(fork, workers, [job.paths.anio for job in jobs])
    indicadores = fork.SimpleQueue()  # each year's indicators, from the workers to `trends`
    reader = threading.Thread(target=_pass_on, args=(indicadores, trends), name="indicadores", daemon=True)
    reader.start()
    try:
        with ProcessPoolExecutor(max_workers=min(len(jobs), workers + 1), mp_context=fork,
                                 initializer=_init_worker,
                                 initargs=(slots, indicadores if trends else None, os.getpid())) as pool:
            futures = [pool.submit(run_one, job) for job in jobs]
            return [f.result() for f in futures]
    finally:
        indicadores.put(None)
        reader.join()


def _pass_on(queue, trends: "TrendsPage | None") -> None:
    for anio, indicadores in iter(queue.get, None):  # only sent when there is a trends page
        trends.add(anio, indicadores)


def _init_worker(slots: StageSlots, indicadores, parent: int) -> None:
    """A year worker: shares the stage slots, sends each year's indicators to the CLI, and
    ends if the CLI is killed (a process pool would otherwise leave its workers waiting for
    work forever, and their kernels with them)."""
    global _indicadores_sink
    set_stage_slots(slots)
    if indicadores is not None:
        _indicadores_sink = lambda anio, ind: indicadores.put((anio, ind))  # noqa: E731

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(EXIT_FAILED)

    threading.Thread(target=watch, name="vigila-cli", daemon=True).start()


def run_one(job: YearRun) -> int:
    """Run one year and print its outcome; returns the exit code."""
    anio, total = job.paths.anio, len(job.stages)
    counter = iter(range(1, total + 1))

    def on_stage(etapa: str) -> None:
        print(f"[{anio}] etapa {next(counter)}/{total}: {etapa}…", file=sys.stderr, flush=True)

    def on_stage_done(etapa: str, staged: Paths) -> None:
        if etapa == "indicadores" and _indicadores_sink is not None and staged.indicadores_json.is_file():
            _indicadores_sink(anio, json.loads(staged.indicadores_json.read_text(encoding="utf-8")))

    try:
        run_year(job, on_stage, on_stage_done)
    except EjecucionEnCurso as err:
        print(f"Error: {err}", file=sys.stderr)
        return EXIT_BUSY
    except EtapaFallida as err:
        print(f"Error en {anio}: {err}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if job.first_kernel is not None:
            job.first_kernel.shutdown()  # unused (year busy, stage reused) or already stopped
    print(f"[{anio}] listo: {job.paths.out}", file=sys.stderr)
    return 0


class TrendsPage:
    """outputs/tendencias.json|html of a run over several years: drawn in the background as
    soon as every year of the run has its indicators (while the last decks are still being
    made), and put in place once the whole run succeeded. A fork of the fork server draws it,
    with pandas and matplotlib already loaded (this process would spend 0.4 s of CPU importing
    them); without the server, write() draws it at the end, here."""

    def __init__(self, any_year: Paths, region: str, years: list[int]):
        self._any_year, self._region = any_year, region
        self._missing = set(years)
        self._fresh: dict[int, dict] = {}  # this run's years, from their staging folders
        self._lock = threading.Lock()
        self._drawing: threading.Thread | None = None
        self._drawn = Path(tempfile.mkdtemp(prefix="balance-tendencias-"))

    def add(self, anio: int, indicadores: dict) -> None:
        with self._lock:
            self._fresh[anio] = indicadores
            self._missing.discard(anio)
            if not self._missing and self._drawing is None:
                self._drawing = threading.Thread(target=self._draw, name="tendencias", daemon=True)
                self._drawing.start()

    def write(self) -> tuple[Path, Path]:
        """Put both files in place; drawn now if the background drawing did not happen or failed."""
        if self._drawing is not None:
            self._drawing.join()
        out_root = self._any_year.out_root
        drawn = [self._drawn / "tendencias.json", self._drawn / "tendencias.html"]
        if not all(p.is_file() for p in drawn):
            from . import trends  # pandas and matplotlib

            return trends.write_trends(dict(self._years()), out_root, self._region)
        out_root.mkdir(parents=True, exist_ok=True)
        return tuple(Path(shutil.move(p, out_root / p.name)) for p in drawn)  # type: ignore[return-value]

    def discard(self) -> None:
        """Remove what was drawn and not put in place (the run failed, or it is all written)."""
        shutil.rmtree(self._drawn, ignore_errors=True)

    def _years(self) -> list[list]:
        """[year, indicators] for every year with an indicadores.json in the outputs, this
        run's years as just computed."""
        found = {}
        for folder in sorted(self._any_year.out_root.glob("[0-9][0-9][0-9][0-9]")):
            ind_path = replace(self._any_year, anio=int(folder.name)).indicadores_json
            if int(folder.name) not in self._fresh and ind_path.exists():
                found[int(folder.name)] = json.loads(ind_path.read_text(encoding="utf-8"))
        return [[anio, ind] for anio, ind in sorted({**found, **self._fresh}.items())]

    def _draw(self) -> None:
        # only a server the run's kernels already started: with every stage reused there is
        # none, and starting one (ipykernel, pandas, matplotlib) would cost more than the page
        server = fork_server(start=False)
        if server is None:  # write() draws it, in this process
            return
        try:
            server.call("pipeline.trends:write_trends_pairs", [self._years(), str(self._drawn), self._region])
        except OSError as err:  # likewise
            logging.getLogger("pipeline").debug("Tendencias en el servidor de kernels: %s", err)


if __name__ == "__main__":
    entry()
