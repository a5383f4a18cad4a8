"""Read any raw log file or sheet into a frame of text with canonical columns; nothing else.

Data contract §1–§3: `.csv` (`csv_files`), `.xlsx`, `.xls` and `.ods` (`xlsx_files`, every sheet); the
header and columns of each sheet are found by `sheets`. Values stay text: converting them
is the cleaning's job. A file that cannot be used becomes a `Rejection`, never an exception,
so one bad file never stops a run.
"""
from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.errors import SheetRejected
from pipeline.ingest import limits
from pipeline.ingest.sheets import FILA, PLAIN_COLUMNS, SHIFTED, Reading, Rejection
from pipeline.ingest.csv_files import read_csv
from pipeline.ingest.files import WORKBOOK_SUFFIXES
from pipeline.ingest.xlsx_files import UNREADABLE, inflated_size, read_xlsx


def read_year(raw: Path, logs: list[Path]) -> Reading:
    """Every log of one year (`logs`, in name order), within the year's limits.

    A file that would take the year over `limits.MAX_YEAR_BYTES` is rejected without being
    read; one whose rows or distinct texts would take it over `limits.MAX_YEAR_ROWS`,
    `limits.MAX_YEAR_DISTINCT_TEXTS` or `limits.MAX_YEAR_TEXT_BYTES` is rejected once read
    (its rows are dropped before the next file is read). Either way with that reason, and the next files are still read: one big
    file never stops the year. Only the files whose sheets are kept count towards the limits.
    """
    out = Reading()
    size_total = rows_total = texts_total = text_total = 0
    for path in logs:
        file = Path(path).relative_to(raw).as_posix()
        size = _size(path)
        if size > limits.MAX_YEAR_BYTES:  # over the year's limit on its own: the file is too big
            out.rejected.append(Rejection(file, "", "archivo_demasiado_grande", (
                f"el archivo pesa {_weight(size)}{' descomprimido' if Path(path).suffix.lower() in ('.xlsx', '.ods') else ''}, "
                f"más que el máximo de todo un año ({_weight(limits.MAX_YEAR_BYTES)} de archivos); "
                "el resto del año se limpió sin él")))
            continue
        if size_total + size > limits.MAX_YEAR_BYTES:
            out.rejected.append(Rejection(file, "", "anio_demasiado_grande", _over_year(
                _weight(size), _weight(size_total) if size_total else None,
                f"{_weight(limits.MAX_YEAR_BYTES)} de archivos")))
            continue
        reading = read_file(path, file)
        rows = sum(len(s.frame) for s in reading.sheets)
        if rows and rows_total + rows > limits.MAX_YEAR_ROWS:
            del reading  # its rows are let go before the next file is read
            out.rejected.append(Rejection(file, "", "anio_demasiado_grande", _over_year(
                _rows(rows), _rows(rows_total) if rows_total else None,
                f"{limits.thousands(limits.MAX_YEAR_ROWS)} filas de datos")))
            continue
        texts, text = _distinct_texts(reading)
        if texts_total + texts > limits.MAX_YEAR_DISTINCT_TEXTS or text_total + text > limits.MAX_YEAR_TEXT_BYTES:
            del reading
            out.rejected.append(Rejection(file, "", "anio_demasiado_grande", _over_year(
                f"{_texts(texts, text)}", _texts(texts_total, text_total) if texts_total else None,
                f"{limits.thousands(limits.MAX_YEAR_DISTINCT_TEXTS)} textos distintos o "
                f"{_weight(limits.MAX_YEAR_TEXT_BYTES)} de ellos en las columnas de actividad (nombres de "
                "actividades, organizaciones, líneas…; ¿una columna con un texto distinto en cada fila?)")))
            continue
        if reading.sheets:
            size_total += size
            rows_total += rows
            texts_total += texts
            text_total += text
        out.extend(reading)
    return out


def _distinct_texts(reading: Reading) -> tuple[int, int]:
    """(how many, bytes) distinct texts the kept columns of a file's sheets hold, names and RUTs
    aside (a CSV column's dictionary as read; an xlsx column's distinct values)."""
    count = size = 0
    for s in reading.sheets:
        for name, col in s.frame.items():
            if name in (FILA, SHIFTED) or name in PLAIN_COLUMNS:
                continue
            values = col.cat.categories if isinstance(col.dtype, pd.CategoricalDtype) else col.dropna().unique()
            if len(values):
                count += len(values)
                size += pc.sum(pc.binary_length(pa.array(values, type=pa.large_string()))).as_py() or 0
    return count, size


def _texts(count: int, size: int) -> str:
    return f"{limits.thousands(count)} {'texto distinto' if count == 1 else 'textos distintos'}, {_weight(size)}"


def _weight(size: int) -> str:
    """`512 MB`, or `3 KB` under a megabyte (rounded up: never `0`)."""
    if size >= 2**20:
        return f"{limits.thousands(size // 2**20)} MB"
    return f"{limits.thousands(-(-size // 1024))} KB"


def _rows(n: int) -> str:
    return f"{limits.thousands(n)} {'fila' if n == 1 else 'filas'}"


def _over_year(this: str, before: str | None, limit: str) -> str:
    """Why a file was left out of its year, in plain Spanish (sizes and counts only)."""
    already = f" (los archivos anteriores, en orden alfabético, ya suman {before})" if before else ""
    return (f"con este archivo ({this}) el año pasaría de {limit}, el máximo por año para que la limpieza quepa "
            f"en la memoria prevista{already}; el resto del año se limpió sin él")


def _size(path: Path) -> int:
    """What a log weighs towards the year's limit: its size; an .xlsx or .ods, its inflated size."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return 0  # read_file gives the reason
    if Path(path).suffix.lower() in (".xlsx", ".ods"):
        inflated = inflated_size(path)
        return max(size, inflated or 0)
    return size


def read_file(path: Path, file: str | None = None) -> Reading:
    """Every sheet of one file. Never raises for a bad file: it is rejected with a Spanish reason.

    Only a regular file is opened (a FIFO would wait for a writer forever).
    """
    path = Path(path)
    file = file or path.name
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise SheetRejected("archivo_no_legible", "no es un archivo común (tubería, dispositivo o similar); no se abre")
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            return read_xlsx(path, file)
        return read_csv(path, file)
    except SheetRejected as r:
        return Reading(rejected=[Rejection(file, "", r.code, r.detail)])
    except PermissionError:
        return Reading(rejected=[Rejection(file, "", "archivo_no_legible",
                                         "el archivo no tiene permiso de lectura (dé permiso con chmod u+r)")])
    except FileNotFoundError:
        return Reading(rejected=[Rejection(file, "", "archivo_no_legible",
                                         "el archivo desapareció o cambió durante la lectura")])
    except MemoryError:
        return Reading(rejected=[Rejection(file, "", "demasiadas_filas", "el archivo es demasiado grande para leerlo")])
    except (*UNREADABLE, csv.Error, pa.ArrowException, UnicodeError):  # a damaged file: that file only
        return Reading(rejected=[Rejection(file, "", "archivo_ilegible", "el archivo no se pudo leer")])
