"""The activities table's majority rule (clean/activity_table.py): one value per activity,
the most frequent informed one; a tie goes to the value seen first; a conflict is reported."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.clean.activity_table import _majority


def _pick(groups, values, missing=None):
    values = pd.Series(values, dtype="category")
    gid = np.asarray(groups)
    missing = np.asarray(missing if missing is not None else values.isna().to_numpy())
    rows, clash = _majority(gid, values, missing, int(gid.max()) + 1)
    return [values.iloc[r] for r in rows], sorted(set(clash["g"]))


def test_the_most_frequent_value_wins_and_the_group_is_a_conflict():
    chosen, conflicts = _pick([0, 0, 0, 1, 1], ["Ovalle", "Ovalle", "Illapel", "Coquimbo", "Coquimbo"])
    assert chosen == ["Ovalle", "Coquimbo"] and conflicts == [0]


def test_a_tie_goes_to_the_value_seen_first():
    chosen, conflicts = _pick([0, 0, 0, 0], ["Taller", "Charla", "Charla", "Taller"])
    assert chosen == ["Taller"] and conflicts == [0]


def test_an_informed_value_beats_a_more_frequent_missing_one():
    values = ["Sin información", "Sin información", "Urbana"]
    chosen, conflicts = _pick([0, 0, 0], values, missing=[True, True, False])
    assert chosen == ["Urbana"] and conflicts == []  # missing values are no conflict


def test_groups_that_agree_take_their_first_row():
    values = pd.Series(["a", "a", "b", "b"], dtype="category")
    rows, clash = _majority(np.array([1, 1, 0, 0]), values, np.zeros(4, bool), 2)
    assert rows.tolist() == [2, 0] and clash.empty

