"""Slides of gender × territory (province, comuna, age), the maps, the achievements and the close.

Called by `03_balance.ipynb` like `slides`: indicators in, escaped HTML out. Person tables
arrive protected (`indicadores.json`): any str cell is hidden and written "reservado".
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.indicators import disclosure
from pipeline.report import charts, maps, titles
from pipeline.report.figures import figure_img
from pipeline.report.formats import esc, fmt_int, fmt_pct, fmt_rate
from pipeline.report.slides import _header, _lead, _slide, chart_slide
from pipeline.report.titles import SECTION_MUJERES, SECTION_PARTICIPACION, SECTION_PROVINCIAS

RESERVADO = disclosure.RESERVED


def _alt_pcts(title: str, values: Mapping[str, Any], previous: Mapping[str, Any] | None, labels) -> str:
    def words(vals):
        return "; ".join(f"{k}: {fmt_pct(v) if isinstance(v, (int, float)) else v or RESERVADO}"
                         for k, v in vals.items())
    text = f"{title}, {labels[0]}. {words(values)}."
    return text + (f" {labels[1]}: {words(previous)}." if previous else "")


def province_women_slide(ind: Mapping[str, Any], paragraph: str | None = None) -> str | None:
    """Women's share of attendances per province, the previous year's beside."""
    current = ind.get("asistencias_por_provincia_sexo")
    if not current:
        return None
    prev_ind = ind.get("anio_anterior") or {}
    previous = prev_ind.get("asistencias_por_provincia_sexo")
    labels = (str(ind["anio"]), str(prev_ind.get("anio", "")))
    def shares(table):
        return {p: (table.get(p) or {}).get("pct_mujeres")
                if (table.get(p) or {}).get("pct_mujeres") is not None else "sin asistencias" for p in current}

    cur = shares(current)
    prev = shares(previous) if previous else None
    note = "; ".join(f"{p}: {fmt_int(v.get('asistencias'))} asistencias, {fmt_int(v.get('mujeres'))} de mujeres"
                     for p, v in current.items()) + "."
    return chart_slide(titles.province_women_title(current), charts.pct_bars(cur, prev, labels),
                       _alt_pcts("Porcentaje de mujeres en las asistencias por provincia", cur, prev, labels),
                       note, SECTION_MUJERES, paragraph)


def province_slide(ind: Mapping[str, Any], paragraph: str | None = None) -> str | None:
    """Attendances per province (share of the region's), the previous year's beside; from an
    indicadores.json written before attendances by province existed, activities per province."""
    current = ind.get("asistencias_por_provincia_sexo")
    if not current:
        por_provincia = ind.get("actividades_por_provincia")
        if not por_provincia:
            return None
        from pipeline.report.figures import alt_counts

        return chart_slide("Actividades por provincia", charts.share_bars(por_provincia, sort=False),
                           alt_counts("Porcentaje de actividades por provincia", por_provincia), None,
                           SECTION_PROVINCIAS, paragraph)
    prev_ind = ind.get("anio_anterior") or {}
    labels = (str(ind["anio"]), str(prev_ind.get("anio", "")))
    counts = {p: v.get("asistencias", 0) for p, v in current.items()}
    previous = prev_ind.get("asistencias_por_provincia_sexo")
    prev_counts = {p: (previous.get(p) or {}).get("asistencias", 0) for p in counts} if previous else None
    from pipeline.report.figures import alt_compare

    fig = (charts.compare_bars(counts, prev_counts, labels, xlabel="% de asistencias") if prev_counts
           else charts.share_bars(counts, sort=False, xlabel="% de asistencias"))
    return chart_slide(titles.province_title(current), fig,
                       alt_compare("Porcentaje de asistencias por provincia", counts, prev_counts, labels),
                       None, SECTION_PROVINCIAS, paragraph)


def comuna_women_slide(ind: Mapping[str, Any], paragraph: str | None = None) -> str | None:
    """Women's share per comuna with activity, where the protected person table allows it."""
    pcts = ind.get("pct_mujeres_por_comuna")
    if pcts is None:
        return None
    por_comuna = ind.get("asistencias_por_comuna") or {}
    cur = {c: pcts.get(c) for c, n in por_comuna.items() if n}
    cur = dict(sorted(cur.items(), key=lambda kv: -(kv[1] if isinstance(kv[1], (int, float)) else -1)))
    prev_ind = ind.get("anio_anterior") or {}
    previous = prev_ind.get("pct_mujeres_por_comuna")
    labels = (str(ind["anio"]), str(prev_ind.get("anio", "")))
    prev = {c: previous.get(c) for c in cur} if previous and len(cur) <= 10 else None
    note = ("«Reservado»: la comuna tiene menos de "
            f"{fmt_int(ind['umbral_celdas_pequenas'])} mujeres u hombres distintos; "
            "su porcentaje no se publica para no identificar a nadie.")
    return chart_slide(titles.comuna_women_title(cur), charts.pct_bars(cur, prev, labels),
                       _alt_pcts("Porcentaje de mujeres en las asistencias por comuna", cur, prev, labels),
                       note, SECTION_MUJERES, paragraph)


def age_sex_slide(ind: Mapping[str, Any], paragraph: str | None = None) -> str | None:
    """Distinct women and men per age group (protected table)."""
    table = ind.get("personas_por_grupo_etario_sexo")
    if not table:
        return None
    groups = [g for g in table if g != "Total"]
    alt = "Personas distintas por grupo de edad y sexo: " + "; ".join(
        f"{g}: mujeres {fmt_int(table[g]['Mujer']) if isinstance(table[g]['Mujer'], int) else RESERVADO}, "
        f"hombres {fmt_int(table[g]['Hombre']) if isinstance(table[g]['Hombre'], int) else RESERVADO}" for g in groups) + "."
    total = table.get("Total", {})
    women, men = total.get("Mujer"), total.get("Hombre")
    title = (f"{fmt_int(women)} mujeres y {fmt_int(men)} hombres distintos participaron"
             if isinstance(women, int) and isinstance(men, int) else "Mujeres y hombres por grupo de edad")
    return chart_slide(title, charts.age_sex_bars(table), alt,
                       "Cada persona se cuenta una vez por grupo; una asistencia sin RUT válido cuenta como una persona.",
                       SECTION_MUJERES, paragraph)


def _omitted_note(shapes) -> str:
    if not shapes.omitted:
        return ""
    return f" No se muestran {', '.join(shapes.omitted)}, muy lejos del continente."


def map_slides(ind: Mapping[str, Any], texts=None) -> list[str]:
    """Two maps: attendances per 1.000 inhabitants, and women's share (reserved where small)."""
    from pipeline.reference import boundaries

    shapes = boundaries.region_shapes(ind["region"])
    por_comuna = ind.get("asistencias_por_comuna") or {}
    rate = {c: (v if por_comuna.get(c) else None) for c, v in (ind.get("asistencias_por_1000_habitantes") or {}).items()}
    para = (lambda key: texts.paragraph(key)) if texts is not None else (lambda key: None)
    out = []
    ranked = sorted(((c, v) for c, v in rate.items() if v), key=lambda kv: -kv[1])
    alt = "Mapa de asistencias por 1.000 habitantes por comuna: " + "; ".join(
        f"{c}: {fmt_rate(v)}" for c, v in ranked) + "; sin actividades: " + (
        ", ".join(c for c, v in rate.items() if not v) or "ninguna") + "."
    fig = maps.comuna_map(shapes.shapes, rate, label="Asistencias por 1.000 habitantes")
    note = "Tasa según población del Censo 2017. Comunas sin actividades, en gris rayado." + _omitted_note(shapes)
    out.append(_map_slide(titles.map_rate_title(rate), fig, alt, note, SECTION_PROVINCIAS, para("mapa_tasa")))
    pcts = ind.get("pct_mujeres_por_comuna")
    if pcts is not None:
        reserved = {c for c, v in pcts.items() if v is None and por_comuna.get(c)}
        fig = maps.comuna_map(shapes.shapes, pcts, label="% de mujeres en las asistencias", kind="share",
                              reserved=reserved)
        alt = "Mapa del porcentaje de mujeres por comuna: " + "; ".join(
            f"{c}: {fmt_pct(v) if v is not None else (RESERVADO if c in reserved else 'sin actividades')}"
            for c, v in pcts.items()) + "."
        note = "Reservado: menos de 5 mujeres u hombres distintos en la comuna." + _omitted_note(shapes)
        out.append(_map_slide(titles.comuna_women_title(pcts), fig, alt, note, SECTION_MUJERES, para("mapa_mujeres")))
    return out


def _map_slide(title: str, fig: Any, alt: str, note: str, hashtag: str, paragraph: str | None) -> str:
    note_html = f'<div class="nota parrafo">{paragraph}</div>' if paragraph else f'<p class="nota">{esc(note)}</p>'
    return _slide(_header(title, hashtag) + figure_img(fig, alt, "grafico mapa") + note_html, "con-grafico con-mapa")


def achievements_slide(ind: Mapping[str, Any], texts=None) -> str | None:
    """The year's achievements: the office's list (textos.yml), else drafted from the plan."""
    from pipeline.report.texts import drafted_achievements, markdown

    items = texts.logros if texts is not None and texts.logros is not None else drafted_achievements(ind)
    if not items:
        return None
    body = markdown("\n".join(f"- {i}" for i in items))
    para = texts.paragraph("logros") if texts is not None else None
    return _slide(_header(f"Dentro de nuestros logros {ind['anio']} podemos relevar", SECTION_PARTICIPACION)
                  + _lead(para) + f'<div class="logros">{body}</div>', "con-logros")


def closing_slide(ind: Mapping[str, Any], texts=None) -> str | None:
    """The closing slide of textos.yml (title and text), or None."""
    from pipeline.report.texts import markdown

    cierre = texts.cierre if texts is not None else None
    if not cierre:
        return None
    return _slide(f'<p class="hashtag">{esc(SECTION_PARTICIPACION)}</p><h1>{esc(cierre.get("titulo", ""))}</h1>'
                  + (f'<div class="parrafo">{markdown(cierre["texto"])}</div>' if cierre.get("texto") else ""),
                  "portada cierre")
