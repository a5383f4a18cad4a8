"""People, activities and attendees drawn with the seed; rows rendered the way offices
write them, and rows corrupted for each quarantine reason."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from pipeline import reference
from pipeline.sample.model import Activity, Person, Row, _pick, _strip_accents, _wrong_dv, check_digit, render_date, render_rut
from pipeline.sample.vocabulary import ALIASES, FIRST_F, FIRST_M, INE_SEXO, LINEAS, LINEA_WEIGHTS, ORG_PREFIX, ORG_SPELLINGS, OTHER_REGION, RURAL_COMUNAS, SECTORS, SEXO_SPELLINGS, SEXO_UNKNOWN, SURNAMES, TEMAS, TIPO_SPELLINGS, TYPOS, UNKNOWN_COMUNA, ZONA_SPELLINGS
from pipeline.text import fold


# --------------------------------------------------------------------------- people and activities

def make_people(rng: np.random.Generator, n: int, women_share: float = 0.66) -> list[Person]:
    """A pool of fake persons with distinct RUT numbers (by default 66% women, as in the field)."""
    ruts = rng.choice(np.arange(4_000_000, 26_000_000), size=n, replace=False)
    women = rng.random(n) < women_share
    people = []
    for i in range(n):
        first = _pick(rng, FIRST_F if women[i] else FIRST_M)
        s1, s2 = _pick(rng, SURNAMES), _pick(rng, SURNAMES)
        born = int(rng.integers(1938, 2004))
        rut = int(ruts[i])
        people.append(Person(rut, check_digit(rut), f"{first} {s1} {s2}", "Mujer" if women[i] else "Hombre", born))
    return people


def _random_day(rng: np.random.Generator, year: int) -> date:
    month_w = np.array([3, 3, 8, 10, 10, 10, 9, 10, 9, 11, 10, 7], dtype=float)
    month = int(rng.choice(12, p=month_w / month_w.sum())) + 1
    first = date(year, month, 1)
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    while True:
        day = first.replace(day=int(rng.integers(1, last + 1)))
        if day.weekday() < 6:  # no Sundays
            return day


def make_activities(
    rng: np.random.Generator,
    cut_region: str,
    year: int,
    n_random: int,
    fixed: dict[str, list[str]],
    start_uid: int = 0,
    min_per_comuna: int = 2,
    rural: set[str] | frozenset[str] = RURAL_COMUNAS,
) -> list[Activity]:
    """Activities of a year: `fixed` kinds at given comunas, plus `n_random` spread by population.

    Every comuna gets at least `min_per_comuna` activities; big comunas get more (weight ∝ population^0.7).
    Activities in a comuna of `rural` are mostly rural, elsewhere mostly urban.
    """
    comunas = reference.comunas_region(cut_region)
    pop = comunas["poblacion_total"].astype(float).to_numpy()
    w = pop ** 0.7
    n_comunas = len(comunas)
    per_comuna = np.full(n_comunas, min_per_comuna)
    extra = n_random - per_comuna.sum()
    per_comuna += rng.multinomial(max(extra, 0), w / w.sum())
    places = [int(i) for i in np.repeat(np.arange(n_comunas), per_comuna)]
    kinds = ["Jornada informativa", "Reunión de diálogo", "Taller de capacitación",
             "Taller participativo", "Difusión comunitaria", "Otra", "Sin información"]
    kind_w = np.array([0.30, 0.21, 0.12, 0.16, 0.10, 0.07, 0.04])
    plan = [(k, i) for i in places for k in [kinds[int(rng.choice(len(kinds), p=kind_w / kind_w.sum()))]]]
    name_to_i = {c: i for i, c in enumerate(comunas["comuna"])}
    for kind, where in fixed.items():
        plan += [(kind, name_to_i[c]) for c in where]
    acts: list[Activity] = []
    seen: set[tuple] = set()
    for uid, (kind, i) in enumerate(plan, start=start_uid):
        row = comunas.iloc[i]
        day = _random_day(rng, year)
        tema = _pick(rng, TEMAS[kind])
        sector = _pick(rng, SECTORS)
        label = kind if kind not in ("Otra", "Sin información") else ""
        titulo = " ".join(x for x in (label, tema, "–", sector) if x).strip()
        titulo = titulo[0].upper() + titulo[1:]
        if kind == "Cuenta pública":
            titulo = f"Cuenta Pública Participativa SERVIU {year}"
        n = 2
        while (day, row["cut_comuna"], fold(titulo)) in seen:
            titulo = f"{titulo} ({n})"
            n += 1
        seen.add((day, row["cut_comuna"], fold(titulo)))
        is_rural = row["comuna"] in rural
        zona = "Rural" if rng.random() < (0.75 if is_rural else 0.12) else "Urbano"
        if rng.random() < 0.04:
            zona = "Sin información"
        org_tipo = _pick(rng, list(ORG_SPELLINGS), p=[0.4, 0.35, 0.2, 0.05])
        if kind in ("Sesión COSOC", "Cuenta pública", "Consulta ciudadana"):
            org_tipo = "Otras organizaciones" if kind == "Sesión COSOC" else "Sin información"
        org_nombre = ""
        if org_tipo != "Sin información":
            org_nombre = f"{ORG_PREFIX[org_tipo]} {_pick(rng, SECTORS)}"
            if kind == "Sesión COSOC":
                org_nombre = "Consejo de la Sociedad Civil SERVIU"
        linea = _pick(rng, LINEAS, p=LINEA_WEIGHTS)
        if kind == "Sesión COSOC":
            linea = "Atención Ciudadana"
        acts.append(Activity(uid, day, row["cut_comuna"], row["comuna"], row["provincia"], titulo, kind,
                             linea, zona, org_tipo, org_nombre))
    return acts


def _size(rng: np.random.Generator, kind: str) -> int:
    if kind == "Cuenta pública":
        return int(rng.integers(90, 140))
    if kind == "Sesión COSOC":
        return int(rng.integers(9, 16))
    if kind == "Escuela de dirigentes":
        return int(rng.integers(12, 26))
    return int(np.clip(rng.lognormal(3.25, 0.5), 5, 110))


def assign_attendees(rng: np.random.Generator, acts: list[Activity], people: list[Person],
                     home: np.ndarray, cuts: list[str]) -> None:
    """Fill `attendees`: mostly people living in the activity's comuna, some from elsewhere;
    a Zipf-like popularity makes some people attend many activities."""
    popularity = 1.0 / (1 + rng.permutation(len(people))) ** 0.35
    by_comuna = {c: np.flatnonzero(home == k) for k, c in enumerate(cuts)}
    everyone = np.arange(len(people))
    for act in acts:
        n = _size(rng, act.tipo)
        local = by_comuna[act.cut]
        pool = local if rng.random() < 0.92 and len(local) >= n else everyone
        p = popularity[pool] / popularity[pool].sum()
        act.attendees = [int(x) for x in rng.choice(pool, size=min(n, len(pool)), replace=False, p=p)]


# --------------------------------------------------------------------------- rendering rows

class Renderer:
    """Turns activities and people into raw rows with the mess the contract allows."""

    def __init__(self, rng: np.random.Generator, people: list[Person], cut_region: str, year: int):
        self.rng = rng
        self.people = people
        self.cut_region = cut_region
        self.year = year
        self.typed_comuna: dict[int, tuple[str, tuple[str, str] | None]] = {}

    def comuna_text(self, act: Activity, allow_typo: bool) -> tuple[str, tuple[str, str] | None]:
        """How one activity's comuna is typed (fixed per activity)."""
        if act.uid in self.typed_comuna:
            return self.typed_comuna[act.uid]
        r = self.rng.random()
        typos = TYPOS[self.cut_region].get(act.comuna)
        alias = ALIASES[self.cut_region].get(act.comuna)
        corrected = None
        if allow_typo and typos and r < 0.18:
            text = _pick(self.rng, typos)
            corrected = (text, act.comuna)
        elif alias and r < 0.5:
            text = alias
        elif r < 0.45:
            text = act.comuna.upper()
        elif r < 0.6:
            text = _strip_accents(act.comuna)
        elif r < 0.68:
            text = f" {act.comuna.lower()} "
        else:
            text = act.comuna
        self.typed_comuna[act.uid] = (text, corrected)
        return text, corrected

    def activity_cells(self, act: Activity, date_style: str, allow_typo: bool) -> tuple[dict, tuple | None]:
        rng = self.rng
        comuna, corrected = self.comuna_text(act, allow_typo)
        linea = act.linea if rng.random() < 0.8 else _pick(rng, [act.linea.upper(), act.linea.lower()])
        cells = {
            "id_actividad": act.id_actividad,
            "fecha": render_date(act.fecha, date_style),
            "comuna": comuna,
            "actividad": act.titulo,
            "tipo_actividad": _pick(rng, TIPO_SPELLINGS[act.tipo]),
            "linea": linea,
            "zona": _pick(rng, ZONA_SPELLINGS[act.zona]),
            "tipo_organizacion": _pick(rng, ORG_SPELLINGS[act.org_tipo]),
            "organizacion": act.org_nombre,
        }
        return cells, corrected

    def person_cells(self, person: Person, act: Activity, sexo_style: str) -> tuple[dict, dict]:
        """Cells of one attendee, and the truth about them (sexo, valid RUT, name key, edad)."""
        rng = self.rng
        r = rng.random()
        if r < 0.04:
            rut_text, rut_ok = "", None
        elif r < 0.06:
            rut_text, rut_ok = render_rut(person.rut, _wrong_dv(person.dv), int(rng.integers(0, 3))), None
        else:
            style = int(rng.choice(5, p=[0.45, 0.25, 0.14, 0.08, 0.08]))
            rut_text, rut_ok = render_rut(person.rut, person.dv, style), f"{person.rut}{person.dv}"
        if rng.random() < 0.025:
            sexo_text, sexo = _pick(rng, SEXO_UNKNOWN), "Sin información"
        elif sexo_style == "ine":
            sexo_text, sexo = INE_SEXO[person.sexo], person.sexo
        else:
            sexo_text, sexo = _pick(rng, SEXO_SPELLINGS[person.sexo]), person.sexo
        name = person.nombre
        q = rng.random()
        if q < 0.2:
            name = name.upper()
        elif q < 0.27:
            name = name.replace(" ", "  ", 1)
        elif q < 0.32:
            name = fold(name).title()
        age = act.fecha.year - person.nacimiento
        e = rng.random()
        if e < 0.08:
            edad_cell, edad = "", None
        elif e < 0.095:
            edad_cell, edad = _pick(rng, [150, 999, -4, 134]), None
        else:
            edad_cell, edad = age, age
        cells = {"nombre": name, "rut": rut_text, "sexo": sexo_text, "edad": edad_cell}
        truth = {"sexo": sexo, "rut": rut_ok, "nombre_key": fold(person.nombre), "edad": edad}
        return cells, truth

    def person_rows(self, act: Activity, date_style: str, sexo_style: str = "words",
                    allow_typo: bool = True, date_styles: list[str] | None = None) -> list[Row]:
        rows = []
        style = date_style if not date_styles else _pick(self.rng, date_styles)
        base, corrected = self.activity_cells(act, style, allow_typo)
        for k, idx in enumerate(act.attendees):
            cells = dict(base)
            if k and self.rng.random() < 0.15:  # activity fields re-typed on some rows
                cells["tipo_actividad"] = _pick(self.rng, TIPO_SPELLINGS[act.tipo])
            pcells, truth = self.person_cells(self.people[idx], act, sexo_style)
            cells.update(pcells)
            rows.append(Row(cells, act.uid, corrected=corrected, **truth))
        return rows

    def summary_row(self, act: Activity, date_style: str, allow_typo: bool = True) -> Row:
        cells, corrected = self.activity_cells(act, date_style, allow_typo)
        m, h, s = act.counts
        cells.update({"asistentes_mujeres": m, "asistentes_hombres": h, "asistentes_sin_informacion": s,
                      "total_asistentes": m + h + s})
        return Row(cells, act.uid, counts=(m, h, s), corrected=corrected)


def corrupt(row: Row, reason: str, year: int, cut_region: str, rng: np.random.Generator, k: int = 0) -> Row:
    """A copy of `row` broken so the contract sends it to quarantine with `reason`
    (`k` picks which example of a bad comuna, so every example appears)."""
    cells = dict(row.cells)
    if reason == "fecha_faltante":
        cells["fecha"] = ""
    elif reason == "fecha_invalida":
        cells["fecha"] = f"31/02/{year}"
    elif reason == "fecha_fuera_de_anio":
        cells["fecha"] = f"{int(rng.integers(1, 28)):02d}/{int(rng.integers(1, 13)):02d}/{year - 1}"
    elif reason == "comuna_de_otra_region":
        cells["comuna"] = OTHER_REGION[cut_region][k % len(OTHER_REGION[cut_region])]
    elif reason == "comuna_desconocida":
        cells["comuna"] = UNKNOWN_COMUNA[cut_region][k % len(UNKNOWN_COMUNA[cut_region])]
    elif reason == "comuna_faltante":
        cells["comuna"] = ""
    elif reason == "conteo_invalido":
        cells["asistentes_mujeres"] = "s/i"
    elif reason == "conteo_inconsistente":
        cells["total_asistentes"] = max(int(cells["asistentes_mujeres"]) - 1, 0)
    return Row(cells, -1, reason=reason, sexo=row.sexo, rut=row.rut, nombre_key=row.nombre_key,
               edad=row.edad, counts=row.counts, corrected=None)


