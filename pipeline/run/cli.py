"""Command line: `python -m pipeline ejecutar --anio 2017` (also installed as `balance`).

Parses arguments (in Spanish, argparse's own words included), refuses at once a year that
cannot run (preflight.py), runs the years (one after another, or whole years side by side
with `--procesos`), writes the multi-year trends page, and turns failures and Ctrl-C into
one Spanish message with a non-zero exit. The stages themselves are in runner.py.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from dataclasses import replace
from pathlib import Path

from pipeline import reference
from pipeline.config import DEFAULT_REGION, paths, sample_dirs, small_cell_threshold
from pipeline.errors import (BalanceError, KeyFileError, OutputNotWritable, RunInProgress, StageFailed,
                             UnknownRegion)
from pipeline.report.formats import fmt_num
from pipeline import locks
from pipeline.run import preflight
from pipeline.run.runner import STAGES, YearRun, run_year

# Spanish commands; today's English names stay as aliases.
COMMANDS = {
    "ejecutar": (("run",), STAGES, "ejecuta todas las etapas (limpieza → indicadores → balance)"),
    "limpiar": (("clean",), ("limpieza",), "solo la etapa de limpieza (y el reporte de calidad)"),
    "indicadores": (("indicators",), ("indicadores",), "solo la etapa de indicadores (indicadores.json y .xlsx)"),
    "balance": (("report",), ("balance",), "solo el balance (diapositivas HTML y PDF)"),
}

EXIT_FAILED, EXIT_USAGE, EXIT_BUSY, EXIT_INTERRUPTED = 1, 2, 3, 130

# argparse's own messages (English, from its gettext catalogue) → Spanish. Patterns of the
# texts argparse documents as its errors; anything else is shown as it comes.
_ERRORS = [
    (r"the following arguments are required: (.*)", r"faltan argumentos obligatorios: \1"),
    (r"one of the arguments (.*) is required", r"falta uno de los argumentos \1"),
    (r"argument (.*): not allowed with argument (.*)", r"el argumento \1 no se puede usar junto con \2"),
    (r"unrecognized arguments: (.*)", r"argumentos no reconocidos: \1"),
    (r"argument (.*): invalid choice: (.*?) \(choose from (.*)\)", r"argumento \1: opción no válida: \2 (elija entre \3)"),
    (r"argument (.*): expected one argument", r"el argumento \1 necesita un valor"),
    (r"argument (.*): invalid (\w+) value: (.*)", r"argumento \1: valor no válido: \3"),
    (r"ambiguous option: (.*) could match (.*)", r"opción ambigua: \1 puede ser \2"),
    (r"argument (.*?): (.*)", r"argumento \1: \2"),
]
_HEADINGS = [("usage: ", "uso: "), ("\noptions:\n", "\nopciones:\n"),
             ("\npositional arguments:\n", "\nargumentos:\n")]


def spanish_error(message: str) -> str:
    for pattern, replacement in _ERRORS:
        if re.fullmatch(pattern, message, flags=re.S):
            return re.sub(pattern, replacement, message, flags=re.S)
    return message


class SpanishParser(argparse.ArgumentParser):
    """argparse with its own words in Spanish: `uso:`, `opciones:`, the `-h` help and the
    errors (printed as `Error: …` after the usage line, exit code 2)."""

    def __init__(self, *args, **kwargs):
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self.add_argument("-h", "--help", "--ayuda", action="help", default=argparse.SUPPRESS,
                          help="muestra esta ayuda y termina")

    def _spanish(self, text: str) -> str:
        for english, spanish in _HEADINGS:
            text = text.replace(english, spanish)
        return text

    def format_usage(self) -> str:
        return self._spanish(super().format_usage())

    def format_help(self) -> str:
        return self._spanish(super().format_help())

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"Error: {spanish_error(message)}\n")


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
    parser = SpanishParser(
        prog="balance",
        description="Balance de Participación Ciudadana: de las listas de asistencia al balance anual.",
        epilog="Ejemplo: python -m pipeline ejecutar --anio 2017. Ayuda de un comando: "
               "python -m pipeline ejecutar -h",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMANDO", title="comandos",
                                parser_class=SpanishParser)
    for name, (aliases, stages, help_text) in COMMANDS.items():
        p = sub.add_parser(name, aliases=list(aliases), help=help_text,
                           description=help_text)
        p.set_defaults(stages=stages)
        years = p.add_mutually_exclusive_group(required=True)
        years.add_argument("--anio", "--year", dest="anio", type=parse_years, metavar="AÑO",
                           help="año a procesar, p. ej. 2017")
        years.add_argument("--anios", "--years", dest="anios", type=parse_years, metavar="AÑOS",
                           help="varios años: 2016-2018 o 2016,2018")
        p.add_argument("--region", default=None, metavar="REGIÓN",
                       help=f"región por nombre o código (por defecto: {DEFAULT_REGION})")
        p.add_argument("--nacional", action="store_true",
                       help="todas las regiones con planillas del año (cada una como con --region), y luego "
                            "el balance nacional en outputs/<año>/nacional/")
        p.add_argument("--muestra", action="store_true",
                       help="usa la muestra sintética (data/muestra), con sus salidas en outputs/muestra y "
                            "data/processed/muestra: nunca se mezcla con los datos reales de data/raw")
        p.add_argument("--raw-dir", type=Path, metavar="CARPETA", help="carpeta de registros crudos (por defecto data/raw)")
        p.add_argument("--processed-dir", type=Path, metavar="CARPETA",
                       help="carpeta de datos procesados (por defecto data/processed)")
        p.add_argument("--out-dir", type=Path, metavar="CARPETA", help="carpeta de salidas (por defecto outputs)")
        p.add_argument("--sin-pdf", action="store_true", help="no generar el PDF del balance")
        p.add_argument("--forzar", "--force", dest="force", action="store_true",
                       help="recalcula todo, aunque nada haya cambiado")
        p.add_argument("--procesos", "--jobs", dest="jobs", type=int, default=1, metavar="N",
                       help="años (con --anios) o regiones (con --nacional) en paralelo, cada uno en su "
                            "propio proceso (por defecto 1)")
        p.add_argument("--umbral-celdas", type=str, default=None, metavar="N",
                       help="oculta en las tablas de personas las celdas con menos de N personas "
                            "(por defecto 5, o $BALANCE_UMBRAL_CELDAS)")
        p.add_argument("--al", type=_as_of, default=None, metavar="AAAA-MM-DD",
                       help="fecha a la que se informa el estado de los planes (por defecto: el último "
                            "día del año, o hoy si el año está en curso)")
        p.add_argument("-q", "--silencioso", "--quiet", dest="quiet", action="store_true",
                       help="sin barra de progreso por celda")
    return parser


def _as_of(text: str) -> str:
    """`--al`: a real date written AAAA-MM-DD."""
    from datetime import date

    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"fecha no válida: {text!r} (use AAAA-MM-DD, p. ej. 2025-06-30)") from None


def console_logging() -> None:
    """The console shows the pipeline's own log lines and none of the libraries': nbclient's
    «Kernel died while waiting for execute reply» and asyncio's «Task exception was never
    retrieved» after a Ctrl-C are not for the user (a kernel that really dies is told by the
    stage's own «Falló …» line). `logging.Filter("pipeline")` passes that logger and its children."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.addFilter(logging.Filter("pipeline"))


def _abs(p: Path | None) -> Path | None:
    return None if p is None else p.expanduser().resolve()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console_logging()
    logging.getLogger("pipeline").setLevel(logging.INFO)
    if args.nacional:
        from pipeline.run.national import main_national

        return main_national(args)
    try:
        reg = reference.region(args.region or DEFAULT_REGION)
        threshold = small_cell_threshold(args.umbral_celdas)
    except (UnknownRegion, ValueError) as err:
        print(f"Error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.jobs < 1:
        print("Error: --procesos debe ser un número entero mayor que 0.", file=sys.stderr)
        return EXIT_USAGE
    years = args.anio or args.anios
    if args.muestra:
        if args.raw_dir is not None:
            print("Error: use --muestra o --raw-dir, no ambos.", file=sys.stderr)
            return EXIT_USAGE
        args.raw_dir, processed, out = sample_dirs(reg.nombre)
        args.processed_dir = args.processed_dir or processed
        args.out_dir = args.out_dir or out
    jobs = [
        YearRun(
            paths(year, reg.nombre, _abs(args.raw_dir), _abs(args.processed_dir), _abs(args.out_dir)),
            reg.nombre, args.stages, progress=not args.quiet and args.jobs <= 1,
            pdf=not args.sin_pdf, force=args.force, umbral_celdas=threshold, al=args.al,
        )
        for year in years
    ]
    refused = [say(line, job.paths) for job in jobs for line in preflight.problems(job.paths, job.stages)]
    refused += [say(line) for line in preflight.key_problems()]
    if refused:  # before any kernel starts
        for line in refused:
            print(f"Error: {line}", file=sys.stderr)
        return EXIT_USAGE
    try:
        codes = _run_jobs(jobs, args.jobs)
    except KeyboardInterrupt:
        return interrupted()
    failed = next((c for c in codes if c), 0)
    if failed == EXIT_INTERRUPTED:
        return interrupted()
    if not failed and len(years) > 1 and "indicadores" in args.stages:
        _, html_path = write_trends_page(jobs[0], reg.nombre)
        print(f"Tendencias: {html_path}", file=sys.stderr)
    return failed


def say(text: object, paths=None) -> str:
    """What the console may show of `text`: through the year's personal-data screen (the
    names of its attendees when its index exists, RUT-shaped numbers always)."""
    from pipeline.clean.screen_messages import message

    return message(str(text), paths)


def interrupted() -> int:
    """Ctrl-C: one line, exit 130. The runner already removed its staging folder and lock,
    and notebooks.stop_kernels stopped the kernels; the last good outputs are untouched."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not cut the exit short
    print("Interrumpido: no se publicó nada; las salidas anteriores quedan como estaban.", file=sys.stderr)
    return EXIT_INTERRUPTED


def entry() -> None:
    """`python -m pipeline` and the `balance` command."""
    try:
        code = main()
    except KeyboardInterrupt:  # during the parsing or the trends page
        code = interrupted()
    sys.exit(code)


def _run_jobs(jobs: list[YearRun], workers: int, keep_going: bool = False) -> list[int]:
    """Run the years (or regions): one after another (stopping at the first failure, as a
    scheduler expects, unless `keep_going`: a failed region never stops the others), or
    `workers` at a time in a plain process pool."""
    if workers <= 1 or len(jobs) <= 1:
        codes = []
        for job in jobs:
            codes.append(_outcome(job, functools.partial(run_one, job), keep_going))
            if codes[-1] == EXIT_INTERRUPTED or (codes[-1] and not keep_going):
                break
        return codes
    # spawn: each worker is a fresh interpreter, never a copy of this process
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                             initializer=_start_worker, initargs=(os.getpid(),)) as pool:
        try:
            # workers start with Ctrl-C ignored (inherited), so none is cut while it starts
            with locks.no_interrupts():
                futures = [pool.submit(_run_in_worker, job) for job in jobs]
            return [_outcome(job, future.result, keep_going) for job, future in zip(jobs, futures)]
        except KeyboardInterrupt:
            # Ctrl-C reached this process (a terminal sends it to the workers too; `kill -INT`
            # does not): pass it on until every worker has cleaned up its year and stopped
            pool.shutdown(wait=False, cancel_futures=True)
            with locks.no_interrupts():
                while children := multiprocessing.active_children():
                    for worker in children:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(worker.pid, signal.SIGINT)
                    children[0].join(0.5)
                pool.shutdown(wait=True)
            raise


def _outcome(job: YearRun, run, keep_going: bool) -> int:
    """The exit code `run()` gives for `job`; with `keep_going` (`--nacional`), an error nobody
    expected in one region is that region's failure (one line naming it), never the end of
    the others."""
    if not keep_going:
        return run()
    try:
        return run()
    except Exception as err:  # a bug or an unforeseen state of one region: the others go on
        print(f"Error en {job.label or job.paths.year}: {say(f'{type(err).__name__}: {err}', job.paths)}",
              file=sys.stderr)
        return EXIT_FAILED


def _start_worker(parent: int) -> None:
    """A year worker ends when the CLI is gone (killed): a process pool would otherwise leave
    it running its year with nobody waiting for it. Between years it ignores Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    console_logging()  # a fresh interpreter: the same console as the CLI's (warnings and up)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(EXIT_FAILED)

    threading.Thread(target=watch, name="vigila-cli", daemon=True).start()


def _run_in_worker(job: YearRun) -> int:
    """One year in a worker: Ctrl-C stops it (the runner cleans up), as in the CLI itself."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return run_one(job)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_one(job: YearRun) -> int:
    """Run one year and print its outcome; returns the exit code."""
    year, total = job.label or job.paths.year, len(job.stages)
    counter = iter(range(1, total + 1))

    def on_stage(stage: str) -> None:
        print(f"[{year}] etapa {next(counter)}/{total}: {stage}…", file=sys.stderr, flush=True)

    from pipeline.clean.screen_messages import ScreenFilter

    start = time.perf_counter()
    console = ScreenFilter(job.paths)  # log lines on the console pass the year's screen, as run.log's
    for handler in logging.getLogger().handlers:
        handler.addFilter(console)
    try:
        run_year(job, on_stage)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except RunInProgress as err:
        print(f"Error: {say(err, job.paths)}", file=sys.stderr)
        return EXIT_BUSY
    except StageFailed as err:
        print(f"Error en {year}: {say(err, job.paths)}", file=sys.stderr)
        return EXIT_FAILED
    except (KeyFileError, OutputNotWritable) as err:  # Spanish messages that name no cell value
        print(f"Error en {year}: {say(err, job.paths)}", file=sys.stderr)
        return EXIT_FAILED
    except BalanceError as err:  # raised outside a notebook (e.g. an earlier year cleaned first)
        print(f"Error en {year}: {say(err, job.paths)}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        for handler in logging.getLogger().handlers:
            handler.removeFilter(console)
    print(f"[{year}] listo en {fmt_num(time.perf_counter() - start, 1)} s: {job.paths.out}", file=sys.stderr)
    for line in _left_out(job.paths):
        print(f"[{year}] {line}", file=sys.stderr)
    return 0


def _left_out(paths) -> list[str]:
    """The side inputs (plans, highlights, photos, texts) the year was published without, as the
    quality report lists them (calidad.json, already screened for personal data)."""
    from pipeline.report import side_inputs

    try:
        calidad = json.loads(paths.calidad.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return side_inputs.console_lines(calidad, paths.calidad_html)


def write_trends_page(job: YearRun, region: str) -> tuple[Path, Path]:
    """outputs/tendencias.json|html from every year with an indicadores.json in the outputs."""
    from pipeline.report import trends_page  # pandas and matplotlib: only for several years

    out_root = job.paths.out_root
    by_year = {}
    for folder in sorted(out_root.glob("[0-9][0-9][0-9][0-9]")):
        ind_path = replace(job.paths, year=int(folder.name)).indicadores_json
        if ind_path.is_file():
            by_year[int(folder.name)] = json.loads(ind_path.read_text(encoding="utf-8"))
    return trends_page.write_trends(by_year, out_root, region)


if __name__ == "__main__":
    entry()
