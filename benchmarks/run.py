"""Benchmarks of the pipeline: cleaning at scale, indicators, end to end, cache and parallel years.

    python benchmarks/run.py [--sizes 10k,100k,1M,5M] [--out benchmarks/RESULTS.md] [--repeat N]

Every timing is the best of `--repeat` runs (the machine is shared: the best run is the
one least disturbed by other processes). Cleaning and the pyarrow reference read run in
child processes, alternating, on the same file, so their ratio is taken under the same
load; peak memory is the child's own maximum resident set (ru_maxrss). Working files go
to benchmarks/_work/ (git-ignored). Prints a Markdown table and writes it to `--out`.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work"
PY = sys.executable
YEAR = 2018
REGION = "Coquimbo"
SEED = 2017
# A fixed key: pseudonyms are computed as in production, no key file is created.
CHILD_ENV = {**os.environ, "BALANCE_CLAVE": "clave-de-benchmark", "PYTHONHASHSEED": "0"}

# --------------------------------------------------------------------------- child processes
# Each measure runs in a fresh interpreter: imports are excluded from the timed section,
# peak RSS belongs to that measure alone.
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
from pipeline.clean import year as clean
from pipeline import config
p = config.paths(int(sys.argv[2]), sys.argv[3], raw_dir=sys.argv[1], processed_dir=sys.argv[4], out_dir=sys.argv[5])
t = time.perf_counter()
r = clean.clean_year(p, sys.argv[3])
dt = time.perf_counter() - t
print(json.dumps({"s": dt, "rows": r.calidad["filas_leidas"], "validas": r.calidad["filas_validas"],
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""

CHILD_INDICATORS = """
import json, resource, sys, time
from pipeline.run import cache
from pipeline import config
from pipeline.run import stages
p = config.paths(int(sys.argv[2]), sys.argv[3], raw_dir=sys.argv[1], processed_dir=sys.argv[4], out_dir=sys.argv[5])
# the cleaning child called clean_year directly: record its tables as up to date, so the
# indicators stage does not clean again (that would time the cleaning twice)
cache.mark_processed(p, sys.argv[3])
t = time.perf_counter()
stages.indicators_stage(p, sys.argv[3])
dt = time.perf_counter() - t
print(json.dumps({"s": dt, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""

# The framework floor: papermill runs three notebooks holding only a parameters cell,
# nbconvert exports the third as a reveal.js deck. Same interpreter start and imports
# as `python -m pipeline run`, none of the project's work.
CHILD_FLOOR = """
import sys
from pathlib import Path
import nbformat, papermill as pm
from nbconvert import SlidesExporter
d = Path(sys.argv[1])
for name in ("01_limpieza", "02_indicadores", "03_balance"):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("anio = 2018\\nregion = 'Coquimbo'")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# " + name), cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, d / f"{name}.ipynb")
for name in ("01_limpieza", "02_indicadores", "03_balance"):
    pm.execute_notebook(str(d / f"{name}.ipynb"), str(d / f"{name}.out.ipynb"),
                        parameters={"anio": 2018, "region": "Coquimbo"}, kernel_name="python3",
                        progress_bar=False, log_output=False)
html, _ = SlidesExporter().from_filename(str(d / "03_balance.out.ipynb"))
(d / "deck.html").write_text(html, encoding="utf-8")
"""


def child(code: str, *args: object) -> dict:
    out = subprocess.run([PY, "-c", code, *map(str, args)], cwd=ROOT, env=CHILD_ENV,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"falló un proceso de medición:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed(cmd: list[str]) -> float:
    """Wall time of a command (interpreter start included, as a user sees it)."""
    t = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, env=CHILD_ENV, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if out.returncode != 0:
        raise RuntimeError(f"falló {' '.join(cmd)}:\n{out.stderr[-3000:]}")
    return dt


def run_cmd(raw: Path, proc: Path, out: Path, *extra: str) -> list[str]:
    return [PY, "-m", "pipeline", "run", "--region", REGION, "--raw-dir", str(raw),
            "--processed-dir", str(proc), "--out-dir", str(out), "-q", *extra]


# --------------------------------------------------------------------------- measures
def parse_size(text: str) -> int:
    text = text.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text[:-1] if text[-1] in "km" else text) * mult)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1_000}k" if n % 1_000 == 0 else str(n)


def scale_file(n: int) -> Path:
    """The seeded scale CSV of `n` person rows (generated once, kept in benchmarks/_work)."""
    from pipeline import sample as synthetic

    raw = WORK / f"escala-{label(n)}" / "raw"
    target = raw / str(YEAR) / "escala.csv"
    stamp = target.with_suffix(".ok")
    if not (target.exists() and stamp.exists() and stamp.read_text() == f"{n} {SEED}"):
        if target.parent.exists():
            shutil.rmtree(target.parent)
        synthetic.write_scale_csv(target, n, SEED, regions=[REGION], year=YEAR)
        stamp.write_text(f"{n} {SEED}")
    return target


def bench_size(n: int, repeat: int, e2e: bool) -> dict:
    csv_path = scale_file(n)
    raw = csv_path.parent.parent
    base = WORK / f"escala-{label(n)}"
    proc, out = base / "processed", base / "outputs"
    reads, cleans = [], []
    for _ in range(repeat):  # alternate, so both see the same load
        reads.append(child(CHILD_READ, csv_path))
        cleans.append(child(CHILD_CLEAN, raw, YEAR, REGION, proc, out))
    inds = [child(CHILD_INDICATORS, raw, YEAR, REGION, proc, out) for _ in range(repeat)]
    best_read = min(r["s"] for r in reads)
    best_clean = min(c["s"] for c in cleans)
    row = {
        "filas": n,
        "mb": csv_path.stat().st_size / 1e6,
        "lectura_pyarrow_s": best_read,
        "limpieza_s": best_clean,
        "filas_por_s": n / best_clean,
        "razon_limpieza_lectura": best_clean / best_read,
        "rss_max_bytes": max(c["rss"] for c in cleans),
        "indicadores_s": min(i["s"] for i in inds),
        "run_s": None,
    }
    if e2e:
        row["run_s"] = min(timed(run_cmd(raw, proc, out, "--year", str(YEAR), "--force", "--sin-pdf"))
                           for _ in range(max(1, min(repeat, 2))))
    return row


def bench_sample(repeat: int, pdf: bool) -> dict:
    """End to end on the shipped sample vs the framework floor; re-run; parallel years."""
    raw = ROOT / "data" / "raw"
    extra = [] if pdf else ["--sin-pdf"]
    res: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as d:
        res["piso_s"] = min(timed([PY, "-c", CHILD_FLOOR, d]) for _ in range(repeat))
    with tempfile.TemporaryDirectory(prefix="bench-muestra-") as d:
        proc, out = Path(d) / "processed", Path(d) / "outputs"
        cold, warm = [], []
        for _ in range(repeat):
            cold.append(timed(run_cmd(raw, proc, out, "--year", str(YEAR), "--force", *extra)))
            warm.append(timed(run_cmd(raw, proc, out, "--year", str(YEAR), *extra)))
        res["run_frio_s"], res["run_repetido_s"] = min(cold), min(warm)
        seq, par = [], []
        for _ in range(repeat):
            seq.append(timed(run_cmd(raw, proc, out, "--years", "2016-2018", "--force", *extra)))
            par.append(timed(run_cmd(raw, proc, out, "--years", "2016-2018", "--force", "--jobs", "2", *extra)))
        res["anios_secuencial_s"], res["anios_paralelo_s"] = min(seq), min(par)
    res["pdf"] = pdf
    return res


# --------------------------------------------------------------------------- report
def machine() -> list[str]:
    import importlib.metadata as md

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024**2:.1f} GiB"
    except (OSError, StopIteration):
        pass
    libs = ", ".join(f"{p} {md.version(p)}" for p in ("pandas", "pyarrow", "numpy", "papermill", "nbconvert",
                                                       "rapidfuzz", "python-calamine"))
    load = os.getloadavg()
    return [
        f"- CPU: {cpu}; núcleos (nproc): {os.cpu_count()}; RAM: {mem}",
        f"- Sistema: {platform.platform()}; Python {platform.python_version()}",
        f"- Bibliotecas: {libs}",
        f"- Carga media al terminar (1/5/15 min): {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} "
        "(máquina compartida: cada tiempo es el mejor de varias repeticiones)",
    ]


def fmt_s(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f} s" if x < 1 else f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


def mib(b: float) -> str:
    return f"{b / 1024**2:,.0f} MiB".replace(",", ".")


def ok(flag: bool) -> str:
    return "cumple" if flag else "NO cumple"


def table(rows: list[dict], sample: dict | None, repeat: int) -> str:
    lines = ["# Resultados de benchmarks", "", f"Generado por `benchmarks/run.py` el {time.strftime('%Y-%m-%d %H:%M')}; "
             f"cada tiempo es el mejor de {repeat} repeticiones.", "", "## Máquina", "", *machine(), "",
             "## Limpieza a escala (CSV `;` de filas de personas, región de Coquimbo, año 2018)", "",
             "| filas | MB | lectura pyarrow | limpieza | filas/s | limpieza / lectura | RSS máx. limpieza "
             "| indicadores | `run` completo (sin PDF) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {label(r['filas'])} | {r['mb']:.0f} | {fmt_s(r['lectura_pyarrow_s'])} | {fmt_s(r['limpieza_s'])} "
            f"| {r['filas_por_s']:,.0f} | {r['razon_limpieza_lectura']:.1f}× | {mib(r['rss_max_bytes'])} "
            f"| {fmt_s(r['indicadores_s'])} | {fmt_s(r['run_s'])} |".replace(",", "."))
    lines += ["", "## Metas", "", "| meta | medido | resultado |", "|---|---|---|"]
    for r in rows:
        if r["filas"] == 1_000_000:
            lines.append(f"| limpieza de 1M filas ≤ 5× lectura pyarrow | {r['razon_limpieza_lectura']:.1f}× "
                         f"| {ok(r['razon_limpieza_lectura'] <= 5)} |")
            lines.append(f"| RSS máx. con 1M filas < 2 GiB | {mib(r['rss_max_bytes'])} "
                         f"| {ok(r['rss_max_bytes'] < 2 * 1024**3)} |")
        if r["filas"] == 5_000_000:
            lines.append(f"| 5M filas terminan con RSS ≤ 8 GiB | {mib(r['rss_max_bytes'])}, {fmt_s(r['limpieza_s'])} "
                         f"| {ok(r['rss_max_bytes'] <= 8 * 1024**3)} |")
    if sample:
        pdf = "con PDF, como `make report`" if sample["pdf"] else "sin PDF"
        e2e = sample["run_frio_s"] / sample["piso_s"]
        rerun = sample["run_repetido_s"] / sample["run_frio_s"]
        par = sample["anios_paralelo_s"] / sample["anios_secuencial_s"]
        lines.append(f"| `run` de la muestra 2018 ({pdf}) ≤ 1,5× piso del framework | {fmt_s(sample['run_frio_s'])} / "
                     f"{fmt_s(sample['piso_s'])} = {e2e:.2f}× | {ok(e2e <= 1.5)} |")
        lines.append(f"| repetir sin cambios ≤ 30 % de la corrida en frío | {fmt_s(sample['run_repetido_s'])} / "
                     f"{fmt_s(sample['run_frio_s'])} = {rerun:.0%} | {ok(rerun <= 0.30)} |")
        lines.append(f"| `--years 2016-2018 --jobs 2` ≤ 0,7× secuencial | {fmt_s(sample['anios_paralelo_s'])} / "
                     f"{fmt_s(sample['anios_secuencial_s'])} = {par:.2f}× | {ok(par <= 0.7)} |")
    lines += ["", "Piso del framework: papermill ejecuta tres notebooks vacíos (solo la celda `parameters`) y "
              "nbconvert exporta el tercero como presentación reveal.js, en un proceso nuevo de Python.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmarks del pipeline (tabla Markdown).")
    ap.add_argument("--sizes", default="10k,100k,1M", help="tamaños en filas, p. ej. 10k,100k,1M,5M")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md", help="archivo de la tabla")
    ap.add_argument("--repeat", type=int, default=3, help="repeticiones por medida (se toma la mejor)")
    ap.add_argument("--sin-muestra", action="store_true", help="omite las medidas sobre la muestra")
    ap.add_argument("--sin-run", action="store_true", help="omite `run` completo en los tamaños grandes")
    ap.add_argument("--sin-pdf", action="store_true", help="mide la muestra sin generar el PDF")
    ap.add_argument("--reusar", action="store_true",
                    help="reutiliza las medidas por tamaño ya guardadas en benchmarks/_work/tamanos.json")
    args = ap.parse_args(argv)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    WORK.mkdir(parents=True, exist_ok=True)
    rows = []
    partial = WORK / "tamanos.json"  # kept after each size: a later failure never loses them
    done = {r["filas"]: r for r in json.loads(partial.read_text())} if args.reusar and partial.exists() else {}
    for n in sizes:
        if n in done:
            rows.append(done[n])
            continue
        print(f"· {label(n)} filas…", file=sys.stderr, flush=True)
        rep = args.repeat if n <= 1_000_000 else 1
        rows.append(bench_size(n, rep, e2e=not args.sin_run))
        partial.write_text(json.dumps(rows + [r for k, r in done.items() if k not in sizes], indent=1))
    sample = None
    if not args.sin_muestra:
        print("· muestra: piso del framework, run en frío y repetido, años en paralelo…", file=sys.stderr, flush=True)
        sample = bench_sample(args.repeat, pdf=not args.sin_pdf)
    text = table(rows, sample, args.repeat)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    (WORK / "ultimo.json").write_text(json.dumps({"tamanos": rows, "muestra": sample}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
