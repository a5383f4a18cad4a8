"""The fork server: stage kernels forked from one preloaded process, managed by jupyter_client
as usual (signals, shutdown), never left behind, and replaced by ordinary kernels if it fails."""
import contextlib
import os
import signal
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_core.utils import run_sync

from pipeline import config, kernels
from pipeline.kernels import LocalKernelManager, WarmKernel

pytestmark = pytest.mark.slow

FIXTURES = config.PROJ_ROOT / "tests" / "fixtures" / "notebooks"
# a module nothing in ipykernel imports: present in a kernel only if the server preloaded it
PRELOAD = "import pipeline.text\n"


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            if open(f"/proc/{pid}/stat").read().split()[2] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def server(tmp_path, monkeypatch):
    nb = tmp_path / "precarga.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PRELOAD)]), nb)
    monkeypatch.delenv(kernels.FORK_ENV, raising=False)
    kernels.use_fork_server([nb], now=True)
    assert kernels._server is not None
    yield kernels._server
    kernels.stop_fork_server()


def _run(kc, code: str) -> dict:
    return kc.execute_interactive(code, timeout=60, output_hook=lambda msg: None)


def _kernel(cwd: Path) -> LocalKernelManager:
    km = LocalKernelManager(kernel_name="python3")
    run_sync(km.start_kernel)(cwd=str(cwd), env={**os.environ, "PRUEBA_FORK": "sí"})
    return km


@contextlib.contextmanager
def _connected(cwd: Path, graceful: bool = False):
    """A started kernel and a ready blocking client; shut down on the way out (`graceful`:
    by a shutdown request, as papermill does, instead of a kill)."""
    km = _kernel(cwd)
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        yield km, kc
    finally:
        kc.stop_channels()
        run_sync(km.shutdown_kernel)(now=not graceful)


def _eval(kc, expr: str):
    """Value of a Python expression in the kernel (through a user expression)."""
    reply = kc.execute("", user_expressions={"v": expr}, reply=True, timeout=60)
    return reply["content"]["user_expressions"]["v"]["data"]["text/plain"]


def test_kernel_is_a_preloaded_fork_in_its_own_session(server, tmp_path):
    with _connected(tmp_path, graceful=True) as (km, kc):
        assert km.forked
        pid = int(_eval(kc, "__import__('os').getpid()"))
        assert pid == km.provisioner.pid
        assert int(_eval(kc, "__import__('os').getppid()")) == server.pid  # forked by the server
        assert int(_eval(kc, "__import__('os').getsid(0)")) == pid  # leads its own session
        assert _eval(kc, "__import__('os').getcwd()") == repr(str(tmp_path))
        assert _eval(kc, "__import__('os').environ['PRUEBA_FORK']") == "'sí'"
        assert _eval(kc, "'pipeline.text' in __import__('sys').modules") == "True"  # preloaded
        # ipykernel's own behaviour is intact: output, errors, interrupts
        assert _run(kc, "print('hola')")["content"]["status"] == "ok"
        assert _run(kc, "1/0")["content"]["ename"] == "ZeroDivisionError"
        kc.execute("import time; time.sleep(60)")
        time.sleep(0.5)
        run_sync(km.interrupt_kernel)()
        reply = kc.get_shell_msg(timeout=20)
        assert reply["content"]["ename"] == "KeyboardInterrupt"
    assert _gone(pid)
    assert km.provisioner is None or not km.has_kernel


def test_a_kernel_let_go_by_its_client_is_killed(server, tmp_path):
    from jupyter_client.connect import write_connection_file

    cf, _ = write_connection_file(str(tmp_path / "k.json"), transport="ipc", ip=str(tmp_path / "k"))
    argv = kernels._python_argv(LocalKernelManager(kernel_name="python3").kernel_spec.argv)
    assert argv is not None
    kernel = server.spawn(["-f", cf], dict(os.environ), str(tmp_path))
    assert kernel.poll() is None
    kernel._line.close()  # as if the client process had died
    assert _gone(kernel.pid)


def test_killing_the_server_takes_its_kernels(tmp_path, monkeypatch):
    monkeypatch.delenv(kernels.FORK_ENV, raising=False)
    kernels.use_fork_server([FIXTURES / "cuenta.ipynb"], now=True)
    try:
        km = _kernel(tmp_path)
        pid = km.provisioner.pid
        os.kill(kernels._server.pid, signal.SIGKILL)
        assert _gone(pid)  # ipykernel's parent poller: the server was its parent
        assert run_sync(km.is_alive)() is False
    finally:
        kernels.stop_fork_server()


def test_stopping_the_server_stops_the_kernels_left(server, tmp_path):
    km = _kernel(tmp_path)
    pid = km.provisioner.pid
    kernels.stop_fork_server()
    assert _gone(pid)
    assert _gone(server.pid)


def test_a_dead_server_means_ordinary_kernels(server, tmp_path, caplog):
    os.kill(server.pid, signal.SIGKILL)
    server.process.wait()
    km = _kernel(tmp_path)
    try:
        assert not km.forked and run_sync(km.is_alive)()
        assert "servidor de kernels" in caplog.text
    finally:
        run_sync(km.shutdown_kernel)(now=True)


def test_turned_off_by_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(kernels.FORK_ENV, "0")
    kernels.use_fork_server([FIXTURES / "cuenta.ipynb"], now=True)
    assert kernels._server is None
    km = _kernel(tmp_path)
    try:
        assert not km.forked
    finally:
        run_sync(km.shutdown_kernel)(now=True)


def test_papermill_runs_a_warm_forked_kernel(server, tmp_path):
    """A stage's notebook runs in its forked kernel, through the client prepared for it; every
    output arrives (the quick handshake does not lose IOPub messages)."""
    import papermill as pm

    warm = WarmKernel(FIXTURES / "cuenta.ipynb", tmp_path)
    km = warm.take()
    assert km is not None and km.forked and km._prepared is not None
    out = tmp_path / "salida.ipynb"
    try:
        pm.execute_notebook(str(FIXTURES / "cuenta.ipynb"), str(out), kernel_name="python3", km=km,
                            parameters={"out_dir": str(tmp_path / "o")}, progress_bar=False,
                            kernel_manager_class=LocalKernelManager, cwd=str(tmp_path))
    finally:
        warm.shutdown()
    assert km._prepared is None  # papermill got the prepared client
    count, pid = (tmp_path / "o" / "2017" / "kernels.txt").read_text().split()
    assert count == "1"  # no warm-up execution: the fork server preloaded the imports
    assert _gone(int(pid))


def test_forked_kernel_has_the_import_path_of_an_ordinary_one(server, tmp_path, monkeypatch):
    def sys_path() -> tuple[bool, str]:
        with _connected(tmp_path) as (km, kc):
            return km.forked, _eval(kc, "__import__('sys').path")

    forked, forked_path = sys_path()
    kernels.stop_fork_server()
    ordinary, ordinary_path = sys_path()
    assert forked and not ordinary
    assert forked_path == ordinary_path


def test_ctrl_c_is_left_to_the_cli(server, tmp_path):
    """Ctrl-C reaches the terminal's whole process group: the server ignores it (the CLI
    stops it), and a kernel forked afterwards still handles its interrupts."""
    time.sleep(0.5)
    os.kill(server.pid, signal.SIGINT)
    time.sleep(0.5)
    assert server.process.poll() is None
    with _connected(tmp_path) as (km, kc):
        assert km.forked
        assert _eval(kc, "__import__('signal').getsignal(2) is not __import__('signal').SIG_IGN") == "True"


def test_a_kernel_asked_for_early_does_not_wait_for_later_cells(tmp_path, monkeypatch):
    """The preload runs the cells in stage order and forks a waiting kernel between them:
    the cleaning kernel does not wait for the deck's imports."""
    monkeypatch.delenv(kernels.FORK_ENV, raising=False)
    first, later = tmp_path / "uno.ipynb", tmp_path / "dos.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time\ntime.sleep(1)")]), first)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import time\ntime.sleep(3)\n" + PRELOAD)]), later)
    kernels.use_fork_server([first, later], now=True)
    try:
        with _connected(tmp_path) as (km, kc):  # asked for while the first cell still runs
            assert km.forked
            assert _eval(kc, "'pipeline.text' in __import__('sys').modules") == "False"
            assert _eval(kc, "__import__('pipeline.text').text.__name__") == "'pipeline.text'"
        with _connected(tmp_path) as (_, kc):  # after the preload: has everything
            assert _eval(kc, "'pipeline.text' in __import__('sys').modules") == "True"
    finally:
        kernels.stop_fork_server()


def test_a_forked_kernel_exits_as_python_does(server, tmp_path):
    """A thread still working when the kernel is asked to shut down finishes first (the
    cleaning stage removes the previous attendance table that way)."""
    target = tmp_path / "hilo.txt"
    with _connected(tmp_path, graceful=True) as (km, kc):
        assert km.forked
        _run(kc, "import threading, time\n"
                 f"threading.Thread(target=lambda: (time.sleep(1), open({str(target)!r}, 'w').write('listo'))).start()")
    assert target.read_text() == "listo"


def test_the_first_kernels_of_a_run_are_forked_before_the_later_cells_load(tmp_path, monkeypatch):
    """A parallel run asks for one kernel per year at once, just after the server has loaded
    the cleaning cell: they are forked then, not after the deck's imports."""
    monkeypatch.delenv(kernels.FORK_ENV, raising=False)
    loaded = tmp_path / "primera-lista"
    first, later = tmp_path / "uno.ipynb", tmp_path / "dos.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"open({str(loaded)!r}, 'w').close()")]), first)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import time\ntime.sleep(3)\n" + PRELOAD)]), later)
    kernels.use_fork_server([first, later], now=True, first_kernels=1)
    try:
        deadline = time.monotonic() + 60
        while not loaded.exists():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.2)  # the server would be loading the second cell by now
        with _connected(tmp_path) as (km, kc):
            assert km.forked
            assert _eval(kc, "'pipeline.text' in __import__('sys').modules") == "False"
    finally:
        kernels.stop_fork_server()


CALLED = """
import os, sys
open({result!r}, "w").write(f"{{'pipeline.text' in sys.modules}} {{os.nice(0)}} {{os.getppid()}}")
"""


def test_a_call_runs_in_a_preloaded_fork_at_low_priority(server, tmp_path):
    """The trends page is drawn that way: a fork of the server runs a function with the
    libraries loaded, yields the cores to the kernels, and its failure is an error here."""
    script, result = tmp_path / "llamada.py", tmp_path / "resultado.txt"
    script.write_text(CALLED.format(result=str(result)), encoding="utf-8")
    server.call("runpy:run_path", [str(script)])
    preloaded, nice, parent = result.read_text().split()
    assert preloaded == "True" and int(nice) == os.nice(0) + 10 and int(parent) == server.pid
    with pytest.raises(OSError, match="código 1"):
        server.call("runpy:run_path", [str(tmp_path / "no-existe.py")])
