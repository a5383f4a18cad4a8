"""Categorical columns as arrow text (clean/codes.py): the categories, every one, in order."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa

from pipeline.clean.codes import category_text


def test_category_text_is_every_category_in_order_as_large_text():
    column = pd.Series(["Ovalle", "La Serena", None, "Ovalle"], dtype="category")
    column = column.cat.set_categories(["La Serena", "Ovalle", "Illapel"])  # Illapel: unused
    got = category_text(column)
    assert got.type == pa.large_string()
    # the codes of the column index this array: unused categories stay, missing values add none
    assert got.to_pylist() == ["La Serena", "Ovalle", "Illapel"]
    assert [got[c].as_py() for c in column.cat.codes if c >= 0] == ["Ovalle", "La Serena", "Ovalle"]


def test_category_text_of_an_empty_column_is_empty():
    assert category_text(pd.Series([], dtype="str").astype("category")).to_pylist() == []
