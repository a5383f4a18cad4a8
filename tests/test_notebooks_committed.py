"""Notebooks are stored without outputs and keep their `parameters` cell."""
import json

import pytest

from pipeline import config

# The three stage notebooks by name: copies an analyst saves beside them in notebooks/
# (02_indicadores-Copy1.ipynb, an executed export…) are not the project's and are not checked.
NOTEBOOKS = [config.NOTEBOOKS_DIR / name for name in config.NOTEBOOKS.values()]


def test_the_three_stages_exist():
    assert [p.name for p in NOTEBOOKS if p.is_file()] == ["01_limpieza.ipynb", "02_indicadores.ipynb",
                                                          "03_balance.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert dirty == [], f"{path.name}: celdas con salidas {dirty}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_with_literals(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name} debe tener exactamente una celda 'parameters'"
    source = "".join(tagged[0]["source"])
    for name in ["anio", "region", "raw_dir", "processed_dir", "out_dir"]:
        assert f"{name} =" in source
    assert "(" not in source, "la celda de parámetros solo lleva literales"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_definitions_in_notebooks(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "\ndef " not in "\n" + code and "\nclass " not in "\n" + code
