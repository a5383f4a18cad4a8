"""Each notebook runs top to bottom with its default parameters, as an analyst opens it in
JupyterLab (no papermill, no injected parameters), on the shipped sample."""
import json
from tests.conftest import TEST_KEY

import nbformat
import pytest
from nbclient import NotebookClient

from pipeline import config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trees(tmp_path_factory, monkeypatch_module):
    base = tmp_path_factory.mktemp("lab")
    monkeypatch_module.setenv("BALANCE_PROCESSED_DIR", str(base / "processed"))
    monkeypatch_module.setenv("BALANCE_OUT_DIR", str(base / "outputs"))
    monkeypatch_module.setenv("BALANCE_CLAVE", TEST_KEY)
    return base


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _run(name: str):
    nb = nbformat.read(config.NOTEBOOKS_DIR / name, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=600,
                   resources={"metadata": {"path": str(config.NOTEBOOKS_DIR)}}).execute()
    return nb


def test_the_three_notebooks_run_in_order_with_defaults(trees):
    for name in config.NOTEBOOKS.values():
        nb = _run(name)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert errors == [], name
    ind = json.loads((trees / "outputs" / "2017" / "indicadores.json").read_text(encoding="utf-8"))
    assert ind["anio"] == 2017 and ind["region"] == "Coquimbo"
    # the defaults followed the environment's trees, not the repository's own
    assert (trees / "processed" / "2017" / "actividades.parquet").exists()
