"""Documented limits of reading (README, «Columnas aceptadas y límites»).

A file or sheet over one of them is rejected with that reason, never left to run out of
time or memory: together they keep one year's cleaning within about 2 GiB of memory.
"""
from __future__ import annotations

MAX_SHEET_ROWS = 200_000            # data rows of one xlsx sheet
MAX_CSV_BYTES = 1 << 30             # size of one CSV file (1 GiB)
MAX_CSV_ROWS = 5_000_000            # data rows of one CSV file
MAX_SIDE_FILE_BYTES = 1 << 20       # plans, highlights and other text inputs (1 MB)
MEMORY_BUDGET_BYTES = 2 << 30       # what the limits above keep a run within (measured)
MAX_LISTED_ROWS = 50                # rows listed one by one per sheet and problem in the report
MAX_ROW_TEXT_CHARS = 300            # text kept of a listed row without attendee (whole cells only)


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def markdown() -> str:
    """The README's list of limits, generated from the constants above."""
    return "\n".join([
        f"- Hasta {_n(MAX_SHEET_ROWS)} filas de datos por hoja de Excel (.xlsx); una hoja con más se rechaza "
        "con ese motivo (divídala o entréguela como CSV).",
        f"- Hasta {_n(MAX_CSV_ROWS)} filas y {_n(MAX_CSV_BYTES // 2**20)} MB por archivo CSV.",
        "- Filas bajo la tabla sin asistente (firmas, notas, totales, una fecha arrastrada hasta el final de la "
        "hoja) no se cuentan como filas leídas: se listan en el informe de calidad.",
        f"- Planes, destacadas y otros archivos de texto: solo archivos comunes de hasta {_n(MAX_SIDE_FILE_BYTES // 1024)} KB.",
        "- Nunca se abren tuberías (FIFO), dispositivos ni enlaces que salen de la carpeta de datos; un archivo o "
        "carpeta sin permiso de lectura se rechaza con ese motivo y el año sigue con el resto.",
        f"- Con estos límites, la limpieza de un año cabe en unos {_n(MEMORY_BUDGET_BYTES // 2**30)} GiB de memoria.",
    ]) + "\n"
