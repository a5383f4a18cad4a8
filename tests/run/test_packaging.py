"""Packaging: the wheel declares its data and templates, and building it prints no
setuptools warning (pip's own notes about its index are not ours)."""
import re
import subprocess
import sys
import zipfile

import pytest

from pipeline import config

pytestmark = pytest.mark.slow

OURS = re.compile(r"setuptools|BuildBackendWarning|InformationOnly|is absent from the|Package '", re.I)


def test_wheel_holds_data_and_templates_without_warnings(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(config.PROJ_ROOT)],
                         capture_output=True, text=True, timeout=600)
    text = out.stdout + out.stderr
    if out.returncode != 0 and "No matching distribution" in text:
        pytest.skip("pip no alcanza su índice para preparar setuptools")
    assert out.returncode == 0, text[-3000:]
    assert [line for line in text.splitlines() if "warn" in line.lower() and OURS.search(line)] == []
    names = zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist()
    for needed in ("pipeline/reference/data/comunas.csv", "pipeline/reference/data/SOURCES.md",
                   "pipeline/report/templates/balance_reveal/index.html.j2",
                   "pipeline/report/templates/balance_doc/static/doc.css"):
        assert needed in names
    assert not [n for n in names if n.startswith(("tests/", "notebooks/", "data/", "benchmarks/"))]


def test_editable_install_prints_no_setuptools_warning(tmp_path):
    """`pip install -e .` (what `make venv` runs), into a throwaway environment."""
    venv = tmp_path / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    out = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                          "--no-deps", "-e", str(config.PROJ_ROOT)], capture_output=True, text=True, timeout=600)
    text = out.stdout + out.stderr
    if out.returncode != 0 and "No matching distribution" in text:
        pytest.skip("pip no alcanza su índice para preparar setuptools")
    assert out.returncode == 0, text[-3000:]
    assert [line for line in text.splitlines() if "warn" in line.lower() and OURS.search(line)] == []
