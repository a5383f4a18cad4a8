"""The national balance's figures: sums and copies of what each region already published.

Input: the regions' published `indicadores.json` (one dictionary per region with data); output:
the `indicadores-nacional.json` dictionary (docs/indicadores-nacional.md). Nothing here reads a
processed table or cleans: a national figure is either a copy of a regional figure or a sum of
regional figures, so the national tables publish nothing a reader could not already add up from
the sixteen regional files (protection: README, «Protección de celdas pequeñas»):

- **Exact sums of the regions' headline figures**: attendances, activities, attendances by sex,
  comunas reached, distinct people. Each region's figure is exact by design (the regional
  protection keeps them so); the country's sum, minus the other regions' published figures,
  gives back only a published figure. Distinct people are summed as published: a person who
  attended in two regions counts in each (no pseudonym crosses the regions' files here).
- **Copies of the regions' protected tables**: the share of women by age group of each region
  (`pct_mujeres_por_grupo_etario`, null where the region reserved it) and the plan compliance.
  No count of women or men below a region is published, and no national share by age group is
  computed (people by age cannot be added across regions without their counts).
- Activity counts (by kind of activity, by kind of organisation) are sums too; an activity is
  not a person and is never protected.

A region without logs that year is «sin datos» and a region whose run failed «con error»: their
figures are null (never zero) and no national sum includes them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from pipeline import reference, schema
from pipeline.indicators.gender import pct

WITH_DATA, NO_DATA, FAILED = "con datos", "sin datos", "con error"
STATES = (WITH_DATA, NO_DATA, FAILED)

# summed over the regions with data (exact regional headline figures and activity counts)
SUMMED = ("asistencias", "actividades", "mujeres", "hombres", "sexo_sin_informacion", "comunas_alcanzadas")
# each region's entry: copied from its indicadores.json (null without data)
COPIED = ("asistencias", "actividades", "personas_distintas", "mujeres", "hombres", "sexo_sin_informacion",
          "pct_mujeres", "comunas_alcanzadas", "actividades_por_tipo_actividad",
          "actividades_por_tipo_organizacion", "pct_mujeres_por_grupo_etario", "cumplimiento_plan_total")
CATEGORIES = {"actividades_por_tipo_actividad": schema.TIPOS_ACTIVIDAD,
              "actividades_por_tipo_organizacion": schema.TIPOS_ORGANIZACION}


def check(ind: dict, region: str, anio: int, threshold: int) -> str | None:
    """Why a region's published `indicadores.json` cannot enter the national year (Spanish), or
    None: it must be of that region and year, with the run's small-cell threshold."""
    if ind.get("anio") != anio:
        return f"su indicadores.json es del año {ind.get('anio')}, no de {anio}"
    if ind.get("region") != reference.region(region).nombre:
        return f"su indicadores.json es de la región {ind.get('region')!r}"
    if ind.get("umbral_celdas_pequenas") != threshold:
        return (f"su indicadores.json se calculó con umbral de celdas pequeñas {ind.get('umbral_celdas_pequenas')}, "
                f"no {threshold}: vuelva a ejecutar la región con el mismo umbral")
    missing = [k for k in (*COPIED, "comunas_region") if k not in ind and k != "cumplimiento_plan_total"]
    if missing:
        return f"a su indicadores.json le faltan claves ({', '.join(missing)}): vuelva a ejecutar la región"
    return None


def _sum_categories(dicts: Iterable[dict | None], order: list[str]) -> dict[str, int]:
    """Counts per category summed over regions, in the contract's order (zeros included),
    any other category appended."""
    out = {cat: 0 for cat in order}
    for counts in dicts:
        for key, value in (counts or {}).items():
            out[key] = out.get(key, 0) + int(value)
    return out


def _per_1000(asistencias: int | None, poblacion: int | None) -> float | None:
    return None if asistencias is None or not poblacion else round(asistencias / poblacion * 1000, 2)


def region_entry(cut: str, estado: str, ind: dict | None, balance: str | None) -> dict:
    """One region's row of `regiones`: its published figures (copied), or nulls without data;
    the reference figures (census population, comunas) always."""
    reg = reference.region(cut)
    poblacion = reference.poblacion_region(cut)
    entry = {"region": reg.nombre, "region_nombre_completo": reg.nombre_completo, "cut_region": reg.cut,
             "slug": reg.slug, "macrozona": reference.macrozonas()[reg.cut], "estado": estado}
    data = ind if estado == WITH_DATA and ind is not None else {}
    for key in COPIED:
        entry[key] = data.get(key)
    entry["poblacion"] = poblacion
    entry["asistencias_por_1000_habitantes"] = _per_1000(entry["asistencias"], poblacion)
    entry["comunas_region"] = int(data.get("comunas_region") or reference.region_comunas_count(cut))
    entry["balance"] = balance if data else None
    order = ["region", "region_nombre_completo", "cut_region", "slug", "macrozona", "estado", "asistencias",
             "actividades", "personas_distintas", "mujeres", "hombres", "sexo_sin_informacion", "pct_mujeres",
             "poblacion", "asistencias_por_1000_habitantes", "comunas_alcanzadas", "comunas_region",
             "actividades_por_tipo_actividad", "actividades_por_tipo_organizacion", "pct_mujeres_por_grupo_etario",
             "cumplimiento_plan_total", "balance"]
    return {key: entry[key] for key in order}


def compute(anio: int, threshold: int, published: Mapping[str, dict], failed_regions: Iterable[str] = (),
            balances: Mapping[str, str] | None = None) -> dict:
    """The `indicadores-nacional.json` dictionary of `anio`.

    `published`: region (any name or code `reference.region` reads) → its published
    `indicadores.json`, for the regions with data; `failed_regions`: the regions whose run failed
    (their figures are null even if an older file exists); every other region is «sin datos».
    `balances`: region → relative link to its deck from the national folder (null without one).
    """
    failed = {reference.region(r).cut for r in failed_regions}
    data = {reference.region(r).cut: ind for r, ind in published.items() if reference.region(r).cut not in failed}
    links = {reference.region(r).cut: link for r, link in (balances or {}).items()}
    regiones = []
    for cut in reference.region_codes():
        estado = FAILED if cut in failed else WITH_DATA if cut in data else NO_DATA
        regiones.append(region_entry(cut, estado, data.get(cut), links.get(cut)))
    with_data = [r for r in regiones if r["estado"] == WITH_DATA]
    totals = {key: sum(int(r[key]) for r in with_data) for key in SUMMED}
    people = [r["personas_distintas"] for r in with_data if r["personas_distintas"] is not None]
    # the previous year: only the regions that published both years, on both sides of the change
    compared = [(data[r["cut_region"]]["asistencias_anio_anterior"], r["asistencias"]) for r in with_data
                if data[r["cut_region"]].get("asistencias_anio_anterior") is not None]
    before = sum(int(b) for b, _ in compared) if compared else None
    after = sum(int(a) for _, a in compared)
    poblacion = sum(r["poblacion"] for r in with_data) if with_data else None
    return {
        "anio": int(anio),
        "umbral_celdas_pequenas": int(threshold),
        "regiones_con_datos": len(with_data),
        "regiones_sin_datos": [r["region"] for r in regiones if r["estado"] == NO_DATA],
        "regiones_con_error": [r["region"] for r in regiones if r["estado"] == FAILED],
        "asistencias": totals["asistencias"],
        "asistencias_anio_anterior": before,
        "regiones_comparadas": [r["region"] for r in with_data
                                if data[r["cut_region"]].get("asistencias_anio_anterior") is not None],
        "variacion_asistencias_pct": None if not before else round((after / before - 1) * 100, 2),
        "actividades": totals["actividades"],
        "mujeres": totals["mujeres"],
        "hombres": totals["hombres"],
        "sexo_sin_informacion": totals["sexo_sin_informacion"],
        "pct_mujeres": pct(totals["mujeres"], totals["asistencias"]),
        "personas_distintas": sum(people) if people else None,
        "comunas_alcanzadas": totals["comunas_alcanzadas"],
        "comunas_pais": int(len(reference.comunas())),
        "poblacion": poblacion,
        "asistencias_por_1000_habitantes": _per_1000(totals["asistencias"], poblacion) if with_data else None,
        **{key: _sum_categories((r[key] for r in with_data), order) for key, order in CATEGORIES.items()},
        "regiones": regiones,
    }
