"""Incremental runs: a stage whose inputs did not change is not recomputed.

A stage's fingerprint is a SHA-256 over every input that can change what it writes:
the settings that apply to it (region, small-cell threshold, PDF or not), a fingerprint of
the pseudonym key (never the key), the raw folder's location and the contents of the
files it reads (by their path inside the folder), the fingerprints of the stages it
depends on and the code version (every file of the `pipeline` package, its reference
data and templates included, and the stage's notebook).

The cache is plain files under `data/processed/.cache/<year>/<stage>-<fingerprint>/`: a
copy of what the stage wrote to `outputs/<year>/`. One folder per fingerprint, so two
runs with different inputs never read each other's entry. Deleting it is always safe.
Like all of `data/processed/`, it is the owner's only (folders 0700, files 0600).
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.clean import processed, pseudonyms
from pipeline.clean.writing import private_folder, tighten
from pipeline.config import NOTEBOOKS_DIR, Paths
from pipeline.fingerprint import code_version, file_digest, fingerprint
from pipeline.indicators import verifiers
from pipeline.indicators.plan.windows import resolve_al
from pipeline.ingest import files


@dataclass(frozen=True)
class Settings:
    """The settings of a run that change its outputs (besides the files it reads)."""

    region: str
    umbral_celdas: int
    pdf: bool = True
    al: str | None = None   # "as of" date of the plans (--al, AAAA-MM-DD); None: the default


def log_files(paths: Paths) -> list[Path]:
    """The year's logs (the cleaning stage reads exactly these)."""
    return files.log_files(paths.raw)


def years_with_logs(paths: Paths) -> list[int]:
    """Years under the raw root that hold at least one log."""
    return files.years_with_logs(paths.raw_root)


def side_files(paths: Paths) -> list[Path]:
    """Files beside the logs (highlights, photos, plans): inputs of indicators and deck."""
    return files.side_files(paths.raw)


class StageCache:
    """The cached outputs of one stage of one year, for one fingerprint."""

    def __init__(self, paths: Paths, stage: str, key: str):
        # beside, not inside, processed/<year>/: the cleaning stage may rewrite that folder
        self.parent = paths.processed_root / ".cache" / str(paths.year)
        self.stage = stage
        self.dir = self.parent / f"{stage}-{key[:32]}"

    def hit(self) -> bool:
        return self.dir.is_dir()

    def restore(self, out: Path) -> None:
        shutil.copytree(self.dir, out, dirs_exist_ok=True)

    def store(self, out: Path, produced: list[Path]) -> None:
        """Keep a copy of what the stage produced; older entries of this stage are dropped."""
        tmp = self.parent / f".{self.dir.name}-{os.getpid()}"
        private_folder(self.parent)
        shutil.rmtree(tmp, ignore_errors=True)
        for p in produced:
            if p.exists():
                target = tmp / p.relative_to(out)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(p, target)
        tmp.mkdir(parents=True, exist_ok=True)
        tighten(tmp)  # copy2 kept the outputs' modes
        for old in self.parent.glob(f"{self.stage}-*"):
            shutil.rmtree(old, ignore_errors=True)
        try:
            tmp.rename(self.dir)
        except OSError:  # another run stored the same entry at the same moment
            shutil.rmtree(tmp, ignore_errors=True)


def stage_keys(paths: Paths, settings: Settings, notebooks_dir: Path = NOTEBOOKS_DIR) -> dict[str, str]:
    """Fingerprint of each stage: its settings, what it reads, the stages it depends on, the code."""
    code = code_version(notebooks_dir)
    region = settings.region
    earlier = [processed.clean_key(replace(paths, year=y), region, code)
               for y in years_with_logs(paths) if y < paths.year]
    side = side_files(paths)
    al = plan_al(paths, settings)
    plan_inputs = [[p.relative_to(paths.raw_root).as_posix(), file_digest(p)]
              for p in verifiers.input_files(paths.raw_root, paths.planes)]
    # the quality report also lists the side inputs (plans, highlights, texts) left out
    plan_files = [[p.name, file_digest(p)] for p in sorted(paths.planes.glob("*")) if p.is_file()] \
        if paths.planes.is_dir() else []
    # (not the evidence folders: a new acta re-runs the plans, never the cleaning)
    checked = [p for p in side if verifiers.FOLDER not in p.relative_to(paths.raw).parts]
    limpieza = fingerprint("limpieza", {"planes": plan_files}, paths.raw, checked,
                           [processed.clean_key(paths, region, code)], code)
    indicadores = fingerprint("indicadores", {"anio": paths.year, "umbral_celdas": settings.umbral_celdas,
                                              "al": al, "planes": plan_inputs},
                              paths.raw, side, [limpieza, *earlier], code)
    balance = fingerprint("balance", {"anio": paths.year, "pdf": settings.pdf, "al": al}, paths.raw, side,
                          [indicadores], code)
    return {"limpieza": limpieza, "indicadores": indicadores, "balance": balance}


def plan_al(paths: Paths, settings: Settings) -> str:
    """The plans' "as of" date of this run, resolved (the default moves with today's date)."""
    return resolve_al(paths.year, settings.al).isoformat()


def describe_inputs(paths: Paths, settings: Settings) -> list[str]:
    """The run's inputs in words, for run.log (no personal data: paths, counts, fingerprints)."""
    return [
        f"región {settings.region}",
        f"umbral de celdas pequeñas {settings.umbral_celdas}",
        f"PDF {'sí' if settings.pdf else 'no'}",
        f"estado de los planes al {plan_al(paths, settings)}{'' if settings.al else ' (por omisión)'}",
        f"carpeta de registros {paths.raw} ({len(log_files(paths))} registros)",
        f"huella de la clave de seudonimización {pseudonyms.key_fingerprint()}",
        f"versión del código {code_version()[:16]}",
    ]


def stages_to_run(
    paths: Paths, settings: Settings, stages: tuple[str, ...],
    notebooks_dir: Path = NOTEBOOKS_DIR, force: bool = False,
) -> tuple[dict[str, str], list[str]]:
    """The stages' fingerprints, and which of `stages` must run (the others are reused).

    The cleaning stage's real product lives in data/processed/: it must still be there too.
    """
    keys = stage_keys(paths, settings, notebooks_dir)

    def reusable(stage: str) -> bool:
        fresh = stage != "limpieza" or processed.is_fresh(paths, settings.region)
        return not force and StageCache(paths, stage, keys[stage]).hit() and fresh

    return keys, [stage for stage in stages if not reusable(stage)]


def national_key(job) -> tuple[str, list[str]]:
    """The national stage's fingerprint (`job`: a runner.NationalRun) and its inputs in words
    for run.log: each region's state and the digest of the `indicadores.json` it published,
    the links to the regional decks, the small-cell threshold, the PDF setting and the code
    (the national deck notebook included when it exists)."""
    from pipeline import stages
    from pipeline.config import NATIONAL_NOTEBOOK, small_cell_threshold

    threshold = small_cell_threshold(job.umbral_celdas)
    inputs = stages.national_inputs(job.regions, job.year, job.failed_regions)
    regions = {name: [estado, file_digest(source) if source is not None else None]
               for name, (estado, source) in inputs.items()}
    links = stages.national_balance_links(job.regions, job.out.nacional)
    deck = job.notebooks_dir / NATIONAL_NOTEBOOK
    params = {"anio": job.year, "umbral_celdas": threshold, "regiones": regions, "balances": links,
              "pdf": job.pdf, "deck": job.deck and deck.is_file(),
              "cuaderno": file_digest(deck) if deck.is_file() else None}
    key = fingerprint("nacional", params, job.out.out_root, [], [], code_version(job.notebooks_dir))
    described = [f"umbral de celdas pequeñas {threshold}", f"PDF {'sí' if job.pdf else 'no'}"]
    for state in ("con datos", "sin datos", "con error"):  # one line per state, regions in code order
        named = [name + (f" (indicadores.json {digest[:16]})" if digest else "")
                 for name, (estado, digest) in regions.items() if estado == state]
        if named:
            described.append(f"regiones {state}: {', '.join(named)}")
    described.append(f"versión del código {code_version(job.notebooks_dir)[:16]}")
    return key, described
