"""Featured activities (`destacadas.csv`) and their photos, as the deck may show them.

A photo is used only when it is a regular file inside the year's raw folder (a symbolic
link, a subfolder path or a file outside is refused), and it is rebuilt from its pixels:
a new image is made from the decoded pixels alone and saved without any metadata, so no
EXIF (GPS position, camera owner), XMP, ICC description, JPEG comment or PNG text chunk
survives into the deck or the PDF. A refused photo is named by its row in
`destacadas.csv`, never by its file name or path (either may hold a name).
"""
from __future__ import annotations

import base64
import csv
import io
import os
import stat
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.clean.screen import WITHHELD
from pipeline.ingest.files import read_small_text

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}
PHOTO_MAX_BYTES = 15 * 1024 * 1024
PHOTO_MAX_SIZE = (1280, 720)  # px: a 16:9 slide never needs more
FIRST_DATA_ROW = 2  # row 1 of destacadas.csv is its header


def read_highlights(path: Path) -> list[dict[str, Any]]:
    """The rows of `destacadas.csv` (UTF-8 or Windows-1252; `,` `;` or tab), each with `fila`,
    its row number in the file. No file: an empty list."""
    path = Path(path)
    if not path.is_file():
        return []
    # a regular file under the side-input limit, decoded as logs are, else a Spanish ValueError
    text = read_small_text(path)
    delimiter = max([",", ";", "\t"], key=text[:2000].count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    from pipeline.reference import comunas  # province of each comuna, for the slide
    from pipeline.text import fold

    province = {fold(r.comuna): r.provincia for r in comunas().itertuples()}
    rows = []
    for number, row in enumerate(reader, start=FIRST_DATA_ROW):
        clean = {(k or "").strip().lower().replace("í", "i"): (v if isinstance(v, str) else "").strip()
                 for k, v in row.items()}
        if any(clean.values()):
            rows.append({
                "fila": number, "fecha": clean.get("fecha"), "comuna": clean.get("comuna"),
                "provincia": clean.get("provincia") or province.get(fold(clean.get("comuna"))),
                "titulo": clean.get("titulo"), "linea": clean.get("linea"), "foto": clean.get("foto") or None,
            })
    return rows


def with_photos(rows: list[Mapping[str, Any]], raw_dir: Path, omitted: list[dict] | None = None) -> list[dict[str, Any]]:
    """Each row with `foto_uri`: its photo as a data URI, or None (`read_photo`)."""
    out = []
    for k, row in enumerate(rows):
        row_number = row.get("fila") or k + FIRST_DATA_ROW
        photo = row.get("foto")
        out.append({**row, "foto_uri": read_photo(Path(raw_dir), str(photo), row_number, omitted) if photo else None})
    return out


def read_photo(raw_dir: Path, name: str, row_number: int, omitted: list[dict] | None = None) -> str | None:
    """The photo `name` beside destacadas.csv as a JPEG/PNG data URI, shrunk to slide size and
    rebuilt from its pixels; None when it cannot be used, and why, by row: appended to
    `omitted` as {fila, motivo} (the quality report lists them), or a warning without it."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # Pillow ships with matplotlib

    def _skip(row_number: int, why: str) -> None:
        if omitted is not None:
            omitted.append({"fila": int(row_number), "motivo": why})
        else:
            warnings.warn(f"Foto de la fila {row_number} de destacadas.csv omitida: {why}.", stacklevel=3)

    if name == WITHHELD:
        _skip(row_number, "su nombre de archivo contiene un dato personal; cámbielo en la carpeta y en destacadas.csv")
        return None
    if Path(name).name != name or name in (".", "..") or Path(name).suffix.lower() not in PHOTO_SUFFIXES:
        _skip(row_number, "el nombre debe ser el de un archivo .jpg, .jpeg o .png de la misma carpeta")
        return None
    folder = Path(raw_dir).resolve()
    path = folder / name
    try:
        info = os.lstat(path)
    except OSError:
        _skip(row_number, "el archivo no existe")
        return None
    if not stat.S_ISREG(info.st_mode) or path.resolve().parent != folder:
        _skip(row_number, "no es un archivo normal de la carpeta del año (¿un enlace?)")
        return None
    if info.st_size > PHOTO_MAX_BYTES:
        _skip(row_number, "supera 15 MB")
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh, Image.open(fh) as img:
            img.load()
            upright = ImageOps.exif_transpose(img)  # the camera's orientation, before EXIF goes
            upright.thumbnail(PHOTO_MAX_SIZE)
            alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
            mode = "RGBA" if alpha else "RGB"
            pixels = upright.convert(mode)
            clean = Image.frombytes(mode, pixels.size, pixels.tobytes())  # pixels only: no info, no profile
            buffer = io.BytesIO()
            if alpha:
                clean.save(buffer, format="PNG", optimize=True)
                mime = "image/png"
            else:
                clean.save(buffer, format="JPEG", quality=80, optimize=True)
                mime = "image/jpeg"
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        _skip(row_number, "no es una imagen legible")
        return None
    return f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"
