"""papermill execution: parameters arrive with their types; failures name stage, notebook, cell."""
import shutil

import pytest

from pipeline import config
from pipeline.errors import StageFailed
from pipeline.run.notebooks import execute_stage


def _params(paths, region):
    return {"anio": paths.year, "region": region, "raw_dir": str(paths.raw_root),
            "processed_dir": str(paths.processed_root), "out_dir": str(paths.out_root)}

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
    executed = execute_stage("limpieza", paths, _params(paths, "04"), notebooks_dir=nbdir)
    assert executed == paths.notebooks_out / "01_limpieza.ipynb" and executed.exists()
    # the region code "04" arrives as the string "04", not the integer 4
    assert (paths.out / "hecho.txt").read_text() == "2017 '04' str"


@pytest.mark.slow
def test_failure_names_stage_notebook_and_cell(nbdir, tmp_path):
    shutil.copy(FIXTURES / "roto.ipynb", nbdir / config.NOTEBOOKS["indicadores"])
    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "proc", tmp_path / "out")
    with pytest.raises(StageFailed) as info:
        execute_stage("indicadores", paths, _params(paths, "Coquimbo"), notebooks_dir=nbdir)
    msg = str(info.value)
    assert "etapa «indicadores»" in msg and "02_indicadores.ipynb" in msg
    assert "celda" in msg and "ValueError" in msg and "falla de prueba en 2017" in msg
    assert info.value.executed_copy.exists()  # papermill's executed copy is kept for inspection












def test_progress_bar_speaks_spanish():
    """papermill's bar is given a Spanish format: no «Executing», no «cell/s»."""
    import io

    from tqdm import tqdm

    from pipeline.run.notebooks import progress_bar

    out = io.StringIO()
    options = progress_bar("01_limpieza.ipynb")
    bar = tqdm(total=30, file=out, **{"unit": "cell", "desc": "Executing", **options})
    bar.update(12)
    bar.close()
    text = out.getvalue()
    assert "01_limpieza.ipynb:  40%" in text and "12/30 celdas" in text
    assert "Executing" not in text and "cell/s" not in text and "it/s" not in text
