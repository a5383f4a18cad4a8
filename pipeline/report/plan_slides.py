"""Plans as the public reads them: one slide per plan covering the year, the same wording on
the plan page (`plan_pages`), in the workbook and in the JSON.

Every status, target and achieved figure is read from `indicadores["planes"]`, computed once by
`pipeline.indicators.plan` at one date (`planes_al`): a commitment reads the same wherever it is
shown. A slide shows Meta, Logrado, Plazo and Estado (coloured), so a status is explained by its
figures and deadline; the weights (ponderación) only for a PMG programme (a plan whose file or
title says PMG), where they are the rule of the game. A plan still running on the date reported
shows its «avance», never a «0 % ganado». Dates are written in words («1 de julio de 2018 al 30
de junio de 2019»).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pipeline.report.formats import esc, fmt_date, fmt_int, fmt_num, fmt_pct
from pipeline.report.slides import _header, _slide
from pipeline.report.titles import SECTION_PARTICIPATION

STATUS_CSS = {"CUMPLE": "cumple", "EN EJECUCIÓN": "en-ejecucion", "EN PROCESO": "en-proceso",
              "NO CUMPLE": "no-cumple"}


def _day(value: str | date | None) -> date | None:
    if isinstance(value, date) or value is None:
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def period_words(period: Mapping[str, Any]) -> str:
    """«el año 2018», «los años 2017 y 2018», «el periodo del 1 de julio de 2018 al 30 de
    junio de 2019» (never ISO dates)."""
    start, end = _day(period.get("inicio")), _day(period.get("fin"))
    if start is None or end is None:
        return str(period.get("texto") or "")
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        if start.year == end.year:
            return f"el año {start.year}"
        years = [str(y) for y in range(start.year, end.year + 1)]
        return "los años " + ", ".join(years[:-1]) + " y " + years[-1]
    first = fmt_date(start)
    if start.year == end.year:  # «1 de julio al 31 de diciembre de 2018»
        first = first.rsplit(" de ", 1)[0]
    return f"el periodo del {first} al {fmt_date(end)}"


def is_pmg(plan: Mapping[str, Any]) -> bool:
    """A PMG programme: its weights are shown (the file or the title says PMG)."""
    return "pmg" in f"{plan.get('archivo') or ''} {plan.get('titulo') or ''}".lower()


def is_running(plan: Mapping[str, Any]) -> bool:
    """The plan's period has not ended on the date its statuses are reported."""
    al, end = _day(plan.get("al")), _day((plan.get("periodo") or {}).get("fin"))
    return bool(al and end and al < end)


def plan_title(plan: Mapping[str, Any], year: int | None = None) -> str:
    return str(plan.get("titulo") or (f"Plan de Participación Ciudadana {year}" if year else "Plan"))


def commitment_cells(c: Mapping[str, Any]) -> dict[str, str]:
    """The texts of one commitment as every slide and page shows them."""
    return {
        "nombre": str(c.get("nombre") or ""),
        "meta": fmt_num(c.get("meta"), 2),
        "logrado": fmt_num(c.get("logrado"), 2),
        "plazo": fmt_date(c.get("plazo")) if c.get("plazo") else "—",
        "estado": str(c.get("estado") or ""),
        "ponderacion": fmt_pct(c.get("ponderacion"), 2),
        "ganada": fmt_pct(c.get("ponderacion_ganada"), 2),
    }


def fulfilled(plan: Mapping[str, Any]) -> tuple[int, int]:
    """(commitments with CUMPLE, commitments)."""
    rows = plan.get("compromisos") or []
    return sum(1 for c in rows if c.get("estado") == "CUMPLE"), len(rows)


def status_title(plan: Mapping[str, Any], year: int | None = None) -> str:
    """«Plan de Participación Ciudadana 2018: cumplimos 4 de 6 compromisos» (the plan's name keeps
    titles apart); a plan still running: «llevamos 3 de 6 compromisos cumplidos».

    `fulfilled` counts only CUMPLE, as the table shows it."""
    done, total = fulfilled(plan)
    of = f"{fmt_int(done)} de {fmt_int(total)} {'compromiso' if total == 1 else 'compromisos'}"
    message = f"llevamos {of} cumplidos" if is_running(plan) else f"cumplimos {of}"
    if not done:
        message = f"aún sin compromisos cumplidos (0 de {fmt_int(total)})" if is_running(plan) else \
            f"ninguno de los {fmt_int(total)} compromisos se cumplió"
    return f"{plan_title(plan, year)}: {message}"


def total_label(plan: Mapping[str, Any]) -> str:
    """«Ponderación ganada» or, for a plan still running, «Avance al 31 de diciembre de 2018»."""
    return f"Avance al {fmt_date(plan.get('al'))}" if is_running(plan) else "Ponderación ganada"


def total_sentence(plan: Mapping[str, Any]) -> str:
    """«Ponderación ganada: 50 %» / «Avance al 31 de diciembre de 2018: 50 %»."""
    return f"{total_label(plan)}: {fmt_pct(plan.get('total'), 2)}"


def _status_cell(state: str, mark: str = "") -> str:
    return (f'<td class="estado {STATUS_CSS.get(state, "")}" data-estado="{esc(state)}" data-label="Estado">'
            f'{esc(state)}{esc(mark)}</td>')


def awaits_verifiers(c: Mapping[str, Any]) -> bool:
    """The target is reached but not every activity has the verifiers the plan asks for."""
    return c.get("estado") != "CUMPLE" and (c.get("logrado") or 0) >= (c.get("meta") or 0) > 0


def plan_table(plan: Mapping[str, Any]) -> str:
    """Compromiso, Meta, Logrado, Plazo, Estado (+ Ponderación and ganada for a PMG)."""
    pmg = is_pmg(plan)
    columns = ["Compromiso", "Meta", "Logrado", "Plazo", "Estado"] + (
        ["Ponderación", "Avance" if is_running(plan) else "Ganada"] if pmg else [])
    head = "".join(f"<th>{esc(col)}</th>" for col in columns)
    body = []
    for c in plan.get("compromisos") or []:
        t = commitment_cells(c)
        cells = [f'<td>{esc(t["nombre"])}</td>', f'<td class="num" data-label="Meta">{esc(t["meta"])}</td>',
                 f'<td class="num" data-label="Logrado">{esc(t["logrado"])}</td>',
                 f'<td class="fecha" data-label="Plazo">{esc(t["plazo"])}</td>',
                 _status_cell(t["estado"], "*" if awaits_verifiers(c) else "")]
        if pmg:
            cells += [f'<td class="num" data-label="Ponderación">{esc(t["ponderacion"])}</td>',
                      f'<td class="num" data-label="{esc(columns[-1])}">{esc(t["ganada"])}</td>']
        body.append("<tr>" + "".join(cells) + "</tr>")
    roomy = " holgada" if len(body) <= 5 and not pmg else ""  # few rows: larger type fills the slide
    return (f'<table class="tabla tabla-plan{roomy}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def status_slide(plan: Mapping[str, Any], year: int | None = None) -> str:
    """One plan covering the year: its table and, under it, period, date and (PMG) total."""
    parts = [f"Vigente en {period_words(plan.get('periodo') or {})}", f"estado al {fmt_date(plan.get('al'))}"]
    if is_pmg(plan):  # the date is already said: «avance: 50 %» / «ponderación ganada: 50 %»
        parts.append(f"{'avance' if is_running(plan) else 'ponderación ganada'}: {fmt_pct(plan.get('total'), 2)}")
    if any(awaits_verifiers(c) for c in plan.get("compromisos") or []):
        parts.append("* meta alcanzada, pero faltan verificadores de algunas actividades")
    note = f'<p class="nota">{esc("; ".join(parts))}.</p>'
    return _slide(_header(status_title(plan, year), SECTION_PARTICIPATION) + plan_table(plan) + note,
                  "con-tabla con-plan")


def status_slides(ind: Mapping[str, Any]) -> list[str]:
    """A slide for each plan covering the year, the year's own plan first (an indicadores.json
    written before `planes` existed: the year's compliance table alone)."""
    plans = list(ind.get("planes") or [])
    if not plans and ind.get("cumplimiento_plan"):
        plans = [legacy_plan(ind)]
    plans.sort(key=lambda p: p.get("origen") != "anual")
    return [status_slide(p, ind.get("anio")) for p in plans]


def legacy_plan(ind: Mapping[str, Any]) -> dict:
    year = ind.get("anio")
    return {"archivo": f"plan-{year}.yml", "origen": "anual", "titulo": ind.get("plan_titulo"),
            "periodo": {"inicio": f"{year}-01-01", "fin": f"{year}-12-31", "texto": str(year)},
            "al": ind.get("planes_al") or f"{year}-12-31", "total": ind.get("cumplimiento_plan_total"),
            "compromisos": ind.get("cumplimiento_plan") or []}


# ---------------------------------------------------------------- next year's plan

def next_plan_slide(plan: Mapping[str, Any], plan_year: int) -> str:
    """Next year's commitments as the public reads them: the commitment and its target, no
    matching rule (those are for the analyst); weights only for a PMG; a commitment without a
    target (qualitative: «boletín mensual», «página web») as a plain bullet."""
    rows = plan.get("compromisos") or []
    with_target = [r for r in rows if isinstance(r.get("meta"), (int, float))]
    without = [r for r in rows if not isinstance(r.get("meta"), (int, float))]
    pmg = is_pmg(plan)
    body = ""
    if with_target:
        columns = ["Compromiso", "Meta"] + (["Ponderación"] if pmg else [])
        head = "".join(f"<th>{esc(c)}</th>" for c in columns)
        lines = []
        for r in with_target:
            cells = [f"<td>{esc(r['nombre'])}</td>", f'<td class="num" data-label="Meta">{esc(fmt_num(r["meta"]))}</td>']
            if pmg:
                cells.append(f'<td class="num" data-label="Ponderación">{esc(fmt_pct(r.get("ponderacion"), 2))}</td>')
            lines.append("<tr>" + "".join(cells) + "</tr>")
        roomy = " holgada" if len(lines) <= 8 else ""
        body += (f'<table class="tabla tabla-plan{roomy}"><thead><tr>{head}</tr></thead>'
                 f'<tbody>{"".join(lines)}</tbody></table>')
    if without:
        body += '<ul class="compromisos">' + "".join(f"<li>{esc(r['nombre'])}</li>" for r in without) + "</ul>"
    n = len(rows)
    title = f"Para {plan_year} nos comprometemos a {fmt_int(n)} {'acción' if n == 1 else 'acciones'}"
    note = f'<p class="nota">{esc(plan_title(plan, plan_year))}.</p>'
    return _slide(_header(title, f"#Desafíos{plan_year}") + body + note, "con-tabla con-plan")
