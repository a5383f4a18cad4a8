"""One resolver for the small-cell threshold (`config.small_cell_threshold`): the CLI, the
runner, the stage functions and a notebook run by hand in JupyterLab all end in it."""
from __future__ import annotations

import json
import re

import pytest

from pipeline import config


def test_explicit_value_then_environment_then_default(monkeypatch):
    monkeypatch.delenv(config.THRESHOLD_ENV, raising=False)
    assert config.small_cell_threshold() == config.DEFAULT_SMALL_CELL_THRESHOLD == 5
    monkeypatch.setenv(config.THRESHOLD_ENV, "11")
    assert config.small_cell_threshold() == config.small_cell_threshold(None) == config.small_cell_threshold("") == 11
    assert config.small_cell_threshold(3) == config.small_cell_threshold("3") == 3


@pytest.mark.parametrize("bad", ["0", "-2", "cinco", "2.5"])
def test_a_bad_value_is_refused_in_spanish(monkeypatch, bad):
    with pytest.raises(ValueError, match="número entero mayor que 0"):
        config.small_cell_threshold(bad)
    monkeypatch.setenv(config.THRESHOLD_ENV, bad)
    with pytest.raises(ValueError, match=config.THRESHOLD_ENV):
        config.small_cell_threshold()


def test_no_other_default_in_the_code():
    """Only config.py knows the number 5; every other place asks the resolver."""
    hits = []
    for path in sorted((config.PROJ_ROOT / "pipeline").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if path.name != "config.py" and ("DEFAULT_SMALL_CELL_THRESHOLD" in text
                                          or re.search(r"umbral_celdas(_pequenas)?['\"]?\s*(:\s*int\s*)?[=,]\s*5\b", text)):
            hits.append(path.name)
    assert hits == []


def test_the_notebook_leaves_the_threshold_to_the_resolver():
    nb = json.loads((config.NOTEBOOKS_DIR / config.NOTEBOOKS["indicadores"]).read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    assert re.search(r"^umbral_celdas = None\b", "".join(cell["source"]), re.M)


def test_stage_two_in_jupyterlab_honours_the_environment(cleaned, monkeypatch):
    """As a notebook opened by hand calls it: no threshold given, the environment decides, and
    the published JSON says which threshold was applied."""
    from pipeline import stages

    monkeypatch.setenv(config.THRESHOLD_ENV, "7")
    ind = stages.indicators_stage(cleaned, "Coquimbo", None)
    assert ind["umbral_celdas_pequenas"] == 7
    assert json.loads(cleaned.indicadores_json.read_text(encoding="utf-8"))["umbral_celdas_pequenas"] == 7
    assert stages.indicators_stage(cleaned, "Coquimbo", 3)["umbral_celdas_pequenas"] == 3


def test_runner_records_and_passes_the_resolved_value(tmp_path, monkeypatch):
    from pipeline.run import cache, runner

    monkeypatch.setenv(config.THRESHOLD_ENV, "9")
    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")
    job = runner.YearRun(paths, "Coquimbo")
    assert runner.stage_parameters("indicadores", paths, job)["umbral_celdas"] == 9
    assert job.settings().umbral_celdas == 9
    assert "umbral de celdas pequeñas 9" in cache.describe_inputs(paths, job.settings())
    keys9 = cache.stage_keys(paths, job.settings())
    monkeypatch.setenv(config.THRESHOLD_ENV, "4")
    assert cache.stage_keys(paths, job.settings())["indicadores"] != keys9["indicadores"]
