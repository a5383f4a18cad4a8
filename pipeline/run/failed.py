"""What a failed run leaves for inspection: `outputs/.fallidas/<year>-<stamp>/`.

Only the last `KEEP` failed runs of each year are kept, and no executed notebook there
holds more than `MAX_OUTPUT_BYTES` of cell output (the rest is cut, and the notebook says so).
"""
from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

from pipeline.config import Paths

KEEP = 3
MAX_OUTPUT_BYTES = 5 * 1024 * 1024


def keep(staged_out: Path, final: Paths) -> Path:
    """Move a failed run's outputs to `.fallidas/`, trim its notebooks, drop older failures."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")  # sorts by time
    # the process id in hexadecimal (at most 6 characters): a decimal one of 7 digits would
    # look like a RUT and be withheld from the message that names this folder
    target = final.failed_root / f"{final.year}-{stamp}-{os.getpid():x}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if staged_out.exists():
        staged_out.rename(target)
    else:
        target.mkdir()
    for notebook in sorted(target.rglob("*.ipynb")):
        trim_outputs(notebook)
    prune(final)
    return target


def prune(final: Paths) -> None:
    """Keep the newest `KEEP` failed runs of this year (names sort by time)."""
    runs = sorted(p for p in final.failed_root.glob(f"{final.year}-*") if p.is_dir())
    for old in runs[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)


def trim_outputs(path: Path, limit: int = MAX_OUTPUT_BYTES) -> bool:
    """Cut the notebook's cell outputs after the first `limit` bytes; returns whether it cut."""
    import nbformat  # only when a run failed: the CLI starts without it
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # an unreadable copy is removed rather than kept half-written
        path.unlink(missing_ok=True)
        return True
    budget = limit - 64 * 1024  # room for the notices
    used, cut = 0, 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            size = len(str(output))
            if used + size <= budget:
                kept.append(output)
                used += size
            else:
                cut += size
        if len(kept) < len(cell.get("outputs", [])):
            kept.append(nbformat.v4.new_output(
                "stream", name="stderr",
                text=f"[salida recortada: esta copia guarda a lo más {limit // (1024 * 1024)} MB de salidas]\n"))
        cell["outputs"] = kept
    if cut:
        nbformat.write(nb, path)
    return bool(cut)
