"""Which files of `data/raw/<year>/` are attendance logs, and which are inputs beside them.

One definition for the cleaning stage (what it reads) and the stage cache (what its
fingerprint covers), so the two can never disagree. No heavy import here.

Only regular files are ever opened: a FIFO, a device or a socket named like a log is
rejected without being opened (opening a FIFO waits for a writer forever), and so is a
symbolic link leading out of the raw folder. An unreadable file or folder is rejected
with its reason, never skipped in silence.
"""
from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import HIGHLIGHTS_FILE, VERIFIERS_DIR
from pipeline.ingest import limits

# .xls (Excel 97–2003) and .ods (LibreOffice) are read by calamine like .xlsx
LOG_SUFFIXES = {".csv", ".xlsx", ".xls", ".ods"}
WORKBOOK_SUFFIXES = {".xlsx", ".xls", ".ods"}
NOT_LOGS = {HIGHLIGHTS_FILE}  # optional inputs beside the logs (config.Paths)
# Office documents that are not logs: listed in the quality report as ignored, with the reason.
DOCUMENT_SUFFIXES = {".docx", ".doc", ".pdf", ".odt", ".rtf", ".pptx", ".ppt", ".msg", ".eml"}
OLD_SPREADSHEET_SUFFIXES = {".xlsm", ".xlsb", ".numbers"}

REASON_LOCK_FILE = "archivo de bloqueo de Excel (el libro estaba abierto cuando se copió); no es una planilla"
REASON_DOCUMENT = "no es una planilla (.csv, .xlsx, .xls u .ods); si trae asistencias, cópielas a una planilla"
REASON_FORMAT = "planilla en un formato que no se lee; ábrala en Excel y guárdela como .xlsx"


@dataclass
class Problem:
    """A file or folder that is not read, and why (plain Spanish)."""

    file: str
    reason: str


@dataclass
class Survey:
    """Everything found under the raw folder: logs to read, files rejected and files ignored."""

    logs: list[Path] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)   # would be logs, cannot be read
    ignored: list[Problem] = field(default_factory=list)    # not logs (lock files, documents)


def _is_log_name(name: str) -> bool:
    return (Path(name).suffix.lower() in LOG_SUFFIXES and name.lower() not in NOT_LOGS
            and not name.startswith((".", "~$")))


def survey(raw: Path) -> Survey:
    """Walk `raw` (not following links to folders): logs in file-name order, problems listed."""
    raw = Path(raw)
    out = Survey()
    if not raw.is_dir():
        return out
    root = raw.resolve()
    found: list[tuple[str, Path]] = []

    def unreadable(err: OSError) -> None:
        name = Path(err.filename).relative_to(raw).as_posix() if err.filename else "?"
        out.rejected.append(Problem(name + "/", "carpeta sin permiso de lectura: nada de ella se leyó; "
                                      "dé permiso de lectura (chmod u+rx) y vuelva a ejecutar"))

    for folder, dirs, names in os.walk(raw, onerror=unreadable):
        if Path(folder) == raw:  # verificadores/ holds evidence (an attendance sheet there is not a log)
            dirs[:] = [d for d in dirs if d != VERIFIERS_DIR]
        dirs.sort()
        for name in names:
            path = Path(folder) / name
            rel = path.relative_to(raw).as_posix()
            suffix = path.suffix.lower()
            if name.startswith("~$"):
                out.ignored.append(Problem(rel, REASON_LOCK_FILE))
                continue
            if suffix in DOCUMENT_SUFFIXES:
                out.ignored.append(Problem(rel, REASON_DOCUMENT))
                continue
            if suffix in OLD_SPREADSHEET_SUFFIXES and not name.startswith("."):
                out.rejected.append(Problem(rel, REASON_FORMAT))
                continue
            if not _is_log_name(name):
                continue
            problem = _problem(path, root)
            if problem:
                out.rejected.append(Problem(rel, problem))
            else:
                found.append((rel, path))
    out.logs = [p for _, p in sorted(found)]
    out.rejected.sort(key=lambda p: p.file)
    out.ignored.sort(key=lambda p: p.file)
    return out


def _problem(path: Path, root: Path) -> str | None:
    """Why a log cannot be opened, or None. Never opens the file."""
    try:
        st = path.stat()
    except OSError:
        return "enlace roto o archivo que desapareció durante la lectura"
    if not stat.S_ISREG(st.st_mode):
        return "no es un archivo común (tubería, dispositivo o similar); no se abre"
    if path.is_symlink() and not path.resolve().is_relative_to(root):
        return "enlace a un archivo fuera de la carpeta de datos; copie el archivo a la carpeta"
    if not os.access(path, os.R_OK):
        return "archivo sin permiso de lectura; dé permiso de lectura (chmod u+r) y vuelva a ejecutar"
    return None


def log_files(raw: Path) -> list[Path]:
    """Every readable log under `raw`, in file-name order (the order rows are taken in)."""
    return survey(raw).logs


def side_files(raw: Path) -> list[Path]:
    """Every other regular file under `raw` (highlights, photos, plans): inputs of indicators and deck."""
    raw = Path(raw)
    if not raw.is_dir():
        return []
    out = []
    for folder, dirs, names in os.walk(raw):
        dirs.sort()
        for name in names:
            path = Path(folder) / name
            try:
                regular = stat.S_ISREG(path.stat().st_mode)
            except OSError:
                continue
            if regular and not _is_log_name(name) and os.access(path, os.R_OK):
                out.append(path)
    return sorted(out)


def years_with_logs(raw_root: Path) -> list[int]:
    """Years (folders named like 2017) under `raw_root` that hold at least one log."""
    raw_root = Path(raw_root)
    if not raw_root.is_dir():
        return []
    years = [p for p in raw_root.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}", p.name)]
    return sorted(int(p.name) for p in years if log_files(p))


def read_small_text(path: Path, limit: int = limits.MAX_SIDE_FILE_BYTES) -> str:
    """`read_small_bytes` decoded as logs are: UTF-8 (a BOM dropped), UTF-16/32 with a BOM
    («Texto Unicode» of Excel, Notepad's «Unicode»), Windows-1252, or UTF-8 and Windows-1252
    mixed line by line. `ValueError` with a Spanish reason when it is none of them."""
    from pipeline.ingest.csv_files import decode_text
    from pipeline.errors import SheetRejected

    try:
        return decode_text(read_small_bytes(path, limit))[0]
    except SheetRejected as r:
        raise ValueError(f"{Path(path).name} no se puede leer: {r.detail}; guárdelo como texto UTF-8") from None


def read_small_bytes(path: Path, limit: int = limits.MAX_SIDE_FILE_BYTES) -> bytes:
    """Bytes of a side input (plan, highlights, texts) read only when it is a regular file under
    `limit`.

    Raises `ValueError` with a Spanish reason otherwise: a FIFO is never opened, a device
    such as /dev/zero never read without bound.
    """
    path = Path(path)
    st = path.stat()
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{path.name} no es un archivo común (tubería o dispositivo); no se lee")
    if st.st_size > limit:
        raise ValueError(f"{path.name} pesa más de {limit // 1024} KB; no se lee")
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{path.name} pesa más de {limit // 1024} KB; no se lee")
    return data
