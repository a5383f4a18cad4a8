"""Fingerprints: SHA-256 of files, of the code and of a stage's inputs.

The cleaning's freshness check (`clean/processed.py`) and the runner's stage cache
(`run/cache.py`) both build on these, so a change to any input is seen the same way by both.
"""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from pipeline.config import NOTEBOOKS, NOTEBOOKS_DIR

PACKAGE_DIR = Path(__file__).resolve().parent


def file_digest(path: Path) -> str:
    """SHA-256 of the file's contents, read once per process while the file is unchanged:
    a year's logs enter its cleaning key, the freshness check of data/processed/ and every
    later year's keys."""
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
        h.update(str(p.relative_to(p.parents[1])).encode())
        h.update(file_digest(p).encode())
    return h.hexdigest()


def fingerprint(stage: str, params: dict, root: Path, files: list[Path], upstream: list[str], code: str) -> str:
    """SHA-256 of a stage's parameters, upstream fingerprints, code, and its input files
    named by their path below `root` (a file moved to a subfolder is a change)."""
    h = hashlib.sha256()
    h.update(json.dumps({"stage": stage, "params": params, "code": code, "upstream": upstream},
                        sort_keys=True, default=str).encode())
    for p in files:
        h.update(p.relative_to(root).as_posix().encode())
        h.update(file_digest(p).encode())
    return h.hexdigest()
