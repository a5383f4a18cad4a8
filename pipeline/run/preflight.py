"""Checks made before any kernel starts: the year's folder exists and holds logs.

A year that cannot run is refused at once with what to do, instead of failing inside a
notebook seconds later. No heavy import here (the CLI answers in well under a second).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from pipeline.config import RAW_DIR, Paths
from pipeline.ingest import files


def shown(path: Path) -> str:
    """A path as the user typed it: relative to the current folder when inside it."""
    try:
        return os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError):
        return str(path)


years_with_logs = files.years_with_logs


def latest_year(raw_root: Path = RAW_DIR) -> int | None:
    """The latest year with logs (a folder holding only a plan does not count)."""
    years = years_with_logs(raw_root)
    return years[-1] if years else None


def problems(paths: Paths, stages: tuple[str, ...]) -> list[str]:
    """Why this year cannot run, in Spanish with what to do; empty when it can."""
    raw, year = paths.raw, paths.year
    if not raw.is_dir():
        known = years_with_logs(paths.raw_root)
        hint = f" Años con planillas en {shown(paths.raw_root)}: {', '.join(map(str, known))}." if known else ""
        if not known and paths.raw_root.resolve() == RAW_DIR.resolve():
            hint = " Para probar con la muestra sintética (datos ficticios): agregue --muestra, o use make report."
        return [f"No existe la carpeta {shown(raw)} del año {year}: cree {shown(raw)} y copie ahí "
                f"las planillas del año (CSV o Excel).{hint}"]
    found = [p for p in raw.rglob("*") if p.is_file() and not p.name.startswith(".")]
    if not found:
        return [f"La carpeta {shown(raw)} está vacía: copie ahí las planillas del año {year} (CSV o Excel)."]
    if not files.log_files(raw):
        return [f"La carpeta {shown(raw)} no tiene planillas de asistencia (archivos .csv, .xlsx, .xls u .ods), solo "
                f"{len(found)} archivo(s) de apoyo (planes, destacadas, fotos): copie ahí las planillas "
                f"del año {year}."]
    if stages == ("balance",) and not paths.indicadores_json.is_file():
        return [f"No hay indicadores de {year} en {shown(paths.out)}: ejecute antes "
                f"«python -m pipeline indicadores --anio {year}» (o «ejecutar», que hace todo)."]
    return []


if __name__ == "__main__":  # `make report` asks for the latest year with logs
    found = latest_year(Path(sys.argv[1]) if len(sys.argv) > 1 else RAW_DIR)
    print(found if found is not None else "")


def key_problems() -> list[str]:
    """The pseudonymisation key, checked before any kernel starts (a weak `BALANCE_CLAVE` or a
    key file that is not the user's own regular file): its Spanish message, never the key."""
    from pipeline.clean import pseudonyms
    from pipeline.errors import KeyFileError

    try:
        pseudonyms.load_key()
    except KeyFileError as err:
        return [str(err)]
    return []
