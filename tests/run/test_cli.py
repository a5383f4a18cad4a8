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


ENGLISH = ("usage:", "options:", "show this help", "error:", "required", "positional arguments", "invalid")


@pytest.mark.parametrize("args", [["-h"], ["ejecutar", "-h"], ["balance", "--ayuda"]])
def test_help_is_spanish_argparse_words_included(args):
    out = run_cli(*args)
    assert out.returncode == 0
    assert out.stdout.startswith("uso: balance") and "opciones:" in out.stdout
    assert "muestra esta ayuda y termina" in out.stdout
    assert [w for w in ENGLISH if w in out.stdout] == []


def test_main_help_lists_spanish_commands_with_english_aliases():
    out = run_cli("--help").stdout
    for spanish, english in (("ejecutar", "run"), ("limpiar", "clean"), ("indicadores", "indicators"),
                             ("balance", "report")):
        assert f"{spanish} ({english})" in out


@pytest.mark.parametrize("args, expected", [
    ([], "Error: faltan argumentos obligatorios: COMANDO"),
    (["correr", "--anio", "2017"], "Error: argumento COMANDO: opción no válida: 'correr'"),
    (["ejecutar"], "Error: falta uno de los argumentos --anio/--year --anios/--years"),
    (["ejecutar", "--anio", "2017", "--anios", "2016-2017"], "no se puede usar junto con"),
    (["ejecutar", "--anio", "17"], "Error: argumento --anio/--year: Año no válido: '17'"),
    (["ejecutar", "--anio", "2017", "--zz"], "Error: argumentos no reconocidos: --zz"),
    (["ejecutar", "--anio"], "Error: el argumento --anio/--year necesita un valor"),
    (["ejecutar", "--anio", "2017", "--procesos", "dos"], "Error: argumento --procesos/--jobs: valor no válido: 'dos'"),
])
def test_usage_errors_are_spanish_and_exit_2(args, expected, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(args)
    err = capsys.readouterr().err
    assert info.value.code == cli.EXIT_USAGE
    assert expected in err and err.startswith("uso: balance")
    assert [w for w in ENGLISH if w in err] == []


@pytest.mark.parametrize("spanish, english", [("ejecutar", "run"), ("limpiar", "clean"),
                                              ("indicadores", "indicators"), ("balance", "report")])
def test_english_commands_and_options_are_aliases(spanish, english):
    parser = cli.build_parser()
    a = parser.parse_args([spanish, "--anio", "2017", "--forzar", "--procesos", "2", "--silencioso"])
    b = parser.parse_args([english, "--year", "2017", "--force", "--jobs", "2", "--quiet"])
    assert (a.stages, a.anio, a.force, a.jobs, a.quiet) == (b.stages, b.anio, b.force, b.jobs, b.quiet)
    assert parser.parse_args([spanish, "--anios", "2016-2017"]).anios == [2016, 2017]


@pytest.fixture()
def no_run(monkeypatch):
    """Fails the test if a year would start (a kernel would start)."""
    def refuse(*args, **kwargs):
        raise AssertionError("se inició una etapa")
    monkeypatch.setattr(cli, "run_year", refuse)


def _main(tmp_path, *args):
    return cli.main([*args, "-q", "--raw-dir", str(tmp_path / "raw"),
                     "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o")])


def test_missing_year_folder_is_refused_before_any_kernel(tmp_path, capsys, no_run):
    (tmp_path / "raw" / "2018").mkdir(parents=True)
    (tmp_path / "raw" / "2018" / "lista.csv").write_text("fecha\n", encoding="utf-8")
    assert _main(tmp_path, "ejecutar", "--anio", "2021") == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("Error: No existe la carpeta")
    assert f"cree {tmp_path / 'raw' / '2021'} y copie ahí las planillas del año" in err
    assert "Años con planillas" in err and "2018" in err


def test_empty_year_folder_is_refused(tmp_path, capsys, no_run):
    (tmp_path / "raw" / "2021").mkdir(parents=True)
    assert _main(tmp_path, "limpiar", "--anio", "2021") == cli.EXIT_USAGE
    assert "está vacía: copie ahí las planillas del año 2021" in capsys.readouterr().err


def test_a_folder_with_only_a_plan_is_refused(tmp_path, capsys, no_run):
    (tmp_path / "raw" / "2021").mkdir(parents=True)
    (tmp_path / "raw" / "2021" / "plan-2021.yml").write_text("anio: 2021\n", encoding="utf-8")
    assert _main(tmp_path, "ejecutar", "--anios", "2021") == cli.EXIT_USAGE
    assert "no tiene planillas de asistencia" in capsys.readouterr().err


def test_balance_alone_needs_the_indicators(tmp_path, capsys, no_run):
    (tmp_path / "raw" / "2021").mkdir(parents=True)
    (tmp_path / "raw" / "2021" / "lista.csv").write_text("fecha\n", encoding="utf-8")
    assert _main(tmp_path, "balance", "--anio", "2021") == cli.EXIT_USAGE
    assert "python -m pipeline indicadores --anio 2021" in capsys.readouterr().err


def test_unknown_region_is_refused_before_any_kernel(tmp_path, capsys, no_run):
    assert _main(tmp_path, "ejecutar", "--anio", "2021", "--region", "Narnia") == cli.EXIT_USAGE
    assert "Región desconocida" in capsys.readouterr().err


def test_a_missing_year_is_refused_at_once_through_the_real_cli(tmp_path):
    out = run_cli("ejecutar", "--anio", "2021", "--raw-dir", str(tmp_path / "raw"),
                  "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o"), timeout=30)
    assert out.returncode == cli.EXIT_USAGE and out.stderr.count("Error:") == 1
    assert not (tmp_path / "o").exists() and not (tmp_path / "p").exists()


def test_done_line_prints_time_with_decimal_comma(tmp_path, capsys, monkeypatch):
    import re

    monkeypatch.setattr(cli, "run_year", lambda job, on_stage: None)
    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")
    assert cli.run_one(cli.YearRun(paths, "Coquimbo")) == 0
    assert re.search(r"\[2017\] listo en \d+(,\d)? s: ", capsys.readouterr().err)


def test_latest_year_is_the_latest_with_logs(tmp_path):
    from pipeline.run import preflight

    for year, name in ((2017, "lista.xlsx"), (2018, "lista.csv"), (2019, "plan-2019.yml")):
        (tmp_path / str(year)).mkdir()
        (tmp_path / str(year) / name).write_text("x", encoding="utf-8")
    (tmp_path / "2020").mkdir()
    assert preflight.latest_year(tmp_path) == 2018
    assert preflight.latest_year(tmp_path / "nada") is None


def test_make_report_takes_the_latest_year_with_logs(tmp_path):
    import shutil
    import subprocess
    import sys

    if not shutil.which("make"):
        pytest.skip("make no está instalado")
    for year, name in ((2018, "lista.csv"), (2019, "plan-2019.yml")):
        (tmp_path / str(year)).mkdir()
        (tmp_path / str(year) / name).write_text("x", encoding="utf-8")
    out = subprocess.run(["make", "-s", "-n", "report", f"PY={sys.executable}", f"RAW={tmp_path}",
                          f"STAMP={tmp_path / 'listo'}"], cwd=config.PROJ_ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(config.PROJ_ROOT)})
    (tmp_path / "listo").unlink(missing_ok=True)
    assert "ejecutar --anio 2018 " in out.stdout, out.stdout + out.stderr


@pytest.mark.slow
def test_make_lab_runs_as_root_without_a_browser_and_prints_its_token(tmp_path):
    """The command `make lab` runs, started for real (as root here): it serves and prints
    the URL with its token instead of refusing root or looking for a browser."""
    import re
    import shutil
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    if not shutil.which("make"):
        pytest.skip("make no está instalado")
    venv = Path(sys.executable).parent.parent
    command = subprocess.run(["make", "-s", "-n", "lab", f"VENV={venv}", f"STAMP={tmp_path / 'listo'}"],
                             cwd=config.PROJ_ROOT, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    assert "--allow-root" in command and "--no-browser" in command
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(f"{command} --port={port} --ServerApp.port_retries=0", shell=True, cwd=config.PROJ_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            env={**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"), "BROWSER": "false"})
    seen, deadline = "", time.monotonic() + 90
    try:
        while time.monotonic() < deadline and not re.search(r"http://\S+/lab\?token=\w+", seen):
            line = proc.stdout.readline()
            if not line:
                break
            seen += line
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
    assert re.search(rf"http://(localhost|127\.0\.0\.1):{port}/lab\?token=\w+", seen), seen[-2000:]
    assert "Running as root is not recommended" not in seen


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
         "--muestra", "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o")],
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
    for year in ("2016", "2017"):
        (tmp_path / "raw" / year).mkdir(parents=True)
        (tmp_path / "raw" / year / "lista.csv").write_text("fecha\n", encoding="utf-8")
    code = cli.main(["run", "--years", "2016-2017", "-q", "--raw-dir", str(tmp_path / "raw"),
                     "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o")])
    assert code == cli.EXIT_FAILED
    assert not (tmp_path / "o" / "tendencias.html").exists()


def _wait_for(predicate, seconds: float) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [[], ["--anios", "2016-2017", "--procesos", "2"]], ids=["un-año", "procesos"])
def test_ctrl_c_prints_one_line_exits_130_and_leaves_nothing_half_written(tmp_path, jobs):
    """SIGINT to the CLI alone (as `kill -INT`) while a kernel runs: one Spanish line, exit 130,
    no staging folder, no lock file, no published year, no process left."""
    import signal
    import subprocess
    import sys

    from tests.conftest import copy_sample

    raw = copy_sample(tmp_path / "raw", ("2016", "2017"))
    years = jobs or ["--anio", "2017"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "ejecutar", *years, "-q", "--sin-pdf", "--raw-dir", str(raw),
         "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o")],
        cwd=config.PROJ_ROOT, env={**os.environ, "BALANCE_CLAVE": TEST_KEY},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = tmp_path / "o"
    # a kernel is running a stage inside a staging folder
    started = _wait_for(lambda: any(out.glob(".en-curso-*")) and len(_descendants(proc.pid)) >= (3 if jobs else 1), 60)
    assert started, proc.stderr.read() if proc.poll() is not None else "no empezó"
    family = _descendants(proc.pid)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == cli.EXIT_INTERRUPTED, err
    lines = [line for line in err.splitlines() if not line.startswith(("[20", "Ejecutando", "Etapa", "Inicio", "Entrada"))]
    assert lines == ["Interrumpido: no se publicó nada; las salidas anteriores quedan como estaban."], err
    assert "Traceback" not in err
    # a failed year's folder would say why in its run.log (seen once, under a loaded machine)
    left = "\n".join(f"{p}:\n{p.read_text(encoding='utf-8')[-2000:]}" for p in out.rglob("run.log"))
    assert sorted(p.name for p in out.iterdir()) == [], f"quedó algo en outputs\n{err}\n{left}"
    assert not list((tmp_path / "p").rglob("*.lock"))
    assert _wait_for(lambda: not [p for p in family if _running(p)], 20), "quedaron procesos"


def _tiny_year(tmp_path):
    raw = tmp_path / "raw" / "2017"
    raw.mkdir(parents=True)
    (raw / "lista.csv").write_text("fecha,comuna,actividad,nombre,rut,sexo\n"
                                   "2017-05-02,Ovalle,Taller,Ana Díaz,12.345.678-5,F\n", encoding="utf-8")
    return raw.parent


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["indicadores", "balance"])
def test_ctrl_c_from_the_terminal_in_any_stage_prints_one_line(tmp_path, stage):
    """Ctrl-C as a terminal sends it (to the whole foreground process group) while the kernel of
    stage 2 or 3 runs: the one Spanish line, no ZMQ traceback nor «DeadKernelError» from the
    kernel. Each stage is run alone (the stages before it would only add their notebooks):
    `indicadores` on a tiny year, `balance` on the indicadores.json of tests/fixtures/deck."""
    import shutil
    import signal
    import subprocess
    import sys
    import threading
    import time

    raw = _tiny_year(tmp_path)
    if stage == "balance":
        (tmp_path / "o" / "2017").mkdir(parents=True)
        shutil.copy(config.PROJ_ROOT / "tests" / "fixtures" / "deck" / "indicadores-2017.json",
                    tmp_path / "o" / "2017" / "indicadores.json")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", stage, "--anio", "2017", "-q", "--sin-pdf", "--raw-dir",
         str(raw), "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o")],
        cwd=config.PROJ_ROOT, env={**os.environ, "BALANCE_CLAVE": TEST_KEY}, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
    reader.start()
    assert _wait_for(lambda: any(f": {stage}…" in line for line in lines) and _descendants(proc.pid), 120), \
        "".join(lines)
    time.sleep(2)  # the stage's kernel is running
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=60)
    reader.join(10)
    err = "".join(lines)
    assert proc.returncode == cli.EXIT_INTERRUPTED, err
    progress = ("[20", "Ejecutando", "Etapa", "Inicio", "Entrada", "Limpiando")  # stage 2 alone cleans first
    shown = [line for line in err.splitlines() if not line.startswith(progress)]
    assert shown == ["Interrumpido: no se publicó nada; las salidas anteriores quedan como estaban."], err
    assert "Traceback" not in err and "DeadKernelError" not in err and "ZMQ" not in err


def test_console_shows_the_pipelines_lines_and_not_the_libraries():
    """After a Ctrl-C, nbclient logs «Kernel died while waiting for execute reply» and asyncio
    «Task exception was never retrieved» (seen once in the terminal Ctrl-C test): the console
    of the CLI and of its workers shows only the pipeline's own lines."""
    import subprocess
    import sys

    code = ("import logging; from pipeline.run import cli; cli.console_logging(); "
            "logging.getLogger('papermill').error('Kernel died while waiting for execute reply.'); "
            "logging.getLogger('asyncio').error('Task exception was never retrieved'); "
            "logging.getLogger('pipeline.run.runner').warning('aviso propio')")
    done = subprocess.run([sys.executable, "-c", code], cwd=config.PROJ_ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "aviso propio\n"
