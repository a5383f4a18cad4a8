"""Charts: real matplotlib figures, one colour-blind-safe palette, Chilean labels, no I/O."""
import json

import pytest
from pathlib import Path

import matplotlib.colors as mcolors
from matplotlib.figure import Figure

from pipeline.report import charts

FIXTURES = Path(__file__).parents[1] / "fixtures" / "deck"
IND = json.loads((FIXTURES / "indicadores-2017.json").read_text(encoding="utf-8"))


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


def _bar_colours(ax) -> set[str]:
    return {mcolors.to_hex(p.get_facecolor()) for p in ax.patches if p.get_width() > 0 or p.get_height() > 0}


def test_share_bars_one_bar_per_category_with_chilean_labels():
    fig = charts.share_bars(IND["actividades_por_provincia"], sort=False)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Elqui", "Choapa", "Limarí"]
    texts = _texts(fig)
    # Elqui 95 of 167 activities
    assert "56,9\u00a0% (95)" in texts
    assert _bar_colours(ax) == {charts.CURRENT.lower()}


def test_share_bars_drop_zero_and_max_items():
    fig = charts.share_bars(IND["actividades_por_tipo_actividad"], drop_zero=True, max_items=3)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Jornada informativa", "Reunión de diálogo", "Taller de capacitación"]
    full = charts.share_bars(IND["actividades_por_tipo_actividad"], drop_zero=True)
    assert "Sin información" not in [t.get_text() for t in full.axes[0].get_yticklabels()]


def test_compare_bars_uses_current_and_previous_colours():
    fig = charts.compare_bars(IND["actividades_por_tipo_organizacion"],
                             IND["anio_anterior"]["actividades_por_tipo_organizacion"], ("2017", "2016"))
    ax = fig.axes[0]
    assert _bar_colours(ax) == {charts.CURRENT.lower(), charts.PREVIOUS.lower()}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["2017", "2016"]
    assert "46,1\u00a0%" in _texts(fig)  # 77 of 167 Comité de Vivienda


def test_comuna_coverage_ranks_by_attendances_and_shows_rate():
    fig = charts.comuna_coverage(IND["asistencias_por_comuna"], IND["asistencias_por_1000_habitantes"])
    left, right = fig.axes
    labels = [t.get_text() for t in left.get_yticklabels()]
    assert labels[:3] == ["La Serena", "Coquimbo", "Ovalle"] and len(labels) == 15
    assert "1.650" in _texts(fig) and "26,7" in _texts(fig)  # Paiguano 120 / 4.497 × 1000
    assert len(charts.comuna_coverage(IND["asistencias_por_comuna"], None).axes) == 1


def test_monthly_bars_twelve_months_in_order():
    fig = charts.monthly_bars(IND["actividades_por_mes"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == charts.SHORT_MONTHS
    assert [p.get_height() for p in ax.patches][:3] == [0, 3, 14]


def test_trend_lines_four_panels():
    fig = charts.trend_lines(IND["tendencia"])
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["Asistencias", "Actividades", "% mujeres", "Comunas alcanzadas"]
    assert "5.971" in _texts(fig)


@pytest.mark.parametrize("years", [2, 4, 15])
def test_trend_lines_year_labels_never_collide(years):
    rows = [{"anio": 2004 + i, "asistencias": 1000 + 37 * i, "actividades": 50 + i, "pct_mujeres": 70.0,
             "comunas_alcanzadas": 12} for i in range(years)]
    fig = charts.trend_lines(rows)
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
        assert 2 <= len(boxes) <= 8
        assert not any(a.overlaps(b) for a, b in zip(boxes, boxes[1:]))


def test_small_counts_get_integer_ticks():
    fig = charts.monthly_bars({"01": 1, "02": 2})
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert len(ticks) == len(set(ticks)) and all(t.isdigit() for t in ticks)


def test_pct_bars_write_reserved_for_hidden_shares():
    fig = charts.pct_bars({"La Serena": 66.1, "Río Hurtado": None}, {"La Serena": 64.0, "Río Hurtado": 70.0},
                         ("2017", "2016"))
    texts = _texts(fig)
    assert "66,1\u00a0%" in texts and "reservado" in texts and "64\u00a0%" in texts


def test_palette_is_okabe_ito_and_type_is_large():
    assert charts.PALETTE[:3] == ["#0072B2", "#E69F00", "#009E73"]
    fig = charts.share_bars({"Urbano": 3, "Rural": 1})
    ticks = fig.axes[0].get_yticklabels()
    assert min(t.get_fontsize() for t in ticks) >= 14


def test_plots_write_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    charts.share_bars({"a": 1})
    charts.monthly_bars({})
    assert list(tmp_path.iterdir()) == []


def test_inputs_are_not_mutated():
    counts = {"Urbano": 3, "Rural": 1}
    charts.share_bars(counts, drop_zero=True, max_items=1)
    assert counts == {"Urbano": 3, "Rural": 1}


def _pixels(png: bytes):
    import io

    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        return np.asarray(img.convert("RGB"))


def test_deck_png_reuses_the_themed_draw_and_matches_savefig():
    """plots draw each chart once, in its theme; the deck encodes those pixels, which are what
    a fresh savefig gives (up to anti-aliasing: savefig draws outside the theme), and a chart
    changed after drawing is drawn again."""
    from pipeline.report import figures

    fast_fig = charts.share_bars(IND["actividades_por_provincia"])
    assert figures._drawn_pixels_current(fast_fig, figures.FIGURE_DPI)
    slow_fig = charts.share_bars(IND["actividades_por_provincia"])
    slow_fig.stale = True  # forces the savefig path
    assert not figures._drawn_pixels_current(slow_fig, figures.FIGURE_DPI)
    fast, slow = _pixels(figures.figure_png(fast_fig)), _pixels(figures.figure_png(slow_fig))
    assert fast.shape == slow.shape
    assert (fast != slow).any(axis=2).mean() < 0.02

    changed = charts.share_bars(IND["actividades_por_provincia"])
    changed.axes[0].set_title("Título agregado después")
    assert changed.stale and not figures._drawn_pixels_current(changed, figures.FIGURE_DPI)
    unchanged = charts.share_bars(IND["actividades_por_provincia"])
    assert (_pixels(figures.figure_png(changed)) != _pixels(figures.figure_png(unchanged))).any()


def test_a_chart_saved_again_is_savefigs_image_at_any_size():
    """A chart resized after its draw is saved again (raw pixels from savefig): the size Agg
    draws (4,4 × 5,29 in at 200 dpi: 880 × 1058 px, though 5,29 × 200 is 1057,99… in floating
    point) and savefig's own PNG, up to the 64-colour palette."""
    import io

    import numpy as np
    from PIL import Image

    from pipeline.report import figures

    ours, twin = (charts.share_bars(IND["actividades_por_provincia"]) for _ in range(2))
    for fig in (ours, twin):
        fig.set_size_inches(4.4, 4.6 * 1.15, forward=False)
    buffer = io.BytesIO()
    twin.savefig(buffer, format="png", dpi=figures.FIGURE_DPI, facecolor="white")
    theirs = np.asarray(Image.open(buffer).convert("RGB")).astype(int)
    pixels = _pixels(figures.figure_png(ours)).astype(int)
    assert pixels.shape == theirs.shape == (1058, 880, 3)
    assert np.abs(pixels - theirs).mean() < 2   # the same picture, in a palette of 64 colours


def test_trend_writes_the_share_as_the_table_does_and_the_deck_font():
    from pipeline.report import charts

    rows = [{"anio": 2016, "asistencias": 4405, "actividades": 160, "pct_mujeres": 64.77, "comunas_alcanzadas": 15},
            {"anio": 2018, "asistencias": 5760, "actividades": 204, "pct_mujeres": 63.94, "comunas_alcanzadas": 15}]
    fig = charts.trend_lines(rows)
    written = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "63,9\u00a0%" in written and "64\u00a0%" not in written   # never rounded away from the table
    assert fig.axes[0].texts[0].get_fontname() == "Source Sans Pro"   # the slides' own type
    assert fig.dpi >= 200   # drawn at 2×: sharp on a 1920 × 1080 projector


def test_stacked_shares_name_each_piece_and_add_to_100():
    from pipeline.report import charts

    fig = charts.stacked_shares({"Actividades": {"Elqui": 40, "Limarí": 40, "Choapa": 20},
                                 "Asistencias": {"Elqui": 3293, "Limarí": 1684, "Choapa": 783}})
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "Elqui\n40\u00a0%" in labels and "Choapa\n20\u00a0%" in labels
    assert fig.axes[0].get_legend() is None   # every piece is named where it is


def test_a_chart_is_also_drawn_narrow_for_phones_with_nothing_cut():
    import base64
    import io
    import re

    from PIL import Image

    from pipeline.report import figures

    fig = charts.share_bars({"Reunión de diálogo": 50, "Jornada informativa": 40, "Cuenta pública": 1})
    html = figures.figure_img(fig, "Tipos")
    sources = re.findall(r'(?:srcset|src)="data:image/png;base64,([^"]+)"', html)
    assert html.startswith(f'<picture><source media="{figures.PHONE_MEDIA}"') and len(sources) == 2
    sizes = [Image.open(io.BytesIO(base64.b64decode(s))).size for s in sources]
    assert sizes[0][0] == round(figures.PHONE_WIDTH_IN * figures.FIGURE_DPI) and sizes[1][0] == round(11.5 * figures.FIGURE_DPI)
    ax = fig.axes[0]
    assert all(t.get_window_extent().x1 <= fig.bbox.x1 for t in ax.texts)   # «24,5 % (50)» not cut
    months = charts.monthly_bars({f"{m:02d}": m for m in range(1, 13)})
    figures.narrow_png(months)
    assert months.axes[0].get_xticklabels()[0].get_rotation() == 90   # twelve names upright, not piled


def test_a_phone_redraw_of_a_chart_without_figures_on_it_is_drawn():
    """A chart with no text on its axes (nothing for narrow_png to measure after its last layout
    pass) still gets its lines on the phone, not a white image: a layout pass draws no pixel."""
    import io

    import numpy as np
    from PIL import Image

    from pipeline.report import figures

    fig = charts._figure()
    ax = fig.subplots()
    ax.plot([2016, 2017, 2018], [4405, 5005, 5605], linewidth=4, color=charts.CURRENT)
    ax.set_title("Asistencias")
    charts._finish(fig)
    with Image.open(io.BytesIO(figures.narrow_png(fig))) as img:
        pixels = np.asarray(img.convert("RGB"))
    assert pixels.shape[1] == round(figures.PHONE_WIDTH_IN * figures.FIGURE_DPI)
    blue = np.all(np.abs(pixels.astype(int) - [0x00, 0x72, 0xB2]) < 40, axis=2)
    assert blue.sum() > 1000 and (pixels < 128).any()   # the line, and the title and ticks in black


def test_a_figure_nobody_reads_on_a_phone_has_no_phone_version():
    """`phone=False` (notebook 02, the analysts' view): the wide image alone, the figure never
    redrawn at a phone's width."""
    from pipeline.report import figures

    fig = charts.share_bars({"Reunión de diálogo": 50, "Jornada informativa": 40, "Cuenta pública": 1})
    size = tuple(fig.get_size_inches())
    html = figures.figure_img(fig, "Tipos", phone=False)
    assert html.startswith('<img class="grafico" src="data:image/png;base64,') and html.endswith('alt="Tipos">')
    assert "<picture>" not in html and html.count("data:image/png") == 1
    assert tuple(fig.get_size_inches()) == size


def test_drawn_narrow_no_title_nor_figure_runs_over_another():
    """On a phone (issue 25): a panel title wider than its panel goes on two lines («Comunas
    alcanzadas», «Por 1.000 habitantes»), the pieces of a stacked bar too narrow for their name
    keep their figure, the legend naming them, and a legend never runs past the edge; no two
    texts overlap."""
    from matplotlib.text import Text

    from pipeline.report import figures

    trend = charts.trend_lines([{"anio": 2016 + i, "asistencias": 4405 + 600 * i, "actividades": 160 + 20 * i,
                                "pct_mujeres": 64.8 - i, "comunas_alcanzadas": 15} for i in range(3)])
    coverage = charts.comuna_coverage(IND["asistencias_por_comuna"], IND["asistencias_por_1000_habitantes"],
                                     size=(5.8, 6.2))
    stacked = charts.stacked_shares({"Actividades": {"Elqui": 111, "Choapa": 34, "Limarí": 59},
                                    "Asistencias": {"Elqui": 3295, "Choapa": 783, "Limarí": 1682}})
    compare = charts.compare_bars({"Comité de Vivienda": 79, "Junta de Vecinos": 68, "Otras organizaciones": 42,
                                  "Sin información": 15}, {"Comité de Vivienda": 78, "Junta de Vecinos": 62,
                                                           "Otras organizaciones": 35, "Sin información": 10},
                                 ("2018", "2017"))   # its legend «2018 2017» ran past the right edge
    for fig in (trend, coverage, stacked, compare):
        assert figures.narrow_png(fig) is not None
        renderer = fig.canvas.get_renderer()
        ticks = {t for ax in fig.axes for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]}
        texts = [t for t in fig.findobj(Text) if t.get_text() and t.get_visible() and t not in ticks]
        boxes = [t.get_window_extent(renderer) for t in texts]
        assert all(fig.bbox.x0 - 1 <= b.x0 and b.x1 <= fig.bbox.x1 + 1 for b in boxes)
        clashes = [(a.get_text(), b.get_text()) for i, (a, ba) in enumerate(zip(texts, boxes))
                   for b, bb in zip(texts[i + 1:], boxes[i + 1:]) if ba.overlaps(bb)]
        assert clashes == [], clashes
    assert trend.axes[3].get_title("left") == "Comunas\nalcanzadas"
    assert coverage.axes[1].get_title() == "Por 1.000\nhabitantes"
    assert [t.get_text() for t in stacked.axes[0].get_legend().get_texts()] == ["Elqui", "Choapa", "Limarí"]


def test_phone_redraw_that_collapses_is_left_out():
    """A province chart whose layout cannot fit a phone's width (found by the disclosure tests'
    tiny years): no narrow version (the phone shows the wide one) and no matplotlib warning."""
    import warnings

    from pipeline.report import figures

    rows = {"Actividades": {"Elqui": 1, "Choapa": 2, "Limarí": 1}, "Asistencias": {"Elqui": 95, "Choapa": 22, "Limarí": 9}}
    fig = charts.stacked_shares(rows, size=(charts.SLIDE_SIZE[0], 1.5 + 1.3 * len(rows)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert figures.narrow_png(fig) is None
