"""Which files of `data/raw/<year>/` are attendance logs, and which are inputs beside them.

One definition for the cleaning stage (what it reads) and the stage cache (what its
fingerprint covers), so the two can never disagree. No heavy import here.
"""
from __future__ import annotations

from pathlib import Path

LOG_SUFFIXES = {".csv", ".xlsx"}
NOT_LOGS = {"destacadas.csv"}  # optional inputs beside the logs (config.Paths)


def is_log(path: Path) -> bool:
    """A log: .csv/.xlsx at any depth under `raw`, not an optional input, not a hidden or
    Excel lock file (`~$libro.xlsx`)."""
    return (
        path.is_file() and path.suffix.lower() in LOG_SUFFIXES and path.name.lower() not in NOT_LOGS
        and not path.name.startswith((".", "~$"))
    )


def log_files(raw: Path) -> list[Path]:
    """Every log under `raw`, in file-name order (the order rows are taken in)."""
    raw = Path(raw)
    if not raw.is_dir():
        return []
    # verificadores/ holds evidence of activities (an attendance sheet there is not a log)
    found = [p for p in raw.rglob("*") if is_log(p) and p.relative_to(raw).parts[0] != "verificadores"]
    return sorted(found, key=lambda p: p.relative_to(raw).as_posix())


def side_files(raw: Path) -> list[Path]:
    """Every other file under `raw` (highlights, photos, plans): inputs of indicators and deck."""
    raw = Path(raw)
    if not raw.is_dir():
        return []
    return sorted(p for p in raw.rglob("*") if p.is_file() and not is_log(p))
