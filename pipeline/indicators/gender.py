"""Gender × territory and age: the share of women by province, comuna and age group.

One rule for the three (`disclosure.share_of_women`): the share of women among the distinct
people whose sex was recorded, published only where there are at least `threshold` distinct
women and `threshold` distinct men; elsewhere null (the deck writes «reservado»). No count of
women or men below the region is published (see `disclosure` and README, «Protección de
celdas pequeñas»); attendances per province are published without sex, like the comunas'.

Each function returns JSON-ready values.
"""
from __future__ import annotations

import pandas as pd

from pipeline import schema
from pipeline.indicators import disclosure

AGE_GROUPS = disclosure.AGE_GROUPS


def pct(part: float, whole: float) -> float | None:
    """`part` as a percentage of `whole`, two decimals (None without a whole); also
    `annual`'s `pct_mujeres`."""
    return None if not whole else round(part / whole * 100, 2)


def asistencias_por_provincia(actividades: pd.DataFrame, provincias: list[str]) -> dict[str, int]:
    """Attendances per province of the region, in order, zeros included (no sex)."""
    sums = actividades.groupby("provincia")["asistencias"].sum()
    return {prov: int(sums.get(prov, 0)) for prov in provincias}


def people_by_sex(actividades: pd.DataFrame, asistencias_: pd.DataFrame, by: str,
                  index: list[str]) -> pd.DataFrame:
    """Distinct people per `by` (comuna, provincia, grupo) × sex, every row of `index`. True
    counts: never published, only their `share_of_women`."""
    return disclosure.people_table(asistencias_, actividades, [by, "sexo"], index=index, columns=schema.SEXOS)


def pct_mujeres_por_provincia(actividades, asistencias_, provincias, threshold: int) -> dict[str, float | None]:
    return disclosure.share_of_women(people_by_sex(actividades, asistencias_, "provincia", provincias), threshold)


def pct_mujeres_por_comuna(actividades, asistencias_, comunas, threshold: int) -> dict[str, float | None]:
    return disclosure.share_of_women(people_by_sex(actividades, asistencias_, "comuna", comunas), threshold)


def pct_mujeres_por_grupo_etario(actividades, asistencias_, threshold: int) -> dict[str, float | None] | None:
    """By age group of the region; null when the year has no age at all (as
    `asistencias_por_grupo_etario`)."""
    if asistencias_.empty or asistencias_["edad"].notna().sum() == 0:
        return None
    return disclosure.share_of_women(people_by_sex(actividades, asistencias_, "grupo", AGE_GROUPS), threshold)


def compute(actividades: pd.DataFrame, asistencias_: pd.DataFrame, comunas: list[str], provincias: list[str],
            threshold: int) -> dict:
    """The gender × territory keys of `indicadores.json` (docs/indicadores.md)."""
    return {
        "asistencias_por_provincia": asistencias_por_provincia(actividades, provincias),
        "pct_mujeres_por_provincia": pct_mujeres_por_provincia(actividades, asistencias_, provincias, threshold),
        "pct_mujeres_por_comuna": pct_mujeres_por_comuna(actividades, asistencias_, comunas, threshold),
        "pct_mujeres_por_grupo_etario": pct_mujeres_por_grupo_etario(actividades, asistencias_, threshold),
    }
