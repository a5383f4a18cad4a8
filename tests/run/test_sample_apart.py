"""The synthetic sample lives apart (issue 24): a real year in a fresh raw folder is never
compared with, nor decorated by, the sample's years, plans or other region; the sample is used
only when asked (`--muestra`, `make report`)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import TEST_KEY
from pipeline import config
from pipeline.ingest import files
from pipeline import stages
from pipeline.run import cli

REAL_2019 = ("fecha;comuna;actividad;tipo;nombre;rut;sexo;edad\n"
             "12/04/2019;Valparaíso;Cabildo vivienda;Jornada informativa;Ana Soto;12.345.678-5;F;40\n"
             "12/04/2019;Valparaíso;Cabildo vivienda;Jornada informativa;Luis Rojas;7.654.321-6;M;51\n"
             "20/05/2019;Viña del Mar;Sesión COSOC;COSOC;Rosa Díaz;;F;63\n")


def test_a_real_year_in_a_fresh_raw_folder_gets_nothing_from_the_sample(tmp_path, monkeypatch):
    """The reproduction of issue 24: Valparaíso 2019 beside nothing else. No previous year (the
    sample's 2018), no plan (the sample's planes/) and no other region reach its indicators."""
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    raw = tmp_path / "raw"
    year = raw / "regiones" / "valparaiso" / "2019"
    year.mkdir(parents=True)
    (year / "asistencia-2019.csv").write_text(REAL_2019, encoding="utf-8")
    paths = config.paths(2019, "Valparaíso", year.parent, tmp_path / "proc", tmp_path / "out")
    stages.clean_stage(paths, "Valparaíso")
    ind = stages.indicators_stage(paths, "Valparaíso")
    assert (ind["asistencias"], ind["actividades"], ind["mujeres"]) == (3, 2, 2)
    assert ind["asistencias_anio_anterior"] is None and ind["variacion_asistencias_pct"] is None
    assert ind.get("anio_anterior") is None
    assert not any(k in ind for k in ("planes", "plan_siguiente", "cumplimiento_plan"))
    assert [t["anio"] for t in ind["tendencia"]] == [2019]
    assert ind["destacadas"] == []
    written = paths.indicadores_json.read_text(encoding="utf-8")
    assert "2018" not in written and "PMG" not in written and "Coquimbo" not in written


def test_the_repository_raw_folder_holds_no_sample_year():
    """data/raw/ of a checkout has no synthetic year: the sample is in data/muestra/."""
    listed = subprocess.run(["git", "ls-files", "data/raw"], cwd=config.PROJ_ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("no es un repositorio git")
    assert listed.stdout.split() == ["data/raw/README.md"]
    assert set(files.years_with_logs(config.SAMPLE_DIR)) == {2016, 2017, 2018}
    assert files.years_with_logs(config.SAMPLE_DIR / "regiones" / "valparaiso") == [2018]


def _jobs(monkeypatch, *args) -> list:
    seen = []
    monkeypatch.setattr(cli, "_run_jobs", lambda jobs, workers: seen.extend(jobs) or [0] * len(jobs))
    monkeypatch.setattr(cli.preflight, "key_problems", lambda: [])
    assert cli.main(["ejecutar", *args]) == 0
    return seen


def test_muestra_flag_reads_the_sample_and_writes_apart(monkeypatch):
    [job] = _jobs(monkeypatch, "--anio", "2018", "--muestra", "-q")
    assert job.paths.raw == config.SAMPLE_DIR / "2018"
    assert job.paths.processed == config.PROCESSED_DIR / "muestra" / "2018"
    assert job.paths.out == config.OUTPUTS_DIR / "muestra" / "2018"
    [other] = _jobs(monkeypatch, "--anio", "2018", "--muestra", "--region", "Valparaíso", "-q")
    assert other.paths.raw == config.SAMPLE_DIR / "regiones" / "valparaiso" / "2018"
    assert other.paths.out == config.OUTPUTS_DIR / "muestra" / "regiones" / "valparaiso" / "2018"


def test_muestra_and_raw_dir_together_are_refused(tmp_path, capsys):
    assert cli.main(["ejecutar", "--anio", "2018", "--muestra", "--raw-dir", str(tmp_path)]) == cli.EXIT_USAGE
    assert "use --muestra o --raw-dir, no ambos" in capsys.readouterr().err


@pytest.mark.parametrize("variables, expected", [
    ([], "ejecutar --anio 2018 --region \"Coquimbo\" --muestra"),
    (["RAW=data/raw", "YEAR=2019"], "ejecutar --anio 2019 --region \"Coquimbo\" --raw-dir \"data/raw\""),
])
def test_make_report_builds_the_sample_unless_raw_is_given(tmp_path, variables, expected):
    if not shutil.which("make"):
        pytest.skip("make no está instalado")
    out = subprocess.run(["make", "-s", "-n", "report", f"PY={sys.executable}", f"STAMP={tmp_path / 'listo'}",
                          *variables], cwd=config.PROJ_ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(config.PROJ_ROOT)})
    assert expected in out.stdout, out.stdout + out.stderr


def test_make_sample_writes_data_muestra_never_data_raw(tmp_path):
    if not shutil.which("make"):
        pytest.skip("make no está instalado")
    out = subprocess.run(["make", "-s", "-n", "sample", f"PY={sys.executable}", f"STAMP={tmp_path / 'listo'}"],
                         cwd=config.PROJ_ROOT, capture_output=True, text=True)
    assert "pipeline.sample --out data/muestra" in out.stdout and "data/raw" not in out.stdout


def test_a_fresh_clone_without_real_data_points_to_the_sample(capsys, monkeypatch):
    from pipeline.run import preflight

    monkeypatch.setattr(preflight, "years_with_logs", lambda root: [])
    paths = config.paths(2030)  # data/raw of the checkout: no such year
    [line] = preflight.problems(paths, ("limpieza",))
    assert "agregue --muestra, o use make report" in line
