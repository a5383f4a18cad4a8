"""Command line: `python -m pipeline run --year 2017` (also installed as `balance`).

Parses arguments, runs the years (one after another, or whole years side by side with
`--jobs`), writes the multi-year trends page, and turns failures into Spanish messages
with a non-zero exit. The stages themselves are in runner.py and the notebooks.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from dataclasses import replace
from pathlib import Path

from pipeline import reference
from pipeline.config import DEFAULT_REGION, paths, small_cell_threshold
from pipeline.errors import RunInProgress, StageFailed, UnknownRegion
from pipeline.run.runner import STAGES, YearRun, run_year

COMMANDS = {
    "run": STAGES,
    "clean": ("limpieza",),
    "indicators": ("indicadores",),
    "report": ("balance",),
}

EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 1, 2, 3


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
        p.add_argument("--umbral-celdas", type=int, default=None, metavar="N",
                       help="oculta en las tablas de personas las celdas con menos de N personas "
                            "(por defecto 5, o $BALANCE_UMBRAL_CELDAS)")
        p.add_argument("--al", type=_as_of, default=None, metavar="AAAA-MM-DD",
                       help="fecha a la que se informa el estado de los planes (por defecto: el último "
                            "día del año, o hoy si el año está en curso)")
        p.add_argument("-q", "--quiet", action="store_true", help="sin barra de progreso por celda")
    return parser


def _as_of(text: str) -> str:
    """`--al`: a real date written AAAA-MM-DD."""
    from datetime import date

    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"fecha no válida: {text!r} (use AAAA-MM-DD, p. ej. 2025-06-30)") from None


def _abs(p: Path | None) -> Path | None:
    return None if p is None else p.expanduser().resolve()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger("pipeline").setLevel(logging.INFO)
    try:
        reg = reference.region(args.region)
        umbral = small_cell_threshold() if args.umbral_celdas is None else args.umbral_celdas
    except (UnknownRegion, ValueError) as err:
        print(f"Error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if umbral < 1:
        print("Error: --umbral-celdas debe ser un número entero mayor que 0.", file=sys.stderr)
        return EXIT_USAGE
    years = args.year or args.years
    jobs = [
        YearRun(
            paths(year, reg.nombre, _abs(args.raw_dir), _abs(args.processed_dir), _abs(args.out_dir)),
            reg.nombre, COMMANDS[args.command], progress=not args.quiet and args.jobs <= 1,
            pdf=not args.sin_pdf, force=args.force, umbral_celdas=umbral, al=args.al,
        )
        for year in years
    ]
    codes = _run_jobs(jobs, args.jobs)
    failed = next((c for c in codes if c), 0)
    if not failed and len(years) > 1 and args.command in ("run", "indicators"):
        _, html_path = write_trends_page(jobs[0], reg.nombre)
        print(f"Tendencias: {html_path}", file=sys.stderr)
    return failed


def entry() -> None:
    """`python -m pipeline` and the `balance` command."""
    sys.exit(main())


def _run_jobs(jobs: list[YearRun], workers: int) -> list[int]:
    """Run the years: one after another (stopping at the first failure, as a scheduler
    expects), or `workers` whole years at a time in a plain process pool."""
    if workers <= 1 or len(jobs) <= 1:
        codes = []
        for job in jobs:
            codes.append(run_one(job))
            if codes[-1]:
                break
        return codes
    # spawn: each worker is a fresh interpreter, never a copy of this process
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                             initializer=_watch_parent, initargs=(os.getpid(),)) as pool:
        return list(pool.map(run_one, jobs))


def _watch_parent(parent: int) -> None:
    """A year worker ends when the CLI is gone (killed): a process pool would otherwise leave
    it running its year with nobody waiting for it."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(EXIT_FAILED)

    threading.Thread(target=watch, name="vigila-cli", daemon=True).start()


def run_one(job: YearRun) -> int:
    """Run one year and print its outcome; returns the exit code."""
    year, total = job.paths.year, len(job.stages)
    counter = iter(range(1, total + 1))

    def on_stage(stage: str) -> None:
        print(f"[{year}] etapa {next(counter)}/{total}: {stage}…", file=sys.stderr, flush=True)

    try:
        run_year(job, on_stage)
    except RunInProgress as err:
        print(f"Error: {err}", file=sys.stderr)
        return EXIT_BUSY
    except StageFailed as err:
        print(f"Error en {year}: {err}", file=sys.stderr)
        return EXIT_FAILED
    print(f"[{year}] listo: {job.paths.out}", file=sys.stderr)
    return 0


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
