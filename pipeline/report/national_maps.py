"""The map of Chile by region for the national deck: shapely + matplotlib, as the comuna maps.

Each region's outline is dissolved (`shapely.union_all`) from the comuna boundaries already
shipped (`pipeline/reference/data/limites_comunas.parquet`, mainland parts only, as
`boundaries.region_shapes` gives them to the regional maps: Juan Fernández and Isla de Pascua
are too far off the coast to draw at the same scale, and the layer has no Antártica). The
simplified comunas leave slivers between them, holes in the union that would show as white
specks inside a region: holes smaller than a small lake are dropped.

Chile is 4.300 km long and 180 km wide: drawn whole on a 16:9 slide it would be a thread.
The map cuts it in three strips set side by side at one scale, as Chilean atlases do: the
north (Arica y Parinacota to Coquimbo), the centre and south (Valparaíso to Los Lagos) and
the far south (Aysén and Magallanes). Every region is named to the east of its strip, with
its figure, joined to it by a line (every region reaches the eastern border, so the line runs
over its own region). A region without a figure (no data, an error) is hatched grey, never
coloured as a low value. No I/O beyond the shipped boundaries.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import lru_cache

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch

from pipeline.report.charts import SLIDE_SIZE, _figure, _finish, _theme
from pipeline.report.formats import fmt_pct, fmt_rate
from pipeline.report.maps import NO_VALUE, _bins, _path, share_bins

# the three strips, north to south, by region code (CUT)
STRIPS = (("15", "01", "02", "03", "04"), ("05", "13", "06", "07", "16", "08", "09", "14", "10"), ("11", "12"))
PHONE_STRIPS = (tuple(c for strip in STRIPS for c in strip),)
SLIVER_DEG2 = 0.02  # a hole in a dissolved region smaller than this (about 200 km²) is a gap between comunas
SIMPLIFY_DEG = 0.01  # about 1 km: finer than a pixel of the drawn map
LABEL_PT = 13


@lru_cache(maxsize=None)
def region_outlines() -> dict[str, object]:
    """Every region's mainland outline (region code → shapely geometry), dissolved from its
    comunas, slivers closed."""
    import shapely

    from pipeline.reference import boundaries, regiones

    out = {}
    for cut in regiones()["cut_region"]:
        merged = shapely.union_all(list(boundaries.region_shapes(cut).shapes.values()))
        parts = [shapely.Polygon(p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= SLIVER_DEG2])
                 for p in shapely.get_parts(merged)]
        out[cut] = shapely.simplify(shapely.MultiPolygon(parts), SIMPLIFY_DEG, preserve_topology=True)
    return out


def omitted_territories() -> tuple[str, ...]:
    """The comunas (or parts) no strip draws, by name: oceanic islands and the Antártica."""
    from pipeline.reference import boundaries, regiones

    return tuple(c for cut in regiones()["cut_region"] for c in boundaries.region_shapes(cut).omitted)


def _strips(outlines: Mapping[str, object], strips) -> tuple[dict[str, object], list[tuple[float, float]]]:
    """The outlines moved into their strips (longitude scaled by the cosine of the strip's mid
    latitude, tops aligned at 0), and each strip's (left, right) in map units, before the
    room for names."""
    import shapely
    from shapely import affinity

    placed, extents = {}, []
    for cuts in strips:
        geoms = [outlines[c] for c in cuts if c in outlines]
        x0, y0, x1, y1 = shapely.bounds(shapely.GeometryCollection(geoms))
        scale = math.cos(math.radians((y0 + y1) / 2))
        for cut in cuts:
            if cut in outlines:
                placed[cut] = affinity.affine_transform(outlines[cut], [scale, 0, 0, 1, -x0 * scale, -y1])
        extents.append((0.0, (x1 - x0) * scale))
    return placed, extents


def region_map(
    names: Mapping[str, str],
    values: Mapping[str, float | None],
    *,
    label: str,
    kind: str = "rate",
    missing: Mapping[str, str] | None = None,
    size: tuple[float, float] = (SLIDE_SIZE[0], 5.2),
    strips: tuple[tuple[str, ...], ...] = STRIPS,
) -> Figure:
    """Chile by region (`names`: code → name shown), coloured by `values` (code → figure;
    None: hatched grey, its reason from `missing` (code → «sin datos»…) written beside the name).

    `kind` "rate" (per 1.000, one decimal) or "share" (percent, 0–100). `size`: its height is
    the map's; the width follows from the strips and the names. `strips`: the slide's three, or
    one (`PHONE_STRIPS`, Chile whole and tall for a phone's scroll)."""
    import shapely
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from shapely import affinity

    missing = dict(missing or {})
    fmt: Callable[[float], str] = fmt_rate if kind == "rate" else fmt_pct
    shown = {c: float(v) for c, v in values.items() if v is not None and c in names}
    edges = share_bins(list(shown.values())) if kind == "share" else _bins(list(shown.values()) or [1.0])
    cmap = ListedColormap(colormaps["Blues"](np.linspace(0.25, 0.95, len(edges) - 1)))
    norm = BoundaryNorm(edges, cmap.N)
    placed, extents = _strips(region_outlines(), strips)
    texts = {c: f"{names[c]}: {fmt(shown[c]) if c in shown else missing.get(c, 'sin datos')}" for c in names}
    with _theme():
        fig = _figure(size)
        fig.set_layout_engine("none")
        renderer = FigureCanvasAgg(fig).get_renderer()
        widths = {c: fig.text(0, 0, t, fontsize=LABEL_PT).get_window_extent(renderer).width / fig.dpi
                  for c, t in texts.items()}
        fig.texts.clear()
        height = max(-shapely.bounds(g)[1] for g in placed.values()) + 0.6  # the tallest strip, in degrees
        per_deg = size[1] * 0.96 / height  # inches per degree
        gap, pad = 0.22, 0.2  # inches: between a strip and its names, names and the next strip
        x, offsets, columns = 0.0, [], []
        for cuts, (left, right) in zip(strips, extents):
            offsets.append(x - left)
            x += right - left
            columns.append(x + gap / per_deg)
            x += (gap + pad) / per_deg + max(widths[c] for c in cuts if c in names) / per_deg
        map_width = x * per_deg  # inches; the colour bar and its legend take 1,7 more on the right
        fig.set_size_inches(map_width + 1.7, size[1])
        frac = map_width / (map_width + 1.7)
        ax = fig.add_axes((0.0, 0.02, frac, 0.96))
        ax.set_xlim(0, x)
        ax.set_ylim(-height + 0.3, 0.3)
        ax.set_aspect("equal", adjustable="datalim", anchor="W")
        ax.set_axis_off()
        spacing = LABEL_PT * 1.45 / 72 / per_deg  # one line of names, in degrees
        for cuts, dx, column in zip(strips, offsets, columns):
            anchors = {}
            for cut in cuts:
                if cut not in placed:
                    continue
                geom = affinity.translate(placed[cut], dx)
                if cut in shown:
                    style = {"facecolor": cmap(norm(shown[cut]))}
                else:
                    style = {"facecolor": NO_VALUE, "hatch": "///", "hatchcolor": "#8a8a8a"}
                ax.add_patch(PathPatch(_path(geom), edgecolor="white", linewidth=0.9, **style))
                point = geom.representative_point()
                anchors[cut] = (point.x, point.y)
            _callouts(ax, anchors, texts, column, spacing, -height + 0.3 + spacing / 2)
        cax = fig.add_axes((frac + 0.12 / (map_width + 1.7), 0.36, 0.2 / (map_width + 1.7), 0.56))
        bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax, spacing="uniform")
        bar.set_ticks(edges, labels=[fmt(e) for e in edges])
        bar.ax.tick_params(labelsize=13)
        bar.set_label(label, fontsize=14)
        if any(c not in shown for c in names):  # the reason is written beside each name
            fig.legend(handles=[Patch(facecolor=NO_VALUE, hatch="///", hatchcolor="#8a8a8a", edgecolor="white",
                                      label="Sin cifra\n(no es cero)")],
                       loc="lower left", bbox_to_anchor=(frac, 0.08), frameon=False, fontsize=13,
                       handlelength=1.6, borderaxespad=0)
        return _finish(fig)


def _callouts(ax, anchors: Mapping[str, tuple[float, float]], texts: Mapping[str, str], column: float,
              spacing: float, floor: float) -> None:
    """Each region's name and figure in a column east of its strip, in the order of the
    regions north to south, at least a line apart, joined to the region by a line."""
    order = sorted(anchors, key=lambda c: -anchors[c][1])
    ys, last = [], math.inf
    for cut in order:
        y = min(anchors[cut][1], last - spacing)
        ys.append(y)
        last = y
    lift = max(0.0, floor - ys[-1]) if ys else 0.0  # the column ran off the bottom: move it up
    for cut, y in zip(order, ys):
        ax.annotate(texts[cut], anchors[cut], xytext=(column, y + lift), textcoords="data", ha="left",
                    va="center", fontsize=LABEL_PT, color="#111", annotation_clip=False,
                    arrowprops={"arrowstyle": "-", "color": "#333", "linewidth": 0.8, "shrinkA": 2, "shrinkB": 0,
                                "connectionstyle": "angle,angleA=0,angleB=90,rad=0"
                                if abs(y + lift - anchors[cut][1]) > spacing / 4 else "arc3"})
