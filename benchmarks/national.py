"""The national sample year at scale, for `benchmarks/run.py` (loaded like cleaning.py).

`python -m pipeline ejecutar --anio 2018 --nacional --sin-pdf` on the national sample
(`pipeline.sample.national`, about 100.000 attendances at fraction 1), in a fresh interpreter
with empty processed and output folders (a cold run): wall time and peak memory with 1 and 2
processes (`--procesos`), and how the time grows with the number of regions (4, 8 and 16
regions, nested subsets spread over sizes, 1 process).

The sample is generated once per fraction and seed in benchmarks/_work/nacional-<f>/ (git
ignored); each subset is a copy of some regions' folders in the layout of `config.paths`.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Callable

NATIONAL_YEAR = 2018
REGION_COUNTS = (4, 8, 16)
PROCESSES = (1, 2)


def national_raw(work: Path, fraction: float, seed: int) -> tuple[Path, dict]:
    """The national sample's raw tree under `work` (written once per fraction and seed) and
    its ground truth `{region: figures}`."""
    from pipeline.sample import national

    raw = work / f"nacional-{fraction:g}" / "raw"
    stamp = raw.parent / "muestra.ok"
    key = f"{fraction:g} {seed} {NATIONAL_YEAR}"
    truth = None
    if not (stamp.exists() and stamp.read_text() == key):
        shutil.rmtree(raw.parent, ignore_errors=True)
        truth = national.write_national_sample(raw, NATIONAL_YEAR, seed, fraction)
        stamp.write_text(key)
    if truth is None:  # the ground truth without writing again
        from pipeline.sample.expected import expected_figures

        truth = {ys.region: expected_figures(ys) for ys in national.build_national(NATIONAL_YEAR, seed, fraction).years}
    return raw, truth


def region_subsets(truth: dict, counts=REGION_COUNTS) -> dict[int, list[str]]:
    """Nested subsets of `counts` regions, spread over sizes: regions sorted by attendances,
    every (16 / n)-th one (4 regions: the 1st, 5th, 9th and 13th biggest; 16: all)."""
    ranked = sorted(truth, key=lambda r: (-truth[r]["asistencias"], r))
    return {n: [r for i, r in enumerate(ranked) if i % max(1, len(ranked) // n) == 0][:n] for n in counts
            if n <= len(ranked)}


def subset_raw(raw: Path, regions: list[str], target: Path) -> Path:
    """A raw tree holding only `regions`' folders of `raw` (copied)."""
    from pipeline.sample import sample_dir

    for region in regions:
        src = sample_dir(raw, region, NATIONAL_YEAR)
        shutil.copytree(src, sample_dir(target, region, NATIONAL_YEAR))
    return target


def national_cmd(py: str, raw: Path, proc: Path, out: Path, jobs: int) -> list[str]:
    return [py, "-m", "pipeline", "ejecutar", "--anio", str(NATIONAL_YEAR), "--nacional", "--raw-dir", str(raw),
            "--processed-dir", str(proc), "--out-dir", str(out), "--procesos", str(jobs), "-q", "--sin-pdf"]


def bench_national(child: Callable[..., dict], timed_code: str, py: str, work: Path, repeat: int,
                   fraction: float = 1.0, seed: int = 2017, counts=REGION_COUNTS, processes=PROCESSES,
                   log: Callable[[str], None] = print) -> dict:
    """Cold runs of `ejecutar --nacional`: every count of regions with 1 process, and all
    regions with each of `processes`; each the best of `repeat` (peak memory: the largest)."""
    raw, truth = national_raw(work, fraction, seed)
    subsets = region_subsets(truth, counts)
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-nacional-", dir=work) as d:
        trees = {n: raw if n == len(truth) else subset_raw(raw, regions, Path(d) / f"raw-{n}")
                 for n, regions in subsets.items()}
        plan = [(n, 1) for n in sorted(subsets)]
        plan += [(max(subsets), p) for p in processes if p != 1]
        for n, jobs in plan:
            regions, tree = subsets[n], trees[n]
            times, rss = [], []
            for k in range(repeat):
                log(f"· nacional: {n} regiones, {jobs} proceso(s), corrida {k + 1} de {repeat}…")
                base = Path(d) / f"r{n}-{jobs}-{k}"  # empty: a cold run
                r = child(timed_code, *national_cmd(py, tree, base / "processed", base / "outputs", jobs))
                times.append(r["s"])
                rss.append(r["rss"])
                shutil.rmtree(base, ignore_errors=True)
            runs.append({"regiones": n, "procesos": jobs, "asistencias": sum(truth[r]["asistencias"] for r in regions),
                         "s": min(times), "rss_max_bytes": max(rss), "nombres": regions})
    return {"anio": NATIONAL_YEAR, "fraccion": fraction, "semilla": seed, "repeticiones": repeat,
            "asistencias": sum(t["asistencias"] for t in truth.values()), "regiones": len(truth), "corridas": runs}
