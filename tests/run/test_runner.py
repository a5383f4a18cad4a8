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
    assert info.value.executed_copy.exists() and ".fallidas" in str(info.value.executed_copy)
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
        assert job.paths.lock.exists()
        with pytest.raises(RunInProgress, match="Ya hay una ejecución en curso del año 2017"):
            run_year(job)
        other = config.paths(2018, "Coquimbo", tmp_path / "raw", tmp_path / "proc", tmp_path / "out")
        with year_lock(other):  # a different year is not blocked
            pass
    # the lock files go when their run ends
    assert not job.paths.lock.exists() and not other.lock.exists()


def test_a_waiting_run_never_trusts_a_lock_file_that_was_removed(tmp_path):
    """B waits for A's lock; A ends and removes the file. B must lock the path's new file, not
    the removed one: otherwise a third run C would find the path free while B runs."""
    import threading
    import time

    from pipeline import locks
    from pipeline.errors import LockBusy

    path = tmp_path / "x.lock"
    b_holds, c_result = threading.Event(), []

    def b():
        with locks.held(path, wait=True):
            b_holds.set()
            time.sleep(0.5)

    with locks.held(path, wait=False):
        thread = threading.Thread(target=b)
        thread.start()
        time.sleep(0.3)  # B is now waiting on A's file
    assert b_holds.wait(5)
    try:
        with locks.held(path, wait=False):
            c_result.append("entró")
    except LockBusy:
        c_result.append("ocupado")
    thread.join()
    assert c_result == ["ocupado"]
    assert not path.exists()


def test_failed_runs_keep_the_last_three_per_year(tmp_path):
    from pipeline.run import failed

    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")
    other = config.paths(2018, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")
    (other.failed_root / "2018-20200101-000000-000000-1").mkdir(parents=True)
    kept = []
    for n in range(5):
        staged = tmp_path / f"staged{n}"
        staged.mkdir()
        (staged / "run.log").write_text(str(n))
        kept.append(failed.keep(staged, paths))
    names = sorted(p.name for p in paths.failed_root.iterdir())
    assert len([n for n in names if n.startswith("2017-")]) == 3 and "2018-20200101-000000-000000-1" in names
    assert [(p / "run.log").read_text() for p in sorted(paths.failed_root.glob("2017-*"))] == ["2", "3", "4"]


def test_a_failed_runs_notebook_keeps_at_most_5_mb_of_output(tmp_path):
    import nbformat

    from pipeline.run import failed

    nb = nbformat.v4.new_notebook()
    for n in range(8):
        cell = nbformat.v4.new_code_cell(f"print({n})")
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 1_000_000)]
        nb.cells.append(cell)
    staged = tmp_path / "staged"
    (staged / "notebooks").mkdir(parents=True)
    nbformat.write(nb, staged / "notebooks" / "01_limpieza.ipynb")
    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")
    kept = failed.keep(staged, paths)
    trimmed = nbformat.read(kept / "notebooks" / "01_limpieza.ipynb", as_version=4)
    size = sum(len(str(o)) for c in trimmed.cells for o in c.outputs)
    assert size <= failed.MAX_OUTPUT_BYTES
    assert "salida recortada" in str(trimmed.cells[-1].outputs)
    assert [c.source for c in trimmed.cells] == [f"print({n})" for n in range(8)]  # the code stays
