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

from pipeline.report.formats import MONTHS, fmt_int, fmt_num, fmt_pct, fmt_rate, missing, share

SECTION_PARTICIPATION = "#SERVIUConstruye con Participación"
SECTION_WOMEN = "#SERVIUConstruye con las Mujeres"
SECTION_PROVINCES = "#SERVIUConstruye con las Provincias"
SECTION_ORGANISATIONS = "#SERVIUConstruye con Organizaciones"

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


def variation_sentence(attendances: int | None, prev: int | None, prev_year: int | None) -> str | None:
    """The change on the previous year in words, or None when there is nothing to compare.

    "un incremento del 40 % respecto de 2016" / "una disminución del 12,5 % respecto de 2016" /
    "el mismo nivel de 2016"."""
    pct = variation_pct(attendances, prev)
    if pct is None or prev_year is None:
        return None
    return change_words(pct, prev_year)


def change_words(pct: float, prev_year: int) -> str:
    """A percentage change on `prev_year` in words (the regional and the national decks')."""
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


def province_title(by_province: Mapping[str, Any]) -> str:
    """"Limarí concentró el 40 % de las asistencias" (attendances by province)."""
    counts = {p: v for p, v in by_province.items() if isinstance(v, (int, float))}
    top = _top(counts)
    if top is None:
        return "Asistencias por provincia"
    return f"{top[0]} concentró el {fmt_pct(share(top[1], sum(counts.values())))} de las asistencias"


def _shares(pcts: Mapping[str, Any] | None) -> dict[str, float]:
    """The published shares of a mapping (a reserved share is None; a text says why there is none)."""
    return {k: v for k, v in (pcts or {}).items() if isinstance(v, (int, float)) and not missing(v)}


def province_women_title(pct_by_province: Mapping[str, Any],
                         attendances_by_province: Mapping[str, Any] | None = None) -> str:
    """The women's majority across provinces, or the province with the largest share. A
    province without attendances has no share: «todas» then covers those with activities."""
    active = [p for p in pct_by_province
              if attendances_by_province is None or (attendances_by_province.get(p) or 0) > 0]
    pcts = _shares({p: pct_by_province[p] for p in active})
    if not pcts:
        return "Mujeres por provincia: cifras reservadas por ser pequeñas"
    if all(p > 50 for p in pcts.values()) and len(pcts) == len(active):
        low = min(pcts.values())
        some = " con actividades" if len(active) < len(pct_by_province) else ""
        where = f"todas las provincias{some}" if len(pcts) > 1 else f"la provincia{some}" if some else "la provincia"
        if len(pcts) == 1 and some:
            where = f"{next(iter(pcts))}, la única provincia con actividades"
        return f"Las mujeres fueron mayoría en {where}: al menos el {fmt_pct(low)}"
    top = max(pcts.items(), key=lambda kv: kv[1])
    return f"{top[0]} tuvo la mayor participación de mujeres: {fmt_pct(top[1])}"


def comuna_women_title(pct_by_comuna: Mapping[str, Any]) -> str:
    pcts = _shares(pct_by_comuna)
    if not pcts:
        return "Mujeres por comuna: cifras reservadas por ser pequeñas"
    majority = sum(1 for v in pcts.values() if v > 50)
    if len(pcts) == 1:
        comuna, value = next(iter(pcts.items()))
        return f"En {comuna}, el {fmt_pct(value)} del público fueron mujeres"
    return f"Las mujeres fueron mayoría en {fmt_int(majority)} de las {fmt_int(len(pcts))} comunas con cifras publicables"


def age_women_title(pct_by_age_group: Mapping[str, Any]) -> str:
    """The age group with the largest share of women, or why none is shown."""
    pcts = _shares({k: v for k, v in (pct_by_age_group or {}).items() if k != "Sin información"})
    if not pcts:
        return "Mujeres por grupo de edad: cifras reservadas por ser pequeñas"
    top = max(pcts.items(), key=lambda kv: kv[1])
    if len(pcts) == 1:
        return f"Entre las personas de {top[0]}, el {fmt_pct(top[1])} fueron mujeres"
    return f"Las mujeres fueron más presentes entre las personas de {top[0]}: {fmt_pct(top[1])}"


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


UNKNOWN = "Sin información"
LARGE_UNKNOWN_PCT = 25.0  # a share of «Sin información» above this is said in the title


def unknown_note(counts: Mapping[str, Any], what: str) -> str:
    """`; el 64 % sin registro de zona` when more than a quarter of the counts are unknown: a
    share of the known ones must not read as a share of all."""
    values = {k: v for k, v in counts.items() if isinstance(v, (int, float)) and not missing(v)}
    pct = share(values.get(UNKNOWN, 0), sum(values.values()))
    if pct is None or pct <= LARGE_UNKNOWN_PCT:
        return ""
    return f"; el {fmt_pct(pct)} sin registro de {what}"


def organisations_title(counts: Mapping[str, int], previous: Mapping[str, int] | None, prev_year: Any) -> str:
    known = {k: v for k, v in counts.items() if k != UNKNOWN}
    top = _top(known)
    if top is None:
        return "Actividades por tipo de organización"
    pct = share(top[1], sum(counts.values()))
    title = f"El {fmt_pct(pct)} de nuestras actividades fue con {_plural(top[0])}"
    if previous and sum(previous.values()):
        if not sum(v for k, v in previous.items() if k != UNKNOWN):
            # the previous year's files did not say: unknown, never «0 %»
            title += f" (sin dato en {prev_year})"
        else:
            before = share(previous.get(top[0], 0), sum(previous.values()))
            if change(pct, before, tolerance=SAME_SHARE_POINTS - 0.05) != SAME:
                title += f" ({fmt_pct(before)} en {prev_year})"
    return title + unknown_note(counts, "organización")


def _plural(category: str) -> str:
    return {"Comité de Vivienda": "Comités de Vivienda", "Junta de Vecinos": "Juntas de Vecinos",
            "Otras organizaciones": "otras organizaciones"}.get(category, category)


def zone_title(by_zone: Mapping[str, int]) -> str:
    total = sum(by_zone.values())
    pct = share(by_zone.get("Urbano", 0), total)
    if pct is None or not (by_zone.get("Urbano") or by_zone.get("Rural")):
        return "Equidad territorial: sin registro de zona"
    return f"El {fmt_pct(pct)} de nuestras acciones se desarrolló en contextos urbanos" + unknown_note(by_zone, "zona")


def types_title(counts: Mapping[str, int]) -> str:
    top = _top({k: v for k, v in counts.items() if k != "Sin información"})
    if top is None:
        return "Tipos de actividad"
    return (f"{top[0]}: el {fmt_pct(share(top[1], sum(counts.values())))} de las actividades"
            + unknown_note(counts, "tipo"))


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
    month = MONTHS[int(top[0]) - 1].capitalize()
    if sum(1 for v in per_month.values() if v) == 1:
        return f"{month}: {count(top[1], 'actividad', 'actividades')}, el único mes con actividades"
    tied = [MONTHS[int(m) - 1] for m, v in sorted(per_month.items()) if v == top[1]]
    if len(tied) > 1:  # a tie is named whole: never one month picked among equals
        names = ", ".join(tied[:-1]) + f" y {tied[-1]}"
        return f"{names[:1].upper() + names[1:]} fueron los meses con más actividades, con {fmt_int(top[1])} cada uno"
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
