"""papermill execution: parameters arrive with their types; failures name stage, notebook, cell."""
import shutil

import pytest

from pipeline import config
from pipeline.report import EtapaFallida, execute_stage

FIXTURES = config.PROJ_ROOT / "tests" / "fixtures" / "notebooks"


@pytest.fixture()
def nbdir(tmp_path):
    d = tmp_path / "nbs"
    d.mkdir()
    return d


@pytest.mark.slow
def test_parameters_keep_strings(nbdir, tmp_path):
    shutil.copy(FIXTURES / "escribe.ipynb", nbdir / config.NOTEBOOKS["limpieza"])
    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "proc", tmp_path / "out")
    executed = execute_stage("limpieza", paths, "04", notebooks_dir=nbdir)
    assert executed == paths.notebooks_out / "01_limpieza.ipynb" and executed.exists()
    # the region code "04" arrives as the string "04", not the integer 4
    assert (paths.out / "hecho.txt").read_text() == "2017 '04' str"


@pytest.mark.slow
def test_failure_names_stage_notebook_and_cell(nbdir, tmp_path):
    shutil.copy(FIXTURES / "roto.ipynb", nbdir / config.NOTEBOOKS["indicadores"])
    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "proc", tmp_path / "out")
    with pytest.raises(EtapaFallida) as info:
        execute_stage("indicadores", paths, "Coquimbo", notebooks_dir=nbdir)
    msg = str(info.value)
    assert "etapa «indicadores»" in msg and "02_indicadores.ipynb" in msg
    assert "celda" in msg and "ValueError" in msg and "falla de prueba en 2017" in msg
    assert info.value.copia.exists()  # papermill's executed copy is kept for inspection


def _write_counter(monkeypatch, target):
    import papermill.engines

    writes = []
    real = papermill.engines.write_ipynb

    def counting(nb, path, *args, **kwargs):
        if str(path) == str(target):
            writes.append(len(nb.cells))
        return real(nb, path, *args, **kwargs)

    monkeypatch.setattr(papermill.engines, "write_ipynb", counting)
    return writes


@pytest.mark.slow
def test_executed_notebook_is_written_at_start_and_end_not_per_cell(nbdir, tmp_path, monkeypatch):
    import nbformat

    params = nbformat.v4.new_code_cell('anio = 2017\nregion = "Coquimbo"\nraw_dir = ""\nprocessed_dir = ""\nout_dir = ""')
    params.metadata["tags"] = ["parameters"]
    cells = [params] + [nbformat.v4.new_code_cell(f"print('celda {i}')") for i in range(8)]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, nbdir / config.NOTEBOOKS["limpieza"])
    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "proc", tmp_path / "out")
    writes = _write_counter(monkeypatch, paths.notebooks_out / "01_limpieza.ipynb")
    executed = nbformat.read(execute_stage("limpieza", paths, "Coquimbo", notebooks_dir=nbdir), as_version=4)
    # papermill's default wrote it twice per cell (19 times); now when it starts and ends
    assert len(writes) == 2
    printed = [o["text"] for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert printed == [f"celda {i}\n" for i in range(8)]  # every output is in the file
    assert all(c.metadata.papermill.status == "completed" for c in executed.cells if c.cell_type == "code")


@pytest.mark.slow
def test_failed_notebook_is_still_written_with_its_error(nbdir, tmp_path, monkeypatch):
    import nbformat

    shutil.copy(FIXTURES / "roto.ipynb", nbdir / config.NOTEBOOKS["indicadores"])
    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "proc", tmp_path / "out")
    target = paths.notebooks_out / "02_indicadores.ipynb"
    writes = _write_counter(monkeypatch, target)
    with pytest.raises(EtapaFallida):
        execute_stage("indicadores", paths, "Coquimbo", notebooks_dir=nbdir)
    assert 2 <= len(writes) <= 3
    failed = nbformat.read(target, as_version=4)
    assert any(o.get("ename") == "ValueError" for c in failed.cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_cli_process_skips_the_rfc3987_grammars_and_still_validates_notebooks():
    """jsonschema under nbformat no longer compiles rfc3987-syntax's lark grammars in the CLI;
    nbformat validation works as before (it never checks string formats)."""
    import subprocess
    import sys

    code = ("import sys, pipeline.cli, nbformat  # nbformat after the CLI, as in a run\n"
            "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\n"
            "nbformat.validate(nb)\n"
            "bad = nbformat.v4.new_notebook(); bad.cells = [{'cell_type': 'nada'}]\n"
            "try:\n    nbformat.validate(bad)\nexcept nbformat.ValidationError:\n    print('rechazado')\n"
            "print('lark' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=config.PROJ_ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["rechazado", "False"]


def test_importing_report_loads_papermill():
    """The CLI imports `report` before it forks the year workers of `--jobs`: papermill (with
    requests and pyarrow under it, 0.3 s of CPU) must come with it, or every worker imports
    it again for its first stage."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import sys, pipeline.report; print('papermill' in sys.modules)"],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "True", done.stderr[-2000:]
