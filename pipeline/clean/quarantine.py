"""Quarantine reasons, the quarantine table, the quality figures and the accounting check
(data contract §4): rows read = valid + duplicates + quarantined, per sheet and in total.
"""
from __future__ import annotations


import numpy as np
import pandas as pd
import pyarrow.compute as pc

from pipeline import config
from pipeline import reference
from pipeline import schema
from pipeline.errors import AccountingError
from pipeline.ingest import limits
from pipeline.ingest.sheets import FILA, SHIFTED, Sheet
from pipeline.clean import normalize
from pipeline.clean import comunas
from pipeline.clean import sex_codes

from pipeline.text import collapse_spaces, fold

from pipeline.clean.activity_table import comuna_names


MOTIVOS = list(schema.QUARANTINE_REASONS)


def first_reason(reason: np.ndarray, mask: np.ndarray, code: str) -> None:
    """Set `code` where `mask` holds and no earlier reason was found (local array only)."""
    reason[mask & pd.isna(reason)] = code


class Reasons:
    """First quarantine reason per row, kept as small integer codes (no million-object scans)."""

    def __init__(self, n: int):
        self.codes = np.full(n, -1, dtype=np.int16)

    def add(self, mask: np.ndarray, code: str) -> None:
        self.codes[mask & (self.codes < 0)] = MOTIVOS.index(code)

    def series(self, index: pd.Index) -> pd.Series:
        """Categorical of reason codes (missing = no reason): checked and indexed without objects."""
        return pd.Series(pd.Categorical.from_codes(self.codes, dtype=_REASON_DTYPE, validate=False), index=index)


_REASON_DTYPE = pd.CategoricalDtype(MOTIVOS)


def too_long_cells(series: pd.Series) -> np.ndarray | None:
    """Cells longer than MAX_CELL_CHARS characters, or None when no cell can be."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes, arr = normalize.distinct_codes(series)  # distinct values only
    else:
        codes, arr = None, normalize.as_arrow(series)
    # bytes ≥ characters: byte lengths come from the offsets alone (no text scanned),
    # characters are only counted in a column where some cell could be too long
    if (pc.max(pc.binary_length(arr)).as_py() or 0) <= config.MAX_CELL_CHARS:
        return None
    long_ = pc.fill_null(pc.greater(pc.utf8_length(arr), config.MAX_CELL_CHARS), False).to_numpy(zero_copy_only=False)
    return long_ if codes is None else np.append(long_, False)[codes]


RAW_COLUMNS = schema.ACTIVITY_COLUMNS + schema.PERSON_COLUMNS + schema.SUMMARY_COUNT_COLUMNS


QUARANTINE_COLUMNS = ["archivo", "hoja", FILA, "motivo"] + RAW_COLUMNS


def quarantine_table(p: pd.DataFrame, p_norm: pd.DataFrame, s: pd.DataFrame, s_norm: pd.DataFrame,
                sheets: list[Sheet]) -> pd.DataFrame:
    """Quarantined rows: source, row number as the user sees it, reason code, raw values."""
    parts = []
    for raw, norm in ((p, p_norm), (s, s_norm)):
        bad = norm["motivo"].notna().to_numpy()
        if bad.any():
            part = raw.loc[bad].copy()
            part["motivo"] = norm["motivo"].iloc[np.flatnonzero(bad)].to_numpy(dtype=object)
            parts.append(part)
    cols = QUARANTINE_COLUMNS
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype="int64" if c == FILA else "str") for c in cols})
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["_sheet", FILA], kind="stable").reset_index(drop=True)
    seq = out["_sheet"].to_numpy()
    out["archivo"] = np.asarray([h.file for h in sheets], dtype=object)[seq]
    out["hoja"] = np.asarray([h.name for h in sheets], dtype=object)[seq]
    out = out.reindex(columns=cols)
    for c in RAW_COLUMNS:  # a 10 MB cell is cut: the file must stay readable
        out[c] = out[c].astype("str").str.slice(0, config.MAX_CELL_CHARS)
    return out


# The column whose value a quarantine reason is about, shown in the report (never a personal one).
REASON_COLUMN = {
    "fecha_faltante": None, "fecha_invalida": "fecha", "fecha_fuera_de_anio": "fecha",
    "comuna_faltante": None, "comuna_de_otra_region": "comuna", "comuna_desconocida": "comuna",
    "comuna_ambigua": "comuna",
}
COUNT_REASONS = {"conteo_invalido", "conteo_inconsistente"}


def calidad_figures(reading, year, region, p, p_norm, p_valid, p_dup, s, s_norm, s_valid, s_dup, conflicts, matcher):
    """Every figure of the quality report: accounting per sheet, and where each problem is."""
    per_file = []
    details = []
    by_reason = {m: 0 for m in MOTIVOS}
    for i, h in enumerate(reading.sheets):
        persons = h.shape == schema.SHAPE_PERSONS
        raw, norm, valid, dup = (p, p_norm, p_valid, p_dup) if persons else (s, s_norm, s_valid, s_dup)
        mine = (norm["_sheet"] == i).to_numpy()
        rows_read = int(mine.sum())
        rows_valid = int((mine & valid & ~dup).sum())
        dups = int((mine & dup).sum())
        quarantined = int((mine & ~valid).sum())
        per_file.append({"archivo": h.file, "hoja": h.name, "forma": h.shape, "filas_leidas": rows_read,
                         "filas_validas": rows_valid, "duplicados": dups, "cuarentena": quarantined,
                         "sin_asistente": int(len(h.without_attendee)), "rangos_combinados": int(h.merged_ranges),
                         "codificacion": h.encoding, "lineas_cp1252": int(h.cp1252_lines)})
        bad = np.flatnonzero(mine & ~valid)
        reasons = norm["motivo"].iloc[bad].to_numpy(dtype=object)
        shown = {c: raw[c].iloc[bad].to_numpy(dtype=object) for c in ("fecha", "comuna")}
        counts = [raw[c].iloc[bad].to_numpy(dtype=object) for c in schema.SUMMARY_COUNT_COLUMNS] if not persons else []
        for k, (row_number, reason) in enumerate(zip(norm[FILA].to_numpy()[bad], reasons)):
            column = REASON_COLUMN.get(reason)
            if column is not None:
                value = _shown(shown[column][k])
            elif reason in COUNT_REASONS and counts:
                value = " / ".join(_shown(c[k]) or "vacío" for c in counts)
            else:
                value = None
            details.append({"archivo": h.file, "hoja": h.name, "fila": int(row_number), "motivo": reason,
                            "valor": value})
            by_reason[reason] += 1
    corrected = {}
    names = comuna_names()
    for raw, norm in ((p, p_norm), (s, s_norm)):
        status = norm["estado_comuna"].cat
        if comunas.STATUS_CORRECTED not in status.categories:
            continue
        fixed = np.flatnonzero(status.codes.to_numpy() == status.categories.get_loc(comunas.STATUS_CORRECTED))
        for typed, cut in zip(raw["comuna"].iloc[fixed].to_numpy(dtype=object),
                              norm["cut_comuna"].iloc[fixed].astype(object).to_numpy()):
            corrected.setdefault(collapse_spaces(typed), names[cut])
    total = {k: sum(r[k] for r in per_file) for k in ("filas_leidas", "filas_validas", "duplicados", "cuarentena")}
    sheets = reading.sheets
    return {
        "anio": int(year),
        "region": reference.region(region).nombre,
        **total,
        "cuarentena_por_motivo": by_reason,
        "comunas_corregidas": dict(sorted(corrected.items())),
        "archivos_rechazados": [{"archivo": r.file, "hoja": r.sheet, "codigo": r.code, "motivo": r.reason}
                                for r in reading.rejected],
        "hojas_omitidas": [{"archivo": o.file, "hoja": o.sheet} for o in reading.skipped],
        "archivos_ignorados": [{"archivo": g.file, "motivo": g.reason} for g in reading.ignored],
        "por_archivo": per_file,
        "cuarentena_detalle": details,
        "conflictos_actividad": conflicts,
        "rut_invalidos": int(p_norm["rut_invalido"].sum()) if "rut_invalido" in p_norm else 0,
        "edades_invalidas": int(p_norm["edad_invalida"].sum()) if "edad_invalida" in p_norm else 0,
        # where: file, sheet and rows only (a RUT or an age is personal: never its value)
        "rut_invalidos_filas": _rows_by_sheet(p_norm, _flag(p_norm, "rut_invalido"), sheets),
        "edades_invalidas_filas": _invalid_ages(p, p_norm, sheets),
        "sexo_no_reconocido": _unrecognised(p, p_norm, "sexo", sheets, skip=_flag(p_norm, "sexo_m_ambigua")),
        # what the letter M was read as, per file (H/M: Mujer; F/M: Hombre; ambigua: asked)
        "sexo_lecturas": [m.as_dict() for m in sex_codes.readings(p, sheets)[1].values()],
        # rows without attendee, outside the accounting: where, and what they say (the text is
        # screened for personal data with the rest of calidad before it is written)
        "sin_asistente": [{"archivo": h.file, "hoja": h.name, "n": int(len(h.without_attendee)),
                           "filas": [int(f) for f in h.without_attendee[:limits.MAX_LISTED_ROWS]],
                           "textos": _texts_by_row(h)}
                          for h in sheets if len(h.without_attendee)],
        "columnas_desconocidas": [{"archivo": h.file, "hoja": h.name, "columna": c}
                                  for h in sheets for c in h.unknown_columns],
        # free text read as a category (a kind of activity or organisation, a zone): each distinct
        # value that is not already the category's own name, what it was read as, and how many rows
        "textos_mapeados": _mapped_texts([p, s]),
    }


MAPPED_COLUMNS = {"tipo_actividad": normalize.tipo_actividad_one, "tipo_organizacion": normalize.tipo_organizacion_one,
                  "zona": normalize.zona_one}


def _mapped_texts(frames: list[pd.DataFrame]) -> list[dict]:
    """[{columna, valor, categoria, n}] of every distinct typed value (spaces collapsed) of the
    coded columns whose category is not its own name (case and accents aside), most rows first."""
    counts: dict[tuple[str, str], int] = {}
    for column in MAPPED_COLUMNS:
        for frame in frames:
            if column not in frame or not len(frame):
                continue
            codes, dictionary = normalize.distinct_codes(frame[column])
            n = np.bincount(codes[codes >= 0], minlength=len(dictionary))
            for value, rows in zip(dictionary.to_pylist(), n):
                typed = collapse_spaces(value)
                if rows and typed:
                    counts[column, typed] = counts.get((column, typed), 0) + int(rows)
    out = []
    for (column, typed), rows in counts.items():
        category = MAPPED_COLUMNS[column](typed)
        if fold(typed) != fold(category):
            out.append({"columna": column, "valor": _shown(typed), "categoria": category, "n": rows})
    return sorted(out, key=lambda r: (list(MAPPED_COLUMNS).index(r["columna"]), -r["n"], r["valor"]))


def _texts_by_row(sheet: Sheet) -> list[dict]:
    """[{texto, filas}] of the listed rows without attendee: rows saying the same (a date filled
    down, a run of blank formatted rows) share one entry, in order of first appearance."""
    groups: dict[str, list[int]] = {}
    for row_number, text in zip(sheet.without_attendee[:limits.MAX_LISTED_ROWS], sheet.without_attendee_texts):
        groups.setdefault(text, []).append(int(row_number))
    return [{"texto": t, "filas": f} for t, f in groups.items()]


def _shown(value: object) -> str | None:
    """A raw value as the report shows it: spaces collapsed, cut to 60 characters."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = collapse_spaces(value)
    return (text[:60] + "…" if len(text) > 60 else text) or None


def _flag(norm: pd.DataFrame, column: str) -> np.ndarray:
    return norm[column].to_numpy(dtype=bool) if column in norm else np.zeros(len(norm), dtype=bool)


def _rows_by_sheet(norm: pd.DataFrame, mask: np.ndarray, sheets: list[Sheet]) -> list[dict]:
    """[{archivo, hoja, n, filas (the first MAX_LISTED_ROWS)}] of the rows where `mask` holds."""
    out = []
    if not mask.any():
        return out
    seq = norm["_sheet"].to_numpy()[mask]
    row_numbers = norm[FILA].to_numpy()[mask]
    for i in np.unique(seq):
        rows = row_numbers[seq == i]
        out.append({"archivo": sheets[i].file, "hoja": sheets[i].name, "n": int(len(rows)),
                    "filas": [int(f) for f in rows[:limits.MAX_LISTED_ROWS]]})
    return out


def _invalid_ages(raw: pd.DataFrame, norm: pd.DataFrame, sheets: list[Sheet]) -> list[dict]:
    """[{archivo, hoja, problema, n, filas}] of ages that could not be read, by sheet and by what
    is wrong with them (a range, a decimal, a text): the age itself is personal, never shown."""
    mask = _flag(norm, "edad_invalida")
    if not mask.any():
        return []
    rows = np.flatnonzero(mask)
    problems = normalize.per_unique_many(raw["edad"].iloc[rows].astype("str"), [normalize.age_problem])[0]
    seq = norm["_sheet"].to_numpy()[rows]
    row_numbers = norm[FILA].to_numpy()[rows]
    groups: dict[tuple[int, str], list[int]] = {}
    for i, problem, row_number in zip(seq, problems.to_numpy(dtype=object), row_numbers):
        groups.setdefault((int(i), problem), []).append(int(row_number))
    return [{"archivo": sheets[i].file, "hoja": sheets[i].name, "problema": problem, "n": len(f),
             "filas": f[:limits.MAX_LISTED_ROWS]} for (i, problem), f in sorted(groups.items())]


def _unrecognised(raw: pd.DataFrame, norm: pd.DataFrame, column: str, sheets: list[Sheet],
                  skip: np.ndarray | None = None) -> list[dict]:
    """Typed values of a coded column read as `Sin información` (e.g. sexo `X`): value and rows.
    `skip`: rows reported elsewhere (an ambiguous M: `sexo_lecturas`)."""
    if column not in norm or not len(norm):
        return []
    coded = norm[column].cat
    unknown = (coded.codes.to_numpy() == coded.categories.get_loc(schema.SIN_INFORMACION)) & \
        ~normalize.is_blank(raw[column]).to_numpy() & ~raw[SHIFTED].to_numpy(dtype=bool)
    if skip is not None:
        unknown &= ~skip
    out = []
    if not unknown.any():
        return out
    typed = raw[column].to_numpy(dtype=object)
    seq = norm["_sheet"].to_numpy()
    row_numbers = norm[FILA].to_numpy()
    groups: dict[tuple[int, str], list[int]] = {}
    for k in np.flatnonzero(unknown):
        groups.setdefault((int(seq[k]), _shown(typed[k]) or ""), []).append(int(row_numbers[k]))
    for (i, value), rows in sorted(groups.items()):
        out.append({"archivo": sheets[i].file, "hoja": sheets[i].name, "valor": value, "n": len(rows),
                    "filas": rows[:limits.MAX_LISTED_ROWS]})
    return out


def check_accounting(calidad: dict, asistencias: pd.DataFrame, actividades: pd.DataFrame, summary_kept: int) -> None:
    """Rows read = valid + duplicates + quarantined, per sheet and in total; outputs agree with it."""
    for r in calidad["por_archivo"]:
        if r["filas_leidas"] != r["filas_validas"] + r["duplicados"] + r["cuarentena"]:
            raise AccountingError(f"Contabilidad descuadrada en {r['archivo']} {r['hoja']}: {r}")
    if calidad["filas_leidas"] != calidad["filas_validas"] + calidad["duplicados"] + calidad["cuarentena"]:
        raise AccountingError(f"Contabilidad total descuadrada: {calidad['filas_leidas']} filas leídas")
    if calidad["cuarentena"] != len(calidad["cuarentena_detalle"]) or \
            calidad["cuarentena"] != sum(calidad["cuarentena_por_motivo"].values()):
        raise AccountingError("La cuarentena no coincide con su detalle.")
    person_valid = sum(r["filas_validas"] for r in calidad["por_archivo"] if r["forma"] == schema.SHAPE_PERSONS)
    if person_valid != len(asistencias):
        raise AccountingError(f"{person_valid} filas válidas de personas, {len(asistencias)} asistencias.")
    if (actividades["forma"] == schema.SHAPE_SUMMARY).sum() != summary_kept:
        raise AccountingError("Las actividades de resumen no coinciden con sus filas válidas.")
