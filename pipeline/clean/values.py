"""Value normalisers (data contract §3): one function per kind of column.

Every normaliser takes a column of text (pandas string Series, missing = NA) and
returns a new Series aligned with it. Work is done once per *distinct* value
(`_per_unique`) or with pyarrow kernels, never in a Python loop per row, so a
million rows cost about as much as their few thousand distinct values.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz.distance import Levenshtein
from rapidfuzz import process as fuzz_process

from pipeline import config
from pipeline import reference
from pipeline import schema
from pipeline.ingest.read import unique_categories
from pipeline.text import collapse_spaces, fold, squash

SIN_INFO = schema.SIN_INFORMACION


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _per_unique(series: pd.Series, func: Callable[[str], object], categorical: bool = False) -> pd.Series:
    """Apply `func` once per distinct non-missing value; missing stays missing.

    With `categorical=True` the result is a Categorical built from codes (no copy of
    a million strings); `func` may return None for "missing".
    """
    return per_unique_many(series, [func], categorical)[0]


def per_unique_many(series: pd.Series, funcs: list[Callable[[str], object]],
                    categorical: bool = False) -> list[pd.Series]:
    """`_per_unique` of several functions over one column, its distinct values found once."""
    codes, dictionary = _dictionary(series)
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
        codes, dictionary = _dictionary(series)
        table = np.append(pc.equal(pc.utf8_trim_whitespace(dictionary), "").to_numpy(zero_copy_only=False), True)
        return pd.Series(table[codes], index=series.index)
    arr = _arrow(series)
    blank = pc.or_kleene(pc.is_null(arr), pc.equal(pc.utf8_trim_whitespace(arr), ""))
    return pd.Series(blank.to_numpy(zero_copy_only=False), index=series.index).fillna(True).astype(bool)


def _arrow(series: pd.Series) -> pa.ChunkedArray | pa.Array:
    try:
        arr = pa.array(series, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        arr = pa.array(series.astype(object).where(series.notna(), None).map(
            lambda v: v if v is None else str(v)), type=pa.large_string(), from_pandas=True)
    return arr


class _FoldTable(dict):
    """str.translate table of `text.fold` per character, filled on first sight of each one.

    Exact: NFKD decomposes one character at a time and only reorders combining marks,
    which fold drops; Python's only context-dependent lower case (final sigma) gives a
    non-[0-9a-z] character either way. So fold(s) == squash-punctuation(s.translate(table)).
    """

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
        self[code] = out
        return out


_FOLD_TABLE = _FoldTable()
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


class _FoldAlnumTable(dict):
    """`_FOLD_TABLE` with every character other than [0-9a-z] in its output turned into a space."""

    def __missing__(self, code: int) -> str:
        out = "".join(c if c in _ALNUM else " " for c in _FOLD_TABLE[code])
        self[code] = out
        return out


_ALNUM = frozenset("0123456789abcdefghijklmnopqrstuvwxyz")
_FOLD_ALNUM_TABLE = _FoldAlnumTable()


def fold_fast(value: str) -> str:
    """`text.fold` of one string, several times faster (C-level translate, split and join).

    After the translate only [0-9a-z] and spaces are left, so splitting on whitespace and
    joining with one space is exactly `text.fold`'s "runs of punctuation → one space, strip".
    """
    return " ".join(value.translate(_FOLD_ALNUM_TABLE).split())


def collapse_fast(value: str) -> str:
    """`text.collapse_spaces` of one string: `\\s` and `str.split` see the same whitespace."""
    return " ".join(value.split())


def fold_series(series: pd.Series) -> pd.Series:
    """`text.fold` vectorised with pyarrow kernels (NFKD, drop marks, lower, punctuation → space)."""
    arr = _arrow(series)
    arr = pc.utf8_normalize(arr, "NFKD")
    arr = pc.replace_substring_regex(arr, r"\p{Mn}+", "")
    arr = pc.utf8_lower(arr)
    arr = pc.replace_substring_regex(arr, r"[^0-9a-z]+", " ")
    arr = pc.utf8_trim(arr, " ")
    return pd.Series(arr.to_pandas(types_mapper=pd.ArrowDtype).astype("str"), index=series.index)


# ---------------------------------------------------------------------------
# fecha
# ---------------------------------------------------------------------------
_DATE_FORMATS = [
    ("%Y-%m-%d", r"^\d{4}-\d{1,2}-\d{1,2}$"),
    ("%Y-%m-%d %H:%M:%S", r"^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}$"),
    ("%Y-%m-%dT%H:%M:%S", r"^\d{4}-\d{1,2}-\d{1,2}T\d{1,2}:\d{2}:\d{2}$"),
    ("%d/%m/%Y", r"^\d{1,2}/\d{1,2}/\d{4}$"),
    ("%d-%m-%Y", r"^\d{1,2}-\d{1,2}-\d{4}$"),
    ("%d.%m.%Y", r"^\d{1,2}\.\d{1,2}\.\d{4}$"),
]
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
    text = pd.Series(uniques, dtype="str").str.strip()
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


# ---------------------------------------------------------------------------
# comuna
# ---------------------------------------------------------------------------
ESTADO_OFICIAL = "oficial"
ESTADO_ALIAS = "alias"
ESTADO_CORREGIDA = "corregida"
ESTADO_OTRA_REGION = "comuna_de_otra_region"
ESTADO_DESCONOCIDA = "comuna_desconocida"
ESTADO_AMBIGUA = "comuna_ambigua"
ESTADO_FALTANTE = "comuna_faltante"
ESTADOS_VALIDOS = {ESTADO_OFICIAL, ESTADO_ALIAS, ESTADO_CORREGIDA}


@dataclass(frozen=True)
class ComunaMatch:
    cut_comuna: str | None
    estado: str


class ComunaMatcher:
    """Typed comuna → (cut_comuna, estado), in the order of data contract §3.

    Aliases: every kind in `reference.aliases()` counts, `nombre_capital_comunal`
    included (`Puerto Natales` is the town that seats the comuna Natales; every alias key
    maps to one comuna only, so no ambiguity comes from them). Step (3) also knows the
    aliases of other regions, so `Puerto Natales` typed in Coquimbo is a comuna of another
    region rather than an unknown one.
    """

    def __init__(self, region: str):
        reg = reference.region(region)
        comunas = reference.comunas()
        aliases = reference.aliases()
        in_region = comunas["cut_region"] == reg.cut
        self.region = reg
        self.official: dict[str, str] = {fold(n): c for n, c in zip(comunas.loc[in_region, "comuna"],
                                                                     comunas.loc[in_region, "cut_comuna"])}
        region_cuts = set(self.official.values())
        self.alias: dict[str, str] = {
            k: c for k, c in zip(aliases["clave"], aliases["cut_comuna"]) if c in region_cuts and k not in self.official
        }
        self.other: dict[str, str] = {fold(n): c for n, c in zip(comunas.loc[~in_region, "comuna"],
                                                                  comunas.loc[~in_region, "cut_comuna"])}
        self.other.update({k: c for k, c in zip(aliases["clave"], aliases["cut_comuna"])
                           if c not in region_cuts and k not in self.other})
        # fuzzy targets: official names and aliases of the region, grouped by comuna
        self._targets = list(self.official) + list(self.alias)
        self._target_cut = [self.official.get(t) or self.alias[t] for t in self._targets]

    def match_one(self, typed: object) -> ComunaMatch:
        key = fold(typed)
        if not key:
            return ComunaMatch(None, ESTADO_FALTANTE)
        if key in self.official:
            return ComunaMatch(self.official[key], ESTADO_OFICIAL)
        if key in self.alias:
            return ComunaMatch(self.alias[key], ESTADO_ALIAS)
        if key in self.other:
            return ComunaMatch(self.other[key], ESTADO_OTRA_REGION)
        hits = fuzz_process.extract(key, self._targets, scorer=Levenshtein.distance,
                                    score_cutoff=config.COMUNA_MAX_DISTANCE, limit=None)
        cuts = {self._target_cut[i] for _, _, i in hits}
        if len(cuts) == 1:
            return ComunaMatch(cuts.pop(), ESTADO_CORREGIDA)
        return ComunaMatch(None, ESTADO_AMBIGUA if cuts else ESTADO_DESCONOCIDA)

    def match(self, series: pd.Series) -> pd.DataFrame:
        """Frame with `cut_comuna` and `estado_comuna` (both categorical), aligned with `series`."""
        codes, dictionary = _dictionary(series)
        results = [self.match_one(u) for u in dictionary.to_pylist()] + [ComunaMatch(None, ESTADO_FALTANTE)]
        return pd.DataFrame({
            "cut_comuna": _categorical([r.cut_comuna for r in results], codes),
            "estado_comuna": _categorical([r.estado for r in results], codes),
        }, index=series.index)


def _categorical(per_unique: list, codes: np.ndarray) -> pd.Categorical:
    """Categorical (sorted categories, as `pd.Categorical(values)` gives) of per_unique[codes]."""
    cats = sorted({v for v in per_unique if v is not None})
    lookup = {v: i for i, v in enumerate(cats)}
    table = np.array([lookup[v] if v is not None else -1 for v in per_unique], dtype=np.int32)
    return pd.Categorical.from_codes(table[codes], categories=pd.Index(cats, dtype=object))


@lru_cache(maxsize=None)
def comuna_matcher(region: str) -> ComunaMatcher:
    return ComunaMatcher(region)


# ---------------------------------------------------------------------------
# sexo, zona, tipo_organizacion, tipo_actividad, linea
# ---------------------------------------------------------------------------
_SEXO = {
    **{k: schema.SEXO_MUJER for k in ("mujer", "f", "femenino", "fem", "2", "mujeres")},
    **{k: schema.SEXO_HOMBRE for k in ("hombre", "m", "masculino", "masc", "1", "hombres")},
}


def sexo_one(value: object) -> str:
    key = squash(value)
    if key.endswith("0") and key[:-1] in ("1", "2") and str(value).strip() in ("1.0", "2.0"):
        key = key[:-1]  # a numeric Excel cell read as 1.0 / 2.0
    return _SEXO.get(key, SIN_INFO)


def sexo(series: pd.Series) -> pd.Series:
    """`Mujer`, `Hombre` or `Sin información` (INE codes 1 = Hombre, 2 = Mujer)."""
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


# ---------------------------------------------------------------------------
# rut
# ---------------------------------------------------------------------------
_RUT_CLEAN = r"[\s.\-‐‑–]+"


def rut(series: pd.Series) -> pd.Series:
    """Normalised RUT `12345678-K` where the check digit (módulo 11) is right, else NA.

    Dots, dashes and spaces are ignored, `k` is `K`, leading zeros of the body dropped.
    Vectorised with pyarrow kernels over the distinct values.
    """
    indices, dictionary = _dictionary(series)
    valid = _rut_valid(dictionary)
    out = valid.take(pa.array(indices, mask=indices < 0, type=pa.int64()))
    return pd.Series(out, index=series.index, dtype="str")


def rut_codes(series: pd.Series) -> pd.Series:
    """`rut` as a categorical (one category per distinct valid RUT), without a string per row."""
    return rut_codes_blank(series)[0]


def rut_codes_blank(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(`rut_codes`, `is_blank` as a bool array) of one column, its distinct values found once."""
    indices, dictionary = _dictionary(series)
    blank = np.append(pc.equal(pc.utf8_trim_whitespace(dictionary), "").to_numpy(zero_copy_only=False), True)[indices]
    encoded = pc.dictionary_encode(_rut_valid(dictionary))  # several typings → one RUT
    table = np.append(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64), -1)
    # categories stay arrow strings (no Python str per RUT); a dictionary is unique, so the
    # dtype is built as is, without pandas re-checking hundreds of thousands of categories
    dtype = unique_categories(encoded.dictionary)
    return pd.Series(pd.Categorical.from_codes(table[indices], dtype=dtype, validate=False), index=series.index), blank


def _dictionary(series: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """(code per row, -1 = missing, distinct values as an arrow array) via arrow's hash kernel.

    A categorical column (as `ingest` reads a CSV) is already that: its codes and categories.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int64)
        return codes, pa.array(series.cat.categories.astype("str"), type=pa.large_string())
    encoded = pc.dictionary_encode(_arrow(series))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks() if encoded.num_chunks else pa.array([], pa.dictionary(pa.int32(), pa.large_string()))
    indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return indices, encoded.dictionary


_DV_CHARS = pa.array(["?", "1", "2", "3", "4", "5", "6", "7", "8", "9", "K", "0"], type=pa.large_string())


def _rut_valid(arr: pa.Array) -> pa.Array:
    """Arrow kernels only: the normalised RUT where it validates, null elsewhere."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr, ok = _rut_strip_upper(arr)
    body_txt = pc.utf8_ltrim(pc.utf8_slice_codeunits(arr, 0, -1), "0")
    dv = pc.utf8_slice_codeunits(arr, -1)
    blen = pc.utf8_length(body_txt)
    long_ok = pc.and_(ok, pc.and_(pc.greater_equal(blen, 1), pc.less_equal(blen, 9)))
    long_ok = pc.fill_null(long_ok, False)
    body = pc.cast(pc.if_else(long_ok, body_txt, "0"), pa.int64()).to_numpy(zero_copy_only=False)
    expected = pa.DictionaryArray.from_arrays(pa.array(_check_value(body), type=pa.int32()), _DV_CHARS)
    good = pc.and_(long_ok, pc.and_(pa.array(body > 0), pc.equal(expected.cast(pa.large_string()), dv)))
    joined = pc.binary_join_element_wise(body_txt, dv, pa.scalar("-", type=pa.large_string()))
    return pc.if_else(pc.fill_null(good, False), joined, pa.scalar(None, type=joined.type))


_RUT_SHAPE = r"^[0-9]{1,12}[0-9K]$"


def _rut_strip_upper(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(`arr` without the separators of `_RUT_CLEAN`, upper case; whether that is shaped like a RUT).

    Literal removal of `.` and `-` first (several times faster than the regex); the regex
    only runs on the values not shaped like a RUT after that: wherever the two removals
    could differ (whitespace or other dashes left) the value is not. ASCII upper case is
    enough: no other character's upper case is a digit or `K`, so the shape is the same.
    """
    quick = pc.ascii_upper(pc.replace_substring(pc.replace_substring(arr, ".", ""), "-", ""))
    ok = pc.fill_null(pc.match_substring_regex(quick, _RUT_SHAPE), False)
    rest = np.flatnonzero(~ok.to_numpy(zero_copy_only=False))
    if len(rest) == 0:
        return quick, ok
    fixed = pc.ascii_upper(pc.replace_substring_regex(arr.take(pa.array(rest)), _RUT_CLEAN, ""))
    fixed_ok = pc.fill_null(pc.match_substring_regex(fixed, _RUT_SHAPE), False)
    pos = np.full(len(arr), -1, dtype=np.int64)
    pos[rest] = np.arange(len(rest))
    # every value from `quick`, except the ones re-cleaned by the regex
    pick = pa.array(np.where(pos >= 0, len(arr) + pos, np.arange(len(arr))))
    merged = pa.chunked_array([quick, fixed.cast(quick.type)]).combine_chunks().take(pick)
    merged_ok = pa.chunked_array([ok, fixed_ok]).combine_chunks().take(pick)
    return merged, merged_ok


def _check_value(body: np.ndarray) -> np.ndarray:
    """11 − (weighted sum mod 11), 1..11 (index into the check-digit characters)."""
    total = np.zeros_like(body)
    rest = body.copy()
    weight = 2
    for _ in range(10):
        total += (rest % 10) * weight
        rest //= 10
        weight = 2 if weight == 7 else weight + 1
    return 11 - (total % 11)


def _check_digits(body: np.ndarray) -> np.ndarray:
    """Módulo 11 check digit of each body (vectorised: weights 2..7 from the right)."""
    value = _check_value(body)
    digits = np.array(["?", "1", "2", "3", "4", "5", "6", "7", "8", "9", "K", "0"], dtype=object)
    return digits[value]


def check_digit(body: int) -> str:
    """Check digit of one RUT body (for tests and messages)."""
    return str(_check_digits(np.array([body], dtype=np.int64))[0])


# ---------------------------------------------------------------------------
# edad
# ---------------------------------------------------------------------------
def edad(series: pd.Series) -> pd.Series:
    """Whole years 0–110 as Int64; anything else (blank, 12.5, -1, 'veinte') is NA."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    num = pd.to_numeric(pd.Series(uniques, dtype="str").str.strip(), errors="coerce")
    num = num.where((num >= 0) & (num <= 110) & (num == np.floor(num)))
    table = np.append(num.to_numpy(dtype=float, na_value=np.nan), np.nan)
    return pd.Series(table[codes], index=series.index).astype("Int64")


# ---------------------------------------------------------------------------
# counts of summaries
# ---------------------------------------------------------------------------
def conteo(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(count as Int64 or NA, invalid flag) — a count is a non-negative whole number."""
    blank = is_blank(series)
    num = pd.to_numeric(series.astype("str").str.strip().where(~blank), errors="coerce")
    good = (num >= 0) & (num == np.floor(num)) & (num < 10**9)
    value = num.where(good).astype("Float64").astype("Int64")
    invalid = ~blank & ~good.fillna(False).astype(bool)
    return value, invalid
