"""Titles of the national deck: each states its slide's message with its figure, in the
regional deck's words and formats (`titles`)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.report.formats import fmt_int, fmt_pct, fmt_rate, missing, share
from pipeline.report.national_data import WITH_DATA, regions, values as _values
from pipeline.report.titles import _plural, change_words, count


def variation_words(nac: Mapping[str, Any]) -> str | None:
    """`variacion_asistencias_pct` in the regional deck's words («un incremento del 6,9 % respecto
    de 2017»), as the national stage computed it (the regions with both years only); None
    without it."""
    pct, before = nac.get("variacion_asistencias_pct"), nac["anio"] - 1
    if missing(pct):
        return None
    return change_words(pct, before)


def totals_title(nac: Mapping[str, Any]) -> str:
    year, total = nac["anio"], nac.get("asistencias")
    head = (f"{count(total, 'asistencia', 'asistencias')} en {count(nac.get('actividades'), 'actividad', 'actividades')}"
            f" en el país durante {year}")
    sentence = variation_words(nac)
    return f"{head}: {sentence}" if sentence else head


def _extremes(values: Mapping[str, Any]) -> tuple[tuple[str, float], tuple[str, float]] | None:
    nums = {k: float(v) for k, v in values.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if not nums:
        return None
    return max(nums.items(), key=lambda kv: kv[1]), min(nums.items(), key=lambda kv: kv[1])


def rate_title(nac: Mapping[str, Any]) -> str:
    ends = _extremes(_values(nac, "asistencias_por_1000_habitantes"))
    if ends is None:
        return "Asistencias por 1.000 habitantes, por región"
    (top, value), (_, low) = ends
    if fmt_rate(value) == fmt_rate(low):  # every region at the same rate as shown: nobody led
        return f"Todas las regiones con datos, {fmt_rate(value)} asistencias por 1.000 habitantes"
    return f"{top} lideró con {fmt_rate(value)} asistencias por 1.000 habitantes"


def rate_ranking_title(nac: Mapping[str, Any]) -> str:
    national = nac.get("asistencias_por_1000_habitantes")
    nums = [v for v in _values(nac, "asistencias_por_1000_habitantes").values() if isinstance(v, (int, float))]
    if missing(national) or not nums:
        return "Regiones según asistencias por 1.000 habitantes"
    above = sum(1 for v in nums if v > national)
    rate = f"la tasa del país ({fmt_rate(national)} por 1.000 habitantes)"
    if not above:
        return f"Ninguna región superó {rate}"
    return f"{count(above, 'región superó', 'regiones superaron')} {rate}"


def women_title(nac: Mapping[str, Any]) -> str:
    ends = _extremes(_values(nac, "pct_mujeres"))
    if ends is None or missing(nac.get("pct_mujeres")):
        return "Sin registro del sexo del público del país"
    (top, high), (bottom, low) = ends
    verb = "fueron" if nac["pct_mujeres"] >= 50 else "fue"
    return f"El {fmt_pct(nac['pct_mujeres'])} del público del país {verb} mujeres: de {fmt_pct(low)} en {bottom} " \
           f"a {fmt_pct(high)} en {top}"


def women_map_title(nac: Mapping[str, Any]) -> str:
    nums = {k: v for k, v in _values(nac, "pct_mujeres").items() if isinstance(v, (int, float))}
    if not nums:
        return "Mujeres por región: sin registro del sexo"
    majority = sum(1 for v in nums.values() if v > 50)
    if majority == len(nums):
        return f"Las mujeres fueron mayoría en {'las' if len(nums) > 1 else 'la'} " \
               f"{count(len(nums), 'región', 'regiones')} con datos"
    return f"Las mujeres fueron mayoría en {fmt_int(majority)} de las " \
           f"{count(len(nums), 'región', 'regiones')} con datos"


def attendances_title(nac: Mapping[str, Any]) -> str:
    ends = _extremes(_values(nac, "asistencias"))
    if ends is None or not nac.get("asistencias"):
        return "Asistencias por región"
    (top, value), _ = ends
    return f"{top} concentró el {fmt_pct(share(value, nac['asistencias']))} de las asistencias del país"


def comunas_title(nac: Mapping[str, Any]) -> str:
    reached, total = nac.get("comunas_alcanzadas"), nac.get("comunas_pais")
    if missing(reached) or not total:
        return "Comunas alcanzadas por región"
    return f"Llegamos a {fmt_int(reached)} de las {fmt_int(total)} comunas del país"


def _top_share(counts: Mapping[str, Any]) -> tuple[str, float] | None:
    known = {k: v for k, v in counts.items() if k != "Sin información" and isinstance(v, (int, float)) and v}
    total = sum(v for v in counts.values() if isinstance(v, (int, float)))
    if not known or not total:
        return None
    top = max(known.items(), key=lambda kv: kv[1])
    return top[0], share(top[1], total)


def types_title(nac: Mapping[str, Any]) -> str:
    top = _top_share(nac.get("actividades_por_tipo_actividad") or {})
    if top is None:
        return "Tipos de actividad por región"
    return f"{top[0]}: el tipo de actividad más frecuente del país, con el {fmt_pct(top[1])} de las actividades"


def organisations_title(nac: Mapping[str, Any]) -> str:
    top = _top_share(nac.get("actividades_por_tipo_organizacion") or {})
    if top is None:
        return "Actividades por tipo de organización y región"
    return f"El {fmt_pct(top[1])} de las actividades del país fue con {_plural(top[0])}"


def plan_title(nac: Mapping[str, Any]) -> str:
    with_plan = [r for r in regions(nac, WITH_DATA) if not missing(r.get("cumplimiento_plan_total"))]
    full = sum(1 for r in with_plan if r["cumplimiento_plan_total"] >= 100)
    told = f"{count(len(with_plan), 'región informó', 'regiones informaron')} su plan"
    if not full:
        return f"{told}: ninguna lo cumplió por completo"
    return f"{told}: {fmt_int(full)} lo {'cumplió' if full == 1 else 'cumplieron'} por completo"
