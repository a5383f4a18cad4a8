"""Slides of gender × territory (province, comuna, age), the maps, the achievements and the close.

Called by `03_balance.ipynb` like `slides`: indicators in, escaped HTML out. Shares of women
arrive protected (`indicadores.json`): a null share is written "reservado", and every note
says why, with the configured threshold (`umbral_celdas_pequenas`).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.indicators import disclosure
from pipeline.report import charts, maps, titles
from pipeline.report.figures import figure_img
from pipeline.report.formats import esc, fmt_int, fmt_pct, fmt_rate
from pipeline.report.slides import _header, _lead, _slide, chart_slide
from pipeline.report.titles import SECTION_WOMEN, SECTION_PARTICIPATION, SECTION_PROVINCES

RESERVED = disclosure.RESERVED


def _alt_pcts(title: str, values: Mapping[str, Any], previous: Mapping[str, Any] | None, labels) -> str:
    def words(vals):
        return "; ".join(f"{k}: {fmt_pct(v) if isinstance(v, (int, float)) else v or RESERVED}"
                         for k, v in vals.items())
    text = f"{title}, {labels[0]}. {words(values)}."
    return text + (f" {labels[1]}: {words(previous)}." if previous else "")


COUNTS_OF = {"pct_mujeres_por_comuna": "asistencias_por_comuna", "pct_mujeres_por_provincia": "asistencias_por_provincia",
             "pct_mujeres_por_grupo_etario": "asistencias_por_grupo_etario"}


def reserved_note(ind: Mapping[str, Any], key: str, where: str, shown: Mapping[str, Any] | None = None) -> str:
    """The rule, with the configured threshold, and why a share is missing: fewer than the
    threshold of women or of men, or (withheld like a complementary cell, which the label
    must not tell apart) that it would give another reserved share back by difference.
    `shown`: the units drawn (default: those of `key` with attendances)."""
    n = fmt_int(ind["umbral_celdas_pequenas"])
    if shown is None:  # the units with attendances
        counts = ind.get(COUNTS_OF[key]) or {}
        shown = {u: v for u, v in (ind.get(key) or {}).items() if counts.get(u)}
    note = (f"Porcentaje de mujeres entre las personas distintas con sexo registrado, donde hay al menos {n} "
            f"mujeres y {n} hombres distintos.")
    if not any(v is None for v in shown.values()):
        return note
    return note + (f" «Reservado»: {where} tiene menos de {n} mujeres o menos de {n} hombres distintos, o su "
                   "porcentaje, con las demás cifras publicadas, permitiría deducir el de otra reservada; no se "
                   "publica para no identificar a nadie.")


def _shares(pcts: Mapping[str, Any] | None, counts: Mapping[str, Any] | None, names) -> dict[str, Any] | None:
    """The shares to draw: a number, None («reservado») or "sin asistencias"."""
    if pcts is None:
        return None
    counts = counts or {}
    return {n: "sin asistencias" if n in counts and not counts[n] else pcts.get(n) for n in names}


def _shares_slide(ind: Mapping[str, Any], key: str, counts_key: str, names: list[str], title: str,
                  alt_title: str, where: str, paragraph: str | None, compare_up_to: int | None = None,
                  more: str | None = None) -> str:
    """Women's share per province, comuna or age group (`key`), the previous year's beside."""
    cur = _shares(ind[key], ind.get(counts_key), names)
    prev_ind = ind.get("anio_anterior") or {}
    labels = (str(ind["anio"]), str(prev_ind.get("anio", "")))
    prev = _shares(prev_ind.get(key), prev_ind.get(counts_key), names)
    if compare_up_to is not None and len(names) > compare_up_to:
        prev = None
    return chart_slide(title, charts.pct_bars(cur, prev, labels), _alt_pcts(alt_title, cur, prev, labels),
                       " ".join(filter(None, [reserved_note(ind, key, where, cur), more])), SECTION_WOMEN, paragraph)


def province_women_slide(ind: Mapping[str, Any], paragraph: str | None = None) -> str | None:
    """Women's share per province (people with sex recorded), the previous year's beside."""
    pcts = ind.get("pct_mujeres_por_provincia")
    if pcts is None:
        return None
    return _shares_slide(ind, "pct_mujeres_por_provincia", "asistencias_por_provincia", list(pcts),
                         titles.province_women_title(pcts, ind.get("asistencias_por_provincia")),
                         "Porcentaje de mujeres por provincia",
                         "la provincia", paragraph)


def province_slide(ind: Mapping[str, Any], paragraph: str | None = None) -> str | None:
    """How the region's work divides among the provinces: activities (the seed's «40 % Limarí,
    40 % Elqui, 20 % Choapa») and attendances, one 100 % bar each."""
    activities = ind.get("actividades_por_provincia") or {}
    attendances = ind.get("asistencias_por_provincia") or {}
    if not activities and not attendances:
        return None
    rows = {}
    if activities:
        rows["Actividades"] = dict(activities)
    if attendances:
        rows["Asistencias"] = {p: int(n or 0) for p, n in attendances.items()}
    alt = "; ".join(f"{m}: " + ", ".join(f"{p} {fmt_pct(titles.share(n, sum(r.values())))} ({fmt_int(n)})"
                                          for p, n in r.items()) for m, r in rows.items())
    fig = charts.stacked_shares(rows, size=(charts.SLIDE_SIZE[0], 1.5 + 1.3 * len(rows)))
    return chart_slide(titles.province_share_title(activities, rows.get("Asistencias")), fig,
                       "Distribución por provincia. " + alt + ".", None, SECTION_PROVINCES, paragraph)


def _duo(title: str, hashtag: str, left: str, right: str, note: str | None, paragraph: str | None) -> str:
    """A map (left, half the slide or more) and a chart (right) on one slide."""
    note_html = f'<div class="nota parrafo">{paragraph}</div>' if paragraph else (
        f'<p class="nota">{esc(note)}</p>' if note else "")
    return _slide(_header(title, hashtag) + f'<div class="duo"><div class="duo-mapa">{left}</div>'
                  f'<div class="duo-grafico">{right}</div></div>' + note_html, "con-grafico con-duo")


def comuna_women_slide(ind: Mapping[str, Any], paragraph: str | None = None) -> str | None:
    """Women's share per comuna with activity (people with sex recorded): the map and the bars
    on one slide."""
    pcts = ind.get("pct_mujeres_por_comuna")
    if pcts is None:
        return None
    by_comuna = ind.get("asistencias_por_comuna") or {}
    cur = {c: pcts.get(c) for c, n in by_comuna.items() if n}
    cur = dict(sorted(cur.items(), key=lambda kv: -(kv[1] if isinstance(kv[1], (int, float)) else -1)))
    shown = {c: v for c, v in cur.items() if isinstance(v, (int, float))}
    note = reserved_note(ind, "pct_mujeres_por_comuna", "la comuna", cur)
    bars = charts.pct_bars(shown or cur, None, (str(ind["anio"]), ""), width=5.6)
    bars_html = figure_img(bars, _alt_pcts("Porcentaje de mujeres por comuna", cur, None, (str(ind["anio"]), "")))
    from pipeline.reference import boundaries

    shapes = boundaries.region_shapes(ind["region"])
    reserved = {c for c, v in pcts.items() if v is None and by_comuna.get(c)}
    draw = dict(label="% de mujeres", kind="share", reserved=reserved)  # the note states the base
    fig, phone = maps.comuna_map(shapes.shapes, pcts, **draw), _phone_map(shapes.shapes, pcts, **draw)
    alt = "Mapa del porcentaje de mujeres por comuna: " + "; ".join(
        f"{c}: {fmt_pct(v) if v is not None else (RESERVED if c in reserved else 'sin actividades')}"
        for c, v in pcts.items()) + "."
    return _duo(titles.comuna_women_title(cur), SECTION_WOMEN, figure_img(fig, alt, "grafico mapa", phone=phone),
                bars_html,
                note + _omitted_note(shapes), paragraph)


def age_sex_slide(ind: Mapping[str, Any], paragraph: str | None = None) -> str | None:
    """Women's share per age group of the region (people with sex recorded), with how the
    attendances with a recorded age divide among the groups (the base stated)."""
    from pipeline.report.slides import age_note

    pcts = ind.get("pct_mujeres_por_grupo_etario")
    if not pcts:
        return None
    return _shares_slide(ind, "pct_mujeres_por_grupo_etario", "asistencias_por_grupo_etario", list(pcts),
                         titles.age_women_title(pcts), "Porcentaje de mujeres por grupo de edad", "el grupo",
                         paragraph, more=age_note(ind.get("asistencias_por_grupo_etario") or {}, ind.get("asistencias")))


def _phone_map(shapes, values, **draw):
    """The map upright for a phone's narrow column, when the slide's is turned (else None: the
    slide's serves)."""
    return maps.comuna_map(shapes, values, turn=False, **draw) if maps.map_frame(shapes)[1] else None


def _omitted_note(shapes) -> str:
    if not shapes.omitted:
        return ""
    return f" No se muestran {', '.join(shapes.omitted)}, muy lejos del continente."


def map_slides(ind: Mapping[str, Any], texts=None) -> list[str]:
    """Coverage: the map of attendances per 1.000 inhabitants and the comuna bars on one slide
    (the women's map is on the women-by-comuna slide)."""
    from pipeline.reference import boundaries

    shapes = boundaries.region_shapes(ind["region"])
    by_comuna = ind.get("asistencias_por_comuna") or {}
    per_1000 = ind.get("asistencias_por_1000_habitantes")
    rate = {c: (v if by_comuna.get(c) else None) for c, v in (per_1000 or {}).items()}
    paragraph_of = (lambda key: texts.paragraph(key)) if texts is not None else (lambda key: None)
    ranked = sorted(((c, v) for c, v in rate.items() if v), key=lambda kv: -kv[1])
    alt = "Mapa de asistencias por 1.000 habitantes por comuna: " + "; ".join(
        f"{c}: {fmt_rate(v)}" for c, v in ranked) + "; sin actividades: " + (
        ", ".join(c for c, v in rate.items() if not v) or "ninguna") + "."
    fig = maps.comuna_map(shapes.shapes, rate, label="Asistencias por 1.000 habitantes")
    phone = _phone_map(shapes.shapes, rate, label="Asistencias por 1.000 habitantes")
    from pipeline.report.figures import alt_comunas

    bars = figure_img(charts.comuna_coverage(by_comuna, per_1000, size=(5.8, 6.2)), alt_comunas(by_comuna, per_1000))
    top = titles.map_rate_title(rate)
    note = f"{top}. Tasa según población del Censo 2017." + (
        " Comunas sin actividades, en gris rayado." if any(not v for v in rate.values()) else "") + _omitted_note(shapes)
    return [_duo(titles.coverage_title(ind), SECTION_PROVINCES, figure_img(fig, alt, "grafico mapa", phone=phone),
                 bars, note,
                 paragraph_of("comunas") or paragraph_of("mapa_tasa"))]


def achievements_slide(ind: Mapping[str, Any], texts=None) -> str | None:
    """The year's achievements: the office's list (textos.yml), else drafted from the plan."""
    from pipeline.report.texts import drafted_achievements, markdown

    items = texts.achievements if texts is not None and texts.achievements is not None else drafted_achievements(ind)
    if not items:
        return None
    body = markdown("\n".join(f"- {i}" for i in items))
    paragraph = texts.paragraph("logros") if texts is not None else None
    return _slide(_header(f"Dentro de nuestros logros {ind['anio']} podemos relevar", SECTION_PARTICIPATION)
                  + _lead(paragraph) + f'<div class="logros{" pocos" if len(items) <= 6 else ""}">{body}</div>',
                  "con-logros")


def closing_slide(ind: Mapping[str, Any], texts=None) -> str | None:
    """The closing slide of textos.yml (title and text), or None."""
    from pipeline.report.texts import markdown

    closing = texts.closing if texts is not None else None
    if not closing:
        return None
    hashtag = "" if closing.get("titulo", "").strip() == SECTION_PARTICIPATION else \
        f'<p class="hashtag">{esc(SECTION_PARTICIPATION)}</p>'  # never the same words twice
    return _slide(f'{hashtag}<h1>{esc(closing.get("titulo", ""))}</h1>'
                  + (f'<div class="parrafo">{markdown(closing["texto"])}</div>' if closing.get("texto") else ""),
                  "portada cierre")
