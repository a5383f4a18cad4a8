"""Plans (PMG work programmes, COSOC annual plans, the yearly plan): loading, deadlines,
states, verifiers and the weighted compliance table.

  model       the loaded plan and the vocabulary (states, weight rules, modalidades)
  loading     the YAML file → Plan, errors naming the file and the line
  windows     periods, deadlines (plazo) and the "as of" date (--al)
  status      estado and ponderación ganada
  counting    counting activities per commitment; the JSON records

The rules are written in docs/planes.md. Names are imported on first use (PEP 562), so the
stage cache can resolve `--al` (`windows`) without loading pandas into the command line.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "counting": [
        "COMPLIANCE_COLUMNS", "Evaluation", "compliance", "compliance_records", "compliance_total", "counted",
        "describe_filter", "evaluate", "matches", "plan_indicators", "plan_records", "plan_result",
    ],
    "loading": ["load_plan", "plan_files"],
    "model": [
        "STATUS_MET", "STATUS_RUNNING", "STATUS_IN_PROGRESS", "STATUS_NOT_MET", "STATUSES", "ORIGIN_ANNUAL",
        "ORIGIN_PLANS", "RULE_PMG", "RULE_PROPORTIONAL", "IN_PROGRESS_THRESHOLD", "Commitment", "Filter", "Period",
        "Plan", "Deadline",
    ],
    "status": ["earned_weight", "state"],
    "windows": ["default_al", "resolve_al"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
_WHERE["InvalidPlan"] = "errors"
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name == "InvalidPlan":
        from pipeline.errors import InvalidPlan

        return InvalidPlan
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    if name in _EXPORTS:  # a submodule: plan.windows
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
