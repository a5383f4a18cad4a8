"""The PMG table as a deck slide: objetivo, actividad, ponderación, estado, ponderación ganada
and the total, for each plan of `indicadores["planes"]` (the year's own `plan-<year>.yml` is
already on the compliance slide, so it is not repeated)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.report.formats import esc, fmt_date, fmt_pct
from pipeline.report.slides import _header, _slide

PMG_COLUMNS = ["Objetivo", "Actividad", "Ponderación", "Estado", "Ponderación ganada"]


def pmg_rows(plan: Mapping[str, Any]) -> list[list[str]]:
    """The PMG table's rows, texts as shown (an objective is written once, on its first row)."""
    rows, previous = [], object()
    for c in plan["compromisos"]:
        objetivo = c.get("objetivo") or ""
        rows.append([objetivo if objetivo != previous else "", c["nombre"], fmt_pct(c["ponderacion"], 2),
                     c["estado"], fmt_pct(c["ponderacion_ganada"], 2)])
        previous = objetivo
    return rows


def pmg_slide(plan: Mapping[str, Any]) -> str:
    """One plan's PMG table with its total, as of the date reported."""
    head = "".join(f"<th>{esc(c)}</th>" for c in PMG_COLUMNS)
    body = "".join(
        '<tr data-estado="' + esc(r[3]) + '">' + "".join(f"<td>{esc(v)}</td>" for v in r) + "</tr>"
        for r in pmg_rows(plan)
    )
    total_w = sum(float(c["ponderacion"]) for c in plan["compromisos"])
    foot = (f'<tfoot><tr class="total"><td></td><td>Total</td><td>{esc(fmt_pct(total_w, 2))}</td><td></td>'
            f'<td>{esc(fmt_pct(plan["total"], 2))}</td></tr></tfoot>')
    table = f'<table class="tabla tabla-pmg"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table>'
    regla = ("ponderación completa solo si CUMPLE" if plan.get("regla_ponderacion") != "proporcional"
             else "ponderación proporcional a las actividades verificadas")
    note = (f'<p class="nota">Periodo {esc(plan["periodo"]["texto"])}; estado al {esc(fmt_date(plan["al"]))}; '
            f"{esc(regla)}.</p>")
    title = plan.get("titulo") or f"Programa de trabajo {plan['periodo']['texto']}"
    return _slide(_header(str(title), "#Cumplimiento del plan") + table + note, "con-tabla")


def pmg_slides(ind: Mapping[str, Any]) -> list[str]:
    """A PMG slide for each plan of `data/raw/planes/` covering the year (none without plans)."""
    return [pmg_slide(p) for p in ind.get("planes") or [] if p.get("origen") != "anual"]
