"""No personal datum of the input reaches outputs/: every byte of every output is searched.

The names and RUTs are read from the raw sample itself (through `pipeline.ingest.read`, plus a
plain scan of the files or sheets the pipeline rejects). Each output file is searched as
it is and decoded every way a value could hide in it: HTML/XML entities, JSON `\\u`
escapes, percent-encoding, base64 `data:` URIs, every part of a zip (the workbook),
notebook JSON (with its embedded images), and the PDF (its streams inflated, but for the
pixels of its images; text extracted with pypdf when installed). RUTs are matched in every formatting (dots,
dash, spaces, `K`/`k`, body alone); names folded (case and accents ignored), whole and
as first-name + surname pairs. A self-check plants values in a copy of the outputs and
sees each one found, so this test can fail.
"""
from __future__ import annotations

import base64
import binascii
import html
import io
import json
import re
import urllib.parse
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from pipeline import config
from pipeline.ingest import read
from pipeline.ingest.csv_files import DELIMITERS
from pipeline.ingest.files import log_files
from pipeline import schema
from pipeline.text import fold
from tests.conftest import SAMPLE_RUN_YEARS

pytestmark = pytest.mark.slow

# --------------------------------------------------------------------------- personal values of the input


@dataclass
class Needles:
    names: set[tuple[str, ...]] = field(default_factory=set)       # folded full names
    pairs: set[tuple[str, str]] = field(default_factory=set)       # first + surname, surname + surname
    bodies: set[str] = field(default_factory=set)                  # RUT bodies, digits only
    examples: dict[str, str] = field(default_factory=dict)         # body → a raw RUT as typed
    # with `anywhere`, also any two words of one name in any order within four words, and two
    # words of one name glued together (the forms the issue's attacker wrote)
    anywhere: bool = False
    owners: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)  # word → the names holding it

    def add_name(self, value: object) -> None:
        tokens = tuple(fold(value).split())
        if len(tokens) < 2 or schema.canonical_column(value):  # a header row, not a person
            return
        self.names.add(tokens)
        first, rest = tokens[0], tokens[1:]
        self.pairs.update((first, t) for t in rest)
        if len(rest) >= 2:
            self.pairs.add((rest[-2], rest[-1]))
        for t in tokens:
            if len(t) >= 3 and t not in _PARTICLES:
                self.owners.setdefault(t, set()).add(tokens)

    def add_rut(self, value: object) -> None:
        if value is None:
            return
        compact = re.sub(r"[^0-9kK]", "", str(value))
        body = compact[:-1]
        if 7 <= len(body) <= 8 and body.isdigit() and body[0] != "0":
            self.bodies.add(body)
            self.examples.setdefault(body, str(value))


def _columns_by_header(rows: list[list[object]]) -> dict[str, int]:
    """Positions of `nombre`/`rut` in the first row of the top block that names them."""
    for row in rows[: config.HEADER_SCAN_ROWS]:
        found = {schema.canonical_column(v): i for i, v in enumerate(row) if v is not None}
        found = {k: v for k, v in found.items() if k in ("nombre", "rut")}
        if found:
            return found
    return {}


def _plain_scan(path: Path, needles: Needles) -> None:
    """Personal columns of a file the pipeline rejected (it may still hold names)."""
    sheets: list[list[list[object]]] = []
    if path.suffix.lower() == ".xlsx":
        try:
            frames = pd.read_excel(path, engine="calamine", header=None, sheet_name=None, dtype=object)
        except Exception:  # noqa: BLE001 — unreadable for us too, hence for the pipeline
            return
        sheets = [f.astype(object).where(f.notna(), None).values.tolist() for f in frames.values()]
    else:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for delimiter in DELIMITERS:
            sheets.append([line.split(delimiter) for line in text.splitlines()])
    for rows in sheets:
        cols = _columns_by_header(rows)
        for row in rows:
            if "nombre" in cols and cols["nombre"] < len(row):
                needles.add_name(row[cols["nombre"]])
            if "rut" in cols and cols["rut"] < len(row):
                needles.add_rut(row[cols["rut"]])


def personal_values(raw_root: Path) -> Needles:
    """Every name and RUT in every log under `raw_root` (every year, every region)."""
    needles = Needles()
    for path in log_files(raw_root):
        reading = read.read_file(path)
        for sheet in reading.sheets:
            if "nombre" in sheet.frame:
                for v in sheet.frame["nombre"].dropna().unique():
                    needles.add_name(v)
            if "rut" in sheet.frame:
                for v in sheet.frame["rut"].dropna().unique():
                    needles.add_rut(v)
        if reading.rejected:
            _plain_scan(path, needles)
    return needles


# --------------------------------------------------------------------------- decoding every way


_DATA_URI = re.compile(rb"data:[\w/+.-]+(?:;[\w=.-]+)*;base64,([A-Za-z0-9+/=]{16,})")
_U_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_FLATE = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_IMAGE = re.compile(rb"/Subtype\s*/Image\b")


def _json_strings(obj) -> list[str]:
    out: list[str] = []
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            out.extend(str(k) for k in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif item is not None:
            out.append(str(item))
    return out


def views(label: str, data: bytes, depth: int = 0) -> list[tuple[str, str]]:
    """(where, text) for every way the bytes can be read."""
    out: list[tuple[str, str]] = []
    if depth > 3:
        return out
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for member in zf.namelist():
                    out += views(f"{label}!{member}", zf.read(member), depth + 1)
                    out.append((f"{label}!nombre", member))
        except zipfile.BadZipFile:
            pass
    if data[:5] == b"%PDF-":
        out += _pdf_views(label, data)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        out += _png_views(label, data)
    text = data.decode("utf-8", errors="replace")
    out.append((label, text))
    unescaped = html.unescape(text)
    out.append((f"{label} (entidades)", unescaped))
    out.append((f"{label} (\\u)", _U_ESCAPE.sub(lambda m: chr(int(m[1], 16)), unescaped)))
    if "%" in text:
        # what urllib's unquote gives, in one pass (unquote decodes ASCII run by ASCII run: slow
        # on a binary file read as text)
        out.append((f"{label} (%)", urllib.parse.unquote_to_bytes(text).decode("utf-8", errors="replace")))
    stripped = text.strip()
    if stripped[:1] in "{[":
        try:
            strings = _json_strings(json.loads(text))
        except ValueError:
            strings = []
        out.append((f"{label} (json)", "\n".join(strings)))
        for s in strings:  # notebook images and attachments: base64 inside JSON
            if len(s) > 64 and re.fullmatch(r"[A-Za-z0-9+/=\s]+", s):
                out += _base64_views(f"{label} (base64 en json)", s.encode("ascii"), depth)
    for match in _DATA_URI.finditer(data):
        out += _base64_views(f"{label} (data: URI)", match[1], depth)
    return out


def _base64_views(label: str, blob: bytes, depth: int) -> list[tuple[str, str]]:
    try:
        decoded = base64.b64decode(blob + b"=" * (-len(blob) % 4))
    except (binascii.Error, ValueError):
        return []
    return views(label, decoded, depth + 1)


def _png_views(label: str, data: bytes) -> list[tuple[str, str]]:
    """Every chunk of a PNG other than its pixels, compressed text inflated."""
    out, pos = [], 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IDAT":
            continue
        text = body.decode("latin-1")
        if kind in (b"zTXt", b"iTXt", b"iCCP"):
            for start in range(len(body)):
                try:
                    text += "\n" + zlib.decompress(body[start:]).decode("utf-8", errors="replace")
                    break
                except zlib.error:
                    continue
        out.append((f"{label} (PNG {kind.decode('latin-1')})", text))
    return out


def _pdf_views(label: str, data: bytes) -> list[tuple[str, str]]:
    out = []
    for i, match in enumerate(_FLATE.finditer(data)):
        if _IMAGE.search(data, data.rfind(b"obj", 0, match.start()), match.start()):
            continue  # an image's samples are pixels, not text (its metadata is searched as the file's bytes)
        try:
            inflated = zlib.decompressobj().decompress(match[1])
        except zlib.error:
            continue
        out.append((f"{label} (flujo {i})", inflated.decode("latin-1")))
    try:
        import pypdf  # optional: real text extraction through the fonts' ToUnicode maps
    except ImportError:
        return out
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except pypdf.errors.PyPdfError:  # a bare content stream (the self-check) is not a whole PDF
        return out
    out.append((f"{label} (texto)", text))
    return out


# --------------------------------------------------------------------------- searching

# each starts with a digit not preceded by a digit or a dot (the look-behind after it)
_RUT_DOTTED = re.compile(r"(\d(?<![\d.]\d)\d?\.\d{3}\.\d{3})(?!\d|\.\d)")
_RUT_SPACED = re.compile(r"(\d(?<![\d.]\d)\d? \d{3} \d{3})(?![\d.])")
_RUT_PLAIN = re.compile(r"(\d(?<![\d.]\d)\d{6,8})(?![\d])")
_RUT_K = re.compile(r"(\d(?<![\d.]\d)\d{6,7})[kK](?![\w])")
# where any of the four can match: found in one pass over the text, each form then tried there
# alone (a match of one form never holds another place where the same form starts)
_RUT_START = re.compile(r"\d(?=\d{6}|\d?[. ]\d{3}[. ]\d{3})(?<![\d.]\d)")


def rut_hits(text: str, bodies: set[str]) -> list[tuple[str, str]]:
    """(body, context) of every RUT of the input found in the text, any formatting."""
    hits = []
    starts = [m.start() for m in _RUT_START.finditer(text)]
    for regex in (_RUT_DOTTED, _RUT_SPACED, _RUT_K):
        for m in filter(None, (regex.match(text, p) for p in starts)):
            body = re.sub(r"\D", "", m[1])
            if body in bodies:
                hits.append((body, text[max(0, m.start() - 40): m.end() + 40]))
    for m in filter(None, (_RUT_PLAIN.match(text, p) for p in starts)):
        run = m[1]
        # a run of digits is a body alone, or a body with its check digit glued on
        for body in {run, run[:-1]}:
            if body in bodies:
                hits.append((body, text[max(0, m.start() - 40): m.end() + 40]))
    return hits


_PARTICLES = frozenset("de del la las los el y".split())
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
# a stretch from a non-ASCII character to the last one not 32 ASCII characters away from the next
_NON_ASCII = re.compile(r"[^\x00-\x7f](?:[\x00-\x7f]{0,32}[^\x00-\x7f])*")


def folded_words(text: str) -> list[str]:
    """`fold(text).split()`, the invisible characters dropped. `str.translate` is slow on a text
    that is not all ASCII: each stretch with other characters is folded alone (between two
    letters, so that its edges keep their spaces), then the whole text, now ASCII."""
    text = _NON_ASCII.sub(lambda m: fold(f"a{m[0]}a")[1:-1], _INVISIBLE.sub("", text))
    return fold(text).split()


def name_hits(text: str, needles: Needles, index=None) -> list[tuple[str, str]]:
    words = folded_words(text)
    found = []
    if needles.anywhere:
        owners = needles.owners
        kept = [w for w in words if w not in _PARTICLES]
        for i, a in enumerate(kept):
            for b in kept[i + 1:i + 4]:
                if a != b and owners.get(a, set()) & owners.get(b, set()):
                    found.append((f"{a} {b}", "dos palabras de un nombre"))
            if 6 <= len(a) <= 40 and a not in owners:
                for k in range(3, len(a) - 2):
                    if owners.get(a[:k], set()) & owners.get(a[k:], set()):
                        found.append((a, "nombre pegado"))
    names, pairs = index or first_words(needles)
    starts = set(words) & (names.keys() | pairs.keys())  # only where a name or a pair could begin
    for i in (i for i, w in enumerate(words) if w in starts) if starts else ():
        w = words[i]
        if i + 1 < len(words) and words[i + 1] in pairs.get(w, ()):
            found.append((f"{w} {words[i + 1]}", "pareja nombre-apellido"))
        for name in names.get(w, ()):
            if tuple(words[i:i + len(name)]) == name:
                found.append((" ".join(name), "nombre completo"))
    return found


def first_words(needles: Needles) -> tuple[dict[str, list[tuple[str, ...]]], dict[str, set[str]]]:
    """The full names by their first word, and the pairs' second words by their first."""
    names: dict[str, list[tuple[str, ...]]] = {}
    for name in needles.names:
        names.setdefault(name[0], []).append(name)
    pairs: dict[str, set[str]] = {}
    for a, b in needles.pairs:
        pairs.setdefault(a, set()).add(b)
    return names, pairs


def search(files: dict[str, bytes], needles: Needles) -> list[str]:
    """Every leak found, as 'where: kind' — where, never what: a failing assertion prints this
    on the console (and into CI logs), so it must not carry the personal value it found."""
    leaks = []
    index, searched = first_words(needles), set()
    for label, data in files.items():
        for where, text in views(label, data):
            if text in searched:  # the same text seen another way (or in another file)
                continue
            searched.add(text)
            if rut_hits(text, needles.bodies):
                leaks.append(f"{where}: RUT")
            for _name, kind in name_hits(text, needles, index):
                leaks.append(f"{where}: {kind}")
    return sorted(set(leaks))


def tree_files(root: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    files = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_file() and p.name not in skip:
            files[rel] = p.read_bytes()
        files[f"{rel} (ruta)"] = rel.encode("utf-8")  # a file or folder name could carry a value
    return files


# --------------------------------------------------------------------------- fixtures


def sample_years(raw_root: Path) -> list[Path]:
    """The year folders of the shared run's raw copy: every year it published (the region's
    own, not regiones/)."""
    return [p for p in sorted(Path(raw_root).iterdir()) if p.is_dir() and p.name.isdigit()]


@pytest.fixture(scope="module")
def needles(sample_run) -> Needles:
    found = Needles()
    for year in sample_years(sample_run.paths.raw_root):
        part = personal_values(year)
        found.names |= part.names
        found.pairs |= part.pairs
        found.bodies |= part.bodies
        found.examples.update(part.examples)
    # the sample has thousands of people: a scan that found few would prove nothing
    assert len(found.names) > 1000 and len(found.bodies) > 1000, (len(found.names), len(found.bodies))
    return found


@pytest.fixture(scope="module")
def outputs(sample_run) -> dict[str, bytes]:
    assert sample_run.result.returncode == 0, sample_run.result.stderr[-3000:]
    out = sample_run.paths.out
    expected = []
    for year in SAMPLE_RUN_YEARS:
        p = sample_run.year(year)
        expected += [p.indicadores_json, p.indicadores_xlsx, p.calidad_html, p.balance_html, p.run_log,
                     *(p.notebooks_out / name for name in ("01_limpieza.ipynb", "02_indicadores.ipynb", "03_balance.ipynb"))]
    assert [str(p.relative_to(out.parent)) for p in expected if not p.exists()] == []
    files = tree_files(sample_run.paths.out_root)
    files["consola (stderr)"] = sample_run.result.stderr.encode("utf-8")
    files["consola (stdout)"] = sample_run.result.stdout.encode("utf-8")
    return files


# --------------------------------------------------------------------------- tests


def test_needles_cover_every_rut_format(needles):
    body = next(iter(sorted(needles.bodies)))
    dotted = f"{int(body):,}".replace(",", ".")
    for form in [body, f"{body}-5", f"{body}5", dotted, f"{dotted}-K", f"{dotted} - k",
                 f"{body}K", f"{body}k", f"{dotted[:-8]} {body[-6:-3]} {body[-3:]}-1"]:
        assert rut_hits(f"texto {form} más", needles.bodies), form
    # a longer number, a decimal or a date containing the digits is not a RUT
    for other in [f"1{body}12", f"0.{body}", f"{body}12"]:
        assert rut_hits(f"x {other} y", needles.bodies) == [], other


def test_no_name_or_rut_in_any_output(outputs, needles):
    leaks = search(outputs, needles)
    assert leaks == [], "datos personales en outputs/:\n" + "\n".join(leaks[:30])


def test_no_pseudonym_in_any_output(outputs, sample_run):
    """A pseudonym is personal data too (it links one person's attendances)."""
    personas = set(pd.read_parquet(sample_run.paths.asistencias)["persona"].dropna())
    assert len(personas) > 1000
    found, searched = set(), set()
    for label, data in outputs.items():
        for _where, text in views(label, data):
            if text in searched:  # the same text seen another way (or in another file)
                continue
            searched.add(text)
            for run in re.findall(r"[0-9a-f]{32,}", text):  # a pseudonym, alone or inside a longer hex run
                found |= personas & {run[i:i + 32] for i in range(len(run) - 31)}
    assert found == set()


@pytest.mark.parametrize("plant", ["xlsx", "json_escaped", "html_entities", "log_body", "notebook_k", "pdf_stream"])
def test_self_check_planted_values_are_found(plant, outputs, needles, sample_run):
    """The search can fail: a value planted in a copy of an output file is reported."""
    raw_name = next(v for v in _raw_names_with_accents(sample_run.paths.raw) if tuple(fold(v).split()) in needles.names)
    body = sorted(needles.bodies)[len(needles.bodies) // 2]
    dotted = f"{int(body):,}".replace(",", ".")

    def pick(suffix: str) -> str:
        return next(k for k in outputs if k.endswith(suffix))

    if plant == "xlsx":
        key = pick("indicadores.xlsx")
        planted = _plant_in_zip(outputs[key], "xl/worksheets/sheet1.xml", f"<!-- {dotted}-5 -->")
    elif plant == "json_escaped":
        key = pick("indicadores.json")
        ind = json.loads(outputs[key])
        ind["destacadas"] = [{"titulo": f"Taller con {raw_name}"}]
        planted = json.dumps(ind, ensure_ascii=True).encode()
    elif plant == "html_entities":
        key = pick(f"calidad-{config.paths(2017).year}.html")
        planted = outputs[key] + html.escape(raw_name).encode("ascii", "xmlcharrefreplace")
    elif plant == "log_body":
        key = pick("run.log")
        planted = outputs[key] + f"fila 12: {body}\n".encode()
    elif plant == "notebook_k":
        key = pick("01_limpieza.ipynb")
        nb = json.loads(outputs[key])
        nb["cells"][-1].setdefault("outputs", []).append(
            {"output_type": "stream", "name": "stdout", "text": [f"{dotted}-k\n"]})
        planted = json.dumps(nb).encode()
    else:  # a compressed PDF content stream, as Chromium writes them
        key = "balance-2017.pdf"
        first, last = raw_name.split()[0], raw_name.split()[-1]
        stream = zlib.compress(f"BT ({first} {last}) Tj ET".encode("latin-1"))
        planted = b"%PDF-1.4\n1 0 obj<</Filter/FlateDecode>>stream\n" + stream + b"\nendstream\n"
    assert search({key: outputs.get(key, b"")}, needles) == []
    assert search({key: planted}, needles), f"el valor plantado ({plant}) no se encontró"


def _raw_names_with_accents(raw: Path) -> list[str]:
    out = []
    for path in log_files(raw):
        for sheet in read.read_file(path).sheets:
            if "nombre" in sheet.frame:
                out += [v for v in sheet.frame["nombre"].dropna().unique() if re.search(r"[áéíóúñÁÉÍÓÚÑ]", v)]
    return sorted(out)


def _plant_in_zip(data: bytes, member: str, text: str) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.namelist():
            content = src.read(item)
            if item == member:
                content += text.encode("utf-8")
            dst.writestr(item, content)
    return buf.getvalue()


def test_processed_has_no_name_or_rut_except_quarantine(sample_run, needles):
    """data/processed is pseudonymised: only cuarentena.csv keeps raw values (for the analyst)."""
    root = sample_run.paths.processed_root
    files = tree_files(root, skip=("cuarentena.csv",))
    for p in root.rglob("*.parquet"):
        frame = pd.read_parquet(p)
        files[f"{p.relative_to(root)} (valores)"] = "\n".join(
            "\t".join(map(str, row)) for row in frame.astype(str).itertuples(index=False)).encode("utf-8")
        assert not set(schema.PERSONAL_COLUMNS - {"edad"}) & set(frame.columns), p
    leaks = search(files, needles)
    assert leaks == [], "\n".join(leaks[:30])
    # and the quarantine file does hold raw values: the search would have seen them
    quarantine = (sample_run.paths.cuarentena).read_bytes()
    assert search({"cuarentena.csv": quarantine}, needles)


# --------------------------------------------------------------------------- a hostile year
# Names and RUTs planted wherever free text can travel: titles, organisations, líneas (one
# with `$$`), an unknown header, a file name, a sheet name, the highlights (title, photo name,
# photo metadata), the next year's plan. Every planted name is an attendee of the year (that
# is what the screen knows), but for the one of a shifted row; planted RUTs need not be valid.

HOSTILE_YEAR = 2019
# the attendees of the issue and the forms their names and RUTs were written in elsewhere
ISSUE_PEOPLE = [("María José Huenchumil Aldunate", "8.802.188-6", "F", 51),
                ("Ximena Zorrilla Quintrequeo", "12.204.411-3", "F", 38),
                ("Rigoberto Tralma Fuentealba", "7.531.598-8", "M", 66),
                ("Bernardita Llancaqueo Pincheira", "15.203.990-5", "F", 29),
                ("Rigoberto Caniullan Mora", "10.456.123-2", "M", 47)]
NAME_FORMS = ["Taller con Ximena Quintrequeo", "Visita de María Huenchumil", "Tralma, Rigoberto",
              "Llancaqueo Bernardita", "BernarditaPincheira", "Bernar\u00addita Pin\u00adcheira"]
RUT_FORMS = ["RUT8802188-6", "8.802.188", "8802188", "RUN 8.802.188"]
_FIRST = ["Ximena", "Rosa", "Pedro", "Luis", "Carmen", "Jorge", "Elena", "Tomás", "Paula", "Marcos"]
_LAST = ["Albornoz", "Cárcamo", "Muñoz", "Soto", "Rojas", "Pérez", "Díaz", "Vera", "Fuentes", "Araya"]
PLANTED_RUTS = ["8.765.432-K", "12345678-5", "123456785", "15.555.444-0", "9 876 543 2"]
# the name of the shifted row: nobody of the year is called so
SHIFTED_NAME = "Eduvina Catrileo Painemal"


def _rut(body: int) -> str:
    total, factor = 0, 2
    for digit in reversed(str(body)):
        total += int(digit) * factor
        factor = 2 if factor == 7 else factor + 1
    check = 11 - total % 11
    return f"{body:,}".replace(",", ".") + "-" + {10: "K", 11: "0"}.get(check, str(check))


def _people() -> list[tuple[str, str, str, int]]:
    out = []
    for i in range(60):
        name = f"{_FIRST[i % 10]} {_LAST[(i * 3) % 10]} {_LAST[(i * 7 + 1) % 10]}"
        out.append((name, _rut(10_000_000 + 7919 * i), "F" if i % 2 else "M", 18 + i))
    return out + [(n, _rut(int(r.split("-")[0].replace(".", ""))), sx, age) for n, r, sx, age in ISSUE_PEOPLE]


def _photo_with_metadata(path: Path, secret: str) -> None:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010E] = secret
    exif[0x013B] = secret
    Image.new("RGB", (80, 60), (10, 120, 200)).save(path, format="JPEG", exif=exif.tobytes(),
                                                     comment=secret.encode())


def _hostile_raw(root: Path) -> tuple[Path, list[str]]:
    from openpyxl import Workbook

    raw = root / "raw" / str(HOSTILE_YEAR)
    raw.mkdir(parents=True)
    people = _people()
    n1, n2, n3, n4, n5 = (p[0] for p in people[:5])
    header = ["fecha", "comuna", "actividad", "tipo_actividad", "linea", "organizacion",
              "nombre", "rut", "sexo", "edad", f"Observación de {n4}"]
    lines = [";".join(header)]
    titles = [f"Taller con {n1}", f"Reunión {PLANTED_RUTS[0]}", "Taller vecinal Ovalle", "Jornada Vicuña",
              "Taller Illapel", "Cabildo Combarbalá", f"Escuela {n2.upper()}", "Jornada Canela",
              *NAME_FORMS, *(f"Visita {r}" for r in RUT_FORMS)]
    lineas = ["Barrios $$", "Barrios $$", "Barrios $$", f"Línea de {n3}", "Vivienda", "Vivienda", "Vivienda",
              PLANTED_RUTS[1], *RUT_FORMS, *NAME_FORMS]
    orgs = [f"JJVV {n5}", "Comité Los Aromos", PLANTED_RUTS[2], "Comité Los Aromos", "JJVV Norte",
            f"Comité {n1}", "JJVV Norte", "JJVV Norte", *reversed(NAME_FORMS), *reversed(RUT_FORMS)]
    comunas = ["Ovalle", "Ovalle", "Ovalle", "Vicuña", "Illapel", "Combarbalá", "La Serena", "Canela"] * 3
    for k, person in enumerate(people):
        a = k % len(titles)
        lines.append(";".join([f"{HOSTILE_YEAR}-0{1 + a % 9}-1{a % 9}", comunas[a], titles[a], "Taller participativo",
                               lineas[a], orgs[a], person[0], person[1], person[2], str(person[3]), "x"]))
    (raw / f"asistencia de {n2}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # a file named after an attendee, surname first; an unknown header with a name
    (raw / "lista Tralma Rigoberto.csv").write_text(
        "fecha;comuna;actividad;tipo_actividad;nombre;rut;sexo;edad;Obs Rigoberto Caniullan\n"
        f"{HOSTILE_YEAR}-06-20;Ovalle;Taller vecinal Ovalle;Taller participativo;{ISSUE_PEOPLE[2][0]};"
        f"{ISSUE_PEOPLE[2][1]};M;66;x\n", encoding="utf-8")
    wb = Workbook()
    ws = wb.active
    ws.title = f"Hoja {n3}"[:31]
    ws.append(["Fecha", "Comuna", "Actividad", "Nombre", "RUT", "Sexo", "Edad"])
    for person in people[:8]:
        ws.append([f"{HOSTILE_YEAR}-09-03", "Coquimbo", f"Visita a {PLANTED_RUTS[3]}", person[0], person[1],
                   person[2], person[3]])
    ws.append([])  # footer rows without attendee: listed with their text only when it passes the screen
    ws.append(["Firma encargado(a): ____"])
    ws.append([f"Revisó {n5}"])
    ws.append([None, None, f"Responsable {PLANTED_RUTS[4]}"])
    ws.append(["Encargada: Bernardita Llancaqueo"])
    ws.append(["Firma Tralma, Rigoberto 7.531.598"])
    named = wb.create_sheet("Huenchumil María")  # a sheet named after an attendee, surname first
    named.append(["Fecha", "Comuna", "Actividad", "Nombre", "RUT", "Sexo", "Edad"])
    named.append([f"{HOSTILE_YEAR}-09-04", "Coquimbo", "Taller vecinal", ISSUE_PEOPLE[0][0], ISSUE_PEOPLE[0][1],
                  "F", 51])
    wb.save(raw / "planilla.xlsx")
    _photo_with_metadata(raw / "foto1.jpg", f"{n1} {PLANTED_RUTS[0]}")
    _photo_with_metadata(raw / f"{n4}.jpg", f"{n4}")
    _photo_with_metadata(raw / "IMG_20190412_103512.jpg", "foto de cámara")
    (raw / "destacadas.csv").write_text(
        "fecha,comuna,titulo,linea,foto\n"
        f"{HOSTILE_YEAR}-03-10,Ovalle,Visita a {n1} {PLANTED_RUTS[4]},{n2},foto1.jpg\n"
        f"{HOSTILE_YEAR}-04-11,Vicuña,Taller vecinal,Barrios,{n4}.jpg\n"
        f"{HOSTILE_YEAR}-04-12,Ovalle,Visita de María Huenchumil,RUN 8.802.188,IMG_20190412_103512.jpg\n"
        f"{HOSTILE_YEAR}-04-13,Ovalle,Tralma\u00ad Rigoberto,Llancaqueo Bernardita,foto1.jpg\n", encoding="utf-8")
    (raw / "textos.yml").write_text(
        "parrafos:\n  mujeres: Agradecemos a Ximena Quintrequeo y a BernarditaPincheira.\n"
        "  comunas: \"Con {comunas_alcanzadas} comunas; contacto RUT8802188-6.\"\n"
        "logros:\n  - Visita de María Huenchumil\n  - \"**3** talleres con Tralma, Rigoberto\"\n  - RUN 8.802.188\n"
        "cierre:\n  titulo: Gracias, Llancaqueo Bernardita\n  texto: 8802188\n", encoding="utf-8")
    (raw / f"plan-{HOSTILE_YEAR + 1}.yml").write_text(
        f"anio: {HOSTILE_YEAR + 1}\ntitulo: Plan con {n5}\ncompromisos:\n"
        f"  - nombre: Reunión con {n3} {PLANTED_RUTS[0]}\n    meta: 2\n    ponderacion: 100\n"
        "    filtro:\n      tipo_actividad: [Taller participativo]\n", encoding="utf-8")
    # this year's plan: its commitments list the activities they count (planes[].compromisos[].actividades)
    (raw / f"plan-{HOSTILE_YEAR}.yml").write_text(
        f"anio: {HOSTILE_YEAR}\ntitulo: Plan de Tralma, Rigoberto\ncompromisos:\n"
        "  - nombre: Talleres con Llancaqueo Bernardita 8802188\n    meta: 5\n    ponderacion: 100\n"
        "    verificadores: [acta]\n    filtro:\n      tipo_actividad: [Taller participativo]\n", encoding="utf-8")
    # verifier folders: one of an activity (its files named after people), one of no activity
    acta = raw / "verificadores" / f"{HOSTILE_YEAR}-01-10 Ovalle Taller con {n1}"
    acta.mkdir(parents=True)
    (acta / "acta Llancaqueo Bernardita.pdf").write_bytes(b"%PDF-1.4\n")
    (acta / "lista RUT8802188-6.pdf").write_bytes(b"%PDF-1.4\n")
    orphan = raw / "verificadores" / "Tralma, Rigoberto 8.802.188"
    orphan.mkdir()
    (orphan / "acta.pdf").write_bytes(b"%PDF-1.4\n")
    # a shifted row (one separator missing): a name that is no attendee's lands under
    # «organizacion» and a RUT under «nombre»; read by position, the screen would not know it.
    # Last file by name, so the others keep their numbers.
    rows = ["fecha;comuna;actividad;linea;organizacion;nombre;rut;sexo;edad"]
    rows += [f"{HOSTILE_YEAR}-10-10;Ovalle;Taller vecinal Ovalle;Barrios;JJVV Uno;Ana Soto{i};;F;44" for i in range(6)]
    rows.append(f"{HOSTILE_YEAR}-10-10;Ovalle;Taller vecinal Ovalle;Barrios;{SHIFTED_NAME};{PLANTED_RUTS[0]};F;44")
    (raw / "registro desplazado.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return raw.parent, [p[0] for p in people] + [SHIFTED_NAME]


def _needles_of(names: list[str], ruts: list[str]) -> Needles:
    found = Needles(anywhere=True)
    for n in names:
        found.add_name(n)
    for r in ruts:
        found.add_rut(r)
    return found


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    from tests.conftest import TEST_KEY, run_cli

    base = tmp_path_factory.mktemp("hostil")
    raw_root, names = _hostile_raw(base)
    result = run_cli("run", "--year", str(HOSTILE_YEAR), "-q", "--raw-dir", str(raw_root),
                     "--processed-dir", str(base / "proc"), "--out-dir", str(base / "out"),
                     env={"BALANCE_CLAVE": TEST_KEY})
    needles = _needles_of(names, PLANTED_RUTS + [p[1] for p in _people()])
    return base, result, needles


def test_hostile_year_publishes_no_planted_value(hostile_run):
    base, result, needles = hostile_run
    assert result.returncode == 0, "la ejecución falló (ver la copia en .fallidas)"
    files = tree_files(base / "out")
    assert any(k.endswith(f"balance-{HOSTILE_YEAR}.html") for k in files)
    files["consola (stderr)"] = result.stderr.encode("utf-8")
    files["consola (stdout)"] = result.stdout.encode("utf-8")
    leaks = search(files, needles)
    assert leaks == [], "datos personales en outputs/ o en la consola:\n" + "\n".join(leaks[:40])


def test_hostile_year_withheld_values_are_located(hostile_run):
    base, _result, _needles = hostile_run
    calidad = json.loads((base / "proc" / str(HOSTILE_YEAR) / "calidad.json").read_text(encoding="utf-8"))
    places = calidad["datos_personales_retirados"]
    columns = {p["columna"] for p in places}
    assert {"actividad", "linea", "organizacion", "encabezado desconocido", "nombre de archivo u hoja"} <= columns
    assert all(p["filas"] for p in places if p["columna"] in ("actividad", "linea", "organizacion"))
    # «lista Tralma Rigoberto.csv» (2nd file by name) and its header «Obs Rigoberto Caniullan»; the
    # sheet «Huenchumil María» of planilla.xlsx
    second = [p["columna"] for p in places if "archivo n.º 2 " in p["archivo"]]
    assert {"nombre de archivo u hoja", "encabezado desconocido"} <= set(second)
    assert [p["hoja"] for p in places if p["archivo"] == "planilla.xlsx" and p["columna"] == "nombre de archivo u hoja"] \
        == ["[dato personal retirado]"] * 2
    # the footers «Encargada: Bernardita Llancaqueo», «Firma Tralma, Rigoberto 7.531.598» (rows 14, 15)
    [footers] = [g["textos"] for g in calidad["sin_asistente"] if g["archivo"] == "planilla.xlsx"]
    shown = {f: t["texto"] for t in footers for f in t["filas"]}
    assert shown[11] == "Firma encargado(a): ____" and shown[14] == shown[15] == "[dato personal retirado]"
    ind = json.loads((base / "out" / str(HOSTILE_YEAR) / "indicadores.json").read_text(encoding="utf-8"))
    assert "Barrios $$" in ind["actividades_por_linea"]  # drawn as text, the stage did not fail


def test_hostile_year_footer_text_is_shown_when_harmless(hostile_run):
    """The quality report the analyst reads lists the footer rows, with the harmless text; the
    planted ones (an attendee's name, a RUT) are checked by the test above."""
    base, _result, _needles = hostile_run
    [report] = (base / "out").rglob("calidad-*.html")
    text = report.read_text(encoding="utf-8")
    assert "Firma encargado(a): ____" in text and "[dato personal retirado]" in text


def test_hostile_search_sees_what_was_planted(hostile_run):
    """The same search finds the planted values in the raw folder: it can fail."""
    base, _result, needles = hostile_run
    for form in [*NAME_FORMS, *RUT_FORMS, "Obs Rigoberto Caniullan", "Encargada: Bernardita Llancaqueo",
                 "Firma Tralma, Rigoberto 7.531.598", "Huenchumil María", SHIFTED_NAME]:
        assert search({"texto": f"x {form} y".encode()}, needles), form
    assert search({"foto": b"IMG_20190412_103512.jpg"}, needles) == []
    raw = tree_files(base / "raw")
    assert any("RUT" in leak for leak in search(raw, needles))
    assert any("nombre completo" in leak for leak in search(raw, needles))
    assert search({"foto1.jpg": (base / "raw" / str(HOSTILE_YEAR) / "foto1.jpg").read_bytes()}, needles)
