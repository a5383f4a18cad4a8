"""Legibility in Chromium (issue 25): the deck on a projector (1280 × 720 and 1920 × 1080) and
its reading version, lectura-<year>.html, on a phone (390 × 844). Every text is 12 px or more as
displayed (reveal's scale included), nothing overlaps, nothing is wider than the phone, and the
reading version asks for nothing outside the file. Screenshots are kept in the test's folder."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import refuse_network
from tests.test_browser import LAYOUT_JS

pytestmark = pytest.mark.browser

MIN_PX = 12
# every visible text node: its element's font size × the scale it is shown at
SIZES_JS = """(scale) => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el) continue;
    const r = el.getBoundingClientRect(), st = getComputedStyle(el);
    if (!r.width || !r.height || st.visibility === 'hidden' || st.display === 'none') continue;
    if (r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth) continue;
    out.push({px: parseFloat(st.fontSize) * scale, text: node.textContent.trim().slice(0, 50)});
  }
  return out;
}"""
# how much of the slide's height its content spans (title to last line), 0–1
FILL_JS = """() => {
  const present = document.querySelector('.slides > section.present .diapositiva');
  if (present.classList.contains('portada')) return 1;   // cover and close: designed around blank space
  const slide = document.querySelector('.reveal .slides').getBoundingClientRect();
  const boxes = Array.from(present.querySelectorAll('h1, h2, p, li, td, img, .kpi'))
    .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0);
  return (Math.max(...boxes.map(r => r.bottom)) - Math.min(...boxes.map(r => r.top))) / slide.height;
}"""
# blocks of one slide (direct children of a slide's content) that overlap each other
OVERLAP_JS = """() => {
  const bad = [];
  for (const slide of document.querySelectorAll('.diapositiva')) {
    const kids = Array.from(slide.children).map(e => [e, e.getBoundingClientRect()]).filter(([e, r]) => r.height > 0);
    for (let i = 0; i < kids.length; i++) for (let j = i + 1; j < kids.length; j++) {
      const a = kids[i][1], b = kids[j][1];
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
        bad.push(kids[i][0].className + ' / ' + kids[j][0].className);
    }
  }
  return bad;
}"""


def sizes_while_scrolling(page) -> list[dict]:
    """The displayed text sizes (`SIZES_JS`) of a page read on a phone, every screenful as the
    reader scrolls."""
    sizes = []
    for y in range(0, page.evaluate("document.documentElement.scrollHeight"), 800):
        page.evaluate(f"window.scrollTo(0, {y})")
        sizes += page.evaluate(SIZES_JS, 1)
    return sizes


@pytest.fixture(scope="module")
def outputs(sample_decks):
    from pipeline import config

    return config.paths(2018, "Coquimbo", sample_decks / "raw", sample_decks / "processed", sample_decks / "outputs")


@pytest.fixture
def page_factory(browser):
    """Pages on the module's browser (tests/conftest.py), every request recorded, the network
    refused; closed with the test."""
    requests: list[str] = []
    pages = []

    def open_(html: Path, viewport):
        page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        pages.append(page)
        refuse_network(page, requests)
        page.goto(html.resolve().as_uri())
        return page

    yield open_, requests
    for page in pages:
        page.close()


@pytest.mark.parametrize("viewport", [(1280, 720), (1920, 1080)], ids=lambda v: f"{v[0]}x{v[1]}")
def test_deck_text_is_at_least_12_px_and_nothing_overlaps(outputs, page_factory, viewport):
    open_, _ = page_factory
    page = open_(outputs.balance_html, viewport)
    page.wait_for_function("window.Reveal && Reveal.isReady()")
    small, overlaps, titles, empty = [], [], [], []
    for n in range(page.evaluate("Reveal.getTotalSlides()")):
        page.evaluate(f"Reveal.slide({n})")
        page.wait_for_function(f"Reveal.getIndices().h === {n}")
        scale = page.evaluate("Reveal.getScale()")
        small += [(n + 1, s["text"], round(s["px"], 1)) for s in page.evaluate(SIZES_JS, scale) if s["px"] < MIN_PX]
        info = page.evaluate(LAYOUT_JS, False)[0]
        overlaps += [(n + 1, o) for o in info["overlaps"]] + [(n + 1, o) for o in info["overflow"]]
        titles.append(info["title"])
        if page.evaluate(FILL_JS) < 0.5:
            empty.append((n + 1, info["title"]))
    assert small == []
    assert overlaps == []
    assert empty == []   # no slide more than half empty
    assert len(titles) == len(set(titles))


def test_reading_version_on_a_phone_is_legible_and_fits(outputs, page_factory):
    from pipeline.report.export import reading_path

    open_, requests = page_factory
    reading = reading_path(outputs.balance_html)
    assert reading.name == "lectura-2018.html" and reading.is_file()
    page = open_(reading, (390, 844))
    page.wait_for_load_state("load")
    sizes = sizes_while_scrolling(page)
    assert sizes and min(s["px"] for s in sizes) >= MIN_PX, [s for s in sizes if s["px"] < MIN_PX][:5]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390   # no sideways scroll
    assert page.evaluate(OVERLAP_JS) == []
    # the charts drawn for the phone are the ones shown, each within the screen's width
    widths = page.evaluate("Array.from(document.querySelectorAll('img.grafico')).map(i => [i.currentSrc.length > 0, "
                           "i.getBoundingClientRect().width])")
    assert widths and all(ok and w <= 390 for ok, w in widths)
    # a plan's estado is on the screen, not beyond a table's sideways scroll
    estados = page.evaluate("Array.from(document.querySelectorAll('td.estado')).map(e => e.getBoundingClientRect().right)")
    assert estados and max(estados) <= 390
    narrow = page.evaluate("Array.from(document.querySelectorAll('picture source')).length")
    assert narrow >= 5
    assert all(u.startswith(("file:", "data:")) for u in requests)
    # the same slides as the deck, in the same order
    deck_titles = page.evaluate("Array.from(document.querySelectorAll('.diapositiva h2')).map(h => h.innerText)")
    assert "Plan de Participación Ciudadana 2018: cumplimos 4 de 6 compromisos" in deck_titles
