"""Value normalisers (data contract §3): one function per kind of column.

Every normaliser takes a column of text (pandas string Series, missing = NA) and
returns a new Series aligned with it. Work is done once per *distinct* value
(`_per_unique`) or with pyarrow kernels, never in a Python loop per row, so a
million rows cost about as much as their few thousand distinct values.
"""
from __future__ import annotations

import re
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import schema
from pipeline.ingest.sheets import unique_categories
from pipeline.text import collapse_spaces, fold, squash


SIN_INFO = schema.SIN_INFORMACION


def _per_unique(series: pd.Series, func: Callable[[str], object], categorical: bool = False) -> pd.Series:
    """Apply `func` once per distinct non-missing value; missing stays missing.

    With `categorical=True` the result is a Categorical built from codes (no copy of
    a million strings); `func` may return None for "missing".
    """
    return per_unique_many(series, [func], categorical)[0]


def per_unique_many(series: pd.Series, funcs: list[Callable[[str], object]],
                    categorical: bool = False) -> list[pd.Series]:
    """`_per_unique` of several functions over one column, its distinct values found once."""
    codes, dictionary = distinct_codes(series)
    uniques = dictionary.to_pylist()
    out = []
    for func in funcs:
        mapped = [func(u) for u in uniques]
        if categorical:
            # distinct results in order of first appearance (None = missing), one hash pass
            mapped_codes, cats = pd.factorize(np.array(mapped + [None], dtype=object), use_na_sentinel=True)
            table = mapped_codes.astype(np.int32)  # codes == -1 picks the trailing None (missing)
            dtype = unique_categories(cats, dtype=object)
            out.append(pd.Series(pd.Categorical.from_codes(table[codes], dtype=dtype, validate=False),
                                 index=series.index))
        else:
            table = np.array(mapped + [None], dtype=object)
            out.append(pd.Series(table[codes], index=series.index, dtype=object))
    return out


def is_blank(series: pd.Series) -> pd.Series:
    """True where a cell is missing or only whitespace."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes, dictionary = distinct_codes(series)
        table = np.append(pc.equal(pc.utf8_trim_whitespace(dictionary), "").to_numpy(zero_copy_only=False), True)
        return pd.Series(table[codes], index=series.index)
    arr = as_arrow(series)
    blank = pc.or_kleene(pc.is_null(arr), pc.equal(pc.utf8_trim_whitespace(arr), ""))
    return pd.Series(blank.to_numpy(zero_copy_only=False), index=series.index).fillna(True).astype(bool)


def as_arrow(series: pd.Series) -> pa.ChunkedArray | pa.Array:
    try:
        arr = pa.array(series, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array(series.astype(object).where(series.notna(), None).map(
            lambda v: v if v is None else str(v)), type=pa.large_string(), from_pandas=True)
    return arr


def distinct_codes(series: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """(code per row, -1 = missing, distinct values as an arrow array) via arrow's hash kernel.

    A categorical column (as `ingest` reads a CSV) is already that: its codes and categories.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int64)
        return codes, pa.array(series.cat.categories.astype("str"), type=pa.large_string())
    encoded = pc.dictionary_encode(as_arrow(series))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks() if encoded.num_chunks else pa.array([], pa.dictionary(pa.int32(), pa.large_string()))
    indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return indices, encoded.dictionary


_DATE_FORMATS = [
    ("%Y-%m-%d", r"^\d{4}-\d{1,2}-\d{1,2}$"),
    ("%Y-%m-%d %H:%M:%S", r"^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}$"),
    ("%Y-%m-%dT%H:%M:%S", r"^\d{4}-\d{1,2}-\d{1,2}T\d{1,2}:\d{2}:\d{2}$"),
    ("%d/%m/%Y", r"^\d{1,2}/\d{1,2}/\d{4}$"),
    ("%d-%m-%Y", r"^\d{1,2}-\d{1,2}-\d{4}$"),
    ("%d.%m.%Y", r"^\d{1,2}\.\d{1,2}\.\d{4}$"),
    ("%Y/%m/%d", r"^\d{4}/\d{1,2}/\d{1,2}$"),
]
# a time after a date (not after an ISO date: those have their own formats above)
_TIME_OF_DAY = r"(?i)^(\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}/\d{1,2}/\d{1,2})\s+\d{1,2}:\d{2}(?::\d{2})?\b.*$"


_SERIAL = r"^\d{1,7}(\.0+)?$"


_EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # 1900 date system, Lotus leap-year bug included


_SERIAL_MAX = 2_958_465  # 9999-12-31


def fecha(series: pd.Series) -> pd.Series:
    """Dates of every form of the contract, day first; NaT where missing or impossible.

    Parsing is done on the distinct values with one `pd.to_datetime` pass per format
    (each pass only sees the values shaped like that format, so `31/02/2017` is NaT,
    never re-read month-first).
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    # the time of day never matters: a form's «12/04/2019 10:35:12» or «2019/04/12 10:35:12 a. m.
    # GMT-4» is its date
    text = pd.Series(uniques, dtype="str").str.strip().str.replace(_TIME_OF_DAY, r"\1", regex=True)
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[s]")
    for fmt, pattern in _DATE_FORMATS:
        mask = text.str.match(pattern).fillna(False).to_numpy(bool)
        if mask.any():
            parsed[mask] = pd.to_datetime(text[mask], format=fmt, errors="coerce").astype("datetime64[s]")
    serial = text.str.match(_SERIAL).fillna(False).to_numpy(bool)
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce")
        days = days.where((days >= 1) & (days <= _SERIAL_MAX))
        parsed[serial] = (_EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).astype("datetime64[s]")
    # time of day never matters: keep the date
    table = np.append(parsed.dt.normalize().to_numpy("datetime64[s]"), np.datetime64("NaT", "s"))
    return pd.Series(table[codes], index=series.index)


_SEXO = {
    **{k: schema.SEXO_MUJER for k in ("mujer", "f", "femenino", "fem", "2", "mujeres")},
    **{k: schema.SEXO_HOMBRE for k in ("hombre", "h", "m", "masculino", "masc", "1", "hombres")},
}
# `m` here is the F/M reading; what M means is decided per file (`clean.sex_codes`)


def sexo_one(value: object) -> str:
    key = squash(value)
    if key.endswith("0") and key[:-1] in ("1", "2") and str(value).strip() in ("1.0", "2.0"):
        key = key[:-1]  # a numeric Excel cell read as 1.0 / 2.0
    return _SEXO.get(key, SIN_INFO)


def sexo(series: pd.Series) -> pd.Series:
    """`Mujer`, `Hombre` or `Sin información` (INE codes 1 = Hombre, 2 = Mujer; the letter M as
    in F/M: `clean.sex_codes.sexo` reads it per file)."""
    return _categories(_per_unique(series, sexo_one, categorical=True), schema.SEXOS)


def zona_one(value: object) -> str:
    key = squash(value)
    if key in ("urbano", "urbana", "u"):
        return "Urbano"
    if key in ("rural", "r"):
        return "Rural"
    return SIN_INFO


def zona(series: pd.Series) -> pd.Series:
    return _categories(_per_unique(series, zona_one, categorical=True), schema.ZONAS)


_JUNTA_KEYS = {"jjvv", "jv", "juntadevecinos", "juntadevecino", "juntavecinal", "juntasdevecinos",
               "juntasvecinales", "unionjuntadevecinos", "ujv"}


def tipo_organizacion_one(value: object) -> str:
    folded = fold(value)
    if not folded:
        return SIN_INFO
    key = folded.replace(" ", "")
    if "comit" in key and "vivienda" in key:
        return "Comité de Vivienda"
    if key in _JUNTA_KEYS or folded.startswith(("junta de vecinos", "junta vecinal", "jjvv", "junta de vecino")):
        return "Junta de Vecinos"
    return "Otras organizaciones"


def tipo_organizacion(series: pd.Series) -> pd.Series:
    return _categories(_per_unique(series, tipo_organizacion_one, categorical=True), schema.TIPOS_ORGANIZACION)


# (required words in the folded text, category) — first rule that fits wins
_TIPO_ACTIVIDAD_RULES: list[tuple[tuple[str, ...], str]] = [
    (("cosoc",), "Sesión COSOC"),
    (("consejo", "sociedad civil"), "Sesión COSOC"),
    (("cuenta publica",), "Cuenta pública"),
    (("escuela", "dirigente"), "Escuela de dirigentes"),
    (("capacitacion",), "Taller de capacitación"),
    (("taller", "particip"), "Taller participativo"),
    (("dialogo",), "Reunión de diálogo"),
    (("consulta",), "Consulta ciudadana"),
    (("difusion",), "Difusión comunitaria"),
    (("informativ",), "Jornada informativa"),
]


def tipo_actividad_one(value: object) -> str:
    folded = fold(value)
    if not folded:
        return SIN_INFO
    for words, category in _TIPO_ACTIVIDAD_RULES:
        if all(w in folded for w in words):
            return category
    return "Otra"


def tipo_actividad_markdown() -> str:
    """The README's table of the rules above, in the order they are tried (a test keeps them equal)."""
    lines = ["| en este orden: si el texto (sin tildes ni mayúsculas) contiene | se lee como |", "|---|---|"]
    lines += [f"| {' y '.join(f'«{w}»' for w in words)} | {category} |" for words, category in _TIPO_ACTIVIDAD_RULES]
    return "\n".join(lines) + "\n"


def tipo_actividad(series: pd.Series) -> pd.Series:
    return _categories(_per_unique(series, tipo_actividad_one, categorical=True), schema.TIPOS_ACTIVIDAD)


def linea_one(value: object) -> str:
    text = collapse_spaces(value).lower()
    return text[:1].upper() + text[1:] if text else SIN_INFO


def linea(series: pd.Series) -> pd.Series:
    """Display form: spaces collapsed, lower case with the first letter upper; blank → `Sin información`."""
    out = _per_unique(series, linea_one, categorical=True)
    if SIN_INFO not in out.cat.categories:
        out = out.cat.add_categories([SIN_INFO])
    return out.fillna(SIN_INFO)


def _categories(series: pd.Series, order: list[str]) -> pd.Series:
    """Fixed category list in display order; missing input → `Sin información`."""
    return series.cat.set_categories(order).fillna(SIN_INFO)


# a whole number of years, optionally with its unit: «45», «45.0», «45 años», «45 a.», «45años»
_EDAD = r"(?i)^\s*(\d{1,3})(?:[.,]0+)?\s*(?:a(?:ñ|n|nn)?os?\.?|a\.?)?\s*$"


def edad(series: pd.Series) -> pd.Series:
    """Whole years 0–110 as Int64, also written with a unit (`45 años`, `45 a.`); anything else
    (blank, 12.5, -1, `40-45`, 'veinte') is NA."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    text = pd.Series(uniques, dtype="str")
    num = pd.to_numeric(text.str.extract(_EDAD, expand=False), errors="coerce")
    num = num.where((num >= 0) & (num <= 110))
    table = np.append(num.to_numpy(dtype=float, na_value=np.nan), np.nan)
    return pd.Series(table[codes], index=series.index).astype("Int64")


def age_problem(value: object) -> str:
    """What is wrong with an age that could not be read, without repeating it (an age is personal)."""
    text = collapse_spaces(value).lower()
    if re.fullmatch(r"\d+\s*(?:-|a|–|/|y)\s*\d+\s*(?:años?|a\.?)?", text):
        return "un rango de edades (escriba una sola edad)"
    if re.fullmatch(r"-?\d+(?:[.,]\d+)?\s*(?:años?|a\.?)?", text):
        number = float(re.sub(r"[^\d.,-]", "", text).replace(",", "."))
        return ("un número con decimales (escriba años cumplidos)" if not number.is_integer()
                else "un número fuera de 0 a 110")
    return "un texto que no es una edad (escríbala en números)"


def head_count(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(count as Int64 or NA, invalid flag) — a count is a non-negative whole number."""
    blank = is_blank(series)
    num = pd.to_numeric(series.astype("str").str.strip().where(~blank), errors="coerce")
    good = (num >= 0) & (num == np.floor(num)) & (num < 10**9)
    value = num.where(good).astype("Float64").astype("Int64")
    invalid = ~blank & ~good.fillna(False).astype(bool)
    return value, invalid
