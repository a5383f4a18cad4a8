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
    # the mainland fills the map: the axes hold exactly the comunas drawn (no oceanic island)
    turned = maps.map_frame(shapes.shapes)[1]
    extents = [p.get_path().get_extents() for p in patches]
    assert ax.get_xlim() == pytest.approx((min(e.x0 for e in extents), max(e.x1 for e in extents)))
    assert ax.get_ylim() == pytest.approx((min(e.y0 for e in extents), max(e.y1 for e in extents)))
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert max(x1 - x0, y1 - y0) < 12
    assert (x1 - x0) / (y1 - y0) >= maps.TURN_BELOW   # never a narrow strip: a tall region lies down
    # every comuna is named (moved with a leader line where it does not fit), no two names touch
    # (nor the north arrow of a turned map) and none is cut by the figure's edge
    renderer = fig.canvas.get_renderer()
    names = [t for t in ax.texts if t.get_text() != "Norte"]
    assert sorted(t.get_text() for t in names) == sorted(shapes.shapes)
    assert len(ax.texts) - len(names) == (1 if turned else 0)
    labels = [Text.get_window_extent(t, renderer) for t in ax.texts]
    assert not any(a.overlaps(b) for i, a in enumerate(labels) for b in labels[i + 1:])
    assert all(fig.bbox.x0 <= b.x0 and b.x1 <= fig.bbox.x1 and fig.bbox.y0 <= b.y0 and b.y1 <= fig.bbox.y1
               for b in labels)


def test_a_tall_region_lies_down_north_to_the_left_and_a_phone_gets_it_upright():
    """Coquimbo is twice as long as it is wide: on the slide it is drawn turned a quarter, north
    (La Higuera) to the left of south (Illapel), the Pacific coast (Los Vilos) below the
    mountains (Salamanca), as wide as the map column; upright on request, for the phone."""
    shapes = boundaries.region_shapes("04").shapes
    values = {c: 10.0 for c in shapes}
    fig = maps.comuna_map(shapes, values, label="Asistencias por 1.000 habitantes")
    width, height = fig.get_size_inches()
    assert width > 1.5 * height
    at = {t.get_text(): t.xy for t in fig.axes[0].texts}
    assert at["La Higuera"][0] < at["La Serena"][0] < at["Ovalle"][0] < at["Illapel"][0]
    assert at["Los Vilos"][1] < at["Salamanca"][1]
    assert "Norte" in at
    upright = maps.comuna_map(shapes, values, label="Asistencias por 1.000 habitantes", turn=False)
    width, height = upright.get_size_inches()
    assert width < height
    at = {t.get_text(): t.xy for t in upright.axes[0].texts}
    assert at["La Higuera"][1] > at["Illapel"][1] and "Norte" not in at
    # a wide region (O'Higgins), or one hardly taller than wide (Valparaíso), stays upright
    assert not any(maps.map_frame(boundaries.region_shapes(cut).shapes)[1] for cut in ("06", "05"))


def _legend(fig) -> list[str]:
    legend = fig.legends[0] if fig.legends else fig.axes[0].get_legend()
    return [t.get_text() for t in legend.get_texts()]


def _ticks(fig) -> list[str]:
    """The colour bar's labels (under a turned map, beside an upright one)."""
    bar = fig.axes[1]
    return [t.get_text() for t in [*bar.get_xticklabels(), *bar.get_yticklabels()] if t.get_text()]


def test_share_map_legend_in_chilean_format_and_reserved_comunas():
    shapes = boundaries.region_shapes("04").shapes
    values = {c: 65.5 for c in shapes}
    values["Río Hurtado"] = None
    fig = maps.comuna_map(shapes, values, label="% de mujeres", kind="share", reserved={"Río Hurtado"})
    assert _ticks(fig) == ["65\u00a0%", "70\u00a0%"]   # classes from the data, 5-point steps
    assert _legend(fig) == ["Reservado (cifra pequeña)"]   # only the categories present
    values["Ovalle"], values["Coquimbo"] = None, 48.0
    fig = maps.comuna_map(shapes, values, label="% de mujeres", kind="share", reserved={"Río Hurtado"})
    assert _ticks(fig) == ["45\u00a0%", "50\u00a0%", "55\u00a0%", "60\u00a0%", "65\u00a0%", "70\u00a0%"]
    assert _legend(fig) == ["Sin actividades", "Reservado (cifra pequeña)"]
