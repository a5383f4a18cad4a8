"""The deck in a real headless Chromium: offline, every slide walked by keyboard, PDF by page.

Chromium is Debian's (/usr/bin/chromium). Without it these tests skip on a workstation and
fail in CI (env CI set), so a CI image that lost its browser cannot pass silently.
"""
import os
from pathlib import Path

import pytest

from pipeline.report import export
from tests.report.test_export import render_deck

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture
def chromium():
    if not CHROMIUM.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"Falta Chromium en {CHROMIUM}: en CI las pruebas de navegador son obligatorias (make chromium).")
        pytest.skip(f"Chromium no está instalado en {CHROMIUM} (make chromium)")
    return CHROMIUM


@pytest.fixture
def browser(chromium):
    # one Playwright per test: export_pdf starts its own, and two sync Playwrights cannot nest
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def deck_2017(tmp_path_factory):
    return render_deck(tmp_path_factory.mktemp("navegador2017"), "indicadores-2017.json")[1]


class Visit:
    """A page opened on the deck with every request recorded and all network refused."""

    def __init__(self, browser, html: Path, viewport=(1280, 720)):
        self.url = html.resolve().as_uri()
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                        else route.abort())
        self.page.goto(self.url)
        self.page.wait_for_function("window.Reveal && Reveal.isReady()")

    def leaving(self) -> list[str]:
        return [u for u in self.requests if not (u.split("#")[0].split("?")[0] == self.url or u.startswith("data:"))]

    def text(self) -> str:
        return self.page.locator(".slides > section.present").inner_text()

    def walk(self, shots: Path) -> list[str]:
        """Every slide by keyboard (ArrowRight and Space in turn); its text, and a screenshot each."""
        shots.mkdir(parents=True, exist_ok=True)
        total = self.page.evaluate("Reveal.getTotalSlides()")
        texts = []
        for n in range(total):
            assert self.page.evaluate("Reveal.getIndices().h") == n
            texts.append(self.text())
            self.page.screenshot(path=str(shots / f"diapositiva-{n + 1:02d}.png"))
            if n < total - 1:
                self.page.keyboard.press("ArrowRight" if n % 2 == 0 else "Space")
                self.page.wait_for_function(f"Reveal.getIndices().h === {n + 1}")
        return texts

    def close(self):
        self.context.close()


def test_deck_walks_offline_with_every_figure_visible(browser, deck_2017, tmp_path):
    visit = Visit(browser, deck_2017)
    try:
        texts = visit.walk(tmp_path / "capturas")
        assert len(texts) == 16
        assert [p.name for p in sorted((tmp_path / "capturas").iterdir())][-1] == "diapositiva-16.png"
        cover, reach, women = texts[0], texts[1], texts[2]
        assert "Balance 2017" in cover and "SERVIU Región de Coquimbo" in cover
        for figure in ("5.971", "3.811", "167", "14 de 15", "un incremento del 40% respecto de 2016"):
            assert figure in reach
        for figure in ("4.476", "74,96%", "70,11%"):
            assert figure in women
        assert any("Plan de Participación Ciudadana 2018" in t for t in texts)
        assert any("55% de 100%" in t for t in texts)  # weighted plan compliance
        # the hostile title is shown as text and ran nothing
        assert any("<script>window.__pwned = 1</script>" in t for t in texts)
        assert visit.page.evaluate("typeof window.__pwned") == "undefined"
        images = visit.page.evaluate(
            "Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.alt.length])"
        )
        assert len(images) == 10 and all(ok and alt > 20 for ok, alt in images)
        assert visit.errors == []
        assert visit.leaving() == []
    finally:
        visit.close()


def test_deck_on_a_phone_has_no_error(browser, deck_2017, tmp_path):
    visit = Visit(browser, deck_2017, viewport=(390, 844))
    try:
        visit.page.screenshot(path=str(tmp_path / "telefono.png"), full_page=False)
        assert "5.971" in visit.page.locator(".slides").inner_text()
        assert visit.errors == [] and visit.leaving() == []
    finally:
        visit.close()


@pytest.mark.parametrize("fixture, slides", [
    ("indicadores-2016-sin-anterior.json", 11),
    ("indicadores-2014-resumen.json", 10),
])
def test_first_year_and_summaries_only_render_without_error(browser, tmp_path, fixture, slides):
    _, html = render_deck(tmp_path, fixture, photo=False, plan=False)
    visit = Visit(browser, html)
    try:
        texts = visit.walk(tmp_path / "capturas")
        assert len(texts) == slides
        assert not any("respecto de" in t for t in texts)
        assert visit.errors == [] and visit.leaving() == []
    finally:
        visit.close()


def test_pdf_has_one_page_per_slide(chromium, deck_2017, tmp_path):
    pdf = export.export_pdf(deck_2017, tmp_path / "balance-2017.pdf")
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
    assert export.pdf_page_count(pdf) == 16
