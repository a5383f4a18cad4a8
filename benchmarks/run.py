"""Benchmarks of the pipeline, measured in one run with stock papermill and nbconvert.

    python benchmarks/run.py [--sizes 100k,1M] [--repeat 3] [--out benchmarks/RESULTS.md]

Measures (each the best of `--repeat`, the machine is shared):
  - the sample year cold: `python -m pipeline ejecutar --anio 2017 --sin-pdf` into empty
    temporary folders (a fresh interpreter, as a user runs it);
  - the framework floor: a fresh interpreter where papermill executes three notebooks that
    hold only their `parameters` cell, and nbconvert exports the third as reveal.js slides;
  - the same run again with nothing changed (the stage cache);
  - cleaning N rows (`clean_year`) against pyarrow's plain read of the same CSV, alternating
    in child processes so both see the same load, with the cleaning's peak memory;
  - the extra cleaning measures of `benchmarks/cleaning.py` (see EXTRA_BENCHMARKS below);
  - the national sample year (`benchmarks/national.py`): `ejecutar --anio 2018 --nacional`
    cold, with 1 and 2 processes, and with 4, 8 and 16 regions.

Working files go to benchmarks/_work/ (git-ignored). Prints a Markdown table and writes it to `--out`.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"
PY = sys.executable
YEAR = 2018  # the scale CSVs
SAMPLE_YEAR = 2017
SAMPLE_FOLDERS = ("2016", "2017")  # the sample year and the previous one it compares with
REGION = "Coquimbo"
SEED = 2017
# A fixed key: pseudonyms are computed as in production, no key file is created.
CHILD_ENV = {**os.environ, "BALANCE_CLAVE": "Bq7Xn2Lz9KcV4bRm1TsW8fHp3JdG6yEu0aNi5kYr-MwQ", "PYTHONHASHSEED": "0",
             "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}

# --------------------------------------------------------------------------- child processes
# Each measure runs in a fresh interpreter: imports are excluded from the timed section of the
# cleaning and the read, and peak RSS belongs to that measure alone.
CHILD_READ = """
import json, resource, sys, time
import pyarrow.csv as pacsv
t = time.perf_counter()
table = pacsv.read_csv(sys.argv[1], parse_options=pacsv.ParseOptions(delimiter=";"))
dt = time.perf_counter() - t
print(json.dumps({"s": dt, "rows": table.num_rows,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""

CHILD_CLEAN = """
import json, resource, sys, time
from pipeline.clean.year import clean_year
from pipeline import config
p = config.paths(int(sys.argv[2]), sys.argv[3], raw_dir=sys.argv[1], processed_dir=sys.argv[4], out_dir=sys.argv[5])
t = time.perf_counter()
r = clean_year(p, sys.argv[3])
dt = time.perf_counter() - t
print(json.dumps({"s": dt, "rows": r.calidad["filas_leidas"], "validas": r.calidad["filas_validas"],
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""

# The framework floor: papermill runs three notebooks holding only a parameters cell,
# nbconvert exports the third as reveal.js slides. Same interpreter start as the CLI's run,
# none of the project's work.
CHILD_FLOOR = """
import sys
from pathlib import Path
import nbformat, papermill as pm
from nbconvert import SlidesExporter
d = Path(sys.argv[1])
for name in ("01_limpieza", "02_indicadores", "03_balance"):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("anio = 2017\\nregion = 'Coquimbo'")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, d / f"{name}.ipynb")
for name in ("01_limpieza", "02_indicadores", "03_balance"):
    pm.execute_notebook(str(d / f"{name}.ipynb"), str(d / f"{name}.out.ipynb"),
                        parameters={"anio": 2017, "region": "Coquimbo"}, kernel_name="python3",
                        progress_bar=False, log_output=False)
html, _ = SlidesExporter().from_filename(str(d / "03_balance.out.ipynb"))
(d / "deck.html").write_text(html, encoding="utf-8")
"""

# Wall time and peak memory of a command, measured from a small wrapper process: its waited-for
# children's maximum resident set covers the CLI and the kernels it started.
CHILD_TIMED = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
out = subprocess.run(sys.argv[1:], capture_output=True, text=True)
dt = time.perf_counter() - t
if out.returncode:
    sys.stderr.write(out.stderr[-3000:]); sys.exit(1)
print(json.dumps({"s": dt, "rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}))
"""


def child(code: str, *args: object) -> dict:
    out = subprocess.run([PY, "-c", code, *map(str, args)], cwd=ROOT, env=CHILD_ENV, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"falló un proceso de medición:\n{out.stderr[-3000:]}")
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def run_cmd(raw: Path, proc: Path, out: Path, *extra: str) -> list[str]:
    return [PY, "-m", "pipeline", "ejecutar", "--anio", str(SAMPLE_YEAR), "--region", REGION, "--raw-dir", str(raw),
            "--processed-dir", str(proc), "--out-dir", str(out), "-q", "--sin-pdf", *extra]


# --------------------------------------------------------------------------- extra cleaning benchmarks
# HOOK for more cleaning measures. `benchmarks/cleaning.py`, when present, defines
#     BENCHMARKS = [function, ...]
# each `function(csv_path: Path, repeat: int) -> list[dict]` returning rows
#     {"medida": "texto", "s": best seconds, "nota": "texto"}
# that are printed in the table «Otras medidas de la limpieza» (same CSV as the cleaning of
# each size). Nothing else here needs to change to add one.
def extra_benchmarks() -> list[Callable[[Path], list[dict]]]:
    path = ROOT / "benchmarks" / "cleaning.py"
    if not path.exists():
        return []
    spec = importlib.util.spec_from_file_location("benchmarks_cleaning", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(getattr(module, "BENCHMARKS", []))


EXTRA_BENCHMARKS = extra_benchmarks


def national_module():
    """benchmarks/national.py, loaded as cleaning.py is (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("benchmarks_national", ROOT / "benchmarks" / "national.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- measures
def parse_size(text: str) -> int:
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text[:-1] if text[-1] in "km" else text) * mult)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1_000}k" if n % 1_000 == 0 else str(n)


def scale_file(n: int) -> Path:
    """The seeded scale CSV of `n` person rows (generated once, kept in benchmarks/_work)."""
    from pipeline.sample import scale

    raw = WORK / f"escala-{label(n)}" / "raw"
    target = raw / str(YEAR) / "escala.csv"
    stamp = target.with_suffix(".ok")
    if not (target.exists() and stamp.exists() and stamp.read_text() == f"{n} {SEED}"):
        if target.parent.exists():
            shutil.rmtree(target.parent)
        scale.write_scale_csv(target, n, SEED, regions=[REGION], year=YEAR)
        stamp.write_text(f"{n} {SEED}")
    return target


def bench_size(n: int, repeat: int) -> dict:
    csv_path = scale_file(n)
    raw = csv_path.parent.parent
    base = WORK / f"escala-{label(n)}"
    proc, out = base / "processed", base / "outputs"
    reads, cleans = [], []
    for _ in range(repeat):  # alternate, so both see the same load
        reads.append(child(CHILD_READ, csv_path))
        cleans.append(child(CHILD_CLEAN, raw, YEAR, REGION, proc, out))
    best_read, best_clean = min(r["s"] for r in reads), min(c["s"] for c in cleans)
    return {
        "filas": n, "mb": csv_path.stat().st_size / 1e6, "lectura_pyarrow_s": best_read, "limpieza_s": best_clean,
        "filas_por_s": n / best_clean, "razon_limpieza_lectura": best_clean / best_read,
        "rss_max_bytes": max(c["rss"] for c in cleans),
    }


def bench_sample(repeat: int) -> dict:
    """The sample year cold, the framework floor and the unchanged re-run, alternating."""
    floors, colds, reruns = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-muestra-") as d:
        raw = Path(d) / "raw"
        for folder in SAMPLE_FOLDERS:
            shutil.copytree(ROOT / "data" / "muestra" / folder, raw / folder)
        for n in range(repeat):
            floor_dir = Path(d) / f"piso-{n}"
            floor_dir.mkdir()
            t = time.perf_counter()
            child(CHILD_FLOOR, floor_dir)
            floors.append(time.perf_counter() - t)
            proc, out = Path(d) / f"p{n}", Path(d) / f"o{n}"  # empty: a cold run
            colds.append(child(CHILD_TIMED, *run_cmd(raw, proc, out)))
            reruns.append(child(CHILD_TIMED, *run_cmd(raw, proc, out)))
    return {"piso_s": min(floors), "run_frio_s": min(c["s"] for c in colds),
            "run_repetido_s": min(r["s"] for r in reruns), "rss_max_bytes": max(c["rss"] for c in colds)}


# --------------------------------------------------------------------------- report
def machine() -> list[str]:
    import importlib.metadata as md

    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = "?"
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024**2:.1f} GiB".replace(".", ",")
    except (OSError, StopIteration):
        pass
    libs = ", ".join(f"{p} {md.version(p)}" for p in ("pandas", "pyarrow", "numpy", "papermill", "nbconvert",
                                                       "nbclient", "rapidfuzz", "python-calamine"))
    load = os.getloadavg()
    return [
        f"- CPU: {cpu}; núcleos (nproc): {os.cpu_count()}; RAM: {mem}",
        f"- Sistema: {platform.platform()}; Python {platform.python_version()}",
        f"- Bibliotecas: {libs}",
        f"- Carga media al terminar (1/5/15 min): {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} ".replace(".", ",")
        + "(máquina compartida con otros procesos: cada tiempo es el mejor de varias repeticiones)",
    ]


def num(x: float, decimals: int) -> str:
    return f"{x:,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt_s(x: float | None) -> str:
    return "—" if x is None else f"{num(x, 3)} s" if x < 1 else f"{num(x, 2)} s" if x < 100 else f"{num(x, 0)} s"


def mib(b: float) -> str:
    return f"{num(b / 1024**2, 0)} MiB"


def ok(flag: bool) -> str:
    return "cumple" if flag else "**NO cumple**"


def met(measure: dict) -> str:
    """`cumple` or not, for a measure whose target reads `≤ N` (empty without a target)."""
    target = str(measure.get("target") or "").strip()
    if not target.startswith("≤"):
        return ""
    return ok(measure["value"] <= float(target.lstrip("≤ ").replace(".", "").replace(",", ".")))


def national_table(nat: dict) -> list[str]:
    if "error" in nat:
        return ["## Un año nacional de la muestra", "",
                f"No se pudo medir: `ejecutar --nacional` falló ({nat['error']}).", ""]
    lines = [f"## Un año nacional de la muestra ({nat.get('anio', 2018)}, {nat['regiones']} regiones, sin PDF)", "",
             f"`ejecutar --anio 2018 --nacional --sin-pdf` en frío (carpetas vacías) sobre la muestra nacional "
             f"sintética (`python -m pipeline.sample --nacional`, fracción {num(nat['fraccion'], 2)}, "
             f"{num(nat['asistencias'], 0)} asistencias en total); cada tiempo es el mejor de "
             f"{nat.get('repeticiones', 1)} corrida(s). Con menos regiones: subconjuntos anidados "
             "repartidos entre grandes y pequeñas. La memoria es la del mayor proceso (la CLI, una región o un "
             "kernel), no la suma de los que corren a la vez.", "",
             "| regiones | asistencias | procesos | tiempo en frío | por región | memoria máx. de un proceso |",
             "|---:|---:|---:|---:|---:|---:|"]
    for r in nat["corridas"]:
        lines.append(f"| {r['regiones']} | {num(r['asistencias'], 0)} | {r['procesos']} | {fmt_s(r['s'])} "
                     f"| {fmt_s(r['s'] / r['regiones'])} | {mib(r['rss_max_bytes'])} |")
    lines.append("")
    return lines


def table(rows: list[dict], sample: dict | None, repeat: int, extra: list[dict] | None = None,
          nat: dict | None = None) -> str:
    lines = ["# Resultados de benchmarks", "",
             f"Generado por `benchmarks/run.py` el {time.strftime('%Y-%m-%d %H:%M')}, en una sola corrida con "
             f"papermill y nbconvert tal como vienen; cada tiempo es el mejor de {repeat} repeticiones.", "",
             "## Máquina", "", *machine(), ""]
    if sample:
        lines += ["## Un año de la muestra (2017, sin PDF)", "", "| medida | tiempo |", "|---|---:|",
                  f"| piso del framework: papermill con tres cuadernos de solo `parameters` + diapositivas nbconvert "
                  f"| {fmt_s(sample['piso_s'])} |",
                  f"| `ejecutar --anio 2017 --sin-pdf` en frío (carpetas vacías) | {fmt_s(sample['run_frio_s'])} |",
                  f"| la misma corrida otra vez, sin cambios | {fmt_s(sample['run_repetido_s'])} |",
                  f"| memoria máxima de la corrida en frío (CLI o un kernel) | {mib(sample['rss_max_bytes'])} |", ""]
    if rows:
        lines += ["## Limpieza a escala (CSV `;` de filas de personas, región de Coquimbo)", "",
                  "| filas | MB | lectura pyarrow | limpieza | filas/s | limpieza / lectura | memoria máx. limpieza |",
                  "|---:|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            lines.append(f"| {label(r['filas'])} | {num(r['mb'], 0)} | {fmt_s(r['lectura_pyarrow_s'])} "
                         f"| {fmt_s(r['limpieza_s'])} | {num(r['filas_por_s'], 0)} "
                         f"| {num(r['razon_limpieza_lectura'], 1)}× | {mib(r['rss_max_bytes'])} |")
        lines.append("")
    if nat:
        lines += national_table(nat)
    if extra:
        lines += ["## Limpieza de planillas difíciles (`benchmarks/cleaning.py`)", "",
                  "| medida | valor | meta | resultado |", "|---|---:|---|---|"]
        lines += [f"| {e['measure']} | {num(e['value'], 2)} {e['unit']} | {e.get('target', '')} "
                  f"| {met(e)} |" for e in extra]
        lines.append("")
    lines += ["## Metas", "", "| meta | medido | resultado |", "|---|---|---|"]
    if sample:
        e2e = sample["run_frio_s"] / sample["piso_s"]
        rerun = sample["run_repetido_s"] / sample["run_frio_s"]
        lines.append(f"| año de la muestra ≤ 2× el piso del framework | {fmt_s(sample['run_frio_s'])} / "
                     f"{fmt_s(sample['piso_s'])} = {num(e2e, 2)}× | {ok(e2e <= 2)} |")
        lines.append(f"| repetir sin cambios ≤ 30 % de la corrida en frío | {fmt_s(sample['run_repetido_s'])} / "
                     f"{fmt_s(sample['run_frio_s'])} = {num(rerun * 100, 0)} % | {ok(rerun <= 0.30)} |")
    # the ratios to pyarrow's read stay in the tables above as measurements, not targets (issue 21)
    lines += [f"| {e['measure']}: {e['target']} {e['unit']} | {num(e['value'], 2)} {e['unit']} | {met(e)} |"
              for e in extra or [] if e.get("target")]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmarks del pipeline (tabla Markdown).")
    ap.add_argument("--sizes", default="100k,1M", help="tamaños de la limpieza en filas, p. ej. 100k,1M")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md", help="archivo de la tabla")
    ap.add_argument("--repeat", type=int, default=3, help="repeticiones por medida (se toma la mejor)")
    ap.add_argument("--sin-muestra", action="store_true", help="omite las medidas sobre la muestra")
    ap.add_argument("--sin-nacional", action="store_true", help="omite el año nacional de la muestra nacional")
    ap.add_argument("--solo-nacional", action="store_true",
                    help="solo el año nacional (sin muestra, limpieza ni otras medidas)")
    ap.add_argument("--nacional-fraccion", type=float, default=1.0,
                    help="tamaño de la muestra nacional (1 = unas 100.000 asistencias; 0.05 para probar)")
    ap.add_argument("--nacional-repeticiones", type=int, default=1,
                    help="repeticiones de cada corrida nacional (por defecto 1: un año nacional de 16 regiones "
                         "tarda minutos; se toma la mejor)")
    ap.add_argument("--nacional-regiones", default="4,8,16",
                    help="cuántas regiones en las corridas de crecimiento, p. ej. 4,8,16")
    args = ap.parse_args(argv)
    sizes = [] if args.solo_nacional else [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    WORK.mkdir(parents=True, exist_ok=True)
    sample = None
    if not (args.sin_muestra or args.solo_nacional):
        print("· muestra: piso del framework, corrida en frío y repetida…", file=sys.stderr, flush=True)
        sample = bench_sample(args.repeat)
    rows = []
    for n in sizes:
        print(f"· limpieza de {label(n)} filas…", file=sys.stderr, flush=True)
        rows.append(bench_size(n, args.repeat))
    extra = []
    for fn in [] if args.solo_nacional else EXTRA_BENCHMARKS():  # each makes its own files under benchmarks/_work
        print(f"· {fn.__name__}…", file=sys.stderr, flush=True)
        extra += fn(WORK / "limpieza")
    nat = None
    if not args.sin_nacional:
        counts = tuple(int(n) for n in args.nacional_regiones.split(",") if n.strip())
        try:
            nat = national_module().bench_national(
                child, CHILD_TIMED, PY, WORK, args.nacional_repeticiones, fraction=args.nacional_fraccion, seed=SEED, counts=counts,
                log=lambda line: print(line, file=sys.stderr, flush=True))
        except RuntimeError as err:  # the other measures are kept; the table says why this one is missing
            print(f"· el año nacional no se pudo medir:\n{err}", file=sys.stderr, flush=True)
            nat = {"error": (str(err).strip().splitlines() or ["?"])[-1][:300]}
    text = table(rows, sample, args.repeat, extra, nat)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    (WORK / "ultimo.json").write_text(json.dumps({"tamanos": rows, "muestra": sample, "otras": extra, "nacional": nat},
                                                      indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
