"""Pure helpers for the balance deck: Chilean number format, sentences, escaped HTML slides.

The notebook `03_balance.ipynb` calls these and shows the returned HTML with
`IPython.display.HTML`. Every text that may come from a sheet (titles, comunas,
organisations, lines of work) goes through `esc`, so `<script>` is shown, never run.
The only I/O here is reading the optional inputs beside the logs (photos of the
featured activities and the next year's plan), never writing.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pipeline.report.formats import (  # noqa: F401  (re-exported for the notebook)
    MONTHS, NO_DATA, esc, fmt_date, fmt_int, fmt_num, fmt_pct, share,
)
from pipeline.report import photos, titles
from pipeline.report.figures import (  # noqa: F401  (re-exported for the notebook)
    FIGURE_DPI, alt_comunas, alt_compare, alt_counts, data_uri, figure_img, figure_png, month_counts,
)
from pipeline.report.titles import (  # noqa: F401
    SECTION_WOMEN, SECTION_ORGANISATIONS, SECTION_PARTICIPATION, SECTION_PROVINCES, variation_sentence,
)


HASHTAG = SECTION_PARTICIPATION
PHOTO_SUFFIXES, PHOTO_MAX_BYTES, PHOTO_MAX_SIZE = photos.PHOTO_SUFFIXES, photos.PHOTO_MAX_BYTES, photos.PHOTO_MAX_SIZE


# ---------------------------------------------------------------- slide pieces

def _header(title: str, hashtag: str = HASHTAG) -> str:
    return f'<p class="hashtag">{esc(hashtag)}</p><h2>{esc(title)}</h2>'


def _lead(paragraph: str | None, default: str | None = None) -> str:
    """The office's paragraph (already safe HTML from `texts`), else the default sentence."""
    if paragraph:
        return f'<div class="parrafo">{paragraph}</div>'
    return f'<p class="frase">{esc(default)}</p>' if default else ""


def _slide(body: str, css_class: str = "") -> str:
    return f'<div class="diapositiva {esc(css_class)}">{body}</div>'


def _kpi(value: str, label: str, note: str = "") -> str:
    note_html = f'<span class="kpi-nota">{esc(note)}</span>' if note else ""
    return (
        f'<div class="kpi"><span class="kpi-valor">{esc(value)}</span>'
        f'<span class="kpi-etiqueta">{esc(label)}</span>{note_html}</div>'
    )


def _region_name(ind: Mapping[str, Any]) -> str:
    return ind.get("region_nombre_completo") or f"Región de {ind.get('region', '')}"


def cover(ind: Mapping[str, Any]) -> str:
    """Cover: "Balance <año> — Participación Ciudadana — SERVIU Región de <región>"."""
    return _slide(
        f'<p class="hashtag">{esc(HASHTAG)}</p>'
        f'<h1>Balance {esc(ind["anio"])}</h1>'
        f'<p class="subtitulo">Participación Ciudadana</p>'
        f'<p class="institucion">SERVIU {esc(_region_name(ind))}</p>',
        "portada",
    )


def reach(ind: Mapping[str, Any], paragraph: str | None = None) -> str:
    """Reach: attendances, persons where known, activities, comunas, change in words."""
    def label(n, one, many):
        return one if n == 1 else many

    kpis = [_kpi(fmt_int(ind["asistencias"]), label(ind["asistencias"], "asistencia", "asistencias"))]
    # the deck's one number of people (disclosure's definition); older files had only personas_unicas
    people = ind["personas_distintas"] if "personas_distintas" in ind else ind.get("personas_unicas")
    if people is not None:
        kpis.append(_kpi(fmt_int(people), label(people, "persona distinta", "personas distintas")))
    kpis.append(_kpi(fmt_int(ind["actividades"]), label(ind["actividades"], "actividad", "actividades")))
    kpis.append(
        _kpi(f'{fmt_int(ind["comunas_alcanzadas"])} de {fmt_int(ind["comunas_region"])}', "comunas alcanzadas")
    )
    # asistencias_anio_anterior is by definition the year before (indicadores.md)
    sentence = variation_sentence(ind.get("asistencias"), ind.get("asistencias_anio_anterior"), ind["anio"] - 1)
    default = f"Las asistencias muestran {sentence}." if sentence else (
        f"Durante {ind['anio']} desarrollamos acciones de Participación Ciudadana en "
        f"{titles.count(ind['comunas_alcanzadas'], 'comuna', 'comunas')} de la región.")
    return _slide(_header(titles.reach_title(ind)) + f'<div class="kpis">{"".join(kpis)}</div>'
                  + _lead(paragraph, default), "con-kpis")


def women(ind: Mapping[str, Any], paragraph: str | None = None) -> str:
    """Women: count and share of attendances, the previous year's share beside."""
    previous = ind.get("anio_anterior") or {}
    kpis = [
        _kpi(fmt_int(ind["mujeres"]), "asistencias de mujeres"),
        _kpi(fmt_pct(ind.get("pct_mujeres")), f"del total en {ind['anio']}"),
    ]
    if previous.get("pct_mujeres") is not None:
        kpis.append(_kpi(fmt_pct(previous["pct_mujeres"]), f"del total en {previous.get('anio', '')}", "año anterior"))
    default = titles.share_change_sentence(ind.get("pct_mujeres"), previous.get("pct_mujeres"),
                                           previous.get("anio"), ind["anio"])
    return _slide(_header(titles.women_title(ind), SECTION_WOMEN) + f'<div class="kpis">{"".join(kpis)}</div>'
                  + _lead(paragraph, default), "con-kpis")


def chart_slide(title: str, fig: Any, alt: str, note: str | None = None, hashtag: str = HASHTAG,
                paragraph: str | None = None) -> str:
    """A slide holding one chart (embedded PNG) and a sentence under it: the office's
    paragraph (`texts`) when there is one, else `note`."""
    note_html = f'<div class="nota parrafo">{paragraph}</div>' if paragraph else (
        f'<p class="nota">{esc(note)}</p>' if note else "")
    return _slide(_header(title, hashtag) + figure_img(fig, alt) + note_html, "con-grafico")


def table_html(columns: Iterable[str], rows: Iterable[Iterable[object]], css_class: str = "tabla") -> str:
    """A plain HTML table; every cell escaped."""
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f'<table class="{esc(css_class)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def zone_note(ind: Mapping[str, Any]) -> str | None:
    """"El 23,5% de las actividades se realizó en zonas rurales." or None without activities."""
    by_zone = ind.get("actividades_por_zona") or {}
    pct = share(by_zone.get("Rural", 0), sum(by_zone.values()))
    if pct is None or not (by_zone.get("Rural") or by_zone.get("Urbano")):  # no zone recorded at all
        return None
    return f"El {fmt_pct(pct)} de las actividades se realizó en zonas rurales."


def age_note(groups: Mapping[str, int], total: int | None = None) -> str | None:
    """The age groups' shares of attendances with a recorded age, the base stated: «De las
    5.094 asistencias con edad registrada (de 5.760), el 65,2 % fue de 18 a 59 años; niños,
    niñas y adolescentes, 5,2 %; personas mayores, 29,6 %»."""
    known = {k: v for k, v in groups.items() if k != "Sin información"}
    base = sum(known.values())
    if not base:
        return None
    top = max(known, key=known.get)
    of = f" (de {fmt_int(total)})" if total and total != base else ""
    parts = [f"De las {fmt_int(base)} asistencias con edad registrada{of}, el {fmt_pct(share(known[top], base))} "
             f"fue de personas de {top}"]
    for key, words in (("0 a 17 años", "niños, niñas y adolescentes"), ("60 años y más", "personas mayores")):
        if key != top and key in known:
            parts.append(f"{words}, {fmt_pct(share(known[key], base))}")
    return "; ".join(parts) + "."


def compliance_slide(rows: list[Mapping[str, Any]], year: int, total: float | None = None,
                     title: str | None = None) -> str:
    """The year's plan compliance (rows of `cumplimiento_plan`), as `plan_slides.status_slide`
    shows every plan: Meta, Logrado, Plazo, Estado."""
    from pipeline.report import plan_slides

    return plan_slides.status_slide(plan_slides.legacy_plan(
        {"anio": year, "cumplimiento_plan": rows, "cumplimiento_plan_total": total, "plan_titulo": title}), year)


def trend_slide(fig: Any, rows: list[Mapping[str, Any]]) -> str:
    """Multi-year trend: a small chart per measure and the figures in a table."""
    years = [r.get("anio") for r in rows]
    alt = "Evolución por año de asistencias, actividades, porcentaje de mujeres y comunas alcanzadas: " + "; ".join(
        f"{r.get('anio')}: {fmt_int(r.get('asistencias'))} asistencias, {fmt_int(r.get('actividades'))} actividades, "
        f"{fmt_pct(r.get('pct_mujeres'))} mujeres, {fmt_int(r.get('comunas_alcanzadas'))} comunas"
        for r in rows
    ) + "."
    title = titles.trend_title(rows) if years else "Evolución"
    table = trend_table(rows) if len(rows) <= 6 else ""  # beyond that the chart alone reads
    return _slide(_header(title) + figure_img(fig, alt) + table, "con-grafico")


def trend_table(rows: list[Mapping[str, Any]]) -> str:
    return table_html(
        ["Año", "Asistencias", "Actividades", "% mujeres", "Comunas alcanzadas"],
        [[r.get("anio"), fmt_int(r.get("asistencias")), fmt_int(r.get("actividades")),
          fmt_pct(r.get("pct_mujeres")), fmt_int(r.get("comunas_alcanzadas"))] for r in rows],
        "tabla tabla-tendencia",
    )


# ---------------------------------------------------------------- highlights

def highlights_with_photos(ind: Mapping[str, Any], raw_dir: Path) -> list[dict[str, Any]]:
    """The featured activities of `ind`, each with its photo as `foto_uri` (data URI or None).

    Taken from `indicadores["destacadas"]` only: stage 2 reads destacadas.csv and screens it
    for personal data (the file itself is never read here, unscreened). None: an empty list.
    """
    raw_dir = Path(raw_dir)
    return photos.with_photos(list(ind.get("destacadas") or []), raw_dir)


def _facts(item: Mapping[str, Any]) -> list[str]:
    place = item.get("comuna") or ""
    if item.get("provincia"):
        place = f"{place}, provincia de {item['provincia']}" if place else f"Provincia de {item['provincia']}"
    linea = str(item.get("linea") or "")
    linea = linea[:1].upper() + linea[1:].lower()  # sentence case, as the charts write lines of work
    return [f for f in (fmt_date(item.get("fecha")), place, linea) if f]


def highlight_slide(item: Mapping[str, Any]) -> str:
    """One featured activity: title, date, comuna and province, line of work, photo (without a
    photo, the facts in a compact card: the place is written once)."""
    facts_html = "".join(f"<li>{esc(f)}</li>" for f in _facts(item))
    photo = ""
    if item.get("foto_uri"):
        photo = (
            f'<img class="foto" src="{esc(item["foto_uri"])}" '
            f'alt="{esc("Fotografía de la actividad: " + str(item.get("titulo") or ""))}">'
        )
    if photo:
        body = f'<div class="destacada"><ul class="datos">{facts_html}</ul>{photo}</div>'
    else:
        body = f'<div class="destacada tarjeta"><ul class="datos">{facts_html}</ul></div>'
    return _slide(
        _header(str(item.get("titulo") or "Actividad destacada"), f"{HASHTAG} · Actividad destacada") + body,
        "con-foto" if photo else "con-tarjeta",
    )


def highlight_slides(items: list[Mapping[str, Any]], year: int | None = None) -> list[str]:
    """A slide per featured activity with a photo; those without one share a slide of compact
    cards (one card alone keeps its own title), so no slide is a lone card on a blank page."""
    with_photo = [i for i in items if i.get("foto_uri")]
    cards = [i for i in items if not i.get("foto_uri")]
    out = [highlight_slide(i) for i in with_photo]
    if len(cards) == 1:
        out.append(highlight_slide(cards[0]))
    elif cards:
        grid = "".join(
            f'<div class="tarjeta-mini"><h3>{esc(str(i.get("titulo") or "Actividad destacada"))}</h3>'
            f'<ul class="datos">{"".join(f"<li>{esc(f)}</li>" for f in _facts(i))}</ul></div>' for i in cards)
        title = f"Más actividades destacadas de {year}" if with_photo and year else "Actividades destacadas"
        out.append(_slide(_header(title, f"{HASHTAG} · Actividad destacada")
                          + f'<div class="tarjetas">{grid}</div>', "con-tarjetas"))
    return out


# ---------------------------------------------------------------- next year's plan

def plan_slide(plan: Mapping[str, Any], plan_year: int) -> str:
    """Next year's plan (`plan_slides.next_plan_slide`)."""
    from pipeline.report import plan_slides

    return plan_slides.next_plan_slide(plan, plan_year)
