"""The deck in a real headless Chromium (tests/conftest.py `browser`, one per module):
offline, every slide walked by keyboard, laid out without overflow at every size. Its PDF is
tested in tests/test_pdf.py."""
import re
from pathlib import Path

import pytest

from pipeline.report import export
from tests.conftest import refuse_network

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def deck_2017(fixture_deck):
    return fixture_deck("indicadores-2017.json")[1]


class Visit:
    """A page opened on the deck with every request recorded and all network refused."""

    def __init__(self, browser, html: Path, viewport=(1280, 720)):
        self.url = html.resolve().as_uri()
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.requests = refuse_network(self.page)
        self.page.goto(self.url)
        self.page.wait_for_function("window.Reveal && Reveal.isReady()")

    def leaving(self) -> list[str]:
        return [u for u in self.requests if not (u.split("#")[0].split("?")[0] == self.url or u.startswith("data:"))]

    def text(self) -> str:
        return self.page.locator(".slides > section.present").inner_text()

    def walk(self) -> list[str]:
        """Every slide by keyboard (ArrowRight and Space in turn); the text of each."""
        total = self.page.evaluate("Reveal.getTotalSlides()")
        texts = []
        for n in range(total):
            assert self.page.evaluate("Reveal.getIndices().h") == n
            texts.append(self.text())
            if n < total - 1:
                self.page.keyboard.press("ArrowRight" if n % 2 == 0 else "Space")
                self.page.wait_for_function(f"Reveal.getIndices().h === {n + 1}")
        return texts

    def close(self):
        self.context.close()


def test_deck_walks_offline_with_every_figure_visible(browser, deck_2017):
    visit = Visit(browser, deck_2017)
    try:
        texts = visit.walk()
        assert len(texts) == 16
        cover, reach, women = texts[0], texts[1], texts[3]   # the trend beside the reach
        assert texts[2].startswith("#SERVIUConstruye con Participación\n\nLas asistencias")
        assert "Balance 2017" in cover and "SERVIU Región de Coquimbo" in cover
        reach, women = reach.replace("\u00a0", " "), women.replace("\u00a0", " ")
        for figure in ("5.971", "3.811", "167", "14 de 15", "un incremento del 40 % respecto de 2016"):
            assert figure in reach
        for figure in ("4.476", "El 75 % de nuestro público fueron mujeres", "70,1 %"):
            assert figure in women
        assert any("Plan de Participación Ciudadana 2018" in t for t in texts)
        assert any(re.search(r"cumplimos \d+ de \d+ compromisos", t) for t in texts)  # the plan, as read
        # the hostile title is shown as text and ran nothing
        assert any("<script>window.__pwned = 1</script>" in t for t in texts)
        assert visit.page.evaluate("typeof window.__pwned") == "undefined"
        images = visit.page.evaluate(
            "Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.alt.length])"
        )
        assert len(images) == 10 and all(ok and alt > 20 for ok, alt in images)  # 8 charts, a map, a photo
        assert visit.errors == []
        assert visit.leaving() == []
    finally:
        visit.close()


def test_deck_on_a_phone_has_no_error(browser, deck_2017):
    visit = Visit(browser, deck_2017, viewport=(390, 844))
    try:
        assert "5.971" in visit.page.locator(".slides").inner_text()
        assert visit.errors == [] and visit.leaving() == []
    finally:
        visit.close()


MAP_JS = """() => {
  const slide = document.querySelector('.reveal .slides').getBoundingClientRect();
  const img = document.querySelector('.slides > section.present img.mapa');
  if (!img) return null;
  const r = img.getBoundingClientRect();
  const k = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);   // object-fit: contain
  return {slide: [slide.left, slide.top, slide.right, slide.bottom, slide.width], box: [r.left, r.top, r.right, r.bottom],
          shown: img.naturalWidth * k, natural: [img.naturalWidth, img.naturalHeight], alt: img.alt};
}"""


@pytest.mark.parametrize("viewport", [(1280, 720), (1920, 1080)], ids=lambda v: f"{v[0]}x{v[1]}")
def test_maps_take_half_the_slide_width_and_name_every_comuna(browser, deck_2017, viewport):
    """Coquimbo is twice as tall as it is wide: its maps lie down (north to the left) so that the
    drawn map is at least half the slide's width, inside the slide, and every comuna is named."""
    from pipeline import reference

    visit = Visit(browser, deck_2017, viewport=viewport)
    try:
        found = []
        for n in range(visit.page.evaluate("Reveal.getTotalSlides()")):
            visit.page.evaluate(f"Reveal.slide({n})")
            info = visit.page.evaluate(MAP_JS)
            if info is None:
                continue
            found.append(n)
            left, top, right, bottom, width = info["slide"]
            assert info["shown"] >= 0.5 * width, (n, info["shown"] / width)
            x0, y0, x1, y1 = info["box"]
            assert left - 2 <= x0 and x1 <= right + 2 and top - 2 <= y0 and y1 <= bottom + 2
            assert info["natural"][0] > 1.5 * info["natural"][1]   # drawn lying down
            assert all(c in info["alt"] for c in reference.comunas_region("Coquimbo")["comuna"])
        assert found   # this fixture has the coverage map (its indicators have no women per comuna)
    finally:
        visit.close()


def test_a_phone_gets_the_maps_upright(browser, deck_2017):
    visit = Visit(browser, deck_2017, viewport=(390, 844))
    try:
        sizes = visit.page.evaluate(
            "Array.from(document.querySelectorAll('img.mapa')).map(i => [i.naturalWidth, i.naturalHeight])")
        assert sizes and all(w < h for w, h in sizes)
    finally:
        visit.close()


@pytest.mark.parametrize("fixture, slides", [
    ("indicadores-2016-sin-anterior.json", 10),   # the rate map and the comunas share a slide
    ("indicadores-2014-resumen.json", 10),
])
def test_first_year_and_summaries_only_render_without_error(browser, fixture_deck, fixture, slides):
    _, html = fixture_deck(fixture, photo=False, plan=False)
    visit = Visit(browser, html)
    try:
        texts = visit.walk()
        assert len(texts) == slides
        assert not any("respecto de" in t for t in texts)
        assert visit.errors == [] and visit.leaving() == []
    finally:
        visit.close()


# ---------------------------------------------------------------- layout (issue 15)

LAYOUT_JS = """(everySlide) => {
  // on a phone reveal.js shows the slides one under the other (scroll view): check them all,
  // each against its own page; otherwise only the present slide, against the 16:9 slide box
  const leaves = Array.from(document.querySelectorAll('.reveal .slides section'))
    .filter(s => !s.querySelector('section'));
  const sections = everySlide ? leaves : [leaves.filter(s => s.classList.contains('present')).pop()];
  const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const name = e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '')
                    + ' «' + (e.innerText || e.alt || '').slice(0, 40) + '»';
  const sel = 'h1, h2, p, li, .kpi-valor, .kpi-etiqueta, .kpi-nota, th, td, img';
  return sections.map(present => {
    const page = present.closest('.scroll-page-content') || document.querySelector('.reveal .slides');
    const slide = page.getBoundingClientRect();
    const all = Array.from(present.querySelectorAll('.diapositiva *')).filter(visible);
    const overflow = all.filter(e => { const [l, t, r, b] = box(e);
      return l < slide.left - 2 || t < slide.top - 2 || r > slide.right + 2 || b > slide.bottom + 2; }).map(name);
    const texts = all.filter(e => e.matches(sel) && !e.querySelector(sel));
    const overlaps = [];
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
      const a = box(texts[i]), b = box(texts[j]);
      const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]), h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
      if (w > 1 && h > 1) overlaps.push(name(texts[i]) + ' / ' + name(texts[j]));
    }
    const charts = Array.from(present.querySelectorAll('img.grafico')).filter(visible)
      .map(e => e.getBoundingClientRect().height / slide.height);
    return {overflow, overlaps, charts, title: (present.querySelector('h2, h1') || {}).innerText || ''};
  });
}"""


def _layout_problems(browser, html: Path, viewport) -> tuple[list[str], list[dict]]:
    visit = Visit(browser, html, viewport=viewport)
    problems, slides = [], []
    try:
        scroll = visit.page.evaluate("Reveal.isScrollView ? Reveal.isScrollView() : false")
        if scroll:
            slides = visit.page.evaluate(LAYOUT_JS, True)
        else:
            for n in range(visit.page.evaluate("Reveal.getTotalSlides()")):
                visit.page.evaluate(f"Reveal.slide({n})")  # no transition: the slide is shown at once
                assert visit.page.evaluate("Reveal.getIndices().h") == n
                slides += visit.page.evaluate(LAYOUT_JS, False)
        for n, info in enumerate(slides):
            where = f"{viewport[0]}×{viewport[1]} diapositiva {n + 1} «{info['title'][:50]}»"
            problems += [f"{where}: se sale {e}" for e in info["overflow"]]
            problems += [f"{where}: se superponen {e}" for e in info["overlaps"]]
            if viewport == (1280, 720):
                problems += [f"{where}: gráfico de solo {h:.0%} del alto" for h in info["charts"] if h < 0.40]
        assert visit.errors == [] and visit.leaving() == []
    finally:
        visit.close()
    return problems, slides


VIEWPORTS = [(1280, 720), (1024, 768), (390, 844)]


@pytest.fixture(scope="module")
def layout_decks(tmp_path_factory, sample_run, lab_run):
    """Decks made by the pipeline itself: the sample's 2017 (with its textos.yml) and its
    summaries-only 2016 (the session's `sample_run`), a tiny year (1 activity, 2 people:
    published from JupyterLab's notebooks, the session's `lab_run`) and a 15-year trend."""
    import json

    import papermill as pm

    from pipeline import config

    assert sample_run.result.returncode == 0, sample_run.result.stderr[-3000:]
    base = tmp_path_factory.mktemp("diseno")
    decks = {f"muestra-{year}": sample_run.year(year) for year in (2016, 2017)}
    decks["pequeno"] = lab_run.final
    # 15 years: the sample's 2017 indicators with a trend of 15 rows, deck made by notebook 03
    # (reading the shared run's raw and processed folders, writing only in its own)
    ind = json.loads(decks["muestra-2017"].indicadores_json.read_text(encoding="utf-8"))
    ind["tendencia"] = [{"anio": 2003 + i, "asistencias": 2100 + 271 * i, "actividades": 90 + 7 * i,
                         "pct_mujeres": 70 + (i % 4), "comunas_alcanzadas": min(15, 9 + i // 2)} for i in range(15)]
    shared = sample_run.paths
    long_ = config.paths(2017, "Coquimbo", shared.raw_root, shared.processed_root, base / "quince")
    long_.out.mkdir(parents=True)
    long_.indicadores_json.write_text(json.dumps(ind, ensure_ascii=False), encoding="utf-8")
    executed = base / "quince.ipynb"
    pm.execute_notebook(str(config.NOTEBOOKS_DIR / config.NOTEBOOKS["balance"]), str(executed),
                        kernel_name="python3", progress_bar=False,
                        parameters={"anio": 2017, "raw_dir": str(shared.raw_root), "out_dir": str(base / "quince"),
                                    "processed_dir": str(shared.processed_root)})
    export.export_slides(executed, long_.balance_html)
    decks["quince-anios"] = long_
    return {name: p.balance_html for name, p in decks.items()}


@pytest.mark.parametrize("deck", ["muestra-2017", "muestra-2016", "pequeno", "quince-anios"])
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
def test_layout_fills_the_slide_without_overflow_or_overlap(browser, layout_decks, deck, viewport):
    problems, slides = _layout_problems(browser, layout_decks[deck], viewport)
    assert problems == []
    assert len(slides) >= 8


def test_sample_deck_speaks_in_the_offices_words(browser, layout_decks):
    visit = Visit(browser, layout_decks["muestra-2017"])
    try:
        texts = visit.walk()
        joined = "\n".join(texts).replace("\u00a0", " ")
        for hashtag in ("#SERVIUConstruye con Participación", "#SERVIUConstruye con las Mujeres",
                        "#SERVIUConstruye con las Provincias", "#SERVIUConstruye con Organizaciones"):
            assert hashtag in joined
        assert re.search(r"El \d+(,\d)? % de nuestro público fueron mujeres", joined)
        assert "instalando el enfoque de género" in joined  # textos.yml, with its Markdown
        assert "4 Escuelas de Formación de Dirigentes Sociales" in joined  # textos.yml achievements
        assert "Oficina de Participación Ciudadana" in texts[-1]  # closing slide
        assert any("Mujeres por provincia" in t or "provincias" in t and "mujeres" in t for t in texts)
        assert any("comunas con cifras publicables" in t for t in texts)
        assert sum(1 for t in texts if "habitantes" in t and "Mapa" not in t) >= 1
        maps = visit.page.evaluate("Array.from(document.querySelectorAll('img.mapa')).map(i => i.alt)")
        assert len(maps) == 2 and all(alt.startswith("Mapa") for alt in maps)
        assert not re.search(r"\d%", joined)  # one format: a space before every percent sign
        assert visit.errors == [] and visit.leaving() == []
    finally:
        visit.close()
