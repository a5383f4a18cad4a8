"""A year's run: staged outputs, swap on success, previous report intact on failure, one run per year."""
import shutil

import pytest

from pipeline import config
from pipeline.report import EtapaFallida
from pipeline.runner import EjecucionEnCurso, YearRun, run_year, year_lock

FIXTURES = config.PROJ_ROOT / "tests" / "fixtures" / "notebooks"


def _job(tmp_path, notebook: str, anio: int = 2017) -> YearRun:
    nbdir = tmp_path / "nbs"
    nbdir.mkdir(exist_ok=True)
    shutil.copy(FIXTURES / notebook, nbdir / config.NOTEBOOKS["indicadores"])
    paths = config.paths(anio, "Coquimbo", tmp_path / "raw", tmp_path / "proc", tmp_path / "out")
    return YearRun(paths, "Coquimbo", ("indicadores",), notebooks_dir=nbdir)


def _previous_report(job: YearRun) -> None:
    job.paths.out.mkdir(parents=True)
    job.paths.indicadores_json.write_text('{"bueno": true}')


@pytest.mark.slow
def test_failed_run_leaves_previous_report_intact(tmp_path):
    job = _job(tmp_path, "roto.ipynb")
    _previous_report(job)
    with pytest.raises(EtapaFallida) as info:
        run_year(job)
    assert job.paths.indicadores_json.read_text() == '{"bueno": true}'
    assert not (job.paths.out / "notebooks").exists()
    # the executed copy is kept for inspection, outside the good report
    assert info.value.copia.exists() and ".fallidas" in str(info.value.copia)
    assert [p.name for p in job.paths.out_root.iterdir() if p.name.startswith(".en-curso")] == []


@pytest.mark.slow
def test_successful_stage_swaps_in_and_keeps_other_files(tmp_path):
    job = _job(tmp_path, "escribe.ipynb")
    _previous_report(job)
    run_year(job)
    assert (job.paths.out / "hecho.txt").read_text().startswith("2017")
    assert job.paths.indicadores_json.exists()  # a single stage keeps the other stages' files
    assert "Fin: año 2017 sin errores" in job.paths.run_log.read_text(encoding="utf-8")
    leftovers = [p.name for p in job.paths.out_root.iterdir() if p.name.startswith((".en-curso", ".anterior"))]
    assert leftovers == []


def test_second_run_of_same_year_stops(tmp_path):
    job = _job(tmp_path, "escribe.ipynb")
    with year_lock(job.paths):
        with pytest.raises(EjecucionEnCurso, match="Ya hay una ejecución en curso del año 2017"):
            run_year(job)
        other = config.paths(2018, "Coquimbo", tmp_path / "raw", tmp_path / "proc", tmp_path / "out")
        with year_lock(other):  # a different year is not blocked
            pass
