"""Paths and defaults: the only place a path is built.

Paths hang off the package location, so the notebook kernel's working directory
never matters (cookiecutter-data-science v2).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.reference import region as find_region

PROJ_ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = PROJ_ROOT / "data" / "raw"
PROCESSED_DIR = PROJ_ROOT / "data" / "processed"
OUTPUTS_DIR = PROJ_ROOT / "outputs"
# The synthetic sample (years 2016–2018, plans, another region) lives apart from data/raw/, so a
# real year is never compared with, nor decorated by, synthetic data; its processed tables and
# outputs too (`--muestra`, `make report`).
SAMPLE_DIR = PROJ_ROOT / "data" / "muestra"
SAMPLE_PROCESSED_DIR = PROCESSED_DIR / "muestra"
SAMPLE_OUTPUTS_DIR = OUTPUTS_DIR / "muestra"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
# Every key of indicadores.json with its definition: the one source the notebooks quote.
INDICATOR_DOCS = PROJ_ROOT / "docs" / "indicadores.md"

DEFAULT_REGION = "Coquimbo"
# Person tables hide cells with fewer distinct people than this (see README). Read only through
# `small_cell_threshold`, the one resolver of the CLI, the runner, the stages and the notebooks.
DEFAULT_SMALL_CELL_THRESHOLD = 5
THRESHOLD_ENV = "BALANCE_UMBRAL_CELDAS"


def small_cell_threshold(value: int | str | None = None) -> int:
    """The small-cell threshold of a run: `value` when given (`--umbral-celdas`, the notebook's
    `umbral_celdas`), else `$BALANCE_UMBRAL_CELDAS` when set, else 5."""
    source = "--umbral-celdas / umbral_celdas"
    if value is None or str(value).strip() == "":
        value, source = os.environ.get(THRESHOLD_ENV, "").strip(), THRESHOLD_ENV
        if not value:
            return DEFAULT_SMALL_CELL_THRESHOLD
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{source} debe ser un número entero mayor que 0 (es {text!r}).")
    return int(text)


# Maximum Levenshtein distance for a typed comuna to be corrected (data contract §3).
COMUNA_MAX_DISTANCE = 2
# Longest text accepted in a cell; longer cells send the row to quarantine.
MAX_CELL_CHARS = 2_000
# A header wider than this is rejected (hostile or broken file).
MAX_COLUMNS = 500
# Rows scanned from the top of a sheet to find the header row.
HEADER_SCAN_ROWS = 30

# Outputs are written below `outputs/.en-curso-<year>-<tag>/` and moved into place at the end.
STAGING_PREFIX = ".en-curso-"

# the evidence folder beside a year's logs (never read as logs: ingest skips it)
VERIFIERS_DIR = "verificadores"
# the highlights beside a year's logs (a CSV that is not a log: ingest skips it)
HIGHLIGHTS_FILE = "destacadas.csv"

NOTEBOOKS = {
    "limpieza": "01_limpieza.ipynb",
    "indicadores": "02_indicadores.ipynb",
    "balance": "03_balance.ipynb",
}
# the national deck (issue #26), run after the national stage when the notebook exists
NATIONAL_NOTEBOOK = "04_balance_nacional.ipynb"
# the country's outputs: a folder inside the default region's year (`outputs/<year>/nacional/`)
NATIONAL_DIR = "nacional"
NATIONAL_JSON = "indicadores-nacional.json"
# the year of the notebooks in JupyterLab (`make lab ANIO=2019`), when their `anio` parameter is 0
YEAR_ENV = "BALANCE_ANIO"


def set_year(anio: int) -> int | None:
    """The year a notebook was given: `anio` when not 0, else `$BALANCE_ANIO` (four digits,
    refused in Spanish otherwise), else None (the caller picks the latest year it finds)."""
    if anio:
        return int(anio)
    text = os.environ.get(YEAR_ENV, "").strip()
    if text and not re.fullmatch(r"\d{4}", text):
        raise ValueError(f"{YEAR_ENV} debe ser un año de cuatro cifras (es {text!r}).")
    return int(text) if text else None


def _file(folder: str, name: str) -> property:
    """A file of one year's run: `folder` is the attribute of the folder it lives in (`raw`,
    `processed`, `out`, `raw_root`, `out_root`), `name` a pattern of `{year}` / `{next_year}`."""
    return property(lambda self: getattr(self, folder) / name.format(year=self.year, next_year=self.year + 1))


@dataclass(frozen=True)
class Paths:
    """Every file a run of one year reads or writes: the one table of file names."""

    year: int
    raw_root: Path
    processed_root: Path
    out_root: Path

    raw = _file("raw_root", "{year}")
    processed = _file("processed_root", "{year}")
    out = _file("out_root", "{year}")

    # optional inputs beside the logs
    destacadas = _file("raw", HIGHLIGHTS_FILE)
    textos = _file("raw", "textos.yml")
    plan_anio = _file("raw", "plan-{year}.yml")
    plan_siguiente = _file("raw", "plan-{next_year}.yml")
    verificadores = _file("raw", VERIFIERS_DIR)  # evidence of activities, one folder each
    planes = _file("raw_root", "planes")  # plans of any period (PMG, COSOC): data/raw/planes/

    # data/processed/<year>/: internal, pseudonymised (person rows owner-only)
    actividades = _file("processed", "actividades.parquet")
    asistencias = _file("processed", "asistencias.parquet")
    cuarentena = _file("processed", "cuarentena.csv")
    calidad = _file("processed", "calidad.json")
    nombres_huellas = _file("processed", "nombres.huellas")  # keyed hashes of attendees' names

    # outputs/<year>/: shared, no personal data
    indicadores_json = _file("out", "indicadores.json")
    indicadores_xlsx = _file("out", "indicadores.xlsx")
    balance_html = _file("out", "balance-{year}.html")
    balance_pdf = _file("out", "balance-{year}.pdf")
    lectura_html = _file("out", "lectura-{year}.html")  # the deck for phones
    calidad_html = _file("out", "calidad-{year}.html")
    plan_html = _file("out", "plan-{year}.html")
    verificadores_html = _file("out", "verificadores-{year}.html")
    notebooks_out = _file("out", "notebooks")
    run_log = _file("out", "run.log")

    # outputs/<year>/nacional/: the country's year (meaningful on the default region's paths)
    nacional = _file("out", NATIONAL_DIR)
    indicadores_nacional_json = _file("out", NATIONAL_DIR + "/" + NATIONAL_JSON)
    indicadores_nacional_xlsx = _file("out", NATIONAL_DIR + "/indicadores-nacional.xlsx")
    balance_nacional_html = _file("out", NATIONAL_DIR + "/balance-nacional-{year}.html")
    balance_nacional_pdf = _file("out", NATIONAL_DIR + "/balance-nacional-{year}.pdf")
    nacional_run_log = _file("out", NATIONAL_DIR + "/run.log")

    # a run's bookkeeping beside outputs/<year>/ (hidden, never shared)
    lock = _file("out_root", ".bloqueo-{year}.lock")
    failed_root = _file("out_root", ".fallidas")

    def staging_root(self, tag: str) -> Path:
        """The staging output tree of a run (`tag`: the process id, or `lab`)."""
        return self.out_root / f"{STAGING_PREFIX}{self.year}-{tag}"

    @property
    def is_staging(self) -> bool:
        """Whether these paths already point into a run's staging folder."""
        return self.out_root.name.startswith(STAGING_PREFIX)

    def previous(self) -> "Paths":
        return Paths(self.year - 1, self.raw_root, self.processed_root, self.out_root)


def region_subdir(region: str) -> Path:
    """Where a region's folders sit in each tree: the default region at the top, any other under
    `regiones/<slug>/`."""
    reg = find_region(region)
    return Path() if reg.nombre == find_region(DEFAULT_REGION).nombre else Path("regiones") / reg.slug


def region_paths(
    year: int,
    region: str,
    raw_dir: str | Path | None = None,
    processed_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
) -> Paths:
    """Paths of one region's year when the given directories are the roots of every region
    (`ejecutar --nacional`): the region's subfolder (`regiones/<slug>/`, nothing for the default
    region) is appended to each, as `paths` does with the default roots."""
    sub = region_subdir(region)

    def under(p: str | Path | None) -> Path | None:
        return None if p is None or str(p) == "" else Path(p) / sub

    return paths(year, region, under(raw_dir), under(processed_dir), under(out_dir))


def sample_dirs(region: str = DEFAULT_REGION) -> tuple[Path, Path, Path]:
    """(raw, processed, outputs) of the synthetic sample for `region` (`--muestra`)."""
    sub = region_subdir(region)
    return SAMPLE_DIR / sub, SAMPLE_PROCESSED_DIR / sub, SAMPLE_OUTPUTS_DIR / sub


def paths(
    year: int,
    region: str = DEFAULT_REGION,
    raw_dir: str | Path | None = None,
    processed_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
) -> Paths:
    """Paths of one year's run. Relative directories are taken from the project root.

    The default region keeps the data contract's layout (`data/raw/<year>/`, `outputs/<year>/`);
    any other region lives under `regiones/<slug>/` in each of the three trees, so two regions
    never share a folder. Explicit directories are used as given (the year is appended).
    """
    sub = region_subdir(region)

    def resolve(p: str | Path | None, default: Path) -> Path:
        if p is None or str(p) == "":
            return default
        p = Path(p)
        return p if p.is_absolute() else (PROJ_ROOT / p)

    def root(env: str, default: Path) -> Path:
        # BALANCE_RAW_DIR / BALANCE_PROCESSED_DIR / BALANCE_OUT_DIR move a whole tree (tests, servers)
        return Path(os.environ[env]) if os.environ.get(env) else default

    return Paths(
        int(year),
        resolve(raw_dir, root("BALANCE_RAW_DIR", RAW_DIR) / sub),
        resolve(processed_dir, root("BALANCE_PROCESSED_DIR", PROCESSED_DIR) / sub),
        resolve(out_dir, root("BALANCE_OUT_DIR", OUTPUTS_DIR) / sub),
    )
