"""Persons (clean/persons.py): duplicates within an activity by valid RUT, else by name; the
attendance table carries pseudonyms, never RUTs."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.clean.persons import person_duplicates


def test_people_without_rut_are_told_apart_by_name_whatever_the_number_of_ruts():
    """Duplicates by name are numbered after every RUT: a year with many RUTs and a few
    unnamed-RUT rows (small integer codes) still tells two names apart (found by the sample
    generator's test: 726 RUTs overflowed the names' 8-bit codes)."""
    n = 300
    ruts = [f"{10_000_000 + i}-K" for i in range(n)] + [None, None, None]
    norm = pd.DataFrame({
        "rut": pd.Series(ruts, dtype="category"),
        "_nombre_fold": pd.Series([None] * n + ["ana diaz", "ana diaz", "luis rojas"], dtype="category"),
        "clave_actividad": pd.Series(["a"] * (n + 3), dtype="category"),
    })
    dup = person_duplicates(norm, np.ones(n + 3, dtype=bool))
    assert dup.tolist() == [False] * n + [False, True, False]
