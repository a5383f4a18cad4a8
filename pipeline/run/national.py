"""`ejecutar --anio N --nacional`: every region with logs that year, then the national stage.

Each region runs exactly as `--region <región>` would (the same YearRun: its own cache, lock and
outputs), one after another or `--procesos` at a time through the CLI's job runner, and a region
that fails never stops the others. Then `runner.run_national` writes `outputs/<año>/nacional/`
from the regions' published `indicadores.json`. Split from cli.py, which dispatches here.
"""
from __future__ import annotations

import argparse
import sys
import time

from pipeline import reference
from pipeline.config import (DEFAULT_REGION, SAMPLE_DIR, SAMPLE_OUTPUTS_DIR, SAMPLE_PROCESSED_DIR, region_paths,
                             small_cell_threshold)
from pipeline.errors import BalanceError, RunInProgress, StageFailed, UnknownRegion
from pipeline.ingest import files
from pipeline.report.formats import fmt_num
from pipeline.run import cli, preflight
from pipeline.run.runner import NationalRun, YearRun, run_national


def main_national(args: argparse.Namespace) -> int:
    """`--nacional`: every region with logs that year, each exactly as a run with `--region`
    (its own cache, lock and outputs), `--procesos` of them at a time; a region that fails does
    not stop the others. Then the national stage (`runner.run_national`). The exit code is 0
    only when every region with logs and the national stage succeeded."""
    refused = []
    if args.region is not None:
        refused.append("--nacional reúne todas las regiones: no se puede usar junto con --region.")
    if args.anios or len(args.anio) > 1:
        refused.append("--nacional procesa un año a la vez: use --anio AÑO (por ejemplo --anio 2018), no --anios "
                       "ni un rango.")
    if args.muestra and args.raw_dir is not None:
        refused.append("use --muestra o --raw-dir, no ambos.")
    try:
        threshold = small_cell_threshold(args.umbral_celdas)
    except ValueError as err:
        refused.append(str(err))
    if args.jobs < 1:
        refused.append("--procesos debe ser un número entero mayor que 0.")
    if refused:
        for line in refused:
            print(f"Error: {line}", file=sys.stderr)
        return cli.EXIT_USAGE
    year = args.anio[0]
    roots = (SAMPLE_DIR, args.processed_dir or SAMPLE_PROCESSED_DIR, args.out_dir or SAMPLE_OUTPUTS_DIR) \
        if args.muestra else (args.raw_dir, args.processed_dir, args.out_dir)
    raw, processed, out = (cli._abs(p) for p in roots)
    regions = {reference.region(cut).nombre: region_paths(year, cut, raw, processed, out)
               for cut in reference.region_codes()}
    with_logs = [name for name, p in regions.items() if files.log_files(p.raw)]
    if not with_logs:
        top = regions[DEFAULT_REGION].raw_root
        print(f"Error: ninguna región tiene planillas del año {year}: cópielas en {preflight.shown(top / str(year))} "
              f"(región de {DEFAULT_REGION}) o en {preflight.shown(top / 'regiones' / '<región>' / str(year))} "
              "(las demás, p. ej. regiones/valparaiso).", file=sys.stderr)
        return cli.EXIT_USAGE
    jobs = [YearRun(regions[name], name, args.stages, progress=not args.quiet and args.jobs <= 1,
                    pdf=not args.sin_pdf, force=args.force, umbral_celdas=threshold, al=args.al,
                    label=f"{year} {name}")
            for name in with_logs]
    refused = [f"{job.region}: {cli.say(line, job.paths)}" for job in jobs for line in preflight.problems(job.paths, job.stages)]
    refused += [cli.say(line) for line in preflight.key_problems()]
    if refused:
        for line in refused:
            print(f"Error: {line}", file=sys.stderr)
        return cli.EXIT_USAGE
    for line in unknown_folders(regions[DEFAULT_REGION].raw_root / "regiones", regions.values()):
        print(f"Aviso: {line}", file=sys.stderr)
    sin_datos = [name for name in regions if name not in with_logs]
    print(f"[{year}] {len(with_logs)} regiones con planillas: {', '.join(with_logs)}", file=sys.stderr)
    if sin_datos:
        print(f"[{year}] sin datos: {', '.join(sin_datos)}", file=sys.stderr)
    try:
        codes = cli._run_jobs(jobs, args.jobs, keep_going=True)
    except KeyboardInterrupt:
        return cli.interrupted()
    if cli.EXIT_INTERRUPTED in codes:
        return cli.interrupted()
    failed_regions = tuple(job.region for job, code in zip(jobs, codes) if code)
    if failed_regions:
        print(f"[{year}] regiones con error: {', '.join(failed_regions)} (el balance nacional las lista así)",
              file=sys.stderr)
    failed = next((c for c in codes if c), 0)
    if args.stages == ("limpieza",):
        return failed
    national = NationalRun(regions, regions[DEFAULT_REGION], failed_regions, threshold, deck="balance" in args.stages,
                           pdf=not args.sin_pdf, force=args.force, progress=not args.quiet)
    start = time.perf_counter()
    try:
        final = run_national(national)
    except KeyboardInterrupt:
        return cli.interrupted()
    except RunInProgress as err:
        print(f"Error: {cli.say(err)}", file=sys.stderr)
        return failed or cli.EXIT_BUSY
    except (StageFailed, BalanceError, OSError, ValueError) as err:
        print(f"Error en el balance nacional de {year}: {cli.say(err)}", file=sys.stderr)
        return failed or cli.EXIT_FAILED
    print(f"[{year}] balance nacional listo en {fmt_num(time.perf_counter() - start, 1)} s: {final.nacional}",
          file=sys.stderr)
    return failed


def unknown_folders(folder, regions) -> list[str]:
    """Folders of `regiones/` that are no region's (`regiones/aysen/` for
    `regiones/aysen-del-general-carlos-ibanez-del-campo/`): their logs would be silently left
    out, so the console names each and the folder it should be."""
    known = {p.raw_root.name for p in regions}
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(p for p in folder.iterdir() if p.is_dir() and p.name not in known):
        try:
            hint = f"cámbiela a regiones/{reference.region(path.name).slug}/"
        except UnknownRegion:
            hint = "use el nombre de la carpeta de una región, p. ej. regiones/valparaiso/"
        out.append(f"la carpeta {preflight.shown(path)} no corresponde a ninguna región y no se leyó: {hint}")
    return out
