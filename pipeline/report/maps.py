"""Choropleth maps of a region's comunas: shapely geometries drawn by matplotlib. No I/O.

Comunas without a value (no activity, or a share kept reserved) are hatched grey, so they
never pass for a low value. Names are placed at a point inside each comuna and, where two
would collide, the comuna with the larger value keeps its name (the slide's alt text and
the other slides give every figure). The legend is a colour bar in Chilean format.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Patch
from matplotlib.path import Path as MplPath
from matplotlib import colormaps

from pipeline.report.charts import SLIDE_SIZE, _finish, _theme
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


def comuna_map(
    shapes: Mapping[str, object],
    values: Mapping[str, float | None],
    *,
    label: str,
    kind: str = "rate",
    missing_label: str = "Sin actividades",
    reserved: set[str] | None = None,
) -> Figure:
    """Map of `shapes` (comuna → geometry) coloured by `values` (None: hatched grey).

    `kind` "rate" (per 1.000, one decimal) or "share" (percent, 0–100 scale); `reserved`
    comunas are drawn as reserved (a figure exists but is too small to publish)."""
    import shapely

    reserved = reserved or set()
    fmt: Callable[[float], str] = fmt_rate if kind == "rate" else (lambda v: fmt_pct(v, 0))
    shown = {c: float(v) for c, v in values.items() if c in shapes and v is not None and c not in reserved
             and not (kind == "rate" and v <= 0)}
    edges = [0.0, 25.0, 50.0, 60.0, 70.0, 80.0, 100.0] if kind == "share" else _bins(list(shown.values()) or [1.0])
    cmap = ListedColormap(colormaps["Blues"](np.linspace(0.25, 0.95, len(edges) - 1)))
    norm = BoundaryNorm(edges, cmap.N)
    bounds = shapely.bounds(np.array(list(shapes.values())))
    x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
    x1, y1 = bounds[:, 2].max(), bounds[:, 3].max()
    aspect = 1 / math.cos(math.radians((y0 + y1) / 2))
    ratio = (x1 - x0) / max((y1 - y0) * aspect, 1e-9)  # width / height of the map itself
    width = min(SLIDE_SIZE[0], max(7.0, SLIDE_SIZE[1] * ratio + 4.0))  # + colour bar and legend
    with _theme():
        fig = Figure(figsize=(width, SLIDE_SIZE[1]), layout="constrained")
        ax = fig.subplots()
        for comuna, geom in shapes.items():
            if comuna in shown:
                style = {"facecolor": cmap(norm(shown[comuna]))}
            elif comuna in reserved:
                style = {"facecolor": RESERVED, "hatch": "...", "hatchcolor": "#8a8a8a"}
            else:
                style = {"facecolor": NO_VALUE, "hatch": "///", "hatchcolor": "#8a8a8a"}
            ax.add_patch(PathPatch(_path(geom), edgecolor="white", linewidth=1.2, **style))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect(aspect)
        ax.set_axis_off()
        sm = ScalarMappable(norm=norm, cmap=cmap)
        bar = fig.colorbar(sm, ax=ax, shrink=0.8, pad=0.02, spacing="uniform")
        bar.set_ticks(edges, labels=[fmt(e) for e in edges])
        bar.set_label(label)
        handles = [Patch(facecolor=NO_VALUE, hatch="///", hatchcolor="#8a8a8a", edgecolor="white",
                         label=missing_label)]
        if reserved:
            handles.append(Patch(facecolor=RESERVED, hatch="...", hatchcolor="#8a8a8a", edgecolor="white",
                                 label="Reservado (cifra pequeña)"))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 0.0), frameon=False, fontsize=13)
        _labels(fig, ax, shapes, shown)  # last: the layout is final, so collisions are real ones
        return _finish(fig)


def _labels(fig: Figure, ax, shapes: Mapping[str, object], shown: Mapping[str, float]) -> None:
    """Comuna names inside their comunas; on a collision the larger value keeps its name."""
    size = 13 if len(shapes) <= 16 else 11 if len(shapes) <= 30 else 9
    order = sorted(shapes, key=lambda c: (-shown.get(c, -1.0), c))
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
    if renderer is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw_without_rendering()
    fig.set_layout_engine("none")  # freeze the layout: labels must not move after the check
    placed = []
    axes_box = ax.get_window_extent(renderer)
    for comuna in order:
        point = shapes[comuna].representative_point()
        text = ax.text(point.x, point.y, comuna, ha="center", va="center", fontsize=size, color="#111",
                       bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.7, "edgecolor": "none"})
        box = text.get_window_extent(renderer)
        if any(box.overlaps(other) for other in placed) or not axes_box.contains(box.x0, box.y0) \
                or not axes_box.contains(box.x1, box.y1):
            text.remove()
        else:
            placed.append(box)
