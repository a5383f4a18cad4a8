"""CSV logs (data contract §3): `,` `;` or tab; UTF-8 with or without BOM, Windows-1252,
UTF-16/32 with BOM (Excel's «Texto Unicode»), or UTF-8 and Windows-1252 mixed line by line.

The header row is found in the first records; the body is parsed by pyarrow into
dictionary-encoded text columns (Python's csv reader only for malformed files). A row with
more or fewer fields than its header is never read by position: it is marked shifted
(`sheets.SHIFTED`) and quarantined as `columnas_desplazadas`.
"""
from __future__ import annotations

import collections
import csv
import io
import mmap
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from pipeline.errors import SheetRejected
from pipeline import config
from pipeline import schema
from pipeline.ingest import limits
from pipeline.ingest.sheets import Reading, from_rows, find_header, unique_categories

DELIMITERS = [",", ";", "\t"]
_SAMPLE_BYTES = 1 << 20                 # enough for the title block and the header row
_SAMPLE_LINES = 400
_BOM = b"\xef\xbb\xbf"
# byte-order marks of the wider Unicode encodings (UTF-32 first: its LE mark starts like UTF-16's)
_WIDE_BOMS = [(b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
              (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")]
# a line holding a byte beyond ASCII (decoded on its own in a file mixing encodings)
_NON_ASCII_LINE = re.compile(rb"[^\n]*[\x80-\xff][^\n]*")


def _decode(raw: bytes) -> tuple[bytes, str, int]:
    """(bytes without BOM, encoding name, lines decoded as Windows-1252 in a mixed file).

    UTF-16/32 with a BOM, then UTF-8, then Windows-1252 (never Latin-1). A pure Windows-1252
    file keeps its own bytes (`cp1252`): pyarrow's reader decodes it (`ReadOptions.encoding`).
    A file that is neither as a whole but mixes both line by line (a file stitched from two
    sources) is converted here, line by line: UTF-8 where a line is valid UTF-8, else
    Windows-1252 — no library decodes mixed encodings, so this part is hand-made.
    """
    head = bytes(raw[:4])
    for bom, encoding in _WIDE_BOMS:
        if head.startswith(bom):
            try:
                text = bytes(raw[len(bom):]).decode(encoding)
            except UnicodeDecodeError:
                raise SheetRejected("archivo_ilegible",
                               f"el texto dice estar en {encoding.upper()} pero no lo está (¿archivo dañado?)") from None
            return text.encode("utf-8"), encoding.split("-")[0] + "-" + encoding.split("-")[1], 0
    if b"\x00" in bytes(raw[:_SAMPLE_BYTES]):
        raise SheetRejected("archivo_ilegible", "el archivo contiene datos binarios; no es un CSV de texto")
    if bytes(raw[:len(_BOM)]) == _BOM:
        raw = raw[len(_BOM):]
    if _is_utf8(raw):
        return raw, "utf-8", 0
    try:
        mixed, undefined = _scan_high_bytes(raw)
        if not mixed:  # no UTF-8 character anywhere: Windows-1252
            if undefined:  # a byte Windows-1252 lacks, and no UTF-8 to explain it
                raise UnicodeDecodeError("cp1252", b"", 0, 1, "undefined")
            return raw, "cp1252", 0
        data = bytes(raw)
        fallback = 0

        def one_line(match: re.Match) -> bytes:
            nonlocal fallback
            line = match.group()
            try:
                line.decode("utf-8")
                return line
            except UnicodeDecodeError:
                fallback += 1
                return line.decode("cp1252").encode("utf-8")

        return _NON_ASCII_LINE.sub(one_line, data), "mixta", fallback
    except UnicodeDecodeError:
        raise SheetRejected("archivo_ilegible",
                       "el texto no está en UTF-8 ni en Windows-1252 (¿archivo dañado o binario?)") from None


def decode_text(raw: bytes) -> tuple[str, str]:
    """(text, encoding) of a small text file decoded as logs are (`_decode`): UTF-16/32 with a
    BOM, UTF-8, Windows-1252, or both mixed line by line. `SheetRejected` when it is none of them."""
    body, encoding, _ = _decode(raw)
    return bytes(body).decode("cp1252" if encoding == "cp1252" else "utf-8"), encoding


# bytes Windows-1252 leaves undefined (Python's cp1252 codec refuses them)
_CP1252_UNDEFINED = np.isin(np.arange(256), [0x81, 0x8D, 0x8F, 0x90, 0x9D])


def _scan_high_bytes(data: bytes) -> tuple[bool, bool]:
    """(whether a UTF-8 character is there, whether a byte Windows-1252 lacks is there), in one
    numpy pass over the file and then over its few bytes beyond ASCII only.

    A UTF-8 character is a lead byte followed by a continuation byte: Windows-1252 text
    practically never has one (an accented letter is followed by an ASCII one); a false yes
    only costs the line-by-line decoding."""
    a = np.frombuffer(data, dtype=np.uint8)
    high = np.flatnonzero(a >= 0x80)
    values = a[high]
    lead = high[(values >= 0xC2) & (values <= 0xF4) & (high + 1 < len(a))]
    following = a[lead + 1]
    mixed = bool(((following >= 0x80) & (following <= 0xBF)).any())
    return mixed, bool(_CP1252_UNDEFINED[values].any())


def _is_utf8(raw: bytes) -> bool:
    """Whether `raw` is valid UTF-8, checked by arrow in place (no 100 MB str built to be dropped)."""
    offsets = pa.py_buffer(np.array([0, len(raw)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(raw)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _sample_lines(data: bytes, encoding: str = "utf-8") -> list[str]:
    sample = bytes(data[:_SAMPLE_BYTES]).decode(encoding, errors="ignore")
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


def read_csv(path: Path, file: str) -> Reading:
    size = os.stat(path).st_size
    if size > limits.MAX_CSV_BYTES:
        raise SheetRejected("archivo_demasiado_grande", f"el archivo pesa {limits.thousands(size // 2**20)} MB (máximo "
                       f"{limits.thousands(limits.MAX_CSV_BYTES // 2**20)} MB por archivo CSV)")
    return _read_csv_data(_map(path), file)


def _map(path: Path) -> memoryview | bytes:
    """The file's bytes, memory-mapped (arrow parses them in place: no 100 MB copy first)."""
    with open(path, "rb") as fh:
        try:
            return memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
        except (ValueError, OSError):  # empty file, or a file that cannot be mapped
            return path.read_bytes()


def _read_csv_data(raw: bytes | memoryview, file: str) -> Reading:
    data, encoding, fallback = _decode(raw)
    codec = "cp1252" if encoding == "cp1252" else "utf-8"  # of `data`
    lines = _sample_lines(data, codec)
    best = None
    for delimiter in DELIMITERS:
        rows, ends = _records(lines, delimiter)
        try:
            header_i, near = find_header(rows)
        except SheetRejected:  # too wide: beats "no header", loses to a real header
            if best is None or best[0] < 0.5:
                best = (0.5, delimiter, rows, ends)
            continue
        score = (2 if header_i is not None else 1 if near is not None else 0)
        if header_i is not None:
            score += sum(schema.canonical_column(v) is not None for v in rows[header_i] if v is not None) / 1000
        if best is None or score > best[0]:
            best = (score, delimiter, rows, ends)
    _score, delimiter, rows, ends = best

    def data_columns(header_i: int, plain: set[int] = frozenset()) -> tuple[list[pd.Series], np.ndarray | None]:
        offset = len("".join(lines[: ends[header_i]]).encode(codec))
        columns, shifted = _parse_body(data, offset, delimiter, len(rows[header_i]), plain=plain, size=len(raw),
                                       codec=codec)
        if columns and len(columns[0]) > limits.MAX_CSV_ROWS:
            raise SheetRejected("archivo_demasiado_grande", f"el archivo tiene {limits.thousands(len(columns[0]))} filas "
                           f"(máximo {limits.thousands(limits.MAX_CSV_ROWS)} por archivo CSV)")
        return columns, shifted

    out = from_rows(file, "", rows, data_columns, first_data_row=1)
    for sheet in out.sheets:
        sheet.encoding = encoding
        sheet.cp1252_lines = fallback
    return out


def _parse_body(data: bytes, offset: int, delimiter: str, width: int, plain: set[int] = frozenset(),
                size: int | None = None, codec: str = "utf-8") -> tuple[list[pd.Series], np.ndarray | None]:
    """(columns (text) of the records after the header, shifted rows or None): pyarrow, or
    Python's csv if pyarrow refuses (rows of the wrong width among them), for a file of at most
    limits.MAX_LENIENT_CSV_BYTES (`size`: the file's, default `data`'s). `codec`: of `data`,
    `utf-8` or `cp1252` (pyarrow decodes it). Columns in `plain` are read as plain text, the
    others dictionary-encoded (normalisers then work on each column's distinct values).
    """
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data)[offset:] if offset else pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24, encoding=codec),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.large_string() if i in plain else _DICT_TEXT for i, n in enumerate(names)},
                null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True),
        )
        return [table.column(i).to_pandas() if i in plain else _categorical(table.column(i))
                for i in range(width)], None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        size = len(data) if size is None else size
        if size > limits.MAX_LENIENT_CSV_BYTES:  # row by row costs ~15 times the file in memory
            raise SheetRejected("archivo_demasiado_grande",
                           "el archivo tiene filas con más o menos celdas que el encabezado (falta o sobra un "
                           "separador) o saltos de línea dentro de una celda, y un archivo así solo se lee hasta "
                           f"{limits.thousands(limits.MAX_LENIENT_CSV_BYTES // 2**20)} MB (este pesa "
                           f"{limits.thousands(-(-size // 2**20))} MB)") from None
        # Rows of the wrong width, a quoted line break or a huge cell: the slow, lenient path.
        return _parse_body_python(bytes(data[offset:]).decode(codec), delimiter, width)


_DICT_TEXT = pa.dictionary(pa.int32(), pa.string())


def _categorical(column: pa.ChunkedArray) -> pd.Series:
    """pandas categorical (str categories in order of first appearance) of a dictionary column."""
    column = column.unify_dictionaries()
    if column.num_chunks:
        dictionary = column.chunk(0).dictionary
        indices = pa.chunked_array([c.indices for c in column.chunks], type=pa.int32()).combine_chunks()
        codes = indices.fill_null(-1).to_numpy(zero_copy_only=False)
    else:
        dictionary, codes = pa.array([], pa.large_string()), np.array([], dtype=np.int32)
    return pd.Series(pd.Categorical.from_codes(codes, dtype=unique_categories(dictionary), validate=False))


def _parse_body_python(text: str, delimiter: str, width: int) -> tuple[list[pd.Series], np.ndarray]:
    """Columns and shifted rows, by Python's csv reader (malformed files only).

    A record with more or fewer fields than the header, and something in it, is shifted: its
    cells are never assigned to columns by position. Empty fields after the header's are
    allowed only when that is how the file's rows are written (the most common width, e.g. a
    `;` closing every row); one row with an empty field more than the others had a separator
    too many in one of its cells.
    """
    csv.field_size_limit(2**31 - 1)  # a huge cell is quarantined later, not a read error
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    widths = collections.Counter(len(rec) for rec in records if any(v.strip() for v in rec))
    usual = widths.most_common(1)[0][0] if widths else width
    cols: list[list[object]] = [[] for _ in range(width)]
    shifted = np.zeros(len(records), dtype=bool)
    for r, rec in enumerate(records):  # a fallback for malformed files only; the fast path is pyarrow
        if len(rec) != width and any(v.strip() for v in rec) and \
                (len(rec) < width or len(rec) != usual or any(v.strip() for v in rec[width:])):
            shifted[r] = True
            rec = []
        for i in range(width):
            v = rec[i] if i < len(rec) else None
            cols[i].append(v if v != "" else None)
    return [pd.Series(c, dtype="str") for c in cols], shifted
