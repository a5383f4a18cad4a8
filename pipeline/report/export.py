"""Export of executed notebooks: offline reveal.js slides, an offline HTML document, a PDF.

nbconvert's stock templates load reveal.js, require.js, jQuery and MathJax from CDNs.
Ours (`pipeline/templates/balance_reveal`, `balance_doc`) inline everything: reveal.js is
read at run time from the installed `sphinx-revealjs` package, never from a copy in the
repository. Cells tagged `parameters` / `injected-parameters` are removed before the
slides are cut, so no blank slide opens the deck; code is never shown.
"""
from __future__ import annotations

from pipeline.errors import ExportError  # noqa: F401  (raised here)

import copy
import importlib.util
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter, SlidesExporter
from traitlets.config import Config


TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
REMOVED_TAGS = {"parameters", "injected-parameters"}
SPLIT_TAG = "slide-per-output"
VISIBLE_OUTPUTS = {"display_data", "execute_result"}
PDF_TIMEOUT_S = 180
SLIDE_SIZE = (1280, 720)


def revealjs_static() -> Path:
    """The `_static` folder of sphinx-revealjs, holding `revealjs/dist/reveal.js`."""
    spec = importlib.util.find_spec("sphinx_revealjs")
    if spec is None or spec.origin is None:
        raise ExportError(
            "Falta el paquete sphinx-revealjs (trae reveal.js para el balance sin conexión). "
            "Ejecute `make venv` para instalarlo."
        )
    static = Path(spec.origin).parent / "_static"
    if not (static / "revealjs" / "dist" / "reveal.js").is_file():
        raise ExportError(f"sphinx-revealjs no trae reveal.js en {static / 'revealjs' / 'dist'}.")
    return static


def _config(hide_code: bool = True) -> Config:
    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVED_TAGS)
    c.TemplateExporter.exclude_input = hide_code
    c.TemplateExporter.exclude_input_prompt = True
    c.TemplateExporter.exclude_output_prompt = True
    c.HTMLExporter.language_code = "es"
    return c


def _read(executed_nb: Path) -> nbformat.NotebookNode:
    executed_nb = Path(executed_nb)
    if not executed_nb.is_file():
        raise ExportError(f"No existe el notebook ejecutado {executed_nb}.")
    return nbformat.read(executed_nb, as_version=4)


def _title(nb: nbformat.NotebookNode, default: str) -> str:
    params = nb.metadata.get("papermill", {}).get("parameters", {}) or {}
    year = params.get("anio")
    return f"{default} {year}" if year is not None else default


def _write(html: str, html_out: Path) -> Path:
    html_out = Path(html_out)
    html_out.parent.mkdir(parents=True, exist_ok=True)
    tmp = html_out.with_name(html_out.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(html_out)  # never leave a half-written deck behind
    return html_out


def cut_slides(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the deck notebook ready to be cut into slides.

    - stream outputs are dropped, and then a code cell without output (setup, a slide
      skipped for lack of data) is dropped too, so it never makes a blank slide;
    - a cell tagged `slide-per-output` (the highlights: one slide each, however many)
      becomes one slide cell per output.
    """
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            # streams (warnings, prints) stay in the executed notebook, not on a slide
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") in VISIBLE_OUTPUTS]
            if not cell.outputs:
                continue
        if SPLIT_TAG in cell.metadata.get("tags", []):
            for n, output in enumerate(cell.outputs):
                part = copy.deepcopy(cell)
                part.outputs = [output]
                part["id"] = f"{cell.get('id', 'celda')}-{n}"
                part.metadata.setdefault("slideshow", {})["slide_type"] = "slide"
                cells.append(part)
            continue
        cells.append(cell)
    nb.cells = cells
    return nb


def export_slides(executed_nb: Path, html_out: Path) -> Path:
    """Executed deck notebook → one self-contained reveal.js HTML file (16:9, offline)."""
    nb = cut_slides(_read(executed_nb))
    nb.metadata["title"] = nb.metadata.get("title") or _title(nb, "Balance Participación Ciudadana")
    html, _ = _slides_exporter().from_notebook_node(
        nb, resources={"reveal": {"width": SLIDE_SIZE[0], "height": SLIDE_SIZE[1]}})
    return _write(html, html_out)


def export_reading(executed_nb: Path, html_out: Path) -> Path:
    """Executed deck notebook → `lectura-<year>.html`: the same slides one under the other for a
    phone (every text 14 px or more, charts redrawn narrow), one offline file without script."""
    nb = cut_slides(_read(executed_nb))
    nb.metadata["title"] = nb.metadata.get("title") or _title(nb, "Balance Participación Ciudadana")
    exporter = HTMLExporter(config=_config(hide_code=True), template_name="balance_lectura",
                            extra_template_basedirs=[str(TEMPLATES_DIR)],
                            extra_template_paths=[str(revealjs_static())])
    html, _ = exporter.from_notebook_node(nb)
    return _write(html, html_out)


def reading_path(balance_html: Path) -> Path:
    """`lectura-<year>.html` beside `balance-<year>.html`."""
    return Path(balance_html).with_name(Path(balance_html).name.replace("balance-", "lectura-", 1))


def export_document(executed_nb: Path, html_out: Path, hide_code: bool = True) -> Path:
    """Executed notebook → one self-contained HTML document (the quality report), no script."""
    nb = _read(executed_nb)
    nb.metadata["title"] = nb.metadata.get("title") or _title(nb, "Informe de calidad de datos")
    html, _ = _document_exporter(hide_code).from_notebook_node(nb)
    return _write(html, html_out)


def _slides_exporter() -> SlidesExporter:
    exporter = SlidesExporter(
        config=_config(hide_code=True),
        template_name="balance_reveal",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        extra_template_paths=[str(revealjs_static())],
    )
    exporter.reveal_width = str(SLIDE_SIZE[0])
    exporter.reveal_height = str(SLIDE_SIZE[1])
    return exporter


def _document_exporter(hide_code: bool) -> HTMLExporter:
    return HTMLExporter(
        config=_config(hide_code=hide_code),
        template_name="balance_doc",
        extra_template_basedirs=[str(TEMPLATES_DIR)],
    )


def chromium_path() -> Path | None:
    """Debian's Chromium when installed, else None."""
    return CHROMIUM if CHROMIUM.is_file() else None


def export_pdf(html_in: Path, pdf_out: Path) -> Path | None:
    """The deck printed by headless Chromium in reveal.js's print layout, one slide per page.

    Returns None (and writes nothing) when Chromium is not installed. reveal.js lays out
    the print view asynchronously, so Chromium is driven by Playwright (when installed) and
    the PDF is printed only once every slide has its page; without Playwright the
    Chromium command line is used, retried until the page count matches the slides.
    """
    chromium = chromium_path()
    if chromium is None:
        return None
    html_in, pdf_out = Path(html_in).resolve(), Path(pdf_out)
    if not html_in.is_file():
        raise ExportError(f"No existe el balance {html_in} para imprimir en PDF.")
    slides = html_in.read_text(encoding="utf-8").count("</section></section>")
    pdf_out.parent.mkdir(parents=True, exist_ok=True)
    tmp_pdf = pdf_out.with_name(pdf_out.name + ".tmp")
    try:
        try:
            import playwright.sync_api  # noqa: F401  (dev dependency; optional here)
        except ImportError:
            _pdf_by_command_line(chromium, html_in, tmp_pdf, slides)
        else:
            _pdf_by_playwright(chromium, html_in, tmp_pdf)
        if pdf_page_count(tmp_pdf) != slides:
            raise ExportError(
                f"El PDF tiene {pdf_page_count(tmp_pdf)} páginas y el balance {slides} diapositivas."
            )
        tmp_pdf.replace(pdf_out)
    finally:
        tmp_pdf.unlink(missing_ok=True)
    return pdf_out


def _pdf_by_playwright(chromium: Path, html_in: Path, pdf_out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_FLAGS[1:])
        try:
            # bypass_csp: the deck's own policy forbids eval, which Playwright's waiting needs;
            # the route below still refuses every request that is not the file itself
            page = browser.new_page(viewport={"width": SLIDE_SIZE[0], "height": SLIDE_SIZE[1]}, bypass_csp=True)
            # the deck needs nothing from outside; refuse any request that is not the file itself
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
            page.goto(html_in.as_uri() + "?print-pdf")
            page.wait_for_function(
                "window.Reveal && Reveal.isReady() && Reveal.getTotalSlides() > 0 && "
                "document.querySelectorAll('.pdf-page').length >= Reveal.getTotalSlides()",
                timeout=PDF_TIMEOUT_S * 1000,
            )
            page.evaluate("document.fonts.ready.then(() => true)")
            page.pdf(path=str(pdf_out), prefer_css_page_size=True, print_background=True)
        finally:
            browser.close()


def _pdf_by_command_line(chromium: Path, html_in: Path, pdf_out: Path, slides: int, attempts: int = 3) -> None:
    for _ in range(attempts):
        profile = Path(tempfile.mkdtemp(prefix="balance-chromium-"))
        try:
            cmd = [
                str(chromium), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                "--run-all-compositor-stages-before-draw", "--virtual-time-budget=20000",
                f"--print-to-pdf={pdf_out}", html_in.as_uri() + "?print-pdf",
            ]
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=PDF_TIMEOUT_S, check=False)
            except subprocess.TimeoutExpired as exc:
                raise ExportError(f"Chromium no terminó el PDF en {PDF_TIMEOUT_S} s.") from exc
            if done.returncode != 0 or not pdf_out.is_file():
                tail = (done.stderr or "").strip().splitlines()[-3:]
                raise ExportError(f"Chromium no pudo escribir el PDF (código {done.returncode}): {' | '.join(tail)}")
            if pdf_page_count(pdf_out) == slides:
                return
        finally:
            shutil.rmtree(profile, ignore_errors=True)


def pdf_page_count(pdf: Path) -> int:
    """Pages of a PDF written by Chromium (counts `/Type /Page` objects, not `/Pages`)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", Path(pdf).read_bytes()))
