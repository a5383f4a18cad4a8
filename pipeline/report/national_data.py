"""The national stage's `indicadores-nacional.json` as the national deck reads it: where it is,
which year, checked on load, and its regions north to south with the short names the charts use.

Its contract (written by the national stage): the country's figures at the top level and
`regiones`, the sixteen regions in official code order, each with its `estado` («con datos»,
«sin datos», «con error»), its figures (null without data) and `balance`, the relative link
from `outputs/<año>/nacional/` to its own deck.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline import config
from pipeline.indicators.national import WITH_DATA, FAILED, NO_DATA  # noqa: F401  (the deck reads them here)
from pipeline.report import national_maps
from pipeline.report.formats import missing

JSON_NAME, FOLDER, YEAR_ENV = config.NATIONAL_JSON, config.NATIONAL_DIR, config.YEAR_ENV
# names short enough for a chart's axis (the JSON keeps the official ones)
SHORT_NAMES = {"06": "O'Higgins", "11": "Aysén", "12": "Magallanes", "13": "Metropolitana"}
# north to south: the order of the map's strips, of the macro-zones and of every chart by region
GEOGRAPHIC_ORDER = [c for strip in national_maps.STRIPS for c in strip]


def national_dir(anio: int, out_dir: str | Path = "") -> Path:
    """The folder of a year's national outputs: `<out_dir>/<anio>/nacional/` (`out_dir` the
    outputs root, as for the regional notebooks; empty: `$BALANCE_OUT_DIR` or `outputs/`), or
    `out_dir` itself when it already holds `indicadores-nacional.json`."""
    root = _root(out_dir)
    if (root / JSON_NAME).is_file():
        return root
    return root / str(int(anio)) / FOLDER


def _root(out_dir: str | Path) -> Path:
    if not str(out_dir or ""):
        return Path(os.environ.get("BALANCE_OUT_DIR") or config.OUTPUTS_DIR)
    path = Path(out_dir)
    return path if path.is_absolute() else config.PROJ_ROOT / path


def national_year(anio: int, out_dir: str | Path = "") -> int:
    """`anio` when given; else `$BALANCE_ANIO` (as the regional notebooks in JupyterLab); else
    the latest year with a national JSON under the outputs root."""
    if (year := config.set_year(anio)) is not None:
        return year
    root = _root(out_dir)
    if (root / JSON_NAME).is_file():
        return int(json.loads((root / JSON_NAME).read_text(encoding="utf-8"))["anio"])
    years = sorted(int(p.parent.parent.name) for p in root.glob(f"[0-9][0-9][0-9][0-9]/{FOLDER}/{JSON_NAME}"))
    if not years:
        raise ValueError(f"No hay un {JSON_NAME} en {root}/<año>/{FOLDER}/: ejecute antes "
                         "«python -m pipeline ejecutar --anio <año> --nacional», o indique el año con "
                         f"{YEAR_ENV}.")
    return years[-1]


def load(anio: int, out_dir: str | Path = "") -> dict:
    """The year's `indicadores-nacional.json`, refused loudly when missing, of another year or
    without the sixteen regions."""
    path = national_dir(national_year(anio, out_dir), out_dir) / JSON_NAME
    if not path.is_file():
        raise FileNotFoundError(f"No existe {path}. Ejecute antes la etapa nacional "
                                f"(python -m pipeline ejecutar --anio {national_year(anio, out_dir)} --nacional).")
    data = json.loads(path.read_text(encoding="utf-8"))
    year = national_year(anio, out_dir)
    if data.get("anio") != year or len(data.get("regiones") or []) != 16:
        raise ValueError(f"{path} no corresponde al año {year} o no lista las 16 regiones: no hay balance "
                         "nacional que mostrar.")
    return data


def regions(nac: Mapping[str, Any], state: str | None = None) -> list[dict]:
    """The regions north to south (all, or those in `state`)."""
    rows = sorted(nac["regiones"], key=lambda r: GEOGRAPHIC_ORDER.index(r["cut_region"]))
    return [r for r in rows if state is None or r["estado"] == state]


def short_name(region: Mapping[str, Any]) -> str:
    return SHORT_NAMES.get(region["cut_region"], region["region"])


def state_text(region: Mapping[str, Any]) -> str:
    return NO_DATA if region["estado"] == NO_DATA else "con error" if region["estado"] == FAILED else ""


def names(words: list[str]) -> str:
    """«Aysén, Magallanes y Ñuble»."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" y {words[-1]}" if words else ""


def values(nac: Mapping[str, Any], key: str) -> dict[str, Any]:
    """Region name → its figure, or why there is none («sin datos», «con error», «sin dato»)."""
    out = {}
    for r in regions(nac):
        value = r.get(key)
        out[short_name(r)] = state_text(r) or ("sin dato" if missing(value) else value)
    return out
