"""One story a director can present without a correction (issue 25), checked on the rendered deck.

The sample years 2017 and 2018 are run with the real CLI into temporary folders; each deck is
opened in headless Chromium and every slide's text read from the DOM. Then:

- every number on a slide is traced to `indicadores.json`: a value of it in the deck's format,
  a share of one of its count tables (over all, or over the known values: «con edad
  registrada»), a count of plan commitments, a figure inside one of its texts (a commitment's
  name, a date), or the office's own words (`textos.yml`);
- the same quantity shows the same value on the deck, in the JSON, the workbook and the plan
  page (attendances, women's share, every commitment's estado);
- «N mujeres» is never said of attendances; no slide title repeats; no internal code (matching
  rules, ISO dates) reaches the public;
- the year whose text contradicts the data (2017: «4 Escuelas», «Más de 150 actividades de
  difusión») is reported to the analyst with both figures, in its quality report (file, line,
  key, what it says, what the data counts, what to do); 2018's says none differs.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline import config
from pipeline.report import plan_slides
from pipeline.report.formats import fmt_int, fmt_num, fmt_pct, fmt_rate, share
from tests.conftest import refuse_network

pytestmark = pytest.mark.browser

RAW = config.SAMPLE_DIR  # the synthetic sample (data/muestra): the office texts these decks show
NUMBER = re.compile(r"(?<![\w/-])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?:\u00a0%)?|(?<![\w/-])\d+(?:,\d+)?(?:\u00a0%)?")


@pytest.fixture(scope="module")
def years(sample_decks, browser):
    base, raw = sample_decks, sample_decks / "raw"
    out = {}
    for year in (2017, 2018):
        paths = config.paths(year, "Coquimbo", raw, base / "processed", base / "outputs")
        out[year] = (paths, json.loads(paths.indicadores_json.read_text(encoding="utf-8")), _slides(browser, paths.balance_html))
    return out


def _slides(browser, html: Path) -> list[dict]:
    """Each slide's title and text as Chromium renders them (1280 × 720)."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        refuse_network(page)
        page.goto(html.resolve().as_uri())
        page.wait_for_function("window.Reveal && Reveal.isReady()")
        slides = []
        for i in range(page.evaluate("Reveal.getTotalSlides()")):
            page.evaluate(f"Reveal.slide({i})")
            page.wait_for_function(f"Reveal.getIndices().h === {i}")
            present = page.locator(".slides > section.present")
            title = present.locator("h2, h1").first
            slides.append({"n": i + 1, "text": present.inner_text(),
                           "title": title.inner_text() if title.count() else ""})
    finally:
        page.close()
    return slides


# ---------------------------------------------------------------- what a number may be

def _formats(value: float) -> set[str]:
    out = {fmt_int(value), fmt_num(value, 2), fmt_num(value, 1), fmt_pct(value), fmt_pct(value, 2), fmt_rate(value)}
    if float(value).is_integer():
        out.add(str(int(value)))   # a year (2016) is written without a thousands point
    return out | {s.replace("\u00a0%", "") for s in out}


def _numbers_in(text: str) -> set[str]:
    return {m.replace("\u00a0%", "") for m in NUMBER.findall(text)} | set(NUMBER.findall(text))


def traced(ind: dict, office_text: str) -> set[str]:
    """Every figure the deck may show: the JSON's values, shares of its count tables, plan
    counts, figures inside its texts and keys, and the office's words."""
    allowed: set[str] = set()

    def counts(table: dict) -> None:
        nums = {k: v for k, v in table.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
        if len(nums) < 2:
            return
        known = {k: v for k, v in nums.items() if k != "Sin información"}
        for total in {sum(nums.values()), sum(known.values())}:
            allowed.update(_formats(total))
            for v in nums.values():
                if total:
                    allowed.update(_formats(share(v, total)))

    def walk(node) -> None:
        if isinstance(node, bool) or node is None:
            return
        if isinstance(node, (int, float)):
            allowed.update(_formats(node))
        elif isinstance(node, str):
            allowed.update(_numbers_in(node))
            allowed.update(re.findall(r"\d+", node))   # days, months and years of dates
        elif isinstance(node, dict):
            for k, v in node.items():
                allowed.update(_numbers_in(str(k)))
                walk(v)
            counts(node)
            subs = [v for v in node.values() if isinstance(v, dict)]
            for key in {k for s in subs for k in s}:   # a table of tables: each column's shares
                counts({k: v.get(key) for k, v in node.items() if isinstance(v, dict)})
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(ind)
    for plan in ind.get("planes") or []:
        done, total = plan_slides.fulfilled(plan)
        allowed.update({fmt_int(done), fmt_int(total), fmt_num(sum(c["ponderacion"] for c in plan["compromisos"]), 2)})
    nxt = (ind.get("plan_siguiente") or {}).get("compromisos") or []
    allowed.add(fmt_int(len(nxt)))
    year = ind["anio"]
    allowed.update({str(year - 1), str(year), str(year + 1)})
    allowed.update(_numbers_in(office_text))
    allowed.add("1.000")   # the unit of the rates: «por 1.000 habitantes»
    return allowed


def _office_text(year: int) -> str:
    path = RAW / str(year) / "textos.yml"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


# ---------------------------------------------------------------- the tests

@pytest.mark.parametrize("year", [2017, 2018])
def test_every_number_on_a_slide_is_traced_to_the_indicators(years, year):
    _, ind, slides = years[year]
    allowed = traced(ind, _office_text(year))
    untraced = {}
    for s in slides:
        text = re.sub(r"\b\d+ / \d+\b", "", s["text"])   # reveal's slide number
        missing = sorted({n for n in NUMBER.findall(text)} - allowed - {n.replace("\u00a0%", "") for n in allowed})
        if missing:
            untraced[f"{s['n']}: {s['title']}"] = missing
    assert untraced == {}


@pytest.mark.parametrize("year", [2017, 2018])
def test_the_same_quantity_shows_the_same_value_everywhere(years, year):
    paths, ind, slides = years[year]
    deck = "\n".join(s["text"] for s in slides)
    # reach: the deck, the JSON and the workbook's summary
    assert f"{fmt_int(ind['asistencias'])}\nasistencias" in deck
    book = load_workbook(paths.indicadores_xlsx, read_only=True)
    trend = {r[0]: r for r in book["Tendencia"].iter_rows(min_row=2, values_only=True)}
    assert trend[year][1] == ind["asistencias"] and round(trend[year][3], 2) == round(ind["pct_mujeres"], 2)
    # the women's share: the women slide, the trend table and the JSON agree, never rounded away
    pct = fmt_pct(ind["pct_mujeres"])
    women = next(s for s in slides if "de nuestro público" in s["title"])
    assert pct in women["title"]
    trend_slide = next((s for s in slides if s["title"].startswith("Las asistencias")), None)
    if trend_slide:
        assert f"{year}\t{fmt_int(ind['asistencias'])}\t{fmt_int(ind['actividades'])}\t{pct}" in trend_slide["text"]
    # «N mujeres» is never said of attendances
    assert not re.search(rf"(?<!\.){re.escape(fmt_int(ind['mujeres']))} mujeres", deck)
    # every commitment: one estado on its slide, the JSON, the workbook and the plan page
    page = paths.plan_html.read_text(encoding="utf-8") if paths.plan_html.is_file() else ""
    pmg_sheet = [r for r in book["Tabla PMG"].iter_rows(min_row=2, values_only=True)] if "Tabla PMG" in book else []
    for plan in ind.get("planes") or []:
        slide = next(s for s in slides if s["title"] == plan_slides.status_title(plan, year))
        lines = slide["text"].splitlines()
        for c in plan["compromisos"]:
            row = next(line for line in lines if line.startswith(c["nombre"] + "\t"))
            cells = row.split("\t")
            assert cells[1:3] == [fmt_num(c["meta"], 2), fmt_num(c["logrado"], 2)]
            assert cells[4].rstrip("*") == c["estado"], (plan["titulo"], c["nombre"])
            assert re.search(rf'data-nombre="{re.escape(c["nombre"])}" data-estado="{c["estado"]}"',
                             page.replace("&#34;", '"')), c["nombre"]
            assert any(r[2] == c["nombre"] and r[5] == c["estado"] for r in pmg_sheet), c["nombre"]
    book.close()


@pytest.mark.parametrize("year", [2017, 2018])
def test_the_story_has_no_repeated_title_and_no_internal_code(years, year):
    _, ind, slides = years[year]
    titles = [s["title"] for s in slides if s["title"]]
    assert len(titles) == len(set(titles)), [t for t in titles if titles.count(t) > 1]
    deck = "\n".join(s["text"] for s in slides)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", deck)          # dates in words
    assert "tipo:" not in deck and "línea:" not in deck   # the matching rules stay with the analyst
    assert "#Cumplimiento del plan" not in deck
    hashtags = [s["text"].splitlines()[0] for s in slides if s["text"].startswith("#")]
    assert all(not re.search(r"#\S+ \S+ #", h) for h in hashtags)
    # the seed's order: reach and trend first, the women's slides together, plans, then achievements
    order = [s["text"].splitlines()[0] for s in slides[1:] if s["text"].startswith("#")]
    mujeres = [i for i, h in enumerate(order) if h == "#SERVIUConstruye con las Mujeres"]
    assert mujeres == list(range(mujeres[0], mujeres[0] + len(mujeres)))
    assert slides[1]["title"].startswith(f"{fmt_int(ind['asistencias'])} asistencias")
    assert slides[2]["title"].startswith("Las asistencias")
    logros = next(i for i, s in enumerate(slides) if s["title"].startswith("Dentro de nuestros logros"))
    assert all(i < logros for i, s in enumerate(slides) if "compromisos" in s["title"] and "Para" not in s["title"])
    # territory shows the activities by province (the seed's «40 % / 40 % / 20 %»)
    assert any("de las actividades" in s["title"] and "concentró" in s["title"] for s in slides)


def _office_section(browser, report: Path) -> tuple[list[dict], str]:
    """The quality report's section «Textos de la oficina que no coinciden con los datos» as
    Chromium shows it: its table's rows (column → cell) and its text."""
    page = browser.new_page()
    try:
        refuse_network(page)
        page.goto(report.resolve().as_uri())
        found = page.evaluate("""() => {
          const h = Array.from(document.querySelectorAll('h2'))
            .find(e => e.innerText.startsWith('Textos de la oficina que no coinciden con los datos'));
          let cell = h.closest('.jp-Cell'), text = '', rows = [];
          for (let i = 0; i < 3 && cell; i++, cell = cell.nextElementSibling) {   // heading, then the section
            text += cell.innerText + '\\n';
            const table = cell.querySelector('table');
            if (table) {
              const head = Array.from(table.querySelectorAll('th')).map(th => th.innerText.trim());
              rows = Array.from(table.querySelectorAll('tbody tr')).map(tr => Object.fromEntries(
                Array.from(tr.querySelectorAll('td')).map((td, k) => [head[k], td.innerText.trim()])));
            }
          }
          return [rows, text];
        }""")
    finally:
        page.close()
    return found[0], found[1]


def test_a_text_that_contradicts_the_data_is_reported_with_both_figures(years, browser):
    """2017's textos.yml says «4 Escuelas» (the data: 8) and «Más de 150 actividades de difusión»
    (the data: 23): the quality report lists both, with the file, line and key, what each says,
    what the data counts and what to do; the deck still shows the office's words."""
    paths, ind, slides = years[2017]
    types = ind["actividades_por_tipo_actividad"]
    assert (types["Escuela de dirigentes"], types["Difusión comunitaria"]) == (8, 23)  # the sample still contradicts
    rows, _ = _office_section(browser, paths.calidad_html)
    shown = {(r["Archivo"], r["Línea"], r["Clave"], r["Dice"], r["Los datos cuentan"].split(" (")[0]) for r in rows}
    assert shown == {("2017/textos.yml", "19", "logros", "4 Escuelas", "8 Escuelas de dirigentes"),
                     ("2017/textos.yml", "20", "logros", "Más de 150 actividades de difusión",
                      "23 actividades de difusión")}
    assert all(r["Frase"] and "corrija 2017/textos.yml, línea " + r["Línea"] in r["Qué hacer"] for r in rows)
    # also in the executed deck notebook (JupyterLab), on the console and in run.log
    executed = next((paths.out / "notebooks").glob("03*.ipynb")).read_text(encoding="utf-8")
    assert "textos.yml, línea 19 (logros): dice «4 Escuelas», pero los datos cuentan 8 Escuelas de dirigentes" \
        in executed
    assert "dice «Más de 150 actividades de difusión», pero los datos cuentan 23" in executed
    assert "2017/textos.yml, línea 19 (logros): dice «4 Escuelas», pero los datos cuentan 8" \
        in paths.run_log.read_text(encoding="utf-8")
    # the deck still shows the office's words
    assert any("4 Escuelas de Formación de Dirigentes Sociales" in s["text"] for s in slides)
    assert "Aviso:" not in "\n".join(s["text"] for s in slides)


def test_a_year_whose_text_agrees_with_the_data_says_so_in_its_quality_report(years, browser):
    paths, ind, _ = years[2018]
    rows, text = _office_section(browser, paths.calidad_html)
    assert rows == [] and "Ninguna cifra de 2018/textos.yml difiere de los datos." in text
