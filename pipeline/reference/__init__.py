"""Reference data of Chile's territory (CUT 2018) and the 2017 census, loaded once.

Copied from the project's shared reference; sources in `pipeline/reference/data/SOURCES.md`.
"""
from __future__ import annotations

from pipeline.errors import UnknownRegion  # noqa: F401  (raised here)

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.text import fold

if TYPE_CHECKING:
    import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "data"
_CODE_COLUMNS = ["cut_comuna", "cut_provincia", "cut_region"]


def _read(name: str) -> "pd.DataFrame":
    import pandas as pd  # imported on first use: the CLI resolves regions without pandas

    return pd.read_csv(DATA_DIR / name, dtype=str, keep_default_na=False)


@lru_cache(maxsize=None)
def _region_rows() -> tuple[dict[str, str], ...]:
    with open(DATA_DIR / "regiones.csv", encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


@lru_cache(maxsize=None)
def comunas() -> "pd.DataFrame":
    """All 346 comunas with province and region (codes as zero-padded strings)."""
    return _read("comunas.csv")


@lru_cache(maxsize=None)
def provincias() -> "pd.DataFrame":
    return _read("provincias.csv")


@lru_cache(maxsize=None)
def regiones() -> "pd.DataFrame":
    return _read("regiones.csv")


@lru_cache(maxsize=None)
def censo() -> "pd.DataFrame":
    """Census 2017 population per comuna (INE)."""
    frame = _read("census2017_comunas.csv")
    for col in ["poblacion_total", "hombres", "mujeres"]:
        frame[col] = frame[col].astype("int64")
    return frame


@lru_cache(maxsize=None)
def aliases() -> "pd.DataFrame":
    frame = _read("comuna_aliases.csv")
    return frame.assign(clave=frame["alias"].map(fold))


@dataclass(frozen=True)
class Region:
    cut: str
    nombre: str
    nombre_completo: str
    numeral: str

    @property
    def slug(self) -> str:
        return fold(self.nombre).replace(" ", "-")


@lru_cache(maxsize=None)
def _region_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for row in _region_rows():
        cut = row["cut_region"]
        for key in (cut, str(int(cut)), row["region"], row["nombre_completo"], row["numeral"]):
            keys[fold(key)] = cut
        keys[fold(f"region {row['numeral']}")] = cut
    keys[fold("Metropolitana")] = "13"
    keys[fold("Santiago")] = "13"
    keys[fold("O'Higgins")] = "06"
    keys[fold("Aysén")] = "11"
    keys[fold("Magallanes")] = "12"
    return keys


def region(value: str | int) -> Region:
    """A region by name, code (`4`, `04`), numeral (`IV`) or full name; any case or accents."""
    cut = _region_keys().get(fold(value))
    if cut is None:
        nombres = ", ".join(row["region"] for row in _region_rows())
        raise UnknownRegion(
            f"Región desconocida: {value!r}. Use un nombre o código de región, por ejemplo: {nombres}."
        )
    row = next(r for r in _region_rows() if r["cut_region"] == cut)
    return Region(cut, row["region"], row["nombre_completo"], row["numeral"])


def comunas_region(value: str | int) -> "pd.DataFrame":
    """Comunas of a region, in official code order, with province and census population."""
    reg = region(value)
    frame = comunas()[comunas()["cut_region"] == reg.cut]
    pop = censo()[["cut_comuna", "poblacion_total"]]
    return frame.merge(pop, on="cut_comuna", how="left").reset_index(drop=True)


def provincias_region(value: str | int) -> list[str]:
    reg = region(value)
    frame = provincias()
    return frame.loc[frame["cut_region"] == reg.cut, "provincia"].tolist()


@lru_cache(maxsize=None)
def macrozonas() -> dict[str, str]:
    """Region code → macro-zone (`Norte`, `Centro`, `Centro Sur`, `Sur`, `Austral`): the national
    balance's grouping, a convention of this project (`data/SOURCES.md`)."""
    with open(DATA_DIR / "macrozonas.csv", encoding="utf-8", newline="") as fh:
        return {row["cut_region"]: row["macrozona"] for row in csv.DictReader(fh)}


def region_codes() -> list[str]:
    """The 16 regions' codes in official code order (`01` … `16`)."""
    return sorted(row["cut_region"] for row in _region_rows())


def poblacion_region(value: str | int) -> int:
    """Census 2017 population of a region (sum of its comunas)."""
    return _poblacion_region(region(value).cut)


@lru_cache(maxsize=None)
def _poblacion_region(cut: str) -> int:
    return int(comunas_region(cut)["poblacion_total"].sum())


def region_comunas_count(value: str | int) -> int:
    """How many comunas a region has (CUT 2018)."""
    return int(next(r for r in _region_rows() if r["cut_region"] == region(value).cut)["n_comunas"])
