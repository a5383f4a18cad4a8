"""Gender × territory: attendances and women's share by province and comuna, people by age × sex.

- Province (`asistencias_por_provincia_sexo`): attendances by sex and the share of women.
  A province holds several comunas and hundreds of attendances: published as counts, like
  the region's totals.
- Comuna (`personas_por_comuna_sexo`) and the region's age groups (`personas_por_grupo_etario_sexo`):
  person tables of DISTINCT PEOPLE (`disclosure.people_table`), each protected by
  `disclosure.protect` (threshold on people plus secondary suppression, audited by linear
  programming). These are the only person tables finer than the region that are published:
  no comuna × sex × age table, whose sums would link the two (see README, «Datos personales»).
  A comuna's share of women (of its attendances) is published only where both its women's
  and its men's cells are visible; elsewhere it is null (the deck writes "reservado").

Each function returns JSON-ready values; hidden cells are strings (`disclosure`'s labels).
"""
from __future__ import annotations

import pandas as pd

from pipeline import schema
from pipeline.indicators import disclosure

SEX_COLUMNS = {"mujeres": schema.SEXO_MUJER, "hombres": schema.SEXO_HOMBRE,
               "sexo_sin_informacion": schema.SIN_INFORMACION}
AGE_GROUPS = disclosure.AGE_GROUPS


def pct(part: float, whole: float) -> float | None:
    """`part` as a percentage of `whole`, two decimals (None without a whole); also
    `annual`'s `pct_mujeres`."""
    return None if not whole else round(part / whole * 100, 2)


def asistencias_por_provincia_sexo(actividades: pd.DataFrame, provincias: list[str]) -> dict[str, dict]:
    """`{provincia: {asistencias, mujeres, hombres, sexo_sin_informacion, pct_mujeres}}`, every
    province of the region in order, zeros included (pct null without attendances)."""
    sums = actividades.groupby("provincia")[["asistencias", *SEX_COLUMNS]].sum()
    out = {}
    for prov in provincias:
        row = sums.loc[prov] if prov in sums.index else None
        values = {col: int(row[col]) if row is not None else 0 for col in ["asistencias", *SEX_COLUMNS]}
        values["pct_mujeres"] = pct(values["mujeres"], values["asistencias"])
        out[prov] = values
    return out


def _records(table: pd.DataFrame) -> dict[str, dict]:
    return {str(idx): {str(col): (v if isinstance(v, str) else int(v)) for col, v in row.items()}
            for idx, row in table.iterrows()}


def personas_por_comuna_sexo(actividades: pd.DataFrame, asistencias_: pd.DataFrame, comunas: list[str],
                             threshold: int, asistencias_por_comuna: dict[str, int] | None = None) -> dict[str, dict]:
    """Distinct people per comuna × sex, protected: `{comuna: {Mujer, Hombre, Sin información,
    Total}, ..., "Total": {...}}`; hidden cells are the disclosure labels. The comunas'
    published attendances bound their people (`row_upper`)."""
    table = disclosure.people_table(asistencias_, actividades, ["comuna", "sexo"], index=comunas,
                                    columns=schema.SEXOS)
    upper = [asistencias_por_comuna.get(c, 0) for c in comunas] if asistencias_por_comuna else None
    return _records(disclosure.protect(table, threshold, row_upper=upper))


def pct_mujeres_por_comuna(actividades: pd.DataFrame, protected: dict[str, dict],
                           comunas: list[str]) -> dict[str, float | None]:
    """Women's share of each comuna's attendances, two decimals; null where the comuna has no
    attendance or where its women's or men's person cell is hidden."""
    sums = actividades.groupby("comuna")[["asistencias", "mujeres"]].sum()
    out = {}
    for comuna in comunas:
        cells = protected.get(comuna, {})
        visible = not isinstance(cells.get(schema.SEXO_MUJER), str) and not isinstance(cells.get(schema.SEXO_HOMBRE), str)
        total = int(sums.loc[comuna, "asistencias"]) if comuna in sums.index else 0
        out[comuna] = pct(int(sums.loc[comuna, "mujeres"]), total) if visible and total else None
    return out


def personas_por_grupo_etario_sexo(actividades: pd.DataFrame, asistencias_: pd.DataFrame,
                                   threshold: int) -> dict[str, dict] | None:
    """Distinct people per age group × sex of the region, protected; null without any age."""
    if asistencias_.empty or asistencias_["edad"].notna().sum() == 0:
        return None
    table = disclosure.people_table(asistencias_, actividades, ["grupo", "sexo"], index=AGE_GROUPS,
                                    columns=schema.SEXOS)
    return _records(disclosure.protect(table, threshold))


def compute(actividades: pd.DataFrame, asistencias_: pd.DataFrame, comunas: list[str], provincias: list[str],
            asistencias_por_comuna: dict[str, int], threshold: int) -> dict:
    """The gender × territory keys of `indicadores.json` (docs/indicadores.md)."""
    por_comuna = personas_por_comuna_sexo(actividades, asistencias_, comunas, threshold, asistencias_por_comuna)
    return {
        "asistencias_por_provincia_sexo": asistencias_por_provincia_sexo(actividades, provincias),
        "personas_por_comuna_sexo": por_comuna,
        "pct_mujeres_por_comuna": pct_mujeres_por_comuna(actividades, por_comuna, comunas),
        "personas_por_grupo_etario_sexo": personas_por_grupo_etario_sexo(actividades, asistencias_, threshold),
    }
