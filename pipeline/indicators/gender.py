"""Gender × territory: attendances and women's share by province and comuna, people by age × sex.

- Province (`asistencias_por_provincia_sexo`): attendances by sex and the share of women.
  A province holds several comunas and hundreds of attendances: published as counts, like
  the region's totals.
- Comuna (`personas_por_comuna_sexo`, `pct_mujeres_por_comuna`) and age × sex
  (`personas_por_grupo_etario_sexo`): person tables DERIVED from the protected comuna × sex ×
  age table (`personas_por_comuna_sexo_grupo`) with `disclosure.aggregate`, never protected on
  their own: a sum is shown only when every cell in it is visible or it is a total that table
  already publishes, so everything published for the year is one audited system. A comuna's
  share of women (of its attendances) is published only where both its women's and its men's
  cells are visible; elsewhere it is null (the deck writes "reservado").

Each function returns JSON-ready values; hidden cells are strings (`disclosure`'s labels).
"""
from __future__ import annotations

import pandas as pd

from pipeline import schema
from pipeline.indicators import disclosure

SEX_COLUMNS = {"mujeres": schema.SEXO_MUJER, "hombres": schema.SEXO_HOMBRE,
               "sexo_sin_informacion": schema.SIN_INFORMACION}
AGE_GROUPS = ["0 a 17 años", "18 a 59 años", "60 años y más", schema.SIN_INFORMACION]


def _pct(part: float, whole: float) -> float | None:
    return None if not whole else round(part / whole * 100, 2)


def asistencias_por_provincia_sexo(actividades: pd.DataFrame, provincias: list[str]) -> dict[str, dict]:
    """`{provincia: {asistencias, mujeres, hombres, sexo_sin_informacion, pct_mujeres}}`, every
    province of the region in order, zeros included (pct null without attendances)."""
    sums = actividades.groupby("provincia")[["asistencias", *SEX_COLUMNS]].sum()
    out = {}
    for prov in provincias:
        row = sums.loc[prov] if prov in sums.index else None
        values = {col: int(row[col]) if row is not None else 0 for col in ["asistencias", *SEX_COLUMNS]}
        values["pct_mujeres"] = _pct(values["mujeres"], values["asistencias"])
        out[prov] = values
    return out


def _records(table: pd.DataFrame) -> dict[str, dict]:
    return {str(idx): {str(col): (v if isinstance(v, str) else int(v)) for col, v in row.items()}
            for idx, row in table.iterrows()}


def _comunas(cross: pd.DataFrame) -> list:
    return [r for r in cross.index if r != disclosure.TOTAL]


def _inner(cross: pd.DataFrame) -> list:
    return [c for c in cross.columns if c[0] != disclosure.TOTAL]


def personas_por_comuna_sexo(cross: pd.DataFrame) -> dict[str, dict]:
    """Distinct people per comuna × sex from the protected cross-tab: `{comuna: {Mujer, Hombre,
    Sin información, Total}, ..., "Total": {...}}`; hidden cells are the disclosure labels."""
    comunas, inner = _comunas(cross), _inner(cross)
    rows = {c: [c] for c in comunas}
    rows[disclosure.TOTAL] = comunas
    columns = {sexo: [c for c in inner if c[0] == sexo] for sexo in schema.SEXOS}
    columns[disclosure.TOTAL] = inner
    return _records(disclosure.aggregate(cross, rows=rows, columns=columns))


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
        out[comuna] = _pct(int(sums.loc[comuna, "mujeres"]), total) if visible and total else None
    return out


def personas_por_grupo_etario_sexo(asistencias_: pd.DataFrame, cross: pd.DataFrame) -> dict[str, dict] | None:
    """Distinct people per age group × sex of the region: sums over every comuna of the
    cross-tab, i.e. its published column totals (`reservado` where a total is hidden); null
    when the year has no recorded age."""
    if asistencias_.empty or asistencias_["edad"].notna().sum() == 0:
        return None
    comunas, inner = _comunas(cross), _inner(cross)
    out = {}
    for grupo in [*AGE_GROUPS, disclosure.TOTAL]:
        in_group = [c for c in inner if grupo == disclosure.TOTAL or c[1] == grupo]
        columns = {sexo: [c for c in in_group if c[0] == sexo] for sexo in schema.SEXOS}
        columns[disclosure.TOTAL] = in_group
        out.update(_records(disclosure.aggregate(cross, rows={grupo: comunas}, columns=columns)))
    return out


def compute(actividades: pd.DataFrame, asistencias_: pd.DataFrame, cross: pd.DataFrame,
            provincias: list[str]) -> dict:
    """The gender × territory keys of `indicadores.json` (docs/indicadores.md); `cross` is the
    protected comuna × (sexo, grupo) people table of the year."""
    por_comuna = personas_por_comuna_sexo(cross)
    return {
        "asistencias_por_provincia_sexo": asistencias_por_provincia_sexo(actividades, provincias),
        "personas_por_comuna_sexo": por_comuna,
        "pct_mujeres_por_comuna": pct_mujeres_por_comuna(actividades, por_comuna, _comunas(cross)),
        "personas_por_grupo_etario_sexo": personas_por_grupo_etario_sexo(asistencias_, cross),
    }
