"""A sheet as the pipeline sees it: header row found below any title block, columns mapped to
their canonical names (data contract §1–§2), blank rows dropped, rows without attendee set
apart, each row numbered as the user sees it (`fila`). The result types of reading
(`Sheet`, `Rejection`, `Skipped`, `Reading`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.errors import SheetRejected
from pipeline import config
from pipeline import schema
from pipeline.ingest import limits
from pipeline.text import collapse_spaces, fold


FILA = "fila"
SHIFTED = "_desplazada"  # bool column: a CSV row with more or fewer fields than its header


@dataclass
class Sheet:
    """One usable log: a file (CSV) or a sheet (xlsx)."""

    file: str
    name: str                        # the sheet's name (xlsx), or "" (CSV)
    shape: str                       # schema.SHAPE_PERSONS or schema.SHAPE_SUMMARY
    frame: pd.DataFrame              # canonical columns (str, or categorical of str) + `fila` (int64)
    unknown_columns: list[str] = field(default_factory=list)
    # rows with text but no attendee (signatures, notes, totals, filled-down cells): not rows read
    without_attendee: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    # the text of the first limits.MAX_LISTED_ROWS of them (`row_text`), in the same order;
    # screened for personal data before it reaches the quality report
    without_attendee_texts: list[str] = field(default_factory=list)
    merged_ranges: int = 0           # merged ranges whose value filled every cell (xlsx)
    cp1252_lines: int = 0            # lines of a mixed-encoding CSV decoded as Windows-1252
    encoding: str = ""               # of a CSV: utf-8, cp1252, utf-16, mixta…
    # what the sheet says about its codes outside the table: the text of its title block
    # and of its header cells (e.g. «Sexo: H = Hombre, M = Mujer», «Sexo (H/M)»); read by
    # the cleaning (`clean.sex_codes`) to tell what the letter M means in this file
    notes: list[str] = field(default_factory=list)


@dataclass
class Rejection:
    file: str
    sheet: str
    code: str                        # key of schema.REJECTION_REASONS
    detail: str

    @property
    def reason(self) -> str:
        """What is wrong and what to do, in plain Spanish."""
        text = self.detail[:1].upper() + self.detail[1:]
        hint = schema.REJECTION_REASONS.get(self.code, "")
        return f"{text.rstrip('.')}. {hint}".strip()


@dataclass
class Skipped:
    file: str
    sheet: str


@dataclass
class Reading:
    sheets: list[Sheet] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ignored: list = field(default_factory=list)  # files.Problem: files beside the logs that are not logs

    def extend(self, other: "Reading") -> None:
        self.sheets += other.sheets
        self.rejected += other.rejected
        self.skipped += other.skipped
        self.ignored += other.ignored


def find_header(rows: list[list[object]]) -> tuple[int | None, int | None]:
    """(header row index, best near-header index) among the first HEADER_SCAN_ROWS rows.

    The header is the first row where at least 2 cells name canonical columns and one of
    them is `fecha` or `comuna`. The near-header is the first row with at least 2 known
    cells otherwise (a log missing its required columns), or None.
    """
    near = None
    for i, row in enumerate(rows[: config.HEADER_SCAN_ROWS]):
        if len(row) > config.MAX_COLUMNS:
            raise SheetRejected("demasiadas_columnas",
                            f"la fila {i + 1} tiene {len(row)} columnas (máximo {config.MAX_COLUMNS})")
        known = [c for c in (schema.canonical_column(v) for v in row if v is not None) if c]
        if len(known) >= 2:
            if "fecha" in known or "comuna" in known or "marca_temporal" in known:
                return i, None
            if near is None:
                near = i
    return None, near


def _missing_message(missing: list[str], header: list[object] | None = None) -> str:
    """The missing columns, the columns the sheet has, and the names accepted for each missing one."""
    names = ", ".join(f"«{m}»" for m in missing)
    text = f"falta la columna {names}" if len(missing) == 1 else f"faltan las columnas {names}"
    if header is not None:
        found = [str(c).strip() for c in header if c is not None and str(c).strip()]
        text += f". Columnas encontradas: {', '.join(found) if found else '(ninguna)'}"
    for m in missing:
        accepted = ", ".join(schema.accepted_names(m))
        text += f". Nombres aceptados para «{m}»: {accepted}"
    return text


def _is_question(cell: object) -> bool:
    """A form's question used as a column title («¿En qué comuna…?»)."""
    return cell is not None and ("?" in str(cell) or "¿" in str(cell))


def map_columns(header: list[object]) -> tuple[dict[str, int], str, list[str]]:
    """(canonical → position, shape, unknown headers) or `SheetRejected` (ambiguous, missing, too wide)."""
    if len(header) > config.MAX_COLUMNS:
        raise SheetRejected("demasiadas_columnas",
                        f"el encabezado tiene {len(header)} columnas (máximo {config.MAX_COLUMNS})")
    positions: dict[str, int] = {}
    set_aside: set[int] = set()  # named, but not used: listed with the unknown columns
    for i, cell in enumerate(header):
        if cell is None or str(cell).strip() == "":
            continue
        canonical = schema.canonical_column(cell)
        if canonical is None:
            continue
        if canonical in positions:
            first = header[positions[canonical]]
            if _is_question(first) or _is_question(cell):
                # a form's questions are matched by their words: a plain title wins over a
                # question, and the shorter question over a longer one («¿Nombre de la
                # actividad?» over «¿Es primera vez que asiste a una actividad?»)
                keep = min((positions[canonical], i), key=lambda j: (_is_question(header[j]), len(fold(header[j]))))
                set_aside.add(i if keep == positions[canonical] else positions[canonical])
                positions[canonical] = keep
                continue
            raise SheetRejected("columna_ambigua",
                           f"las columnas «{str(first).strip()}» y «{str(cell).strip()}» corresponden ambas a "
                           f"«{canonical}»")
        positions[canonical] = i
    if "marca_temporal" in positions:  # a form export (Google Forms, Microsoft Forms)
        if "fecha" not in positions:  # the time of the response gives the date
            positions["fecha"] = positions.pop("marca_temporal")
        if "id_actividad" in positions and fold(header[positions["id_actividad"]]) == "id":
            # Microsoft Forms numbers its responses «Id»: not an activity's code
            set_aside.add(positions.pop("id_actividad"))
    if any(c in positions for c in ("sexo", "nombre", "rut")):
        shape, required = schema.SHAPE_PERSONS, schema.REQUIRED_PERSONS
    elif any(c in positions for c in schema.SUMMARY_COUNT_COLUMNS):
        shape, required = schema.SHAPE_SUMMARY, schema.REQUIRED_SUMMARY
    else:
        raise SheetRejected("sin_columna_requerida",
                       _missing_message(["sexo"], header) + " (lista de asistencia); o una columna de conteo "
                       "de asistentes (resumen de actividades): " + ", ".join(
                           n for c in schema.SUMMARY_COUNT_COLUMNS for n in schema.accepted_names(c)))
    missing = [c for c in required if c not in positions]
    if missing:
        raise SheetRejected("sin_columna_requerida", _missing_message(missing, header))
    if "actividad" not in positions and "id_actividad" not in positions:
        raise SheetRejected("sin_columna_requerida", _missing_message(["actividad"], header))
    wanted = set(schema.ACTIVITY_COLUMNS) | set(
        schema.PERSON_COLUMNS if shape == schema.SHAPE_PERSONS else schema.SUMMARY_COUNT_COLUMNS)
    # a known column of the other shape (head counts in a list of persons, an age in a
    # summary) is not used either: it is named in the quality report like an unknown one
    unused = {p for c, p in positions.items() if c not in wanted} | set_aside
    unknown = [str(cell).strip() for i, cell in enumerate(header)
               if i in unused or (cell is not None and str(cell).strip() != ""
                                  and schema.canonical_column(cell) is None)]
    return {c: p for c, p in positions.items() if c in wanted}, shape, unknown


def _build(file: str, sheet: str, header: list[object], data_columns, header_i: int,
           first_data_row: int) -> Sheet:
    """Frame of canonical columns from the data columns under the header.

    Blank rows are dropped; rows with text but no attendee (no person value in a list of
    persons, no head count in a summary: signatures, notes, totals, cells filled down past
    the data) are set apart in `Sheet.without_attendee`: neither is a row read. A shifted row
    (`SHIFTED`) is always kept: it is quarantined.
    """
    positions, shape, unknown = map_columns(header)
    # names and RUTs are read as plain text: nearly all distinct
    columns, shifted = data_columns(header_i, {positions[c] for c in PLAIN_COLUMNS if c in positions})
    first_row = first_data_row + header_i + 1
    n = len(columns[0]) if columns else (len(shifted) if shifted is not None else 0)
    shifted = np.zeros(n, dtype=bool) if shifted is None else np.asarray(shifted, dtype=bool)
    blank = _blank_rows(columns, n)
    own = schema.PERSON_COLUMNS if shape == schema.SHAPE_PERSONS else schema.SUMMARY_COUNT_COLUMNS
    person_columns = [columns[positions[c]] for c in own if c in positions and positions[c] < len(columns)]
    # dictionary-encoded columns first (checked once per distinct value): the plain ones
    # (names, RUTs) are then only looked at in the few rows still without a value
    person_columns.sort(key=lambda col: not isinstance(col.dtype, pd.CategoricalDtype))
    attendee = ~_blank_rows(person_columns, n)
    # signature and total lines are told by their text, wherever it sits (under the RUT too)
    labels = _footer_rows(columns, positions, shape, np.flatnonzero(attendee & ~blank & ~shifted))
    if labels:
        attendee[list(labels)] = False
    keep = (~blank & attendee) | shifted
    no_attendee = ~blank & ~attendee & ~shifted
    data = {}
    for canonical in [c for c in schema.COLUMN_SYNONYMS if c in positions]:
        p = positions[canonical]
        col = columns[p] if p < len(columns) else pd.Series([None] * n, dtype="str")
        if isinstance(col.dtype, pd.CategoricalDtype):
            data[canonical] = (col if keep.all() else col[keep]).reset_index(drop=True)
        else:
            data[canonical] = pd.Series(col.to_numpy(dtype=object)[keep] if not keep.all() else col,
                                        dtype="str").reset_index(drop=True)
    data[FILA] = pd.Series(np.flatnonzero(keep) + first_row, dtype="int64")
    if shifted.any():
        data[SHIFTED] = pd.Series(shifted[keep])
    listed = np.flatnonzero(no_attendee)[:limits.MAX_LISTED_ROWS]
    shown = [columns[p] for p in row_text_positions(positions) if p < len(columns)]
    texts = [_with_label(row_text(col.iloc[i] for col in shown), labels.get(int(i))) for i in listed]
    return Sheet(file, sheet, shape, pd.DataFrame(data), unknown,
                 without_attendee=(np.flatnonzero(no_attendee) + first_row).astype(np.int64),
                 without_attendee_texts=texts)


# A signature, approval or total line (data contract §1): its first words, in any column.
FOOTER_TEXT = re.compile(
    r"^\s*(?:v\s*[°º.o]\s*b(?:\s*[°º.o]|\b)|visto\s+bueno\b|firmas?\b|timbre\b|sub\s*total(?:es)?\b|total(?:es)?\b"
    r"|nombre\s+y\s+firma\b|jefatura\b|jef[ea]\s+(?:de\s+)?(?:secci[oó]n|departamento|depto|unidad|oficina)\b"
    r"|encargad[oa]\s+(?:de\s+la\s+actividad|de\s+participaci[oó]n)\b|responsable\s*:|observaci[oó]n(?:es)?\s*:)",
    re.IGNORECASE)
# A total line of a summary (its head counts are sums, never an activity's)
_TOTAL_TEXT = re.compile(r"^\s*(?:sub\s*total(?:es)?|total(?:es)?)\b", re.IGNORECASE)
# A sex an attendee row would hold (`clean.normalize.sexo` reads the same words)
_SEXO_TEXT = r"(?i)^\s*(?:mujer(?:es)?|f|fem(?:enino)?|hombres?|h|m|masc(?:ulino)?|[12](?:\.0)?)\s*$"


def _footer_rows(columns: list[pd.Series], positions: dict[str, int], shape: str,
                 candidates: np.ndarray) -> dict[int, str | None]:
    """{row: label} of rows with a person value that are signature or total lines after all:
    a cell (any column) starting like «V°B° Jefatura», «Total asistentes hoja:» or «Firma», in
    a row that holds no person — no readable sex, and a name and a RUT that are blank or such
    lines themselves or a line to sign on (an attendee of «Firma de convenio» keeps their
    row) — or, in a summary,
    a «Total» line without date. The label is the words that told it when they sit in a
    personal column (the rest of that cell is not shown), else None (the row's text shows them)."""
    if not len(candidates):
        return {}

    def keep(column: str, rule) -> None:
        nonlocal candidates
        if column in positions and positions[column] < len(columns) and len(candidates):
            candidates = candidates[rule(columns[positions[column]], candidates)]

    def no_match(pattern: str):
        return lambda col, rows: ~pc.fill_null(pc.match_substring_regex(_cells(col, rows), pattern, ignore_case=True),
                                               False).to_numpy(zero_copy_only=False)

    if shape == schema.SHAPE_PERSONS:
        keep("sexo", no_match(_SEXO_TEXT))
        for column in ("nombre", "rut"):  # blank, a line to sign on («_____»), or a footer itself
            keep(column, lambda col, rows: ~_filled(col, rows) | ~no_match(FOOTER_TEXT.pattern)(col, rows)
                 | ~no_match(r"^[\W_]+$")(col, rows))
        pattern = FOOTER_TEXT
    else:
        keep("fecha", lambda col, rows: ~_filled(col, rows))
        pattern = _TOTAL_TEXT
    if not len(candidates):
        return {}
    personal = {positions[c] for c in schema.PERSONAL_COLUMNS if c in positions}
    out: dict[int, str | None] = {}
    for p, col in enumerate(columns):
        cells = _cells(col, candidates)
        hits = np.flatnonzero(pc.fill_null(pc.match_substring_regex(cells, pattern.pattern, ignore_case=True),
                                           False).to_numpy(zero_copy_only=False))
        for row, cell in zip(candidates[hits], cells.take(pa.array(hits)).to_pylist()):
            found = pattern.match(cell)
            if not found:
                continue
            label = None
            if p in personal:
                label = collapse_spaces(found.group(0)) + ("…" if len(cell.strip()) > len(found.group(0).strip()) else "")
            if label or int(row) not in out:
                out[int(row)] = label
    return out


def _cells(col: pd.Series, rows: np.ndarray) -> pa.Array:
    """The text of `rows` of a column, as arrow text."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()[rows]
        cats = pa.array(col.cat.categories, type=pa.large_string())
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0, type=pa.int32()), cats).cast(
            pa.large_string())
    return pa.array(col, type=pa.large_string(), from_pandas=True).take(pa.array(rows))


def _with_label(text: str, label: str | None) -> str:
    if not label:
        return text
    return f"{text} | {label}" if text else label


def row_text_positions(positions: dict[str, int]) -> list[int]:
    """Where the text of a row without attendee is taken from: the recognised columns other
    than the personal ones, in sheet order. An unrecognised column (an e-mail, an address, a
    name under a header the schema does not know) is never shown: the screen would not
    know its values for personal data."""
    return sorted(p for c, p in positions.items() if c not in schema.PERSONAL_COLUMNS)


def row_text(cells) -> str:
    """What a row without attendee says: its non-empty cells, spaces collapsed, joined by ` | `.

    Only whole cells, up to limits.MAX_ROW_TEXT_CHARS in all (then `…`): a cell is never cut
    here, so the personal-data screen, which sees this text before the report does, always
    sees a name or a RUT whole. The report shortens the screened text for display.
    """
    out: list[str] = []
    size = 0
    for cell in cells:
        if cell is None or (isinstance(cell, float) and np.isnan(cell)) or cell is pd.NA:
            continue
        text = collapse_spaces(cell)
        if not text:
            continue
        size += len(text) + (3 if out else 0)
        if size > limits.MAX_ROW_TEXT_CHARS:
            out.append("…")
            break
        out.append(text)
    return " | ".join(out)


def _blank_rows(columns: list[pd.Series], n: int) -> np.ndarray:
    """Rows where every one of `columns` is missing or whitespace."""
    blank = np.ones(n, dtype=bool)
    for col in columns:
        # only rows still blank so far are looked at: after the first column, almost none
        candidates = np.flatnonzero(blank)
        if len(candidates) == 0:
            break
        blank[candidates] = ~_filled(col, candidates if len(candidates) < n else None)
    return blank


def from_rows(file: str, sheet: str, rows: list[list[object]], data_columns, first_data_row: int) -> Reading:
    header_i, near = find_header(rows)
    if header_i is None:
        if near is not None:  # a log after all, without fecha nor comuna: rejected, not skipped
            present = {schema.canonical_column(v) for v in rows[near] if v is not None}
            return Reading(rejected=[Rejection(file, sheet, "sin_columna_requerida",
                                             _missing_message([c for c in ("fecha", "comuna") if c not in present],
                                                              rows[near]))])
        return Reading(skipped=[Skipped(file, sheet)])
    try:
        built = _build(file, sheet, rows[header_i], data_columns, header_i, first_data_row)
    except SheetRejected as r:
        return Reading(rejected=[Rejection(file, sheet, r.code, r.detail)])
    built.notes = [t for t in (row_text(dict.fromkeys(row)) for row in rows[:header_i + 1]) if t]
    return Reading(sheets=[built])


PLAIN_COLUMNS = ("nombre", "rut")  # nearly all distinct: hashed later, where needed (RUTs in a thread)


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


def unique_categories(values, dtype="str") -> pd.CategoricalDtype:
    """Categorical dtype of str categories known to be unique (an arrow dictionary or hash result).
    `dtype`: of the categories' index (`object` where a column always had object categories)."""
    return pd.CategoricalDtype(pd.Index(values, dtype=dtype))
