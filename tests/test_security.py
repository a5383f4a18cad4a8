"""Security and privacy of a run: keyed pseudonyms, owner-only files, escaping in the quality
report (also in headless Chromium), raw data untouched under an audit hook, one run per year."""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from pipeline.clean.year import clean_folder
from pipeline import config
from pipeline.ingest import read
from pipeline.clean import ruts
from pipeline.clean import pseudonyms
from tests.conftest import (OTHER_KEY, TEST_KEY, audited_env, make_read_only, make_writable, reference_pseudonym,
                            refuse_network, run_cli, year_csv)

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = "<svg onload=alert(1)>"  # a sheet title cannot hold "/", so no </script> there
KEY = {"BALANCE_CLAVE": TEST_KEY}


# --------------------------------------------------------------------------- pseudonyms and key


def _valid_sample_ruts(n: int = 20) -> list[str]:
    path = config.SAMPLE_DIR / "2017" / "cosoc-y-escuelas-2017.csv"
    sheet = read.read_file(path).sheets[0]
    normalised = ruts.rut(sheet.frame["rut"])
    values = [v for v in pd.Series(normalised).dropna().unique() if isinstance(v, str)]
    assert len(values) >= n
    return values[:n]


@pytest.mark.slow
def test_processed_pseudonyms_are_keyed_macs(sample_run):
    personas = set(pd.read_parquet(sample_run.paths.asistencias)["persona"].dropna())
    ruts = _valid_sample_ruts()
    keyed = {reference_pseudonym(TEST_KEY.encode(), r) for r in ruts}
    plain = {hashlib.sha256(r.encode()).hexdigest()[:32] for r in ruts}
    other_key = {reference_pseudonym(OTHER_KEY.encode(), r) for r in ruts}
    assert keyed <= personas, "the pseudonym is AES-CMAC(key, normalised RUT)"
    assert not plain & personas, "never a plain hash: the RUT space can be enumerated"
    assert not other_key & personas


def test_clean_with_another_key_gives_other_pseudonyms(tmp_path, monkeypatch):
    raw = year_csv(tmp_path, "lista.csv",
                   "fecha,actividad,comuna,nombre,rut,sexo\n"
                   "2017-05-02,Taller,La Serena,Ana Pérez,12.345.678-5,F\n"
                   "2017-05-02,Taller,La Serena,Luis Soto,11.111.111-1,M\n")
    monkeypatch.setenv(pseudonyms.ENV_KEY, TEST_KEY)
    first = clean_folder(raw, 2017, "Coquimbo").asistencias["persona"].tolist()
    again = clean_folder(raw, 2017, "Coquimbo").asistencias["persona"].tolist()
    monkeypatch.setenv(pseudonyms.ENV_KEY, OTHER_KEY)
    second = clean_folder(raw, 2017, "Coquimbo").asistencias["persona"].tolist()
    assert first == again and len(set(first)) == 2
    assert not set(first) & set(second)
    assert hashlib.sha256(b"12345678-5").hexdigest() not in first


def test_key_file_is_git_ignored():
    for name in ["data/.clave", "data/.clave.respaldo"]:
        out = subprocess.run(["git", "check-ignore", "-q", name], cwd=config.PROJ_ROOT)
        assert out.returncode == 0, f"{name} debe estar en .gitignore"
    tracked = subprocess.run(["git", "ls-files", "data/.clave*"], cwd=config.PROJ_ROOT,
                             capture_output=True, text=True).stdout
    assert tracked == ""


@pytest.mark.slow
def test_quarantine_file_owner_only(sample_run):
    assert sample_run.paths.cuarentena.exists()
    assert stat.S_IMODE(sample_run.paths.cuarentena.stat().st_mode) == 0o600
    assert not list(sample_run.paths.processed.glob(".*.tmp"))


@pytest.mark.slow
def test_every_processed_file_is_owner_only(sample_run):
    """Every file under data/processed/ (tables, quarantine, names index, stage cache) is 0600
    and every folder 0700 after a whole run, whatever the umask the run was started under."""
    paths = sample_run.paths
    for path in (paths.asistencias, paths.cuarentena, paths.nombres_huellas, paths.actividades):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    loose = {p.relative_to(paths.processed_root).as_posix(): oct(stat.S_IMODE(p.stat().st_mode))
             for p in [paths.processed_root, *paths.processed_root.rglob("*")]
             if stat.S_IMODE(p.stat().st_mode) != (0o700 if p.is_dir() else 0o600)}
    assert loose == {}
    assert list((paths.processed_root / ".cache").rglob("*.ipynb"))  # the cache copies were looked at


def test_weak_key_stops_the_run_with_a_clear_message(tmp_path):
    raw = year_csv(tmp_path / "raw", "lista.csv", "fecha,actividad,comuna,nombre,rut,sexo\n"
                                                  "2017-05-02,Taller,La Serena,Ana Pérez,12.345.678-5,F\n") \
        if (tmp_path / "raw").mkdir() is None else None
    result = run_cli("clean", "--year", "2017", "-q", "--raw-dir", str(raw.parent), "--processed-dir",
                     str(tmp_path / "p"), "--out-dir", str(tmp_path / "o"), env={"BALANCE_CLAVE": "corta"})
    assert result.returncode == 2  # refused before any kernel starts
    assert "no sirve" in result.stderr and "secrets.token_hex(32)" in result.stderr and "12.345.678" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1  # one Spanish line


# --------------------------------------------------------------------------- escaping in the quality report


def _hostile_year(root: Path) -> Path:
    """A year whose sheets carry markup in titles, organisations, comunas, headers, sheet and file names."""
    raw = root / "raw" / "2017"
    raw.mkdir(parents=True)
    wb = Workbook()
    ws = wb.active
    ws.title = SVG
    ws.append(["Fecha", "Actividad", "Comuna", "Organización", "Nombre", "RUT", "Sexo", "Edad", IMG])
    ws.append(["2017-03-04", SCRIPT, "La Serena", IMG, "Ana Pérez", "12.345.678-5", "F", "30", "x"])
    ws.append(["2017-03-04", SCRIPT, "La Serena", IMG, "Luis Soto", "11.111.111-1", "M", "40", "x"])
    ws.append(["2017-03-04", SCRIPT, "la serena", "Junta <b>negrita</b>", "Rosa Díaz", "", "F", "50", "x"])
    ws.append(["2017-03-05", f"Taller {IMG}", "<>Ovale", SCRIPT, "Juan Rojas", "", "M", "50", "x"])
    wb.create_sheet(IMG).append([f"Instrucciones {SCRIPT}"])
    wb.save(raw / "hostil.xlsx")
    (raw / f"{IMG}.csv").write_bytes(b"\x00\x01no es texto")
    return raw.parent


@pytest.fixture(scope="module")
def hostile_report(side_by_side) -> Path:
    """The quality report of the hostile year: the 2017 of the side-by-side scenario below, run
    through its three stages by the CLI."""
    _stdout, stderr, code = side_by_side["results"]["2017"]
    assert code == 0, stderr[-3000:]
    return side_by_side["out"] / "2017" / "calidad-2017.html"


@pytest.mark.slow
def test_quality_report_shows_markup_as_text(hostile_report):
    page = hostile_report.read_text(encoding="utf-8")
    for text in [SCRIPT, IMG, SVG, "Junta <b>negrita</b>", "<>Ovale"]:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escaped in page, f"{text!r} debe verse como texto"
    for raw_markup in ["<script>alert", "<img src=x", "<svg onload", "<b>negrita"]:
        assert raw_markup not in page
    # every place a sheet value reaches: conflicts, corrections, unknown columns, rejected file, sheets
    for where in ["Conflictos", "Comunas corregidas", "Columnas no reconocidas", "rechazados", "omitidas"]:
        assert where in page


@pytest.mark.slow
@pytest.mark.browser
def test_quality_report_runs_nothing_in_chromium(hostile_report, browser):
    dialogs: list[str] = []
    page = browser.new_page()
    try:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        refuse_network(page)
        page.goto(hostile_report.resolve().as_uri())
        page.wait_for_timeout(500)  # give an onerror/onload handler its chance to fire
        text = page.inner_text("body")
        injected = page.evaluate(
            """() => [...document.querySelectorAll('img[src="x"], svg[onload], b')]
                     .filter(e => /negrita|alert/.test(e.outerHTML)).length""")
    finally:
        page.close()
    assert dialogs == []
    assert injected == 0
    for literal in [SCRIPT, IMG, SVG, "Junta <b>negrita</b>"]:
        assert literal in text


# --------------------------------------------------------------------------- raw data read-only

def _read_only_copy(tmp_path: Path, years=("2016", "2017")) -> Path:
    raw = tmp_path / "crudos"
    for y in years:
        shutil.copytree(config.SAMPLE_DIR / y, raw / y)
    return make_read_only(raw)


def test_audit_hook_catches_a_write(tmp_path):
    """The hook can fail: a write into the raw folder is refused and recorded."""
    raw = _read_only_copy(tmp_path, years=("2017",))
    env, log = audited_env(tmp_path, raw)
    target = raw / "2017" / "destacadas.csv"
    code = f"open({str(target)!r}, 'a').write('x')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, **env}, cwd=tmp_path)
    make_writable(raw)
    assert out.returncode != 0 and "solo lectura" in out.stderr
    assert "ESCRITURA" in log.read_text(encoding="utf-8")


@pytest.mark.slow
def test_run_on_read_only_raw_under_audit(sample_run):
    """The session's whole run (`sample_run`) is made on a read-only copy of the sample, every
    Python process (CLI, year workers and notebook kernels) under an audit hook that refuses
    writes there: it succeeds, nothing changes."""
    assert sample_run.result.returncode == 0, sample_run.result.stderr[-3000:]
    assert "ESCRITURA" not in sample_run.audit, sample_run.audit
    # started (CLI, fork server or kernels started the usual way) or forked (kernels): audited
    started = sample_run.audit.count("inicio") + sample_run.audit.count("bifurcado")
    assert started >= 1 + 3 * 3, "the CLI and the three notebook kernels of each year were audited"
    assert sample_run.raw_after == sample_run.raw_before
    assert sample_run.paths.balance_html.exists()


# --------------------------------------------------------------------------- concurrency


def _popen(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=config.PROJ_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **KEY})


def _dirs(tmp_path: Path, source: tuple[str, ...] = ("--muestra",)) -> list[str]:
    return [*source, "--processed-dir", str(tmp_path / "proc"), "--out-dir", str(tmp_path / "out"), "-q",
            "--sin-pdf"]


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory) -> dict:
    """Two small years side by side on one output and processed tree: `ejecutar --anio 2017`
    (its three notebooks; 2017 is the hostile year above) and `indicadores --anio 2018`, which
    cleans 2017 too (its previous year) while the 2017 run cleans and reads it. While the 2017
    run runs, `limpiar --anio 2017` is tried on the same folders (the lock does not depend on
    the size of the year)."""
    base = tmp_path_factory.mktemp("a-la-vez")
    _hostile_year(base)
    year_csv(base / "raw", "lista.csv", "fecha,actividad,comuna,nombre,rut,sexo\n"
             "2018-05-02,Taller,La Serena,Ana Pérez,12.345.678-5,F\n"
             "2018-06-03,Consulta,Ovalle,Luis Soto,11.111.111-1,M\n", year="2018")
    folders = _dirs(base, ("--raw-dir", str(base / "raw")))
    first = _popen("run", "--year", "2017", *folders)
    other = _popen("indicators", "--year", "2018", *folders)
    out = base / "out"
    deadline = time.monotonic() + 120
    while not list(out.glob(".en-curso-2017-*")) and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    running_before = first.poll() is None
    second = subprocess.run([sys.executable, "-m", "pipeline", "clean", "--year", "2017", *folders],
                            cwd=config.PROJ_ROOT, capture_output=True, text=True, env={**os.environ, **KEY},
                            timeout=120)
    running_when_refused = first.poll() is None
    results = {y: p.communicate(timeout=300) + (p.returncode,) for y, p in (("2017", first), ("2018", other))}
    return {"out": out, "second": second, "running_before": running_before,
            "running_when_refused": running_when_refused, "results": results}


@pytest.mark.slow
def test_second_run_of_same_year_stops_with_code_3(side_by_side):
    """The second run is refused while the first, with its three notebooks, runs."""
    assert side_by_side["running_before"], "the first run must still be running"
    second, out = side_by_side["second"], side_by_side["out"]
    _stdout, stderr, code = side_by_side["results"]["2017"]
    assert second.returncode == 3, second.stderr
    assert "Ya hay una ejecución en curso del año 2017" in second.stderr
    assert side_by_side["running_when_refused"]
    assert code == 0, stderr[-3000:]
    assert (out / "2017" / "balance-2017.html").exists() and (out / "2017" / "indicadores.json").exists()


@pytest.mark.slow
def test_two_years_side_by_side(side_by_side):
    import json

    # 2018's indicators clean 2017 (its previous year) while the 2017 run cleans it too: both
    # write processed/2017 at once
    out = side_by_side["out"]
    for y, (_out, err, code) in side_by_side["results"].items():
        assert code == 0, f"{y}: {err[-3000:]}"
    ind = {y: json.loads((out / y / "indicadores.json").read_text(encoding="utf-8")) for y in ("2017", "2018")}
    assert ind["2017"]["anio"] == 2017 and ind["2018"]["anio"] == 2018
    # 2018 compares with 2017, cleaned by both runs at once: the same figures
    assert ind["2018"]["asistencias_anio_anterior"] == ind["2017"]["asistencias"]
    assert not list(out.glob(".en-curso-*"))


def test_read_only_out_dir_gives_one_spanish_line(tmp_path):
    """An output folder the user cannot write: one Spanish line naming it, no traceback."""
    import os

    (tmp_path / "raw").mkdir()
    raw = year_csv(tmp_path / "raw", "lista.csv", "fecha,actividad,comuna,nombre,rut,sexo\n"
                                                  "2017-05-02,Taller,La Serena,Ana Pérez,12.345.678-5,F\n")
    out = tmp_path / "solo-lectura"
    out.mkdir()
    out.chmod(0o555)
    if os.geteuid() == 0:  # root writes through modes: a folder where even root cannot create anything
        out = Path("/sys/balance-solo-lectura")
        if not Path("/sys").is_dir():
            pytest.skip("sin /sys")
    try:
        result = run_cli("run", "--year", "2017", "-q", "--sin-pdf", "--raw-dir", str(raw.parent),
                         "--processed-dir", str(tmp_path / "p"), "--out-dir", str(out), env=KEY)
    finally:
        (tmp_path / "solo-lectura").chmod(0o755)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "PermissionError" not in result.stderr
    assert result.stderr.strip().count("\n") == 0 and f"No se pudo escribir en la carpeta {out}" in result.stderr
