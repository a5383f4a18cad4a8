"""RUT/RUN checking (módulo 11) with arrow kernels over the distinct values (data contract §3)."""
from __future__ import annotations


import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.ingest.sheets import unique_categories
from pipeline.clean.normalize import as_arrow, distinct_codes


_RUT_CLEAN = r"[\s.\-‐‑–]+"


def rut(series: pd.Series) -> pd.Series:
    """Normalised RUT `12345678-K` where the check digit (módulo 11) is right, else NA.

    Dots, dashes and spaces are ignored, `k` is `K`, leading zeros of the body dropped.
    Vectorised with pyarrow kernels over the distinct values.
    """
    indices, dictionary = distinct_codes(series)
    valid = _rut_valid(dictionary)
    out = valid.take(pa.array(indices, mask=indices < 0, type=pa.int64()))
    return pd.Series(out, index=series.index, dtype="str")


def rut_codes(series: pd.Series) -> pd.Series:
    """`rut` as a categorical (one category per distinct valid RUT), without a string per row."""
    return rut_codes_blank(series)[0]


def rut_codes_blank(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(`rut_codes`, `is_blank` as a bool array) of one column.

    Each value is checked where it stands (arrow kernels over the column, or over the
    categories of a categorical one); the RUTs are then told apart by their body as an
    integer (several typings of one RUT are one category), which hashes far faster than
    the text of a million distinct RUTs.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        indices, values = distinct_codes(series)
    else:
        indices, values = None, as_arrow(series)
        values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(values), ""), True).to_numpy(zero_copy_only=False)
    body, good = _rut_bodies(values)
    encoded = pc.dictionary_encode(pa.array(body, mask=~good))
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    if indices is not None:  # per category → per row (-1: missing)
        codes = np.append(codes, -1)[indices]
        blank = np.append(blank, True)[indices]
    # categories stay arrow strings (no Python str per RUT); they are unique (one per body),
    # so the dtype is built as is, without pandas re-checking hundreds of thousands of them
    dtype = unique_categories(_normalised(encoded.dictionary.to_numpy(zero_copy_only=False)))
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype, validate=False), index=series.index), blank


_DV_CHARS = pa.array(["?", "1", "2", "3", "4", "5", "6", "7", "8", "9", "K", "0"], type=pa.large_string())


def _rut_valid(arr: pa.Array) -> pa.Array:
    """Arrow kernels only: the normalised RUT where it validates, null elsewhere."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    body, good = _rut_bodies(arr)
    return pc.if_else(pa.array(good), _normalised(np.where(good, body, 1)), pa.scalar(None, type=pa.large_string()))


def _rut_bodies(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(body of each value as an integer, whether the value is a valid RUT): separators
    ignored, leading zeros dropped, a body of 1 to 9 digits, the check character right."""
    arr, ok = _rut_strip_upper(arr)
    body = pc.cast(pc.if_else(ok, pc.utf8_slice_codeunits(arr, 0, -1), "0"), pa.int64()).to_numpy(zero_copy_only=False)
    expected = pa.DictionaryArray.from_arrays(pa.array(_check_value(body), type=pa.int32()), _DV_CHARS)
    right = pc.fill_null(pc.equal(expected.cast(pa.large_string()), pc.utf8_slice_codeunits(arr, -1)), False)
    good = ok.to_numpy(zero_copy_only=False) & (body > 0) & (body < 10**9) & right.to_numpy(zero_copy_only=False)
    return body, good


def _normalised(body: np.ndarray) -> pa.Array:
    """`12345678-K` of each body."""
    digits = _DV_CHARS.take(pa.array(_check_value(np.asarray(body, dtype=np.int64))))
    return pc.binary_join_element_wise(pc.cast(pa.array(body, type=pa.int64()), pa.large_string()), digits,
                                       pa.scalar("-", type=pa.large_string()))


_RUT_SHAPE = r"^[0-9]{1,12}[0-9K]$"


def _rut_strip_upper(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(`arr` without the separators of `_RUT_CLEAN`, upper case; whether that is shaped like a RUT).

    Literal removal of `.`, `-` and spaces first (several times faster than the regex); the regex
    only runs on the values not shaped like a RUT after that: wherever the two removals
    could differ (whitespace or other dashes left) the value is not. ASCII upper case is
    enough: no other character's upper case is a digit or `K`, so the shape is the same.
    """
    quick = arr
    for separator in (".", "-", " "):
        quick = pc.replace_substring(quick, separator, "")
    quick = pc.ascii_upper(quick)
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
