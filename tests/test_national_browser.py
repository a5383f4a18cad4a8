"""The national deck in a real headless Chromium (issue 26), held to the regional deck's tests:
offline, walked by keyboard, laid out without overflow or overlap at 1280 × 720 and 1920 × 1080
(every text 12 px or more as displayed, no slide half empty, no title twice), its phone reading
legible, each region's name a working link to its own deck, and every number on a slide
traced to `indicadores-nacional.json`. Its PDF is tested in tests/test_pdf.py.

The deck is built once per test run from the fixture JSON (`tests/report/test_national.py`).
"""
from __future__ import annotations

import json
import re

import pytest

from pipeline.report import export, national
from pipeline.report.formats import fmt_int, fmt_num, fmt_pct, fmt_rate, share
from tests.report.test_national import national_deck  # noqa: F401  (the shared fixture)
from tests.test_browser import LAYOUT_JS, Visit, _layout_problems
from tests.conftest import refuse_network
from tests.test_reading import FILL_JS, MIN_PX, OVERLAP_JS, SIZES_JS, sizes_while_scrolling

pytestmark = pytest.mark.browser

NUMBER = re.compile(r"(?<![\w/-])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?:\u00a0%)?|(?<![\w/-])\d+(?:,\d+)?(?:\u00a0%)?")


@pytest.fixture
def deck(national_deck, chromium):  # noqa: F811
    return national_deck


@pytest.fixture
def nac(deck) -> dict:
    return json.loads((deck.parent / national.JSON_NAME).read_text(encoding="utf-8"))


def test_walks_offline_with_every_map_and_chart_shown(browser, deck, nac):
    visit = Visit(browser, deck)
    try:
        texts = visit.walk()
        assert len(texts) == 12
        assert "Balance nacional 2018" in texts[0]
        change = f"un incremento del {fmt_pct(nac['variacion_asistencias_pct'])} respecto de 2017"
        assert fmt_int(nac["asistencias"]) in texts[1] and change in texts[1]
        images = visit.page.evaluate(
            "Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.alt, i.className])")
        assert len(images) == 9 and all(ok and len(alt) > 40 for ok, alt, _ in images)
        maps = [alt for _, alt, css in images if "mapa" in css]
        assert len(maps) == 2 and all(alt.startswith("Mapa de Chile por región") for alt in maps)
        assert visit.errors == [] and visit.leaving() == []
    finally:
        visit.close()


@pytest.mark.parametrize("viewport", [(1280, 720), (1920, 1080)], ids=lambda v: f"{v[0]}x{v[1]}")
def test_layout_fills_each_slide_without_overflow_or_overlap(browser, deck, viewport):
    problems, slides = _layout_problems(browser, deck, viewport)
    assert problems == []
    assert len(slides) == 12


@pytest.mark.parametrize("viewport", [(1280, 720), (1920, 1080)], ids=lambda v: f"{v[0]}x{v[1]}")
def test_text_is_at_least_12_px_and_no_slide_is_half_empty(browser, deck, viewport):
    visit = Visit(browser, deck, viewport=viewport)
    small, empty, titles = [], [], []
    try:
        for n in range(visit.page.evaluate("Reveal.getTotalSlides()")):
            visit.page.evaluate(f"Reveal.slide({n})")
            visit.page.wait_for_function(f"Reveal.getIndices().h === {n}")
            scale = visit.page.evaluate("Reveal.getScale()")
            small += [(n + 1, s["text"], round(s["px"], 1)) for s in visit.page.evaluate(SIZES_JS, scale)
                      if s["px"] < MIN_PX]
            info = visit.page.evaluate(LAYOUT_JS, False)[0]
            titles.append(info["title"])
            if visit.page.evaluate(FILL_JS) < 0.5:
                empty.append((n + 1, info["title"]))
        assert visit.errors == [] and visit.leaving() == []
    finally:
        visit.close()
    assert small == []
    assert empty == []
    assert len(titles) == len(set(titles))


def test_phone_reading_is_legible_and_fits(browser, deck):
    reading = export.reading_path(deck)
    assert reading.name == "lectura-nacional-2018.html"
    page = browser.new_page(viewport={"width": 390, "height": 844})
    requests = refuse_network(page)
    page.goto(reading.resolve().as_uri())
    page.wait_for_load_state("load")
    sizes = sizes_while_scrolling(page)
    assert sizes and min(s["px"] for s in sizes) >= MIN_PX, [s for s in sizes if s["px"] < MIN_PX][:5]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate(OVERLAP_JS) == []
    assert page.evaluate("Array.from(document.querySelectorAll('picture source')).length") >= 6
    assert all(u.startswith(("file:", "data:")) for u in requests)
    page.close()


def test_a_regions_name_opens_its_own_deck(browser, deck, nac):
    outputs = deck.parent.parent.parent   # outputs/<año>/nacional/ → outputs/
    for region in nac["regiones"]:
        if region["balance"]:
            target = (deck.parent / region["balance"]).resolve()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"<meta charset=\"utf-8\"><title>{region['region']}</title>", encoding="utf-8")
    assert (outputs / "2018" / "balance-2018.html").is_file()   # Coquimbo, the default region's folder
    visit = Visit(browser, deck)
    try:
        visit.page.evaluate("Reveal.slide(Reveal.getTotalSlides() - 1)")
        visit.page.get_by_role("link", name="Valparaíso").click()
        visit.page.wait_for_load_state("load")
        assert visit.page.url == (outputs / "regiones" / "valparaiso" / "2018" / "balance-2018.html").as_uri()
        assert visit.page.title() == "Valparaíso"
    finally:
        visit.close()


# ---------------------------------------------------------------- every number traced to the JSON

def _formats(value: float) -> set[str]:
    out = {fmt_int(value), fmt_num(value, 2), fmt_num(value, 1), fmt_pct(value), fmt_rate(value)}
    if float(value).is_integer():
        out.add(str(int(value)))
    return out


def traced(nac: dict) -> set[str]:
    """The figures the national deck may show: every number of the JSON (the country's and each
    region's), the shares the slides state (a region's attendances of the country's, its comunas
    reached of its comunas, the country's comunas reached, a kind of activity or organisation
    of the country's), the year and the one before, the sixteen regions and the rates' unit."""
    allowed: set[str] = set()

    def walk(node):
        if isinstance(node, bool) or node is None:
            return
        if isinstance(node, (int, float)):
            allowed.update(_formats(node))
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(nac)
    allowed.update(fmt_int(len(v)) for v in nac.values() if isinstance(v, list))   # «las 7 regiones»…
    for key in ("actividades_por_tipo_actividad", "actividades_por_tipo_organizacion"):
        counts = nac[key]
        for v in counts.values():
            allowed.update(_formats(share(v, sum(counts.values()))))
    allowed.update(_formats(share(nac["comunas_alcanzadas"], nac["comunas_pais"])))
    for r in nac["regiones"]:
        if r["asistencias"] is not None:
            allowed.update(_formats(share(r["asistencias"], nac["asistencias"])))
            allowed.update(_formats(share(r["comunas_alcanzadas"], r["comunas_region"])))
    allowed.update({str(nac["anio"]), str(nac["anio"] - 1), fmt_int(len(nac["regiones"])), "1.000"})
    return allowed


def test_every_number_on_a_slide_is_traced_to_the_json(browser, deck, nac):
    allowed = traced(nac)
    visit = Visit(browser, deck)
    untraced = {}
    try:
        for n in range(visit.page.evaluate("Reveal.getTotalSlides()")):
            visit.page.evaluate(f"Reveal.slide({n})")
            visit.page.wait_for_function(f"Reveal.getIndices().h === {n}")
            text = re.sub(r"\b\d+ / \d+\b", "", visit.text())   # reveal's slide number
            found = set(NUMBER.findall(text))
            missing = sorted(f for f in found if f not in allowed and f.replace("\u00a0%", "") not in
                             {a.replace("\u00a0%", "") for a in allowed})
            if missing:
                untraced[n + 1] = missing
            assert found or n == 0 or n == 11, f"diapositiva {n + 1} sin cifras"
    finally:
        visit.close()
    assert untraced == {}
    # and a figure that is not in the JSON would be caught
    assert fmt_int(nac["asistencias"] + 1) not in allowed and fmt_pct(99.9) not in allowed
