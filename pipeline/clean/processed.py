"""data/processed/<year>/ as the cleaning leaves it: which inputs built it, and its lock.

Stage 1 marks the folder with its cleaning fingerprint (the raw folder and its logs, the
region, the pseudonym key's fingerprint and the code); stage 2 and 3 only read a folder whose
mark matches their own inputs, and otherwise stop with «ejecute limpiar» — they never clean.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from pipeline import locks
from pipeline.clean import pseudonyms
from pipeline.clean.writing import private_folder
from pipeline.config import Paths
from pipeline.errors import StaleProcessed
from pipeline.fingerprint import code_version, fingerprint
from pipeline.ingest import files


def clean_params(paths: Paths, region: str) -> dict:
    # where the logs come from: two raw folders never share a fingerprint
    return {"anio": paths.year, "region": region, "raw": str(paths.raw.resolve()),
            "clave": pseudonyms.key_fingerprint()}


def clean_key(paths: Paths, region: str, code: str | None = None) -> str:
    """Fingerprint of a year's cleaning: its raw folder and log files, the region, the
    pseudonym key's fingerprint and the code."""
    return fingerprint("limpieza", clean_params(paths, region), paths.raw, files.log_files(paths.raw), [],
                       code or code_version())


def _marker(paths: Paths) -> Path:
    return paths.processed_root / ".cache" / str(paths.year) / "procesado.huella"


def _tables(paths: Paths) -> tuple[Path, ...]:
    return paths.actividades, paths.asistencias, paths.calidad, paths.nombres_huellas


def mark(paths: Paths, region: str) -> None:
    """Record which inputs data/processed/<year>/ was built from."""
    marker = _marker(paths)
    private_folder(marker.parent)
    marker.write_text(clean_key(paths, region))
    os.chmod(marker, 0o600)


def is_fresh(paths: Paths, region: str) -> bool:
    """data/processed/<year>/ exists and was built from these logs, key and code."""
    marker = _marker(paths)
    return (all(p.exists() for p in _tables(paths))
            and marker.exists() and marker.read_text() == clean_key(paths, region))


def require_fresh(paths: Paths, region: str) -> None:
    """Stop with what to do when data/processed/<year>/ is missing or was built from other
    inputs (other logs, another key, other code)."""
    if is_fresh(paths, region):
        return
    missing = not all(p.exists() for p in _tables(paths))
    cause = "no existen" if missing else "no corresponden a las planillas, la clave o el código actuales"
    raise StaleProcessed(
        f"Los datos limpios de {paths.year} ({paths.processed}) {cause}. "
        f"Ejecute antes la limpieza: python -m pipeline limpiar --anio {paths.year}"
        " (o «ejecutar», que limpia primero)."
    )


@contextlib.contextmanager
def lock(paths: Paths) -> Iterator[None]:
    """Blocking lock on data/processed/<year>/: two runs sharing a processed folder (the same
    year from two raw folders, or 2018 reading 2017 while 2017 is cleaned beside it) take
    turns to write and read it, and each checks that what it reads was built from its own inputs."""
    private_folder(paths.processed_root / ".cache")
    with locks.held(paths.processed_root / ".cache" / f"{paths.year}.lock", wait=True):
        yield
