"""The national deck: the sixteen regions of one year compared, from `indicadores-nacional.json`.

Called by `notebooks/04_balance_nacional.ipynb` as `slides` and `territory` are by the regional
deck: the national stage's JSON in, escaped HTML slides out, in the regional deck's house
style, formats and rules (a title states the message with its figure; a region without data
is said to be so, never drawn as a zero). Every figure is read from the JSON, none is
recomputed here, except a share of two of its figures (comunas reached of a region's comunas).
The only I/O is reading the JSON (`national_data`); the titles are in `national_titles`, the
charts in `national_charts`, the map in `national_maps`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.report import national_charts, national_maps
from pipeline.report.figures import PHONE_MEDIA, PHONE_WIDTH_IN, data_uri, figure_png
from pipeline.report.formats import esc, fmt_int, fmt_pct, fmt_rate, missing, share
from pipeline.report.national_data import (  # noqa: F401  (load, national_dir… for the notebook and stages)
    WITH_DATA, FAILED, GEOGRAPHIC_ORDER, JSON_NAME, NO_DATA, YEAR_ENV, load, names as _names, national_dir,
    national_year, regions, short_name, state_text as _state_text, values as _values,
)
from pipeline.report.national_titles import (
    attendances_title, comunas_title, organisations_title, plan_title, rate_ranking_title, rate_title,
    totals_title, types_title, variation_words, women_map_title, women_title,
)
from pipeline.report.slides import _header, _kpi, _slide, chart_slide
from pipeline.report.titles import SECTION_WOMEN, SECTION_ORGANISATIONS, SECTION_PARTICIPATION

SECTION_REGIONES = "#SERVIUConstruye con las Regiones"
TOP_TYPES = 5  # activity kinds drawn one by one per region; the rest are «Otros tipos»


# ---------------------------------------------------------------- slides

def cover(nac: Mapping[str, Any]) -> str:
    with_data = nac.get("regiones_con_datos") or 0
    return _slide(
        f'<p class="hashtag">{esc(SECTION_PARTICIPATION)}</p>'
        f'<h1>Balance nacional {esc(nac["anio"])}</h1>'
        f'<p class="subtitulo">Participación Ciudadana</p>'
        f'<p class="institucion">SERVIU de Chile: datos de {esc(fmt_int(with_data))} de las '
        f'{esc(fmt_int(len(nac["regiones"])))} regiones</p>',
        "portada",
    )


def _missing_sentence(nac: Mapping[str, Any]) -> str:
    """Which regions the figures leave out, and which the change compares."""
    parts = []
    compared = nac.get("regiones_comparadas")
    if variation_words(nac) and compared is not None and len(compared) < (nac.get("regiones_con_datos") or 0):
        if len(compared) == 1:
            short = {r["region"]: short_name(r) for r in nac["regiones"]}
            parts.append(f"La variación es la de {short.get(compared[0], compared[0])}, la única región con "
                         "registros de ambos años.")
        else:
            parts.append(f"La variación compara las {fmt_int(len(compared))} regiones con registros de ambos años.")
    if regions(nac, NO_DATA):
        parts.append(f"Sin datos: {_names([short_name(r) for r in regions(nac, NO_DATA)])}.")
    if regions(nac, FAILED):
        parts.append(f"Con error en su proceso: {_names([short_name(r) for r in regions(nac, FAILED)])}.")
    if regions(nac, NO_DATA) or regions(nac, FAILED):
        parts.append("No se cuentan como cero.")
    return " ".join(parts) or f"Cifras de las {fmt_int(len(nac['regiones']))} regiones."


def totals_slide(nac: Mapping[str, Any]) -> str:
    """The country's figures: attendances, people, activities, women's share, comunas and
    regions, the change on the previous year in the title."""
    kpis = [
        _kpi(fmt_int(nac["asistencias"]), "asistencias"),
        _kpi(fmt_int(nac.get("personas_distintas")), "personas distintas", "suma de las regiones"),
        _kpi(fmt_int(nac["actividades"]), "actividades"),
        _kpi(fmt_pct(nac.get("pct_mujeres")), "del público fueron mujeres"),
        _kpi(f"{fmt_int(nac.get('comunas_alcanzadas'))} de {fmt_int(nac.get('comunas_pais'))}", "comunas alcanzadas"),
        _kpi(f"{fmt_int(nac.get('regiones_con_datos'))} de {fmt_int(len(nac['regiones']))}", "regiones con datos"),
    ]
    return _slide(_header(totals_title(nac)) + f'<div class="kpis kpis-seis">{"".join(kpis)}</div>'
                  + f'<p class="frase">{esc(_missing_sentence(nac))}</p>', "con-kpis")


def _map_note(nac: Mapping[str, Any], what: str) -> str:
    parts = [what]
    if regions(nac, NO_DATA) + regions(nac, FAILED):
        parts.append("Gris rayado: sin cifra, no cero.")
    omitted = national_maps.omitted_territories()
    if omitted:
        parts.append(f"No se dibujan {_names(list(omitted))}, "
                     "lejos del continente.")
    return " ".join(parts)


def _map_figure(nac: Mapping[str, Any], key: str, label: str, kind: str, narrow: bool = False):
    """The map of `key` by region and its alt text (every region's figure, or why it has none);
    `narrow`: Chile whole in one tall strip, for the phone."""
    rows = regions(nac)
    values = {r["cut_region"]: (None if r["estado"] != WITH_DATA or missing(r.get(key)) else r[key]) for r in rows}
    names = {r["cut_region"]: short_name(r) for r in rows}
    reasons = {r["cut_region"]: _state_text(r) or "sin dato" for r in rows}
    shape = {"size": (PHONE_WIDTH_IN, 9.0), "strips": national_maps.PHONE_STRIPS} if narrow else {}
    fig = national_maps.region_map(names, values, label=label, kind=kind, missing=reasons, **shape)
    fmt = fmt_rate if kind == "rate" else fmt_pct
    alt = f"Mapa de Chile por región, {label.lower()}: " + "; ".join(
        f"{names[c]}: {fmt(v) if v is not None else reasons[c]}" for c, v in values.items()) + "."
    return fig, alt


def _picture(wide, narrow, alt: str, css_class: str = "grafico") -> str:
    """A figure for the slide and its own redraw for a phone, as `figure_img` gives the
    regional charts (for figures it cannot narrow by itself: a map, the 100 % bars)."""
    return (f'<picture><source media="{PHONE_MEDIA}" srcset="{data_uri(figure_png(narrow), "image/png")}">'
            f'<img class="{esc(css_class)}" src="{data_uri(figure_png(wide), "image/png")}" alt="{esc(alt)}">'
            f'</picture>')


def _map_slide(nac: Mapping[str, Any], key: str, label: str, kind: str, title: str, hashtag: str,
               what: str) -> str:
    fig, alt = _map_figure(nac, key, label, kind)
    narrow, _ = _map_figure(nac, key, label, kind, narrow=True)
    return _slide(_header(title, hashtag) + _picture(fig, narrow, alt, "grafico mapa")
                  + f'<p class="nota">{esc(_map_note(nac, what))}</p>', "con-grafico")


def rate_map_slide(nac: Mapping[str, Any]) -> str:
    return _map_slide(nac, "asistencias_por_1000_habitantes", "Asistencias por 1.000 habitantes", "rate",
                      rate_title(nac), SECTION_REGIONES, "Tasa según población del Censo 2017.")


def women_map_slide(nac: Mapping[str, Any]) -> str:
    return _map_slide(nac, "pct_mujeres", "% de mujeres en el público", "share", women_map_title(nac),
                      SECTION_WOMEN, "Porcentaje de las asistencias que fueron de mujeres.")


def _alt_values(title: str, values: Mapping[str, Any], fmt) -> str:
    return f"{title}. " + "; ".join(f"{k}: {fmt(v) if isinstance(v, (int, float)) else v}"
                                    for k, v in values.items()) + "."


def _grouped(values: Mapping[str, Any]) -> str:
    """The regions a ranking writes on one line («Otras 14 regiones: sin datos»), by name."""
    out = ""
    for text in sorted({v for v in values.values() if isinstance(v, str)}):
        same = [k for k, v in values.items() if v == text]
        if len(same) >= national_charts.COLLAPSE_FROM:
            out += f" {text[:1].upper() + text[1:]}: {_names(same)}."
    return out


def rate_ranking_slide(nac: Mapping[str, Any]) -> str:
    values = _values(nac, "asistencias_por_1000_habitantes")
    national = nac.get("asistencias_por_1000_habitantes")
    fig = national_charts.ranking_bars(values, fmt=fmt_rate, national=national,
                                       xlabel="Por 1.000 habitantes")
    return chart_slide(rate_ranking_title(nac), fig,
                       _alt_values("Regiones según asistencias por 1.000 habitantes", values, fmt_rate),
                       "Asistencias por 1.000 habitantes según el Censo 2017; la línea roja marca la tasa del país "
                       "(sus regiones con datos)." + _grouped(values), SECTION_REGIONES)


def women_ranking_slide(nac: Mapping[str, Any]) -> str:
    values = _values(nac, "pct_mujeres")
    fig = national_charts.ranking_bars(values, fmt=fmt_pct, national=nac.get("pct_mujeres"), xmax=100,
                                       xlabel="% de mujeres")
    return chart_slide(women_title(nac), fig, _alt_values("Porcentaje de mujeres por región", values, fmt_pct),
                       "Porcentaje de las asistencias que fueron de mujeres; la línea roja marca el del país."
                       + _grouped(values), SECTION_WOMEN)


def attendances_slide(nac: Mapping[str, Any]) -> str:
    values = _values(nac, "asistencias")
    total = nac.get("asistencias") or 0
    labels = {k: f"{fmt_int(v)} ({fmt_pct(share(v, total))})" for k, v in values.items()
              if isinstance(v, (int, float)) and total}
    fig = national_charts.ranking_bars(values, fmt=fmt_int, labels=labels, xlabel="Asistencias")
    return chart_slide(attendances_title(nac), fig, _alt_values("Asistencias por región", values, fmt_int),
                       f"Entre paréntesis, la parte de las {fmt_int(total)} asistencias del país." + _grouped(values),
                       SECTION_REGIONES)


def comunas_slide(nac: Mapping[str, Any]) -> str:
    values, labels = {}, {}
    for r in regions(nac):
        name = short_name(r)
        pct = share(r.get("comunas_alcanzadas") or 0, r.get("comunas_region") or 0)
        if r["estado"] != WITH_DATA or pct is None or missing(r.get("comunas_alcanzadas")):
            values[name] = _state_text(r) or "sin dato"
            continue
        values[name] = pct
        labels[name] = national_charts.count_label(r["comunas_alcanzadas"], r["comunas_region"])
    national = share(nac.get("comunas_alcanzadas") or 0, nac.get("comunas_pais") or 0)
    fig = national_charts.ranking_bars(values, fmt=fmt_pct, labels=labels, national=national, xmax=112,
                                       xlabel="% de las comunas")
    alt = "Comunas alcanzadas de las de cada región: " + "; ".join(
        f"{k}: {labels.get(k, v)}" for k, v in values.items()) + "."
    return chart_slide(comunas_title(nac), fig, alt,
                       "Junto a cada barra, las comunas alcanzadas de las de la región; la línea roja marca el "
                       "porcentaje del país." + _grouped(values), SECTION_REGIONES)


def _stack_rows(nac: Mapping[str, Any], key: str) -> dict[str, Any]:
    return {short_name(r): (_state_text(r) or r.get(key) or "sin dato") for r in regions(nac)}


def _stack_alt(title: str, rows: Mapping[str, Any]) -> str:
    parts = []
    for name, counts in rows.items():
        if isinstance(counts, str):
            parts.append(f"{name}: {counts}")
            continue
        total = sum(v for v in counts.values() if v)
        parts.append(f"{name}: " + ", ".join(f"{k} {fmt_pct(share(v, total))}" for k, v in counts.items() if v))
    return f"{title}. " + "; ".join(parts) + "."


def _stacks_slide(nac: Mapping[str, Any], key: str, categories: list[str], title: str, alt_title: str,
                  note: str | None, hashtag: str, others: str) -> str:
    """The regions' 100 % bars on the slide, and drawn again at a phone's width (its legend
    wrapped) for the reading version, as `figure_img` does for the regional charts."""
    rows = _stack_rows(nac, key)
    groups = {short_name(r): r.get("macrozona", "") for r in regions(nac)}
    # half the country without data: named in the note, not drawn as rows of «sin datos»
    texts = [v for v in rows.values() if isinstance(v, str)]
    collapsed = {t for t in texts if texts.count(t) >= national_charts.COLLAPSE_FROM}
    drawn = {k: v for k, v in rows.items() if not (isinstance(v, str) and v in collapsed)}
    grouped = _grouped(rows)
    wide = national_charts.region_stacks(drawn, groups, categories=categories, others=others)
    narrow = national_charts.region_stacks(drawn, groups, categories=categories, width=PHONE_WIDTH_IN,
                                           legend_columns=1, others=others)
    img = _picture(wide, narrow, _stack_alt(alt_title, rows))
    note = ((note or "") + grouped).strip()
    note_html = f'<p class="nota">{esc(note)}</p>' if note else ""
    return _slide(_header(title, hashtag) + img + note_html, "con-grafico")


def types_slide(nac: Mapping[str, Any]) -> str:
    national = nac.get("actividades_por_tipo_actividad") or {}
    top = [k for k, v in sorted(national.items(), key=lambda kv: -(kv[1] or 0))
           if v and k != "Sin información"][:TOP_TYPES]
    return _stacks_slide(nac, "actividades_por_tipo_actividad", top, types_title(nac),
                         "Porcentaje de actividades por tipo, por región",
                         "Los tipos más frecuentes del país, cada uno con su color; los demás, en «Otros tipos».",
                         SECTION_REGIONES, "Otros tipos")


def organisations_slide(nac: Mapping[str, Any]) -> str:
    national = nac.get("actividades_por_tipo_organizacion") or {}
    cats = [k for k, v in national.items() if v and k != "Sin información"]
    return _stacks_slide(nac, "actividades_por_tipo_organizacion", cats, organisations_title(nac),
                         "Porcentaje de actividades por tipo de organización, por región",
                         "Porcentaje de las actividades de cada región, por tipo de organización.",
                         SECTION_ORGANISATIONS, "Sin información")


def plan_slide(nac: Mapping[str, Any]) -> str | None:
    """Plan compliance (ponderación ganada, 0–100) of each region that reported its plan;
    None when none did."""
    values = {}
    for r in regions(nac):
        if r["estado"] != WITH_DATA:
            continue
        value = r.get("cumplimiento_plan_total")
        values[short_name(r)] = "sin plan informado" if missing(value) else value
    if not any(isinstance(v, (int, float)) for v in values.values()):
        return None
    fig = national_charts.ranking_bars(values, fmt=fmt_pct, xmax=112, xlabel="Ponderación ganada")
    return chart_slide(plan_title(nac), fig, _alt_values("Cumplimiento del plan por región", values, fmt_pct),
                       "Cumplimiento del plan anual de participación de cada región con datos, como lo publica su "
                       "balance.", SECTION_PARTICIPATION)


def links_slide(nac: Mapping[str, Any]) -> str:
    """Each region's own deck, north to south (a region without data says so)."""
    cells = []
    for r in regions(nac):
        name = esc(short_name(r))
        if r["estado"] == WITH_DATA and r.get("balance"):
            figure = f'{fmt_int(r.get("asistencias"))} asistencias'
            cells.append(f'<li class="region con-datos"><a href="{esc(r["balance"])}">{name}</a>'
                         f'<span class="cifra">{esc(figure)}</span></li>')
        else:
            state = _state_text(r) or "sin balance"
            cells.append(f'<li class="region {esc(state.replace(" ", "-"))}"><span class="nombre">{name}</span>'
                         f'<span class="cifra">{esc(state)}</span></li>')
    return _slide(_header(f"El balance de cada región, {nac['anio']}", SECTION_REGIONES)
                  + f'<ul class="regiones">{"".join(cells)}</ul>'
                  + '<p class="nota">Cada nombre abre el balance de su región (en la misma carpeta de resultados).</p>',
                  "con-regiones")
