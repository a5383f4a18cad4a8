"""Kernels started ahead of their stage: used by the stage, imports done once ahead, all stopped."""
import os
import shutil

import pytest

from pipeline import config
from pipeline.kernels import import_cell
from pipeline.runner import YearRun, run_year

FIXTURES = config.PROJ_ROOT / "tests" / "fixtures" / "notebooks"


def test_import_cell_is_the_first_code_cell_unless_it_is_the_parameters():
    assert import_cell(FIXTURES / "cuenta.ipynb").startswith("import os")
    assert import_cell(FIXTURES / "roto.ipynb") == ""


def _job(tmp_path, prewarm: bool) -> YearRun:
    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    for etapa in ("limpieza", "indicadores"):
        shutil.copy(FIXTURES / "cuenta.ipynb", nbdir / config.NOTEBOOKS[etapa])
    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "proc", tmp_path / "out")
    return YearRun(paths, "Coquimbo", ("limpieza", "indicadores"), pdf=False, notebooks_dir=nbdir,
                   prewarm=prewarm)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not open(f"/proc/{pid}/stat").read().split()[2] == "Z"


@pytest.mark.slow
@pytest.mark.parametrize("prewarm,expected", [(True, 2), (False, 1)])
def test_stage_runs_in_the_kernel_prepared_for_it(tmp_path, prewarm, expected):
    job = _job(tmp_path, prewarm)
    run_year(job)
    lines = (job.paths.out / "kernels.txt").read_text().split()
    # one line per stage: how many times its import cell ran in that kernel, and the kernel's pid
    counts, pids = lines[0::2], [int(p) for p in lines[1::2]]
    assert counts == [str(expected)] * 2
    assert len(set(pids)) == 2  # one kernel per stage
    assert not any(_alive(pid) for pid in pids)  # every kernel stopped when the run ended


def test_a_stopping_kernel_is_checked_every_few_milliseconds(monkeypatch):
    """jupyter_client checks every 0.1 s whether a stopping kernel has ended; a kernel ends a
    few milliseconds after its kill, and every year's run waited for one at its end."""
    import asyncio

    from jupyter_core.utils import run_sync

    from pipeline import kernels

    km = kernels.LocalKernelManager(kernel_name="python3")
    alive = iter([True, True, False])
    pauses = []

    async def is_alive():
        return next(alive)

    async def sleep(seconds):
        pauses.append(seconds)

    monkeypatch.setattr(km, "_async_is_alive", is_alive)
    monkeypatch.setattr(asyncio, "sleep", sleep)
    run_sync(km._async_wait)()
    assert pauses == [kernels.KERNEL_STOP_POLL_S] * 2 and kernels.KERNEL_STOP_POLL_S <= 0.01
