"""Action titles and sentences of the deck: every rule that turns figures into words.

A slide's title states its message with the figure, as the published balance does ("El 75 %
de nuestro público fueron mujeres"), under its section's hashtag. Comparisons with the
previous year follow one rule (`change`): increase, decrease, no change, first year (nothing
to compare with) or missing data (the figure itself is unknown). Shares are compared in
percentage points: a difference below `SAME_SHARE_POINTS` is "no variation", as the office
writes it ("Esta cifra no tuvo variación en términos porcentuales").
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.report.formats import MESES, fmt_int, fmt_num, fmt_pct, fmt_rate, missing, share

SECTION_PARTICIPACION = "#SERVIUConstruye con Participación"
SECTION_MUJERES = "#SERVIUConstruye con las Mujeres"
SECTION_PROVINCIAS = "#SERVIUConstruye con las Provincias"
SECTION_ORGANIZACIONES = "#SERVIUConstruye con Organizaciones"

INCREASE, DECREASE, SAME, FIRST_YEAR, MISSING = "aumento", "disminucion", "igual", "primer_anio", "sin_dato"
SAME_SHARE_POINTS = 1.0  # percentage points


def change(current: float | None, previous: float | None, *, tolerance: float = 0.0) -> str:
    """How a figure moved: `aumento`, `disminucion`, `igual`, `primer_anio` or `sin_dato`.

    `sin_dato` when the current figure is unknown; `primer_anio` when there is no previous
    figure (or it was zero, so no change in percent exists); `igual` within `tolerance`."""
    if missing(current):
        return MISSING
    if missing(previous):
        return FIRST_YEAR
    diff = float(current) - float(previous)
    if abs(diff) <= tolerance:
        return SAME
    return INCREASE if diff > 0 else DECREASE


def variation_pct(current: float | None, previous: float | None) -> float | None:
    """(current / previous − 1) × 100 with two decimals, the definition of
    `variacion_asistencias_pct`; None without a positive previous figure."""
    if missing(current) or missing(previous) or float(previous) <= 0:
        return None
    return round((float(current) / float(previous) - 1) * 100, 2)


def variation_sentence(asist: int | None, prev: int | None, prev_year: int | None) -> str | None:
    """The change on the previous year in words, or None when there is nothing to compare.

    "un incremento del 40 % respecto de 2016" / "una disminución del 12,5 % respecto de 2016" /
    "el mismo nivel de 2016"."""
    pct = variation_pct(asist, prev)
    if pct is None or prev_year is None:
        return None
    kind = change(pct, 0.0)
    if kind == INCREASE:
        return f"un incremento del {fmt_pct(pct)} respecto de {prev_year}"
    if kind == DECREASE:
        return f"una disminución del {fmt_pct(-pct)} respecto de {prev_year}"
    return f"el mismo nivel de {prev_year}"


def share_change_sentence(pct: float | None, prev_pct: float | None, prev_year: int | None,
                          year: int) -> str | None:
    """The office's sentence on a share against the previous year's, or the caution when the
    share is unknown; None in a first year (nothing to say)."""
    kind = change(pct, prev_pct, tolerance=SAME_SHARE_POINTS - 0.05)
    if kind == MISSING:
        return f"Es necesario precisar este dato durante la gestión {year + 1}."
    if kind == FIRST_YEAR or prev_year is None:
        return None
    before = f"{fmt_pct(prev_pct)} en {prev_year}"
    if kind == SAME:
        return f"Esta cifra no tuvo variación en términos porcentuales respecto de {prev_year} ({fmt_pct(prev_pct)})."
    points = fmt_num(abs(float(pct) - float(prev_pct)), 0)
    word = "subió" if kind == INCREASE else "bajó"
    unit = "punto" if points == "1" else "puntos"
    return f"Esta cifra {word} {points} {unit} porcentuales respecto de {before}."


def count(n: float | None, singular: str, plural: str) -> str:
    """"1 actividad", "167 actividades", "— actividades" (a figure and its noun agree)."""
    return f"{fmt_int(n)} {singular if n == 1 else plural}"


# ---------------------------------------------------------------- one title per slide

def reach_title(ind: Mapping[str, Any]) -> str:
    year, total = ind.get("anio"), ind.get("asistencias")
    if missing(total):
        return f"Participación Ciudadana {year}"
    sentence = variation_sentence(total, ind.get("asistencias_anio_anterior"), (year or 0) - 1)
    head = (f"{count(total, 'asistencia', 'asistencias')} en "
            f"{count(ind.get('actividades'), 'actividad', 'actividades')} durante {year}")
    return f"{head}: {sentence}" if sentence else head


def women_title(ind: Mapping[str, Any]) -> str:
    pct = ind.get("pct_mujeres")
    if missing(pct):
        return "Sin registro del sexo de nuestro público"
    verb = "fueron" if pct >= 50 else "fue"
    return f"El {fmt_pct(pct)} de nuestro público {verb} mujeres"


def _top(counts: Mapping[str, float]) -> tuple[str, float] | None:
    items = [(k, v) for k, v in counts.items() if not missing(v) and isinstance(v, (int, float))]
    if not items or max(v for _, v in items) <= 0:
        return None
    return max(items, key=lambda kv: kv[1])


def province_title(por_provincia: Mapping[str, Mapping[str, Any]]) -> str:
    """"Limarí concentró el 40 % de las asistencias" (attendances by province)."""
    counts = {p: v.get("asistencias", 0) for p, v in por_provincia.items()}
    top = _top(counts)
    if top is None:
        return "Asistencias por provincia"
    return f"{top[0]} concentró el {fmt_pct(share(top[1], sum(counts.values())))} de las asistencias"


def province_women_title(por_provincia: Mapping[str, Mapping[str, Any]]) -> str:
    pcts = {p: v.get("pct_mujeres") for p, v in por_provincia.items() if not missing(v.get("pct_mujeres"))}
    if not pcts:
        return "Mujeres por provincia: sin registro del sexo"
    if all(p > 50 for p in pcts.values()):
        low = min(pcts.values())
        return f"Las mujeres fueron mayoría en {'todas las' if len(pcts) > 1 else 'la'} provincia{'s' if len(pcts) > 1 else ''}: al menos el {fmt_pct(low)}"
    top = max(pcts.items(), key=lambda kv: kv[1])
    return f"{top[0]} tuvo la mayor participación de mujeres: {fmt_pct(top[1])}"


def comuna_women_title(pct_por_comuna: Mapping[str, Any]) -> str:
    pcts = {c: v for c, v in pct_por_comuna.items() if isinstance(v, (int, float)) and not missing(v)}
    if not pcts:
        return "Mujeres por comuna: cifras reservadas por ser pequeñas"
    majority = sum(1 for v in pcts.values() if v > 50)
    if len(pcts) == 1:
        comuna, value = next(iter(pcts.items()))
        return f"En {comuna}, el {fmt_pct(value)} del público fueron mujeres"
    return f"Las mujeres fueron mayoría en {fmt_int(majority)} de las {fmt_int(len(pcts))} comunas con cifras publicables"


def coverage_title(ind: Mapping[str, Any]) -> str:
    reached, total = ind.get("comunas_alcanzadas"), ind.get("comunas_region")
    if missing(reached) or not total:
        return "Cobertura por comuna"
    if reached == total:
        return f"Llegamos a las {fmt_int(total)} comunas de la región"
    return f"Llegamos a {fmt_int(reached)} de las {fmt_int(total)} comunas de la región"


def map_rate_title(per_1000: Mapping[str, float] | None) -> str:
    top = _top(per_1000 or {})
    if top is None:
        return "Asistencias por 1.000 habitantes"
    return f"{top[0]} tuvo la mayor tasa: {fmt_rate(top[1])} asistencias por 1.000 habitantes"


def age_title(groups: Mapping[str, int] | None) -> str:
    known = {k: v for k, v in (groups or {}).items() if k != "Sin información" and isinstance(v, (int, float))}
    top = _top(known)
    if top is None:
        return "Sin registro de edad de nuestro público"
    return f"El {fmt_pct(share(top[1], sum(known.values())))} del público con edad registrada tenía {top[0]}"


def organisations_title(counts: Mapping[str, int], previous: Mapping[str, int] | None, prev_year: Any) -> str:
    known = {k: v for k, v in counts.items() if k != "Sin información"}
    top = _top(known)
    if top is None:
        return "Actividades por tipo de organización"
    pct = share(top[1], sum(counts.values()))
    title = f"El {fmt_pct(pct)} de nuestras actividades fue con {_plural(top[0])}"
    if previous and sum(previous.values()):
        before = share(previous.get(top[0], 0), sum(previous.values()))
        if change(pct, before, tolerance=SAME_SHARE_POINTS - 0.05) != SAME:
            title += f" ({fmt_pct(before)} en {prev_year})"
    return title


def _plural(category: str) -> str:
    return {"Comité de Vivienda": "Comités de Vivienda", "Junta de Vecinos": "Juntas de Vecinos",
            "Otras organizaciones": "otras organizaciones"}.get(category, category)


def zone_title(zonas: Mapping[str, int]) -> str:
    total = sum(zonas.values())
    pct = share(zonas.get("Urbano", 0), total)
    if pct is None or not (zonas.get("Urbano") or zonas.get("Rural")):
        return "Equidad territorial: sin registro de zona"
    return f"El {fmt_pct(pct)} de nuestras acciones se desarrolló en contextos urbanos"


def types_title(counts: Mapping[str, int]) -> str:
    top = _top({k: v for k, v in counts.items() if k != "Sin información"})
    if top is None:
        return "Tipos de actividad"
    return f"{top[0]}: el {fmt_pct(share(top[1], sum(counts.values())))} de las actividades"


def lines_title(counts: Mapping[str, int]) -> str:
    top = _top({k: v for k, v in counts.items() if k != "Sin información"})
    if top is None:
        return "Líneas de trabajo"
    return f"{top[0]}: la línea con más actividades ({fmt_int(top[1])})" if len(counts) > 1 else \
        f"{top[0]}: {count(top[1], 'actividad', 'actividades')}"


def month_title(per_month: Mapping[str, int]) -> str:
    top = _top(per_month)
    if top is None:
        return "Actividades por mes"
    month = MESES[int(top[0]) - 1].capitalize()
    if sum(1 for v in per_month.values() if v) == 1:
        return f"{month}: {count(top[1], 'actividad', 'actividades')}, el único mes con actividades"
    return f"{month} fue el mes con más actividades: {fmt_int(top[1])}"


def trend_title(rows: list[Mapping[str, Any]]) -> str:
    rows = sorted(rows, key=lambda r: r.get("anio") or 0)
    if len(rows) < 2:
        return "Evolución"
    first, last = rows[0], rows[-1]
    kind = change(last.get("asistencias"), first.get("asistencias"))
    span = f"de {fmt_int(first.get('asistencias'))} en {first.get('anio')} a {fmt_int(last.get('asistencias'))} en {last.get('anio')}"
    if kind == INCREASE:
        return f"Las asistencias crecieron {span}"
    if kind == DECREASE:
        return f"Las asistencias bajaron {span}"
    if kind == SAME:
        return f"Las asistencias se mantuvieron entre {first.get('anio')} y {last.get('anio')}"
    return f"Evolución {first.get('anio')}–{last.get('anio')}"


def province_share_title(activities: Mapping[str, float] | None, attendances: Mapping[str, float] | None) -> str:
    """«Elqui concentró el 54,4 % de las actividades y el 57,2 % de las asistencias» (the top
    province by activities; by attendances when activities are not known)."""
    activities, attendances = dict(activities or {}), dict(attendances or {})
    top = _top(activities) or _top(attendances)
    if top is None:
        return "Actividades y asistencias por provincia"
    province = top[0]
    parts = []
    if activities:
        parts.append(f"el {fmt_pct(share(activities.get(province, 0), sum(activities.values())))} de las actividades")
    if attendances:
        parts.append(f"el {fmt_pct(share(attendances.get(province, 0), sum(attendances.values())))} de las asistencias")
    return f"{province} concentró " + " y ".join(parts)
