"""Incremental runs: a stage whose inputs did not change is not recomputed.

A stage's fingerprint is a SHA-256 over its parameters, the contents of its input files,
the fingerprints of the stages it depends on and the code version (every file of the
`pipeline` package, its reference data and templates, and the stage's notebook). The
cache is plain files under `data/processed/.cache/<year>/<stage>/`: the fingerprint and a
copy of what the stage wrote to `outputs/<year>/`. Deleting it is always safe.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from . import rawfiles
from .config import NOTEBOOKS, NOTEBOOKS_DIR, Paths

PACKAGE_DIR = Path(__file__).resolve().parent
def log_files(paths: Paths) -> list[Path]:
    """The year's logs (the cleaning stage reads exactly these)."""
    return rawfiles.log_files(paths.raw)


def years_with_logs(paths: Paths) -> list[int]:
    """Years under the raw root that hold at least one log."""
    if not paths.raw_root.is_dir():
        return []
    years = [int(p.name) for p in paths.raw_root.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}", p.name)]
    return sorted(y for y in years if log_files(replace(paths, anio=y)))


def side_files(paths: Paths) -> list[Path]:
    """Files beside the logs (highlights, photos, plans): inputs of indicators and deck."""
    return rawfiles.side_files(paths.raw)


def _file_digest(path: Path) -> str:
    """SHA-256 of the file's contents, read once per process while the file is unchanged:
    a year's logs enter its cleaning key, the freshness check of data/processed/ and every
    later year's keys, and a log of a million rows takes a quarter of a second to hash."""
    st = os.stat(path)
    return _contents_digest(str(path), st.st_size, st.st_mtime_ns, st.st_ino)


@lru_cache(maxsize=4096)
def _contents_digest(path: str, size: int, mtime_ns: int, inode: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=None)
def code_version(notebooks_dir: Path = NOTEBOOKS_DIR) -> str:
    """Digest of the package (code, reference data, templates) and the stage notebooks."""
    h = hashlib.sha256()
    files = sorted(p for p in PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    files += sorted(notebooks_dir / name for name in NOTEBOOKS.values() if (notebooks_dir / name).exists())
    for p in files:
        h.update(p.name.encode())
        h.update(_file_digest(p).encode())
    return h.hexdigest()


def fingerprint(stage: str, params: dict, files: list[Path], upstream: list[str], code: str) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"stage": stage, "params": params, "code": code, "upstream": upstream},
                        sort_keys=True).encode())
    for p in files:
        h.update(p.name.encode())
        h.update(_file_digest(p).encode())
    return h.hexdigest()


class StageCache:
    """The cached outputs of one stage of one year."""

    def __init__(self, paths: Paths, stage: str):
        # beside, not inside, processed/<year>/: the cleaning stage may rewrite that folder
        self.dir = paths.processed_root / ".cache" / str(paths.anio) / stage
        self.key_file = self.dir / "huella.txt"
        self.files_dir = self.dir / "salidas"

    def hit(self, key: str) -> bool:
        return self.key_file.exists() and self.key_file.read_text().strip() == key and self.files_dir.is_dir()

    def restore(self, out: Path) -> None:
        shutil.copytree(self.files_dir, out, dirs_exist_ok=True)

    def store(self, key: str, out: Path, produced: list[Path]) -> None:
        if self.dir.exists():
            shutil.rmtree(self.dir)
        for p in produced:
            if p.exists():
                target = self.files_dir / p.relative_to(out)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(p, target)
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.key_file.write_text(key)


def clean_key(paths: Paths, region: str) -> str:
    """Fingerprint of a year's cleaning: its log files, the region and the code."""
    return fingerprint("limpieza", {"anio": paths.anio, "region": region}, log_files(paths), [], code_version())


def _marker(paths: Paths) -> Path:
    return paths.processed_root / ".cache" / str(paths.anio) / "procesado.huella"


def mark_processed(paths: Paths, region: str) -> None:
    """Record which inputs data/processed/<year>/ was built from."""
    marker = _marker(paths)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(clean_key(paths, region))


def processed_is_fresh(paths: Paths, region: str) -> bool:
    """data/processed/<year>/ exists and was built from today's logs with today's code."""
    marker = _marker(paths)
    return (
        paths.actividades.exists() and paths.asistencias.exists() and paths.calidad.exists()
        and marker.exists() and marker.read_text() == clean_key(paths, region)
    )


@contextlib.contextmanager
def processed_lock(paths: Paths) -> Iterator[None]:
    """Blocking lock on data/processed/<year>/: two runs (say 2018 needing 2017 as its previous
    year while 2017 runs beside it) never clean the same year at the same time."""
    lock = paths.processed_root / ".cache" / f"{paths.anio}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def stage_keys(paths: Paths, region: str, pdf: bool, notebooks_dir: Path = NOTEBOOKS_DIR) -> dict[str, str]:
    """Fingerprint of each stage: what it reads, the stages it depends on, the code."""
    code = code_version(notebooks_dir)
    params = {"anio": paths.anio, "region": region}
    earlier = [clean_key(replace(paths, anio=y), region) for y in years_with_logs(paths) if y < paths.anio]
    limpieza = fingerprint("limpieza", params, log_files(paths), [], code)
    side = side_files(paths)
    indicadores = fingerprint("indicadores", params, side, [limpieza, *earlier], code)
    balance = fingerprint("balance", {**params, "pdf": pdf}, side, [indicadores], code)
    return {"limpieza": limpieza, "indicadores": indicadores, "balance": balance}


def stages_to_run(
    paths: Paths, region: str, stages: tuple[str, ...], pdf: bool,
    notebooks_dir: Path = NOTEBOOKS_DIR, force: bool = False,
) -> tuple[dict[str, str], list[str]]:
    """The stages' fingerprints, and which of `stages` must run (the others are reused).

    The cleaning stage's real product lives in data/processed/: it must still be there too.
    """
    keys = stage_keys(paths, region, pdf, notebooks_dir)

    def reusable(etapa: str) -> bool:
        fresh = etapa != "limpieza" or processed_is_fresh(paths, region)
        return not force and StageCache(paths, etapa).hit(keys[etapa]) and fresh

    return keys, [etapa for etapa in stages if not reusable(etapa)]
