"""Comuna maps: drawn for all 16 regions, islands kept out, comunas without activity distinct."""
import pytest
from matplotlib.patches import PathPatch
from matplotlib.text import Text

from pipeline import reference
from pipeline.reference import boundaries
from pipeline.report import maps

REGIONS = list(reference.regiones()["cut_region"])


@pytest.mark.parametrize("cut", REGIONS)
def test_map_of_every_region(cut):
    shapes = boundaries.region_shapes(cut)
    names = list(reference.comunas_region(cut)["comuna"])
    assert set(shapes.shapes) | set(shapes.omitted) == set(names)
    values = {c: (float(i) if i % 3 else None) for i, c in enumerate(names)}
    fig = maps.comuna_map(shapes.shapes, values, label="Asistencias por 1.000 habitantes")
    ax = fig.axes[0]
    patches = [p for p in ax.patches if isinstance(p, PathPatch)]
    assert len(patches) == len(shapes.shapes)
    assert sum(1 for p in patches if p.get_hatch()) == sum(1 for c in shapes.shapes if not values[c])
    # the mainland fills the map: no oceanic island stretches the axes
    x0, x1 = ax.get_xlim()
    assert x0 > boundaries.OCEANIC_WEST_OF and x1 - x0 < 12
    # every comuna is named (moved with a leader line where it does not fit), no two names touch
    # and none is cut by the figure's edge
    renderer = fig.canvas.get_renderer()
    assert sorted(t.get_text() for t in ax.texts) == sorted(shapes.shapes)
    labels = [Text.get_window_extent(t, renderer) for t in ax.texts]
    assert not any(a.overlaps(b) for i, a in enumerate(labels) for b in labels[i + 1:])
    assert all(fig.bbox.x0 <= b.x0 and b.x1 <= fig.bbox.x1 and fig.bbox.y0 <= b.y0 and b.y1 <= fig.bbox.y1
               for b in labels)


def test_islands_and_antarctica_are_named_when_left_out():
    assert boundaries.region_shapes("05").omitted == ("Juan Fernández", "Isla de Pascua")
    assert boundaries.region_shapes("12").omitted == ("Antártica",)
    assert boundaries.region_shapes("04").omitted == ()


def test_share_map_legend_in_chilean_format_and_reserved_comunas():
    shapes = boundaries.region_shapes("04").shapes
    values = {c: 65.5 for c in shapes}
    values["Río Hurtado"] = None
    fig = maps.comuna_map(shapes, values, label="% de mujeres", kind="share", reserved={"Río Hurtado"})
    ticks = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert ticks == ["65\u00a0%", "70\u00a0%"]   # classes from the data, 5-point steps
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["Reservado (cifra pequeña)"]   # only the categories present
    values["Ovalle"], values["Coquimbo"] = None, 48.0
    fig = maps.comuna_map(shapes, values, label="% de mujeres", kind="share", reserved={"Río Hurtado"})
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["45\u00a0%", "50\u00a0%", "55\u00a0%", "60\u00a0%",
                                                                   "65\u00a0%", "70\u00a0%"]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["Sin actividades",
                                                                            "Reservado (cifra pequeña)"]
