"""The national balance as an attacker reads it: no name or RUT of any region's logs reaches
the national folder (JSON, workbook, deck, phone reading, run.log, executed notebook) nor the
national run's console, decoded every way the regional leak test decodes (tests/test_leaks.py)."""
from __future__ import annotations

import pytest

from tests.test_leaks import personal_values, search, tree_files

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def national_needles(national_run):
    needles = personal_values(national_run.raw)
    assert len(needles.bodies) > 100 and len(needles.names) > 100  # the logs do hold people
    return needles


def test_national_folder_publishes_no_name_or_rut(national_run, national_needles):
    folder = national_run.nacional.nacional
    files = tree_files(folder)
    assert any(name.endswith(".html") for name in files)  # the deck was published, so it was searched
    assert search(files, national_needles) == []


def test_national_console_shows_no_name_or_rut(national_run, national_needles):
    console = {"consola": (national_run.result.stdout + national_run.result.stderr).encode("utf-8")}
    assert search(console, national_needles) == []


def test_national_search_finds_what_is_planted(national_run, national_needles):
    """The search is not blind on these files: a RUT and a name of the logs planted in the
    national JSON are found."""
    folder = national_run.nacional.nacional
    data = (folder / "indicadores-nacional.json").read_bytes()
    rut = min(national_needles.bodies)
    name = " ".join(min(national_needles.names))
    planted = data.replace(b'"anio"', f'"x": "{rut} {name}", "anio"'.encode("utf-8"), 1)
    found = search({"indicadores-nacional.json": planted}, national_needles)
    assert any("RUT" in f for f in found) and len(found) >= 2
