"""JupyterLab (issue 24): one place sets the year of the three notebooks (`make lab ANIO=…`,
BALANCE_ANIO), and saving a notebook there never dirties the repository."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from pipeline import config
from pipeline.run import lab


def test_the_year_comes_from_one_place(tmp_path, monkeypatch):
    for year in ("2017", "2018"):
        (tmp_path / year).mkdir()
        (tmp_path / year / "lista.csv").write_text("fecha\n", encoding="utf-8")
    monkeypatch.delenv(lab.YEAR_ENV, raising=False)
    assert lab.notebook_year(0, "Coquimbo", str(tmp_path)) == 2018  # the latest with logs
    monkeypatch.setenv(lab.YEAR_ENV, "2017")
    assert lab.notebook_year(0, "Coquimbo", str(tmp_path)) == 2017
    assert lab.notebook_year(2016, "Coquimbo", str(tmp_path)) == 2016  # the runner's own year wins
    monkeypatch.setenv(lab.YEAR_ENV, "dos mil")
    with pytest.raises(ValueError, match="BALANCE_ANIO debe ser un año"):
        lab.notebook_year(0, "Coquimbo", str(tmp_path))
    monkeypatch.delenv(lab.YEAR_ENV)
    with pytest.raises(ValueError, match="No hay años con planillas"):
        lab.notebook_year(0, "Coquimbo", str(tmp_path / "vacia"))


def test_the_three_notebooks_leave_the_year_to_that_place():
    for name in config.NOTEBOOKS.values():
        nb = json.loads((config.NOTEBOOKS_DIR / name).read_text(encoding="utf-8"))
        params = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
        assert "".join(params["source"]).startswith("anio = 0  #"), name
        code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        assert "anio = paths.year" in code, name


def test_a_saved_notebook_keeps_no_output_nor_run_metadata():
    nb = nbformat.read(config.NOTEBOOKS_DIR / "01_limpieza.ipynb", as_version=4)
    clean = json.loads(nbformat.writes(nb))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="Asistencias: 5.971\n")]
            cell.execution_count = 7
            cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"}
    nb.metadata["widgets"] = {"state": {}}
    model = {"type": "notebook", "content": json.loads(nbformat.writes(nb))}
    lab.strip_for_git(model, "01_limpieza.ipynb")
    assert model["content"] == clean


def test_jupyter_accepts_the_hook_and_make_lab_uses_it(tmp_path):
    from jupyter_server.services.contents.filemanager import FileContentsManager

    manager = FileContentsManager(root_dir=str(tmp_path), pre_save_hook="pipeline.run.lab.strip_for_git")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1", execution_count=3, outputs=[
        nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=3)])])
    manager.save({"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))}, "n.ipynb")
    saved = nbformat.read(tmp_path / "n.ipynb", as_version=4)
    assert saved.cells[0].outputs == [] and saved.cells[0].execution_count is None
    if not shutil.which("make"):
        pytest.skip("make no está instalado")
    command = subprocess.run(["make", "-s", "-n", "lab", "ANIO=2017", f"PY={sys.executable}",
                              f"STAMP={tmp_path / 'listo'}"], cwd=config.PROJ_ROOT, capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(config.PROJ_ROOT)}).stdout
    assert "--ContentsManager.pre_save_hook=pipeline.run.lab.strip_for_git" in command
    assert 'BALANCE_ANIO="2017"' in command and "data/muestra" in command


def test_papermill_reads_every_parameter_of_the_three_notebooks():
    """A parameter papermill cannot parse is «unknown» to it (and warned about on every run)."""
    import papermill as pm

    for name in config.NOTEBOOKS.values():
        found = set(pm.inspect_notebook(str(config.NOTEBOOKS_DIR / name)))
        assert {"anio", "region", "raw_dir", "processed_dir", "out_dir"} <= found, name
