"""Verifiers (evidence) of activities: which exist, found in folders or in a column of the logs.

An activity's evidence is a folder under `data/raw/<year>/verificadores/` named either

- by the activity's code, as typed in the logs' `id_actividad` column: `verificadores/A-0123/`; or
- by its date, comuna and title: `verificadores/2018-05-14 Ovalle Sesión COSOC/` (date as
  AAAA-MM-DD first; then the comuna and the title as in the logs; case, accents, `_`, `-`
  and other punctuation ignored).

Each file inside (subfolders too) is classified by the start of its name: `invitacion*`,
`convocatoria*`, `citacion*`, `asistencia*` / `lista*`, `foto*`, `acta*`, `informe*`,
`programa*`. A file of another name is kept as "sin clasificar". A `verificadores` column
in the logs (e.g. "acta; fotografías") adds the kinds it lists to its activity. Files are
never opened: evidence is known by name only (an attendance sheet is named, never read).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.text import fold

if TYPE_CHECKING:  # pandas is imported by the callers; the stage cache only needs input_files
    import pandas as pd

FOLDER = "verificadores"          # under data/raw/<year>/ (config.Paths.verificadores)

KINDS = ["invitación", "convocatoria", "citación", "asistencia", "fotografías", "acta", "informe",
                 "programa de formación"]

# folded names a plan or a log column may use → canonical name
_NAMES = {fold(v): v for v in KINDS}
_NAMES.update({
    "invitaciones": "invitación", "convocatorias": "convocatoria", "citaciones": "citación",
    "lista de asistencia": "asistencia", "listas de asistencia": "asistencia", "asistencias": "asistencia",
    "fotografia": "fotografías", "fotos": "fotografías", "foto": "fotografías", "actas": "acta",
    "informes": "informe", "programa": "programa de formación", "programas de formacion": "programa de formación",
})
# start of a folded file name → canonical name (longest first)
_PREFIXES = [
    ("lista de asistencia", "asistencia"), ("programa", "programa de formación"), ("invitacion", "invitación"),
    ("convocatoria", "convocatoria"), ("citacion", "citación"), ("asistencia", "asistencia"),
    ("lista", "asistencia"), ("fotografia", "fotografías"), ("foto", "fotografías"), ("acta", "acta"),
    ("informe", "informe"),
]
_DATED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[\s_\-.]+(.+)$")
_SPLIT = re.compile(r"[;,/|+\n]| y ")


def canonical(name: object) -> str | None:
    """The canonical verifier a plan or log names (`Actas` → `acta`), or None when unknown.
    A longer name starting with a known one counts as it ("Informe de estrategia" → informe)."""
    key = fold(name)
    if key in _NAMES:
        return _NAMES[key]
    for prefix, canon in _PREFIXES:
        if key.startswith(prefix + " "):
            return canon
    return None


def classify_file(name: str) -> str | None:
    """The verifier a file is, by the start of its name; None for an unclassified file."""
    key = fold(Path(name).stem)
    for prefix, canon in _PREFIXES:
        if key.startswith(prefix):
            return canon
    return None


@dataclass
class Evidence:
    """An activity's verifiers: kinds found, and the files (name → kind or None)."""

    kinds: set[str] = field(default_factory=set)
    files: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass
class Verifiers:
    """Evidence by activity key (`clave_actividad`), and folders that match no activity."""

    by_activity: dict[str, Evidence] = field(default_factory=dict)
    without_activity: list[str] = field(default_factory=list)

    def of(self, activity: str) -> Evidence:
        return self.by_activity.get(activity) or Evidence()

    def merge(self, other: "Verifiers") -> "Verifiers":
        out = Verifiers(dict(self.by_activity), list(self.without_activity))
        for activity, ev in other.by_activity.items():
            mine = out.by_activity.setdefault(activity, Evidence())
            mine.kinds |= ev.kinds
            mine.files += ev.files
        out.without_activity += other.without_activity
        return out


def _activity_lookup(actividades: pd.DataFrame) -> tuple[dict[str, str], dict[tuple[date, str], str]]:
    import pandas as pd

    by_id: dict[str, str] = {}
    by_place: dict[tuple[date, str], str] = {}
    for row in actividades.itertuples(index=False):
        ident = getattr(row, "id_actividad", None)
        if isinstance(ident, str) and ident.strip():
            by_id.setdefault(fold(ident), row.clave_actividad)
        day = getattr(row, "fecha", None)
        if day is not None and not pd.isna(day):
            key = (pd.Timestamp(day).date(), fold(f"{row.comuna} {row.actividad}"))
            by_place.setdefault(key, row.clave_actividad)
    return by_id, by_place


def _match(folder: str, by_id: dict, by_place: dict) -> str | None:
    if fold(folder) in by_id:
        return by_id[fold(folder)]
    dated = _DATED.match(folder)
    if dated:
        try:
            day = date(int(dated[1]), int(dated[2]), int(dated[3]))
        except ValueError:
            return None
        return by_place.get((day, fold(dated[4])))
    return None


def from_folders(raw_year: Path, actividades: pd.DataFrame) -> Verifiers:
    """Evidence in `<raw_year>/verificadores/<folder>/`, matched to `actividades` (one year)."""
    root = Path(raw_year) / FOLDER
    out = Verifiers()
    if not root.is_dir():
        return out
    by_id, by_place = _activity_lookup(actividades)
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        activity = _match(folder.name, by_id, by_place)
        if activity is None:
            out.without_activity.append(folder.name)
            continue
        ev = out.by_activity.setdefault(activity, Evidence())
        for f in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith((".", "~$"))):
            kind = classify_file(f.name)
            ev.files.append((f.relative_to(folder).as_posix(), kind))
            if kind:
                ev.kinds.add(kind)
    return out


def from_column(actividades: pd.DataFrame) -> Verifiers:
    """Evidence listed in a `verificadores` column of the activities (when the logs had one)."""
    out = Verifiers()
    if "verificadores" not in actividades.columns:
        return out
    for activity, value in zip(actividades["clave_actividad"], actividades["verificadores"]):
        if not isinstance(value, str) or not value.strip():
            continue
        kinds = {canonical(part) for part in _SPLIT.split(value)} - {None}
        if kinds:
            out.by_activity.setdefault(activity, Evidence()).kinds |= kinds
    return out


def discover(raw_year: Path, actividades: pd.DataFrame) -> Verifiers:
    """Every verifier of one year's activities: folders and the logs' column together."""
    return from_folders(raw_year, actividades).merge(from_column(actividades))


def input_files(raw_root: Path, plans_dir: Path) -> list[Path]:
    """Every file a plan's compliance reads besides the processed tables: the plans under
    `plans_dir` and every year's verifier folders (for the stage fingerprint)."""
    raw_root = Path(raw_root)
    found = [p for p in Path(plans_dir).rglob("*") if p.is_file()] if Path(plans_dir).is_dir() else []
    for folder in sorted(raw_root.glob(f"[0-9][0-9][0-9][0-9]/{FOLDER}")):
        found += [p for p in folder.rglob("*") if p.is_file()]
    return sorted(found)
