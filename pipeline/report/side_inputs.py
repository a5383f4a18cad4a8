"""The inputs beside a year's logs — plans, `destacadas.csv` and its photos, `textos.yml` —
checked when the year is cleaned, so the quality report says which of them will be left out,
why and what to do (a photo by its row in `destacadas.csv`).

A bad side input is a rejection, never a failure: the indicators and the deck are made
without it (`usable_plan`, `usable_highlights`, `usable_texts`), as a bad log is left out of
its year. Nothing here names a person: file names and reasons go through the year's
personal-data screen with the rest of `calidad`.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from pipeline import config
from pipeline.errors import InvalidPlan, InvalidTexts

log = logging.getLogger("pipeline")

# What to do, per kind of input (the reason says what is wrong)
TODO = {
    "plan": "Corrija el plan (formato en docs/planes.md) y vuelva a ejecutar; mientras tanto el balance se "
            "publica sin él.",
    "destacadas": "Corrija destacadas.csv (columnas fecha, comuna, titulo, linea, foto) y vuelva a ejecutar; "
                  "mientras tanto el balance se publica sin actividades destacadas.",
    "foto": "Deje la foto (.jpg o .png, hasta 15 MB) en la carpeta del año con el nombre que dice "
            "destacadas.csv, o corrija ese nombre; mientras tanto la actividad se muestra sin foto.",
    "textos": "Corrija textos.yml (formato en el README) y vuelva a ejecutar; mientras tanto el balance usa sus "
              "textos por omisión.",
}


def shown(path: Path, paths: config.Paths) -> str:
    """A side file as the analyst finds it: its path below the raw root (`2017/plan-2017.yml`,
    `planes/pmg.yml`)."""
    try:
        return Path(path).relative_to(paths.raw_root).as_posix()
    except ValueError:
        return Path(path).name


def plan_files(paths: config.Paths) -> list[tuple[Path, int | None]]:
    """(plan file, the year it must be of) of every plan the year's indicators may read."""
    from pipeline.indicators import plan

    out = [(p, y) for p, y in ((paths.plan_anio, paths.year), (paths.plan_siguiente, paths.year + 1)) if p.exists()]
    return out + [(p, None) for p in plan.plan_files(paths.planes)]


def usable_plan(path: Path, region: str, year: int | None = None):
    """The plan, or None when it cannot be used (said on the log: the quality report lists it)."""
    from pipeline.indicators import plan

    try:
        return plan.load_plan(path, region, year)
    except (InvalidPlan, OSError) as err:
        log.warning("Plan omitido: %s", err)
        return None


def usable_highlights(path: Path) -> list[dict[str, Any]]:
    """The rows of destacadas.csv, or none when the file cannot be read."""
    from pipeline.report import photos

    try:
        return photos.read_highlights(path)
    except (ValueError, OSError, UnicodeError) as err:
        log.warning("destacadas.csv omitido: %s", err)
        return []


def usable_texts(path: Path, ind, screen: Callable[[str], str]):
    """The office's texts, or the defaults when textos.yml cannot be used."""
    from pipeline.report import texts

    try:
        return texts.load(path, ind, screen=screen)
    except (InvalidTexts, OSError) as err:
        log.warning("textos.yml omitido: %s", err)
        return texts.Texts()


def check(paths: config.Paths, region: str, screen: Callable[[str], str] = lambda text: text) -> list[dict]:
    """[{archivo, fila, motivo, que_hacer}] of every side input (or photo) that the year's
    indicators and deck will leave out. Names as written (the caller screens them); `screen`
    is the year's personal-data screen, which the deck's photo names pass (a photo whose
    name it withholds is left out, and listed here)."""
    from pipeline.indicators import plan
    from pipeline.report import photos, texts

    out: list[dict] = []

    def add(file: str, reason: str, kind: str, row: int | None = None) -> None:
        out.append({"archivo": file, "fila": row, "motivo": reason.rstrip(".") + ".", "que_hacer": TODO[kind]})

    for path, year in plan_files(paths):
        try:
            plan.load_plan(path, region, year)
        except (InvalidPlan, OSError) as err:
            add(shown(path, paths), str(err).removeprefix(f"Plan {path.name}").lstrip(":, ") or str(err), "plan")
    if paths.destacadas.exists():
        try:
            rows = photos.read_highlights(paths.destacadas)
        except (ValueError, OSError, UnicodeError) as err:
            add(shown(paths.destacadas, paths), str(err), "destacadas")
            rows = []
        omitted: list[dict] = []
        photos.with_photos([{**r, "foto": screen(r["foto"]) if r.get("foto") else None} for r in rows],
                           paths.raw, omitted)
        for o in omitted:
            add(shown(paths.destacadas, paths), f"la foto de esta fila no se muestra: {o['motivo']}", "foto", o["fila"])
    if paths.textos.exists():
        try:
            texts.load(paths.textos, {"anio": paths.year})
        except (InvalidTexts, OSError) as err:
            add(shown(paths.textos, paths), str(err).removeprefix(str(paths.textos)).lstrip(":, ") or str(err),
                "textos")
    return out


def console_lines(calidad: dict, calidad_html: Path | None = None) -> list[str]:
    """One line per side input left out, for the console at the end of a run."""
    where = f" (detalle en {calidad_html})" if calidad_html else ""
    out = []
    for o in calidad.get("entradas_omitidas", []):
        row = f", fila {o['fila']}" if o.get("fila") else ""
        out.append(f"Aviso: {o['archivo']}{row} no se usó: {o['motivo']}{where}")
    return out
