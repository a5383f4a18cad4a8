"""Charts of the national deck: the sixteen regions side by side. A mapping in, a Figure out, no I/O.

Same palette, type and number formats as the regional charts (`charts`). A region without a
figure is written as such («sin datos», «sin plan informado») where its bar would be, never
drawn as a zero bar.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from pipeline.report.charts import CURRENT, PALETTE, SLIDE_SIZE, _figure, _finish, _theme
from pipeline.report.formats import fmt_int, fmt_pct, share

NATIONAL = "#D55E00"  # the country's line: the deck's red, apart from every bar
OTHERS = "Otros"
OTHERS_COLOUR = "#bdbdbd"
COLLAPSE_FROM = 8  # regions written one line each until this many share «sin datos»


def _height(rows: int) -> float:
    return min(SLIDE_SIZE[1], max(3.0, 0.29 * rows + 1.0))


def ranking_bars(
    values: Mapping[str, float | str],
    *,
    fmt: Callable[[float], str],
    national: float | None = None,
    national_label: str = "País",
    xlabel: str = "",
    labels: Mapping[str, str] | None = None,
    xmax: float | None = None,
    size: tuple[float, float] | None = None,
) -> Figure:
    """Regions ranked by a figure, largest first, the country's value as a dashed line named
    on top. A str value (e.g. «sin datos») is written instead of a bar, after the ranked ones;
    `COLLAPSE_FROM` regions or more with the same one share a line («Otras 14 regiones: sin
    datos», the slide's note and the alt text name them).
    `labels`: the text beside a bar when not `fmt(value)` (e.g. «12 de 15»)."""
    labels = labels or {}
    ranked = sorted(((k, float(v)) for k, v in values.items() if isinstance(v, (int, float))), key=lambda kv: -kv[1])
    unranked = [(k, v) for k, v in values.items() if not isinstance(v, (int, float))]
    for text in {v for _, v in unranked}:  # half the country without a figure: one line says so
        same = [k for k, v in unranked if v == text]
        if len(same) >= COLLAPSE_FROM:
            unranked = [(k, v) for k, v in unranked if v != text] + [(f"Otras {fmt_int(len(same))} regiones", text)]
    names = [k for k, _ in ranked] + [k for k, _ in unranked]
    top = max([v for _, v in ranked] + [national or 0.0, 1e-9])
    with _theme():
        fig = _figure(size or (SLIDE_SIZE[0], _height(len(names))))
        ax = fig.subplots()
        ys = list(range(len(names)))
        ax.barh(ys[:len(ranked)], [v for _, v in ranked], height=0.72, color=CURRENT)
        for y, (name, value) in zip(ys, ranked):
            ax.annotate(labels.get(name, fmt(value)), (value, y), xytext=(5, 0), textcoords="offset points",
                        va="center", fontsize=14, color="#222", zorder=5,  # over the country's line
                        bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"})
        for y, (_, text) in zip(ys[len(ranked):], unranked):
            ax.annotate(str(text), (0, y), xytext=(5, 0), textcoords="offset points", va="center", fontsize=14,
                        color="#666", style="italic")
        ax.set_yticks(ys, names)
        ax.tick_params(axis="y", labelsize=14)
        ax.set_ylim(len(names) - 0.5, -1.4 if national is not None else -0.6)  # room for the country's name
        ax.set(xlabel=xlabel, ylabel="", xlim=(0, xmax or top * 1.22))
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.xaxis.set_major_formatter(lambda v, _pos: fmt(v) if v <= (xmax or top * 1.22) else "")
        ax.grid(axis="y", visible=False)
        if national is not None:
            ax.axvline(national, color=NATIONAL, linewidth=2, linestyle="--")
            ax.annotate(f"{national_label}: {fmt(national)}", (national, -1.0), xytext=(5, 0),
                        textcoords="offset points", va="center", fontsize=14, color=NATIONAL, weight=600)
        return _finish(fig)


def region_stacks(
    rows: Mapping[str, Mapping[str, float] | str],
    groups: Mapping[str, str],
    *,
    categories: Sequence[str],
    width: float = SLIDE_SIZE[0],
    legend_columns: int = 4,
    others: str = OTHERS,
) -> Figure:
    """How each region's activities divide among `categories` (100 % bars, one per region,
    in the given order, a blank line between macro-zones named at the right); the categories
    not listed are summed as `others` («Otros»). A str row is written instead of its bar. `width` and
    `legend_columns`: the slide's, or a phone's (the legend then wraps)."""
    names = list(rows)
    positions, y, previous = {}, 0.0, None
    for name in names:
        if previous is not None and groups.get(name) != groups.get(previous):
            y += 0.6
        positions[name] = y
        y += 1
        previous = name
    cats = list(categories)
    with _theme():
        rows_of_legend = -(-(len(cats) + 1) // legend_columns)
        fig = _figure((width, min(SLIDE_SIZE[1] + 0.4, 0.27 * y + 1.1 + 0.3 * rows_of_legend)))
        ax = fig.subplots()
        left = dict.fromkeys(names, 0.0)
        colours = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(cats)}
        colours[others] = OTHERS_COLOUR
        for cat in [*cats, others]:
            for name in names:
                counts = rows[name]
                if isinstance(counts, str):
                    continue
                total = sum(v for v in counts.values() if v)
                value = sum(v for k, v in counts.items() if k not in cats and v) if cat == others else counts.get(cat, 0)
                pct = share(value or 0, total) or 0.0
                if not pct:
                    continue
                ax.barh(positions[name], pct, left=left[name], height=0.78, color=colours[cat], edgecolor="white",
                        linewidth=0.6)
                if pct >= (12 if width >= SLIDE_SIZE[0] else 25):  # a piece wide enough for its figure
                    dark = colours[cat] in ("#0072B2", "#009E73", "#D55E00", "#CC79A7", "#000000")
                    ax.text(left[name] + pct / 2, positions[name], fmt_pct(pct, 0), ha="center", va="center",
                            fontsize=12, color="white" if dark else "#111")
                left[name] += pct
        for name in names:
            if isinstance(rows[name], str):
                ax.text(1, positions[name], rows[name], va="center", fontsize=13, color="#666", style="italic")
        ax.set_yticks(list(positions.values()), names)
        ax.tick_params(axis="y", labelsize=13)
        ax.set_ylim(y - 0.3, -0.7)
        ax.set(xlim=(0, 100), xlabel="")
        ax.xaxis.set_major_formatter(lambda v, _pos: fmt_pct(v, 0))
        ax.tick_params(axis="x", labelsize=13)
        ax.grid(axis="y", visible=False)
        ax.legend(handles=[Patch(color=colours[c], label=c) for c in [*cats, others]], loc="lower left",
                  bbox_to_anchor=(0, 1.0), ncol=min(len(cats) + 1, legend_columns), frameon=False, fontsize=13)
        _group_names(ax, names, positions, groups)
        return _finish(fig)


def _group_names(ax, names: Sequence[str], positions: Mapping[str, float], groups: Mapping[str, str]) -> None:
    """Each macro-zone's name right of its regions' bars, centred on them."""
    spans: dict[str, list[float]] = {}
    for name in names:
        spans.setdefault(groups.get(name, ""), []).append(positions[name])
    for group, ys in spans.items():
        if group:
            ax.annotate(group, (1.0, (min(ys) + max(ys)) / 2), xycoords=("axes fraction", "data"), xytext=(8, 0),
                        textcoords="offset points", va="center", ha="left", fontsize=13, color="#444",
                        weight=600)
            ax.annotate("", (1.0, min(ys) - 0.4), xytext=(1.0, max(ys) + 0.4), xycoords=("axes fraction", "data"),
                        textcoords=("axes fraction", "data"),
                        arrowprops={"arrowstyle": "-", "color": "#888", "linewidth": 1.5, "shrinkA": 0, "shrinkB": 0})


def count_label(n: float | None, total: float | None) -> str:
    """«12 de 15» (comunas reached of a region's)."""
    return f"{fmt_int(n)} de {fmt_int(total)}"
