"""The sample's data model (people, activities, rows, sheets, files) and small helpers:
RUTs with check digit, dates in every format, Excel serials."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
import unicodedata

import numpy as np

from pipeline import reference
from pipeline.sample.vocabulary import EXCEL_EPOCH, OTHER_REGION, TYPOS, UNKNOWN_COMUNA
from pipeline.text import fold


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
    files_extra: dict[str, bytes] = field(default_factory=dict)  # nested files (verificadores/…) → bytes


@dataclass
class Sample:
    seed: int
    years: list[YearSample]
    planes: dict[str, str] = field(default_factory=dict)  # data/raw/planes/<name> → text


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


