"""Multi-year trends: hand-computed frame, a year missing in the middle, the offline HTML page."""
import base64
import json
import math
import re

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from pipeline.indicators import trends
from pipeline.report import trends_page
from pipeline.report.formats import fmt_signed_pct

# Three years with logs; 2017 has none. 2016's own variation is against 2015, which is not given.
IND = {
    2018: {"anio": 2018, "asistencias": 5971, "actividades": 80, "pct_mujeres": 74.96,
           "comunas_alcanzadas": 15, "variacion_asistencias_pct": None},
    2016: {"anio": 2016, "asistencias": 4000, "actividades": 50, "pct_mujeres": 60.5,
           "comunas_alcanzadas": 12, "variacion_asistencias_pct": 12.5},
    2019: {"anio": 2019, "asistencias": 5000, "actividades": 70, "pct_mujeres": None,
           "comunas_alcanzadas": 14, "variacion_asistencias_pct": -16.26},
}

EXPECTED = pd.DataFrame({
    "anio": [2016, 2018, 2019],
    "asistencias": [4000, 5971, 5000],
    "actividades": [50, 80, 70],
    "pct_mujeres": [60.5, 74.96, math.nan],
    "comunas_alcanzadas": [12, 15, 14],
    # 2016: its own figure; 2018: 2017 has no logs → null, never against 2016; 2019: 5000 / 5971 − 1 = −16.26 %
    "variacion_asistencias_pct": [12.5, math.nan, -16.26],
})


def test_trend_frame_by_hand():
    assert_frame_equal(trends.trend_frame(IND), EXPECTED)


def test_trend_frame_computes_variation_from_the_previous_year():
    ind = {2020: {**IND[2019], "anio": 2020, "asistencias": 6000, "variacion_asistencias_pct": None}, 2019: IND[2019]}
    # (6000 / 5000 − 1) × 100 = 20.0, although 2020's own figure is missing
    assert trends.trend_frame(ind)["variacion_asistencias_pct"].tolist() == [-16.26, 20.0]


def test_trend_frame_accepts_json_keys_and_does_not_mutate():
    ind = {str(k): dict(v) for k, v in IND.items()}   # keys as read back from JSON
    before = json.dumps(ind, sort_keys=True)
    assert_frame_equal(trends.trend_frame(ind), EXPECTED)
    assert json.dumps(ind, sort_keys=True) == before


def test_trend_frame_errors_are_spanish():
    with pytest.raises(ValueError, match="No hay años con registros"):
        trends.trend_frame({})
    with pytest.raises(ValueError, match="año 2018 no tienen la clave 'comunas_alcanzadas'"):
        trends.trend_frame({2018: {"asistencias": 1, "actividades": 1, "pct_mujeres": 50.0}})


def test_trend_records_and_missing_years():
    df = trends.trend_frame(IND)
    records = trends.trend_records(df)
    assert json.loads(json.dumps(records)) == records
    assert records[1] == {"anio": 2018, "asistencias": 5971, "actividades": 80, "pct_mujeres": 74.96,
                          "comunas_alcanzadas": 15, "variacion_asistencias_pct": None}
    assert records[2]["pct_mujeres"] is None
    assert trends.missing_years(df) == [2017]


@pytest.mark.parametrize(
    "value, text", [(-16.26, "-16,3\u00a0%"), (3.1, "+3,1\u00a0%"), (0.0, "0\u00a0%"), (math.nan, "—"), (None, "—")]
)
def test_variation_is_signed_in_chilean_format(value, text):
    assert fmt_signed_pct(value) == text


def test_trend_figure_leaves_a_gap_for_a_missing_year():
    fig = trends_page.trend_figure(trends.trend_frame(IND))
    line = fig.axes[0].get_lines()[0]
    assert list(line.get_xdata()) == [2016, 2017, 2018, 2019]
    assert math.isnan(line.get_ydata()[1])   # matplotlib breaks the line at NaN
    assert [ax.get_title(loc="left") for ax in fig.axes] == [
        "Asistencias", "Actividades", "Mujeres (% de asistencias)", "Comunas alcanzadas"]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    return trends_page.write_trends(IND, out, "04")


def test_write_trends_json(written):
    json_path, _ = written
    assert json_path.name == "tendencias.json"
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["region"] == "Coquimbo" and data["region_nombre_completo"] == "Región de Coquimbo"
    assert data["anios"] == [2016, 2018, 2019] and data["anios_sin_registros"] == [2017]
    assert data["tendencia"] == trends.trend_records(EXPECTED)


def test_write_trends_html_is_self_contained(written):
    _, html_path = written
    html = html_path.read_text(encoding="utf-8")
    assert html_path.name == "tendencias.html"
    assert not re.search(r"(src|href)\s*=\s*[\"'](?!data:)", html)   # nothing loaded from elsewhere
    assert "http://" not in html and "https://" not in html
    png = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html).group(1)
    assert base64.b64decode(png).startswith(b"\x89PNG\r\n\x1a\n")
    assert "Región de Coquimbo · 2016–2019" in html
    row = re.search(r"<tr><td>2019</td>(.*?)</tr>", html).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == ["5.000", "-16,3\u00a0%", "70", "—", "14"]
    assert '<td class="num">5.971</td>' in html and "75\u00a0%" in html
    assert "Sin registros: 2017." in html


def test_html_escapes_text(monkeypatch):
    # The region name comes from reference data; force a hostile one to prove autoescape is on.
    from pipeline import reference
    real = reference.region("Coquimbo")
    monkeypatch.setattr(trends_page.reference, "region", lambda _v: reference.Region(
        real.cut, real.nombre, "<script>alert(1)</script>", real.numeral))
    html = trends_page.render_trends_html(EXPECTED, "Coquimbo")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.fixture(scope="module")
def page(browser):
    page = browser.new_page()
    yield page
    page.close()


@pytest.mark.browser
def test_trends_page_in_chromium_makes_no_request(page, written):
    _, html_path = written
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(html_path.as_uri())
    page.wait_for_load_state("load")
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []
    assert page.eval_on_selector("#grafico", "img => img.complete && img.naturalWidth") == 1000
    assert page.locator("#tendencia tbody tr").count() == 3
    assert page.inner_text("#sin-registros") == "Sin registros: 2017."


@pytest.mark.browser
def test_plan_names_never_run_as_script(page, tmp_path):
    # The real path of a plan name: YAML → plan.compliance_records → the deck's compliance slide.
    from pipeline.report import slides
    from pipeline.indicators import plan
    from tests.indicators.test_plan import ACT, PLAN_2018

    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    records = plan.compliance_records(plan.compliance(plan.load_plan(PLAN_2018, "Coquimbo"), ACT))
    doc = tmp_path / "plan.html"
    doc.write_text(f"<!DOCTYPE html><html><body>{slides.compliance_slide(records, 2018)}</body></html>", encoding="utf-8")
    page.goto(doc.as_uri())
    page.wait_for_load_state("load")
    assert dialogs == []
    assert page.locator("td", has_text="Consultas ciudadanas").inner_text() == (
        "Consultas ciudadanas <script>alert(1)</script>")
