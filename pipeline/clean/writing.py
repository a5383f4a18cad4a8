"""Writing `data/processed/<year>/`: every file to a temporary name first, all replaced
together once written (plain synchronous writes).

Everything under `data/processed/` is the owner's only, whatever the umask: folders 0700
(`private_folder`), files 0600 (created so, and `tighten` for copies made by other code).
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import OutputNotWritable
from pipeline.ingest.sheets import FILA

if TYPE_CHECKING:  # only for the annotation: year imports this module
    from pipeline.clean.year import CleanResult
    from pipeline.config import Paths


PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700


def private_folder(path: Path) -> Path:
    """`path` and every missing folder above it created owner-only (0700) whatever the umask;
    `path` tightened to 0700 when it already existed."""
    path = Path(path)
    missing = []
    here = path
    while not here.exists():
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another run made it at the same moment
            folder.mkdir(mode=PRIVATE_FOLDER)
    with contextlib.suppress(PermissionError):  # a shared folder of another user stays as it is
        os.chmod(path, PRIVATE_FOLDER)
    for folder in missing[1:]:
        os.chmod(folder, PRIVATE_FOLDER)
    return path


def tighten(root: Path) -> None:
    """Every folder under `root` (itself included) 0700 and every file 0600 (symbolic links
    left alone): for copies whose modes another library chose (the stage cache)."""
    root = Path(root)
    if not root.is_dir() or root.is_symlink():
        return
    with contextlib.suppress(PermissionError):
        os.chmod(root, PRIVATE_FOLDER)
    for folder, folders, files in os.walk(root):
        for name in folders:
            p = os.path.join(folder, name)
            if not os.path.islink(p):
                with contextlib.suppress(PermissionError, FileNotFoundError):
                    os.chmod(p, PRIVATE_FOLDER)
        for name in files:
            p = os.path.join(folder, name)
            if not os.path.islink(p):
                with contextlib.suppress(PermissionError, FileNotFoundError):
                    os.chmod(p, PRIVATE_FILE)


def write_quarantine_csv(frame: pd.DataFrame, path: str) -> None:
    """The analyst's quarantine as Excel in Chile opens it: `;`-separated, UTF-8 with a BOM."""
    frame.to_csv(path, index=False, sep=";", encoding="utf-8-sig")


@contextlib.contextmanager
def not_writable_as_spanish(folder: Path | Callable[[OSError], Path]):
    """Turn a full, read-only or forbidden output folder into `OutputNotWritable` (one Spanish
    line). `folder`: the folder to name, or a function choosing it from the error."""
    try:
        yield
    except OSError as exc:
        cause = _CAUSES.get(exc.errno)
        if cause is None:
            raise
        raise OutputNotWritable(folder(exc) if callable(folder) else folder, cause) from None


_CAUSES = {
    errno.ENOSPC: "el disco está lleno; libere espacio (o use otra carpeta con --processed-dir) y vuelva a ejecutar",
    errno.EDQUOT: "se agotó su cuota de disco; libere espacio y vuelva a ejecutar",
    errno.EROFS: "la carpeta es de solo lectura; use una carpeta con permiso de escritura y vuelva a ejecutar",
    errno.EACCES: "no tiene permiso de escritura en ella; dé permiso (chmod u+w) o use otra carpeta",
    errno.EPERM: "no tiene permiso de escritura en ella; dé permiso (chmod u+w) o use otra carpeta",
}


def write(result: "CleanResult", paths: "Paths") -> None:
    """Write the four processed files, owner-only (the quarantine holds raw personal values,
    the activities unscreened titles and organisations): each to a temporary name first,
    and all four replace the old files only once every one of them has been written."""
    private_folder(paths.processed)
    pending: list[tuple[Path, Path, int]] = []
    try:
        pending.append(_to_tmp(paths.actividades, lambda p: _write_parquet(result.actividades, p)))
        pending.append(_to_tmp(paths.asistencias, lambda p: _write_parquet(result.asistencias, p)))
        pending.append(_to_tmp(paths.cuarentena, lambda p: write_quarantine_csv(result.cuarentena, p)))
        pending.append(_to_tmp(paths.calidad,
                               lambda p: Path(p).write_text(json.dumps(result.calidad, ensure_ascii=False),
                                                            encoding="utf-8")))
        for tmp, target, mode in pending:
            os.chmod(tmp, mode)
            os.replace(tmp, target)
    finally:
        for tmp, _target, _mode in pending:
            tmp.unlink(missing_ok=True)


# Options of the parquet writer for each table. Values are the same whatever the options
# (pandas reads back the same frame); these only choose how the bytes are laid out:
# statistics are not written (nothing filters on them, and min/max of a million strings
# costs a third of the writing), and the pseudonyms (random hex, a few hundred thousand
# distinct) are stored plainly: no dictionary (it would overflow its page and be dropped)
# and no compression (snappy gains under 10 % on hex digits, at a third of the time).
_PLAIN_PARQUET_COLUMNS = {"persona", FILA}


def _write_parquet(frame: pd.DataFrame, path: str) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # categorical columns are decoded here and dictionary-encoded again
    # by the parquet writer: given an arrow dictionary as is, pyarrow 26 was seen to write
    # uninitialised memory into the dictionary page (bytes differing run to run, once a RUT)
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(field.type.value_type))
    names = table.schema.names
    pq.write_table(table, path, write_statistics=False,
                   use_dictionary=[c for c in names if c not in _PLAIN_PARQUET_COLUMNS],
                   compression={c: "none" if c == "persona" else "snappy" for c in names})


def _to_tmp(target: Path, writer, mode: int = PRIVATE_FILE) -> tuple[Path, Path, int]:
    """Write `target`'s content into a temporary name beside it: (temporary, target, mode)."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    os.close(fd)
    os.chmod(tmp, mode)
    try:
        writer(str(tmp))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, target, mode
