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
AMBIGUOUS = "ambigua"

_MEANING = {HM: schema.SEXO_MUJER, FM: schema.SEXO_HOMBRE, AMBIGUOUS: schema.SIN_INFORMACION}

# Notes that say which letters the file uses (folded text: lower case, no accents or punctuation)
_SAYS_HM = re.compile(r"\bh\s*(?:es\s+|igual\s+a\s+)?hombres?\b|\bm\s*(?:es\s+|igual\s+a\s+)?mujer(?:es)?\b"
                      r"|\bsexo\s+h\s+m\b|\bh\s+m\b(?=.*\bsexo\b)|\bsexo\b.*\bh\s+m\b")
_SAYS_FM = re.compile(r"\bf\s*(?:es\s+|igual\s+a\s+)?(?:femenino|mujer(?:es)?)\b"
                      r"|\bm\s*(?:es\s+|igual\s+a\s+)?(?:masculino|hombres?)\b"
                      r"|\bsexo\s+[fm]\s+[fm]\b|\b[fm]\s+[fm]\b(?=.*\bsexo\b)|\bsexo\b.*\b(?:f\s+m|m\s+f)\b")


@dataclass
class MReading:
    """How the letter M of one file was read, and why."""

    file: str
    reading: str                     # HM, FM or AMBIGUOUS
    reason: str                      # what in the file told it, in plain Spanish
    m_rows: int = 0                  # rows whose sex is the letter M
    sheets: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # rows with M, the first MAX_LISTED_ROWS (ambiguous files)
    letters: str = "M"               # the single letters the file uses: «F, H y M», «H y M»…

    @property
    def meaning(self) -> str:
        return _MEANING[self.reading]

    def as_dict(self) -> dict:
        return {"archivo": self.file, "lectura": self.reading, "m_es": self.meaning, "razon": self.reason,
                "letras": self.letters, "filas_m": self.m_rows, "hojas": self.sheets, "filas": self.rows}


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
    files = sorted({h.file for h in sheets})
    number = {a: i for i, a in enumerate(files)}
    return files, np.array([number[h.file] for h in sheets], dtype=np.int64)


def _letter(value: str) -> str:
    key = squash(value)
    return key if key in ("f", "h", "m") else ""


def readings(raw: pd.DataFrame, sheets: list[Sheet]) -> tuple[np.ndarray, dict[str, MReading]]:
    """(per row of `raw` (person rows, `_sheet` = index in `sheets`): is the sex the letter M;
    {file: MReading} of every file with an M)."""
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
    out: dict[str, MReading] = {}
    row_numbers = raw[FILA].to_numpy()
    for f in np.unique(row_file[is_m]):
        file = files[int(f)]
        mine = row_file == f
        present = set(row_letter[mine]) - {""}
        own = [h for h in sheets if h.file == file]
        notes = notes_say([t for h in own for t in h.notes + h.without_attendee_texts])
        with_m = np.flatnonzero(mine & is_m)
        reading, reason = _decide(present, notes)
        out[file] = MReading(file, reading, reason, int(len(with_m)),
                             sorted({sheets[int(s)].name for s in np.unique(seq[with_m])}),
                             [int(x) for x in row_numbers[with_m[:limits.MAX_LISTED_ROWS]]]
                             if reading == AMBIGUOUS else [], _letters(present))
    return is_m, out


def _letters(present: set[str]) -> str:
    """«F, H y M», «H y M», «M»: the single letters a file uses, in that order."""
    used = [x.upper() for x in ("f", "h", "m") if x in present]
    return used[0] if len(used) == 1 else ", ".join(used[:-1]) + " y " + used[-1]


def _decide(letters: set[str], notes: set[str]) -> tuple[str, str]:
    """(reading, why) from the letters a file uses and what its notes say."""
    by_values = HM if "h" in letters and "f" not in letters else FM if "f" in letters and "h" not in letters else None
    if "f" in letters and "h" in letters:
        return AMBIGUOUS, "la planilla usa F, H y M"
    if len(notes) > 1:
        return AMBIGUOUS, "las notas de la planilla dicen H/M y también F/M"
    note = next(iter(notes), None)
    if note and by_values and note != by_values:
        return AMBIGUOUS, f"la nota de la planilla dice {note}, pero sus valores usan {by_values}"
    if note:
        return note, f"la planilla lo indica («{note}» en su título o encabezado)"
    if by_values == HM:
        return HM, "la planilla usa H y M, sin F"
    if by_values == FM:
        return FM, "la planilla usa F y M, sin H"
    return AMBIGUOUS, "nada en ella dice si M es Mujer u Hombre: no tiene F ni H, ni una nota como «Sexo: H = Hombre, M = Mujer»"


def sexo(raw: pd.DataFrame, sheets: list[Sheet]) -> tuple[pd.Series, dict[str, MReading], np.ndarray]:
    """(sex of each person row, reading of each file with an M, rows whose M was ambiguous)."""
    base = normalize.sexo(raw["sexo"])
    is_m, by_file = readings(raw, sheets)
    ambiguous = np.zeros(len(raw), dtype=bool)
    if not by_file:
        return base, by_file, ambiguous
    files, file_of_sheet = _files(sheets)
    meaning = np.array([schema.SEXOS.index(by_file[a].meaning) if a in by_file else -1 for a in files],
                       dtype=np.int8)
    row_meaning = meaning[file_of_sheet[raw["_sheet"].to_numpy().astype(np.int64)]]
    codes = base.cat.codes.to_numpy().copy()
    codes[is_m] = row_meaning[is_m]
    ambiguous = is_m & (row_meaning == schema.SEXOS.index(schema.SIN_INFORMACION))
    out = pd.Series(pd.Categorical.from_codes(codes, dtype=base.dtype), index=raw.index)
    return out, by_file, ambiguous
