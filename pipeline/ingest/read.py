"""Read any raw log file or sheet into a frame of text with canonical columns; nothing else.

Data contract §1–§3: `.csv` (`csv_files`) and `.xlsx` (`xlsx_files`, every sheet); the
header and columns of each sheet are found by `sheets`. Values stay text: converting them
is the cleaning's job. A file that cannot be used becomes a `Rechazo`, never an exception,
so one bad file never stops a run.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from pipeline.ingest.sheets import Reading, Rechazar, Rechazo
from pipeline.ingest.csv_files import read_csv
from pipeline.ingest.xlsx_files import read_xlsx


def read_file(path: Path, archivo: str | None = None) -> Reading:
    """Every sheet of one file. Never raises for a bad file: it is rejected with a Spanish reason.

    Only a regular file is opened (a FIFO would wait for a writer forever).
    """
    path = Path(path)
    archivo = archivo or path.name
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise Rechazar("archivo_no_legible", "no es un archivo común (tubería, dispositivo o similar); no se abre")
        if path.suffix.lower() == ".xlsx":
            return read_xlsx(path, archivo)
        return read_csv(path, archivo)
    except Rechazar as r:
        return Reading(rechazos=[Rechazo(archivo, "", r.codigo, r.detalle)])
    except PermissionError:
        return Reading(rechazos=[Rechazo(archivo, "", "archivo_no_legible",
                                         "el archivo no tiene permiso de lectura (dé permiso con chmod u+r)")])
    except FileNotFoundError:
        return Reading(rechazos=[Rechazo(archivo, "", "archivo_no_legible",
                                         "el archivo desapareció o cambió durante la lectura")])
    except MemoryError:
        return Reading(rechazos=[Rechazo(archivo, "", "demasiadas_filas", "el archivo es demasiado grande para leerlo")])
    except Exception:  # noqa: BLE001 — any failure reading one file rejects that file only
        return Reading(rechazos=[Rechazo(archivo, "", "archivo_ilegible", "el archivo no se pudo leer")])
