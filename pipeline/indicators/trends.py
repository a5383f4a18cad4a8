"""Multi-year trends: reach, activities, share of women and comunas reached, year by year.

Input is each year's `indicadores.json` (as dicts), keyed by year; only years with logs
are given, so a year may be missing in the middle (e.g. 2016, 2018). Such a year gets no
row, is drawn as a gap in the chart and is named in the HTML as "sin registros".

`variacion_asistencias_pct` of a year is `(asistencias / asistencias del año anterior − 1)
× 100` (two decimals) when the previous calendar year is among the inputs; otherwise the
year's own `variacion_asistencias_pct` from its indicadores.json (null when its previous
year has no logs, as the contract says). Never against an older year across a gap.
"""
from __future__ import annotations

import math

import pandas as pd

TREND_COLUMNS = [
    "anio", "asistencias", "actividades", "pct_mujeres", "comunas_alcanzadas", "variacion_asistencias_pct",
]
_REQUIRED = ["asistencias", "actividades", "pct_mujeres", "comunas_alcanzadas"]


# --------------------------------------------------------------------------- frame


def trend_frame(indicadores_by_year: dict[int, dict]) -> pd.DataFrame:
    """One row per year with logs, in year order: TREND_COLUMNS."""
    if not indicadores_by_year:
        raise ValueError("No hay años con registros para calcular tendencias.")
    rows = []
    for year, ind in sorted(((int(k), v) for k, v in indicadores_by_year.items())):
        missing = [key for key in _REQUIRED if key not in ind]
        if missing:
            raise ValueError(f"Los indicadores del año {year} no tienen la clave '{missing[0]}'.")
        rows.append({
            "anio": year,
            "asistencias": int(ind["asistencias"]),
            "actividades": int(ind["actividades"]),
            "pct_mujeres": math.nan if ind["pct_mujeres"] is None else float(ind["pct_mujeres"]),
            "comunas_alcanzadas": int(ind["comunas_alcanzadas"]),
            "_variacion_propia": ind.get("variacion_asistencias_pct"),
        })
    by_year = {row["anio"]: row for row in rows}
    for row in rows:
        previous = by_year.get(row["anio"] - 1)
        own = row.pop("_variacion_propia")
        if previous is not None:
            base = previous["asistencias"]
            row["variacion_asistencias_pct"] = round((row["asistencias"] / base - 1) * 100, 2) if base else math.nan
        else:
            row["variacion_asistencias_pct"] = math.nan if own is None else float(own)
    frame = pd.DataFrame(rows, columns=TREND_COLUMNS)
    return frame.astype({
        "anio": "int64", "asistencias": "int64", "actividades": "int64", "pct_mujeres": "float64",
        "comunas_alcanzadas": "int64", "variacion_asistencias_pct": "float64",
    })


def _json_value(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def trend_records(df: pd.DataFrame) -> list[dict]:
    """Rows of `trend_frame` as plain JSON values (NaN → null), for `tendencia`."""
    return [{col: _json_value(value) for col, value in row.items()} for row in df.to_dict(orient="records")]


def missing_years(df: pd.DataFrame) -> list[int]:
    """Years between the first and the last with logs that have none."""
    years = set(df["anio"].tolist())
    return [y for y in range(min(years), max(years) + 1) if y not in years]


# --------------------------------------------------------------------------- chart

# column, title, label of each point, label of the y ticks, whole-number ticks
