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
    ESTADO_CUMPLE, ESTADO_EN_EJECUCION, ESTADO_EN_PROCESO, ESTADO_NO_CUMPLE, REGLA_PMG, REGLA_PROPORCIONAL,
    UMBRAL_EN_PROCESO,
)


def estado(logrado: int, meta: int, vencido: bool = True, verificado: bool = True) -> str:
    """CUMPLE / EN EJECUCIÓN / EN PROCESO / NO CUMPLE, by the rule in the module docstring.

    `vencido`: the deadline is reached as of the date reported; `verificado`: every counted
    activity has its verifiers.
    """
    if logrado >= meta and verificado:
        return ESTADO_CUMPLE
    if not vencido:
        return ESTADO_EN_EJECUCION
    if logrado / meta * 100 >= UMBRAL_EN_PROCESO:
        return ESTADO_EN_PROCESO
    return ESTADO_NO_CUMPLE


def ponderacion_ganada(ponderacion: float, estado_: str, verificadas: int, meta: int,
                       regla: str = REGLA_PMG) -> float:
    """The weight a commitment earns, by `regla` (see the module docstring)."""
    if regla == REGLA_PROPORCIONAL:
        return round(ponderacion * min(verificadas / meta, 1.0), 2)
    return round(ponderacion, 2) if estado_ == ESTADO_CUMPLE else 0.0
