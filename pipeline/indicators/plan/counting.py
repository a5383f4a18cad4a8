"""Compliance of a plan: the activities each commitment counts, its estado and weight earned.

A commitment counts the distinct activities (`clave_actividad`) that pass its filter (and its
modalidad, when it asks for one) dated inside its window as of `al` (`windows`), across every
calendar year the window spans: `actividades` holds the processed activities of all those
years. Its estado and ponderación ganada follow `status`; verifiers come from `verifiers`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from pipeline import reference
from pipeline.indicators.plan import status, windows
from pipeline.indicators.plan.model import ORIGIN_PLANS, Commitment, Filter, Plan
from pipeline.indicators.verifiers import Verifiers
from pipeline.text import fold

COMPLIANCE_COLUMNS = [
    "objetivo", "nombre", "meta", "logrado", "pct_cumplimiento", "estado", "ponderacion", "ponderacion_ganada",
    "plazo", "plazo_texto", "vencido", "verificadas", "verificadores_completos",
]
_DTYPES = {
    "objetivo": "object", "nombre": "str", "meta": "int64", "logrado": "int64", "pct_cumplimiento": "float64",
    "estado": "str", "ponderacion": "float64", "ponderacion_ganada": "float64", "plazo": "str",
    "plazo_texto": "str", "vencido": "bool", "verificadas": "int64", "verificadores_completos": "bool",
}


def matches(filter_: Filter, actividades: pd.DataFrame) -> pd.Series:
    """Boolean mask of the activities that count towards a commitment with this filter."""
    mask = pd.Series(True, index=actividades.index)
    if filter_.tipo_actividad:
        wanted = {fold(t) for t in filter_.tipo_actividad}
        mask &= actividades["tipo_actividad"].map(fold).isin(wanted)
    if filter_.linea:
        wanted = {fold(t) for t in filter_.linea}
        mask &= actividades["linea"].map(fold).isin(wanted)
    cuts = actividades["cut_comuna"].astype("string").fillna("")
    if filter_.comunas_incluidas:
        mask &= cuts.isin(filter_.comunas_incluidas)
    if filter_.comunas_excluidas:
        mask &= ~cuts.isin(filter_.comunas_excluidas)
    if filter_.min_asistentes is not None:
        asistencias = pd.to_numeric(actividades["asistencias"], errors="coerce").fillna(0)
        mask &= asistencias >= filter_.min_asistentes
    return mask.astype(bool)


def counted(plan: Plan, c: Commitment, actividades: pd.DataFrame, al: date) -> pd.DataFrame:
    """The activities a commitment counts as of `al`: filter, modalidad and window, one row each."""
    window = windows.counted_window(plan.deadline(c), al)
    if window is None or actividades.empty:
        return actividades.iloc[0:0]
    dates = pd.to_datetime(actividades["fecha"], errors="coerce")
    mask = matches(c.filter, actividades) & (dates >= pd.Timestamp(window[0])) & (dates <= pd.Timestamp(window[1]))
    if c.modality:
        modality = actividades["modalidad"].map(fold) if "modalidad" in actividades.columns else None
        mask &= modality.isin(c.modality) if modality is not None else False
    return actividades.loc[mask].drop_duplicates("clave_actividad").sort_values(["fecha", "clave_actividad"])


@dataclass
class Evaluation:
    """A plan's compliance as of `al`: one table row per commitment, and the activities counted
    by each (with the verifiers each has and lacks)."""

    plan: Plan
    al: date
    table: pd.DataFrame
    actividades: list[list[dict]]           # per commitment, in plan order
    verifiers: Verifiers


def evaluate(plan: Plan, actividades: pd.DataFrame, al: date | None = None,
             evidence: Verifiers | None = None) -> Evaluation:
    """Compliance of `plan` as of `al` (default: the end of its period). `actividades` is the
    processed activities table of every year the plan spans; it is not modified."""
    al = al or plan.in_force.end
    evidence = evidence or Verifiers()
    rows, per_commitment = [], []
    for c in plan.commitments:
        deadline = plan.deadline(c)
        acts = counted(plan, c, actividades, al)
        detail = []
        for a in acts.itertuples(index=False):
            ev = evidence.of(a.clave_actividad)
            missing = [v for v in c.verifiers if v not in ev.kinds]
            detail.append({
                "clave": a.clave_actividad, "fecha": pd.Timestamp(a.fecha).date().isoformat(),
                "comuna": str(getattr(a, "comuna", "") or ""), "actividad": str(getattr(a, "actividad", "") or ""),
                "verificadores_presentes": sorted(ev.kinds), "verificadores_faltantes": missing,
                "archivos": list(ev.files),
            })
        achieved = len(detail)
        verified = sum(1 for d in detail if not d["verificadores_faltantes"])
        overdue = windows.past_deadline(deadline, al)
        state = status.state(achieved, c.target, overdue, verified == achieved)
        rows.append({
            "objetivo": c.objective, "nombre": c.name, "meta": c.target, "logrado": achieved,
            "pct_cumplimiento": round(min(achieved / c.target, 1.0) * 100, 2), "estado": state,
            "ponderacion": c.weight,
            "ponderacion_ganada": status.earned_weight(c.weight, state, verified, c.target,
                                                            plan.weight_rule),
            "plazo": deadline.due.isoformat(), "plazo_texto": deadline.text, "vencido": overdue,
            "verificadas": verified, "verificadores_completos": verified == achieved,
        })
        per_commitment.append(detail)
    table = pd.DataFrame(rows, columns=COMPLIANCE_COLUMNS).astype(_DTYPES)
    return Evaluation(plan, al, table, per_commitment, evidence)


def compliance(plan: Plan, actividades: pd.DataFrame, al: date | None = None,
               evidence: Verifiers | None = None) -> pd.DataFrame:
    """One row per commitment: meta, logrado, % de cumplimiento, estado, ponderación ganada…"""
    return evaluate(plan, actividades, al, evidence).table


def compliance_total(df: pd.DataFrame) -> float:
    """Sum of ponderación ganada (0–100), for indicadores.json `cumplimiento_plan_total`."""
    return round(float(df["ponderacion_ganada"].sum()), 2)


def compliance_records(df: pd.DataFrame, ev: Evaluation | None = None) -> list[dict]:
    """Rows of `compliance` as plain JSON values (indicadores.json `cumplimiento_plan` and the
    `compromisos` of each entry of `planes`); with `ev`, each commitment's details too."""
    out = []
    for i, r in enumerate(df.itertuples(index=False)):
        record = {
            "objetivo": None if r.objetivo is None or r.objetivo != r.objetivo else str(r.objetivo),
            "nombre": str(r.nombre), "meta": int(r.meta), "logrado": int(r.logrado),
            "pct_cumplimiento": float(r.pct_cumplimiento), "estado": str(r.estado),
            "ponderacion": float(r.ponderacion), "ponderacion_ganada": float(r.ponderacion_ganada),
            "plazo": str(r.plazo), "plazo_texto": str(r.plazo_texto), "vencido": bool(r.vencido),
            "actividades_verificadas": int(r.verificadas), "verificadores_completos": bool(r.verificadores_completos),
        }
        if ev is not None:
            c = ev.plan.commitments[i]
            deadline = ev.plan.deadline(c)
            record.update({
                "responsables": list(c.owners), "verificadores": list(c.verifiers),
                "modalidad": list(c.modality), "ventana": {"inicio": deadline.start.isoformat(),
                                                            "fin": deadline.due.isoformat()},
                "actividades": [{k: v for k, v in d.items() if k not in ("clave", "archivos")}
                                for d in ev.actividades[i]],
            })
        out.append(record)
    return out


def describe_filter(filter_: Filter) -> str:
    """The filter in a sentence an analyst reads, e.g. for the deck or the workbook."""
    names = reference.comunas().set_index("cut_comuna")["comuna"]
    parts = []
    if filter_.tipo_actividad:
        parts.append("tipo: " + " o ".join(filter_.tipo_actividad))
    if filter_.linea:
        parts.append("línea: " + " o ".join(filter_.linea))
    if filter_.comunas_incluidas:
        parts.append("en " + ", ".join(names[c] for c in filter_.comunas_incluidas))
    if filter_.comunas_excluidas:
        parts.append("fuera de " + ", ".join(names[c] for c in filter_.comunas_excluidas))
    if filter_.min_asistentes is not None:
        parts.append(f"con al menos {filter_.min_asistentes} asistentes")
    return "; ".join(parts) if parts else "todas las actividades"


def plan_records(plan: Plan) -> list[dict]:
    """A plan's commitments without compliance (next year's plan): nombre, meta, ponderacion, criterio."""
    return [
        {"nombre": c.name, "meta": c.target, "ponderacion": c.weight, "criterio": describe_filter(c.filter)}
        for c in plan.commitments
    ]


def plan_indicators(plan: Plan, actividades: pd.DataFrame, al: date | None = None,
                    evidence: Verifiers | None = None) -> dict:
    """The indicadores.json keys of this year's plan (`plan-<year>.yml`), in one call."""
    df = compliance(plan, actividades, al, evidence)
    return {
        "plan_titulo": plan.title,
        "cumplimiento_plan": compliance_records(df),
        "cumplimiento_plan_total": compliance_total(df),
    }


def plan_result(ev: Evaluation, origin: str = ORIGIN_PLANS) -> dict:
    """One entry of indicadores.json `planes`: the plan, its period, the date and every commitment."""
    p = ev.plan.in_force
    return {
        "archivo": ev.plan.file, "origen": origin, "titulo": ev.plan.title,
        "periodo": {"inicio": p.start.isoformat(), "fin": p.end.isoformat(), "texto": p.text()},
        "al": ev.al.isoformat(), "regla_ponderacion": ev.plan.weight_rule,
        "compromisos": compliance_records(ev.table, ev),
        "total": compliance_total(ev.table),
        "carpetas_sin_actividad": len(ev.verifiers.without_activity),
    }
