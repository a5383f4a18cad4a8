"""Documented limits of reading (README, «Columnas aceptadas y límites»).

A file or sheet over one of them is rejected with that reason, never left to run out of
time or memory; so is a file that would take its year over the year's limits (the files
are read in name order, the rest of the year is still read). Together they keep one year's
cleaning within MEMORY_BUDGET_BYTES: peak memory measured by `benchmarks/cleaning.py`
(`limpieza_en_el_limite`) at the largest legal year.
"""
from __future__ import annotations

MAX_SHEET_ROWS = 200_000            # data rows of one xlsx sheet
MAX_CSV_BYTES = 256 << 20           # size of one CSV file (256 MiB)
MAX_CSV_ROWS = 1_500_000            # data rows of one CSV file
# a CSV with rows of the wrong width is read row by row by Python (about 15 times its size in
# memory): only up to this size
MAX_LENIENT_CSV_BYTES = 64 << 20
MAX_YEAR_ROWS = 1_500_000           # data rows of all of one year's logs together
MAX_YEAR_BYTES = 512 << 20          # size of all of one year's logs (an .xlsx: its inflated size)
# distinct texts of the columns kept, names and RUTs aside (activities, organisations, líneas…),
# each file's own, added up over the year: each costs 0,6 to 5 KB of memory while it is
# cleaned, more the longer it is (measured). The scale benchmark's year (1,5M rows, 50.000
# activities) holds ~53.000 (1 MB); a column with a different text in every row would take
# gigabytes.
MAX_YEAR_DISTINCT_TEXTS = 200_000
MAX_YEAR_TEXT_BYTES = 16 << 20
MAX_SIDE_FILE_BYTES = 1 << 20       # plans, highlights and other text inputs (1 MB)
MEMORY_BUDGET_BYTES = 2 << 30       # what the limits above keep a year's cleaning within (measured)
MAX_LISTED_ROWS = 50                # rows listed one by one per sheet and problem in the report
MAX_ROW_TEXT_CHARS = 300            # text kept of a listed row without attendee (whole cells only)


def thousands(value: int) -> str:
    """`1.500.000`: a count as the reader's messages write it (ingest cannot import report)."""
    return f"{value:,}".replace(",", ".")



def markdown() -> str:
    """The README's list of limits, generated from the constants above."""
    return "\n".join([
        f"- Hasta {thousands(MAX_SHEET_ROWS)} filas de datos por hoja de cálculo (.xlsx, .xls, .ods); una hoja con más se rechaza "
        "con ese motivo (divídala o entréguela como CSV).",
        f"- Hasta {thousands(MAX_CSV_ROWS)} filas y {thousands(MAX_CSV_BYTES // 2**20)} MB por archivo CSV; un CSV con filas "
        f"de más o menos celdas que el encabezado, hasta {thousands(MAX_LENIENT_CSV_BYTES // 2**20)} MB.",
        f"- Por año, hasta {thousands(MAX_YEAR_ROWS)} filas de datos y {thousands(MAX_YEAR_BYTES // 2**20)} MB de archivos "
        "(un .xlsx o .ods cuenta por su tamaño descomprimido) entre todos sus archivos, leídos en orden alfabético: "
        "un archivo que haría pasar el año de esos límites se rechaza con ese motivo y el resto del año se publica. "
        f"También hasta {thousands(MAX_YEAR_DISTINCT_TEXTS)} textos distintos y {thousands(MAX_YEAR_TEXT_BYTES // 2**20)} MB "
        "de ellos en las columnas de actividad (nombres de actividades, organizaciones, líneas…: un año de "
        "1.500.000 filas y 50.000 actividades tiene unos 53.000).",
        "- Filas bajo la tabla sin asistente (firmas, notas, totales, una fecha arrastrada hasta el final de la "
        "hoja) no se cuentan como filas leídas: se listan en el informe de calidad con el texto de sus columnas "
        "reconocidas (nunca nombre, RUT, edad ni columnas desconocidas: de una firma o un total escrito bajo "
        "`nombre` o `rut` solo las palabras que lo delatan, «V°B°…»), salvo que contenga un nombre de "
        "asistente o un RUT.",
        f"- Planes, destacadas y otros archivos de texto: solo archivos comunes de hasta {thousands(MAX_SIDE_FILE_BYTES // 1024)} KB.",
        "- Nunca se abren tuberías (FIFO), dispositivos ni enlaces que salen de la carpeta de datos; un archivo o "
        "carpeta sin permiso de lectura se rechaza con ese motivo y el año sigue con el resto.",
        f"- Con estos límites, la limpieza de un año cabe en {thousands(MEMORY_BUDGET_BYTES // 2**30)} GiB de memoria "
        "(medida en el año más grande permitido: `benchmarks/RESULTS.md`).",
    ]) + "\n"
