"""Activity-level values of each row (data contract §3–§4): dates, comunas, titles, the
activity key, the labels shown, and the head counts of summary rows.
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from pipeline import schema
from pipeline.ingest.sheets import FILA, SHIFTED
from pipeline.clean import normalize
from pipeline.clean import comunas
from pipeline.text import collapse_spaces, fold

from pipeline.clean.quarantine import Reasons, first_reason, too_long_cells


def activity_values(raw: pd.DataFrame, year: int, matcher: comunas.ComunaMatcher) -> pd.DataFrame:
    """Normalised activity-level values and the first quarantine reason of each row."""
    n = len(raw)
    reasons = Reasons(n)
    # a row that does not fit its header first: none of its cells can be trusted
    reasons.add(raw[SHIFTED].to_numpy(dtype=bool), "columnas_desplazadas")
    too_long = np.zeros(n, dtype=bool)
    for c in schema.ACTIVITY_COLUMNS + schema.PERSON_COLUMNS + schema.SUMMARY_COUNT_COLUMNS:
        if c in raw and n:
            long_ = too_long_cells(raw[c])
            if long_ is not None:
                too_long |= long_
    reasons.add(too_long, "celda_demasiado_larga")

    date = normalize.fecha(raw["fecha"])
    date_blank = normalize.is_blank(raw["fecha"]).to_numpy()
    reasons.add(date_blank, "fecha_faltante")
    date_nat = date.isna().to_numpy()
    reasons.add(date_nat, "fecha_invalida")
    # within the year: between its first second and the next year's (NaT is below both)
    seconds = date.to_numpy("datetime64[s]").view(np.int64)
    first_s, next_s = (np.array([year, year + 1]) - 1970).astype("datetime64[Y]").astype("datetime64[s]").view(np.int64)
    reasons.add(date_nat | (seconds < first_s) | (seconds >= next_s), "fecha_fuera_de_anio")

    com = matcher.match(raw["comuna"])
    status = com["estado_comuna"].cat
    for code in ("comuna_faltante", "comuna_de_otra_region", "comuna_ambigua", "comuna_desconocida"):
        if code in status.categories:
            reasons.add(status.codes.to_numpy() == status.categories.get_loc(code), code)

    id_fold = normalize.per_unique_many(raw["id_actividad"], [_folded], categorical=True)[0]
    act_fold = normalize.per_unique_many(raw["actividad"], [_folded], categorical=True)[0]
    reasons.add((id_fold.cat.codes.to_numpy() < 0) & (act_fold.cat.codes.to_numpy() < 0), "actividad_faltante")

    out = pd.DataFrame({
        "fecha": date,
        "cut_comuna": com["cut_comuna"],
        "estado_comuna": com["estado_comuna"],
        "id_fold": id_fold,
        "act_fold": act_fold,
        "motivo": reasons.series(raw.index),
        "_sheet": raw["_sheet"],
        FILA: raw[FILA],
    }, index=raw.index)
    out["clave_actividad"] = _activity_keys(out)
    return out


def _folded(v: str) -> str | None:
    return fold(v) or None


def _spaced(v: str) -> str | None:
    return collapse_spaces(v) or None


def activity_labels(raw: pd.DataFrame, norm: pd.DataFrame) -> pd.DataFrame:
    """`norm` with the values the activities table shows (display forms and categories).

    Apart from `activity_values`: no row's validity, key or attendance depends on them, so
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
        modalidad=normalize.per_unique_many(raw["modalidad"], [_spaced], categorical=True)[0],
        verificadores=normalize.per_unique_many(raw["verificadores"], [_spaced], categorical=True)[0],
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
    date = np.where(nat, 0, days - low + 1)  # 0 = no date
    cut = norm["cut_comuna"].cat.codes.to_numpy().astype(np.int64) + 1
    act = norm["act_fold"].cat.codes.to_numpy().astype(np.int64) + 1
    n_f, n_c, n_a = date.max(initial=0) + 1, cut.max(initial=0) + 1, act.max(initial=0) + 1
    # one integer per (fecha, comuna, actividad): packed directly when it fits in 62 bits,
    # else in two hashed steps
    if float(n_f) * n_c * n_a < 2.0 ** 62:
        composite = (date * n_c + cut) * n_a + act
    else:
        fc = pd.factorize(date * n_c + cut)[0].astype(np.int64)
        composite = pd.factorize(fc * n_a + act)[0].astype(np.int64)
    # groups numbered in order of first appearance, as a groupby(sort=False).ngroup() would
    gid = pd.factorize(np.where(has_id, id_codes, id_codes.max(initial=-1) + 1 + composite))[0]
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


def summary_counts(raw: pd.DataFrame, norm: pd.DataFrame) -> pd.DataFrame:
    """Head counts of summary rows; counts break no earlier reason (celda, fecha, comuna, actividad)."""
    parsed = {c: normalize.head_count(raw[c]) for c in schema.SUMMARY_COUNT_COLUMNS}
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
    reasons = norm["motivo"].to_numpy(dtype=object).copy()
    first_reason(reasons, invalid | ~present, "conteo_invalido")
    first_reason(reasons, t < m + h, "conteo_inconsistente")
    # the total wins: whatever it holds beyond women and men is of unknown sex
    unknown_sex = np.where(has_t, t - m - h, s)
    return norm.assign(motivo=pd.Series(reasons, index=norm.index, dtype=object),
                       mujeres=m, hombres=h, sexo_sin_informacion=unknown_sex, asistencias=t)
