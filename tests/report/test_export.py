"""Export: the deck notebook run by papermill on fixtures, exported offline; document and PDF."""
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from PIL import Image

from pipeline.indicators.plan import load_plan, plan_records
from pipeline import config
from pipeline.report import export

FIXTURES = Path(__file__).parents[1] / "fixtures" / "deck"
NOTEBOOK = config.NOTEBOOKS_DIR / config.NOTEBOOKS["balance"]


class _Fetches(HTMLParser):
    """Every URL the page would fetch: src/href attributes and url()/@import in <style>."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self._in_style = tag == "style"
        for name, value in attrs:
            if tag == "a" and name == "href" and re.fullmatch(r"lectura-\d{4}\.html", value or ""):
                continue  # a link the reader may follow to the phone version beside it, not a fetch
            if name in {"src", "href", "poster", "srcset"} and value and not value.startswith(("data:", "#")):
                self.urls.append(value)

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += re.findall(r"@import[^;]*", data)
            self.urls += [u for u in re.findall(r"url\(\s*['\"]?([^'\")]*)", data) if not u.startswith("data:")]


def external_urls(html: str) -> list[str]:
    parser = _Fetches()
    parser.feed(html)
    return parser.urls


def render_deck(root: Path, fixture: str, *, photo: bool = True, plan: bool = True) -> tuple[Path, Path]:
    """Run 03_balance.ipynb on one indicadores.json fixture under `root`; return (executed nb, deck html)."""
    ind = json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))
    year = ind["anio"]
    raw, out = root / "raw", root / "out"
    (out / str(year)).mkdir(parents=True, exist_ok=True)
    (raw / str(year)).mkdir(parents=True, exist_ok=True)
    if photo:
        Image.new("RGB", (1600, 1000), (0, 114, 178)).save(raw / str(year) / "escuela.jpg", quality=85)
    if plan:  # next year's plan reaches the deck as the indicators stage writes it
        yml = raw / str(year) / f"plan-{year + 1}.yml"
        yml.write_text(
            f"anio: {year + 1}\ntitulo: Plan de Participación Ciudadana {year + 1}\ncompromisos:\n"
            "  - nombre: Escuelas de Formación de Dirigentes Sociales\n    meta: 8\n    ponderacion: 40\n"
            "  - nombre: Consultas Ciudadanas Virtuales\n    meta: 3\n    ponderacion: 60\n",
            encoding="utf-8",
        )
        siguiente = load_plan(yml, ind["region"], year + 1)
        ind["plan_siguiente"] = {"anio": year + 1, "titulo": siguiente.title,
                                 "compromisos": plan_records(siguiente)}
    (out / str(year) / "indicadores.json").write_text(json.dumps(ind, ensure_ascii=False), encoding="utf-8")
    executed = root / "03_balance.ipynb"
    pm.execute_notebook(
        str(NOTEBOOK), str(executed), kernel_name="python3", progress_bar=False,
        parameters={"anio": year, "raw_dir": str(raw), "processed_dir": str(root / "processed"), "out_dir": str(out)},
    )
    html = export.export_slides(executed, root / f"balance-{year}.html")
    return executed, html


def sections(html: str) -> int:
    """Slides of the deck (nbconvert nests each slide's <section> inside a stack <section>)."""
    return html.count("</section></section>")


@pytest.fixture(scope="module")
def deck_2017(fixture_deck):
    return fixture_deck("indicadores-2017.json")


def test_committed_notebook_has_no_outputs_and_a_parameters_cell():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert "def " not in "".join(c.source for c in nb.cells) and "class " not in "".join(c.source for c in nb.cells)


@pytest.mark.slow  # runs 03_balance with papermill
def test_deck_is_self_contained_and_hides_code(deck_2017):
    _, path = deck_2017
    html = path.read_text(encoding="utf-8")
    assert external_urls(html) == []
    assert "require.js" not in html and "jquery" not in html.lower() and "MathJax" not in html
    assert "reveal.js 5" in html  # inlined from the installed sphinx-revealjs, not linked
    # code is hidden: neither the parameters nor any source line is in the deck
    for source in ("raw_dir =", "json.loads", "deck.cover", "import json", "injected-parameters"):
        assert source not in html
    assert "&lt;script&gt;window.__pwned" in html and "<script>window.__pwned" not in html


@pytest.mark.slow  # runs 03_balance with papermill
def test_deck_has_one_slide_per_message(deck_2017):
    _, path = deck_2017
    html = path.read_text(encoding="utf-8")
    # an indicadores.json from before gender × territory (no such keys): cover, reach, trend, women,
    # activities by province, the rate map with the comuna bars (one slide), zone, organisations,
    # tipos, líneas, months, 2 highlights, compliance, achievements (drafted from it), next year's
    # plan (the ages are told on the age × sex slide, which such a file cannot have)
    assert sections(html) == 16
    assert "Balance 2017" in html and "SERVIU Región de Coquimbo" in html
    assert "un incremento del 40\u00a0% respecto de 2016" in html
    assert "<strong>8</strong> Escuelas de Formación de Dirigentes Sociales" in html
    assert "Plan de Participación Ciudadana 2018" in html
    assert html.count('src="data:image/jpeg;base64,') == 1  # the highlight's photo


@pytest.mark.slow  # runs 03_balance with papermill
def test_first_year_and_summaries_only_skip_what_they_lack(fixture_deck):
    _, path = fixture_deck("indicadores-2016-sin-anterior.json", photo=False, plan=False)
    html = path.read_text(encoding="utf-8")
    assert "respecto de" not in html and "año anterior" not in html
    assert sections(html) == 10  # the rate map with the comunas; no highlights, compliance, achievements, trend or plan
    _, path = fixture_deck("indicadores-2014-resumen.json", photo=False, plan=False)
    html = path.read_text(encoding="utf-8")
    assert "personas distintas" not in html and "grupo de edad" not in html
    assert sections(html) == 10  # the rate map and the comunas share a slide


@pytest.mark.slow  # runs 03_balance with papermill
def test_missing_indicadores_fails_loudly(tmp_path):
    with pytest.raises(pm.PapermillExecutionError, match="No existe"):
        pm.execute_notebook(
            str(NOTEBOOK), str(tmp_path / "nb.ipynb"), kernel_name="python3", progress_bar=False,
            parameters={"anio": 2017, "raw_dir": str(tmp_path), "processed_dir": str(tmp_path), "out_dir": str(tmp_path)},
        )


def test_cut_slides_drops_empty_cells_and_splits_tagged_ones():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("print('aviso')", outputs=[nbformat.v4.new_output("stream", name="stderr", text="aviso")]),
        nbformat.v4.new_code_cell("loop", metadata={"tags": ["slide-per-output"]}, outputs=[
            nbformat.v4.new_output("display_data", data={"text/html": "<p>uno</p>"}),
            nbformat.v4.new_output("display_data", data={"text/html": "<p>dos</p>"}),
        ]),
    ])
    cut = export.cut_slides(nb)
    assert len(nb.cells) == 3  # the argument is not mutated
    assert [c.outputs[0].data["text/html"] for c in cut.cells] == ["<p>uno</p>", "<p>dos</p>"]
    assert all(c.metadata["slideshow"]["slide_type"] == "slide" for c in cut.cells)


def test_export_document_is_offline_and_escapes(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Informe de calidad 2017"),
        nbformat.v4.new_code_cell("anio = 2017", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import pandas as pd\n"
            "pd.DataFrame({'archivo': ['<script>alert(1)</script>.xlsx'], 'filas': [1200]})"
        ),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src = tmp_path / "calidad.ipynb"
    nbformat.write(nb, src)
    executed = tmp_path / "calidad-ejecutado.ipynb"
    pm.execute_notebook(str(src), str(executed), kernel_name="python3", progress_bar=False, parameters={"anio": 2017})
    out = export.export_document(executed, tmp_path / "calidad-2017.html")
    html = out.read_text(encoding="utf-8")
    assert external_urls(html) == []
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.xlsx" in html and "1200" in html
    assert "import pandas" not in html and "anio = 2017" not in html
    assert "<title>Informe de calidad de datos 2017</title>" in html


def test_missing_notebook_message_is_spanish(tmp_path):
    with pytest.raises(export.ExportError, match="No existe el notebook"):
        export.export_slides(tmp_path / "no.ipynb", tmp_path / "x.html")


def test_pdf_is_none_without_chromium(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "CHROMIUM", tmp_path / "no-chromium")
    assert export.export_pdf(tmp_path / "x.html", tmp_path / "x.pdf") is None
    assert not (tmp_path / "x.pdf").exists()


def test_external_url_detector_catches_what_nbconvert_stock_templates_emit():
    stock = ('<script src="https://unpkg.com/reveal.js"></script><link rel="stylesheet" href="dist/reveal.css">'
             '<style>@import url(./fonts/a.css); b { background: url(x.png) }</style>'
             '<img src="data:image/png;base64,AA"><p>&lt;img src=x&gt;</p>')
    assert external_urls(stock) == ["https://unpkg.com/reveal.js", "dist/reveal.css", "@import url(./fonts/a.css)", "./fonts/a.css", "x.png"]








