"""The command line: years, regions, exit codes, Spanish messages."""
import argparse

import pytest

from pipeline import cli
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
