"""The command line: years, regions, exit codes, Spanish messages."""
import argparse
import os

import pytest

from pipeline.run import cli
from pipeline import config
from tests.conftest import TEST_KEY, run_cli


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
    """kill -9 of the CLI in the middle of `--jobs 2`: its year workers and their kernels
    end on their own within seconds."""
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", "--years", "2016-2018", "--jobs", "2", "-q", "--sin-pdf",
         "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o")],
        cwd=config.PROJ_ROOT, env={**os.environ, "BALANCE_CLAVE": TEST_KEY},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    family: set[int] = set()
    while len(family) < 4 and time.monotonic() < deadline:  # 2 year workers, a kernel each
        family = _descendants(proc.pid)
        time.sleep(0.1)
    assert len(family) >= 4, family
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    family |= _descendants(proc.pid)
    deadline = time.monotonic() + 20
    while any(_running(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in family if _running(p)]


def _indicadores(year: int, asistencias: int) -> dict:
    import json

    ind = json.loads((config.PROJ_ROOT / "tests" / "fixtures" / "deck" / "indicadores-2017.json").read_text(encoding="utf-8"))
    return {**ind, "anio": year, "asistencias": asistencias}










def test_trends_page_takes_every_year_in_the_outputs(tmp_path):
    """The page of a multi-year run covers this run's years and the years run before."""
    import json

    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")
    for year, asistencias in ((2015, 100), (2017, 300), (2018, 400)):
        folder = tmp_path / "o" / str(year)
        folder.mkdir(parents=True)
        (folder / "indicadores.json").write_text(json.dumps(_indicadores(year, asistencias)), encoding="utf-8")
    json_path, html_path = cli.write_trends_page(cli.YearRun(paths, "Coquimbo"), "Coquimbo")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert [(t["anio"], t["asistencias"]) for t in data["tendencia"]] == [(2015, 100), (2017, 300), (2018, 400)]
    assert "Región de Coquimbo" in html_path.read_text(encoding="utf-8")


def test_a_failed_multi_year_run_writes_no_trends_page(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "run_one", lambda job: cli.EXIT_FAILED if job.paths.year == 2017 else 0)
    code = cli.main(["run", "--years", "2016-2017", "-q", "--raw-dir", str(tmp_path / "raw"),
                     "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o")])
    assert code == cli.EXIT_FAILED
    assert not (tmp_path / "o" / "tendencias.html").exists()
