"""Comuna boundaries for the deck's maps (IDE Chile, DPA 2023, simplified; see data/SOURCES.md).

Longitude/latitude polygons (CRS84) as shapely geometries, keyed by comuna code. Oceanic
islands (Juan Fernández, Isla de Pascua, the Desventuradas of Valparaíso) lie hundreds or
thousands of kilometres off the coast: drawn at the same scale they would shrink the
mainland to a dot, so a map of the mainland leaves them out and says so. The Antártica
Chilena comuna (12202) is not in the source layer at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pipeline.reference import DATA_DIR, comunas_region

BOUNDARIES_FILE = "limites_comunas.parquet"
# a polygon whose centre lies west of this longitude is an oceanic island (the mainland
# coast and its coastal islands, Chiloé included, lie east of -76°)
OCEANIC_WEST_OF = -76.0


@dataclass(frozen=True)
class RegionShapes:
    """The mainland shape of every comuna of a region that has one, and what was left out."""

    shapes: dict  # comuna name → shapely geometry (mainland parts only)
    omitted: tuple[str, ...]  # comunas (or parts) not drawn, by name, in code order
    partly: tuple[str, ...]  # comunas drawn without their oceanic islands


@lru_cache(maxsize=None)
def _all() -> dict:
    import pyarrow.parquet as pq
    import shapely

    table = pq.read_table(DATA_DIR / BOUNDARIES_FILE).to_pydict()
    geoms = shapely.from_wkb(table["geometry"])
    return dict(zip(table["cut_comuna"], geoms))


def _mainland(geom):
    import shapely

    parts = [p for p in shapely.get_parts(geom) if p.centroid.x >= OCEANIC_WEST_OF]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def region_shapes(region: str | int) -> RegionShapes:
    """Mainland shapes of a region's comunas (name → geometry) and the comunas left out."""
    import shapely

    geoms = _all()
    shapes: dict = {}
    omitted: list[str] = []
    partly: list[str] = []
    for row in comunas_region(region).itertuples():
        geom = geoms.get(row.cut_comuna)
        land = _mainland(geom) if geom is not None else None
        if land is None:
            omitted.append(row.comuna)
            continue
        if shapely.get_num_geometries(land) < shapely.get_num_geometries(geom):
            partly.append(row.comuna)
        shapes[row.comuna] = land
    return RegionShapes(shapes, tuple(omitted), tuple(partly))
