"""Writing `data/processed/<year>/`: every file to a temporary name first, all replaced
together once written; the attendance table written in a background thread.

Everything under `data/processed/` is the owner's only, whatever the umask: folders 0700
(`private_folder`), files 0600 (created so, and `tighten` for copies made by other code).
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import threading
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
        causa = _CAUSES.get(exc.errno)
        if causa is None:
            raise
        raise OutputNotWritable(folder(exc) if callable(folder) else folder, causa) from None


_CAUSES = {
    errno.ENOSPC: "el disco está lleno; libere espacio (o use otra carpeta con --processed-dir) y vuelva a ejecutar",
    errno.EDQUOT: "se agotó su cuota de disco; libere espacio y vuelva a ejecutar",
    errno.EROFS: "la carpeta es de solo lectura; use una carpeta con permiso de escritura y vuelva a ejecutar",
    errno.EACCES: "no tiene permiso de escritura en ella; dé permiso (chmod u+w) o use otra carpeta",
    errno.EPERM: "no tiene permiso de escritura en ella; dé permiso (chmod u+w) o use otra carpeta",
}


def write(result: "CleanResult", paths: "Paths", asistencias: "BackgroundParquet | None" = None) -> None:
    """Write the four processed files, owner-only (the quarantine holds raw personal values,
    the activities unscreened titles and organisations).

    `asistencias`: that table already being written in the background (`clean_year`). The
    other three are written to temporary names meanwhile; all four replace the old files
    only once every one of them has been written.
    """
    private_folder(paths.processed)
    pending: list[tuple[Path, Path, int]] = []
    replaced: Path | None = None
    try:
        pending.append(_to_tmp(paths.actividades, lambda p: _write_parquet(result.actividades, p)))
        pending.append(_to_tmp(paths.cuarentena,
                               lambda p: write_quarantine_csv(result.cuarentena, p)))
        pending.append(_to_tmp(paths.calidad,
                               lambda p: Path(p).write_text(json.dumps(result.calidad, ensure_ascii=False),
                                                            encoding="utf-8")))
        if asistencias is not None and asistencias.frame is result.asistencias:
            asistencias.finish()
            replaced = asistencias.replaced
        else:
            tmp, target, mode = _to_tmp(paths.asistencias, lambda p: _write_parquet(result.asistencias, p))
            try:
                replaced = _replace_keeping_old(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
        for tmp, target, mode in pending:
            os.chmod(tmp, mode)
            os.replace(tmp, target)
    finally:
        for tmp, _target, _mode in pending:
            if tmp.exists():
                tmp.unlink()
        # the previous attendance table (big) is deleted last, off the caller's path
        _delete_later([replaced] if replaced is not None else [])


# Options of the parquet writer for each table. Values are the same whatever the options
# (pandas reads back the same frame); these only choose how the bytes are laid out:
# statistics are not written (nothing filters on them, and min/max of a million strings
# costs a third of the writing), and the pseudonyms (random hex, a few hundred thousand
# distinct) are stored plainly: no dictionary (it would overflow its page and be dropped)
# and no compression (snappy gains under 10 % on hex digits, at a third of the time).
_PLAIN_PARQUET_COLUMNS = {"persona", FILA}


def _write_parquet(frame: pd.DataFrame, path: str) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # categorical columns are decoded here (arrow kernels, no GIL) and dictionary-encoded again
    # by the parquet writer: given an arrow dictionary as is, pyarrow 26 was seen to write
    # uninitialised memory into the dictionary page (bytes differing run to run, once a RUT)
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(field.type.value_type))
    names = table.schema.names
    pq.write_table(table, path, write_statistics=False,
                   use_dictionary=[c for c in names if c not in _PLAIN_PARQUET_COLUMNS],
                   compression={c: "none" if c == "persona" else "snappy" for c in names})


class BackgroundParquet:
    """One parquet file written by a thread into a temporary name, moved into place by `finish`."""

    def __init__(self, target: Path, mode: int = PRIVATE_FILE):
        self.target = Path(target)
        self.tmp = self.target.with_name(f".{self.target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        self.mode = mode
        self.frame: pd.DataFrame | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.replaced: Path | None = None  # second name of the file `finish` replaced, to delete

    def start(self, frame: pd.DataFrame) -> None:
        self.discard()
        self.frame = frame
        os.close(os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, self.mode))
        os.chmod(self.tmp, self.mode)
        self._thread = threading.Thread(target=self._run, name="escribe-asistencias", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            _write_parquet(self.frame, str(self.tmp))
        except BaseException as exc:  # noqa: BLE001 — re-raised in the caller's thread by finish()
            self._error = exc

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def finish(self) -> None:
        """Wait for the writer, then move the file into place (or raise what the writer raised)."""
        self._join()
        if self._error is not None:
            raise self._error
        os.chmod(self.tmp, self.mode)
        self.replaced = _replace_keeping_old(self.tmp, self.target)

    def discard(self) -> None:
        """Wait for a running writer and remove its temporary file (after an error, or to restart)."""
        self._join()
        self._error = None
        if self.tmp.exists():
            self.tmp.unlink()


def _replace_keeping_old(tmp: Path, target: Path) -> Path | None:
    """`os.replace(tmp, target)` keeping the replaced file under a second name, returned.

    Deleting the big file the previous run wrote can wait for its pages still being written
    back to disk (up to 0.1 s measured for the attendance table of 1M rows); `write` deletes
    it once every file is in place, in a thread (`_delete_later`).
    """
    old = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.old")
    try:
        os.link(target, old)
    except OSError:  # no previous file (or no hard links on this file system)
        old = None
    os.replace(tmp, target)
    return old


def _delete_later(paths: list[Path]) -> None:
    """Delete files in a non-daemon thread (the interpreter waits for it before exiting)."""
    if paths:
        threading.Thread(target=lambda: [p.unlink(missing_ok=True) for p in paths], name="borra-anteriores").start()


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
