"""Workbook logs: every sheet of an .xlsx, .xls (Excel 97–2003) or .ods (LibreOffice), read by
calamine (cached formula results, nothing evaluated). Merged ranges come from calamine (xlsx,
xls); an .ods declares them on its cells, read here from its content without loading it whole.
"""
from __future__ import annotations

import datetime as dt
import itertools
import math
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from pipeline.errors import SheetRejected
from pipeline import config
from pipeline import schema
from pipeline.ingest import limits
from pipeline.ingest.sheets import Skipped, Reading, Rejection, from_rows, map_columns, row_text, row_text_positions

# What a damaged, truncated or odd workbook makes calamine and the readers raise; any other
# exception is a bug of ours and stops the run with its traceback.
UNREADABLE = (CalamineError, ValueError, OverflowError, EOFError, zipfile.BadZipFile, ET.ParseError)


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


def _text_column(values) -> pd.Series:
    """Text of one column's cells, each distinct value converted once."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    table = np.array([_cell_text(u) for u in uniques] + [None], dtype=object)
    return pd.Series(table[codes], dtype="str")


def _zip_parts(path: Path) -> list | None:
    """The parts a workbook's zip directory declares (nothing is inflated), or None when it is
    not a zip."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def inflated_size(path: Path) -> int | None:
    """What a workbook's parts take once inflated, or None when it is not a zip."""
    infos = _zip_parts(path)
    return None if infos is None else sum(i.file_size for i in infos)


def _check_zip(path: Path) -> None:
    """Reject a workbook whose parts would inflate absurdly (zip bomb) before reading it."""
    infos = _zip_parts(path)
    if infos is None:
        return  # not a zip at all: calamine gives the reason
    total = sum(i.file_size for i in infos)
    bomb = any(i.file_size > _XLSX_RATIO_FROM and i.file_size > _XLSX_MAX_RATIO * max(i.compress_size, 1)
               for i in infos)
    if total > _XLSX_MAX_INFLATED or bomb:
        megas = f"{total / 2**20:,.0f}".replace(",", ".")
        raise SheetRejected("archivo_ilegible",
                        f"el libro descomprimido ocuparía {megas} MB (posible bomba zip); no se lee")


def read_xlsx(path: Path, file: str) -> Reading:
    """Every worksheet of a workbook (.xlsx, .xls, .ods), streamed by calamine (Rust): cached
    formula results are values, so nothing in a sheet is ever evaluated."""
    ods = Path(path).suffix.lower() == ".ods"
    if Path(path).suffix.lower() != ".xls":  # .xls is not a zip
        _check_zip(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except UNREADABLE:  # corrupt, truncated or not a workbook
        kind = "LibreOffice (.ods)" if ods else "Excel"
        raise SheetRejected("archivo_ilegible", f"no es un libro {kind} válido o está dañado") from None
    ods_merged = _ods_merged(path) if ods else {}
    out = Reading()
    try:
        for meta in book.sheets_metadata:
            name = str(meta.name)
            if meta.typ != SheetTypeEnum.WorkSheet:  # a chart or macro sheet holds no rows
                out.skipped.append(Skipped(file, name))
                continue
            try:
                out.extend(_read_sheet(book.get_sheet_by_name(meta.name), file, name, ods_merged.get(name)))
            except SheetRejected as r:
                out.rejected.append(Rejection(file, name, r.code, r.detail))
            except MemoryError:
                out.rejected.append(Rejection(file, name, "demasiadas_filas",
                                            "la hoja es demasiado grande para leerla en la memoria disponible"))
            except UNREADABLE:  # one bad sheet never stops the others
                out.rejected.append(Rejection(file, name, "archivo_ilegible", "la hoja no se pudo leer"))
    finally:
        book.close()
    return out


def _read_sheet(sheet, file: str, name: str, merged_ranges: list | None = None) -> Reading:
    """One worksheet: merged ranges filled, data cut where the attendees end, limits checked.
    `merged_ranges`: those of an .ods sheet (calamine gives the others)."""
    if sheet.height == 0:
        return Reading(skipped=[Skipped(file, name)])
    if sheet.width > config.MAX_COLUMNS:
        raise SheetRejected("demasiadas_columnas", f"la hoja tiene {sheet.width} columnas (máximo {config.MAX_COLUMNS})")
    col0 = sheet.start[1]
    merged = [((r0, c0 - col0), (r1, c1 - col0))
              for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or merged_ranges or []) if c1 >= col0]
    rows_iter = sheet.iter_rows()  # absolute rows from the first; columns from the first used one
    stored = list(itertools.islice(rows_iter, config.HEADER_SCAN_ROWS))
    _fill_merged(stored, merged)
    top = [[_cell_text(v) for v in row] for row in stored]
    extra: dict[str, object] = {"filled": 0, "trailing": np.array([], dtype=np.int64), "texts": []}

    def data_columns(header_i: int, plain: set[int] = frozenset()) -> tuple[list[pd.Series], None]:
        positions, shape, _unknown = map_columns(top[header_i])
        own = schema.PERSON_COLUMNS if shape == schema.SHAPE_PERSONS else schema.SUMMARY_COUNT_COLUMNS
        attendee_at = [positions[c] for c in own if c in positions]
        text_at = row_text_positions(positions)
        last = header_i + 1 + limits.MAX_SHEET_ROWS  # rows [0, last) are kept
        stored.extend(itertools.islice(rows_iter, max(0, last - len(stored))))
        beyond = 0
        past, stored[last:] = stored[last:], []
        texts = extra["texts"]
        for i, row in enumerate(itertools.chain(past, rows_iter), start=len(stored)):
            # past the limit: only whether an attendee is still there is looked at
            if any(j < len(row) and row[j] != "" for j in attendee_at):
                raise SheetRejected("demasiadas_filas", f"la hoja tiene más de {limits.MAX_SHEET_ROWS:,} filas de datos "
                               f"(hay asistentes en la fila {i + 1:,})".replace(",", "."))
            beyond = i + 1 - len(stored)
            if len(texts) < limits.MAX_LISTED_ROWS:  # the text of the first ones, to be listed
                texts.extend([""] * (beyond - 1 - len(texts)) + [row_text(_cell_text(row[j]) for j in text_at if j < len(row))])
        if beyond:  # filled down or formatted to the end of the sheet, no attendee: not rows
            extra["trailing"] = np.arange(len(stored), len(stored) + beyond, dtype=np.int64) + 1
        extra["filled"] = _fill_merged(stored, merged)
        body = stored[header_i + 1:]
        width = max((len(r) for r in body), default=0)
        columns = [_text_column([row[j] if j < len(row) else "" for row in body]) for j in range(width)]
        return columns, None

    out = from_rows(file, name, top, data_columns, first_data_row=1)
    for s in out.sheets:
        s.merged_ranges = int(extra["filled"])
        if len(extra["trailing"]):
            s.without_attendee = np.concatenate([s.without_attendee, extra["trailing"]])
            texts = extra["texts"] + [""] * (len(extra["trailing"]) - len(extra["texts"]))
            s.without_attendee_texts = (s.without_attendee_texts + texts)[:limits.MAX_LISTED_ROWS]
    return out


def _fill_merged(rows: list[list[object]], merged: list[tuple[tuple[int, int], tuple[int, int]]]) -> int:
    """Give every cell of a merged range the value of its first cell, within `rows`; returns how
    many ranges holding a value were filled (data contract §1)."""
    filled = 0
    n = len(rows)
    for (r0, c0), (r1, c1) in merged:
        if r0 >= n or not (0 <= c0 < len(rows[r0])):
            continue
        value = rows[r0][c0]
        if value == "" or value is None:
            continue
        c0 = max(c0, 0)
        for r in range(r0, min(r1, n - 1) + 1):
            row = rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = value
        filled += 1
    return filled


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _ods_merged(path: Path) -> dict[str, list[tuple[tuple[int, int], tuple[int, int]]]]:
    """{sheet name: merged ranges ((first row, first column), (last row, last column)), 0-based}
    of an .ods, from the spans its cells declare in content.xml (streamed, never loaded whole).
    Rows and columns repeated by `number-*-repeated` are counted, not expanded."""
    import zipfile
    import xml.etree.ElementTree as ET

    t = _ODS_TABLE
    out: dict[str, list] = {}
    try:
        with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
            sheet: list | None = None
            row = col = 0
            for event, element in ET.iterparse(fh, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == t + "table":
                        sheet = out.setdefault(element.get(t + "name", ""), [])
                        row = 0
                    elif tag == t + "table-row":
                        col = 0
                    elif tag in (t + "table-cell", t + "covered-table-cell") and sheet is not None:
                        rows_spanned = int(element.get(t + "number-rows-spanned", "1"))
                        cols_spanned = int(element.get(t + "number-columns-spanned", "1"))
                        if rows_spanned > 1 or cols_spanned > 1:
                            sheet.append(((row, col), (row + rows_spanned - 1, col + cols_spanned - 1)))
                        col += int(element.get(t + "number-columns-repeated", "1"))
                    continue
                if tag == t + "table-row":
                    row += int(element.get(t + "number-rows-repeated", "1"))
                    element.clear()
                elif tag == t + "table":
                    sheet = None
                    element.clear()
    except (zipfile.BadZipFile, KeyError, ET.ParseError, OSError, ValueError):
        return {}
    return out
