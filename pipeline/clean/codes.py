"""Integer codes of categorical columns: the small helpers every cleaning step shares.

Columns are handled through their codes and categories, never one object per row.
"""
from __future__ import annotations


import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.ingest.sheets import Sheet, unique_categories


def values_at(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    """Objects of `values` at `rows` (positions or a boolean mask), without converting the rest."""
    return values.iloc[rows].to_numpy(dtype=object)


def int_codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """(int64 code per row, -1 = missing; number of codes): equal values, equal codes."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype(np.int64), len(values.cat.categories)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64), len(uniques)


def str_from_codes(codes: np.ndarray, uniques) -> pd.Series:
    """String column from integer codes (-1 = missing) with one arrow `take`, no per-row objects."""
    codes = np.asarray(codes)
    dictionary = uniques if isinstance(uniques, pa.Array) else pa.array(list(uniques), type=pa.large_string())
    arr = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0, type=pa.int64()), dictionary)
    return pd.Series(arr.cast(pa.large_string()), dtype="str")


def source(sheets: list[Sheet], seq: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """(archivo, hoja) of each row from its sheet number."""
    seq = np.asarray(seq, dtype=np.int64)
    return str_from_codes(seq, [h.archivo for h in sheets]), str_from_codes(seq, [h.sheet for h in sheets])


def category_text(values: pd.Series) -> pa.Array:
    """The categories of a categorical column as one arrow text array (no str per value)."""
    return pa.array(values.cat.categories, type=pa.large_string())


def used_codes(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(codes renumbered over the values in use, -1 = missing; the old codes of those values)."""
    codes = codes.astype(np.int64)
    used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=n))
    remap = np.full(n + 1, -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return remap[codes], used


def cat_from_codes(codes: np.ndarray, categories) -> pd.Series:
    """Categorical (str categories, all in use, -1 = missing) without re-validating the codes."""
    dtype = unique_categories(categories if isinstance(categories, pa.Array) else list(categories))
    return pd.Series(pd.Categorical.from_codes(np.asarray(codes), dtype=dtype, validate=False))


def cat_used_codes(codes: np.ndarray, values: list[str]) -> pd.Series:
    used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(values)))
    remap = np.full(len(values) + 1, -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    return cat_from_codes(remap[codes], [values[i] for i in used])


def cat_used(values: pd.Series) -> pd.Series:
    """A categorical column keeping only the categories in use (as a str column's distinct values)."""
    codes, uniques = factorize_used(values)
    return cat_from_codes(codes, uniques)


def factorize_used(values: pd.Series) -> tuple[np.ndarray, list]:
    """(code per row, -1 = missing; the values those codes name), keeping only values in use."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, used = used_codes(values.cat.codes.to_numpy(), len(values.cat.categories))
        return codes, values.cat.categories[used].tolist()
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64), list(uniques)


def codes_of(values: pd.Series) -> np.ndarray:
    """Integer code per row (equal values, equal codes) without boxing a million objects."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy()
    if values.dtype.kind == "M":
        return values.to_numpy().view("int64")
    return pd.factorize(values, use_na_sentinel=True)[0]
