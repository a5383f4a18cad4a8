"""Gender × territory and age: the share of women by province, comuna and age group.

One rule for the three (`disclosure.share_of_women`): the share of women among the distinct
people whose sex was recorded, published only where there are at least `threshold` distinct
women and `threshold` distinct men; elsewhere null (the deck writes «reservado»). No count of
women or men below the region is published (see `disclosure` and README, «Protección de
celdas pequeñas»); attendances per province are published without sex, like the comunas'.
A share that would give another reserved figure back by difference is withheld too
(`disclosure.withhold_differences`), marked «reservado» like the others.

Each function returns JSON-ready values.
"""
from __future__ import annotations

import pandas as pd

from pipeline import schema
from pipeline.indicators import disclosure

AGE_GROUPS = disclosure.AGE_GROUPS
SEX_COLUMNS = {"mujeres": schema.SEXO_MUJER, "hombres": schema.SEXO_HOMBRE,
               "sexo_sin_informacion": schema.SIN_INFORMACION}


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


def attendances_by_sex(actividades: pd.DataFrame, asistencias_: pd.DataFrame, by: str,
                       index: list[str]) -> pd.DataFrame:
    """Attendances per `by` × sex (`schema.SEXOS`): comunas and provinces from the activities'
    counts (summaries included), age groups from person rows. True counts, never published."""
    if by == "grupo":
        rows = asistencias_.assign(grupo=disclosure.age_group(asistencias_["edad"]).to_numpy())
        table = rows.groupby(["grupo", "sexo"]).size().unstack("sexo", fill_value=0)
    else:
        table = actividades.groupby(by)[list(SEX_COLUMNS)].sum().rename(columns=SEX_COLUMNS)
    return table.reindex(index=index, columns=schema.SEXOS, fill_value=0).fillna(0).astype("int64")


def _age_data(actividades: pd.DataFrame, asistencias_: pd.DataFrame) -> bool:
    return not asistencias_.empty and asistencias_["edad"].notna().sum() > 0


def compute(actividades: pd.DataFrame, asistencias_: pd.DataFrame, comunas: list[str], provincias: list[str],
            threshold: int, parent: dict[str, str] | None = None, by_age_group: dict | None = None) -> dict:
    """The gender × territory keys of `indicadores.json` (docs/indicadores.md): the shares
    where `disclosure.publishable`, less those `disclosure.withhold_differences` keeps back
    so that no small cell is given back by difference. `parent`: comuna → province;
    `by_age_group`: the attendances by age group (`asistencias_por_grupo_etario`),
    returned as they are, or null when the age breakdown itself would give a cell away."""
    threshold = int(threshold)
    if parent is None:
        parent = dict(zip(actividades["comuna"], actividades["provincia"]))
    # a summary's heads have no age: the age groups count person rows, as asistencias_por_grupo_etario
    person_rows = actividades[actividades["forma"] != schema.SHAPE_SUMMARY]
    levels = {}
    for by, index, acts in (("comuna", comunas, actividades), ("provincia", provincias, actividades),
                            ("grupo", AGE_GROUPS, person_rows)):
        if by == "grupo" and not _age_data(actividades, asistencias_):
            continue
        people = people_by_sex(acts, asistencias_, by, index)
        levels[by] = disclosure.Level(people, attendances_by_sex(actividades, asistencias_, by, index),
                                      disclosure.share_of_women(people, threshold))
    region = {sexo: int(actividades[col].sum()) for col, sexo in SEX_COLUMNS.items()}
    people_total = disclosure.personas_distintas(asistencias_, actividades)
    if people_total is None:  # a year of summaries: each head is a person
        people_total = sum(region.values())
    disclosure.withhold_differences(levels, parent, region, people_total, threshold)
    return {
        "asistencias_por_provincia": asistencias_por_provincia(actividades, provincias),
        "pct_mujeres_por_provincia": levels["provincia"].shares,
        "pct_mujeres_por_comuna": levels["comuna"].shares,
        "pct_mujeres_por_grupo_etario": levels["grupo"].shares if "grupo" in levels else None,
        "asistencias_por_grupo_etario": by_age_group if "grupo" in levels else None,
    }
