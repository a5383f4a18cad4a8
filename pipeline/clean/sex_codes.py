"""What the letter `M` means in each file (data contract §3).

Offices write sex as `F/M` (Femenino/Masculino: M is a man) or as `H/M` (Hombre/Mujer: M is
a woman). The letter is read per file, from what the file itself says:

- its values: an `H` and no `F` is H/M; an `F` and no `H` is F/M;
- its title block and header (`Sexo: H = Hombre, M = Mujer`, `Sexo (F/M)`) and the notes
  under its table, which say the same in words.

Where the file says both (an `F` and an `H`, or a note contradicting the values) or nothing
at all, `M` is ambiguous: those rows keep their place, their sex is `Sin información`, and
the quality report asks the analyst what `M` means in that file. Every other spelling
(`Mujer`, `Hombre`, `1`, `2`, `H`, `F`…) means the same in every file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline import schema
from pipeline.clean import normalize
from pipeline.ingest import limits
from pipeline.ingest.sheets import FILA, Sheet
from pipeline.text import fold, squash

HM = "H/M"          # H = Hombre, M = Mujer
FM = "F/M"          # F = Femenino (Mujer), M = Masculino (Hombre)
AMBIGUA = "ambigua"

_MEANING = {HM: schema.SEXO_MUJER, FM: schema.SEXO_HOMBRE, AMBIGUA: schema.SIN_INFORMACION}

# Notes that say which letters the file uses (folded text: lower case, no accents or punctuation)
_SAYS_HM = re.compile(r"\bh\s*(?:es\s+|igual\s+a\s+)?hombres?\b|\bm\s*(?:es\s+|igual\s+a\s+)?mujer(?:es)?\b"
                      r"|\bsexo\s+h\s+m\b|\bh\s+m\b(?=.*\bsexo\b)|\bsexo\b.*\bh\s+m\b")
_SAYS_FM = re.compile(r"\bf\s*(?:es\s+|igual\s+a\s+)?(?:femenino|mujer(?:es)?)\b"
                      r"|\bm\s*(?:es\s+|igual\s+a\s+)?(?:masculino|hombres?)\b"
                      r"|\bsexo\s+[fm]\s+[fm]\b|\b[fm]\s+[fm]\b(?=.*\bsexo\b)|\bsexo\b.*\b(?:f\s+m|m\s+f)\b")


@dataclass
class Lectura:
    """How the letter M of one file was read, and why."""

    archivo: str
    lectura: str                     # HM, FM or AMBIGUA
    razon: str                       # what in the file told it, in plain Spanish
    filas_m: int = 0                 # rows whose sex is the letter M
    hojas: list[str] = field(default_factory=list)
    filas: list[int] = field(default_factory=list)  # rows with M, the first MAX_LISTED_ROWS (ambiguous files)
    letras: str = "M"                # the single letters the file uses: «F, H y M», «H y M»…

    @property
    def significado(self) -> str:
        return _MEANING[self.lectura]

    def as_dict(self) -> dict:
        return {"archivo": self.archivo, "lectura": self.lectura, "m_es": self.significado, "razon": self.razon,
                "letras": self.letras, "filas_m": self.filas_m, "hojas": self.hojas, "filas": self.filas}


def notes_say(texts: list[str]) -> set[str]:
    """{HM, FM} that notes (title block, header, lines under the table) state."""
    out = set()
    for text in texts:
        folded = fold(text)
        if not folded or not re.search(r"\b[fhm]\b", folded):
            continue
        if _SAYS_HM.search(folded):
            out.add(HM)
        if _SAYS_FM.search(folded):
            out.add(FM)
    return out


def _files(sheets: list[Sheet]) -> tuple[list[str], np.ndarray]:
    """(the files, in name order; the file number of each sheet)."""
    files = sorted({h.archivo for h in sheets})
    number = {a: i for i, a in enumerate(files)}
    return files, np.array([number[h.archivo] for h in sheets], dtype=np.int64)


def _letter(value: str) -> str:
    key = squash(value)
    return key if key in ("f", "h", "m") else ""


def readings(raw: pd.DataFrame, sheets: list[Sheet]) -> tuple[np.ndarray, dict[str, Lectura]]:
    """(per row of `raw` (person rows, `_sheet` = index in `sheets`): is the sex the letter M;
    {archivo: Lectura} of every file with an M)."""
    n = len(raw)
    if not n:
        return np.zeros(0, dtype=bool), {}
    codes, dictionary = normalize.distinct_codes(raw["sexo"])
    letters = np.array([_letter(v) for v in dictionary.to_pylist()] + [""], dtype=object)
    row_letter = letters[codes]
    is_m = row_letter == "m"
    seq = raw["_sheet"].to_numpy().astype(np.int64)
    files, file_of_sheet = _files(sheets)
    row_file = file_of_sheet[seq]
    out: dict[str, Lectura] = {}
    filas = raw[FILA].to_numpy()
    for f in np.unique(row_file[is_m]):
        archivo = files[int(f)]
        mine = row_file == f
        present = set(row_letter[mine]) - {""}
        own = [h for h in sheets if h.archivo == archivo]
        notes = notes_say([t for h in own for t in h.notas + h.textos_sin_asistente])
        with_m = np.flatnonzero(mine & is_m)
        lectura, razon = _decide(present, notes)
        out[archivo] = Lectura(archivo, lectura, razon, int(len(with_m)),
                               sorted({sheets[int(s)].sheet for s in np.unique(seq[with_m])}),
                               [int(x) for x in filas[with_m[:limits.MAX_LISTED_ROWS]]]
                               if lectura == AMBIGUA else [], _letters(present))
    return is_m, out


def _letters(present: set[str]) -> str:
    """«F, H y M», «H y M», «M»: the single letters a file uses, in that order."""
    used = [x.upper() for x in ("f", "h", "m") if x in present]
    return used[0] if len(used) == 1 else ", ".join(used[:-1]) + " y " + used[-1]


def _decide(letters: set[str], notes: set[str]) -> tuple[str, str]:
    """(reading, why) from the letters a file uses and what its notes say."""
    by_values = HM if "h" in letters and "f" not in letters else FM if "f" in letters and "h" not in letters else None
    if "f" in letters and "h" in letters:
        return AMBIGUA, "la planilla usa F, H y M"
    if len(notes) > 1:
        return AMBIGUA, "las notas de la planilla dicen H/M y también F/M"
    note = next(iter(notes), None)
    if note and by_values and note != by_values:
        return AMBIGUA, f"la nota de la planilla dice {note}, pero sus valores usan {by_values}"
    if note:
        return note, f"la planilla lo indica («{note}» en su título o encabezado)"
    if by_values == HM:
        return HM, "la planilla usa H y M, sin F"
    if by_values == FM:
        return FM, "la planilla usa F y M, sin H"
    return AMBIGUA, "nada en ella dice si M es Mujer u Hombre: no tiene F ni H, ni una nota como «Sexo: H = Hombre, M = Mujer»"


def sexo(raw: pd.DataFrame, sheets: list[Sheet]) -> tuple[pd.Series, dict[str, Lectura], np.ndarray]:
    """(sex of each person row, reading of each file with an M, rows whose M was ambiguous)."""
    base = normalize.sexo(raw["sexo"])
    is_m, lecturas = readings(raw, sheets)
    ambiguous = np.zeros(len(raw), dtype=bool)
    if not lecturas:
        return base, lecturas, ambiguous
    files, file_of_sheet = _files(sheets)
    meaning = np.array([schema.SEXOS.index(lecturas[a].significado) if a in lecturas else -1 for a in files],
                       dtype=np.int8)
    row_meaning = meaning[file_of_sheet[raw["_sheet"].to_numpy().astype(np.int64)]]
    codes = base.cat.codes.to_numpy().copy()
    codes[is_m] = row_meaning[is_m]
    ambiguous = is_m & (row_meaning == schema.SEXOS.index(schema.SIN_INFORMACION))
    out = pd.Series(pd.Categorical.from_codes(codes, dtype=base.dtype), index=raw.index)
    return out, lecturas, ambiguous
