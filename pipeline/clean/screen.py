"""The personal-data screen: every text taken from a sheet, a file or sheet name, a highlight,
a plan or a photo passes it before it reaches `outputs/` or the console (data contract §5).

A text is withheld, whole, as ``[dato personal retirado]`` when it holds

- a RUT-shaped number (`rut_spans`): seven or eight digits in the RUT range (1.000.000 to
  99.999.999), with or without dots, with or without check character and separator, alone,
  after RUT/RUN or glued to letters (`12.345.678-5`, `8802188`, `RUN 8.802.188`,
  `RUT8802188-6`, `123456785`, `12 345 678 k`). Not a RUT: a whole text that is a date
  written `AAAAMMDD` or `DDMMAAAA`, a phone number with its prefix (`+56 9 8802 1886`),
  an amount with `$` (`$8.802.188`), a camera or phone photo name (`IMG_20190412_103512`,
  `IMG-20190412-WA0012`), and a bare number in a code column (`id_actividad`:
  `ACT-2019-1234567`; a dotted RUT or one with its check digit there is still withheld), and
  a lowercase hexadecimal fingerprint of 16 characters or more (`9faee634fafc3081`); or
- the name of an attendee of the year: two or more of its words, in any order, within a
  window of four words («Taller con Ximena Quintrequeo», «Tralma, Rigoberto»), a one-word
  name, or a name typed without spaces («BernarditaPincheira»: a long word cut in two or
  three parts, two of them a pair of words of one name). Case, accents, punctuation, soft
  hyphens and zero-width characters, and the particles `de`, `del`, `la`, `los`, `y`… are
  ignored. One word of a longer name alone (a surname) is not enough.

False positives, accepted: a text where two words of one attendee's name meet by chance
(«Escuela Gabriela Mistral» when «Gabriela Mistral Rojas» attended), a long word that splits
into two words of one name, any seven- or eight-digit number (a budget without `$`, a phone
without `+56`). The quality report lists where each withheld text was, so the analyst can judge.

The names themselves are never stored: cleaning (`find`, then `write_index`) keeps, in
`data/processed/<year>/nombres.huellas` (owner-only), a keyed hash (HMAC-SHA-256 with the
pseudonym key, first 16 bytes) of every unordered pair of words of every name and of every
one-word name (`name_index`); a text is tested by hashing its own pairs the same way.
Without the key the file says nothing; with it, a name can only be tested, never read. Later
stages load it with `for_year(paths)`.

`find` also screens, at the source, every distinct text of the activity columns, the file and
sheet names and the unknown headers, and records where each withheld value was found
(file, sheet, row and column) in `calidad["datos_personales_retirados"]` (`apply`), so the analyst
can fix the sheet; values themselves are never recorded.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import config
from pipeline.clean import pseudonyms
from pipeline.clean.codes import category_text
from pipeline.clean.name_index import ONE, WINDOW, NameIndex, glued_keys, pair_key
from pipeline.errors import StaleProcessed
from pipeline.ingest.sheets import FILA, Reading
from pipeline.text import fold

WITHHELD = "[dato personal retirado]"
# a RUT-shaped number: 7 or 8 digits in the RUT range (dotted, spaced in groups of 3 or plain),
# then an optional check character with an optional separator. Letters may touch it
# («RUT8802188-6»); another digit, or a digit and a dot or comma before it (a longer number,
# a decimal), may not.
RUT_TOKEN = re.compile(
    r"(?<!\d)(?<!\d\.)"
    r"(?:[1-9]\d?\.\d{3}\.\d{3}|[1-9]\d?\ \d{3}\ \d{3}|[1-9]\d{6,7})"
    r"(?:\s*[-‐‑–—]?\s*[0-9kK](?![0-9A-Za-z]))?(?!\d)"
)
# what is not a RUT though it has its digits (masked before RUT_TOKEN is looked for)
_DATE_COMPACT = r"(?:(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))"
_CAMERA_TIME = r"(?:[ _-]+(?:\d{6,9}|WA\d{4}))"
_NOT_RUT = re.compile("|".join([
    # a camera or phone photo: IMG_20190412_103512, PXL_20190412_103512345, IMG-20190412-WA0012,
    # 20190412_103512 (a date, then a time or WhatsApp's number)
    r"(?i:IMG|VID|PXL|MVIMG|PANO|BURST|DSC|DSCN|DSCF|Screenshot|Captura|Foto|Photo)[ _-]*"
    + _DATE_COMPACT + _CAMERA_TIME + "?(?!\\d)",
    _DATE_COMPACT + _CAMERA_TIME + "(?!\\d)",
    # a phone number with its country prefix: +56, 0056 or (+56), then its nine digits
    r"\(?(?:\+|(?<!\d)00)\s*56\)?(?:[\s.()-]*\d){9}(?!\d)",
    # an amount in pesos
    r"\$\s*\d{1,3}(?:[.,\s]?\d{3})*(?:,\d+)?",
    # a hexadecimal fingerprint of 16 characters or more (the key's and the code's in run.log)
    r"(?<![0-9A-Za-z])[0-9a-f]{16,}(?![0-9A-Za-z])",
]))
# a whole text that is only a date without separators (AAAAMMDD or DDMMAAAA)
_WHOLE_DATE = re.compile(r"\s*(?:" + _DATE_COMPACT
                         + r"|(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)\d\d)\s*")
# in a code column only a RUT written as one (dotted, with its check digit after a separator,
# or after RUT/RUN) is withheld: `ACT-2019-1234567` is a code
_CODE_RUT = re.compile(r"\.|[-‐‑–—]\s*[0-9kK]$")
_RUT_WORD = re.compile(r"(?i)\bru[tn]\W*$")
# characters that do not show: soft hyphen, zero-width space/joiners, word joiner, BOM
INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
# words that join the parts of a Spanish name; skipped on both sides, so that "María de los
# Ángeles" is the pair ("maria", "angeles") and "Taller de los vecinos" never matches "de los"
PARTICLES = frozenset("de del la las lo los el y e i da das do dos di du van von der".split())
MIN_ONE_WORD_NAME = 3  # a one-word name shorter than this ("F", "NN") is not a name
_DIGEST_BYTES = 16
_HEADER = b"huellas-nombres-v2\n"  # v2: unordered pairs of any two words of a name
# activity-level columns whose text can reach the outputs (titles, categories, organisations)
SCREENED_COLUMNS = ["id_actividad", "actividad", "tipo_actividad", "linea", "comuna", "zona",
                    "tipo_organizacion", "organizacion", "fecha"]
MEMO_KEYS = 1_000_000  # lookup keys remembered by a screen (emptied past this)
MAX_ROWS_PER_PLACE = 20  # rows listed per (file, sheet, column); the count is always given


def visible(text: str) -> str:
    """`text` without the characters that do not show (a soft hyphen inside a name or a RUT)."""
    return text.translate(INVISIBLE)


def rut_spans(text: str, code: bool = False) -> list[tuple[int, int]]:
    """(start, end) of each RUT-shaped number of `text` (see the module docstring), as found
    in `visible(text)`. `code`: the text is from a code column."""
    text = visible(text)
    if _WHOLE_DATE.fullmatch(text):
        return []
    masked = _NOT_RUT.sub(lambda m: " " * len(m[0]), text)
    spans = []
    for m in RUT_TOKEN.finditer(masked):
        if code and not (_CODE_RUT.search(m[0]) or _RUT_WORD.search(masked[:m.start()])):
            continue
        spans.append(m.span())
    return spans


def has_rut(text: str, code: bool = False) -> bool:
    return bool(rut_spans(text, code))


def replace_ruts(text: str) -> str:
    """`text` (made `visible`) with each RUT-shaped number replaced by WITHHELD."""
    text = visible(text)
    for start, end in reversed(rut_spans(text)):
        text = text[:start] + WITHHELD + text[end:]
    return text


_FOLDED: dict[str, tuple[str, ...]] = {}


def _folded(token: str) -> tuple[str, ...]:
    """`fold` of one whitespace-separated token, kept: names share few distinct tokens, so a
    year's names are folded token by token, not name by name."""
    words = _FOLDED.get(token)
    if words is None:
        words = tuple(w for w in fold(visible(token)).split() if w not in PARTICLES)
        if len(_FOLDED) > 1_000_000:
            _FOLDED.clear()
        _FOLDED[token] = words
    return words


def name_words(text: object) -> list[str]:
    """Folded words of a text without particles (the unit names are compared in); the same
    words as `fold(text).split()` minus particles."""
    return [w for token in str(text).split() for w in _folded(token)]


_NAME_FOLDED: dict[str, tuple[str, ...]] = {}


def _name_token(token: str) -> tuple[str, ...]:
    """`_folded` of a token of a name, without words holding digits (not parts of a name)."""
    words = _NAME_FOLDED.get(token)
    if words is None:
        words = tuple(w for w in _folded(token) if not any(ch.isdigit() for ch in w))
        if len(_NAME_FOLDED) > 1_000_000:
            _NAME_FOLDED.clear()
        _NAME_FOLDED[token] = words
    return words


def _text_keys(words: list[str]) -> list[bytes]:
    """What a screened text is looked up by, from its `name_words`: each two of its words at
    most `WINDOW` - 1 apart, the cuts of its long words (`glued_keys`) and its words (the keys
    of `NameIndex.keys`)."""
    keys = [pair_key(a, b) for i, a in enumerate(words) for b in words[i + 1:i + WINDOW]]
    for w in dict.fromkeys(words):
        keys += glued_keys(w)
    return keys + [ONE + w.encode() for w in words]


def _digests(keys: list[bytes], key: bytes) -> list[bytes]:
    blob = pseudonyms.digests(keys, key)
    return [blob[i:i + _DIGEST_BYTES] for i in range(0, len(blob), 32)]


class Screen:
    """`screen(text)` → the text, or WITHHELD. Non-text values are returned as they are.

    `names`: the plain index the fingerprints were made from, when the caller has it (the
    cleaning): `hits` then looks texts up in it over whole columns at once, without hashing.
    """

    def __init__(self, fingerprints: Iterable[bytes] = (), key: bytes | None = None,
                 names: NameIndex | None = None):
        self._key = key
        self._prints = frozenset(fingerprints)
        self._names = names
        self._memo: dict[str, bool] = {}
        self._keys: dict[bytes, bool] = {}  # lookup key → in the index (one HMAC per distinct key)

    def _lookup(self, keys: list[bytes]) -> dict[bytes, bool]:
        """Whether each key is in the index (one HMAC per key not seen before; the memo is
        emptied past `MEMO_KEYS`, never in the middle of a lookup)."""
        if len(self._keys) > MEMO_KEYS:
            self._keys.clear()
        wanted = dict.fromkeys(keys)
        missing = [k for k in wanted if k not in self._keys]
        if missing:
            self._keys.update(zip(missing, (d in self._prints for d in _digests(missing, self._key))))
        return {k: self._keys[k] for k in wanted}

    def _known(self, keys: list[bytes]) -> bool:
        return any(self._lookup(keys).values())

    def hit(self, text: object, code: bool = False) -> bool:
        """True when `text` holds a RUT-shaped token or an attendee's name. The official names of
        comunas, provinces and regions and the fixed categories are never names. `code`: the
        text is from a code column (a bare number there is a code, not a RUT)."""
        if not isinstance(text, str) or not text:
            return False
        if code:
            return has_rut(text, code=True) or self.hit(_NO_DIGITS.sub(" ", text))
        found = self._memo.get(text)
        if found is None:
            found = has_rut(text)
            words = name_words(text) if not found and self._prints else []
            if words and tuple(words) not in _vocabulary():
                found = self._known(_text_keys(words))
            if len(self._memo) < 100_000:
                self._memo[text] = found
        return found

    def __call__(self, text):
        return WITHHELD if self.hit(text) else text

    def hits(self, texts: list[str], code: bool = False) -> list[bool]:
        """`hit` of many distinct texts, their lookup keys hashed in one batch (or looked up in
        the plain index, over all of them at once, when the screen has it)."""
        if code:
            return [self.hit(t, code=True) for t in texts]
        if self._names is not None:
            return self._hits_plain(texts)
        vocabulary = _vocabulary() if self._prints else set()
        found: dict[str, bool] = {}
        pending: dict[str, list[bytes]] = {}
        for t in texts:
            if not isinstance(t, str) or not t:
                found[t] = False
            elif t in self._memo:
                found[t] = self._memo[t]
            elif has_rut(t):
                found[t] = True
            elif not self._prints:
                found[t] = False
            else:
                words = name_words(t)
                if not words or tuple(words) in vocabulary:
                    found[t] = False
                else:
                    pending[t] = _text_keys(words)
        if pending:
            known = self._lookup([k for keys in pending.values() for k in keys])
            found.update((t, any(known[k] for k in keys)) for t, keys in pending.items())
        return [found[t] for t in texts]

    def _hits_plain(self, texts: list[str]) -> list[bool]:
        strings = [t if isinstance(t, str) else "" for t in texts]
        candidate = self._names.hits(strings, _folded)
        vocabulary = _vocabulary()
        return [bool(t) and (has_rut(t) or (bool(c) and tuple(name_words(t)) not in vocabulary))
                for t, c in zip(strings, candidate)]

    def tree(self, obj, on_hit: Callable[[str], None] | None = None):
        """A copy of `obj` (dicts, lists, tuples, text, numbers) with every text screened, dict
        keys included. Withheld keys that collide are merged: numbers added, else numbered.
        `on_hit(path)` is told where (e.g. `conflictos_actividad[3].valores`), never what."""
        return self._tree(obj, "", on_hit)

    def _tree(self, obj, where: str, on_hit, code: bool = False):
        if isinstance(obj, str):
            if self.hit(obj, code):
                if on_hit is not None:
                    on_hit(where)
                return WITHHELD
            return obj
        if isinstance(obj, dict):
            out: dict = {}
            for k, v in obj.items():
                here = f"{where}.{WITHHELD if self.hit(k) else k}".lstrip(".")
                value = self._tree(v, here, on_hit, k in CODE_KEYS)
                key = self._tree(k, f"{where} (clave)", on_hit) if isinstance(k, str) else k
                if key in out:
                    if isinstance(out[key], (int, float)) and isinstance(value, (int, float)) \
                            and not isinstance(value, bool):
                        value = out[key] + value
                    else:
                        n = 2
                        while f"{key} {n}" in out:
                            n += 1
                        key = f"{key} {n}"
                out[key] = value
            return out
        if isinstance(obj, (list, tuple)):
            items = [self._tree(v, f"{where}[{i}]", on_hit) for i, v in enumerate(obj)]
            return items if isinstance(obj, list) else tuple(items)
        return obj


_NO_DIGITS = re.compile(r"\d+")
CODE_KEYS = frozenset({"id_actividad", "codigo", "código"})  # keys of indicadores.json holding codes
_VOCABULARY: set[tuple[str, ...]] = set()


def _vocabulary() -> set[tuple[str, ...]]:
    """Official names (comunas, provinces, regions) and fixed categories of the schema, as
    `name_words` gives them."""
    if not _VOCABULARY:
        from pipeline import reference, schema

        c = reference.comunas()
        words = list(c["comuna"]) + list(c["provincia"])
        regiones = reference.regiones()
        words += [str(v) for col in regiones.columns if regiones[col].dtype == object for v in regiones[col]]
        for name in dir(schema):
            value = getattr(schema, name)
            if name.isupper() and isinstance(value, (list, tuple, set, frozenset)):
                words += [v for v in value if isinstance(v, str)]
            elif name.isupper() and isinstance(value, str):
                words.append(value)
        _VOCABULARY.update(tuple(name_words(w)) for w in words)
    return _VOCABULARY


# ---------------------------------------------------------------------------
# the year's index
# ---------------------------------------------------------------------------
def index_path(paths: config.Paths) -> Path:
    return paths.nombres_huellas


def name_index(names: Iterable[object] | pa.Array) -> NameIndex:
    """The plain index of the names (see the module docstring): words with digits are not
    parts of a name, a one-word name shorter than `MIN_ONE_WORD_NAME` is not a name."""
    return NameIndex(names, _name_token, MIN_ONE_WORD_NAME)


def fingerprints(names: Iterable[object] | pa.Array | NameIndex, key: bytes) -> list[bytes]:
    """Sorted distinct fingerprints of the names (see the module docstring)."""
    keys = (names if isinstance(names, NameIndex) else name_index(names)).keys()
    return sorted(set(_digests(keys, key))) if keys else []


def write_index(path: Path, prints: list[bytes]) -> None:
    """The fingerprints, owner-only, replacing the old file only once written."""
    from pipeline.clean.writing import private_folder

    path = Path(path)
    private_folder(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_HEADER + b"".join(prints))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_index(path: Path) -> list[bytes]:
    data = Path(path).read_bytes()
    if not data.startswith(_HEADER):
        raise ValueError(f"{path} no es un índice de huellas de nombres.")
    body = data[len(_HEADER):]
    return [body[i:i + _DIGEST_BYTES] for i in range(0, len(body), _DIGEST_BYTES)]


def for_year(paths: config.Paths) -> Screen:
    """The screen of one year: RUT-shaped tokens and the names of the year's attendees, from
    the index the cleaning wrote. Without it (or with an earlier version's) the year was not
    cleaned by this code: `StaleProcessed` («ejecute limpiar»); the logs are never read again here."""
    path = index_path(paths)
    again = (f"Ejecute antes la limpieza: python -m pipeline limpiar --anio {paths.year}")
    if not path.is_file():
        raise StaleProcessed(f"Falta el índice de nombres de {paths.year} ({path}). {again}")
    try:
        return Screen(read_index(path), pseudonyms.load_key())
    except ValueError:  # an index of an earlier version
        raise StaleProcessed(f"El índice de nombres de {paths.year} ({path}) es de una versión anterior. "
                             f"{again}") from None


def rut_only() -> Screen:
    """A screen for text of no particular year (RUT-shaped tokens only)."""
    return Screen()


def _distinct_array(column: pd.Series) -> pa.Array:
    """The distinct values of a column as arrow text (no Python str per value)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return category_text(column)
    return pc.unique(pa.array(column, type=pa.large_string()).drop_null())


def _names(reading: Reading) -> NameIndex:
    """The plain index of every attendee name read."""
    columns = [_distinct_array(s.frame["nombre"]) for s in reading.sheets if "nombre" in s.frame]
    return name_index(pa.chunked_array(columns, type=pa.large_string()) if columns
                      else pa.array([], pa.large_string()))


# ---------------------------------------------------------------------------
# at cleaning: index, places of withheld values, calidad screened
# ---------------------------------------------------------------------------
@dataclass
class Findings:
    """What `find` learnt from the year's logs: the screen, where withheld values were, and how
    each withheld file name is shown."""
    screen: Screen
    places: list[dict]
    shown: dict[str, str]
    prints: list[bytes]  # the name index to write (`write_index`) once the cleaning succeeds


def apply(found: Findings, calidad: dict) -> dict:
    """Screen `calidad` **in place** (it is written after this), with the places of withheld
    values under `datos_personales_retirados`. Returns `calidad`."""
    screened = found.screen.tree(_rename_files(calidad, found.shown))
    calidad.clear()
    calidad.update(screened)
    calidad["datos_personales_retirados"] = found.places
    return calidad


def find(reading: Reading) -> Findings:
    """The year's name index, from every person row read, and every withheld value found at
    its source (file, sheet, column, rows). Nothing is written."""
    key = pseudonyms.load_key()
    names = _names(reading)
    prints = fingerprints(names, key)
    screen = Screen(prints, key, names=names)
    files = sorted({e.file for e in [*reading.sheets, *reading.rejected, *reading.skipped]})
    numbered = {file: i + 1 for i, file in enumerate(files)}  # the order files are read in
    places = []

    def place(file: str, sheet: str, column: str, rows=()) -> None:
        rows = list(rows)
        places.append({**_place_names(screen, file, sheet, numbered[file]), "columna": column,
                       "filas": [int(r) for r in rows[:MAX_ROWS_PER_PLACE]], "n": len(rows)})

    for s in reading.sheets:
        if screen.hit(s.file) or screen.hit(s.name):
            place(s.file, s.name, "nombre de archivo u hoja")
        for header in s.unknown_columns:
            if screen.hit(header):
                place(s.file, s.name, "encabezado desconocido")
        for col in SCREENED_COLUMNS:
            if col in s.frame:
                rows = _hit_rows(screen, s.frame[col], s.frame[FILA], code=col in CODE_KEYS)
                if len(rows):
                    place(s.file, s.name, col, rows.tolist())
    for r in [*reading.rejected, *reading.skipped]:
        if screen.hit(r.file) or screen.hit(r.sheet):
            place(r.file, r.sheet, "nombre de archivo u hoja")
    shown = {a: _place_names(screen, a, "", n)["archivo"] for a, n in numbered.items() if screen.hit(a)}
    return Findings(screen, places, shown, prints)


def _rename_files(obj, shown: dict[str, str]):
    """`obj` with every `archivo` value that names a withheld file given by its position."""
    if isinstance(obj, dict):
        return {k: shown.get(v, v) if k == "archivo" and isinstance(v, str) else _rename_files(v, shown)
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rename_files(v, shown) for v in obj]
    return obj


def _place_names(screen: Screen, file: str, sheet: str, n: int) -> dict:
    """File and sheet of a place as the report may show them: a withheld file name is given by
    its position among the year's files (in name order), which is enough to find it."""
    return {"archivo": file if not screen.hit(file) else f"{WITHHELD} (archivo n.º {n} en orden alfabético)",
            "hoja": screen(sheet)}


def _hit_rows(screen: Screen, values: pd.Series, row_numbers: pd.Series, code: bool = False) -> np.ndarray:
    """Row numbers (as the sheet shows them) whose value is withheld; each distinct value
    screened once. `code`: a code column."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories
        bad = np.array(screen.hits([str(c) for c in cats], code) + [False], dtype=bool)
        mask = bad[values.cat.codes.to_numpy()]
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        bad = np.array(screen.hits([str(u) for u in uniques], code) + [False], dtype=bool)
        mask = bad[codes]
    return row_numbers.to_numpy()[mask]
