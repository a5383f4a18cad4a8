"""The activities table: one row per activity, its values chosen by majority (conflicts
counted), summaries added, comuna and province names looked up, rows in a stable order.
"""
from __future__ import annotations


import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import reference
from pipeline import schema
from pipeline.clean import comunas


def _majority(gid: np.ndarray, values: pd.Series, missing: np.ndarray, n_groups: int
              ) -> tuple[np.ndarray, pd.DataFrame]:
    """Row index (into `values`) of each group's most frequent value, and the conflicting groups.

    Informed values beat missing/`Sin información`; ties go to the value seen first.
    Returns (chosen row per group, frame of (group, value code, n, missing) for groups with
    more than one informed value).
    """
    df = pd.DataFrame({"g": gid, "v": pd.factorize(values)[0], "m": missing, "o": np.arange(len(gid))})
    agg = df.groupby(["g", "v"], sort=False).agg(n=("o", "size"), first=("o", "min"), m=("m", "first")).reset_index()
    agg = agg.sort_values(["g", "m", "n", "first"], ascending=[True, True, False, True], kind="stable")
    chosen = np.empty(n_groups, dtype=np.int64)
    top = agg.drop_duplicates("g", keep="first")
    chosen[top["g"].to_numpy()] = top["first"].to_numpy()
    informed = agg[~agg["m"]]
    many = informed.groupby("g")["v"].transform("size") > 1
    return chosen, informed[many]


def person_activities(norm: pd.DataFrame, keep: np.ndarray) -> tuple[pd.DataFrame, list[dict]]:
    used = ["clave_actividad", "sexo", "fecha", "cut_comuna", "actividad", "act_fold", "tipo_actividad", "linea",
            "zona", "tipo_organizacion", "organizacion", "org_fold", "id_actividad", "modalidad", "verificadores"]
    kept = norm[used].loc[keep].reset_index(drop=True)
    # groups numbered in order of first appearance, from the integer codes (every kept row
    # has an activity key)
    gid, first = pd.factorize(kept["clave_actividad"].cat.codes.to_numpy())
    activity_keys = np.asarray(kept["clave_actividad"].cat.categories, dtype=object)[first]
    n_groups = len(activity_keys)
    sex_codes = kept["sexo"].cat.codes.to_numpy().astype(np.int64)  # categories = schema.SEXOS
    flat = np.bincount(gid.astype(np.int64) * 3 + sex_codes, minlength=3 * n_groups).reshape(n_groups, 3)
    counts = pd.DataFrame(flat, columns=schema.SEXOS)
    conflicts: list[dict] = []
    chosen_rows: dict[str, np.ndarray] = {}
    compare = {"fecha": "fecha", "cut_comuna": "cut_comuna", "actividad": "act_fold",
               "tipo_actividad": "tipo_actividad", "linea": "linea", "zona": "zona",
               "tipo_organizacion": "tipo_organizacion", "organizacion": "org_fold"}
    title_row, _ = _majority(gid, kept["actividad"], kept["actividad"].isna().to_numpy(), n_groups)
    for field, col in compare.items():
        values = kept[col]
        missing = values.isna().to_numpy().copy()
        if isinstance(values.dtype, pd.CategoricalDtype):
            missing |= values.cat.codes.to_numpy() == values.cat.categories.get_indexer([schema.SIN_INFORMACION])[0]
        rows, clash = _majority(gid, values, missing, n_groups)
        chosen_rows[field] = rows
        if len(clash):
            conflicts += _conflicts(kept, field, clash.sort_values(["g", "first"]), rows, title_row)
    id_row, _ = _majority(gid, kept["id_actividad"], kept["id_actividad"].isna().to_numpy(), n_groups)
    org_row, _ = _majority(gid, kept["organizacion"], kept["organizacion"].isna().to_numpy(), n_groups)
    extra_rows = {c: _majority(gid, kept[c], kept[c].isna().to_numpy(), n_groups)[0]
                  for c in ("modalidad", "verificadores")}  # read by the plans only

    def pick(col: str, rows: np.ndarray) -> np.ndarray:
        return kept[col].iloc[rows].astype(object).to_numpy() if n_groups else np.array([], dtype=object)

    act = pd.DataFrame({
        "clave_actividad": activity_keys,
        "id_actividad": pick("id_actividad", id_row),
        "fecha": kept["fecha"].to_numpy()[chosen_rows["fecha"]] if n_groups else np.array([], "datetime64[s]"),
        "actividad": pick("actividad", title_row),
        "tipo_actividad": pick("tipo_actividad", chosen_rows["tipo_actividad"]),
        "linea": pick("linea", chosen_rows["linea"]),
        "cut_comuna": pick("cut_comuna", chosen_rows["cut_comuna"]),
        "zona": pick("zona", chosen_rows["zona"]),
        "tipo_organizacion": pick("tipo_organizacion", chosen_rows["tipo_organizacion"]),
        "organizacion": pick("organizacion", org_row),
        **{c: pick(c, rows) for c, rows in extra_rows.items()},
        "forma": schema.SHAPE_PERSONS,
        "mujeres": counts[schema.SEXO_MUJER].to_numpy(),
        "hombres": counts[schema.SEXO_HOMBRE].to_numpy(),
        "sexo_sin_informacion": counts[schema.SIN_INFORMACION].to_numpy(),
    })
    return act, conflicts


def _display(kept: pd.DataFrame, field: str, rows: np.ndarray) -> np.ndarray:
    """Values of `field` at `rows` as an analyst reads them in the quality report."""
    col = {"actividad": "actividad", "organizacion": "organizacion"}.get(field, field)
    values = kept[col].iloc[rows]
    if field == "fecha":
        values = values.dt.strftime("%Y-%m-%d")
    elif field == "cut_comuna":
        values = values.astype(object).map(comuna_names())
    return values.astype(object).where(values.notna(), None).to_numpy(dtype=object)


def _conflicts(kept: pd.DataFrame, field: str, clash: pd.DataFrame, chosen: np.ndarray,
               title_row: np.ndarray) -> list[dict]:
    """One entry per activity whose rows disagree on `field`: values seen, how often, which won."""
    groups = clash["g"].to_numpy()
    shown = _display(kept, field, clash["first"].to_numpy())
    counts = clash["n"].to_numpy()
    uniq_g, starts = np.unique(groups, return_index=True)
    titles = _display(kept, "actividad", title_row[uniq_g])
    ids = _display(kept, "id_actividad", title_row[uniq_g])
    winner = _display(kept, field, chosen[uniq_g])
    bounds = list(starts[1:]) + [len(groups)]
    return [
        {"actividad": titles[k] or ids[k], "campo": field,
         "valores": {str(v): int(c) for v, c in zip(shown[s:e], counts[s:e])}, "elegido": winner[k]}
        for k, (s, e) in enumerate(zip(starts, bounds))
    ]


def comuna_names() -> dict[str, str]:
    c = reference.comunas()
    return dict(zip(c["cut_comuna"], c["comuna"]))


def summary_activities(norm: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    kept = norm.loc[keep]
    cols = ["clave_actividad", "id_actividad", "fecha", "actividad", "tipo_actividad", "linea", "cut_comuna",
            "zona", "tipo_organizacion", "organizacion", "modalidad", "verificadores"]
    out = pd.DataFrame({c: kept[c].astype(object).to_numpy() if c != "fecha" else kept[c].to_numpy()
                        for c in cols})
    out["forma"] = schema.SHAPE_SUMMARY
    for c in ("mujeres", "hombres", "sexo_sin_informacion"):
        out[c] = kept[c].to_numpy()
    return out


def finish_activities(act: pd.DataFrame, matcher: comunas.ComunaMatcher) -> pd.DataFrame:
    comunas = reference.comunas().set_index("cut_comuna")
    # comuna, province: one lookup of each activity's cut_comuna in the reference
    found = comunas.index.get_indexer(act["cut_comuna"].astype(object))
    missing = found < 0
    data: dict[str, pd.Series] = {}
    for c in schema.ACTIVIDADES_COLUMNS:
        if c in ("comuna", "cut_provincia", "provincia"):
            values = comunas[c].to_numpy(dtype=object)[found]
            values[missing] = np.nan
        elif c == "asistencias":
            values = act["mujeres"] + act["hombres"] + act["sexo_sin_informacion"]
        else:
            values = act[c]
        if c == "fecha":
            data[c] = pd.to_datetime(pd.Series(values).reset_index(drop=True)).astype("datetime64[s]")
        elif c in ("mujeres", "hombres", "sexo_sin_informacion", "asistencias"):
            data[c] = pd.Series(values).reset_index(drop=True).astype("int64")
        else:
            data[c] = pd.Series(values).reset_index(drop=True).astype("str")
    out = pd.DataFrame(data)
    return out.take(_activity_order(out)).reset_index(drop=True)


def _activity_order(act: pd.DataFrame) -> np.ndarray:
    """Row order of finished activities by fecha, cut_comuna and clave_actividad, missing last, ties kept.

    Arrow's sort is stable and compares text by code points, as a stable pandas
    `sort_values` does, at a fraction of its cost (no Python comparison of strings).
    """
    keys = pa.table({c: pa.array(act[c], from_pandas=True) for c in ("fecha", "cut_comuna", "clave_actividad")})
    order = pc.sort_indices(keys, sort_keys=[(c, "ascending", "at_end") for c in keys.column_names])
    return order.to_numpy()
