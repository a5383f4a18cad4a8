"""Seeded generator of messy attendance logs: the shipped sample and benchmark data.

Everything here is synthetic: names are drawn from lists of common first names and
surnames, RUTs are random numbers with a computed check digit. No real person.

Public functions
----------------
- ``build_sample(seed=2017) -> Sample``: the whole sample in memory (files, sheets, rows),
  with the generator's own knowledge of every row (reason for quarantine, person, activity).
- ``generate_sample(out_dir, seed=2017) -> dict``: writes the sample under ``out_dir``
  (``<year>/`` for Coquimbo, ``regiones/valparaiso/2018/`` for Valparaíso) and returns the
  ground truth ``{region: {year: figures}}`` computed from that knowledge by the data
  contract's rules (see ``expected_figures``).
- ``expected(seed=2017) -> dict``: the same ground truth without writing anything.
- ``write_scale_csv(path, n_rows, seed, regions="all", year=2018, delimiter=";")``: one
  messy person-rows CSV of exactly ``n_rows`` data rows, vectorised (benchmarks).
- ``sample_dir(out_dir, region, anio) -> Path``: where a region's year lives under ``out_dir``.
- ``write_scale_logs(root, n_rows, seed, years=(2018,), regions="all") -> list[Path]``: the
  same spread over one CSV per region and year, in the layout of ``config.paths``.

Run ``python -m pipeline.sample --out data/raw`` to regenerate the shipped sample; CSV
bytes are identical on every run, and xlsx files are made byte-stable by fixing their
zip timestamps and document dates.
"""
from __future__ import annotations

import argparse
import csv
import io
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from pipeline import config
from pipeline import reference
from pipeline.schema import QUARANTINE_REASONS, TIPOS_ACTIVIDAD, TIPOS_ORGANIZACION, ZONAS
from pipeline.text import fold

DEFAULT_SEED = 2017
SAMPLE_REGION = "Coquimbo"
SECOND_REGION = "Valparaíso"
EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (with its leap-year bug)
FIXED_ZIP_TIME = (2018, 1, 1, 0, 0, 0)
FIXED_DOC_TIME = "2018-01-01T00:00:00Z"

# --------------------------------------------------------------------------- vocabularies

FIRST_F = [
    "María", "Ana", "Carmen", "Rosa", "Patricia", "Claudia", "Marcela", "Paola", "Carolina",
    "Francisca", "Javiera", "Camila", "Valentina", "Constanza", "Daniela", "Fernanda", "Catalina",
    "Isidora", "Sofía", "Gloria", "Verónica", "Jacqueline", "Margarita", "Silvia", "Lorena",
    "Ximena", "Paulina", "Soledad", "Andrea", "Alejandra", "Elena", "Juana", "Luisa", "Teresa",
]
FIRST_M = [
    "José", "Juan", "Luis", "Carlos", "Jorge", "Manuel", "Pedro", "Francisco", "Sergio", "Miguel",
    "Cristián", "Rodrigo", "Patricio", "Claudio", "Mauricio", "Felipe", "Sebastián", "Matías",
    "Diego", "Nicolás", "Héctor", "Raúl", "Víctor", "Hernán", "Óscar", "Alejandro", "Ricardo",
]
SURNAMES = [
    "González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva", "Martínez",
    "Sepúlveda", "Morales", "Rodríguez", "López", "Fuentes", "Hernández", "Torres", "Araya",
    "Flores", "Espinoza", "Valenzuela", "Castillo", "Tapia", "Reyes", "Gutiérrez", "Castro",
    "Pizarro", "Álvarez", "Vásquez", "Sánchez", "Fernández", "Ramírez", "Carrasco", "Gómez",
    "Cortés", "Herrera", "Núñez", "Jara", "Vergara", "Rivera", "Figueroa", "Olivares", "Cuello",
    "Alfaro", "Ahumada", "Aguilera", "Bugueño", "Cáceres", "Galleguillos", "Rivera", "Varela",
]
SECTORS = [
    "Villa Los Llanos", "Población Santa Cecilia", "Las Compañías", "Villa El Romeral",
    "Tierras Blancas", "Sector Centro", "La Antena", "Villa San Bartolomé", "El Milagro",
    "Los Clarines", "Villa Esperanza", "Población Arturo Prat", "Villa Las Rosas", "El Olivar",
    "Sector Alto", "Villa Los Aromos", "Población Nueva", "Los Pimientos", "El Tambo",
    "Villa Alegre", "La Chimba", "San Antonio", "Villa El Sol", "Los Almendros", "El Arrayán",
]
TEMAS = {
    "Jornada informativa": ["subsidio DS49", "subsidio de arriendo", "postulación DS1",
                            "Programa de Protección del Patrimonio Familiar", "llamado Pavimentación"],
    "Reunión de diálogo": ["con dirigentes", "mesa de trabajo", "avance de obras", "proyecto habitacional"],
    "Taller de capacitación": ["ahorro para la vivienda", "uso del Registro Social de Hogares",
                               "formulación de proyectos", "mantención de la vivienda"],
    "Taller participativo": ["diseño de plaza", "diagnóstico barrial", "diseño de sede social",
                             "plan maestro"],
    "Escuela de dirigentes": ["módulo liderazgo", "módulo gestión", "módulo vivienda"],
    "Consulta ciudadana": ["Plan de Regeneración", "Política de Vivienda", "Espacios Públicos"],
    "Cuenta pública": ["participativa"],
    "Sesión COSOC": ["ordinaria", "extraordinaria"],
    "Difusión comunitaria": ["puerta a puerta", "feria de servicios", "punto informativo"],
    "Otra": ["visita a obras", "entrega de viviendas", "operativo en terreno"],
    "Sin información": ["encuentro vecinal", "actividad comunitaria"],
}
# Field spellings of each kind of activity (all fold to the canonical name, except "Otra").
TIPO_SPELLINGS = {
    "Jornada informativa": ["Jornada informativa", "Jornada Informativa", "JORNADA INFORMATIVA", "jornada informativa"],
    "Reunión de diálogo": ["Reunión de diálogo", "Reunion de dialogo", "REUNIÓN DE DIÁLOGO", "Reunión de Diálogo"],
    "Taller de capacitación": ["Taller de capacitación", "Taller de Capacitacion", "TALLER DE CAPACITACIÓN"],
    "Taller participativo": ["Taller participativo", "Taller Participativo", "taller participativo"],
    "Escuela de dirigentes": ["Escuela de dirigentes", "Escuela de Dirigentes", "ESCUELA DE DIRIGENTES"],
    "Consulta ciudadana": ["Consulta ciudadana", "Consulta Ciudadana", "consulta ciudadana"],
    "Cuenta pública": ["Cuenta pública", "Cuenta Publica", "CUENTA PÚBLICA"],
    "Sesión COSOC": ["Sesión COSOC", "Sesion Cosoc", "SESIÓN COSOC"],
    "Difusión comunitaria": ["Difusión comunitaria", "Difusion Comunitaria", "DIFUSIÓN COMUNITARIA"],
    "Otra": ["Visita a terreno", "Operativo en terreno", "Ceremonia de entrega", "Mesa técnica"],
    "Sin información": [""],
}
LINEAS = ["Programa Habitacional", "Barrios", "Pavimentación Participativa", "Espacios Públicos",
          "Atención Ciudadana"]
LINEA_WEIGHTS = [0.34, 0.22, 0.16, 0.14, 0.14]
ORG_SPELLINGS = {
    "Comité de Vivienda": ["Comité de Vivienda", "comité de vivienda", "Comite Vivienda", "COMITE DE VIVIENDA"],
    "Junta de Vecinos": ["Junta de Vecinos", "JJVV", "JJ.VV.", "junta vecinal", "Junta de vecinos"],
    "Otras organizaciones": ["Club Adulto Mayor", "Centro de Madres", "Agrupación cultural", "Club deportivo"],
    "Sin información": [""],
}
ORG_PREFIX = {
    "Comité de Vivienda": "Comité de Vivienda",
    "Junta de Vecinos": "Junta de Vecinos",
    "Otras organizaciones": "Agrupación",
    "Sin información": "",
}
ZONA_SPELLINGS = {
    "Urbano": ["Urbano", "Urbana", "U", "urbano", "URBANO"],
    "Rural": ["Rural", "R", "rural", "RURAL"],
    "Sin información": [""],
}
SEXO_SPELLINGS = {
    "Mujer": ["Mujer", "F", "Femenino", "Fem", "mujer", "f", " MUJER ", "femenino"],
    "Hombre": ["Hombre", "M", "Masculino", "Masc", "hombre", "m", " HOMBRE ", "masculino"],
}
SEXO_UNKNOWN = ["", "Otro", "NS", "Prefiere no decir"]
INE_SEXO = {"Hombre": "1", "Mujer": "2"}

# Typed comunas (data contract §3). Corrections are Levenshtein ≤ 2 to exactly one comuna of
# the region; others are quarantined. Checked by `_check_comuna_typos` at build time.
TYPOS = {
    "04": {"La Serena": ["La Serana", "la serna"], "Coquimbo": ["Cokimbo", "Coquinbo"],
           "Ovalle": ["Ovale"], "Salamanca": ["Salamnca"], "Punitaqui": ["Punitaki"],
           "Illapel": ["Illapell"], "Andacollo": ["Andacoyo"]},
    "05": {"Valparaíso": ["Valparaizo"], "Viña del Mar": ["Viña del Mal"],
           "Villa Alemana": ["Villa Alemanda"], "San Antonio": ["San Antonoi"]},
}
ALIASES = {"04": {"Paiguano": "Paihuano"}, "05": {"Llaillay": "Llay-Llay", "Calera": "La Calera"}}
OTHER_REGION = {"04": ["Valparaíso", "Santiago"], "05": ["La Serena", "Santiago"]}
UNKNOWN_COMUNA = {"04": ["Tongoy", "Sector Las Compañías"], "05": ["Reñaca", "Placilla de Peñuelas"]}
RURAL_COMUNAS = {"La Higuera", "Paiguano", "Río Hurtado", "Canela", "Punitaqui", "Combarbalá",
                 "Monte Patria", "Andacollo", "Vicuña", "Salamanca", "Juan Fernández", "Petorca",
                 "Cabildo", "Hijuelas", "Santo Domingo", "Catemu", "Panquehue", "Olmué"}


# --------------------------------------------------------------------------- data model

@dataclass
class Person:
    rut: int
    dv: str
    nombre: str
    sexo: str  # "Mujer" / "Hombre"
    nacimiento: int


@dataclass
class Activity:
    uid: int
    fecha: date
    cut: str
    comuna: str
    provincia: str
    titulo: str
    tipo: str
    linea: str
    zona: str
    org_tipo: str
    org_nombre: str
    source: str = ""
    id_actividad: str | None = None
    attendees: list[int] = field(default_factory=list)  # indices into the person pool
    counts: tuple[int, int, int] | None = None  # summaries: mujeres, hombres, sin información


@dataclass
class Row:
    """One raw row: rendered cells by canonical column, and what the generator knows of it."""

    cells: dict[str, object]
    activity: int  # Activity.uid (or -1 for rows with no usable activity)
    reason: str | None = None  # quarantine reason code
    sexo: str = "Sin información"
    rut: str | None = None  # normalised valid RUT, or None
    nombre_key: str = ""
    edad: int | None = None
    counts: tuple[int, int, int] | None = None  # summary rows
    corrected: tuple[str, str] | None = None  # (typed comuna, official comuna) for Levenshtein fixes


@dataclass
class Sheet:
    name: str
    header: list[tuple[str, str]]  # (canonical, displayed header)
    rows: list[Row | None]  # None = a fully blank row
    title: list[str] = field(default_factory=list)
    lines: list[str] | None = None  # an instructions sheet: text only, no header
    rejected: str | None = None  # rejection reason code, when the sheet is rejected


@dataclass
class RawFile:
    name: str
    kind: str  # "xlsx", "csv" or "broken"
    sheets: list[Sheet]
    encoding: str = "utf-8"
    delimiter: str = ","
    rejected: str | None = None  # whole-file rejection reason


@dataclass
class YearSample:
    region: str
    cut_region: str
    year: int
    files: list[RawFile]
    activities: dict[int, Activity]
    extra: dict[str, str] = field(default_factory=dict)  # other files: name → text (plans, destacadas)
    photos: dict[str, int] = field(default_factory=dict)  # photo file name → drawing seed
    plan: dict | None = None  # this year's plan (compliance), as written in plan-<anio>.yml


@dataclass
class Sample:
    seed: int
    years: list[YearSample]


# --------------------------------------------------------------------------- small helpers

def check_digit(number: int) -> str:
    """Módulo 11 check digit of a RUT body."""
    total, factor = 0, 2
    while number:
        total += (number % 10) * factor
        number //= 10
        factor = factor + 1 if factor < 7 else 2
    rest = 11 - total % 11
    return "0" if rest == 11 else "K" if rest == 10 else str(rest)


def _dotted(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def render_rut(number: int, dv: str, style: int) -> str:
    """A RUT in one of the field formats (0 dotted, 1 dash, 2 bare, 3 spaced, 4 lower-case k)."""
    if style == 0:
        return f"{_dotted(number)}-{dv}"
    if style == 1:
        return f"{number}-{dv}"
    if style == 2:
        return f"{number}{dv}"
    if style == 3:
        return f"{_dotted(number)} - {dv}"
    return f" {number}-{dv.lower()}"


def _wrong_dv(dv: str) -> str:
    digits = "0123456789K"
    return digits[(digits.index(dv) + 3) % 11]


def excel_serial(day: date) -> int:
    return (day - EXCEL_EPOCH).days


def render_date(day: date, style: str):
    """A date as a cell value: a `date` (Excel date cell), an int (serial) or text."""
    if style == "cell":
        return day
    if style == "serial":
        return excel_serial(day)
    if style == "serial_text":
        return str(excel_serial(day))
    if style == "slash":
        return day.strftime("%d/%m/%Y")
    if style == "dash":
        return day.strftime("%d-%m-%Y")
    if style == "dot":
        return day.strftime("%d.%m.%Y")
    return day.isoformat()


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _pick(rng: np.random.Generator, items, p=None):
    return items[int(rng.choice(len(items), p=p))]


def _levenshtein(a: str, b: str) -> int:
    # tiny DP; rapidfuzz is used by the pipeline, here it only checks our own constants
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _check_comuna_typos(cut_region: str) -> None:
    """Every typo must be a unique Levenshtein match; every unknown comuna no match at all."""
    official = {fold(c) for c in reference.comunas()["comuna"]}
    region_names = [fold(c) for c in reference.comunas_region(cut_region)["comuna"]]
    alias_keys = set(reference.aliases()["clave"])
    for typed_list in TYPOS[cut_region].values():
        for typed in typed_list:
            key = fold(typed)
            assert key not in official and key not in alias_keys, typed
            close = [c for c in region_names if _levenshtein(key, c) <= 2]
            assert len(close) == 1, (typed, close)
    for typed in UNKNOWN_COMUNA[cut_region]:
        key = fold(typed)
        assert key not in official and key not in alias_keys, typed
        assert all(_levenshtein(key, c) > 2 for c in region_names), typed
    for typed in OTHER_REGION[cut_region]:
        assert fold(typed) in official and fold(typed) not in region_names, typed


# --------------------------------------------------------------------------- people and activities

def make_people(rng: np.random.Generator, n: int) -> list[Person]:
    """A pool of fake persons with distinct RUT numbers (65% women, as in the field)."""
    ruts = rng.choice(np.arange(4_000_000, 26_000_000), size=n, replace=False)
    women = rng.random(n) < 0.66
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
) -> list[Activity]:
    """Activities of a year: `fixed` kinds at given comunas, plus `n_random` spread by population.

    Every comuna gets at least `min_per_comuna` activities; big comunas get more (weight ∝ population^0.7).
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
        rural = row["comuna"] in RURAL_COMUNAS
        zona = "Rural" if rng.random() < (0.75 if rural else 0.12) else "Urbano"
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


# --------------------------------------------------------------------------- headers

H_ELQUI = ["Fecha", "Comuna", "Nombre de la actividad", "Tipo de actividad", "Línea", "Urbano/Rural",
           "Tipo de organización", "Organización", "Nombre completo", "RUT", "Sexo", "Edad"]
H_LIMARI = ["FECHA ACTIVIDAD", "COMUNA", "NOMBRE ACTIVIDAD", "TIPO", "PROGRAMA", "SECTOR",
            "TIPO ORGANIZACION", "NOMBRE ORGANIZACIÓN", "NOMBRES Y APELLIDOS", "RUN", "GÉNERO", "EDAD"]
H_CHOAPA = ["fecha de la actividad", "comuna actividad", "Nombre actividad", "tipo de actividad", "Área",
            "urbano rural", "Tipo de Organización", "organización", "Nombre y apellido", "R.U.T.",
            "genero", "Edad"]
H_CP1252 = ["Fecha", "Comuna", "Título actividad", "Tipo", "Línea de trabajo", "Zona",
            "Tipo organizacion", "Organizacion", "Nombres y apellidos", "Rut", "Sexo", "Edad"]
H_BOM = ["fecha", "comuna", "actividad", "tipo_actividad", "linea", "zona", "tipo_organizacion",
         "organizacion", "nombre", "rut", "sexo", "edad", "Observaciones"]
H_TAB = ["Código actividad", "Fecha", "Comuna", "Nombre de la actividad", "Tipo", "Programa",
         "Urbano/Rural", "Tipo de organización", "Organización", "Nombre completo", "RUN", "Sexo", "Edad"]
H_SUMMARY = ["Fecha", "Comuna", "Nombre de la actividad", "Tipo de actividad", "Línea", "Urbano/Rural",
             "Tipo de organización", "Organización", "N° Mujeres", "N° Hombres", "Total"]
PERSON_CANON = ["fecha", "comuna", "actividad", "tipo_actividad", "linea", "zona", "tipo_organizacion",
                "organizacion", "nombre", "rut", "sexo", "edad"]
SUMMARY_CANON = ["fecha", "comuna", "actividad", "tipo_actividad", "linea", "zona", "tipo_organizacion",
                 "organizacion", "asistentes_mujeres", "asistentes_hombres", "total_asistentes"]


def header(displayed: list[str], canon: list[str]) -> list[tuple[str, str]]:
    if len(displayed) == len(canon) + 1 and displayed[0] == "Código actividad":
        canon = ["id_actividad", *canon]
    if len(displayed) == len(canon) + 1:
        canon = [*canon, "observaciones"]
    return list(zip(canon, displayed))


INSTRUCTIONS = [
    "Instrucciones para completar la lista de asistencia",
    "1. Registre una fila por cada persona asistente a cada actividad.",
    "2. Escriba la fecha de la actividad como día, mes y año.",
    "3. El RUT se escribe con dígito verificador; si la persona no lo entrega, deje la celda vacía.",
    "4. No modifique los encabezados de la hoja de registro.",
    "Documento de uso interno. Datos sintéticos de demostración.",
]


def _title(region_full: str, what: str, year: int) -> list[str]:
    return [f"SERVIU {region_full}", f"{what} — año {year}", "Unidad de Participación Ciudadana"]


# --------------------------------------------------------------------------- one year of person rows

def _split_rows(rng, rows: list[Row], n_bad: dict[str, int], year: int, cut_region: str) -> list[Row]:
    """Replace a few rows of activities with ≥ 6 attendees (and no typo) by corrupted copies."""
    out = list(rows)
    by_act = Counter(r.activity for r in rows)
    candidates = [i for i, r in enumerate(rows) if by_act[r.activity] >= 6 and r.corrected is None]
    chosen = rng.choice(candidates, size=sum(n_bad.values()), replace=False) if candidates else []
    reasons = [(reason, k) for reason, n in n_bad.items() for k in range(n)]
    for i, (reason, k) in zip(sorted(int(c) for c in chosen), reasons):
        out[i] = corrupt(rows[i], reason, year, cut_region, rng, k)
    return out


def _zona_conflict(rows: list[Row]) -> list[Row]:
    """One row of a big activity says the other zona: the most frequent value must win."""
    out = list(rows)
    by_act = Counter(r.activity for r in rows if r.reason is None)
    big = [uid for uid, n in sorted(by_act.items()) if n >= 8]
    if big:
        i = next(k for k, r in enumerate(rows) if r.activity == big[0] and r.reason is None)
        other = "Rural" if fold(rows[i].cells["zona"]) in ("urbano", "urbana", "u") else "Urbano"
        out[i] = Row({**rows[i].cells, "zona": other}, rows[i].activity, None, rows[i].sexo, rows[i].rut,
                     rows[i].nombre_key, rows[i].edad, corrected=rows[i].corrected)
    return out


def _within_duplicates(rng, rows: list[Row], n: int) -> list[Row]:
    """The same person signing twice in one activity: RUT re-typed in another format, or
    (without a valid RUT) the same name; inserted right after the original."""
    out = list(rows)
    candidates = [i for i, r in enumerate(rows) if r.reason is None]
    for i in sorted((int(c) for c in rng.choice(candidates, size=n, replace=False)), reverse=True):
        orig = rows[i]
        cells = dict(orig.cells)
        if orig.rut:
            body, dv = orig.rut[:-1], orig.rut[-1]
            cells["rut"] = render_rut(int(body), dv, (int(rng.integers(0, 5))))
        cells["nombre"] = str(cells["nombre"]).lower()
        out.insert(i + 1, Row(cells, orig.activity, None, orig.sexo, orig.rut, orig.nombre_key, orig.edad,
                              corrected=orig.corrected))
    return out


def build_person_year(seed: int, cut_region: str, year: int, people: list[Person], home: np.ndarray,
                      n_random: int, fixed: dict[str, list[str]], with_summary: bool) -> YearSample:
    rng = np.random.default_rng([seed, int(cut_region), year])
    reg = reference.region(cut_region)
    comunas = reference.comunas_region(cut_region)
    cuts = comunas["cut_comuna"].tolist()
    acts = make_activities(rng, cut_region, year, n_random, fixed,
                           min_per_comuna=2 if cut_region == "04" else 0)
    assign_attendees(rng, acts, people, home, cuts)
    rend = Renderer(rng, people, cut_region, year)
    region_full = reg.nombre_completo
    files: list[RawFile] = []
    activities = {a.uid: a for a in acts}

    if cut_region != "04":
        return _build_second_region(rng, reg, year, acts, rend, people, home, cuts)

    # where each activity is reported
    for a in acts:
        if a.tipo in ("Consulta ciudadana", "Cuenta pública"):
            a.source = "cp1252"
        elif a.tipo in ("Sesión COSOC", "Escuela de dirigentes"):
            a.source = "bom"
        elif a.tipo == "Difusión comunitaria":
            a.source = "tab"
            a.id_actividad = f"ACT-{year}-{a.uid:04d}"
        else:
            a.source = fold(a.provincia)
    if with_summary:  # two big events reported only as head counts (2018)
        big = [a for a in acts if a.source == "elqui" and a.tipo == "Jornada informativa"][:2]
        for a in big:
            a.source = "summary"
            n = len(a.attendees) * 3
            m = int(round(n * 0.68))
            a.counts = (m, n - m - 2, 2)
            a.attendees = []

    def by_source(src):
        return sorted((a for a in acts if a.source == src), key=lambda a: (a.fecha, a.uid))

    # Elqui: xlsx, instructions + two semesters, Excel date cells (some text dates)
    elqui = by_source("elqui")
    sem1 = [r for a in elqui if a.fecha.month <= 6 for r in rend.person_rows(a, "cell", date_styles=["cell"] * 5 + ["slash"])]
    sem2 = [r for a in elqui if a.fecha.month > 6 for r in rend.person_rows(a, "cell", date_styles=["cell"] * 5 + ["slash"])]
    sem1 = _split_rows(rng, sem1, {"fecha_faltante": 2, "comuna_de_otra_region": 3}, year, cut_region)
    sem2 = _split_rows(rng, sem2, {"comuna_desconocida": 2, "fecha_invalida": 1}, year, cut_region)
    sem2 = _within_duplicates(rng, sem2, 6)
    sem1 = _zona_conflict(sem1)
    if sem2:
        sem2.insert(len(sem2) // 2, None)  # a blank row in the middle of the data
    h = header(H_ELQUI, PERSON_CANON)
    files.append(RawFile(f"asistencia-elqui-{year}.xlsx", "xlsx", [
        Sheet("Instrucciones", [], [], lines=INSTRUCTIONS),
        Sheet("Enero-Junio", h, sem1, title=_title(region_full, "Listas de asistencia Provincia de Elqui", year)),
        Sheet("Julio-Diciembre", h, sem2, title=_title(region_full, "Listas de asistencia Provincia de Elqui", year)),
    ]))
    # the re-sent sheet: one month of Elqui's second semester, sent again in another file
    resent = {a.uid for a in [a for a in elqui if a.fecha.month == 10][:4]}
    resend_rows = [r for r in sem2 if r is not None and r.activity in resent]
    files.append(RawFile(f"asistencia-elqui-octubre-{year}-reenvio.xlsx", "xlsx", [
        Sheet("Octubre", h, resend_rows, title=_title(region_full, "Lista de asistencia octubre (reenvío)", year)),
    ]))

    # Limarí: xlsx, one sheet per semester; serial day numbers and text dates
    limari = by_source("limari")
    h = header(H_LIMARI, PERSON_CANON)
    sheets = []
    for name, months in (("1er semestre", range(1, 7)), ("2do semestre", range(7, 13))):
        rows = [r for a in limari if a.fecha.month in months
                for r in rend.person_rows(a, "serial", date_styles=["serial", "serial", "slash", "dash", "dot", "cell"])]
        sheets.append(Sheet(name, h, rows, title=[f"Registro de participación Provincia de Limarí {year}"]))
    sheets[1].rows = _split_rows(rng, sheets[1].rows, {"comuna_faltante": 1, "comuna_de_otra_region": 1}, year, cut_region)
    # an activity of last year that slipped into this year's sheet: all its rows are quarantined
    stray = [r for r in sheets[0].rows if r.activity == limari[0].uid] if limari else []
    stray = [corrupt(r, "fecha_fuera_de_anio", year, cut_region, rng) for r in stray[:8]]
    for r in stray:
        r.cells["fecha"] = stray[0].cells["fecha"]
    sheets[0].rows += stray
    files.append(RawFile(f"asistencia-limari-{year}.xlsx", "xlsx", sheets))

    # Choapa: xlsx, one sheet per comuna (ambiguous sheet in 2018)
    choapa = by_source("choapa")
    h = header(H_CHOAPA, PERSON_CANON)
    sheets = []
    for comuna in comunas.loc[comunas["provincia"] == "Choapa", "comuna"]:
        rows = [r for a in choapa if a.comuna == comuna
                for r in rend.person_rows(a, "cell", date_styles=["cell", "cell", "iso", "slash"])]
        sheets.append(Sheet(comuna, h, rows, title=[f"Asistencia {comuna} {year}", ""]))
    if with_summary:
        ghost = make_activities(rng, cut_region, year, 0, {"Reunión de diálogo": ["Illapel", "Illapel"]}, 90_000, min_per_comuna=0)
        assign_attendees(rng, ghost, people, home, cuts)
        rows = [r for a in ghost for r in rend.person_rows(a, "cell")]
        amb = [*h[:2], ("comuna", "Comuna"), *h[2:]]
        for r in rows:
            r.cells = dict(r.cells)
        sheets.append(Sheet("Illapel (copia)", amb, rows, rejected="columna_ambigua"))
    files.append(RawFile(f"asistencia-choapa-{year}.xlsx", "xlsx", sheets))

    # Consultas and cuenta pública: CSV in Windows-1252 with ';', a title line above the header
    rows = [r for a in by_source("cp1252") for r in rend.person_rows(a, "slash", date_styles=["slash", "dash", "serial_text"])]
    rows = _within_duplicates(rng, rows, 4)
    files.append(RawFile(f"consultas-y-cuenta-publica-{year}.csv", "csv", [
        Sheet("", header(H_CP1252, PERSON_CANON), rows, title=[f"Consultas ciudadanas y Cuenta Pública {year} – SERVIU"])
    ], encoding="cp1252", delimiter=";"))

    # COSOC and escuelas: CSV UTF-8 with BOM and ',' and an extra column
    rows = [r for a in by_source("bom") for r in rend.person_rows(a, "iso", date_styles=["iso", "dot", "slash"])]
    for r in rows:
        r.cells = {**r.cells, "observaciones": "Llegó tarde" if rng.random() < 0.05 else ""}
    files.append(RawFile(f"cosoc-y-escuelas-{year}.csv", "csv", [
        Sheet("", header(H_BOM, PERSON_CANON), rows)], encoding="utf-8-sig", delimiter=","))

    # difusión: a tab-delimited export of the web registry, with activity codes and INE sex codes
    rows = [r for a in by_source("tab") for r in rend.person_rows(a, "iso", sexo_style="ine")]
    files.append(RawFile(f"registro-web-{year}.csv", "csv", [
        Sheet("", header(H_TAB, PERSON_CANON), rows)], encoding="utf-8", delimiter="\t"))

    # rejected whole: the date is only in the title block, there is no date column
    ghost = make_activities(rng, cut_region, year, 0, {"Taller participativo": ["Andacollo", "Andacollo"]}, 80_000, min_per_comuna=0)
    assign_attendees(rng, ghost, people, home, cuts)
    rows = [r for a in ghost for r in rend.person_rows(a, "cell")]
    h = [(c, d) for c, d in header(H_ELQUI, PERSON_CANON) if c != "fecha"]
    files.append(RawFile(f"asistencia-andacollo-sin-fecha-{year}.xlsx", "xlsx", [
        Sheet("Asistencia", h, rows, title=[f"Taller participativo Andacollo — Fecha: {ghost[0].fecha:%d/%m/%Y}"])
    ], rejected="sin_columna_requerida"))
    # a broken workbook: cut in half in transit
    ghost = make_activities(rng, cut_region, year, 0, {"Jornada informativa": ["Monte Patria"]}, 70_000, min_per_comuna=0)
    assign_attendees(rng, ghost, people, home, cuts)
    rows = [r for a in ghost for r in rend.person_rows(a, "cell")]
    files.append(RawFile(f"asistencia-monte-patria-{year}.xlsx", "broken", [
        Sheet("Asistencia", header(H_ELQUI, PERSON_CANON), rows)], rejected="archivo_ilegible"))

    if with_summary:
        rows = [rend.summary_row(a, "slash") for a in by_source("summary")]
        h = [*header(H_SUMMARY, SUMMARY_CANON)[:-1], ("asistentes_sin_informacion", "Sin información"),
             ("total_asistentes", "Total")]
        files.append(RawFile(f"resumen-eventos-masivos-{year}.csv", "csv", [
            Sheet("", h, rows)], encoding="utf-8", delimiter=";"))
    return YearSample(reg.nombre, reg.cut, year, files, activities)


def _build_second_region(rng, reg, year, acts, rend, people, home, cuts) -> YearSample:
    """Valparaíso 2018: a smaller year in one workbook and one cp1252 CSV."""
    for a in acts:
        a.source = "csv" if a.provincia in ("San Felipe de Aconcagua", "Los Andes", "Quillota", "Petorca") else "xlsx"
    xl = sorted((a for a in acts if a.source == "xlsx"), key=lambda a: (a.fecha, a.uid))
    h = header(H_ELQUI, PERSON_CANON)
    sheets = []
    for name, months in (("Primer semestre", range(1, 7)), ("Segundo semestre", range(7, 13))):
        rows = [r for a in xl if a.fecha.month in months
                for r in rend.person_rows(a, "cell", date_styles=["cell", "cell", "slash", "serial"])]
        sheets.append(Sheet(name, h, rows, title=_title(reg.nombre_completo, "Listas de asistencia", year)))
    sheets[0].rows = _split_rows(rng, sheets[0].rows, {"comuna_de_otra_region": 2, "fecha_fuera_de_anio": 1}, year, reg.cut)
    sheets[1].rows = _within_duplicates(rng, sheets[1].rows, 3)
    cs = sorted((a for a in acts if a.source == "csv"), key=lambda a: (a.fecha, a.uid))
    rows = [r for a in cs for r in rend.person_rows(a, "slash", date_styles=["slash", "dash", "iso"])]
    rows = _split_rows(rng, rows, {"comuna_desconocida": 2, "fecha_faltante": 1}, year, reg.cut)
    files = [
        RawFile(f"asistencia-valparaiso-{year}.xlsx", "xlsx", [Sheet("Instrucciones", [], [], lines=INSTRUCTIONS), *sheets]),
        RawFile(f"asistencia-aconcagua-quillota-petorca-{year}.csv", "csv",
                [Sheet("", header(H_CP1252, PERSON_CANON), rows)], encoding="cp1252", delimiter=";"),
    ]
    return YearSample(reg.nombre, reg.cut, year, files, {a.uid: a for a in acts})


# --------------------------------------------------------------------------- 2016: summaries only

def build_summary_year(seed: int, year: int) -> YearSample:
    rng = np.random.default_rng([seed, 4, year])
    reg = reference.region("04")
    acts = make_activities(rng, "04", year, 158, {"Escuela de dirigentes": ["La Serena", "Ovalle", "Illapel"],
                                                  "Sesión COSOC": ["La Serena", "Ovalle"],
                                                  "Cuenta pública": ["La Serena"]})
    for a in acts:
        n = _size(rng, a.tipo)
        m = int(rng.binomial(n, 0.64))
        a.counts = (m, n - m, 0)
    rend = Renderer(rng, [], "04", year)
    acts = sorted(acts, key=lambda a: (a.fecha, a.uid))
    first = [rend.summary_row(a, "cell", True) for a in acts if a.fecha.month <= 6]
    second = [rend.summary_row(a, _pick(rng, ["slash", "slash", "dash"])) for a in acts if a.fecha.month > 6]
    first = _corrupt_summaries(rng, first, {"comuna_de_otra_region": 1, "conteo_invalido": 1}, year)
    second = _corrupt_summaries(rng, second, {"conteo_inconsistente": 1, "fecha_fuera_de_anio": 1}, year)
    first.insert(10, None)
    h = header(H_SUMMARY, SUMMARY_CANON)
    files = [
        RawFile(f"resumen-actividades-enero-junio-{year}.xlsx", "xlsx", [
            Sheet("Resumen", h, first, title=_title(reg.nombre_completo, "Resumen de actividades de participación", year)),
        ]),
        RawFile(f"resumen-actividades-julio-diciembre-{year}.csv", "csv", [Sheet("", h, second)],
                encoding="cp1252", delimiter=";"),
    ]
    return YearSample(reg.nombre, reg.cut, year, files, {a.uid: a for a in acts})


def _corrupt_summaries(rng, rows: list[Row], n_bad: dict[str, int], year: int) -> list[Row]:
    out = list(rows)
    free = [i for i, r in enumerate(rows) if r.corrected is None]
    reasons = [reason for reason, n in n_bad.items() for _ in range(n)]
    for i, reason in zip(sorted(int(c) for c in rng.choice(free, size=len(reasons), replace=False)), reasons):
        out[i] = corrupt(rows[i], reason, year, "04", rng)
    return out


# --------------------------------------------------------------------------- plans and highlights

def plan_document(year: int, compromisos: list[dict]) -> dict:
    assert sum(c["ponderacion"] for c in compromisos) == 100
    return {"anio": year, "titulo": f"Plan de Participación Ciudadana {year}", "compromisos": compromisos}


PLANS = {
    2017: [
        {"nombre": "Escuelas de Formación de Dirigentes Sociales", "meta": 8, "ponderacion": 25,
         "filtro": {"tipo_actividad": ["Escuela de dirigentes"]}},
        {"nombre": "Sesiones COSOC fuera de La Serena", "meta": 2, "ponderacion": 15,
         "filtro": {"tipo_actividad": ["Sesión COSOC"], "comunas_excluidas": ["La Serena"]}},
        {"nombre": "Consultas Ciudadanas", "meta": 3, "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Consulta ciudadana"]}},
        {"nombre": "Talleres participativos del Programa Barrios", "meta": 12, "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Taller participativo"], "linea": ["Barrios"]}},
        {"nombre": "Jornadas informativas en la provincia de Choapa (15 o más asistentes)", "meta": 8,
         "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Jornada informativa"],
                    "comunas_incluidas": ["Illapel", "Canela", "Los Vilos", "Salamanca"], "min_asistentes": 15}},
    ],
    2018: [
        {"nombre": "Escuelas de Formación de Dirigentes Sociales", "meta": 8, "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Escuela de dirigentes"]}},
        {"nombre": "Sesiones COSOC fuera de La Serena", "meta": 2, "ponderacion": 15,
         "filtro": {"tipo_actividad": ["Sesión COSOC"], "comunas_excluidas": ["La Serena"]}},
        {"nombre": "Consultas Ciudadanas", "meta": 3, "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Consulta ciudadana"]}},
        {"nombre": "Jornadas de Pavimentación Participativa", "meta": 10, "ponderacion": 15,
         "filtro": {"tipo_actividad": ["Jornada informativa"], "linea": ["Pavimentación Participativa"]}},
        {"nombre": "Actividades en comunas rurales", "meta": 30, "ponderacion": 20,
         "filtro": {"comunas_incluidas": ["La Higuera", "Paiguano", "Río Hurtado", "Canela", "Punitaqui",
                                          "Combarbalá"]}},
        {"nombre": "Cuenta Pública Participativa", "meta": 1, "ponderacion": 10,
         "filtro": {"tipo_actividad": ["Cuenta pública"], "min_asistentes": 50}},
    ],
    2019: [
        {"nombre": "Escuelas de Formación de Dirigentes Sociales", "meta": 10, "ponderacion": 25,
         "filtro": {"tipo_actividad": ["Escuela de dirigentes"]}},
        {"nombre": "Sesiones COSOC fuera de La Serena", "meta": 3, "ponderacion": 15,
         "filtro": {"tipo_actividad": ["Sesión COSOC"], "comunas_excluidas": ["La Serena"]}},
        {"nombre": "Consultas Ciudadanas", "meta": 4, "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Consulta ciudadana"]}},
        {"nombre": "Talleres participativos de Espacios Públicos", "meta": 12, "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Taller participativo"], "linea": ["Espacios Públicos"]}},
        {"nombre": "Actividades en la provincia de Limarí", "meta": 60, "ponderacion": 20,
         "filtro": {"comunas_incluidas": ["Ovalle", "Combarbalá", "Monte Patria", "Punitaqui", "Río Hurtado"]}},
    ],
}


def plan_yaml(year: int) -> str:
    doc = plan_document(year, PLANS[year])
    head = (f"# Plan de Participación Ciudadana {year} — SERVIU Región de Coquimbo\n"
            "# Datos sintéticos de demostración. ponderacion en %; las ponderaciones suman 100.\n"
            "# filtro (opcional): tipo_actividad, linea, comunas_incluidas, comunas_excluidas, min_asistentes\n")
    return head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


def destacadas_csv(ys: YearSample, rng: np.random.Generator) -> tuple[str, dict[str, int]]:
    """Three featured activities of the year (real ones of the sample), one without photo."""
    kinds = ["Cuenta pública", "Escuela de dirigentes", "Taller participativo"]
    chosen = []
    for kind in kinds:
        pool = sorted((a for a in ys.activities.values() if a.tipo == kind and a.source != "summary"),
                      key=lambda a: (a.fecha, a.uid))
        if pool:
            chosen.append(pool[int(rng.integers(0, len(pool)))])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["fecha", "comuna", "titulo", "linea", "foto"])
    photos = {}
    for k, a in enumerate(chosen):
        foto = f"destacada-{ys.year}-{k + 1}.png" if k < 2 else ""
        if foto:
            photos[foto] = int(rng.integers(0, 2**31))
        w.writerow([a.fecha.strftime("%d/%m/%Y"), a.comuna, a.titulo, a.linea, foto])
    return buf.getvalue(), photos


def draw_photo(path: Path, seed: int) -> None:
    """A small abstract illustration (houses and people as shapes), not a photo."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, Polygon, Rectangle

    rng = np.random.default_rng(seed)
    palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
    fig = Figure(figsize=(4, 2.5), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 16)
    ax.set_ylim(0, 10)
    ax.axis("off")
    ax.add_patch(Rectangle((0, 0), 16, 10, color="#F2EFE6"))
    ax.add_patch(Rectangle((0, 0), 16, 2.2, color="#C9B98F"))
    for k in range(int(rng.integers(3, 6))):
        x = 0.8 + k * 3.1 + rng.uniform(-0.3, 0.3)
        hgt = rng.uniform(2.2, 4.0)
        color = palette[int(rng.integers(0, len(palette)))]
        ax.add_patch(Rectangle((x, 2.2), 2.4, hgt, color=color))
        ax.add_patch(Polygon([(x - 0.2, 2.2 + hgt), (x + 1.2, 3.6 + hgt), (x + 2.6, 2.2 + hgt)], color="#7A4B3A"))
    for k in range(int(rng.integers(4, 8))):
        x = rng.uniform(0.5, 15.5)
        ax.add_patch(Circle((x, 1.6), 0.35, color="#333333"))
        ax.add_patch(Rectangle((x - 0.3, 0.3), 0.6, 1.0, color=palette[k % len(palette)]))
    ax.add_patch(Circle((14, 8.5), 0.8, color="#E69F00"))
    fig.savefig(path, format="png", metadata={"Software": None})


# --------------------------------------------------------------------------- the whole sample

def build_sample(seed: int = DEFAULT_SEED) -> Sample:
    """The whole sample in memory (nothing written): Coquimbo 2016–2018 and Valparaíso 2018."""
    _check_comuna_typos("04")
    _check_comuna_typos("05")
    coq = reference.comunas_region("04")
    rng = np.random.default_rng([seed, 4])
    people = make_people(rng, 3600)
    w = coq["poblacion_total"].astype(float).to_numpy() ** 0.7
    home = rng.choice(len(coq), size=len(people), p=w / w.sum())
    years = [build_summary_year(seed, 2016)]
    fixed = {
        2017: {"Escuela de dirigentes": ["La Serena", "La Serena", "Coquimbo", "Ovalle", "Ovalle", "Illapel",
                                         "Vicuña", "Salamanca"],
               "Sesión COSOC": ["La Serena", "La Serena", "Ovalle", "Illapel"],
               "Consulta ciudadana": ["La Serena", "Coquimbo"],
               "Cuenta pública": ["La Serena"]},
        2018: {"Escuela de dirigentes": ["La Serena", "Coquimbo", "Ovalle", "Illapel", "Monte Patria", "Vicuña"],
               "Sesión COSOC": ["La Serena", "Coquimbo", "Ovalle", "Los Vilos"],
               "Consulta ciudadana": ["La Serena", "Coquimbo", "Ovalle"],
               "Cuenta pública": ["Coquimbo"]},
    }
    years.append(build_person_year(seed, "04", 2017, people, home, 170, fixed[2017], with_summary=False))
    years.append(build_person_year(seed, "04", 2018, people, home, 190, fixed[2018], with_summary=True))
    # Valparaíso 2018: its own people
    val = reference.comunas_region("05")
    rng5 = np.random.default_rng([seed, 5])
    people5 = make_people(rng5, 900)
    w5 = val["poblacion_total"].astype(float).to_numpy() ** 0.7
    home5 = rng5.choice(len(val), size=len(people5), p=w5 / w5.sum())
    years.append(build_person_year(seed, "05", 2018, people5, home5, 56,
                                   {"Sesión COSOC": ["Valparaíso", "Viña del Mar"]}, with_summary=False))
    # plans and highlights
    hl_rng = np.random.default_rng([seed, 99])
    for ys in years:
        if ys.cut_region != "04":
            continue
        if ys.year in (2017, 2018):
            text, photos = destacadas_csv(ys, hl_rng)
            ys.extra["destacadas.csv"] = text
            ys.photos = photos
            ys.extra[f"plan-{ys.year}.yml"] = plan_yaml(ys.year)
            ys.extra[f"plan-{ys.year + 1}.yml"] = plan_yaml(ys.year + 1)
            ys.plan = plan_document(ys.year, PLANS[ys.year])
    return Sample(seed, years)


# --------------------------------------------------------------------------- ground truth

def _matches(act: Activity, n_asist: int, filtro: dict) -> bool:
    if "tipo_actividad" in filtro and act.tipo not in filtro["tipo_actividad"]:
        return False
    if "linea" in filtro and fold(act.linea) not in {fold(x) for x in filtro["linea"]}:
        return False
    if "comunas_incluidas" in filtro and act.comuna not in filtro["comunas_incluidas"]:
        return False
    if act.comuna in filtro.get("comunas_excluidas", []):
        return False
    return n_asist >= filtro.get("min_asistentes", 0)


def expected_figures(ys: YearSample) -> dict:
    """Figures the pipeline must report for one year, by the data contract's rules, computed
    from what the generator knows of every row (not by reading the files back).

    Rows are taken file by file in file-name order, sheet by sheet; quarantine first, then
    duplicates (same activity and same valid RUT, or without one the same folded name).
    Summary rows count their head counts (the sample's summaries always carry an explicit
    `Sin información` count when total ≠ mujeres + hombres).

    Keys: the `indicadores.json` keys of the contract that follow from the logs alone —
    anio, region, actividades, asistencias, mujeres, hombres, sexo_sin_informacion,
    comunas_alcanzadas, comunas_region, personas_unicas (None without person rows),
    asistencias_sin_rut_valido, actividades_por_{comuna,provincia,zona,tipo_organizacion,
    tipo_actividad}, asistencias_por_comuna, asistencias_por_grupo_etario — and of `calidad`:
    filas_leidas, filas_validas, duplicados, cuarentena, cuarentena_por_motivo (every code,
    zeros included), comunas_corregidas {typed: comuna}, archivos_rechazados and
    hojas_omitidas (counts, not lists). Years with a plan add `plan`:
    [{nombre, meta, ponderacion, logrado}].
    """
    comunas = reference.comunas_region(ys.cut_region)
    read = valid = dups = 0
    quarantine: Counter = Counter()
    rejected = skipped = 0
    corrected: dict[str, str] = {}
    seen: set[tuple] = set()
    act_sex: dict[int, Counter] = {}
    persons: set[str] = set()
    sin_rut = 0
    ages: Counter = Counter()
    has_person_rows = False
    for f in sorted(ys.files, key=lambda f: f.name):
        if f.rejected:
            rejected += 1
            continue
        for sh in f.sheets:
            if sh.lines is not None:
                skipped += 1
                continue
            if sh.rejected:
                rejected += 1
                continue
            for r in sh.rows:
                if r is None:
                    continue
                read += 1
                if r.reason:
                    quarantine[r.reason] += 1
                    continue
                if r.corrected:
                    corrected[r.corrected[0]] = r.corrected[1]
                c = act_sex.setdefault(r.activity, Counter())
                if r.counts is not None:
                    valid += 1
                    c["Mujer"] += r.counts[0]
                    c["Hombre"] += r.counts[1]
                    c["Sin información"] += r.counts[2]
                    continue
                has_person_rows = True
                key = (r.activity, ("rut", r.rut) if r.rut else ("nombre", r.nombre_key))
                if key in seen:
                    dups += 1
                    continue
                seen.add(key)
                valid += 1
                c[r.sexo] += 1
                if r.rut:
                    persons.add(r.rut)
                else:
                    sin_rut += 1
                ages["Sin información" if r.edad is None else "0 a 17 años" if r.edad < 18
                     else "18 a 59 años" if r.edad < 60 else "60 años y más"] += 1
    acts = {uid: ys.activities[uid] for uid in act_sex}
    asist = {uid: sum(c.values()) for uid, c in act_sex.items()}
    total = Counter()
    for c in act_sex.values():
        total.update(c)
    by_comuna = Counter(a.comuna for a in acts.values())
    asist_comuna = Counter()
    for uid, a in acts.items():
        asist_comuna[a.comuna] += asist[uid]
    provs = reference.provincias_region(ys.cut_region)

    truth = {
        "anio": ys.year,
        "region": ys.region,
        "filas_leidas": read,
        "filas_validas": valid,
        "duplicados": dups,
        "cuarentena": sum(quarantine.values()),
        "cuarentena_por_motivo": {code: quarantine[code] for code in QUARANTINE_REASONS},
        "archivos_rechazados": rejected,
        "hojas_omitidas": skipped,
        "comunas_corregidas": dict(sorted(corrected.items())),
        "actividades": len(acts),
        "asistencias": sum(asist.values()),
        "mujeres": total["Mujer"],
        "hombres": total["Hombre"],
        "sexo_sin_informacion": total["Sin información"],
        "comunas_alcanzadas": len(by_comuna),
        "comunas_region": len(comunas),
        "personas_unicas": len(persons) if has_person_rows else None,
        "asistencias_sin_rut_valido": sin_rut,
        "actividades_por_comuna": {c: by_comuna[c] for c in comunas["comuna"]},
        "asistencias_por_comuna": {c: asist_comuna[c] for c in comunas["comuna"]},
        "actividades_por_provincia": {p: sum(1 for a in acts.values() if a.provincia == p) for p in provs},
        "actividades_por_zona": {z: sum(1 for a in acts.values() if a.zona == z) for z in ZONAS},
        "actividades_por_tipo_organizacion": {t: sum(1 for a in acts.values() if a.org_tipo == t)
                                              for t in TIPOS_ORGANIZACION},
        "actividades_por_tipo_actividad": {t: sum(1 for a in acts.values() if a.tipo == t) for t in TIPOS_ACTIVIDAD},
        "asistencias_por_grupo_etario": dict(ages) if has_person_rows else None,
    }
    if ys.plan:
        truth["plan"] = [
            {"nombre": c["nombre"], "meta": c["meta"], "ponderacion": c["ponderacion"],
             "logrado": sum(1 for uid, a in acts.items() if _matches(a, asist[uid], c.get("filtro", {})))}
            for c in ys.plan["compromisos"]
        ]
    return truth


def expected(seed: int = DEFAULT_SEED) -> dict:
    """Ground truth of the sample made with `seed`: `{region: {year: figures}}`."""
    out: dict = {}
    for ys in build_sample(seed).years:
        out.setdefault(ys.region, {})[ys.year] = expected_figures(ys)
    return out


# --------------------------------------------------------------------------- writing files

def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _sheet_matrix(sh: Sheet, as_text: bool) -> list[list]:
    if sh.lines is not None:
        return [[line] for line in sh.lines]
    width = len(sh.header)
    out: list[list] = [[t] + [None] * (width - 1) if not as_text else [t] + [""] * (width - 1) for t in sh.title]
    out.append([d for _, d in sh.header])
    for r in sh.rows:
        if r is None:
            out.append([None if not as_text else ""] * width)
            continue
        vals = [r.cells.get(c) for c, _ in sh.header]
        if as_text:
            vals = [_cell_text(v) for v in vals]
        else:
            vals = [None if v == "" else v for v in vals]
        out.append(vals)
    return out


def _stable_zip(data: bytes) -> bytes:
    """Rewrite an xlsx (a zip) with fixed timestamps so the same content gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + FIXED_DOC_TIME.encode(), content)
            zi = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, content)
    return buf.getvalue()


def xlsx_bytes(f: RawFile) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for sh in f.sheets:
        ws = wb.create_sheet(sh.name)
        for row in _sheet_matrix(sh, as_text=False):
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return _stable_zip(buf.getvalue())


def csv_bytes(f: RawFile) -> bytes:
    buf = io.StringIO()
    terminator = "\r\n" if f.encoding == "cp1252" else "\n"
    w = csv.writer(buf, delimiter=f.delimiter, lineterminator=terminator)
    for sh in f.sheets:
        for row in _sheet_matrix(sh, as_text=True):
            if len(row) and sh.title and row[0] in sh.title and all(x == "" for x in row[1:]):
                w.writerow([row[0]])
            else:
                w.writerow(row)
    return buf.getvalue().encode(f.encoding)


def file_bytes(f: RawFile) -> bytes:
    if f.kind == "csv":
        return csv_bytes(f)
    data = xlsx_bytes(f)
    if f.kind == "broken":
        return data[: len(data) // 2]
    return data


def sample_dir(out_dir: Path, region: str, year: int) -> Path:
    """Folder of one region's year under `out_dir`, as `config.paths` lays out data/raw
    (`<year>/` for the default region, `regiones/<slug>/<year>/` for any other)."""
    reg = reference.region(region)
    if reg.nombre == reference.region(config.DEFAULT_REGION).nombre:
        return Path(out_dir) / str(year)
    return Path(out_dir) / "regiones" / reg.slug / str(year)


def year_dir(out_dir: Path, ys: YearSample) -> Path:
    return sample_dir(out_dir, ys.cut_region, ys.year)


def write_sample(sample: Sample, out_dir: Path) -> list[Path]:
    """Write every file of `sample` under `out_dir`; returns the paths written."""
    written = []
    for ys in sample.years:
        d = year_dir(Path(out_dir), ys)
        d.mkdir(parents=True, exist_ok=True)
        for f in ys.files:
            (d / f.name).write_bytes(file_bytes(f))
            written.append(d / f.name)
        for name, text in ys.extra.items():
            (d / name).write_bytes(text.encode("utf-8"))
            written.append(d / name)
        for name, photo_seed in ys.photos.items():
            draw_photo(d / name, photo_seed)
            written.append(d / name)
    return written


def generate_sample(out_dir: Path, seed: int = DEFAULT_SEED) -> dict:
    """Write the sample under `out_dir` and return its ground truth `{region: {year: figures}}`.

    Layout: `<out_dir>/<year>/` for Coquimbo 2016–2018 and
    `<out_dir>/regiones/valparaiso/2018/` for Valparaíso. See `expected_figures` for the keys.
    """
    sample = build_sample(seed)
    write_sample(sample, Path(out_dir))
    out: dict = {}
    for ys in sample.years:
        out.setdefault(ys.region, {})[ys.year] = expected_figures(ys)
    return out


# --------------------------------------------------------------------------- benchmark scale

SCALE_HEADER = ["Fecha", "Comuna", "Nombre de la actividad", "Tipo de actividad", "Línea", "Urbano/Rural",
                "Tipo de organización", "Organización", "Nombre completo", "RUT", "Sexo", "Edad"]


def _scale_comunas(regions) -> tuple[list[str], np.ndarray]:
    if regions == "all":
        cuts = reference.regiones()["cut_region"].tolist()
    else:
        cuts = [reference.region(r).cut for r in regions]
    frame = pd.concat([reference.comunas_region(c) for c in cuts], ignore_index=True)
    pop = frame["poblacion_total"].astype(float).fillna(1000).to_numpy()
    return frame["comuna"].tolist(), pop ** 0.7


def write_scale_csv(path: Path, n_rows: int, seed: int, regions="all", year: int = 2018,
                    delimiter: str = ";", chunk_rows: int = 200_000) -> None:
    """A messy person-rows CSV (UTF-8) of exactly `n_rows` data rows, for benchmarks.

    Activities are spread over the comunas of `regions` ("all" or a list of names/codes)
    by population; each row is one attendee. The mess matches the sample's: dates in five
    forms incl. Excel serials, RUTs in every format with ~2% bad check digits and ~4% blank,
    sexo in words, letters and INE codes, comunas in upper case, without accents or with a
    typo; ~0.6% rows quarantined (blank date, other year, unknown comuna, comuna of another
    region when `regions` is one region) and ~1% duplicates
    (a person signed twice). Rows are written in chunks, so memory stays flat at any size.
    """
    rng = np.random.default_rng([seed, year, 7])
    comunas, w = _scale_comunas(regions)
    n_act = max(1, n_rows // 30)
    n_people = int(min(max(n_rows // 3, 50), 300_000))
    sep = delimiter

    # people: rendered once (vectorised where it matters, plain loops over a capped pool)
    f_idx = rng.integers(0, len(FIRST_F), n_people)
    m_idx = rng.integers(0, len(FIRST_M), n_people)
    s1 = rng.integers(0, len(SURNAMES), n_people)
    s2 = rng.integers(0, len(SURNAMES), n_people)
    women = rng.random(n_people) < 0.66
    ruts = rng.integers(4_000_000, 26_000_000, n_people)
    digits = ruts.copy()
    total = np.zeros(n_people, dtype=np.int64)
    factor = 2
    while digits.any():
        total += (digits % 10) * factor
        digits //= 10
        factor = factor + 1 if factor < 7 else 2
    rest = 11 - total % 11
    dv_codes = np.where(rest == 11, 0, rest)  # 10 means K
    style = rng.choice(7, n_people, p=[0.4, 0.22, 0.12, 0.08, 0.08, 0.06, 0.04])
    sexo_form = rng.integers(0, 8, n_people)
    ages = rng.integers(5, 95, n_people)
    age_bad = rng.random(n_people)
    fem = np.array(FIRST_F, dtype=object)
    mal = np.array(FIRST_M, dtype=object)
    sur = np.array(SURNAMES, dtype=object)
    first = np.where(women, fem[f_idx], mal[m_idx])
    names = first + " " + sur[s1] + " " + sur[s2]
    dv_chars = np.array(list("0123456789K"), dtype=object)
    people = []
    for i in range(n_people):
        dv = dv_chars[dv_codes[i]]
        st = style[i]
        if st == 5:
            dv = dv_chars[(dv_codes[i] + 3) % 11]  # invalid check digit
            st = 1
        rut = "" if st == 6 else render_rut(int(ruts[i]), dv, int(st) if st < 5 else 1)
        sx = "Mujer" if women[i] else "Hombre"
        sexo = INE_SEXO[sx] if sexo_form[i] == 7 else SEXO_SPELLINGS[sx][sexo_form[i]]
        if sexo_form[i] == 6 and i % 5 == 0:
            sexo = "Otro"
        edad = "" if age_bad[i] < 0.08 else "150" if age_bad[i] > 0.995 else str(ages[i])
        nm = names[i].upper() if i % 5 == 0 else names[i]
        people.append(sep.join((nm, rut, sexo, edad)))
    people = np.array(people, dtype=object)

    # activities: rendered once
    comuna_idx = rng.choice(len(comunas), n_act, p=w / w.sum())
    days = rng.integers(0, 365, n_act)
    kinds = [k for k in TIPO_SPELLINGS if k != "Sin información"]
    kind_idx = rng.integers(0, len(kinds), n_act)
    date_style = rng.integers(0, 6, n_act)
    bad = rng.random(n_act)
    styles = ["slash", "dash", "dot", "iso", "serial_text", "slash"]
    elsewhere = reference.comunas()["comuna"].tolist()[::17]
    acts = []
    start = date(year, 1, 1)
    for j in range(n_act):
        day = start + timedelta(days=int(days[j]))
        comuna = comunas[comuna_idx[j]]
        if j % 7 == 1:
            comuna = comuna.upper()
        elif j % 7 == 2:
            comuna = fold(comuna).title()
        elif j % 97 == 3 and len(comuna) > 5:
            comuna = comuna[:-2] + comuna[-1] + comuna[-2]  # a transposition: Levenshtein 2
        if bad[j] < 0.002:
            fecha = ""
        elif bad[j] < 0.004:
            fecha = render_date(day.replace(year=year - 1), "slash")
        else:
            fecha = render_date(day, styles[date_style[j]])
        if 0.004 <= bad[j] < 0.005:
            comuna = "Sector Desconocido"
        elif 0.005 <= bad[j] < 0.006:
            comuna = elsewhere[j % len(elsewhere)]  # a comuna of another region (or of the same)
        kind = kinds[kind_idx[j]]
        acts.append(sep.join((fecha, comuna, f"{kind} {j}", _pick(rng, TIPO_SPELLINGS[kind]),
                              LINEAS[j % len(LINEAS)], ("Urbano", "Rural", "U", "R")[j % 4],
                              ("Comité de Vivienda", "JJVV", "Club deportivo", "")[j % 4], f"Organización {j % 500}")))
    acts = np.array(acts, dtype=object)

    # rows: activity of each row (sorted, as sheets are), person drawn at random; 1% re-signed
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(sep.join(SCALE_HEADER) + "\n")
        done = 0
        while done < n_rows:
            n = min(chunk_rows, n_rows - done)
            a = np.sort(rng.integers(0, n_act, n))
            p = rng.integers(0, n_people, n)
            again = np.flatnonzero(rng.random(n) < 0.01)
            again = again[again > 0]
            same_act = a[again] == a[again - 1]
            p[again[same_act]] = p[again[same_act] - 1]
            lines = acts[a] + sep + people[p]
            out.write("\n".join(lines.tolist()))
            out.write("\n")
            done += n


def write_scale_logs(root: Path, n_rows: int, seed: int, years=(2018,), regions="all") -> list[Path]:
    """`n_rows` rows spread over one CSV per region and year, in the layout of `config.paths`
    (`<root>/<year>/escala.csv` for Coquimbo, `<root>/regiones/<slug>/<year>/escala.csv`
    otherwise), each region's share ∝ its population^0.7. Returns the files written."""
    regs = reference.regiones()["cut_region"].tolist() if regions == "all" else [reference.region(r).cut for r in regions]
    weights = np.array([reference.comunas_region(c)["poblacion_total"].astype(float).sum() ** 0.7 for c in regs])
    cells = len(regs) * len(years)
    share = np.repeat(weights / weights.sum() / len(years), len(years))
    counts = np.floor(share * n_rows).astype(int)
    counts[: n_rows - counts.sum()] += 1
    paths = []
    k = 0
    for cut in regs:
        reg = reference.region(cut)
        for year in years:
            sub = Path(str(year)) if cut == "04" else Path("regiones") / reg.slug / str(year)
            target = Path(root) / sub / "escala.csv"
            write_scale_csv(target, int(counts[k]), seed + k, regions=[cut], year=year)
            paths.append(target)
            k += 1
    assert k == cells
    return paths


# --------------------------------------------------------------------------- CLI

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.sample",
        description="Genera la muestra sintética de listas de asistencia (datos ficticios).")
    parser.add_argument("--out", default="data/raw", help="carpeta de destino (por defecto data/raw)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="semilla (por defecto 2017)")
    parser.add_argument("--escala", type=int, default=0,
                        help="en vez de la muestra, escribe N filas por región para benchmarks")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.escala:
        for p in write_scale_logs(out, args.escala, args.seed):
            print(p)
        return 0
    truth = generate_sample(out, args.seed)
    for region, years in truth.items():
        for year, t in years.items():
            print(f"{region} {year}: {t['actividades']} actividades, {t['asistencias']} asistencias, "
                  f"{t['filas_leidas']} filas leídas, {t['cuarentena']} en cuarentena, "
                  f"{t['duplicados']} duplicados")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
