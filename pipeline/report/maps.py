"""Choropleth maps of a region's comunas: shapely geometries drawn by matplotlib. No I/O.

Comunas without a value (no activity, or a share kept reserved) are hatched grey, so they
never pass for a low value. Every comuna is named: on a point inside it or, where names would
collide, moved nearby with a leader line. A region much taller than wide lies down, north to
the left (`map_frame`), so that it fills its half of the slide. The legend is a colour bar in
Chilean format, with only the categories present.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.text import Text

from pipeline.report.charts import SLIDE_SIZE, _figure, _finish, _theme
from pipeline.report.formats import fmt_pct, fmt_rate

NO_VALUE = "#d9d9d9"
RESERVED = "#f2f2f2"


def _path(geom) -> MplPath:
    """A (multi)polygon as one compound path, holes included."""
    import shapely

    verts, codes = [], []
    for poly in shapely.get_parts(geom):
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)
            verts.append(xy)
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _bins(values: list[float], n: int = 5) -> list[float]:
    """Class limits from zero to the maximum at rounded quantiles (at least two classes)."""
    top = max(values)
    qs = sorted({float(np.quantile(values, q)) for q in np.linspace(0, 1, n + 1)[1:-1]})
    edges = [0.0] + [q for q in qs if 0 < q < top] + [top]
    return sorted(set(edges)) if len(set(edges)) > 1 else [0.0, top or 1.0]


def share_bins(values: list[float], max_classes: int = 5) -> list[float]:
    """Classes of a share (0–100) chosen from the data: steps of 5 points (10, 20… when the
    spread needs more than `max_classes`) from just below the lowest to just above the highest
    value, so every colour is used by the comunas that are there."""
    if not values:
        return [0.0, 100.0]
    for step in (5, 10, 20, 25, 50):
        low = math.floor(min(values) / step) * step
        high = max(math.ceil(max(values) / step) * step, low + step)
        if (high - low) / step <= max_classes:
            return [float(v) for v in range(int(low), int(high) + 1, step)]
    return [0.0, 100.0]


def comuna_map(
    shapes: Mapping[str, object],
    values: Mapping[str, float | None],
    *,
    label: str,
    kind: str = "rate",
    missing_label: str = "Sin actividades",
    reserved: set[str] | None = None,
    turn: bool | None = None,
) -> Figure:
    """Map of `shapes` (comuna → geometry) coloured by `values` (None: hatched grey).

    `kind` "rate" (per 1.000, one decimal) or "share" (percent, 0–100 scale); `reserved`
    comunas are drawn as reserved (a figure exists but is too small to publish). A tall region
    is drawn turned, north to the left (`map_frame`), unless `turn` says otherwise (False: upright,
    as a phone's narrow column wants it)."""
    reserved = reserved or set()
    fmt: Callable[[float], str] = fmt_rate if kind == "rate" else (lambda v: fmt_pct(v, 0))
    shown = {c: float(v) for c, v in values.items() if c in shapes and v is not None and c not in reserved
             and not (kind == "rate" and v <= 0)}
    edges = share_bins(list(shown.values())) if kind == "share" else _bins(list(shown.values()) or [1.0])
    cmap = ListedColormap(colormaps["Blues"](np.linspace(0.25, 0.95, len(edges) - 1)))
    norm = BoundaryNorm(edges, cmap.N)
    drawn, turned = map_frame(shapes, turn)
    x0, y0, x1, y1 = _bounds(drawn)
    ratio = (x1 - x0) / max(y1 - y0, 1e-9)  # width / height of the map itself, as drawn
    if turned:  # as wide as the slide's map column, the colour bar under it
        map_h = min(4.6, TURNED_WIDTH / ratio)
        size = (max(map_h * ratio + 0.3, 6.0), map_h + 0.85)
    else:
        size = (min(SLIDE_SIZE[0], max(3.8, SLIDE_SIZE[1] * ratio + 1.9)), SLIDE_SIZE[1])  # + colour bar, names
    with _theme():
        fig = _figure(size)
        ax = fig.subplots()
        for comuna, geom in drawn.items():
            if comuna in shown:
                style = {"facecolor": cmap(norm(shown[comuna]))}
            elif comuna in reserved:
                style = {"facecolor": RESERVED, "hatch": "...", "hatchcolor": "#8a8a8a"}
            else:
                style = {"facecolor": NO_VALUE, "hatch": "///", "hatchcolor": "#8a8a8a"}
            ax.add_patch(PathPatch(_path(geom), edgecolor="white", linewidth=1.2, **style))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect(1)
        ax.set_axis_off()
        sm = ScalarMappable(norm=norm, cmap=cmap)
        if turned:
            bar = fig.colorbar(sm, ax=ax, orientation="horizontal", location="bottom", aspect=22,
                               shrink=min(0.5, max(0.36, 3.2 / size[0])),  # 3.2 in or more: room for the ticks
                               pad=0.03, anchor=(1.0, 1.0), spacing="uniform")
        else:
            bar = fig.colorbar(sm, ax=ax, shrink=0.8, pad=0.02, spacing="uniform")
        bar.set_ticks(edges, labels=[fmt(e) for e in edges])
        if turned:  # beside the bar, not under it: the map keeps the height
            bar.ax.text(-0.03, 0.5, label, transform=bar.ax.transAxes, ha="right", va="center", fontsize=15)
        else:
            bar.set_label(label)
        handles = []
        if any(c not in shown and c not in reserved for c in shapes):  # only categories present
            handles.append(Patch(facecolor=NO_VALUE, hatch="///", hatchcolor="#8a8a8a", edgecolor="white",
                                 label=missing_label))
        if reserved & set(shapes):
            handles.append(Patch(facecolor=RESERVED, hatch="...", hatchcolor="#8a8a8a", edgecolor="white",
                                 label="Reservado (cifra pequeña)"))
        if handles and turned:  # in the colour bar's row, at its left
            fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 0.0), frameon=False, fontsize=13,
                       borderaxespad=0.2, labelspacing=0.3)
        elif handles:
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 0.0), frameon=False, fontsize=13)
        avoid = []
        if turned:  # north is to the left: an arrow says so in the map's upper left corner
            north = ax.annotate("Norte", xy=(0.0, 0.97), xytext=(0.075, 0.97), xycoords="axes fraction",
                                textcoords="axes fraction", va="center", ha="left", fontsize=13, color="#333",
                                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.85,
                                      "edgecolor": "none"},
                                arrowprops={"arrowstyle": "-|>", "color": "#333", "linewidth": 1.4})
            avoid.append(north)
        _labels(fig, ax, drawn, shown, avoid)  # last: the layout is final, so collisions are real ones
        return _finish(fig)


TURN_BELOW = 0.75  # a region narrower than this (width / height) is drawn turned, north to the left
TURNED_WIDTH = 8.2  # inches: the map of a turned region, as wide as the slide's map column allows


def _bounds(shapes: Mapping[str, object]) -> tuple[float, float, float, float]:
    import shapely

    b = shapely.bounds(np.array(list(shapes.values())))
    return b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()


def map_frame(shapes: Mapping[str, object], turn: bool | None = None) -> tuple[dict[str, object], bool]:
    """The comunas as the map draws them, and whether turned: longitudes scaled by the cosine
    of the mid latitude (so a degree is as long both ways), and a tall region (Coquimbo, five
    twice as long north–south as it is wide, and most regions of the long Chile) turned a
    quarter anticlockwise, north to the left and the Pacific below, as Chile is often shown
    lying down: then it fills the slide's map column instead of a narrow strip. `turn`: force
    it (True) or keep the map upright (False)."""
    from shapely import affinity

    x0, y0, x1, y1 = _bounds(shapes)
    k = math.cos(math.radians((y0 + y1) / 2))
    turned = (x1 - x0) * k / max(y1 - y0, 1e-9) < TURN_BELOW if turn is None else turn
    out = {}
    for comuna, geom in shapes.items():
        flat = affinity.scale(geom, xfact=k, yfact=1.0, origin=(0, 0))
        out[comuna] = affinity.rotate(flat, 90, origin=(0, 0)) if turned else flat
    return out, turned


# Where a name may go when it does not fit on its comuna (points from the comuna's inner point):
# first on it, then on rings further out (a leader line joins it to its comuna); never dropped.
_OFFSETS = [(0, 0)] + [(round(r * math.cos(a) * 1.8), round(r * math.sin(a)))
                       for r in (12, 22, 34, 48, 64, 82, 102, 125)
                       for a in np.linspace(0, 2 * math.pi, 16, endpoint=False)]


def _labels(fig: Figure, ax, shapes: Mapping[str, object], shown: Mapping[str, float], avoid=()) -> None:
    """Every comuna's name: on its comuna, else moved nearby with a leader line (never dropped,
    never cut by the figure's edge, never over the texts in `avoid`). Larger comunas (by value)
    are placed first."""
    size = 13 if len(shapes) <= 16 else 11 if len(shapes) <= 30 else 9
    order = sorted(shapes, key=lambda c: (-shown.get(c, -1.0), c))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    fig.draw_without_rendering()
    fig.set_layout_engine("none")  # freeze the layout: labels must not move after the check
    placed = [Text.get_window_extent(t, renderer) for t in avoid]
    fig_box = fig.bbox
    for comuna in order:
        point = shapes[comuna].representative_point()
        best = None
        for dx, dy in _OFFSETS:
            moved = (dx, dy) != (0, 0)
            text = ax.annotate(
                comuna, (point.x, point.y), xytext=(dx, dy), textcoords="offset points", ha="center",
                va="center", fontsize=size, color="#111", annotation_clip=False,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.85 if moved else 0.7,
                      "edgecolor": "none"},
                arrowprops={"arrowstyle": "-", "color": "#333", "linewidth": 0.9, "shrinkA": 0, "shrinkB": 2}
                if moved else None)
            text.update_positions(renderer)
            box = Text.get_window_extent(text, renderer)  # the name's box, not its leader line
            inside = (fig_box.x0 + 2 <= box.x0 and box.x1 <= fig_box.x1 - 2 and fig_box.y0 + 2 <= box.y0
                      and box.y1 <= fig_box.y1 - 2)
            if inside and not any(box.overlaps(other) for other in placed):
                best = box
                break
            text.remove()
        if best is None:  # crowded everywhere: keep it on its comuna rather than lose it
            text = ax.annotate(comuna, (point.x, point.y), ha="center", va="center", fontsize=size, color="#111",
                               annotation_clip=False,
                               bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.85,
                                     "edgecolor": "none"})
            best = text.get_window_extent(renderer)
        placed.append(best)
