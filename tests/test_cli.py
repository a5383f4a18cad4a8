"""The command line: years, regions, exit codes, Spanish messages."""
import argparse
import os

import pytest

from pipeline import cli, config
from tests.conftest import run_cli


def test_parse_years():
    assert cli.parse_years("2017") == [2017]
    assert cli.parse_years("2016-2018") == [2016, 2017, 2018]
    assert cli.parse_years("2018, 2016") == [2016, 2018]
    with pytest.raises(argparse.ArgumentTypeError, match="Año no válido"):
        cli.parse_years("17")
    with pytest.raises(argparse.ArgumentTypeError, match="al revés"):
        cli.parse_years("2018-2016")


def test_unknown_region_exits_2_with_spanish_message(capsys):
    assert cli.main(["run", "--year", "2017", "--region", "Atlántida"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "Región desconocida: 'Atlántida'" in err and "Coquimbo" in err


def test_year_is_required():
    with pytest.raises(SystemExit) as info:
        cli.main(["run"])
    assert info.value.code == 2


def test_installed_module_entry_point_help():
    out = run_cli("run", "--help")
    assert out.returncode == 0 and "--years" in out.stdout and "región" in out.stdout


def test_missing_raw_year_fails_naming_stage(tmp_path):
    out = run_cli("clean", "--year", "1999", "-q", "--sin-pdf", "--raw-dir", str(tmp_path / "raw"),
                  "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o"))
    assert out.returncode == cli.EXIT_FAILED
    assert "Falló la etapa «limpieza»" in out.stderr and "01_limpieza.ipynb" in out.stderr


def test_quick_exit_still_waits_for_threads_and_atexit(tmp_path):
    """`exit_now` skips only the module teardown: a thread still writing and the atexit
    handlers finish before the process ends, and the exit code is kept."""
    import subprocess
    import sys

    code = (
        "import atexit, threading, time, sys\n"
        "from pipeline import cli\n"
        f"out = {str(tmp_path)!r}\n"
        "def late():\n    time.sleep(0.5)\n    open(out + '/hilo.txt', 'w').write('listo')\n"
        "threading.Thread(target=late).start()\n"
        "atexit.register(lambda: open(out + '/atexit.txt', 'w').write('listo'))\n"
        "print('salida', flush=False)\n"
        "cli.exit_now(3)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 3
    assert out.stdout == "salida\n"
    assert (tmp_path / "hilo.txt").read_text() == "listo"
    assert (tmp_path / "atexit.txt").read_text() == "listo"


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _running(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_a_killed_cli_leaves_no_process_behind(tmp_path):
    """kill -9 of the CLI in the middle of `--jobs 2`: its year workers, the fork server and
    every kernel end on their own within seconds."""
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", "--years", "2016-2018", "--jobs", "2", "-q", "--sin-pdf",
         "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o")],
        cwd=config.PROJ_ROOT, env={**os.environ, "BALANCE_CLAVE": "k"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    family: set[int] = set()
    while len(family) < 5 and time.monotonic() < deadline:  # 3 workers, the server, a kernel
        family = _descendants(proc.pid)
        time.sleep(0.1)
    assert len(family) >= 5, family
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    family |= _descendants(proc.pid)
    deadline = time.monotonic() + 20
    while any(_running(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in family if _running(p)]


def _indicadores(anio: int, asistencias: int) -> dict:
    import json

    ind = json.loads((config.PROJ_ROOT / "tests" / "fixtures" / "deck" / "indicadores-2017.json").read_text(encoding="utf-8"))
    return {**ind, "anio": anio, "asistencias": asistencias}


def test_trends_page_takes_this_runs_indicators_and_earlier_years(tmp_path):
    """Made from the indicators the run's years just computed, not from the outputs of an
    earlier run of the same year; years run before stay on the page. Nothing is written
    before write() (which draws it here: this process has no fork server)."""
    import json

    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")
    for anio, asistencias in ((2015, 100), (2017, 1)):  # an earlier run's outputs
        folder = tmp_path / "o" / str(anio)
        folder.mkdir(parents=True)
        (folder / "indicadores.json").write_text(json.dumps(_indicadores(anio, asistencias)), encoding="utf-8")
    page = cli.TrendsPage(paths, "Coquimbo", [2017, 2018])
    page.add(2017, _indicadores(2017, 300))
    assert page._drawing is None  # 2018 still missing
    page.add(2018, _indicadores(2018, 400))
    page._drawing.join(60)
    assert not (tmp_path / "o" / "tendencias.json").exists()
    json_path, html_path = page.write()
    page.discard()
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert [(t["anio"], t["asistencias"]) for t in data["tendencia"]] == [(2015, 100), (2017, 300), (2018, 400)]
    assert "Región de Coquimbo" in html_path.read_text(encoding="utf-8")
    assert not page._drawn.exists()


def test_trends_page_of_a_failed_run_is_never_written(tmp_path):
    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")
    page = cli.TrendsPage(paths, "Coquimbo", [2017])
    page.add(2017, _indicadores(2017, 300))
    page._drawing.join(60)
    page.discard()  # what main() does when a year failed
    assert not page._drawn.exists() and not (tmp_path / "o").exists()


DRAW_IN_SERVER = """
import json, sys
from pathlib import Path

from pipeline import cli, config, kernels
from pipeline.runner import STAGES

out = Path(sys.argv[1])
ind = json.loads((config.PROJ_ROOT / "tests/fixtures/deck/indicadores-2017.json").read_text(encoding="utf-8"))
kernels.use_fork_server([config.NOTEBOOKS_DIR / config.NOTEBOOKS[e] for e in STAGES], now=True)
page = cli.TrendsPage(config.paths(2017, "Coquimbo", out, out, out), "Coquimbo", [2016, 2017])
page.add(2016, {**ind, "anio": 2016})
page.add(2017, ind)
page.write()
page.discard()
kernels.stop_fork_server()
print("pandas" in sys.modules, "matplotlib" in sys.modules)
"""


@pytest.mark.slow
def test_trends_page_is_drawn_by_a_fork_of_the_kernel_server(tmp_path):
    """The CLI never imports pandas or matplotlib for the trends page: a fork of the fork
    server, which has them loaded, draws it."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", DRAW_IN_SERVER, str(tmp_path)], cwd=config.PROJ_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["False", "False"]
    data = json.loads((tmp_path / "tendencias.json").read_text(encoding="utf-8"))
    assert data["anios"] == [2016, 2017]
    assert (tmp_path / "tendencias.html").read_text(encoding="utf-8").count("data:image/png;base64,") == 1


def test_trends_page_never_starts_the_kernel_server(tmp_path, monkeypatch):
    """With every stage reused no kernel started the run's fork server: the page is then drawn
    by write(), here, rather than by starting a server (ipykernel, pandas, matplotlib) for it."""
    from pipeline import kernels

    monkeypatch.delenv(kernels.FORK_ENV, raising=False)
    kernels.use_fork_server([config.NOTEBOOKS_DIR / config.NOTEBOOKS["limpieza"]])  # started by a first kernel
    try:
        paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")
        page = cli.TrendsPage(paths, "Coquimbo", [2017])
        page.add(2017, _indicadores(2017, 300))
        page._drawing.join(60)
        assert kernels._server is None
        json_path, _ = page.write()
        page.discard()
        assert json_path.exists()
    finally:
        kernels.stop_fork_server()
