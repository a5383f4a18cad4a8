"""Read any raw log file or sheet into a frame of text with canonical columns; nothing else.

Data contract §1–§3: `.csv` (`,` `;` or tab; UTF-8 with or without BOM, or Windows-1252)
and `.xlsx` (every sheet). The header row is found below any title block; fully blank
rows are dropped here (they are not rows read); every kept row carries `fila`, its row
number as the user sees it (1-based, title rows included). Values stay text: converting
them is `normalize`'s job. A file that cannot be used becomes a `Rechazo`, never an
exception, so one bad file never stops a run.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import mmap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipeline import config
from pipeline import schema
from pipeline.ingest.files import log_files  # noqa: F401  (the files clean reads: one definition, shared with the cache)

DELIMITERS = [",", ";", "\t"]
_SAMPLE_BYTES = 1 << 20                 # enough for the title block and the header row
_SAMPLE_LINES = 400
_BOM = b"\xef\xbb\xbf"
FILA = "fila"
# Zip bombs: a workbook is refused before it is inflated when its parts would inflate past
# these (declared sizes in the zip directory; real sheets inflate 5–30 times).
_XLSX_MAX_INFLATED = 2 << 30
_XLSX_MAX_RATIO = 200
_XLSX_RATIO_FROM = 50 << 20


@dataclass
class Sheet:
    """One usable log: a file (CSV) or a sheet (xlsx)."""

    archivo: str
    sheet: str
    forma: str                       # schema.SHAPE_PERSONS or schema.SHAPE_SUMMARY
    frame: pd.DataFrame              # canonical columns (str, or categorical of str) + `fila` (int64)
    columnas_desconocidas: list[str] = field(default_factory=list)


@dataclass
class Rechazo:
    archivo: str
    sheet: str
    codigo: str                      # key of schema.REJECTION_REASONS
    detalle: str

    @property
    def motivo(self) -> str:
        return f"{self.codigo}: {self.detalle}"


@dataclass
class Omitida:
    archivo: str
    sheet: str


@dataclass
class Reading:
    sheets: list[Sheet] = field(default_factory=list)
    rechazos: list[Rechazo] = field(default_factory=list)
    omitidas: list[Omitida] = field(default_factory=list)

    def extend(self, other: "Reading") -> None:
        self.sheets += other.sheets
        self.rechazos += other.rechazos
        self.omitidas += other.omitidas


class _Rechazar(Exception):
    def __init__(self, codigo: str, detalle: str):
        super().__init__(detalle)
        self.codigo = codigo
        self.detalle = detalle


# ---------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------
def read_file(path: Path, archivo: str | None = None) -> Reading:
    """Every sheet of one file. Never raises for a bad file: it is rejected with a Spanish reason."""
    path = Path(path)
    archivo = archivo or path.name
    try:
        if path.suffix.lower() == ".xlsx":
            return _read_xlsx(path, archivo)
        return _read_csv(path, archivo)
    except _Rechazar as r:
        return Reading(rechazos=[Rechazo(archivo, "", r.codigo, r.detalle)])
    except MemoryError:
        return Reading(rechazos=[Rechazo(archivo, "", "archivo_ilegible", "el archivo es demasiado grande para leerlo")])
    except Exception as exc:  # noqa: BLE001 — any failure reading one file rejects that file only
        return Reading(rechazos=[Rechazo(archivo, "", "archivo_ilegible",
                                         f"no se pudo leer el archivo ({type(exc).__name__})")])


# ---------------------------------------------------------------------------
# header and columns
# ---------------------------------------------------------------------------
def find_header(rows: list[list[object]]) -> tuple[int | None, int | None]:
    """(header row index, best near-header index) among the first HEADER_SCAN_ROWS rows.

    The header is the first row where at least 2 cells name canonical columns and one of
    them is `fecha` or `comuna`. The near-header is the first row with at least 2 known
    cells otherwise (a log missing its required columns), or None.
    """
    near = None
    for i, row in enumerate(rows[: config.HEADER_SCAN_ROWS]):
        if len(row) > config.MAX_COLUMNS:
            raise _Rechazar("demasiadas_columnas",
                            f"la fila {i + 1} tiene {len(row)} columnas (máximo {config.MAX_COLUMNS})")
        known = [c for c in (schema.canonical_column(v) for v in row if v is not None) if c]
        if len(known) >= 2:
            if "fecha" in known or "comuna" in known:
                return i, None
            if near is None:
                near = i
    return None, near


def _missing_message(missing: list[str]) -> str:
    names = ", ".join(f"'{m}'" for m in missing)
    return f"falta la columna {names}" if len(missing) == 1 else f"faltan las columnas {names}"


def map_columns(header: list[object]) -> tuple[dict[str, int], str, list[str]]:
    """(canonical → position, shape, unknown headers) or `_Rechazar` (ambiguous, missing, too wide)."""
    if len(header) > config.MAX_COLUMNS:
        raise _Rechazar("demasiadas_columnas",
                        f"el encabezado tiene {len(header)} columnas (máximo {config.MAX_COLUMNS})")
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for i, cell in enumerate(header):
        if cell is None or str(cell).strip() == "":
            continue
        canonical = schema.canonical_column(cell)
        if canonical is None:
            unknown.append(str(cell).strip())
        elif canonical in positions:
            first = str(header[positions[canonical]]).strip()
            raise _Rechazar("columna_ambigua",
                            f"las columnas '{first}' y '{str(cell).strip()}' corresponden a '{canonical}'")
        else:
            positions[canonical] = i
    if any(c in positions for c in ("sexo", "nombre", "rut")):
        shape, required = schema.SHAPE_PERSONS, schema.REQUIRED_PERSONS
    elif any(c in positions for c in schema.SUMMARY_COUNT_COLUMNS):
        shape, required = schema.SHAPE_SUMMARY, schema.REQUIRED_SUMMARY
    else:
        raise _Rechazar("sin_columna_requerida",
                        "falta la columna 'sexo' (lista de asistencia) o una columna de conteo de "
                        "asistentes (resumen de actividades)")
    missing = [c for c in required if c not in positions]
    if missing:
        raise _Rechazar("sin_columna_requerida", _missing_message(missing))
    if "actividad" not in positions and "id_actividad" not in positions:
        raise _Rechazar("sin_columna_requerida", "falta la columna 'actividad' (o 'id_actividad')")
    wanted = set(schema.ACTIVITY_COLUMNS) | set(
        schema.PERSON_COLUMNS if shape == schema.SHAPE_PERSONS else schema.SUMMARY_COUNT_COLUMNS)
    # a known column of the other shape (head counts in a list of persons, an age in a
    # summary) is not used either: it is named in the quality report like an unknown one
    unused = {p for c, p in positions.items() if c not in wanted}
    if unused:
        unknown = [str(cell).strip() for i, cell in enumerate(header)
                   if i in unused or (cell is not None and str(cell).strip() != ""
                                      and schema.canonical_column(cell) is None)]
    return {c: p for c, p in positions.items() if c in wanted}, shape, unknown


def _build(archivo: str, sheet: str, header: list[object], data_columns, header_i: int,
           first_data_row: int) -> Sheet:
    """Frame of canonical columns from the data columns under the header; blank rows dropped."""
    positions, shape, unknown = map_columns(header)
    # names and RUTs are read as plain text: nearly all distinct
    columns = data_columns(header_i, {positions[c] for c in _PLAIN_COLUMNS if c in positions})
    first_fila = first_data_row + header_i + 1
    n = len(columns[0]) if columns else 0
    blank = np.ones(n, dtype=bool)
    for col in columns:
        # only rows still blank so far are looked at: after the first column, almost none
        candidates = np.flatnonzero(blank)
        if len(candidates) == 0:
            break
        blank[candidates] = ~_filled(col, candidates if len(candidates) < n else None)
    keep = ~blank
    data = {}
    for canonical in [c for c in schema.COLUMN_SYNONYMS if c in positions]:
        p = positions[canonical]
        col = columns[p] if p < len(columns) else pd.Series([None] * n, dtype="str")
        if isinstance(col.dtype, pd.CategoricalDtype):
            data[canonical] = (col if keep.all() else col[keep]).reset_index(drop=True)
        else:
            data[canonical] = pd.Series(col.to_numpy(dtype=object)[keep] if not keep.all() else col,
                                        dtype="str").reset_index(drop=True)
    data[FILA] = pd.Series(np.flatnonzero(keep) + first_fila, dtype="int64")
    return Sheet(archivo, sheet, shape, pd.DataFrame(data), unknown)


def _from_rows(archivo: str, sheet: str, rows: list[list[object]], data_columns, first_data_row: int) -> Reading:
    header_i, near = find_header(rows)
    if header_i is None:
        if near is not None:  # a log after all, without fecha nor comuna: rejected, not skipped
            present = {schema.canonical_column(v) for v in rows[near] if v is not None}
            return Reading(rechazos=[Rechazo(archivo, sheet, "sin_columna_requerida",
                                             _missing_message([c for c in ("fecha", "comuna") if c not in present]))])
        return Reading(omitidas=[Omitida(archivo, sheet)])
    try:
        return Reading(sheets=[_build(archivo, sheet, rows[header_i], data_columns, header_i, first_data_row)])
    except _Rechazar as r:
        return Reading(rechazos=[Rechazo(archivo, sheet, r.codigo, r.detalle)])


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------
class _NotUtf8(Exception):
    """The body of a file taken for UTF-8 by its first megabyte is not UTF-8 after all."""


def _decode(raw: bytes, whole: bool = False) -> tuple[bytes, str]:
    """(UTF-8 bytes without BOM, encoding name). UTF-8 first, then Windows-1252 (never Latin-1).

    Only the first megabyte is checked here unless `whole`: the rest is checked by arrow's
    CSV reader as it converts the cells (`_NotUtf8` then brings the file back here whole),
    so a big UTF-8 file is not scanned twice.
    """
    if b"\x00" in bytes(raw[:_SAMPLE_BYTES]):
        raise _Rechazar("archivo_ilegible", "el archivo contiene datos binarios; no es un CSV de texto")
    if bytes(raw[:len(_BOM)]) == _BOM:
        raw = raw[len(_BOM):]
    if _is_utf8(raw) if whole else _head_is_utf8(raw):
        return raw, "utf-8" if whole or len(raw) <= _SAMPLE_BYTES else "utf-8?"
    try:
        return codecs.decode(raw, "cp1252").encode("utf-8"), "cp1252"
    except UnicodeDecodeError:
        raise _Rechazar("archivo_ilegible",
                        "el texto no está en UTF-8 ni en Windows-1252 (¿archivo dañado o binario?)") from None


def _head_is_utf8(raw: bytes) -> bool:
    """Whether the first megabyte is UTF-8 (a character cut at its end is fine)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw[:_SAMPLE_BYTES], final=False)
    except UnicodeDecodeError:
        return False
    return True


def _is_utf8(raw: bytes) -> bool:
    """Whether `raw` is valid UTF-8, checked by arrow in place (no 100 MB str built to be dropped)."""
    offsets = pa.py_buffer(np.array([0, len(raw)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(raw)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _sample_lines(data: bytes) -> list[str]:
    sample = bytes(data[:_SAMPLE_BYTES]).decode("utf-8", errors="ignore")
    lines = []
    for line in io.StringIO(sample, newline=""):
        lines.append(line)
        if len(lines) >= _SAMPLE_LINES:
            break
    return lines


def _records(lines: list[str], delimiter: str) -> tuple[list[list[object]], list[int]]:
    """First records of the sample and, for each, the number of physical lines it ends at."""
    reader = csv.reader(iter(lines), delimiter=delimiter)
    rows, ends = [], []
    try:
        for rec in reader:
            rows.append([c if c != "" else None for c in rec])
            ends.append(reader.line_num)
            if len(rows) >= config.HEADER_SCAN_ROWS:
                break
    except csv.Error:
        pass
    return rows, ends


def _read_csv(path: Path, archivo: str) -> Reading:
    raw = _map(path)
    try:
        return _read_csv_data(raw, archivo, whole=False)
    except _NotUtf8:
        return _read_csv_data(raw, archivo, whole=True)


def _map(path: Path) -> memoryview | bytes:
    """The file's bytes, memory-mapped (arrow parses them in place: no 100 MB copy first)."""
    with open(path, "rb") as fh:
        try:
            return memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
        except (ValueError, OSError):  # empty file, or a file that cannot be mapped
            return path.read_bytes()


def _read_csv_data(raw: bytes | memoryview, archivo: str, whole: bool) -> Reading:
    data, encoding = _decode(raw, whole)
    lines = _sample_lines(data)
    best = None
    for delimiter in DELIMITERS:
        rows, ends = _records(lines, delimiter)
        try:
            header_i, near = find_header(rows)
        except _Rechazar:  # too wide: beats "no header", loses to a real header
            if best is None or best[0] < 0.5:
                best = (0.5, delimiter, rows, ends)
            continue
        score = (2 if header_i is not None else 1 if near is not None else 0)
        if header_i is not None:
            score += sum(schema.canonical_column(v) is not None for v in rows[header_i] if v is not None) / 1000
        if best is None or score > best[0]:
            best = (score, delimiter, rows, ends)
    _score, delimiter, rows, ends = best

    def data_columns(header_i: int, plain: set[int] = frozenset()) -> list[pd.Series]:
        offset = len("".join(lines[: ends[header_i]]).encode("utf-8"))
        return _parse_body(data, offset, delimiter, len(rows[header_i]), checked=encoding != "utf-8?", plain=plain)

    return _from_rows(archivo, "", rows, data_columns, first_data_row=1)


def _parse_body(data: bytes, offset: int, delimiter: str, width: int, checked: bool = True,
                plain: set[int] = frozenset()) -> list[pd.Series]:
    """Columns (text) of the records after the header: pyarrow, or Python's csv if pyarrow refuses.

    `checked=False`: `data` is only known to start as UTF-8; `_NotUtf8` if it is not.
    """
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data)[offset:] if offset else pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.large_binary() if i in plain else _DICT_BYTES for i, n in enumerate(names)},
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
        # Cells are read as bytes and checked as UTF-8 here (an invalid one raises ArrowInvalid,
        # as arrow's own text conversion would): the distinct values of the dictionary columns
        # only, and the plain columns side by side (the check releases the GIL). Reading bytes
        # skips the reader's cell-by-cell check, the slowest part of its text conversion.
        with ThreadPoolExecutor(2, thread_name_prefix="utf8") as pool:
            text = {i: pool.submit(table.column(i).cast, pa.large_string()) for i in plain if i < width}
            dicts = {i: _categorical(table.column(i)) for i in range(width) if i not in plain}
            return [text[i].result().to_pandas() if i in plain else dicts[i] for i in range(width)]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if not checked and not _is_utf8(data):
            raise _NotUtf8() from None
        # Rows of the wrong width, a quoted line break or a huge cell: the slow, lenient path.
        return _parse_body_python(bytes(data[offset:]).decode("utf-8"), delimiter, width)


# Cells are dictionary-encoded as arrow reads them (in its worker threads), as bytes checked
# as UTF-8 afterwards (see `_parse_body`): normalisers then
# work on each column's distinct values and integer codes, never on a million strings.
_DICT_BYTES = pa.dictionary(pa.int32(), pa.binary())
_PLAIN_COLUMNS = ("nombre", "rut")  # nearly all distinct: hashed later, where needed (RUTs in a thread)


def _categorical(column: pa.ChunkedArray) -> pd.Series:
    """pandas categorical (str categories in order of first appearance) of a dictionary column."""
    column = column.unify_dictionaries()
    if column.num_chunks:
        dictionary = column.chunk(0).dictionary.cast(pa.large_string())  # checks the bytes are UTF-8
        indices = pa.chunked_array([c.indices for c in column.chunks], type=pa.int32()).combine_chunks()
        codes = indices.fill_null(-1).to_numpy(zero_copy_only=False)
    else:
        dictionary, codes = pa.array([], pa.large_string()), np.array([], dtype=np.int32)
    return pd.Series(pd.Categorical.from_codes(codes, dtype=unique_categories(dictionary), validate=False))


def unique_categories(values, dtype="str") -> pd.CategoricalDtype:
    """Categorical dtype of str categories known to be unique (an arrow dictionary or hash result).

    pandas would hash them all again to check; its fast path skips that when available.
    `dtype`: of the categories' index (`object` where a column always had object categories).
    """
    index = pd.Index(values, dtype=dtype)
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    return fast(index, False) if fast is not None else pd.CategoricalDtype(index)


def _filled(col: pd.Series, rows: np.ndarray | None = None) -> np.ndarray:
    """Whether each cell (of `rows`, default all) holds something other than whitespace."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = pa.array(col.cat.categories, type=pa.large_string())
        table = np.append(pc.not_equal(pc.utf8_trim_whitespace(cats), "").to_numpy(zero_copy_only=False), False)
        codes = col.cat.codes.to_numpy()
        return table[codes if rows is None else codes[rows]]
    arr = pa.array(col, type=pa.large_string(), from_pandas=True)
    if rows is not None:
        arr = arr.take(pa.array(rows))
    return pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(arr), ""), False).to_numpy(zero_copy_only=False)


def _parse_body_python(text: str, delimiter: str, width: int) -> list[pd.Series]:
    csv.field_size_limit(2**31 - 1)  # a huge cell is quarantined later, not a read error
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    cols: list[list[object]] = [[] for _ in range(width)]
    for rec in records:  # a fallback for malformed files only; the fast path is pyarrow
        for i in range(width):
            v = rec[i] if i < len(rec) else None
            cols[i].append(v if v != "" else None)
    return [pd.Series(c, dtype="str") for c in cols]


# ---------------------------------------------------------------------------
# xlsx
# ---------------------------------------------------------------------------
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
        raise _Rechazar("archivo_ilegible",
                        f"el libro descomprimido ocuparía {megas} MB (posible bomba zip); no se lee")


def _read_xlsx(path: Path, archivo: str) -> Reading:
    # calamine (Rust) reads xlsx several times faster than openpyxl and returns cached
    # formula results as values, so nothing in a sheet is ever evaluated.
    _check_zip(path)
    try:
        sheets = pd.read_excel(path, engine="calamine", header=None, sheet_name=None, dtype=object,
                               keep_default_na=False, na_filter=False)
    except Exception as exc:  # noqa: BLE001 — corrupt, truncated or not a workbook
        raise _Rechazar("archivo_ilegible",
                        f"no es un libro Excel válido o está dañado ({type(exc).__name__})") from None
    out = Reading()
    for name, frame in sheets.items():
        sheet = str(name)
        try:
            if frame.shape[1] > config.MAX_COLUMNS:
                raise _Rechazar("demasiadas_columnas",
                                f"la hoja tiene {frame.shape[1]} columnas (máximo {config.MAX_COLUMNS})")
            top = frame.iloc[: config.HEADER_SCAN_ROWS]
            rows = [[_cell_text(v) for v in row] for row in top.itertuples(index=False)]

            def data_columns(header_i: int, plain: set[int] = frozenset(), frame=frame) -> list[pd.Series]:
                body = frame.iloc[header_i + 1:]
                return [_text_column(body.iloc[:, j]) for j in range(body.shape[1])]

            out.extend(_from_rows(archivo, sheet, rows, data_columns, first_data_row=1))
        except _Rechazar as r:
            out.rechazos.append(Rechazo(archivo, sheet, r.codigo, r.detalle))
        except Exception as exc:  # noqa: BLE001 — one bad sheet never stops the others
            out.rechazos.append(Rechazo(archivo, sheet, "archivo_ilegible",
                                        f"no se pudo leer la hoja ({type(exc).__name__})"))
    return out
