"""Both decks printed to PDF by `export.export_pdf` (the stage's own call), one page per slide.

A module of their own: `export_pdf` starts a Playwright of its own, which cannot run while the
browser the other browser modules share (tests/conftest.py `browser`) is open."""
import pytest

from pipeline.report import export
from tests.report.test_national import national_deck  # noqa: F401  (the shared fixture)

pytestmark = pytest.mark.browser


def test_regional_deck_has_one_page_per_slide(chromium, fixture_deck, tmp_path):
    deck = fixture_deck("indicadores-2017.json")[1]
    pdf = export.export_pdf(deck, tmp_path / "balance-2017.pdf")
    assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
    assert export.pdf_page_count(pdf) == 16


def test_national_deck_has_one_page_per_slide(chromium, national_deck, tmp_path):  # noqa: F811
    pdf = export.export_pdf(national_deck, tmp_path / "balance-nacional-2018.pdf")
    assert pdf is not None and export.pdf_page_count(pdf) == 12
