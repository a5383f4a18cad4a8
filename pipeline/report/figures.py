"""Figures as embedded images and their alt texts (every bar in words)."""
from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from pipeline.report.formats import MONTHS, esc, fmt_int, fmt_pct, fmt_rate, share

FIGURE_DPI = 200  # 2× the slide's pixels: sharp on a 1920 × 1080 projector and a phone's zoom


def figure_png(fig: Any, dpi: int = FIGURE_DPI, *, redraw: bool = False) -> bytes:
    """A matplotlib Figure as PNG bytes (the figure is closed afterwards). `redraw`: saved
    afresh even when its canvas looks current (after `draw_without_rendering`, which lays the
    figure out and leaves it not stale, but draws no pixel on the canvas)."""
    from PIL import Image  # Pillow ships with matplotlib

    if not redraw and _drawn_pixels_current(fig, dpi):  # drawn by plots._finish and unchanged since
        img = Image.frombuffer("RGBA", fig.canvas.get_width_height(physical=True), fig.canvas.buffer_rgba())
    else:  # saved as raw RGBA pixels (savefig's "rgba" format), not as a PNG compressed only to be read back
        fig.set_dpi(dpi)  # the canvas then tells the size in pixels Agg draws
        buffer = io.BytesIO()
        fig.savefig(buffer, format="rgba", dpi=dpi, facecolor="white")
        img = Image.frombuffer("RGBA", fig.canvas.get_width_height(physical=True), buffer.getbuffer())
    # a chart has few colours: a 64-colour palette PNG is under a third of the size; the fast
    # octree quantizer without PNG optimisation is 4× quicker than median cut and smaller here
    with img:
        small = io.BytesIO()
        img.convert("RGB").quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(small, format="PNG")
    try:  # figures made by pyplot must be released; plain Figure objects just go
        import matplotlib.pyplot as plt

        plt.close(fig)
    except Exception:  # pragma: no cover - closing is best effort
        pass
    return small.getvalue()


def _drawn_pixels_current(fig: Any, dpi: int) -> bool:
    """True when the figure's Agg canvas holds a full draw at `dpi`, on opaque white (what
    `savefig(facecolor="white")` would give), with nothing changed since."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = getattr(fig, "canvas", None)
    return (isinstance(canvas, FigureCanvasAgg) and getattr(canvas, "renderer", None) is not None
            and not fig.stale and fig.dpi == dpi and tuple(fig.get_facecolor()) == (1.0, 1.0, 1.0, 1.0))


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


PHONE_WIDTH_IN = 4.4   # a chart redrawn this wide is read on a 390 px phone with its type at 16 px or more
PHONE_MEDIA = "(max-width: 700px)"


def narrow_png(fig: Any, dpi: int = FIGURE_DPI) -> bytes | None:
    """The same figure laid out again at a phone's width (its type keeps its size in points, so
    on a phone it reads at the size the slide gives it on a projector); None for a figure whose
    layout is frozen (a map with placed names) or already narrow, and for one whose layout
    collapses at that width (matplotlib warns; the phone then shows the wide figure)."""
    import warnings

    from matplotlib.layout_engine import ConstrainedLayoutEngine

    from pipeline.report.charts import _theme

    width, height = fig.get_size_inches()
    if width <= PHONE_WIDTH_IN * 1.3 or not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        return None
    fig.set_size_inches(PHONE_WIDTH_IN, max(height * 1.15, 3.2), forward=False)
    with _theme(), warnings.catch_warnings(record=True) as said:  # ticks made anew take the deck's type too
        warnings.simplefilter("always")
        fig.draw_without_rendering()
        for ax in fig.axes:  # month names that no longer fit side by side stand upright
            boxes = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
            if any(a.overlaps(b) for a, b in pairwise(boxes)):
                ax.tick_params(axis="x", labelrotation=90)
        if _wrap_wide_titles(fig) | _figures_without_names(fig) | _legends_inside(fig):
            fig.draw_without_rendering()
        for _ in range(4):  # a bar's figure cut by the narrower edge: more room on the right
            fig.draw_without_rendering()
            cut = [ax for ax in fig.axes for t in ax.texts if t.get_window_extent().x1 > fig.bbox.x1 - 2]
            if not cut:
                break
            for ax in set(cut):
                x0, x1 = ax.get_xlim()
                ax.set_xlim(x0, x0 + (x1 - x0) * 1.15)
        png = figure_png(fig, dpi=dpi, redraw=True)  # its passes above only laid it out
    if any("constrained_layout not applied" in str(w.message) for w in said):
        return None
    return png


def _wrap_wide_titles(fig: Any) -> bool:
    """A panel's title wider than its panel (cut by the edge, or over its neighbour's) goes on two
    lines, cut at the space nearest its middle: «Por 1.000\nhabitantes». True when one did."""
    from matplotlib.text import Text

    done = False
    for ax in fig.axes:
        width = ax.get_window_extent().width
        for loc in ("center", "left", "right"):
            title = ax.get_title(loc)
            if " " not in title or "\n" in title:
                continue
            text = next((t for t in ax.findobj(Text) if t.get_text() == title), None)
            if text is None or text.get_window_extent().width <= width:
                continue
            spaces = [i for i, ch in enumerate(title) if ch == " "]
            cut = min(spaces, key=lambda i: abs(i - len(title) / 2))
            ax.set_title(title[:cut] + "\n" + title[cut + 1:], loc=loc)
            done = True
    return done


def _legends_inside(fig: Any) -> bool:
    """A legend above a chart that now runs past the right edge (years «2018 2017» starting at
    the bars, after long names) is anchored at the right instead, over the names. True when one did."""
    done = False
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or legend.get_window_extent().x1 <= fig.bbox.x1 - 2:
            continue
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles, labels, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(labels), frameon=False)
        done = True
    return done


def _piece_width(ax: Any, text: Any, pieces: list) -> float:
    """The width of the bar a label is written on, the bar under its centre (infinite for a
    label on no bar)."""
    box = text.get_window_extent()
    x, y = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    return next((b.width for b in pieces if b.x0 <= x <= b.x1 and b.y0 <= y <= b.y1), float("inf"))


def _figures_without_names(fig: Any) -> bool:
    """Pieces of a stacked bar too narrow now for «Choapa\n16,7 %» over their neighbours keep
    only their figure, and a legend (added if the chart had none) names them. True when one did."""
    done = False
    for ax in fig.axes:
        named = [t for t in ax.texts if "\n" in t.get_text()]
        boxes = {t: t.get_window_extent() for t in ax.texts if t.get_text()}
        pieces = [p.get_window_extent() for p in ax.patches]
        crowded = [t for t in named if any(o is not t and boxes[t].overlaps(b) for o, b in boxes.items())
                   or boxes[t].width > _piece_width(ax, t, pieces)]
        for t in crowded:
            t.set_text(t.get_text().rsplit("\n", 1)[-1])
        if crowded and ax.get_legend() is None:
            handles, labels = ax.get_legend_handles_labels()
            for ncol in range(len(labels), 0, -1):  # as many columns as the width holds
                legend = ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=ncol,
                                   frameon=False)
                if legend.get_window_extent().width <= fig.bbox.width * 0.95:
                    break
        done = done or bool(crowded)
    return done


def figure_img(fig: Any, alt: str, css_class: str = "grafico", dpi: int = FIGURE_DPI, phone: Any = None) -> str:
    """`<img>` holding the figure as a base64 PNG, with escaped alt text; inside a `<picture>`
    with the figure redrawn narrow for phones (`narrow_png`) when it can be, or `phone`, the
    figure drawn for a phone by its maker (an upright map beside a turned one). `phone=False`:
    no phone version (a figure nobody reads on a phone: the analysts' notebook 02)."""
    wide = figure_png(fig, dpi=dpi)
    if phone is False:
        narrow = None
    else:
        narrow = figure_png(phone, dpi=dpi) if phone is not None else narrow_png(fig, dpi=dpi)
    img = f'<img class="{esc(css_class)}" src="{data_uri(wide, "image/png")}" alt="{esc(alt)}">'
    if narrow is None:
        return img
    return (f'<picture><source media="{PHONE_MEDIA}" srcset="{data_uri(narrow, "image/png")}">'
            f'{img}</picture>')


def alt_counts(title: str, counts: Mapping[str, float], as_share: bool = True) -> str:
    """Alt text of a bar chart: its title and every bar in words."""
    total = sum(v for v in counts.values() if v)
    parts = []
    for name, value in counts.items():
        text = f"{name}: {fmt_int(value)}"
        if as_share and total:
            text += f" ({fmt_pct(share(value, total))})"
        parts.append(text)
    return f"{title}. " + "; ".join(parts) + "."


def alt_compare(title: str, current: Mapping[str, float], previous: Mapping[str, float] | None,
                labels: tuple[str, str]) -> str:
    """Alt text of a two-year comparison: every bar of each year in words."""
    text = alt_counts(f"{title}, {labels[0]}", current)
    if previous:
        text += " " + alt_counts(labels[1], previous)
    return text


def alt_comunas(asistencias: Mapping[str, float], per_1000: Mapping[str, float] | None) -> str:
    """Alt text of the comuna chart: attendances and rate of every comuna, ranked."""
    ranked = sorted(asistencias.items(), key=lambda kv: -kv[1])
    parts = []
    for comuna, n in ranked:
        text = f"{comuna}: {fmt_int(n)}"
        if per_1000 and per_1000.get(comuna) is not None:
            text += f" ({fmt_rate(per_1000[comuna])} por 1.000 habitantes)"
        parts.append(text)
    return "Asistencias por comuna y por 1.000 habitantes (Censo 2017). " + "; ".join(parts) + "."


def month_counts(per_month: Mapping[str, int]) -> dict[str, int]:
    """{"01": n, …} → {"enero": n, …}, the twelve months in order."""
    return {MONTHS[m - 1]: per_month.get(f"{m:02d}", 0) for m in range(1, 13)}
