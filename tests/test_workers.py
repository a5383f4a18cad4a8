"""`make test` runs on two workers (pytest-xdist, `--dist loadgroup`): a session run is made once
only while every test reading it lands on the same worker, and a module's own tests stay
together. xdist's grouping fails silently (pytest 9.2 broke it), so this runs a small suite on
two workers with this project's hook and checks where each test ran."""
import re
import subprocess
import sys
import textwrap

import pytest

from pipeline import config

pytestmark = pytest.mark.slow  # runs a small suite on two workers

CONFTEST = '''
import pytest

from tests.conftest import pytest_collection_modifyitems  # noqa: F401  (the project's grouping)


@pytest.fixture(scope="session")
def sample_run():
    return "muestra"


@pytest.fixture(scope="session")
def national_run():
    return "nacional"
'''

MODULE = '''
import pytest


@pytest.mark.parametrize("i", range(4))
def test_reads_the_sample(sample_run, i):
    assert sample_run == "muestra"


@pytest.mark.parametrize("i", range(4))
def test_reads_the_country(national_run, i):
    assert national_run == "nacional"


@pytest.mark.parametrize("i", range(4))
def test_alone(i):
    assert i >= 0
'''


SLOW_MODULE = '''
import pytest

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("i", range(2))
def test_takes_long(i):
    assert i >= 0
'''


def _pytest(folder, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args, "-p", "no:cacheprovider", "-o", "addopts=",
         "-o", "markers=slow: long", str(folder)],
        capture_output=True, text=True, cwd=folder, timeout=300,
        env={"PYTHONPATH": str(config.PROJ_ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_tests_sharing_a_session_run_or_a_module_run_on_one_worker(tmp_path):
    """As `make test` runs them: two workers, `--dist loadgroup --no-loadscope-reorder`. The
    groups are collected in the order they are handed out: the session runs, then the module
    with `slow` tests (collected last by name), then the quick modules."""
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    for name in ("test_uno.py", "test_dos.py"):
        (tmp_path / name).write_text(textwrap.dedent(MODULE), encoding="utf-8")
    (tmp_path / "test_zeta_lento.py").write_text(SLOW_MODULE, encoding="utf-8")
    collected = _pytest(tmp_path, "--collect-only", "-q")
    order = [line.split("::")[0] if "sample" not in line and "country" not in line
             else "muestra" if "sample" in line else "nacional"
             for line in collected.stdout.splitlines() if "::" in line]
    assert list(dict.fromkeys(order)) == ["muestra", "nacional", "test_zeta_lento.py", "test_dos.py", "test_uno.py"]
    done = _pytest(tmp_path, "-n", "2", "--dist", "loadgroup", "--no-loadscope-reorder", "-v")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ran = re.findall(r"\[(gw\d)\] \[ *\d+%\] PASSED (\S+)", done.stdout)
    assert len(ran) == 26, done.stdout[-3000:]
    workers: dict[str, set[str]] = {}
    for worker, nodeid in ran:
        module, test = nodeid.split("::")
        kind = ("muestra" if "sample" in test else "nacional" if "country" in test else module)
        workers.setdefault(kind, set()).add(worker)
    assert set(workers) == {"muestra", "nacional", "test_uno.py", "test_dos.py", "test_zeta_lento.py"}
    assert all(len(w) == 1 for w in workers.values()), workers  # each group on one worker…
    assert len(set().union(*workers.values())) == 2  # …and both workers had work
