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
  it pins neither by itself, and people do not add up (one person may attend in two
  comunas). Cells of people whose sex was not recorded carry
  nobody's sex: they are never published below the region and do not enter the share.
- **The region's headline figures are exact** (attendances, women, men and sex not
  recorded among them, % women, distinct people): a reader needs them and, summed over
  fifteen comunas, they single out nobody in a comuna.

A share can still give a small cell back by difference: in a year where nearly nobody came
twice, people are as many as attendances (the region's count of people proves it), so the
shares of every comuna but one, with the region's exact totals by sex, give that one's women.
`withhold_differences` finds such cells with an integer program over everything published
(HiGHS) and withholds the cheapest share that stops it — the smallest comuna of the same
province first. It is marked «reservado» like the others, as complementary cells are: a
reader cannot tell which reserved share has few women or men and which was withheld, so the
label says only that one of the two holds. In a tiny year whose ages would give a cell away,
nothing by age is published. `tests/indicators/test_disclosure.py` checks the
result as an attacker would, with its own integer programs over the published JSON, on the
sample, adversarial and generated years.

**Persona distinta** (one definition for every figure about people): a distinct pseudonym
(valid RUT); an attendance without a valid RUT and each attendee of a summary count cannot
be matched to anyone, so each is one more person (`contributors`). A person counts once in
each comuna, province, age group or sex in which they attended: those figures do not add up
to the region's `personas_distintas`, which counts each person once.

Activity counts are never protected: an activity is not a person.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline import schema

RESERVED = "reservado"
AGE_GROUPS = ["0 a 17 años", "18 a 59 años", "60 años y más", schema.SIN_INFORMACION]


# ---------------------------------------------------------------------------
# counting people
# ---------------------------------------------------------------------------
def age_group(age: pd.Series) -> pd.Series:
    groups = pd.cut(age.astype("float64"), bins=[-1, 17, 59, 200], labels=AGE_GROUPS[:3])
    return groups.astype(object).where(age.notna().to_numpy(), schema.SIN_INFORMACION)


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
    summary = actividades[actividades["forma"] == schema.SHAPE_SUMMARY]
    heads = []
    for col, sexo in (("mujeres", schema.SEXO_MUJER), ("hombres", schema.SEXO_HOMBRE),
                      ("sexo_sin_informacion", schema.SIN_INFORMACION)):
        part = summary[summary[col] > 0]
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
# shares that would give a small cell back: withheld too
# ---------------------------------------------------------------------------
@dataclass
class Level:
    """One level at which shares are published (comunas, provinces or age groups): true
    distinct people and attendances per unit × sex (`schema.SEXOS`), the shares, and the
    units whose share is withheld only so that another is not told by difference (never
    published as such: their «reservado» is the same as the others')."""
    people: pd.DataFrame
    attendances: pd.DataFrame
    shares: dict[str, float | None]
    withheld: list[str] = field(default_factory=list)


class _Exposure:
    """What a reader can derive about the cells of women and men from the published figures,
    as an integer program (HiGHS): attendances per comuna, province and age group, the
    region's by sex, its distinct people, and the shares shown. A share fixes women / (women
    + men); where people are as many as attendances (nobody came twice, which the region's
    count of people can prove) and the sex of everyone is known, the shares of all comunas
    but one, with the region's totals, give that one's women and men by difference."""

    SEX = tuple(schema.SEXOS)

    def __init__(self, levels: dict[str, Level], parent: dict[str, str], region: dict[str, int],
                 people_total: int | None, threshold: int):
        self.ub: list[float] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []
        self.cells: dict[tuple[str, str, str, str], dict[int, float]] = {}
        comunas, provinces, ages = levels["comuna"], levels["provincia"], levels.get("grupo")
        size = comunas.attendances.sum(axis=1)
        a = {(c, s): self._var(size[c]) for c in comunas.attendances.index for s in self.SEX}
        p = {(c, s): self._var(size[c]) for c in comunas.attendances.index for s in self.SEX}
        for c in comunas.attendances.index:
            self._row({a[c, s]: 1 for s in self.SEX}, size[c], size[c])
            for s in self.SEX:
                self._someone({p[c, s]: 1}, {a[c, s]: 1}, size[c])
                self.cells["comuna", c, s, "a"], self.cells["comuna", c, s, "p"] = {a[c, s]: 1}, {p[c, s]: 1}
        for s in self.SEX:
            self._row({a[c, s]: 1 for c in comunas.attendances.index}, region[s], region[s])
        if people_total is not None:
            self._row({v: 1 for v in p.values()}, people_total, np.inf)
        pp = {}
        for prov in provinces.attendances.index:
            mine = [c for c in comunas.attendances.index if parent.get(c) == prov]
            n = float(size[mine].sum()) if mine else 0.0
            for s in self.SEX:
                v = pp[prov, s] = self._var(n)
                self._someone({v: 1}, {a[c, s]: 1 for c in mine}, n)
                for c in mine:
                    self._row({v: 1, p[c, s]: -1}, 0, np.inf)
                self._row({v: 1, **{p[c, s]: -1 for c in mine}}, -np.inf, 0)
                self.cells["provincia", prov, s, "a"] = {a[c, s]: 1 for c in mine}
                self.cells["provincia", prov, s, "p"] = {v: 1}
        self._shares(comunas, p, threshold)
        self._shares(provinces, pp, threshold)
        if ages is not None:
            b_size = ages.attendances.sum(axis=1)
            b = {(g, s): self._var(b_size[g]) for g in ages.attendances.index for s in self.SEX}
            q = {(g, s): self._var(b_size[g]) for g in ages.attendances.index for s in self.SEX}
            heads = {s: self._var(region[s]) for s in self.SEX}  # summary heads: no age
            rest = sum(region.values()) - float(b_size.sum())
            self._row({v: 1 for v in heads.values()}, rest, rest)
            if people_total is not None:  # the person rows hold the region's people but the heads
                self._row({v: 1 for v in q.values()}, people_total - rest, np.inf)
            for s in self.SEX:
                self._row({heads[s]: 1, **{b[g, s]: 1 for g in ages.attendances.index}}, region[s], region[s])
            for g in ages.attendances.index:
                self._row({b[g, s]: 1 for s in self.SEX}, b_size[g], b_size[g])
                for s in self.SEX:
                    self._someone({q[g, s]: 1}, {b[g, s]: 1}, b_size[g])
                    self.cells["grupo", g, s, "a"], self.cells["grupo", g, s, "p"] = {b[g, s]: 1}, {q[g, s]: 1}
            self._shares(ages, q, threshold)

    def _var(self, ub) -> int:
        self.ub.append(float(ub))
        return len(self.ub) - 1

    def _row(self, coefs: dict, lo: float, hi: float) -> None:
        self.rows.append((coefs, float(lo), float(hi)))

    def _someone(self, people: dict, attendances: dict, size: float) -> None:
        """people ≤ attendances, and a cell with attendances has someone: attendances ≤ size × people."""
        self._row({**{k: -1 for k in attendances}, **people}, -np.inf, 0)
        self._row({**{k: -1 for k in attendances}, **{k: size for k in people}}, 0, np.inf)

    def _shares(self, level: Level, people: dict, threshold: int) -> None:
        """What each shown share says: at least `threshold` of each sex, and their ratio to
        two decimals. A «reservado» says nothing a reader can use: few women or men, or
        withheld for a difference, and the label does not tell which."""
        women, men = schema.SEXO_MUJER, schema.SEXO_HOMBRE
        for unit, share in level.shares.items():
            if share is None:
                continue
            w, m = people[unit, women], people[unit, men]
            self._row({w: 1}, threshold, np.inf)
            self._row({m: 1}, threshold, np.inf)
            low, high = (share - 0.0051) / 100, (share + 0.0051) / 100
            self._row({w: 1 - high, m: -high}, -np.inf, 0)
            self._row({w: 1 - low, m: -low}, 0, np.inf)

    def lowest(self, target: dict[int, float], sign: float = 1.0) -> float | None:
        """The lowest value of `target`·x (of −`target`·x with `sign` −1) over every solution;
        None when the solver does not prove it (then the cell counts as narrowed)."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        n = len(self.ub)
        if not hasattr(self, "_kw"):
            matrix = np.zeros((len(self.rows), n))
            for k, (coefs, _, _) in enumerate(self.rows):
                for i, c in coefs.items():
                    matrix[k, i] += c
            self._kw = {"constraints": LinearConstraint(matrix, [r[1] for r in self.rows], [r[2] for r in self.rows]),
                        "integrality": np.ones(n), "bounds": Bounds(np.zeros(n), np.array(self.ub)),
                        # HiGHS's presolve returned 3 as the optimum of a cell that can be 4
                        # (scipy 1.17, found by the audit's generated years): solved without it
                        "options": {"time_limit": 30.0, "presolve": False}}
        c = np.zeros(n)
        for i, v in target.items():
            c[i] = sign * v
        res = milp(c, **self._kw)
        return res.fun if res.status == 0 else None


def _narrowed(levels: dict[str, Level], parent, region, people_total, threshold) -> list[tuple[str, str]]:
    """(level, unit) of each hidden unit whose 1 to threshold − 1 women or men (people or
    attendances) the published figures narrow below the threshold, having shown that someone
    of that sex is there (a range from 0 does not say whether anyone of that sex came)."""
    model = _Exposure(levels, parent, region, people_total, threshold)
    out = []
    for name, level in levels.items():
        for unit, share in level.shares.items():
            if share is not None:
                continue
            for sex in (schema.SEXO_MUJER, schema.SEXO_HOMBRE):
                truths = {"p": int(level.people.loc[unit, sex]), "a": int(level.attendances.loc[unit, sex])}
                for kind, value in truths.items():
                    if 1 <= value < threshold and (name, unit) not in out:
                        cell = model.cells[name, unit, sex, kind]
                        lo = model.lowest(cell)
                        if lo is not None and lo < 0.5:
                            continue
                        high = model.lowest(cell, -1.0)
                        if lo is None or high is None or -high - lo < threshold:
                            out.append((name, unit))
    return out


def _candidates(levels: dict[str, Level], parent: dict[str, str], cell: tuple[str, str]) -> list[tuple[str, str]]:
    """Shown shares to withhold for a narrowed `cell`, nearest first, each group cheapest
    first (fewest people): the comunas of its province, its province, the other units of its
    level, then the rest."""
    def shown(name, units=None):
        level = levels.get(name)
        if level is None:
            return []
        found = [u for u, v in level.shares.items() if v is not None and (units is None or u in units)]
        return [(name, u) for u in sorted(found, key=lambda u: (int(level.people.loc[u].sum()), u))]

    name, unit = cell
    province = parent.get(unit) if name == "comuna" else unit if name == "provincia" else None
    mine = {c for c, p in parent.items() if p == province}
    order = shown("comuna", mine) + shown("provincia", {province}) + shown(name) + [
        c for other in levels for c in shown(other)]
    return list(dict.fromkeys(order))


def withhold_differences(levels: dict[str, Level], parent: dict[str, str], region: dict[str, int],
                         people_total: int | None, threshold: int) -> list[tuple[str, str]]:
    """Withhold more shares until no small cell of women or men can be told by difference
    (modifies each level's `shares` and `withheld`); returns the (level, unit) withheld this
    way, in order.

    For the first narrowed cell, the nearest, cheapest shown share whose withholding leaves
    fewer cells narrowed goes (else the nearest). If a cell by age is still narrowed with
    every share withheld, the age breakdown itself gives it away (a tiny year whose ages are
    nearly all in one group): the level `grupo` is removed — the year publishes nothing by
    age — and the shares are decided again without it. What may still narrow a cell then is
    the region's exact headline figures and the contract's attendances per comuna."""
    rule = {name: dict(level.shares) for name, level in levels.items()}
    withheld = []
    narrowed = _narrowed(levels, parent, region, people_total, threshold)
    while narrowed:
        candidates = _candidates(levels, parent, narrowed[0])
        if not candidates:
            if "grupo" in levels and any(name == "grupo" for name, _ in narrowed):
                del levels["grupo"]
                for name, level in levels.items():
                    level.shares.update(rule[name])
                    level.withheld.clear()
                withheld = [("grupo", "*")]
                narrowed = _narrowed(levels, parent, region, people_total, threshold)
                continue
            break
        choice, after = candidates[0], None
        for name, unit in candidates:
            level = levels[name]
            share = level.shares[unit]
            level.shares[unit] = None
            level.withheld.append(unit)
            trial = _narrowed(levels, parent, region, people_total, threshold)
            level.shares[unit] = share
            level.withheld.pop()
            if len(trial) < len(narrowed):
                choice, after = (name, unit), trial
                break
        levels[choice[0]].shares[choice[1]] = None
        levels[choice[0]].withheld.append(choice[1])
        withheld.append(choice)
        narrowed = after if after is not None else _narrowed(levels, parent, region, people_total, threshold)
    return withheld


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
