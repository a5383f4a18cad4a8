"""Paths and defaults: the only place a path is built.

Paths hang off the package location, so the notebook kernel's working directory
never matters (cookiecutter-data-science v2).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.reference import region as find_region

PROJ_ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = PROJ_ROOT / "data" / "raw"
PROCESSED_DIR = PROJ_ROOT / "data" / "processed"
OUTPUTS_DIR = PROJ_ROOT / "outputs"
NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
# Every key of indicadores.json with its definition: the one source the notebooks quote.
INDICATOR_DOCS = PROJ_ROOT / "docs" / "indicadores.md"

DEFAULT_REGION = "Coquimbo"
# Person tables hide cells with fewer distinct people than this (see README): the default of
# `--umbral-celdas` and of the notebooks' `umbral_celdas`, changed with BALANCE_UMBRAL_CELDAS.
DEFAULT_SMALL_CELL_THRESHOLD = 5
THRESHOLD_ENV = "BALANCE_UMBRAL_CELDAS"


def small_cell_threshold() -> int:
    """The small-cell threshold for a run: `$BALANCE_UMBRAL_CELDAS` when set, else 5."""
    text = os.environ.get(THRESHOLD_ENV, "").strip()
    if not text:
        return DEFAULT_SMALL_CELL_THRESHOLD
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{THRESHOLD_ENV} debe ser un número entero mayor que 0 (es {text!r}).")
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

NOTEBOOKS = {
    "limpieza": "01_limpieza.ipynb",
    "indicadores": "02_indicadores.ipynb",
    "balance": "03_balance.ipynb",
}


@dataclass(frozen=True)
class Paths:
    """Every file a run of one year reads or writes."""

    year: int
    raw_root: Path
    processed_root: Path
    out_root: Path

    @property
    def raw(self) -> Path:
        return self.raw_root / str(self.year)

    @property
    def processed(self) -> Path:
        return self.processed_root / str(self.year)

    @property
    def out(self) -> Path:
        return self.out_root / str(self.year)

    # data/processed/<year>/ — internal, pseudonymised
    @property
    def actividades(self) -> Path:
        return self.processed / "actividades.parquet"

    @property
    def asistencias(self) -> Path:
        return self.processed / "asistencias.parquet"

    @property
    def cuarentena(self) -> Path:
        return self.processed / "cuarentena.csv"

    @property
    def calidad(self) -> Path:
        return self.processed / "calidad.json"

    @property
    def nombres_huellas(self) -> Path:
        """Keyed hashes of the attendees' names (the personal-data screen's index), owner-only."""
        return self.processed / "nombres.huellas"

    # outputs/<year>/ — shared, no personal data
    @property
    def indicadores_json(self) -> Path:
        return self.out / "indicadores.json"

    @property
    def indicadores_xlsx(self) -> Path:
        return self.out / "indicadores.xlsx"

    @property
    def balance_html(self) -> Path:
        return self.out / f"balance-{self.year}.html"

    @property
    def balance_pdf(self) -> Path:
        return self.out / f"balance-{self.year}.pdf"

    @property
    def calidad_html(self) -> Path:
        return self.out / f"calidad-{self.year}.html"

    @property
    def notebooks_out(self) -> Path:
        return self.out / "notebooks"

    @property
    def run_log(self) -> Path:
        return self.out / "run.log"

    # optional inputs beside the logs
    @property
    def destacadas(self) -> Path:
        return self.raw / "destacadas.csv"

    @property
    def plan_siguiente(self) -> Path:
        return self.raw / f"plan-{self.year + 1}.yml"

    @property
    def textos(self) -> Path:
        return self.raw / "textos.yml"

    @property
    def plan_anio(self) -> Path:
        return self.raw / f"plan-{self.year}.yml"

    # a run's bookkeeping beside outputs/<year>/ (hidden folders, never shared)
    @property
    def lock(self) -> Path:
        return self.out_root / f".bloqueo-{self.year}.lock"

    @property
    def failed_root(self) -> Path:
        return self.out_root / ".fallidas"

    def staging_root(self, tag: str) -> Path:
        """The staging output tree of a run (`tag`: the process id, or `lab`)."""
        return self.out_root / f"{STAGING_PREFIX}{self.year}-{tag}"

    @property
    def is_staging(self) -> bool:
        """Whether these paths already point into a run's staging folder."""
        return self.out_root.name.startswith(STAGING_PREFIX)

    @property
    def planes(self) -> Path:  # plans of any period (PMG, COSOC): data/raw/planes/
        return self.raw_root / "planes"

    @property
    def verificadores(self) -> Path:  # evidence of activities, one folder each
        return self.raw / VERIFIERS_DIR

    @property
    def verificadores_html(self) -> Path:
        return self.out / f"verificadores-{self.year}.html"

    @property
    def plan_html(self) -> Path:
        return self.out / f"plan-{self.year}.html"

    def previous(self) -> "Paths":
        return Paths(self.year - 1, self.raw_root, self.processed_root, self.out_root)


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
    reg = find_region(region)
    sub = Path() if reg.nombre == find_region(DEFAULT_REGION).nombre else Path("regiones") / reg.slug

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
