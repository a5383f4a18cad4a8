"""Real data stays out of git: everything an analyst adds under data/raw/ is ignored, the
synthetic sample lives apart in data/muestra/, and no tracked file outside it holds a valid RUT."""
import re
import subprocess
from pathlib import Path

import pytest

from pipeline import config
from pipeline.clean.ruts import check_digit

ROOT = config.PROJ_ROOT
RUT = re.compile(rb"(?<![\d.])(\d{1,2}(?:\.\d{3}){2}|\d{7,8})\s*-\s*([\dkK])(?!\d)")
# Example RUTs used on purpose (not people): textbook ones of the RUT parser's tests, the
# issues' own reproductions (8.765.432-K; issue 23's attendees 8.802.188-6, 7.531.598-8 and
# 15.203.990-5, made up for the attacker's trial) and the values the leak tests plant.
EXAMPLES = {12345678, 11111111, 7654321, 10000013, 8765432, 15555444, 99999999, 8802188, 7531598, 15203990}


def _made_up_rut() -> str:
    """A valid RUT built at run time (this file must not hold one itself)."""
    return f"9.876.543-{check_digit(9876543)}"


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def _tracked() -> list[str]:
    out = _git("ls-files", "-z")
    if out.returncode != 0:
        pytest.skip("no es un repositorio git")
    return [f for f in out.stdout.split("\0") if f]


def _sample_files() -> set[str]:
    return {f for f in _tracked() if f.startswith("data/muestra/")}


def files_with_ruts(paths: list[Path], root: Path) -> list[str]:
    """`file:line` of every valid RUT (módulo 11) in the files, never the RUT itself."""
    where = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for m in RUT.finditer(data):
            body = int(m[1].replace(b".", b""))
            if body not in EXAMPLES and check_digit(body) == m[2].decode().upper():
                line = data.count(b"\n", 0, m.start()) + 1
                where.append(f"{path.relative_to(root)}:{line}")
    return where


@pytest.mark.parametrize("name", [
    "data/raw/2019/asistencia-2019.xlsx",
    "data/raw/2019/sub/lista.csv",
    "data/raw/2017/asistencia-real-2017.csv",
    "data/raw/2017/textos.yml",                     # names the sample uses are real here
    "data/raw/planes/plan-2019.yml",
    "data/raw/regiones/biobio/2019/lista.csv",
    "data/raw/regiones/valparaiso/2018/otra.xlsx",
    "data/raw/planes/notas.csv",
    "data/raw/listado.csv",
])
def test_what_an_analyst_adds_under_raw_is_ignored(name):
    assert _git("check-ignore", "-q", "--no-index", name).returncode == 0, f"git no ignora {name}"


@pytest.mark.parametrize("name", [
    "data/muestra/2017/textos.yml", "data/muestra/2018/verificadores/1/acta.pdf",
    "data/muestra/planes/plan-2019.yml", "data/muestra/2019/nuevo.csv",
])
def test_sample_patterns_other_engineers_add_are_allowed(name):
    assert _git("check-ignore", "-q", "--no-index", name).returncode == 1, f"git ignora {name}"


def test_data_raw_holds_no_sample():
    """The sample is never in data/raw/: a real year there is never compared with it."""
    assert [f for f in _tracked() if f.startswith("data/raw/")] == ["data/raw/README.md"]


def test_every_sample_file_stays_tracked():
    ignored = [f for f in sorted(_sample_files()) if _git("check-ignore", "-q", "--no-index", f).returncode == 0]
    assert ignored == []


def test_a_real_year_folder_shows_nothing_to_commit(tmp_path):
    """A fresh clone with data/raw/2019/ added: `git status` lists nothing under data/raw."""
    clone = tmp_path / "clon"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    # the checkout's .gitignore as it is now (it may not be committed yet)
    (clone / ".gitignore").write_text((ROOT / ".gitignore").read_text())
    year = clone / "data" / "raw" / "2019"
    year.mkdir(parents=True)
    (year / "asistencia-2019.csv").write_text(f"fecha;rut\n01/03/2019;{_made_up_rut()}\n", encoding="utf-8")
    status = subprocess.run(["git", "status", "--porcelain", "-uall", "data/raw"], cwd=clone,
                            capture_output=True, text=True, check=True).stdout
    assert status == ""


def test_no_tracked_file_outside_the_sample_holds_a_valid_rut():
    sample = _sample_files()
    files = [ROOT / f for f in _tracked() if f not in sample]
    found = files_with_ruts(files, ROOT)
    assert found == [], "RUT válido en archivos del repositorio (sin mostrarlo): " + ", ".join(found)


def test_the_rut_scan_finds_a_planted_rut_and_never_prints_it(tmp_path):
    (tmp_path / "notas.md").write_text(f"línea uno\nasistió {_made_up_rut()} ayer\n", encoding="utf-8")
    (tmp_path / "otro.txt").write_text("12.345.678-9 dígito malo, 12.345.678-5 de ejemplo\n", encoding="utf-8")
    found = files_with_ruts([tmp_path / "notas.md", tmp_path / "otro.txt"], tmp_path)
    assert found == ["notas.md:2"]
    assert "9.876.543" not in " ".join(found)
