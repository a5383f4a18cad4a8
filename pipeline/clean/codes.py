"""Categorical columns as arrow text: their categories in one arrow array, for the kernels
that work on distinct values (pseudonyms, the personal-data screen)."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa


def category_text(values: pd.Series) -> pa.Array:
    """The categories of a categorical column as one arrow text array."""
    return pa.array(values.cat.categories, type=pa.large_string())
