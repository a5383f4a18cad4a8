"""Cleaning stage (data contract §3–§4): activities, conflicts, duplicates, quarantine, accounting.

`clean_year(paths, region)` reads every log of the year (`ingest`), normalises values
(`normalize`), resolves each activity's values by majority, drops duplicates, sends
unusable rows to quarantine, checks the accounting (rows read = valid + duplicates +
quarantined, per sheet and in total) and writes `data/processed/<year>/`.

Everything is vectorised: rows of one shape are concatenated and each column is
normalised over its distinct values, so cost grows with distinct values, not rows.
"""
from __future__ import annotations

from pipeline.errors import NoDataError, AccountingError  # noqa: F401  (raised here)

import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pandas.api.types import union_categoricals

from pipeline import config
from pipeline.ingest import read as ingest
from pipeline.clean import values as normalize
from pipeline.clean import pseudonyms as privacy
from pipeline.clean import screen
from pipeline import reference
from pipeline import schema
from pipeline.text import collapse_spaces

MOTIVOS = list(schema.QUARANTINE_REASONS)
# activity-level fields whose disagreement between rows of one activity is a conflict
CONFLICT_FIELDS = ["fecha", "cut_comuna", "actividad", "tipo_actividad", "linea", "zona",
                   "tipo_organizacion", "organizacion"]


@dataclass
class CleanResult:
    actividades: pd.DataFrame
    asistencias: pd.DataFrame
    cuarentena: pd.DataFrame
    calidad: dict


# ---------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------
def clean_year(paths: config.Paths, region: str) -> CleanResult:
    """Clean every log under `paths.raw` and write the processed tables into `paths.processed`.

    The attendance table (the big one) starts being written to a temporary file in a
    background thread as soon as it is built, while the rest of the cleaning goes on
    (pyarrow writes without holding the GIL); it replaces the old file only once the
    accounting has been checked, like the other three.
    """
    processed = Path(paths.processed)
    processed.mkdir(parents=True, exist_ok=True)
    for stale in processed.glob(".asistencias.parquet.*.old"):  # left by a run stopped while replacing
        stale.unlink(missing_ok=True)
    early = _BackgroundParquet(processed / "asistencias.parquet", mode=0o600)  # person rows: owner only
    try:
        result = clean_folder(paths.raw, paths.year, region, on_asistencias=early.start)
        screen.build(paths, result.calidad)  # personal-data screen: names index; calidad screened, places listed
        write(result, processed, asistencias=early)
    finally:
        early.discard()
    return result


def clean_folder(raw: Path, year: int, region: str,
                 on_asistencias: Callable[[pd.DataFrame], None] | None = None) -> CleanResult:
    """Read and clean every log of one folder; nothing is written."""
    raw = Path(raw)
    files = ingest.log_files(raw)
    if not files:
        raise NoDataError(f"No hay listas de asistencia (.csv o .xlsx) en la carpeta {raw}.")
    reading = ingest.Reading()
    for path in files:
        reading.extend(ingest.read_file(path, path.relative_to(raw).as_posix()))
    if not reading.sheets:
        raise NoDataError(
            f"Ninguna lista de asistencia de la carpeta {raw} se pudo usar: "
            f"{len(reading.rechazos)} archivo(s) u hoja(s) rechazados y {len(reading.omitidas)} hoja(s) "
            "sin encabezado reconocible. Revise el informe de calidad o los archivos."
        )
    return clean_sheets(reading, year, region, on_asistencias=on_asistencias)


def clean_sheets(reading: ingest.Reading, year: int, region: str,
                 on_asistencias: Callable[[pd.DataFrame], None] | None = None) -> CleanResult:
    """Clean already-read sheets (the testable core of `clean_folder`).

    `on_asistencias`, if given, receives the attendance table as soon as it is final, before
    the rest is computed (`clean_year` starts writing it then).
    """
    matcher = normalize.comuna_matcher(reference.region(region).nombre)
    persons = [h for h in reading.sheets if h.forma == schema.SHAPE_PERSONS]
    summaries = [h for h in reading.sheets if h.forma == schema.SHAPE_SUMMARY]
    seq = {id(h): i for i, h in enumerate(reading.sheets)}

    p = _rows(persons, seq, schema.PERSON_COLUMNS)
    s = _rows(summaries, seq, schema.SUMMARY_COUNT_COLUMNS)
    # RUTs are checked with arrow kernels, which release the GIL: in a thread, beside the
    # (mostly Python) activity normalisation. As soon as they are checked, a second thread
    # makes the pseudonyms of every distinct valid RUT (hashlib), so they are ready when
    # the attendance table is built; only those of kept rows are ever used.
    with ThreadPoolExecutor(2, thread_name_prefix="limpieza") as pool:
        rut_checked = pool.submit(normalize.rut_codes_blank, p["rut"])
        pseudonyms = pool.submit(lambda: _pseudonym_array(_category_bytes(rut_checked.result()[0])))
        p_norm = _activity_values(p, year, matcher)
        s_norm = _activity_labels(s, _activity_values(s, year, matcher))
        # the labels of activities, the head counts of summaries, the quarantine (no
        # quarantine reason depends on a person's values) and the sexo and edad of persons
        # fill the wait for the RUTs (the thread checking them runs without the GIL)
        p_norm = _activity_labels(p, p_norm)
        s_norm = _summary_counts(s, s_norm)
        cuarentena = _quarantine(p, p_norm, s, s_norm, reading.sheets)
        p_norm = _person_fields(p, p_norm)
        rut = rut_checked.result()

        # --- person rows -------------------------------------------------------
        p_norm = _person_values(p, p_norm, rut)
        p_valid = p_norm["motivo"].isna().to_numpy()
        p_dup = _person_duplicates(p_norm, p_valid)
        p_keep = p_valid & ~p_dup

        # the attendance table is made first and handed to `on_asistencias` (its writer runs
        # beside the rest, without the GIL): nothing else holds the GIL while it is built
        asistencias = _asistencias(p_norm, p_keep, reading.sheets, pseudonyms.result())
    if on_asistencias is not None:
        on_asistencias(asistencias)
    act_p, conflicts = _person_activities(p_norm, p_keep)

    # --- summary rows --------------------------------------------------------
    s_valid = s_norm["motivo"].isna().to_numpy()
    # person rows win over a summary of the same activity; a re-sent summary row is a duplicate
    claves = pd.Series(s_norm["clave_actividad"].astype(object).to_numpy())
    s_dup = np.zeros(len(s_norm), dtype=bool)
    if s_valid.any():
        valid_claves = claves[s_valid]
        s_dup[s_valid] = (valid_claves.isin(set(act_p["clave_actividad"])) | valid_claves.duplicated()).to_numpy()
    s_keep = s_valid & ~s_dup
    act_s = _summary_activities(s_norm, s_keep)

    # (a concat with an empty table copies every object column for nothing)
    parts = [a for a in (act_p, act_s) if len(a)] or [act_p]
    actividades = _finish_activities(parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True), matcher)
    calidad = _calidad(reading, year, region, p, p_norm, p_valid, p_dup, s, s_norm, s_valid, s_dup,
                       conflicts, matcher)
    _check_accounting(calidad, asistencias, actividades, int(s_keep.sum()))
    return CleanResult(actividades, asistencias, cuarentena, calidad)


# ---------------------------------------------------------------------------
# rows of one shape
# ---------------------------------------------------------------------------
def _rows(sheets: list[ingest.Sheet], seq: dict[int, int], own: list[str]) -> pd.DataFrame:
    """All rows of one shape in reading order, every canonical column present (text)."""
    columns = schema.ACTIVITY_COLUMNS + own
    frames = []
    for h in sheets:
        f = h.frame
        # a missing column is all missing: a categorical without categories costs no strings
        extra = {c: pd.Series(pd.Categorical.from_codes(np.full(len(f), -1, dtype=np.int8), dtype=_NO_TEXT,
                                                        validate=False), index=f.index)
                 for c in columns if c not in f}
        frames.append(f.assign(**extra, _sheet=seq[id(h)])[columns + [ingest.FILA, "_sheet"]])
    if not frames:
        empty = {c: pd.Series([], dtype="str") for c in columns}
        return pd.DataFrame({**empty, ingest.FILA: pd.Series([], dtype="int64"),
                             "_sheet": pd.Series([], dtype="int64")})
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    out = {}
    for c in columns + [ingest.FILA, "_sheet"]:
        parts = [f[c] for f in frames]
        if any(isinstance(x.dtype, pd.CategoricalDtype) for x in parts):
            # CSV columns come categorical: the union stays so (pd.concat would give objects)
            cats = [x.array if isinstance(x.dtype, pd.CategoricalDtype) else pd.Categorical(x) for x in parts]
            out[c] = pd.Series(union_categoricals(cats))
        else:
            out[c] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(out)


_NO_TEXT = pd.CategoricalDtype(pd.Index([], dtype="str"))


def _first_reason(motivo: np.ndarray, mask: np.ndarray, code: str) -> None:
    """Set `code` where `mask` holds and no earlier reason was found (local array only)."""
    motivo[mask & pd.isna(motivo)] = code


class _Reasons:
    """First quarantine reason per row, kept as small integer codes (no million-object scans)."""

    def __init__(self, n: int):
        self.codes = np.full(n, -1, dtype=np.int16)

    def add(self, mask: np.ndarray, code: str) -> None:
        self.codes[mask & (self.codes < 0)] = MOTIVOS.index(code)

    def series(self, index: pd.Index) -> pd.Series:
        """Categorical of reason codes (missing = no reason): checked and indexed without objects."""
        return pd.Series(pd.Categorical.from_codes(self.codes, dtype=_MOTIVO_DTYPE, validate=False), index=index)


_MOTIVO_DTYPE = pd.CategoricalDtype(MOTIVOS)


def _values_at(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    """Objects of `values` at `rows` (positions or a boolean mask), without converting the rest."""
    return values.iloc[rows].to_numpy(dtype=object)


def _too_long(series: pd.Series) -> np.ndarray | None:
    """Cells longer than MAX_CELL_CHARS characters, or None when no cell can be."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes, arr = normalize._dictionary(series)  # distinct values only
    else:
        codes, arr = None, normalize._arrow(series)
    # bytes ≥ characters: byte lengths come from the offsets alone (no text scanned),
    # characters are only counted in a column where some cell could be too long
    if (pc.max(pc.binary_length(arr)).as_py() or 0) <= config.MAX_CELL_CHARS:
        return None
    long_ = pc.fill_null(pc.greater(pc.utf8_length(arr), config.MAX_CELL_CHARS), False).to_numpy(zero_copy_only=False)
    return long_ if codes is None else np.append(long_, False)[codes]


def _activity_values(raw: pd.DataFrame, year: int, matcher: normalize.ComunaMatcher) -> pd.DataFrame:
    """Normalised activity-level values and the first quarantine reason of each row."""
    n = len(raw)
    motivo = _Reasons(n)
    too_long = np.zeros(n, dtype=bool)
    for c in schema.ACTIVITY_COLUMNS + schema.PERSON_COLUMNS + schema.SUMMARY_COUNT_COLUMNS:
        if c in raw and n:
            long_ = _too_long(raw[c])
            if long_ is not None:
                too_long |= long_
    motivo.add(too_long, "celda_demasiado_larga")

    fecha = normalize.fecha(raw["fecha"])
    fecha_blank = normalize.is_blank(raw["fecha"]).to_numpy()
    motivo.add(fecha_blank, "fecha_faltante")
    fecha_nat = fecha.isna().to_numpy()
    motivo.add(fecha_nat, "fecha_invalida")
    # within the year: between its first second and the next year's (NaT is below both)
    seconds = fecha.to_numpy("datetime64[s]").view(np.int64)
    first_s, next_s = (np.array([year, year + 1]) - 1970).astype("datetime64[Y]").astype("datetime64[s]").view(np.int64)
    motivo.add(fecha_nat | (seconds < first_s) | (seconds >= next_s), "fecha_fuera_de_anio")

    com = matcher.match(raw["comuna"])
    estado = com["estado_comuna"].cat
    for code in ("comuna_faltante", "comuna_de_otra_region", "comuna_ambigua", "comuna_desconocida"):
        if code in estado.categories:
            motivo.add(estado.codes.to_numpy() == estado.categories.get_loc(code), code)

    id_fold = normalize.per_unique_many(raw["id_actividad"], [_folded], categorical=True)[0]
    act_fold = normalize.per_unique_many(raw["actividad"], [_folded], categorical=True)[0]
    motivo.add((id_fold.cat.codes.to_numpy() < 0) & (act_fold.cat.codes.to_numpy() < 0), "actividad_faltante")

    out = pd.DataFrame({
        "fecha": fecha,
        "cut_comuna": com["cut_comuna"],
        "estado_comuna": com["estado_comuna"],
        "id_fold": id_fold,
        "act_fold": act_fold,
        "motivo": motivo.series(raw.index),
        "_sheet": raw["_sheet"],
        ingest.FILA: raw[ingest.FILA],
    }, index=raw.index)
    out["clave_actividad"] = _activity_keys(out)
    return out


def _folded(v: str) -> str | None:
    return normalize.fold_fast(v) or None


def _spaced(v: str) -> str | None:
    return normalize.collapse_fast(v) or None


def _activity_labels(raw: pd.DataFrame, norm: pd.DataFrame) -> pd.DataFrame:
    """`norm` with the values the activities table shows (display forms and categories).

    Apart from `_activity_values`: no row's validity, key or attendance depends on them, so
    `clean_sheets` makes them while it waits for the RUTs.
    """
    org_fold, org_display = normalize.per_unique_many(raw["organizacion"], [_folded, _spaced], categorical=True)
    return norm.assign(
        id_actividad=normalize.per_unique_many(raw["id_actividad"], [_spaced], categorical=True)[0],
        actividad=normalize.per_unique_many(raw["actividad"], [_spaced], categorical=True)[0],
        tipo_actividad=normalize.tipo_actividad(raw["tipo_actividad"]),
        linea=normalize.linea(raw["linea"]),
        zona=normalize.zona(raw["zona"]),
        tipo_organizacion=normalize.tipo_organizacion(raw["tipo_organizacion"]),
        organizacion=org_display,
        org_fold=org_fold,
    )


def _activity_keys(norm: pd.DataFrame) -> pd.Series:
    """`id:<folded id>` when an id is typed, else `<ISO fecha>|<cut_comuna>|<folded actividad>`.

    Built once per distinct combination (groupby on integer codes), not once per row.
    """
    if len(norm) == 0:
        return pd.Series([], dtype="category")
    id_codes = norm["id_fold"].cat.codes.to_numpy().astype(np.int64)
    has_id = id_codes >= 0
    days = norm["fecha"].to_numpy("datetime64[D]")
    nat = np.isnat(days)
    days = days.astype(np.int64)
    low = days[~nat].min(initial=0)
    fecha = np.where(nat, 0, days - low + 1)  # 0 = no date
    cut = norm["cut_comuna"].cat.codes.to_numpy().astype(np.int64) + 1
    act = norm["act_fold"].cat.codes.to_numpy().astype(np.int64) + 1
    n_f, n_c, n_a = fecha.max(initial=0) + 1, cut.max(initial=0) + 1, act.max(initial=0) + 1
    # one integer per (fecha, comuna, actividad): packed directly when it fits in 62 bits,
    # else in two hashed steps
    if float(n_f) * n_c * n_a < 2.0 ** 62:
        composite = (fecha * n_c + cut) * n_a + act
    else:
        fc = pd.factorize(fecha * n_c + cut)[0].astype(np.int64)
        composite = pd.factorize(fc * n_a + act)[0].astype(np.int64)
    # groups numbered in order of first appearance, as a groupby(sort=False).ngroup() would
    gid = _factorize_runs(np.where(has_id, id_codes, id_codes.max(initial=-1) + 1 + composite))[0]
    seen = np.maximum.accumulate(gid)
    first = np.flatnonzero(np.r_[True, gid[1:] > seen[:-1]])

    def text_at_first(col: str) -> np.ndarray:
        """The text of a categorical column at each group's first row, "" where missing."""
        values = norm[col]
        table = np.append(np.asarray(values.cat.categories, dtype=object), "")
        return table[values.cat.codes.to_numpy()[first]]  # code -1 takes the trailing ""

    # dates written once per distinct date, not once per group
    date_codes, dates = pd.factorize(norm["fecha"].to_numpy()[first])
    date_text = np.append(pd.Series(dates).dt.strftime("%Y-%m-%d").to_numpy(dtype=object), "")[date_codes]
    names = np.where(
        has_id[first],
        np.array(["id:" + i for i in text_at_first("id_fold")], dtype=object),
        np.array([f"{d}|{c}|{a}" for d, c, a in zip(date_text, text_at_first("cut_comuna"),
                                                    text_at_first("act_fold"))], dtype=object))
    # two groups can only share a name when both miss the same parts (quarantined rows)
    lookup, uniq = pd.factorize(names)
    return pd.Series(pd.Categorical.from_codes(lookup[gid], categories=pd.Index(uniq)), index=norm.index)


def _factorize_runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`pd.factorize` of integers (codes in order of first appearance, and the uniques).

    Rows of one activity mostly come one after another: only the first value of each run
    of equal values is hashed, the codes are repeated over the runs.
    """
    if len(values) == 0:
        return np.array([], dtype=np.intp), values[:0]
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    codes, uniques = pd.factorize(values[starts])
    return np.repeat(codes, np.diff(np.r_[starts, len(values)])), uniques


# ---------------------------------------------------------------------------
# person rows
# ---------------------------------------------------------------------------
def _person_fields(raw: pd.DataFrame, norm: pd.DataFrame) -> pd.DataFrame:
    """`norm` with the person values that do not depend on the RUT: sexo and edad."""
    edad = normalize.edad(raw["edad"])
    edad_blank = normalize.is_blank(raw["edad"]).to_numpy()
    return norm.assign(
        sexo=normalize.sexo(raw["sexo"]),
        edad=edad,
        edad_invalida=~edad_blank & edad.isna().to_numpy(),
    )


def _person_values(raw: pd.DataFrame, norm: pd.DataFrame,
                   rut: tuple[pd.Series, np.ndarray] | None = None) -> pd.DataFrame:
    """`norm` (from `_person_fields`) with the RUT and, where it decides duplicates, the folded name.

    `rut`: `normalize.rut_codes_blank(raw["rut"])` when already computed.
    """
    # categorical: duplicates and pseudonyms work on codes
    rut, rut_blank = rut if rut is not None else normalize.rut_codes_blank(raw["rut"])
    # names only matter (for duplicates) where no valid RUT identifies the person, in a
    # valid row, and only when another such row is in the same activity: only those few
    # rows are taken out and folded (elsewhere a name can never make a row a duplicate)
    activity = norm["clave_actividad"].cat.codes.to_numpy().astype(np.int64)
    candidate = (rut.cat.codes.to_numpy() < 0) & norm["motivo"].isna().to_numpy() & (activity >= 0)
    per_activity = np.bincount(activity[candidate], minlength=len(norm["clave_actividad"].cat.categories))
    named = np.flatnonzero(candidate & (per_activity[np.maximum(activity, 0)] >= 2))
    folded = normalize.per_unique_many(raw["nombre"].iloc[named].astype("str"), [lambda v: normalize.fold_fast(v) or None],
                                       categorical=True)[0]
    name_codes = np.full(len(raw), -1, dtype=np.int32)
    name_codes[named] = folded.cat.codes.to_numpy()
    nombre = pd.Series(pd.Categorical.from_codes(name_codes, dtype=folded.dtype), index=raw.index)
    return norm.assign(
        _nombre_fold=nombre,
        rut=rut,
        rut_invalido=~rut_blank & rut.isna().to_numpy(),
    )


def _person_duplicates(norm: pd.DataFrame, valid: np.ndarray) -> np.ndarray:
    """Second and later rows of one activity and one person (same valid RUT, else same name)."""
    dup = np.zeros(len(norm), dtype=bool)
    if not valid.any():
        return dup
    rut_codes, n_ruts = _int_codes(norm["rut"])
    no_rut = rut_codes < 0
    # names are folded only where they decide (rows without a valid RUT)
    nombre = norm.get("_nombre_fold")
    person = rut_codes
    if no_rut.any() and nombre is not None:
        name_codes = np.where(no_rut, _int_codes(nombre)[0], -1)
        person = np.where(name_codes >= 0, n_ruts + name_codes, person)
    usable = valid & (person >= 0)
    activity = norm["clave_actividad"].cat.codes.to_numpy().astype(np.int64)[usable] + 1
    # (activity, person) packed in one integer: one hash per row instead of a frame of two
    key = activity * (int(person.max(initial=0)) + 1) + person[usable]
    dup[np.flatnonzero(usable)] = pd.Series(key).duplicated(keep="first").to_numpy()
    return dup


def _int_codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """(int64 code per row, -1 = missing; number of codes): equal values, equal codes."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype(np.int64), len(values.cat.categories)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64), len(uniques)


def _str_from_codes(codes: np.ndarray, uniques) -> pd.Series:
    """String column from integer codes (-1 = missing) with one arrow `take`, no per-row objects."""
    codes = np.asarray(codes)
    dictionary = uniques if isinstance(uniques, pa.Array) else pa.array(list(uniques), type=pa.large_string())
    arr = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0, type=pa.int64()), dictionary)
    return pd.Series(arr.cast(pa.large_string()), dtype="str")


def _source(sheets: list[ingest.Sheet], seq: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """(archivo, hoja) of each row from its sheet number."""
    seq = np.asarray(seq, dtype=np.int64)
    return _str_from_codes(seq, [h.archivo for h in sheets]), _str_from_codes(seq, [h.sheet for h in sheets])


def _asistencias(norm: pd.DataFrame, keep: np.ndarray, sheets: list[ingest.Sheet],
                 pseudonyms: pa.Array | None = None) -> pd.DataFrame:
    """One row per valid, non-duplicate person row; the RUT leaves as a keyed pseudonym only.

    `pseudonyms`: those of every category of `norm["rut"]`, in order, when already made.
    Repeated text columns stay categorical (written to parquet dictionary-encoded): a
    million rows hold a few hundred thousand distinct pseudonyms, never a million strings.
    """
    rows = np.flatnonzero(keep)
    if pseudonyms is None:
        pseudonyms = _pseudonym_array(_category_bytes(norm["rut"]))
    codes, used = _used_codes(norm["rut"].cat.codes.to_numpy()[rows], len(norm["rut"].cat.categories))
    seq = norm["_sheet"].to_numpy()[rows].astype(np.int64)
    return pd.DataFrame({
        "clave_actividad": _cat_used(norm["clave_actividad"].iloc[rows]),
        "persona": _cat_from_codes(codes, pseudonyms.take(pa.array(used))),
        "sexo": _cat_used(norm["sexo"].iloc[rows]),
        "edad": pd.Series(norm["edad"].to_numpy()[rows], dtype="Int64"),
        "archivo": _cat_used_codes(seq, [h.archivo for h in sheets]),
        "hoja": _cat_used_codes(seq, [h.sheet for h in sheets]),
        "fila": pd.Series(norm[ingest.FILA].to_numpy()[rows], dtype="int64"),
    })[schema.ASISTENCIAS_COLUMNS]


def _category_bytes(values: pd.Series) -> list[bytes]:
    """The categories of a categorical column as UTF-8 bytes, made by arrow (no str per value)."""
    return pa.array(values.cat.categories, type=pa.large_string()).cast(pa.large_binary()).to_pylist()


def _used_codes(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(codes renumbered over the values in use, -1 = missing; the old codes of those values)."""
    codes = codes.astype(np.int64)
    used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=n))
    remap = np.full(n + 1, -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return remap[codes], used


def _cat_from_codes(codes: np.ndarray, categories) -> pd.Series:
    """Categorical (str categories, all in use, -1 = missing) without re-validating the codes."""
    dtype = ingest.unique_categories(categories if isinstance(categories, pa.Array) else list(categories))
    return pd.Series(pd.Categorical.from_codes(np.asarray(codes), dtype=dtype, validate=False))


def _cat_used_codes(codes: np.ndarray, values: list[str]) -> pd.Series:
    used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(values)))
    remap = np.full(len(values) + 1, -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return _cat_from_codes(remap[codes], [values[i] for i in used])


def _cat_used(values: pd.Series) -> pd.Series:
    """A categorical column keeping only the categories in use (as a str column's distinct values)."""
    codes, uniques = _factorize_used(values)
    return _cat_from_codes(codes, uniques)


def _pseudonym_array(ruts: list[bytes]) -> pa.Array:
    """Hex HMAC of each RUT (UTF-8 bytes) as one arrow string array, built from the digests' bytes.

    Made in a thread beside other work: the RUTs go in slices of about a millisecond each,
    the GIL handed back after each one (`time.sleep(0)`), so the other thread's numpy and
    arrow calls are not each kept waiting a whole switch interval (5 ms) for the GIL.
    """
    key = privacy.clave()
    parts = []
    for start in range(0, len(ruts), _HASH_SLICE):
        parts.append(privacy.digests(ruts[start:start + _HASH_SLICE], key))
        time.sleep(0)
    blob = b"".join(parts).hex().encode("ascii")
    n = len(blob) // 64
    offsets = pa.py_buffer(np.arange(0, 64 * n + 1, 64, dtype=np.int64))
    return pa.LargeStringArray.from_buffers(n, offsets, pa.py_buffer(blob))


_HASH_SLICE = 2048  # RUTs hashed between two hand-backs of the GIL (about a millisecond)


def _factorize_used(values: pd.Series) -> tuple[np.ndarray, list]:
    """(code per row, -1 = missing; the values those codes name), keeping only values in use."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, used = _used_codes(values.cat.codes.to_numpy(), len(values.cat.categories))
        return codes, values.cat.categories[used].tolist()
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64), list(uniques)


def _codes(values: pd.Series) -> np.ndarray:
    """Integer code per row (equal values, equal codes) without boxing a million objects."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy()
    if values.dtype.kind == "M":
        return values.to_numpy().view("int64")
    return pd.factorize(values, use_na_sentinel=True)[0]


def _group_order(gid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(stable order by group, sorted groups, start of each group in that order) — sorted once."""
    order = np.argsort(gid, kind="stable")
    g_sorted = gid[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]]) if len(gid) else np.array([], int)
    return order, g_sorted, starts


def _majority(gid: np.ndarray, values: pd.Series, missing: np.ndarray, n_groups: int,
              grouped: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
              ) -> tuple[np.ndarray, pd.DataFrame]:
    """Row index (into `values`) of each group's most frequent value, and the conflicting groups.

    Fast path: groups whose rows all agree (the usual case) take their first row; only
    the rows of groups holding more than one value go through the counting groupby.
    """
    codes = _codes(values)
    order, g_sorted, starts = grouped if grouped is not None else _group_order(gid)
    chosen = np.empty(n_groups, dtype=np.int64)
    chosen[g_sorted[starts]] = order[starts]
    c_sorted = codes[order]
    differs = (c_sorted[1:] != c_sorted[:-1]) & (g_sorted[1:] == g_sorted[:-1])
    mixed = np.unique(g_sorted[1:][differs])
    empty = pd.DataFrame({"g": [], "v": [], "n": [], "first": [], "m": []})
    if len(mixed) == 0:
        return chosen, empty
    rows = np.flatnonzero(np.isin(gid, mixed))
    sub_chosen, clash = _majority_counted(gid[rows], codes[rows], missing[rows], rows, n_groups)
    chosen[mixed] = sub_chosen[mixed]
    return chosen, clash


def _majority_counted(gid: np.ndarray, codes: np.ndarray, missing: np.ndarray, rows: np.ndarray,
                      n_groups: int) -> tuple[np.ndarray, pd.DataFrame]:
    """Row index (into `values`) of each group's most frequent value, and the conflicting groups.

    Informed values beat missing/`Sin información`; ties go to the value seen first.
    Returns (chosen row per group, frame of (group, value code, n, missing) for groups with
    more than one informed value).
    """
    df = pd.DataFrame({"g": gid, "v": codes, "m": missing, "o": rows})
    agg = df.groupby(["g", "v"], sort=False).agg(n=("o", "size"), first=("o", "min"), m=("m", "first")).reset_index()
    agg = agg.sort_values(["g", "m", "n", "first"], ascending=[True, True, False, True], kind="stable")
    chosen = np.empty(n_groups, dtype=np.int64)
    top = agg.drop_duplicates("g", keep="first")
    chosen[top["g"].to_numpy()] = top["first"].to_numpy()
    informed = agg[~agg["m"]]
    many = informed.groupby("g")["v"].transform("size") > 1
    return chosen, informed[many]


def _person_activities(norm: pd.DataFrame, keep: np.ndarray) -> tuple[pd.DataFrame, list[dict]]:
    used = ["clave_actividad", "sexo", "fecha", "cut_comuna", "actividad", "act_fold", "tipo_actividad", "linea",
            "zona", "tipo_organizacion", "organizacion", "org_fold", "id_actividad"]
    kept = norm[used].loc[keep].reset_index(drop=True)
    # groups numbered in order of first appearance, from the integer codes (every kept row
    # has an activity key)
    gid, first = _factorize_runs(kept["clave_actividad"].cat.codes.to_numpy())
    claves = np.asarray(kept["clave_actividad"].cat.categories, dtype=object)[first]
    n_groups = len(claves)
    sexo_codes = kept["sexo"].cat.codes.to_numpy().astype(np.int64)  # categories = schema.SEXOS
    flat = np.bincount(gid.astype(np.int64) * 3 + sexo_codes, minlength=3 * n_groups).reshape(n_groups, 3)
    counts = pd.DataFrame(flat, columns=schema.SEXOS)
    conflicts: list[dict] = []
    chosen_rows: dict[str, np.ndarray] = {}
    compare = {"fecha": "fecha", "cut_comuna": "cut_comuna", "actividad": "act_fold",
               "tipo_actividad": "tipo_actividad", "linea": "linea", "zona": "zona",
               "tipo_organizacion": "tipo_organizacion", "organizacion": "org_fold"}
    grouped = _group_order(gid)
    title_row, _ = _majority(gid, kept["actividad"], kept["actividad"].isna().to_numpy(), n_groups, grouped)
    for campo, col in compare.items():
        values = kept[col]
        missing = values.isna().to_numpy().copy()
        if isinstance(values.dtype, pd.CategoricalDtype):
            missing |= values.cat.codes.to_numpy() == values.cat.categories.get_indexer([schema.SIN_INFORMACION])[0]
        rows, clash = _majority(gid, values, missing, n_groups, grouped)
        chosen_rows[campo] = rows
        if len(clash):
            conflicts += _conflicts(kept, campo, clash.sort_values(["g", "first"]), rows, title_row)
    id_row, _ = _majority(gid, kept["id_actividad"], kept["id_actividad"].isna().to_numpy(), n_groups, grouped)
    org_row, _ = _majority(gid, kept["organizacion"], kept["organizacion"].isna().to_numpy(), n_groups, grouped)

    def pick(col: str, rows: np.ndarray) -> np.ndarray:
        return kept[col].iloc[rows].astype(object).to_numpy() if n_groups else np.array([], dtype=object)

    act = pd.DataFrame({
        "clave_actividad": claves,
        "id_actividad": pick("id_actividad", id_row),
        "fecha": kept["fecha"].to_numpy()[chosen_rows["fecha"]] if n_groups else np.array([], "datetime64[s]"),
        "actividad": pick("actividad", title_row),
        "tipo_actividad": pick("tipo_actividad", chosen_rows["tipo_actividad"]),
        "linea": pick("linea", chosen_rows["linea"]),
        "cut_comuna": pick("cut_comuna", chosen_rows["cut_comuna"]),
        "zona": pick("zona", chosen_rows["zona"]),
        "tipo_organizacion": pick("tipo_organizacion", chosen_rows["tipo_organizacion"]),
        "organizacion": pick("organizacion", org_row),
        "forma": schema.SHAPE_PERSONS,
        "mujeres": counts[schema.SEXO_MUJER].to_numpy(),
        "hombres": counts[schema.SEXO_HOMBRE].to_numpy(),
        "sexo_sin_informacion": counts[schema.SIN_INFORMACION].to_numpy(),
    })
    return act, conflicts


def _display(kept: pd.DataFrame, campo: str, rows: np.ndarray) -> np.ndarray:
    """Values of `campo` at `rows` as an analyst reads them in the quality report."""
    col = {"actividad": "actividad", "organizacion": "organizacion"}.get(campo, campo)
    values = kept[col].iloc[rows]
    if campo == "fecha":
        values = values.dt.strftime("%Y-%m-%d")
    elif campo == "cut_comuna":
        values = values.astype(object).map(_comuna_names())
    return values.astype(object).where(values.notna(), None).to_numpy(dtype=object)


def _conflicts(kept: pd.DataFrame, campo: str, clash: pd.DataFrame, chosen: np.ndarray,
               title_row: np.ndarray) -> list[dict]:
    """One entry per activity whose rows disagree on `campo`: values seen, how often, which won."""
    groups = clash["g"].to_numpy()
    shown = _display(kept, campo, clash["first"].to_numpy())
    counts = clash["n"].to_numpy()
    uniq_g, starts = np.unique(groups, return_index=True)
    titles = _display(kept, "actividad", title_row[uniq_g])
    ids = _display(kept, "id_actividad", title_row[uniq_g])
    elegido = _display(kept, campo, chosen[uniq_g])
    bounds = list(starts[1:]) + [len(groups)]
    return [
        {"actividad": titles[k] or ids[k], "campo": campo,
         "valores": {str(v): int(c) for v, c in zip(shown[s:e], counts[s:e])}, "elegido": elegido[k]}
        for k, (s, e) in enumerate(zip(starts, bounds))
    ]


def _comuna_names() -> dict[str, str]:
    c = reference.comunas()
    return dict(zip(c["cut_comuna"], c["comuna"]))


# ---------------------------------------------------------------------------
# summary rows
# ---------------------------------------------------------------------------
def _summary_counts(raw: pd.DataFrame, norm: pd.DataFrame) -> pd.DataFrame:
    """Head counts of summary rows; counts break no earlier reason (celda, fecha, comuna, actividad)."""
    parsed = {c: normalize.conteo(raw[c]) for c in schema.SUMMARY_COUNT_COLUMNS}
    invalid = np.zeros(len(raw), dtype=bool)
    present = np.zeros(len(raw), dtype=bool)
    for value, bad in parsed.values():
        invalid |= bad.to_numpy()
        present |= value.notna().to_numpy()
    m = parsed["asistentes_mujeres"][0].fillna(0).to_numpy("int64")
    h = parsed["asistentes_hombres"][0].fillna(0).to_numpy("int64")
    s = parsed["asistentes_sin_informacion"][0].fillna(0).to_numpy("int64")
    t_raw = parsed["total_asistentes"][0]
    has_t = t_raw.notna().to_numpy()
    t = np.where(has_t, t_raw.fillna(0).to_numpy("int64"), m + h + s)
    motivo = norm["motivo"].to_numpy(dtype=object).copy()
    _first_reason(motivo, invalid | ~present, "conteo_invalido")
    _first_reason(motivo, t < m + h, "conteo_inconsistente")
    # the total wins: whatever it holds beyond women and men is of unknown sex
    sin = np.where(has_t, t - m - h, s)
    return norm.assign(motivo=pd.Series(motivo, index=norm.index, dtype=object),
                       mujeres=m, hombres=h, sexo_sin_informacion=sin, asistencias=t)


def _summary_activities(norm: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    kept = norm.loc[keep]
    cols = ["clave_actividad", "id_actividad", "fecha", "actividad", "tipo_actividad", "linea", "cut_comuna",
            "zona", "tipo_organizacion", "organizacion"]
    out = pd.DataFrame({c: kept[c].astype(object).to_numpy() if c != "fecha" else kept[c].to_numpy()
                        for c in cols})
    out["forma"] = schema.SHAPE_SUMMARY
    for c in ("mujeres", "hombres", "sexo_sin_informacion"):
        out[c] = kept[c].to_numpy()
    return out


# ---------------------------------------------------------------------------
# activities table
# ---------------------------------------------------------------------------
def _finish_activities(act: pd.DataFrame, matcher: normalize.ComunaMatcher) -> pd.DataFrame:
    comunas = reference.comunas().set_index("cut_comuna")
    # comuna, province: one lookup of each activity's cut_comuna in the reference
    found = comunas.index.get_indexer(act["cut_comuna"].astype(object))
    missing = found < 0
    data: dict[str, pd.Series] = {}
    for c in schema.ACTIVIDADES_COLUMNS:
        if c in ("comuna", "cut_provincia", "provincia"):
            values = comunas[c].to_numpy(dtype=object)[found]
            values[missing] = np.nan
        elif c == "asistencias":
            values = act["mujeres"] + act["hombres"] + act["sexo_sin_informacion"]
        else:
            values = act[c]
        if c == "fecha":
            data[c] = pd.to_datetime(pd.Series(values).reset_index(drop=True)).astype("datetime64[s]")
        elif c in ("mujeres", "hombres", "sexo_sin_informacion", "asistencias"):
            data[c] = pd.Series(values).reset_index(drop=True).astype("int64")
        else:
            data[c] = pd.Series(values).reset_index(drop=True).astype("str")
    out = pd.DataFrame(data)
    return out.take(_activity_order(out)).reset_index(drop=True)


def _activity_order(act: pd.DataFrame) -> np.ndarray:
    """Row order of finished activities by fecha, cut_comuna and clave_actividad, missing last, ties kept.

    Arrow's sort is stable and compares text by code points, as a stable pandas
    `sort_values` does, at a fraction of its cost (no Python comparison of strings).
    """
    keys = pa.table({c: pa.array(act[c], from_pandas=True) for c in ("fecha", "cut_comuna", "clave_actividad")})
    order = pc.sort_indices(keys, sort_keys=[(c, "ascending", "at_end") for c in keys.column_names])
    return order.to_numpy()


# ---------------------------------------------------------------------------
# quarantine and quality report
# ---------------------------------------------------------------------------
RAW_COLUMNS = schema.ACTIVITY_COLUMNS + schema.PERSON_COLUMNS + schema.SUMMARY_COUNT_COLUMNS
QUARANTINE_COLUMNS = ["archivo", "hoja", ingest.FILA, "motivo"] + RAW_COLUMNS


def _quarantine(p: pd.DataFrame, p_norm: pd.DataFrame, s: pd.DataFrame, s_norm: pd.DataFrame,
                sheets: list[ingest.Sheet]) -> pd.DataFrame:
    """Quarantined rows: source, row number as the user sees it, reason code, raw values."""
    parts = []
    for raw, norm in ((p, p_norm), (s, s_norm)):
        bad = norm["motivo"].notna().to_numpy()
        if bad.any():
            part = raw.loc[bad].copy()
            part["motivo"] = _values_at(norm["motivo"], bad)
            parts.append(part)
    cols = QUARANTINE_COLUMNS
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype="int64" if c == ingest.FILA else "str") for c in cols})
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["_sheet", ingest.FILA], kind="stable").reset_index(drop=True)
    out["archivo"], out["hoja"] = _source(sheets, out["_sheet"].to_numpy())
    out = out.reindex(columns=cols)
    for c in RAW_COLUMNS:  # a 10 MB cell is cut: the file must stay readable
        out[c] = out[c].astype("str").str.slice(0, config.MAX_CELL_CHARS)
    return out


def _calidad(reading, year, region, p, p_norm, p_valid, p_dup, s, s_norm, s_valid, s_dup, conflicts, matcher):
    por_archivo = []
    detalle = []
    motivos = {m: 0 for m in MOTIVOS}
    for i, h in enumerate(reading.sheets):
        norm, valid, dup = (p_norm, p_valid, p_dup) if h.forma == schema.SHAPE_PERSONS else (s_norm, s_valid, s_dup)
        mine = (norm["_sheet"] == i).to_numpy()
        leidas = int(mine.sum())
        validas = int((mine & valid & ~dup).sum())
        dups = int((mine & dup).sum())
        cuar = int((mine & ~valid).sum())
        por_archivo.append({"archivo": h.archivo, "hoja": h.sheet, "forma": h.forma, "filas_leidas": leidas,
                            "filas_validas": validas, "duplicados": dups, "cuarentena": cuar})
        bad = mine & ~valid
        for fila, motivo in zip(norm[ingest.FILA].to_numpy()[bad], _values_at(norm["motivo"], bad)):
            detalle.append({"archivo": h.archivo, "hoja": h.sheet, "fila": int(fila), "motivo": motivo})
            motivos[motivo] += 1
    corregidas = {}
    names = _comuna_names()
    for raw, norm in ((p, p_norm), (s, s_norm)):
        estado = norm["estado_comuna"].cat
        if normalize.ESTADO_CORREGIDA not in estado.categories:
            continue
        fixed = np.flatnonzero(estado.codes.to_numpy() == estado.categories.get_loc(normalize.ESTADO_CORREGIDA))
        for typed, cut in zip(raw["comuna"].iloc[fixed].to_numpy(dtype=object),
                              norm["cut_comuna"].iloc[fixed].astype(object).to_numpy()):
            corregidas.setdefault(collapse_spaces(typed), names[cut])
    total = {k: sum(r[k] for r in por_archivo) for k in ("filas_leidas", "filas_validas", "duplicados", "cuarentena")}
    return {
        "anio": int(year),
        "region": reference.region(region).nombre,
        **total,
        "cuarentena_por_motivo": motivos,
        "comunas_corregidas": dict(sorted(corregidas.items())),
        "archivos_rechazados": [{"archivo": r.archivo, "hoja": r.sheet, "motivo": r.motivo} for r in reading.rechazos],
        "hojas_omitidas": [{"archivo": o.archivo, "hoja": o.sheet} for o in reading.omitidas],
        "por_archivo": por_archivo,
        "cuarentena_detalle": detalle,
        "conflictos_actividad": conflicts,
        "rut_invalidos": int(p_norm["rut_invalido"].sum()) if "rut_invalido" in p_norm else 0,
        "edades_invalidas": int(p_norm["edad_invalida"].sum()) if "edad_invalida" in p_norm else 0,
        "columnas_desconocidas": [{"archivo": h.archivo, "hoja": h.sheet, "columna": c}
                                  for h in reading.sheets for c in h.columnas_desconocidas],
    }


def _check_accounting(calidad: dict, asistencias: pd.DataFrame, actividades: pd.DataFrame, summary_kept: int) -> None:
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


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------
def write(result: CleanResult, processed: Path, asistencias: "_BackgroundParquet | None" = None) -> None:
    """Write the four processed files; the quarantine (raw personal values) is owner-only.

    `asistencias`: that table already being written in the background (`clean_year`). The
    other three are written to temporary names meanwhile; all four replace the old files
    only once every one of them has been written.
    """
    processed = Path(processed)
    processed.mkdir(parents=True, exist_ok=True)
    pending: list[tuple[Path, Path, int]] = []
    replaced: Path | None = None
    try:
        pending.append(_to_tmp(processed / "actividades.parquet", lambda p: _write_parquet(result.actividades, p)))
        pending.append(_to_tmp(processed / "cuarentena.csv",
                               lambda p: result.cuarentena.to_csv(p, index=False, encoding="utf-8"), mode=0o600))
        pending.append(_to_tmp(processed / "calidad.json",
                               lambda p: Path(p).write_text(json.dumps(result.calidad, ensure_ascii=False),
                                                            encoding="utf-8")))
        if asistencias is not None and asistencias.frame is result.asistencias:
            asistencias.finish()
            replaced = asistencias.replaced
        else:
            tmp, target, mode = _to_tmp(processed / "asistencias.parquet", lambda p: _write_parquet(result.asistencias, p),
                                        mode=0o600)
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
_PLAIN_PARQUET_COLUMNS = {"persona", ingest.FILA}


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


class _BackgroundParquet:
    """One parquet file written by a thread into a temporary name, moved into place by `finish`."""

    def __init__(self, target: Path, mode: int = 0o644):
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


def _to_tmp(target: Path, writer, mode: int = 0o644) -> tuple[Path, Path, int]:
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
