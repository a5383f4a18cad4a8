"""A year's run: staged outputs, swap on success, previous report intact on failure, one run per year."""
import shutil

import pytest

from pipeline import config
from pipeline.run.notebooks import StageFailed
from pipeline.run.runner import RunInProgress, YearRun, run_year, year_lock

FIXTURES = config.PROJ_ROOT / "tests" / "fixtures" / "notebooks"


def _job(tmp_path, notebook: str, year: int = 2017) -> YearRun:
    nbdir = tmp_path / "nbs"
    nbdir.mkdir(exist_ok=True)
    shutil.copy(FIXTURES / notebook, nbdir / config.NOTEBOOKS["indicadores"])
    paths = config.paths(year, "Coquimbo", tmp_path / "raw", tmp_path / "proc", tmp_path / "out")
    return YearRun(paths, "Coquimbo", ("indicadores",), notebooks_dir=nbdir)


def _previous_report(job: YearRun) -> None:
    job.paths.out.mkdir(parents=True)
    job.paths.indicadores_json.write_text('{"bueno": true}')


@pytest.mark.slow
def test_failed_run_leaves_previous_report_intact(tmp_path):
    job = _job(tmp_path, "roto.ipynb")
    _previous_report(job)
    with pytest.raises(StageFailed) as info:
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
    killed = job.paths.out_root / ".en-curso-2017-99999" / "2017"  # left by a killed run
    killed.mkdir(parents=True)
    other_year = job.paths.out_root / ".en-curso-2018-99999"  # another year's: not ours
    other_year.mkdir()
    run_year(job)
    assert not killed.parent.exists() and other_year.exists()
    other_year.rmdir()
    assert (job.paths.out / "hecho.txt").read_text().startswith("2017")
    assert job.paths.indicadores_json.exists()  # a single stage keeps the other stages' files
    assert "Fin: año 2017 sin errores" in job.paths.run_log.read_text(encoding="utf-8")
    leftovers = [p.name for p in job.paths.out_root.iterdir() if p.name.startswith((".en-curso", ".anterior"))]
    assert leftovers == []


def test_second_run_of_same_year_stops(tmp_path):
    job = _job(tmp_path, "escribe.ipynb")
    with year_lock(job.paths):
        with pytest.raises(RunInProgress, match="Ya hay una ejecución en curso del año 2017"):
            run_year(job)
        other = config.paths(2018, "Coquimbo", tmp_path / "raw", tmp_path / "proc", tmp_path / "out")
        with year_lock(other):  # a different year is not blocked
            pass


LENTO = '''import os, time
from pipeline import config
paths = config.paths(anio, region, raw_dir or None, processed_dir or None, out_dir or None)
paths.out.mkdir(parents=True, exist_ok=True)
inicio = time.time()
time.sleep(0.8)
paths.processed_root.mkdir(parents=True, exist_ok=True)
with open(paths.processed_root / "tiempos.txt", "a") as fh:
    fh.write(f"{anio} {inicio} {time.time()}\\n")
'''


@pytest.mark.slow
def test_jobs_run_one_more_year_than_stage_slots(tmp_path):
    """--jobs 2 over three years: the three years are in flight at once, but never more than
    two stages execute at the same moment."""
    import nbformat

    from pipeline.run.cli import _run_jobs
    from pipeline.kernels import stop_fork_server

    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    params = nbformat.v4.new_code_cell('anio = 2017\nregion = "Coquimbo"\nraw_dir = ""\nprocessed_dir = ""\nout_dir = ""')
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(LENTO)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for stage in ("limpieza", "indicadores"):
        nbformat.write(nb, nbdir / config.NOTEBOOKS[stage])
    jobs = [YearRun(config.paths(year, "Coquimbo", tmp_path / "raw", tmp_path / "proc", tmp_path / "out"),
                    "Coquimbo", ("limpieza", "indicadores"), pdf=False, notebooks_dir=nbdir)
            for year in (2016, 2017, 2018)]
    try:
        assert _run_jobs(jobs, 2) == [0, 0, 0]
    finally:
        stop_fork_server()  # main() does it for the CLI: no server is left to later tests
    spans = [(float(a), float(b)) for _, a, b in
             (line.split() for line in (tmp_path / "proc" / "tiempos.txt").read_text().splitlines())]
    assert len(spans) == 6
    # stages executing at each stage's start (itself included)
    overlap = max(sum(1 for a, b in spans if a <= start < b) for start, _ in spans)
    assert overlap == 2
    years_started = sorted(a for a, _ in spans)[:3]
    first_end = min(b for _, b in spans)
    assert years_started[1] < first_end  # two stages really ran side by side











