"""The notebooks as an analyst runs them in JupyterLab (the session's `lab_run`, tests/conftest.py):
no runner, no injected parameters (papermill with the defaults of each `parameters` cell), the
trees moved to temporary folders by BALANCE_RAW_DIR / BALANCE_PROCESSED_DIR / BALANCE_OUT_DIR.
Outputs are staged like the CLI's and only 03's last cell puts them in outputs/<year>/, deck
included."""
import json

import pytest

from pipeline import config
from pipeline.indicators.definitions import indicator_definitions
import pipeline.run.lab

pytestmark = pytest.mark.slow


def _text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.extend(str(v) for v in out.get("data", {}).values())
    return "\n".join(parts)


def test_the_three_notebooks_run_with_their_defaults(lab_run):
    executed = lab_run.executed
    for stage, nb in executed.items():
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert errors == [], stage


def test_outputs_stay_staged_until_the_last_cell_publishes(lab_run):
    base, final, seen = lab_run.base, lab_run.final, lab_run.seen
    # after 02 the published report is still the previous one; 02's work waits in staging
    assert seen["indicadores"]["publicado"] == '{"anterior": true}'
    assert seen["indicadores"]["ocultos"] == [".en-curso-2017-lab"]
    assert seen["balance"]["ocultos"] == []  # published: no staging folder, no lock file left
    ind = json.loads(final.indicadores_json.read_text(encoding="utf-8"))
    assert ind["anio"] == 2017 and ind["region"] == "Coquimbo"
    html = final.balance_html.read_text(encoding="utf-8")
    assert 'class="reveal"' in html and "Balance 2017" in html
    assert final.balance_pdf.read_bytes().startswith(b"%PDF")  # publishing from JupyterLab makes the PDF too
    # the files of the other stages stay; the processed tables followed the environment
    assert (final.out / "calidad-2017.html").read_text(encoding="utf-8") == "reporte anterior"
    assert (base / "processed" / "2017" / "actividades.parquet").exists()
    assert (final.notebooks_out / "03_balance.ipynb").exists()


def test_indicators_notebook_shows_definitions_and_charts(lab_run):
    executed = lab_run.executed
    text = _text(executed["indicadores"])
    definitions = indicator_definitions()
    for key in ("asistencias", "sexo_sin_informacion", "pct_mujeres", "actividades_por_zona",
                "asistencias_por_1000_habitantes", "actividades_por_mes"):
        assert definitions[key] in text, key
    assert text.count("data:image/png;base64,") >= 6


def test_definitions_cover_every_key_of_indicadores_json(lab_run):
    final = lab_run.final
    ind = json.loads(final.indicadores_json.read_text(encoding="utf-8"))
    definitions = indicator_definitions()
    assert [k for k in ind if k not in definitions] == []


def test_under_the_runner_the_publish_cell_does_nothing(tmp_path):
    staged = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o" / ".en-curso-2017-123")
    same = pipeline.run.lab.notebook_paths(2017, "Coquimbo", str(tmp_path / "raw"), str(tmp_path / "p"), str(staged.out_root))
    assert same == staged
    assert pipeline.run.lab.publish(same, "Coquimbo") is None
    assert not (tmp_path / "o" / "2017").exists()


def test_an_explicit_out_dir_is_used_as_given(tmp_path):
    """Scripts and tests that pass `out_dir` write there directly (no staging, no publishing)."""
    paths = pipeline.run.lab.notebook_paths(2017, "Coquimbo", "", str(tmp_path / "p"), str(tmp_path / "o"))
    assert paths == config.paths(2017, "Coquimbo", None, tmp_path / "p", tmp_path / "o")
    assert not (tmp_path / "o").exists()
