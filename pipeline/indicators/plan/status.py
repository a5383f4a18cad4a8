"""Estado and ponderación ganada of a commitment, by date (rules also in docs/planes.md).

With `pct` = logrado / meta × 100 (activities in the window, counted as of `al`):

- `CUMPLE`        logrado ≥ meta and every counted activity has the verifiers the plan asks for
                  (whatever the date: a commitment met early is met).
- `EN EJECUCIÓN`  not CUMPLE and `al` is before the deadline (as of the close of the deadline
                  day itself the state is final).
- `EN PROCESO`    past the deadline, not CUMPLE, pct ≥ 50 (a target reached whose verifiers are
                  incomplete is EN PROCESO too).
- `NO CUMPLE`     past the deadline, pct < 50.

Ponderación ganada: rule `pmg` (default, as the PMG table computes it) gives the full weight
only when CUMPLE, 0 otherwise; rule `proporcional` gives weight × min(verificadas / meta, 1),
where `verificadas` are the counted activities with every verifier asked (all of them when the
commitment asks for none).
"""
from __future__ import annotations

from pipeline.indicators.plan.model import (
    STATUS_MET, STATUS_RUNNING, STATUS_IN_PROGRESS, STATUS_NOT_MET, RULE_PMG, RULE_PROPORTIONAL,
    IN_PROGRESS_THRESHOLD,
)


def state(achieved: int, target: int, overdue: bool = True, verified: bool = True) -> str:
    """CUMPLE / EN EJECUCIÓN / EN PROCESO / NO CUMPLE, by the rule in the module docstring.

    `overdue`: the deadline is reached as of the date reported; `verified`: every counted
    activity has its verifiers.
    """
    if achieved >= target and verified:
        return STATUS_MET
    if not overdue:
        return STATUS_RUNNING
    if achieved / target * 100 >= IN_PROGRESS_THRESHOLD:
        return STATUS_IN_PROGRESS
    return STATUS_NOT_MET


def earned_weight(weight: float, status: str, verified: int, target: int,
                  rule: str = RULE_PMG) -> float:
    """The weight a commitment earns, by `rule` (see the module docstring)."""
    if rule == RULE_PROPORTIONAL:
        return round(weight * min(verified / target, 1.0), 2)
    return round(weight, 2) if status == STATUS_MET else 0.0
