"""xlsx logs: every sheet, read by calamine (cached formula results, nothing evaluated)."""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import config
from pipeline.ingest.sheets import Reading, Rechazar, Rechazo, from_rows


# Zip bombs: a workbook is refused before it is inflated when its parts would inflate past
# these (declared sizes in the zip directory; real sheets inflate 5–30 times).
_XLSX_MAX_INFLATED = 2 << 30


_XLSX_MAX_RATIO = 200


_XLSX_RATIO_FROM = 50 << 20


def _cell_text(value: object) -> str | None:
    """Excel cell → text: whole numbers without `.0`, date cells as ISO dates."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "VERDADERO" if value else "FALSO"
    if isinstance(value, (int, np.integer)):
        return str(value)
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(float(value))
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _text_column(values: pd.Series) -> pd.Series:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.array([_cell_text(u) for u in uniques] + [None], dtype=object)
    return pd.Series(table[codes], dtype="str")


def _check_zip(path: Path) -> None:
    """Reject a workbook whose parts would inflate absurdly (zip bomb) before reading it."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip at all: calamine gives the reason
    total = sum(i.file_size for i in infos)
    bomb = any(i.file_size > _XLSX_RATIO_FROM and i.file_size > _XLSX_MAX_RATIO * max(i.compress_size, 1)
               for i in infos)
    if total > _XLSX_MAX_INFLATED or bomb:
        megas = f"{total / 2**20:,.0f}".replace(",", ".")
        raise Rechazar("archivo_ilegible",
                        f"el libro descomprimido ocuparía {megas} MB (posible bomba zip); no se lee")


def read_xlsx(path: Path, archivo: str) -> Reading:
    # calamine (Rust) reads xlsx several times faster than openpyxl and returns cached
    # formula results as values, so nothing in a sheet is ever evaluated.
    _check_zip(path)
    try:
        sheets = pd.read_excel(path, engine="calamine", header=None, sheet_name=None, dtype=object,
                               keep_default_na=False, na_filter=False)
    except Exception as exc:  # noqa: BLE001 — corrupt, truncated or not a workbook
        raise Rechazar("archivo_ilegible",
                        f"no es un libro Excel válido o está dañado ({type(exc).__name__})") from None
    out = Reading()
    for name, frame in sheets.items():
        sheet = str(name)
        try:
            if frame.shape[1] > config.MAX_COLUMNS:
                raise Rechazar("demasiadas_columnas",
                                f"la hoja tiene {frame.shape[1]} columnas (máximo {config.MAX_COLUMNS})")
            top = frame.iloc[: config.HEADER_SCAN_ROWS]
            rows = [[_cell_text(v) for v in row] for row in top.itertuples(index=False)]

            def data_columns(header_i: int, plain: set[int] = frozenset(), frame=frame) -> list[pd.Series]:
                body = frame.iloc[header_i + 1:]
                return [_text_column(body.iloc[:, j]) for j in range(body.shape[1])]

            out.extend(from_rows(archivo, sheet, rows, data_columns, first_data_row=1))
        except Rechazar as r:
            out.rechazos.append(Rechazo(archivo, sheet, r.codigo, r.detalle))
        except Exception as exc:  # noqa: BLE001 — one bad sheet never stops the others
            out.rechazos.append(Rechazo(archivo, sheet, "archivo_ilegible",
                                        f"no se pudo leer la hoja ({type(exc).__name__})"))
    return out
