"""Charts of the balance deck: a mapping or tidy frame in, a matplotlib Figure out. No I/O.

One colour-blind-safe palette (Okabe & Ito, 2008) for every chart, large type for a
projector, numbers on the bars in Chilean format. Figures are plain
`matplotlib.figure.Figure` objects (no pyplot state), sized for a 16:9 slide.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import pandas as pd
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from pipeline.indicators import disclosure
from pipeline.report.formats import fmt_int, fmt_pct, fmt_rate, share

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
CURRENT = PALETTE[0]
PREVIOUS = PALETTE[1]
SLIDE_SIZE = (11.5, 5.0)  # inches; at 100 dpi 1150 × 500 px, the chart area of a 1280 × 720 slide
SHORT_MONTHS = ["Ene", "Feb", "Mar", "Abr", "May", "Jun", "Jul", "Ago", "Sep", "Oct", "Nov", "Dic"]
RC = {
    "font.size": 17,
    "axes.titlesize": 19,
    "axes.labelsize": 17,
    "xtick.labelsize": 16,
    "ytick.labelsize": 16,
    "legend.fontsize": 16,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.family": ["Source Sans Pro", "DejaVu Sans"],
}
# Labels come from the sheets: `$…$` is drawn as typed, never parsed as mathtext (a `$$` in a
# línea would fail the stage and quote the cell in the error). Set apart from RC because
# seaborn's contexts only take their own keys.
TEXT_RC = {"text.parse_math": False, "text.usetex": False}


def deck_fonts() -> list[str]:
    """The deck's own font (Source Sans Pro, the reveal.js theme's, shipped as TrueType by the
    installed sphinx-revealjs) registered with matplotlib once, so the charts are set in the
    slides' type; DejaVu Sans (matplotlib's own) stands in when the package is missing."""
    import importlib.util
    from pathlib import Path

    from matplotlib import font_manager

    spec = importlib.util.find_spec("sphinx_revealjs")
    if spec is None or spec.origin is None:
        return []
    folder = Path(spec.origin).parent / "_static" / "revealjs" / "dist" / "theme" / "fonts" / "source-sans-pro"
    found = [f for f in sorted(folder.glob("source-sans-pro-*.ttf")) if "italic" not in f.name]
    known = {Path(f.fname).name for f in font_manager.fontManager.ttflist}
    for font in found:
        if font.name not in known:
            font_manager.fontManager.addfont(str(font))
    return [f.name for f in found]


@contextmanager
def _theme():
    deck_fonts()
    with sns.axes_style("whitegrid"), sns.plotting_context("notebook", rc=RC), sns.axes_style(rc=RC), \
            mpl.rc_context(TEXT_RC):
        yield


def _figure(size: tuple[float, float] = SLIDE_SIZE) -> Figure:
    from pipeline.report.figures import FIGURE_DPI

    return Figure(figsize=size, dpi=FIGURE_DPI, layout="constrained")


def _finish(fig: Figure) -> Figure:
    # ticks are created lazily: draw now, while the theme's font sizes apply. A full Agg
    # draw, not a layout-only pass: `deck.figure_png` then encodes these very pixels
    # instead of laying the figure out and drawing it a second time.
    FigureCanvasAgg(fig).draw()
    return fig


def _series(counts: Mapping[str, float] | pd.Series) -> pd.Series:
    return pd.Series(dict(counts), dtype="float64")


def share_bars(
    counts: Mapping[str, float] | pd.Series,
    *,
    xlabel: str = "% de actividades",
    sort: bool = True,
    drop_zero: bool = False,
    max_items: int | None = None,
) -> Figure:
    """Horizontal bars of each category's share of the total, labelled "55,3% (120)"."""
    data = _series(counts)
    total = data.sum()
    if drop_zero:
        data = data[data > 0]
    if sort:
        data = data.sort_values(ascending=False, kind="stable")
    if max_items:
        data = data.head(max_items)
    frame = pd.DataFrame({
        "categoria": data.index.astype(str), "n": data.values,
        "pct": [share(v, total) or 0.0 for v in data.values],
    })
    height = max(2.6, min(SLIDE_SIZE[1], 0.55 * len(frame) + 1.2))
    with _theme():
        fig = _figure((SLIDE_SIZE[0], height))
        ax = fig.subplots()
        sns.barplot(frame, x="pct", y="categoria", color=CURRENT, ax=ax, orient="h", saturation=1)
        ax.set(xlabel=xlabel, ylabel="", xlim=(0, max(frame["pct"].max() * 1.25, 1)))
        ax.xaxis.set_major_formatter(lambda v, _pos: fmt_pct(v, 0))
        for patch, (_, row) in zip(ax.patches, frame.iterrows()):
            ax.annotate(
                f"{fmt_pct(row['pct'], 1)} ({fmt_int(row['n'])})",
                (patch.get_width(), patch.get_y() + patch.get_height() / 2),
                xytext=(6, 0), textcoords="offset points", va="center", fontsize=16,
            )
        return _finish(fig)


def compare_bars(
    current: Mapping[str, float],
    previous: Mapping[str, float],
    labels: tuple[str, str],
    *,
    xlabel: str = "% de actividades",
) -> Figure:
    """Shares of the same categories in two years, side by side (current year first)."""
    cur, prev = _series(current), _series(previous)
    cats = list(dict.fromkeys([*cur.index, *prev.index]))
    rows = []
    for label, data in ((labels[0], cur), (labels[1], prev)):
        total = data.sum()
        for cat in cats:
            value = float(data.get(cat, 0.0))
            rows.append({"categoria": cat, "anio": label, "pct": share(value, total) or 0.0, "n": value})
    frame = pd.DataFrame(rows)
    height = max(3.0, min(SLIDE_SIZE[1], 0.9 * len(cats) + 1.2))
    with _theme():
        fig = _figure((SLIDE_SIZE[0], height))
        ax = fig.subplots()
        sns.barplot(
            frame, x="pct", y="categoria", hue="anio", palette=[CURRENT, PREVIOUS], ax=ax, orient="h",
            saturation=1,
        )
        ax.set(xlabel=xlabel, ylabel="", xlim=(0, max(frame["pct"].max() * 1.25, 1)))
        ax.xaxis.set_major_formatter(lambda v, _pos: fmt_pct(v, 0))
        for container in ax.containers:
            ax.bar_label(container, labels=[fmt_pct(p.get_width(), 1) for p in container], padding=5, fontsize=15)
        ax.legend(title="", loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)  # above: never on a bar
        return _finish(fig)


def comuna_coverage(
    asistencias: Mapping[str, float],
    per_1000: Mapping[str, float] | None,
    *,
    max_items: int = 16,
    size: tuple[float, float] = SLIDE_SIZE,
) -> Figure:
    """Attendances per comuna (left) and per 1.000 inhabitants (right), ranked by the left."""
    data = _series(asistencias).sort_values(ascending=False, kind="stable").head(max_items)
    rate = _series(per_1000 or {}).reindex(data.index)
    frame = pd.DataFrame({"comuna": data.index.astype(str), "n": data.values, "tasa": rate.fillna(0.0).values})
    panels = 2 if per_1000 else 1
    with _theme():
        fig = _figure(size)
        axes = fig.subplots(1, panels, sharey=True, squeeze=False)[0]
        specs = [("n", "Asistencias", CURRENT, fmt_int)]
        if per_1000:
            specs.append(("tasa", "Por 1.000 habitantes", PALETTE[2], fmt_rate))
        for ax, (col, label, color, fmt) in zip(axes, specs):
            sns.barplot(frame, x=col, y="comuna", color=color, ax=ax, orient="h", saturation=1)
            ax.xaxis.set_major_locator(MaxNLocator(4, integer=col == "n"))
            ax.set(xlabel="", ylabel="", title=label, xlim=(0, max(frame[col].max() * 1.3, 1)))
            ax.xaxis.set_major_formatter(lambda v, _pos, f=fmt: f(v))
            ax.tick_params(axis="y", labelsize=14)
            ax.bar_label(ax.containers[0], labels=[fmt(v) for v in frame[col]], padding=4, fontsize=12)
        return _finish(fig)


def monthly_bars(per_month: Mapping[str, float]) -> Figure:
    """Activities per month, January to December (keys "01"…"12")."""
    frame = pd.DataFrame({
        "mes": SHORT_MONTHS,
        "n": [float(per_month.get(f"{m:02d}", per_month.get(str(m), 0)) or 0) for m in range(1, 13)],
    })
    with _theme():
        fig = _figure()
        ax = fig.subplots()
        sns.barplot(frame, x="mes", y="n", color=CURRENT, ax=ax, saturation=1)
        ax.set(xlabel="", ylabel="Actividades", ylim=(0, max(frame["n"].max() * 1.2, 1)))
        ax.yaxis.set_major_locator(MaxNLocator(5, integer=True))  # counts: never 0, 0, 1, 2, 2
        ax.yaxis.set_major_formatter(lambda v, _pos: fmt_int(v))
        ax.bar_label(ax.containers[0], labels=[fmt_int(v) if v else "" for v in frame["n"]], padding=4, fontsize=16)
        return _finish(fig)


def trend_lines(rows: Sequence[Mapping[str, Any]]) -> Figure:
    """Four small multiples over the years (2 × 2): attendances, activities, % women, comunas.

    Readable from 2 to 15 years: at most 8 year labels per axis (every other year beyond
    that), and only the first and last values written, above the line's top."""
    frame = pd.DataFrame(list(rows)).sort_values("anio")
    frame["anio"] = frame["anio"].astype(int)
    specs = [
        ("asistencias", "Asistencias", fmt_int),
        ("actividades", "Actividades", fmt_int),
        ("pct_mujeres", "% mujeres", fmt_pct),  # 63,9 %, as the table beside says
        ("comunas_alcanzadas", "Comunas alcanzadas", fmt_int),
    ]
    years = list(frame["anio"])
    step = 1 if len(years) <= 8 else 2
    with _theme():
        fig = _figure((SLIDE_SIZE[0], 4.6))
        axes = fig.subplots(2, 2).ravel()
        for ax, (col, title, fmt), color in zip(axes, specs, PALETTE):
            values = pd.to_numeric(frame[col], errors="coerce")
            ax.plot(frame["anio"], values, marker="o", color=color, linewidth=3, markersize=7)
            ax.set_title(title, fontsize=16, loc="left")
            ax.set_xticks(years[::-1][::step][::-1], [str(a) for a in years[::-1][::step][::-1]], fontsize=13)
            top = values.max() if values.notna().any() else 1
            ax.set_ylim(0, max(top * 1.35, 1))
            ax.yaxis.set_major_locator(MaxNLocator(3, integer=col != "pct_mujeres"))
            ax.yaxis.set_major_formatter(lambda v, _pos, f=fmt, c=col: fmt_pct(v, 0) if c == "pct_mujeres" else f(v))
            ax.tick_params(axis="y", labelsize=13)
            ax.margins(x=0.06)
            valid = [(x, y) for x, y in zip(frame["anio"], values) if pd.notna(y)]
            for i, (x, y) in enumerate(valid[:1] + valid[-1:] if len(valid) > 1 else valid):
                ha = "left" if i == 0 and len(valid) > 1 else "right" if len(valid) > 1 else "center"
                ax.annotate(fmt(y), (x, y), xytext=(0, 8), textcoords="offset points", ha=ha, fontsize=13)
        return _finish(fig)


def pct_bars(
    current: Mapping[str, float | None],
    previous: Mapping[str, float | None] | None = None,
    labels: tuple[str, str] = ("", ""),
    *,
    xlabel: str = "% de mujeres",
    reserved_label: str = disclosure.RESERVED,
    width: float = SLIDE_SIZE[0],
) -> Figure:
    """Percentages given per category (e.g. women's share per province), the previous year's
    beside when given; instead of a bar, a str value is written as given ("sin actividades")
    and a None as `reserved_label`."""
    cats = list(current)
    series = [(labels[0], current, CURRENT)] + ([(labels[1], previous, PREVIOUS)] if previous else [])
    n = len(series)
    height = max(2.8, min(SLIDE_SIZE[1], (0.42 * n + 0.2) * len(cats) + 1.3))
    with _theme():
        fig = _figure((width, height))
        ax = fig.subplots()
        bar_h = 0.8 / n
        for k, (label, values, color) in enumerate(series):
            ys = [i - 0.4 + bar_h * (k + 0.5) for i in range(len(cats))]
            widths = [float(values.get(c)) if isinstance(values.get(c), (int, float)) else 0.0 for c in cats]
            ax.barh(ys, widths, height=bar_h * 0.92, color=color, label=label or None)
            for y, c, w in zip(ys, cats, widths):
                v = values.get(c)
                text = fmt_pct(v) if isinstance(v, (int, float)) else v if isinstance(v, str) else reserved_label
                ax.annotate(text, (w, y), xytext=(5, 0), textcoords="offset points", va="center",
                            fontsize=14 if n > 1 else 16, color="#222" if isinstance(v, (int, float)) else "#666")
        ax.set_yticks(range(len(cats)), cats)
        ax.invert_yaxis()
        ax.set(xlabel=xlabel, ylabel="", xlim=(0, 112))
        ax.xaxis.set_major_formatter(lambda v, _pos: fmt_pct(v, 0) if v <= 100 else "")
        ax.axvline(50, color="#888", linewidth=1, linestyle="--")
        ax.grid(axis="y", visible=False)
        if n > 1:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)  # above: never on a bar
        return _finish(fig)


def stacked_shares(rows: Mapping[str, Mapping[str, float]], *, size: tuple[float, float] = (SLIDE_SIZE[0], 3.2)) -> Figure:
    """100 % stacked horizontal bars, one per measure (e.g. «Actividades», «Asistencias»), each
    cut by the same categories (provinces), the share written in each piece: how the whole
    divides, read at a glance (the seed's «40 % Limarí, 40 % Elqui, 20 % Choapa»)."""
    measures = list(rows)
    cats = list(dict.fromkeys(c for r in rows.values() for c in r))
    with _theme():
        fig = _figure(size)
        ax = fig.subplots()
        left = [0.0] * len(measures)
        unnamed = False
        for k, cat in enumerate(cats):
            pcts = [share(float(rows[m].get(cat, 0) or 0), float(sum(rows[m].values()) or 0)) or 0.0
                    for m in measures]
            color = PALETTE[k % len(PALETTE)]
            bars = ax.barh(measures, pcts, left=left, color=color, label=cat, height=0.62, edgecolor="white")
            dark = color in ("#0072B2", "#009E73", "#D55E00", "#CC79A7", "#000000")
            ax.bar_label(bars, labels=[f"{cat}\n{fmt_pct(p)}" if p >= 9 else (fmt_pct(p) if p >= 4 else "")
                                       for p in pcts], label_type="center", fontsize=15,
                         color="white" if dark else "#111")
            left = [a + b for a, b in zip(left, pcts)]
            unnamed = unnamed or any(0 < p < 9 for p in pcts)
        ax.set(xlim=(0, 100), xlabel="")
        ax.xaxis.set_major_formatter(lambda v, _pos: fmt_pct(v, 0))
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.tick_params(axis="y", labelsize=17)
        if unnamed:  # a piece too narrow for its name: the legend names it
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(cats), frameon=False)
        return _finish(fig)
