"""Person rows: sexo, edad, RUT, duplicates (same activity, same person) and the attendance
table, where the RUT leaves only as a keyed pseudonym.
"""
from __future__ import annotations


import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline import schema
from pipeline.ingest.sheets import FILA, Sheet
from pipeline.clean import normalize
from pipeline.clean import ruts
from pipeline.clean import sex_codes
from pipeline.clean import pseudonyms
from pipeline.clean.codes import category_text
from pipeline.text import fold


def person_fields(raw: pd.DataFrame, norm: pd.DataFrame, sheets: list[Sheet] | None = None) -> pd.DataFrame:
    """`norm` with the person values that do not depend on the RUT: sexo (the letter M read
    per file, `sex_codes`; `sexo_m_ambigua` where the file does not tell) and edad."""
    age = normalize.edad(raw["edad"])
    age_blank = normalize.is_blank(raw["edad"]).to_numpy()
    if sheets is None:
        sex, ambiguous = normalize.sexo(raw["sexo"]), np.zeros(len(raw), dtype=bool)
    else:
        sex, _readings, ambiguous = sex_codes.sexo(raw, sheets)
    return norm.assign(
        sexo=sex,
        sexo_m_ambigua=ambiguous,
        edad=age,
        edad_invalida=~age_blank & age.isna().to_numpy(),
    )


def person_values(raw: pd.DataFrame, norm: pd.DataFrame,
                   rut: tuple[pd.Series, np.ndarray] | None = None) -> pd.DataFrame:
    """`norm` (from `person_fields`) with the RUT and, where it decides duplicates, the folded name.

    `rut`: `ruts.rut_codes_blank(raw["rut"])` when already computed.
    """
    # categorical: duplicates and pseudonyms work on codes
    rut, rut_blank = rut if rut is not None else ruts.rut_codes_blank(raw["rut"])
    # names only matter (for duplicates) where no valid RUT identifies the person, in a
    # valid row, and only when another such row is in the same activity: only those few
    # rows are taken out and folded (elsewhere a name can never make a row a duplicate)
    activity = norm["clave_actividad"].cat.codes.to_numpy().astype(np.int64)
    candidate = (rut.cat.codes.to_numpy() < 0) & norm["motivo"].isna().to_numpy() & (activity >= 0)
    per_activity = np.bincount(activity[candidate], minlength=len(norm["clave_actividad"].cat.categories))
    named = np.flatnonzero(candidate & (per_activity[np.maximum(activity, 0)] >= 2))
    folded = normalize.per_unique_many(raw["nombre"].iloc[named].astype("str"), [lambda v: fold(v) or None],
                                       categorical=True)[0]
    name_codes = np.full(len(raw), -1, dtype=np.int32)
    name_codes[named] = folded.cat.codes.to_numpy()
    name_fold = pd.Series(pd.Categorical.from_codes(name_codes, dtype=folded.dtype), index=raw.index)
    return norm.assign(
        _nombre_fold=name_fold,
        rut=rut,
        rut_invalido=~rut_blank & rut.isna().to_numpy(),
    )


def person_duplicates(norm: pd.DataFrame, valid: np.ndarray) -> np.ndarray:
    """Second and later rows of one activity and one person (same valid RUT, else same name)."""
    dup = np.zeros(len(norm), dtype=bool)
    if not valid.any():
        return dup
    # a person is the RUT's category, else (no valid RUT) the folded name's, numbered after them
    person = norm["rut"].cat.codes.to_numpy().astype(np.int64)
    name_fold = norm.get("_nombre_fold")
    if name_fold is not None:
        named = (person < 0) & (name_fold.cat.codes.to_numpy() >= 0)
        person[named] = len(norm["rut"].cat.categories) + name_fold.cat.codes.to_numpy()[named].astype(np.int64)
    usable = valid & (person >= 0)
    pairs = pd.DataFrame({"actividad": norm["clave_actividad"].cat.codes.to_numpy()[usable], "persona": person[usable]})
    dup[usable] = pairs.duplicated(keep="first").to_numpy()
    return dup


def asistencias_table(norm: pd.DataFrame, keep: np.ndarray, sheets: list[Sheet],
                      rut_pseudonyms: pa.Array | None = None) -> pd.DataFrame:
    """One row per valid, non-duplicate person row; the RUT leaves as a keyed pseudonym only.

    `rut_pseudonyms`: those of every category of `norm["rut"]`, in order, when already made.
    Repeated text columns stay categorical (written to parquet dictionary-encoded).
    """
    kept = norm.loc[keep].reset_index(drop=True)
    if rut_pseudonyms is None:
        rut_pseudonyms = pseudonyms.pseudonym_array(category_text(norm["rut"]))
    seq = kept["_sheet"].to_numpy().astype(np.int64)
    return pd.DataFrame({
        "clave_actividad": kept["clave_actividad"].cat.remove_unused_categories(),
        # one pseudonym per RUT category (AES-CMAC is one-to-one on RUTs)
        "persona": kept["rut"].cat.rename_categories(rut_pseudonyms.to_pylist()).cat.remove_unused_categories(),
        "sexo": kept["sexo"].cat.remove_unused_categories(),
        "edad": kept["edad"].astype("Int64"),
        "archivo": pd.Series([h.file for h in sheets], dtype="str").iloc[seq].reset_index(drop=True).astype("category"),
        "hoja": pd.Series([h.name for h in sheets], dtype="str").iloc[seq].reset_index(drop=True).astype("category"),
        "fila": kept[FILA].astype("int64"),
    })[schema.ASISTENCIAS_COLUMNS]
