"""The notebooks as an analyst runs them in JupyterLab: no runner, no injected parameters
(papermill with the defaults of each `parameters` cell), the trees moved to temporary
folders by BALANCE_RAW_DIR / BALANCE_PROCESSED_DIR / BALANCE_OUT_DIR. Outputs are staged
like the CLI's and only 03's last cell puts them in outputs/<year>/, deck included."""
import json

import nbformat
import papermill as pm
import pytest

from pipeline import config
from pipeline.indicators.definitions import indicator_definitions
import pipeline.run.lab
from tests.conftest import TEST_KEY, small_years

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def lab(tmp_path_factory, monkeypatch_module):
    """The three notebooks run one after another with their defaults (year 2017, its previous
    year 2016: `small_years`), over a previous good report that must stay in place until the
    last cell publishes."""
    base = tmp_path_factory.mktemp("lab")
    small_years(base / "raw")
    for var, sub in (("BALANCE_RAW_DIR", "raw"), ("BALANCE_PROCESSED_DIR", "processed"), ("BALANCE_OUT_DIR", "outputs")):
        monkeypatch_module.setenv(var, str(base / sub))
    monkeypatch_module.setenv("BALANCE_CLAVE", TEST_KEY)
    final = config.paths(2017)
    final.out.mkdir(parents=True)
    final.indicadores_json.write_text('{"anterior": true}', encoding="utf-8")
    (final.out / "calidad-2017.html").write_text("reporte anterior", encoding="utf-8")
    executed, seen = {}, {}
    for stage, name in config.NOTEBOOKS.items():
        target = base / "ejecutados" / name
        target.parent.mkdir(exist_ok=True)
        pm.execute_notebook(str(config.NOTEBOOKS_DIR / name), str(target), kernel_name="python3",
                            cwd=str(config.NOTEBOOKS_DIR), progress_bar=False)
        executed[stage] = nbformat.read(target, as_version=4)
        seen[stage] = {
            "publicado": final.indicadores_json.read_text(encoding="utf-8"),
            "ocultos": sorted(p.name for p in final.out_root.iterdir() if p.name.startswith(".")),
        }
    return base, final, executed, seen


def _text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.extend(str(v) for v in out.get("data", {}).values())
    return "\n".join(parts)


def test_the_three_notebooks_run_with_their_defaults(lab):
    _, _, executed, _ = lab
    for stage, nb in executed.items():
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert errors == [], stage


def test_outputs_stay_staged_until_the_last_cell_publishes(lab):
    base, final, _, seen = lab
    # after 02 the published report is still the previous one; 02's work waits in staging
    assert seen["indicadores"]["publicado"] == '{"anterior": true}'
    assert seen["indicadores"]["ocultos"] == [".en-curso-2017-lab"]
    assert seen["balance"]["ocultos"] == []  # published: no staging folder, no lock file left
    ind = json.loads(final.indicadores_json.read_text(encoding="utf-8"))
    assert ind["anio"] == 2017 and ind["region"] == "Coquimbo"
    html = final.balance_html.read_text(encoding="utf-8")
    assert 'class="reveal"' in html and "Balance 2017" in html
    # the files of the other stages stay; the processed tables followed the environment
    assert (final.out / "calidad-2017.html").read_text(encoding="utf-8") == "reporte anterior"
    assert (base / "processed" / "2017" / "actividades.parquet").exists()
    assert (final.notebooks_out / "03_balance.ipynb").exists()


def test_indicators_notebook_shows_definitions_and_charts(lab):
    _, _, executed, _ = lab
    text = _text(executed["indicadores"])
    definitions = indicator_definitions()
    for key in ("asistencias", "sexo_sin_informacion", "pct_mujeres", "actividades_por_zona",
                "asistencias_por_1000_habitantes", "actividades_por_mes"):
        assert definitions[key] in text, key
    assert text.count("data:image/png;base64,") >= 6


def test_definitions_cover_every_key_of_indicadores_json(lab):
    _, final, _, _ = lab
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
