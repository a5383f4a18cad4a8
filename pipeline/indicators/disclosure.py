"""Protection of the figures about people by sex, age and territory: publish few, never small.

What the year publishes about people below the region (README, «Protección de celdas
pequeñas»; docs/indicadores.md), decided together rather than table by table:

- **Counts of attendances by territory or age, never by sex**: attendances per comuna (the
  contract's `asistencias_por_comuna`), per province (their sums) and per age group. They
  say how many came, not who: no count of women or men below the region is published, in
  the JSON, the workbook or the deck, for any year shown (the previous year and trends too).
- **The share of women of a comuna, a province or an age group, among its people whose sex
  was recorded** (`share_of_women`), published only where it has at least `threshold`
  distinct women and at least `threshold` distinct men; elsewhere null («reservado»). A
  share is a ratio of two counts that are never published; shown only where both are large
  it pins neither, and no sum of published figures gives one back (people do not add up:
  one person may attend in two comunas). Cells of people whose sex was not recorded carry
  nobody's sex: they are never published below the region and do not enter the share.
- **The region's headline figures are exact** (attendances, women, men and sex not
  recorded among them, % women, distinct people): a reader needs them and, summed over
  fifteen comunas, they single out nobody in a comuna.

Nothing is suppressed in a second round, because nothing published adds up to a hidden
figure: the protection is which figures exist, not which cells are blanked afterwards.
`tests/indicators/test_disclosure.py` checks it as an attacker would, by integer linear
programming over everything published, on the sample, adversarial and generated years.

**Persona distinta** (one definition for every figure about people): a distinct pseudonym
(valid RUT); an attendance without a valid RUT and each attendee of a summary count cannot
be matched to anyone, so each is one more person (`contributors`). A person counts once in
each comuna, province, age group or sex in which they attended: those figures do not add up
to the region's `personas_distintas`, which counts each person once.

Activity counts are never protected: an activity is not a person.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline import schema

RESERVED = "reservado"
AGE_GROUPS = ["0 a 17 años", "18 a 59 años", "60 años y más", schema.SIN_INFORMACION]


# ---------------------------------------------------------------------------
# counting people
# ---------------------------------------------------------------------------
def age_group(edad: pd.Series) -> pd.Series:
    groups = pd.cut(edad.astype("float64"), bins=[-1, 17, 59, 200], labels=AGE_GROUPS[:3])
    return groups.astype(object).where(edad.notna().to_numpy(), schema.SIN_INFORMACION)


def contributors(asistencias: pd.DataFrame, actividades: pd.DataFrame) -> pd.DataFrame:
    """One row per person unit with its activity's columns, `sexo` and `grupo` (age group),
    and `persona` (the pseudonym, or a unique key for an attendance that is nobody known)
    and `n` (how many such units the row stands for: summary head counts)."""
    acts = actividades.set_index("clave_actividad")
    keys = asistencias["clave_actividad"].astype(object).to_numpy()
    persona = asistencias["persona"].astype(object).to_numpy().copy()
    unknown = pd.isna(persona)
    persona[unknown] = [f"sin-rut-{i}" for i in np.flatnonzero(unknown)]
    people = acts.reindex(keys).reset_index(drop=True).assign(
        sexo=asistencias["sexo"].astype(object).to_numpy(),
        grupo=age_group(asistencias["edad"]).to_numpy(),
        persona=persona, n=1)
    resumen = actividades[actividades["forma"] == schema.SHAPE_SUMMARY]
    heads = []
    for col, sexo in (("mujeres", schema.SEXO_MUJER), ("hombres", schema.SEXO_HOMBRE),
                      ("sexo_sin_informacion", schema.SIN_INFORMACION)):
        part = resumen[resumen[col] > 0]
        heads.append(part.assign(sexo=sexo, grupo=schema.SIN_INFORMACION,
                                 persona=[f"resumen-{k}-{col}" for k in part["clave_actividad"]],
                                 n=part[col].to_numpy()))
    return pd.concat([people, *heads], ignore_index=True)


def people_table(asistencias: pd.DataFrame, actividades: pd.DataFrame, by: Sequence[str],
                 index: Sequence | None = None, columns: Sequence | None = None) -> pd.DataFrame:
    """Distinct people per cell: rows by `by[0]`, columns by `by[1:]` (any column of the
    activities, plus `sexo` and `grupo`). `index` / `columns`: every row / column to show, in
    order, zeros included. True counts, never published: only `share_of_women` of them is."""
    units = contributors(asistencias, actividades)
    by = list(by)
    for col in by:
        units[col] = units[col].astype(object).where(units[col].notna(), schema.SIN_INFORMACION)
    # a person counts once per cell; a head-count row counts its heads (all distinct people)
    named = units[units["n"] == 1].drop_duplicates(by + ["persona"])
    heads = units[units["n"] > 1]
    counts = pd.concat([named, heads]).groupby(by)["n"].sum()
    if len(by) == 1:
        table = counts.to_frame("personas")
    else:
        table = counts.unstack(by[1:], fill_value=0)
    table = table.fillna(0).astype("int64")
    if index is not None:
        table = table.reindex(index=list(index), fill_value=0)
    if columns is not None:
        table = table.reindex(columns=columns, fill_value=0)
    table.index.name = by[0]
    return table


def personas_distintas(asistencias: pd.DataFrame, actividades: pd.DataFrame) -> int | None:
    """Distinct people of the year (see the module's definition); null when the year has no
    person rows (a year of summaries only counts attendances, not people)."""
    if asistencias.empty:
        return None
    units = contributors(asistencias, actividades)
    named = units[units["n"] == 1]["persona"].nunique()
    return int(named + units.loc[units["n"] > 1, "n"].sum())


# ---------------------------------------------------------------------------
# what is published about sex below the region
# ---------------------------------------------------------------------------
def publishable(women: int, men: int, threshold: int) -> bool:
    """The one rule: a share of women is shown only with `threshold` or more distinct women
    and `threshold` or more distinct men behind it."""
    return women >= threshold and men >= threshold


def share_of_women(table: pd.DataFrame, threshold: int) -> dict[str, float | None]:
    """`{row: % women}` from a `people_table` by sex: women / (women + men) × 100, two
    decimals, where `publishable`; else None. People whose sex was not recorded are left out."""
    out = {}
    for row, cells in table.iterrows():
        women, men = int(cells.get(schema.SEXO_MUJER, 0)), int(cells.get(schema.SEXO_HOMBRE, 0))
        out[str(row)] = round(women / (women + men) * 100, 2) if publishable(women, men, int(threshold)) else None
    return out


# ---------------------------------------------------------------------------
# free-text categories
# ---------------------------------------------------------------------------
OTHERS = "Otras"
MIN_ACTIVITIES_PER_CATEGORY = 3


def common_categories(values: pd.Series, keep: Sequence[str] = (), minimum: int = MIN_ACTIVITIES_PER_CATEGORY) -> pd.Series:
    """A free-text category per activity (`linea`, an organisation…) as it may be shown: a
    value found in fewer than `minimum` activities becomes `Otras` (a rare text is more often
    a person's name or a detail than a category). Values in `keep` always stay."""
    text = values.astype(object)
    counts = text.value_counts(dropna=True)
    rare = set(counts[counts < minimum].index) - set(keep)
    return text.where(~text.isin(rare), OTHERS)
