"""The plans' two pages, self-contained (inline CSS, no network, no script):

- `outputs/<year>/plan-<year>.html`: follow-up of every plan covering the year, by objective,
  with deadline, progress, estado, weights and verifier status;
- `outputs/<year>/verificadores-<year>.html`: per commitment, each counted activity with the
  verifiers it lacks and the evidence files found (named only: an attendance sheet is never
  embedded).

Statuses and weights are read from `indicadores["planes"]` (the JSON already written), so the
pages say what the JSON, the workbook and the deck say. Every file or folder name and activity
title on the verifiers page passes `screen` (the personal-data screen; identity by default)
before it is written.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2

from pipeline import reference
from pipeline.report import plan_slides
from pipeline.report.formats import fmt_date, fmt_int, fmt_pct

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates" / "planes"),
    autoescape=True, undefined=jinja2.StrictUndefined,
)
_FILE_KIND = "{name} ({kind})"


def _rule(plan: Mapping[str, Any]) -> str:
    if plan.get("regla_ponderacion") == "proporcional":
        return "ponderación proporcional a las actividades verificadas"
    return "ponderación completa solo si CUMPLE (regla PMG)"


def _verifier_status(c: Mapping[str, Any]) -> tuple[str, bool]:
    if not c.get("verificadores"):
        return "no se piden", False
    incomplete = c["logrado"] - c["actividades_verificadas"]
    if not c["logrado"]:
        return "sin actividades aún", False
    if not incomplete:
        return f"completos ({fmt_int(c['logrado'])} de {fmt_int(c['logrado'])})", False
    return f"faltan en {fmt_int(incomplete)} de {fmt_int(c['logrado'])} actividades", True


def plan_context(ind: Mapping[str, Any]) -> list[dict]:
    """What the follow-up page shows, formatted (one entry per plan)."""
    plans = []
    for p in ind.get("planes") or []:
        groups: dict[str, list] = {}
        for c in p["compromisos"]:
            verifier_status, missing = _verifier_status(c)
            cells = plan_slides.commitment_cells(c)  # the slide's very texts
            groups.setdefault(c.get("objetivo") or "Sin objetivo declarado", []).append({
                "nombre": c["nombre"], "responsables": ", ".join(c.get("responsables") or []) or "—",
                "plazo": cells["plazo"] if re.fullmatch(r"\d{2}/\d{2}/\d{4}|Durante el periodo.*", c["plazo_texto"])
                else f"{c['plazo_texto']} ({cells['plazo']})",
                "avance": f"{cells['logrado']} de {cells['meta']} ({fmt_pct(c['pct_cumplimiento'], 0)})",
                "barra": round(float(c["pct_cumplimiento"]), 1), "estado": cells["estado"],
                "ponderacion": cells["ponderacion"], "ganada": cells["ganada"],
                "verificadores": verifier_status, "faltan": missing,
            })
        plans.append({
            "titulo": p.get("titulo") or f"Plan {p['periodo']['texto']}",
            "periodo": plan_slides.period_words(p["periodo"]), "estado": plan_slides.status_title(p, ind.get("anio")),
            "avance": plan_slides.total_label(p),
            "archivo": p["archivo"], "regla": _rule(p), "total": fmt_pct(p["total"], 2),
            "peso_total": fmt_pct(sum(float(c["ponderacion"]) for c in p["compromisos"]), 2),
            "objetivos": [{"objetivo": k, "compromisos": v} for k, v in groups.items()],
        })
    return plans


def verifier_context(ind: Mapping[str, Any], evaluations: list, screen: Callable[[str], str]) -> list[dict]:
    """What the verifiers page shows: JSON statuses, files from the evaluations (screened).
    Activities are listed for the commitments that ask for verifiers."""
    plans = []
    for p, (ev, _origin) in zip(ind.get("planes") or [], evaluations):
        commitments = []
        for i, c in enumerate(p["compromisos"]):
            actividades = []
            for a, detail in zip(c["actividades"], ev.actividades[i]):
                files = [_FILE_KIND.format(name=screen(name), kind=kind or "sin clasificar")
                            for name, kind in detail["archivos"]]
                actividades.append({
                    "fecha": fmt_date(a["fecha"]), "comuna": a["comuna"], "actividad": screen(a["actividad"]),
                    "faltan": ", ".join(a["verificadores_faltantes"]), "archivos": files,
                })
            commitments.append({
                "nombre": c["nombre"], "estado": c["estado"],
                "pedidos": ", ".join(c.get("verificadores") or []) or "ningún verificador",
                "resumen": _verifier_status(c)[0][:1].upper() + _verifier_status(c)[0][1:] + ".",
                "actividades": actividades if c.get("verificadores") else [],
            })
        plans.append({"titulo": p.get("titulo") or f"Plan {p['periodo']['texto']}", "compromisos": commitments,
                       "huerfanas": ", ".join(screen(n) for n in ev.verifiers.without_activity)})
    return plans


def _common(ind: Mapping[str, Any]) -> dict:
    return {"anio": ind["anio"], "region": reference.region(ind["region"]).nombre_completo,
            "al": fmt_date(ind.get("planes_al"))}


def render_plan_page(ind: Mapping[str, Any]) -> str:
    common = _common(ind)
    return _ENV.get_template("plan.html.j2").render(
        titulo=f"Seguimiento de planes {ind['anio']}", planes=plan_context(ind), **common)


def render_verifier_page(ind: Mapping[str, Any], evaluations: list, screen: Callable[[str], str] = str) -> str:
    common = _common(ind)
    return _ENV.get_template("verificadores.html.j2").render(
        titulo=f"Verificadores de los planes {ind['anio']}", planes=verifier_context(ind, evaluations, screen),
        **common)


def write_pages(ind: Mapping[str, Any], evaluations: list, paths, screen: Callable[[str], str] = str) -> list[Path]:
    """Write both pages when plans cover the year; otherwise remove stale copies."""
    if not ind.get("planes"):
        paths.plan_html.unlink(missing_ok=True)
        paths.verificadores_html.unlink(missing_ok=True)
        return []
    paths.out.mkdir(parents=True, exist_ok=True)
    paths.plan_html.write_text(render_plan_page(ind), encoding="utf-8")
    paths.verificadores_html.write_text(render_verifier_page(ind, evaluations, screen), encoding="utf-8")
    return [paths.plan_html, paths.verificadores_html]
