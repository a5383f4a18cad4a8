"""Pure helpers for the balance deck: Chilean number format, sentences, escaped HTML slides.

The notebook `03_balance.ipynb` calls these and shows the returned HTML with
`IPython.display.HTML`. Every text that may come from a sheet (titles, comunas,
organisations, lines of work) goes through `esc`, so `<script>` is shown, never run.
The only I/O here is reading the optional inputs beside the logs (photos of the
featured activities and the next year's plan), never writing.
"""
from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pipeline.report import photos
from pipeline.report.formats import (  # noqa: F401  (re-exported for the notebook)
    MESES, NO_DATA, esc, fmt_date, fmt_int, fmt_num, fmt_pct, share, variation_sentence,
)


HASHTAG = "#SERVIUConstruye con Participación"
PHOTO_SUFFIXES, PHOTO_MAX_BYTES, PHOTO_MAX_SIZE = photos.PHOTO_SUFFIXES, photos.PHOTO_MAX_BYTES, photos.PHOTO_MAX_SIZE
FIGURE_DPI = 100


# ---------------------------------------------------------------- figures and text

def figure_png(fig: Any, dpi: int = FIGURE_DPI) -> bytes:
    """A matplotlib Figure as PNG bytes (the figure is closed afterwards)."""
    from PIL import Image  # Pillow ships with matplotlib

    if _drawn_pixels_current(fig, dpi):  # drawn by plots._finish and unchanged since
        img = Image.frombuffer("RGBA", fig.canvas.get_width_height(physical=True), fig.canvas.buffer_rgba())
    else:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
        img = Image.open(io.BytesIO(buffer.getvalue()))
    # a chart has few colours: a 64-colour palette PNG is under a third of the size; the fast
    # octree quantizer without PNG optimisation is 4× quicker than median cut and smaller here
    with img:
        small = io.BytesIO()
        img.convert("RGB").quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(small, format="PNG")
    try:  # figures made by pyplot must be released; plain Figure objects just go
        import matplotlib.pyplot as plt

        plt.close(fig)
    except Exception:  # pragma: no cover - closing is best effort
        pass
    return small.getvalue()


def _drawn_pixels_current(fig: Any, dpi: int) -> bool:
    """True when the figure's Agg canvas holds a full draw at `dpi`, on opaque white (what
    `savefig(facecolor="white")` would give), with nothing changed since."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = getattr(fig, "canvas", None)
    return (isinstance(canvas, FigureCanvasAgg) and getattr(canvas, "renderer", None) is not None
            and not fig.stale and fig.dpi == dpi and tuple(fig.get_facecolor()) == (1.0, 1.0, 1.0, 1.0))


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def figure_img(fig: Any, alt: str, css_class: str = "grafico", dpi: int = FIGURE_DPI) -> str:
    """`<img>` holding the figure as a base64 PNG, with escaped alt text."""
    src = data_uri(figure_png(fig, dpi=dpi), "image/png")
    return f'<img class="{esc(css_class)}" src="{src}" alt="{esc(alt)}">'


def alt_counts(title: str, counts: Mapping[str, float], as_share: bool = True) -> str:
    """Alt text of a bar chart: its title and every bar in words."""
    total = sum(v for v in counts.values() if v)
    parts = []
    for name, value in counts.items():
        text = f"{name}: {fmt_int(value)}"
        if as_share and total:
            text += f" ({fmt_pct(share(value, total))})"
        parts.append(text)
    return f"{title}. " + "; ".join(parts) + "."


def alt_compare(title: str, current: Mapping[str, float], previous: Mapping[str, float] | None,
                labels: tuple[str, str]) -> str:
    """Alt text of a two-year comparison: every bar of each year in words."""
    text = alt_counts(f"{title}, {labels[0]}", current)
    if previous:
        text += " " + alt_counts(labels[1], previous)
    return text


def alt_comunas(asistencias: Mapping[str, float], per_1000: Mapping[str, float] | None) -> str:
    """Alt text of the comuna chart: attendances and rate of every comuna, ranked."""
    ranked = sorted(asistencias.items(), key=lambda kv: -kv[1])
    parts = []
    for comuna, n in ranked:
        text = f"{comuna}: {fmt_int(n)}"
        if per_1000 and per_1000.get(comuna) is not None:
            text += f" ({fmt_num(per_1000[comuna])} por 1.000 habitantes)"
        parts.append(text)
    return "Asistencias por comuna y por 1.000 habitantes (Censo 2017). " + "; ".join(parts) + "."


def month_counts(per_month: Mapping[str, int]) -> dict[str, int]:
    """{"01": n, …} → {"enero": n, …}, the twelve months in order."""
    return {MESES[m - 1]: per_month.get(f"{m:02d}", 0) for m in range(1, 13)}


# ---------------------------------------------------------------- slide pieces

def _header(title: str, hashtag: str = HASHTAG) -> str:
    return f'<p class="hashtag">{esc(hashtag)}</p><h2>{esc(title)}</h2>'


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


def reach(ind: Mapping[str, Any]) -> str:
    """Reach: attendances, persons where known, activities, comunas, change in words."""
    kpis = [_kpi(fmt_int(ind["asistencias"]), "asistencias")]
    if ind.get("personas_unicas") is not None:
        kpis.append(_kpi(fmt_int(ind["personas_unicas"]), "personas distintas"))
    kpis.append(_kpi(fmt_int(ind["actividades"]), "actividades"))
    kpis.append(
        _kpi(f'{fmt_int(ind["comunas_alcanzadas"])} de {fmt_int(ind["comunas_region"])}', "comunas alcanzadas")
    )
    # asistencias_anio_anterior is by definition the year before (indicadores.md)
    sentence = variation_sentence(ind.get("asistencias"), ind.get("asistencias_anio_anterior"), ind["anio"] - 1)
    lead = (
        f'<p class="frase">Las asistencias muestran {esc(sentence)}.</p>' if sentence else ""
    )
    return _slide(_header(f"Alcance {ind['anio']}") + f'<div class="kpis">{"".join(kpis)}</div>' + lead)


def women(ind: Mapping[str, Any]) -> str:
    """Women: count and share of attendances, the previous year's share beside."""
    previous = ind.get("anio_anterior") or {}
    kpis = [
        _kpi(fmt_int(ind["mujeres"]), "asistencias de mujeres"),
        _kpi(fmt_pct(ind.get("pct_mujeres")), f"del total en {ind['anio']}"),
    ]
    if previous.get("pct_mujeres") is not None:
        kpis.append(_kpi(fmt_pct(previous["pct_mujeres"]), f"del total en {previous.get('anio', '')}", "año anterior"))
    return _slide(_header("Participación de mujeres") + f'<div class="kpis">{"".join(kpis)}</div>')


def chart_slide(title: str, fig: Any, alt: str, note: str | None = None, hashtag: str = HASHTAG) -> str:
    """A slide holding one chart (embedded PNG) and an optional sentence under it."""
    note_html = f'<p class="nota">{esc(note)}</p>' if note else ""
    return _slide(_header(title, hashtag) + figure_img(fig, alt) + note_html, "con-grafico")


def table_html(columns: Iterable[str], rows: Iterable[Iterable[object]], css_class: str = "tabla") -> str:
    """A plain HTML table; every cell escaped."""
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f'<table class="{esc(css_class)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def zone_note(ind: Mapping[str, Any]) -> str | None:
    """"El 23,5% de las actividades se realizó en zonas rurales." or None without activities."""
    zonas = ind.get("actividades_por_zona") or {}
    pct = share(zonas.get("Rural", 0), sum(zonas.values()))
    if pct is None:
        return None
    return f"El {fmt_pct(pct)} de las actividades se realizó en zonas rurales."


def age_note(groups: Mapping[str, int]) -> str | None:
    """Share of children and adolescents and of older adults among attendances with age."""
    known = {k: v for k, v in groups.items() if k != "Sin información"}
    total = sum(known.values())
    if not total:
        return None
    ninos = share(known.get("0 a 17 años", 0), total)
    mayores = share(known.get("60 años y más", 0), total)
    return (
        f"Niños, niñas y adolescentes: {fmt_pct(ninos)}; personas mayores: {fmt_pct(mayores)} "
        "de las asistencias con edad registrada."
    )


def compliance_slide(rows: list[Mapping[str, Any]], year: int, total: float | None = None,
                     titulo: str | None = None) -> str:
    """Plan compliance: one row per commitment, with state and weight earned."""
    # weights may be written as fractions (0.25) or as percentage points (25)
    scale = 100 if all(float(r.get("ponderacion") or 0) <= 1 for r in rows) else 1
    body_rows = []
    total_w = total_won = 0.0
    for r in rows:
        w = float(r.get("ponderacion") or 0) * scale
        won = float(r.get("ponderacion_ganada") or 0) * scale
        body_rows.append([
            r.get("nombre"), fmt_num(r.get("meta"), 2), fmt_num(r.get("logrado"), 2),
            fmt_pct(r.get("pct_cumplimiento"), 1), r.get("estado"), fmt_pct(w, 1), fmt_pct(won, 1),
        ])
        total_w += w
        total_won += won
    table = table_html(
        ["Compromiso", "Meta", "Logrado", "% cumplimiento", "Estado", "Ponderación", "Ponderación ganada"],
        body_rows, "tabla tabla-plan",
    )
    won = float(total) * scale if total is not None else total_won  # same unit as the weights
    note = f'<p class="nota">Cumplimiento ponderado del plan: {esc(fmt_pct(won, 1))} de {esc(fmt_pct(total_w, 1))}.</p>'
    heading = f"Cumplimiento: {titulo}" if titulo else f"Cumplimiento del plan {year}"
    return _slide(_header(heading) + table + note, "con-tabla")


def trend_slide(fig: Any, rows: list[Mapping[str, Any]]) -> str:
    """Multi-year trend: a small chart per measure and the figures in a table."""
    years = [r.get("anio") for r in rows]
    alt = "Evolución por año de asistencias, actividades, porcentaje de mujeres y comunas alcanzadas: " + "; ".join(
        f"{r.get('anio')}: {fmt_int(r.get('asistencias'))} asistencias, {fmt_int(r.get('actividades'))} actividades, "
        f"{fmt_pct(r.get('pct_mujeres'))} mujeres, {fmt_int(r.get('comunas_alcanzadas'))} comunas"
        for r in rows
    ) + "."
    title = f"Evolución {min(years)}–{max(years)}" if years else "Evolución"
    return _slide(_header(title) + figure_img(fig, alt) + trend_table(rows), "con-grafico")


def trend_table(rows: list[Mapping[str, Any]]) -> str:
    return table_html(
        ["Año", "Asistencias", "Actividades", "% mujeres", "Comunas alcanzadas"],
        [[r.get("anio"), fmt_int(r.get("asistencias")), fmt_int(r.get("actividades")),
          fmt_pct(r.get("pct_mujeres")), fmt_int(r.get("comunas_alcanzadas"))] for r in rows],
        "tabla tabla-tendencia",
    )


# ---------------------------------------------------------------- highlights

def _read_photo(raw_dir: Path, name: str, fila: int = 0) -> str | None:
    """A photo beside destacadas.csv as a data URI (`photos.read_photo`: a regular file of the
    year's folder only, rebuilt from its pixels, refused by its row number, never its name)."""
    return photos.read_photo(raw_dir, name, fila)


def read_destacadas(ind: Mapping[str, Any], raw_dir: Path) -> list[dict[str, Any]]:
    """Featured activities, each with `foto_uri` (data URI or None).

    Taken from `indicadores["destacadas"]` (stage 2 reads destacadas.csv and screens it);
    when that key is absent, destacadas.csv beside the logs is read directly. No file: an
    empty list.
    """
    raw_dir = Path(raw_dir)
    if "destacadas" in ind and ind["destacadas"] is not None:
        rows = list(ind["destacadas"])
    else:
        rows = photos.read_highlights(raw_dir / "destacadas.csv")
    return photos.with_photos(rows, raw_dir)


def highlight_slide(item: Mapping[str, Any]) -> str:
    """One featured activity: title, date, comuna and province, line of work, photo."""
    place = item.get("comuna") or ""
    if item.get("provincia"):
        place = f"{place}, provincia de {item['provincia']}" if place else f"Provincia de {item['provincia']}"
    facts = [fmt_date(item.get("fecha")), place, item.get("linea") or ""]
    facts_html = "".join(f"<li>{esc(f)}</li>" for f in facts if f)
    photo = ""
    if item.get("foto_uri"):
        photo = (
            f'<img class="foto" src="{esc(item["foto_uri"])}" '
            f'alt="{esc("Fotografía de la actividad: " + str(item.get("titulo") or ""))}">'
        )
    body = f'<div class="destacada"><ul class="datos">{facts_html}</ul>{photo}</div>'
    return _slide(
        _header(str(item.get("titulo") or "Actividad destacada"), "#ParticipaciónCiudadana · Actividad destacada") + body,
        "con-foto" if photo else "",
    )


# ---------------------------------------------------------------- next year's plan

def plan_slide(plan: Mapping[str, Any], plan_year: int) -> str:
    """Next year's plan: commitments with target and weight where given."""
    rows = plan["compromisos"]
    has_meta = any(r.get("meta") is not None for r in rows)
    has_w = any(r.get("ponderacion") is not None for r in rows)
    columns = ["Compromiso"] + (["Meta"] if has_meta else []) + (["Ponderación"] if has_w else [])
    weights = [r.get("ponderacion") for r in rows if isinstance(r.get("ponderacion"), (int, float))]
    scale = 100 if weights and all(w <= 1 for w in weights) else 1  # fractions or percentage points
    body = []
    for r in rows:
        extra = r.get("descripcion") or (r.get("criterio") if isinstance(r.get("criterio"), str) else None)
        name = str(r["nombre"]) + (f" — {extra}" if extra else "")
        line = [name]
        if has_meta:
            line.append(fmt_num(r["meta"]) if isinstance(r.get("meta"), (int, float)) else (r.get("meta") or ""))
        if has_w:
            line.append(fmt_pct(r["ponderacion"] * scale, 1) if isinstance(r.get("ponderacion"), (int, float)) else "")
        body.append(line)
    title = plan.get("titulo") or f"Plan de Participación Ciudadana {plan_year}"
    return _slide(_header(str(title), f"#Desafíos{plan_year}") + table_html(columns, body, "tabla tabla-plan"), "con-tabla")
