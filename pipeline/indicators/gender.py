"""Gender × territory: attendances and women's share by province and comuna, people by age × sex.

- Province (`asistencias_por_provincia_sexo`): attendances by sex and the share of women.
  A province holds several comunas and hundreds of attendances: published as counts, like
  the region's totals.
- Comuna (`personas_por_comuna_sexo`, `pct_mujeres_por_comuna`): a comuna can be small, so
  its split by sex is a person table: DISTINCT PEOPLE per comuna × sex (column `persona`;
  an attendance without a valid RUT, and every head of a summary row, counts as its own
  person), protected by `disclosure.protect`. The comuna's share of women (of its
  attendances) is published only where both the women's and the men's cells are visible;
  elsewhere it is null (the deck writes "reservado").
- Age × sex (`personas_por_grupo_etario_sexo`): distinct people per age group × sex, protected.

Each function returns JSON-ready values; hidden cells are strings (`disclosure`'s label).
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


def _people(actividades: pd.DataFrame, asistencias_: pd.DataFrame) -> pd.DataFrame:
    """One row per person row: comuna, sexo, grupo, and the person (`persona`, or the row
    itself without a valid RUT, so that attendance counts as its own person)."""
    comuna_of = actividades.set_index("clave_actividad")["comuna"]
    persona = asistencias_["persona"].astype(object)
    own = pd.Series([f"fila-{i}" for i in range(len(asistencias_))], index=asistencias_.index, dtype=object)
    edad = asistencias_["edad"].astype("float64")
    grupo = pd.cut(edad, bins=[-1, 17, 59, 200], labels=AGE_GROUPS[:3]).astype(object)
    return pd.DataFrame({
        "comuna": asistencias_["clave_actividad"].map(comuna_of).to_numpy(),
        "sexo": asistencias_["sexo"].astype(object).to_numpy(),
        "grupo": grupo.where(edad.notna(), schema.SIN_INFORMACION).to_numpy(),
        "persona": persona.where(persona.notna(), own).to_numpy(),
    })


def _summary_heads(actividades: pd.DataFrame, index: str) -> pd.DataFrame:
    """Head counts of summary rows by `index` × sex: each head is its own person (a summary
    row names nobody); their age is unknown."""
    resumen = actividades[actividades["forma"] == schema.SHAPE_SUMMARY]
    if index == "grupo":
        resumen = resumen.assign(grupo=schema.SIN_INFORMACION)
    sums = resumen.groupby(index)[list(SEX_COLUMNS)].sum()
    return sums.rename(columns=SEX_COLUMNS)


def _distinct(actividades: pd.DataFrame, asistencias_: pd.DataFrame, index: str,
              index_values: list[str]) -> pd.DataFrame:
    """Distinct people per `index` × sex (a person counts once per cell)."""
    people = _people(actividades, asistencias_)
    table = people.groupby([index, "sexo"])["persona"].nunique().unstack("sexo", fill_value=0)
    table = table.reindex(index=index_values, columns=schema.SEXOS, fill_value=0)
    heads = _summary_heads(actividades, index).reindex(index=index_values, columns=schema.SEXOS, fill_value=0)
    out = (table + heads).astype("int64")
    out.columns.name = None
    out.index.name = index
    return out


def _records(protected: pd.DataFrame) -> dict[str, dict]:
    return {str(idx): {str(col): (v if isinstance(v, str) else int(v)) for col, v in row.items()}
            for idx, row in protected.iterrows()}


def personas_por_comuna_sexo(actividades: pd.DataFrame, asistencias_: pd.DataFrame, comunas: list[str],
                             threshold: int) -> dict[str, dict]:
    """Distinct people per comuna × sex, protected: `{comuna: {Mujer, Hombre, Sin información,
    Total}, ..., "Total": {...}}`; hidden cells are the disclosure label."""
    table = _distinct(actividades, asistencias_, "comuna", comunas)
    return _records(disclosure.protect(table, threshold))


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


def personas_por_grupo_etario_sexo(actividades: pd.DataFrame, asistencias_: pd.DataFrame,
                                   threshold: int) -> dict[str, dict] | None:
    """Distinct people per age group × sex of the region, protected; null without any age."""
    if asistencias_.empty or asistencias_["edad"].notna().sum() == 0:
        return None
    table = _distinct(actividades, asistencias_, "grupo", AGE_GROUPS)
    return _records(disclosure.protect(table, threshold))


def compute(actividades: pd.DataFrame, asistencias_: pd.DataFrame, comunas: list[str], provincias: list[str],
            threshold: int) -> dict:
    """The gender × territory keys of `indicadores.json` (docs/indicadores.md)."""
    por_comuna = personas_por_comuna_sexo(actividades, asistencias_, comunas, threshold)
    return {
        "asistencias_por_provincia_sexo": asistencias_por_provincia_sexo(actividades, provincias),
        "personas_por_comuna_sexo": por_comuna,
        "pct_mujeres_por_comuna": pct_mujeres_por_comuna(actividades, por_comuna, comunas),
        "personas_por_grupo_etario_sexo": personas_por_grupo_etario_sexo(actividades, asistencias_, threshold),
    }
