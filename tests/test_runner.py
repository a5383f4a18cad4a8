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
        with pytest.raises(EjecucionEnCurso, match="Ya hay una ejecución en curso del año 2017"):
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

    from pipeline.cli import _run_jobs
    from pipeline.kernels import stop_fork_server

    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    params = nbformat.v4.new_code_cell('anio = 2017\nregion = "Coquimbo"\nraw_dir = ""\nprocessed_dir = ""\nout_dir = ""')
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(LENTO)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for etapa in ("limpieza", "indicadores"):
        nbformat.write(nb, nbdir / config.NOTEBOOKS[etapa])
    jobs = [YearRun(config.paths(anio, "Coquimbo", tmp_path / "raw", tmp_path / "proc", tmp_path / "out"),
                    "Coquimbo", ("limpieza", "indicadores"), pdf=False, notebooks_dir=nbdir)
            for anio in (2016, 2017, 2018)]
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



def _wait_for(condition, within: float = 30) -> None:
    import time

    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def _take_slot(slots, anio, left, order, taken):
    with slots.slot(anio, left):  # written while the slot is held: the order is the slots' own
        order[taken.value] = anio
        taken.value += 1
    slots.leave(anio)  # as the runner does when a year ends


def test_a_freed_slot_goes_to_the_lead_year_then_to_the_most_stages_left():
    """The earliest year not done goes first when it waits (one slot carries it to its deck);
    otherwise the year with the most stages left, though a year with fewer is earlier."""
    import multiprocessing

    from pipeline.runner import StageSlots

    ctx = multiprocessing.get_context("fork")
    slots = StageSlots(ctx, 1, [2016, 2017, 2018, 2019])
    order, taken = ctx.Array("i", 3, lock=False), ctx.Value("i", 0, lock=False)
    with slots.slot(2017, 1):  # the only slot is taken: the others queue up
        procs = [ctx.Process(target=_take_slot, args=(slots, anio, left, order, taken), daemon=True)
                 for anio, left in ((2018, 1), (2019, 3), (2016, 1))]
        for p in procs:
            p.start()
        _wait_for(lambda: all(slots._waiting[i] for i in (0, 2, 3)))
    for p in procs:
        p.join(30)
    slots.leave(2017)
    assert list(order) == [2016, 2019, 2018]  # the lead year; then three stages left before one


def test_a_year_going_on_to_its_next_stage_competes_for_the_slot_it_frees():
    """Between two stages a year does some work of its own (saving, logging): a year already
    waiting with fewer stages left must not take the freed slot meanwhile."""
    import multiprocessing
    import time

    from pipeline.runner import StageSlots

    ctx = multiprocessing.get_context("fork")
    slots = StageSlots(ctx, 1, [2016, 2017, 2018])  # 2016, the lead year, is between stages
    order, taken = ctx.Array("i", 2, lock=False), ctx.Value("i", 0, lock=False)
    with slots.slot(2017, 3):
        waiter = ctx.Process(target=_take_slot, args=(slots, 2018, 1, order, taken), daemon=True)
        waiter.start()
        _wait_for(lambda: slots._waiting[2])
    time.sleep(0.3)  # 2017 between its stages
    assert taken.value == 0  # 2017, with two stages left, is first in line for its next one
    with slots.slot(2017, 2):
        order[taken.value] = 2017
        taken.value += 1
    slots.leave(2017)
    waiter.join(30)
    assert list(order) == [2017, 2018]


def test_a_year_that_leaves_between_stages_frees_its_turn():
    """A year that fails after a stage asks for no more slots: a later year still gets one."""
    import multiprocessing

    from pipeline.runner import StageSlots

    ctx = multiprocessing.get_context("fork")
    slots = StageSlots(ctx, 1, [2016, 2017])
    order, taken = ctx.Array("i", 1, lock=False), ctx.Value("i", 0, lock=False)
    with slots.slot(2016, 2):
        waiter = ctx.Process(target=_take_slot, args=(slots, 2017, 1, order, taken), daemon=True)
        waiter.start()
        _wait_for(lambda: slots._waiting[1])
    assert slots._waiting[0] == 1  # queued for its next stage, ahead of 2017 (earlier year)
    slots.leave(2016)
    waiter.join(30)
    assert waiter.exitcode == 0 and list(order) == [2017]
