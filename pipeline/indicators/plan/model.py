"""What a plan is once loaded: its period, commitments, filters, deadlines and verifiers.

The vocabulary a plan file may use lives here too (states, weight rules, modalidades);
the rules that use it are in `windows` (deadlines), `status` (estado, ponderación ganada)
and `compliance` (counting). The file format is described in `loading` and docs/planes.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

STATUS_MET = "CUMPLE"
STATUS_RUNNING = "EN EJECUCIÓN"
STATUS_IN_PROGRESS = "EN PROCESO"
STATUS_NOT_MET = "NO CUMPLE"
STATUSES = [STATUS_MET, STATUS_RUNNING, STATUS_IN_PROGRESS, STATUS_NOT_MET]
# At or above this percentage of its target, a commitment past its deadline is EN PROCESO.
IN_PROGRESS_THRESHOLD = 50.0
# Tolerance when checking that the weights add up to 100.
WEIGHT_TOLERANCE = 0.01

# How ponderación ganada is computed (`regla_ponderacion` in the plan file).
RULE_PMG = "pmg"                   # full weight only when CUMPLE (the PMG table), the default
RULE_PROPORTIONAL = "proporcional" # weight × verified activities / meta (capped at the weight)
WEIGHT_RULES = (RULE_PMG, RULE_PROPORTIONAL)

MODALITIES = ("presencial", "virtual")

# Where a plan came from: the year's `plan-<year>.yml` beside the logs, or `data/raw/planes/`.
ORIGIN_ANNUAL = "anual"
ORIGIN_PLANS = "planes"


@dataclass(frozen=True)
class Filter:
    """Which activities count towards a commitment. Empty tuples mean "no restriction"."""

    tipo_actividad: tuple[str, ...] = ()       # official labels of schema.TIPOS_ACTIVIDAD
    linea: tuple[str, ...] = ()                # as written in the plan (matched folded)
    comunas_incluidas: tuple[str, ...] = ()    # cut_comuna codes (strings, zero-padded)
    comunas_excluidas: tuple[str, ...] = ()    # cut_comuna codes
    min_asistentes: int | None = None


@dataclass(frozen=True)
class Period:
    """The dates a plan covers, both days included."""

    start: date
    end: date

    def text(self) -> str:
        if (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31):
            years = self.start.year, self.end.year
            return str(years[0]) if years[0] == years[1] else f"{years[0]}-{years[1]}"
        return f"{self.start.isoformat()} a {self.end.isoformat()}"


@dataclass(frozen=True)
class Deadline:
    """A commitment's window: activities from `start` to `due` (the deadline) count."""

    start: date
    due: date
    text: str                                  # as an analyst reads it ("Primer semestre 2025")


@dataclass(frozen=True)
class Commitment:
    name: str
    target: int
    weight: float
    filter: Filter = field(default_factory=Filter)
    file_line: int = 0                         # line of the entry in the plan file (1-based)
    objective: str | None = None
    owners: tuple[str, ...] = ()
    deadline: Deadline | None = None           # None only for a Commitment built by hand: the period
    verifiers: tuple[str, ...] = ()            # canonical names of verifiers.KINDS
    modality: tuple[str, ...] = ()             # from MODALITIES; empty = any


@dataclass(frozen=True)
class Plan:
    year: int                                  # `anio`, or the last year of `periodo`
    region: str                                # official short name, e.g. "Coquimbo"
    commitments: tuple[Commitment, ...]
    title: str | None = None
    file: str = ""                             # file name, for messages
    period: Period | None = None               # None only for a Plan built by hand: the year
    weight_rule: str = RULE_PMG

    @property
    def in_force(self) -> Period:
        return self.period or Period(date(self.year, 1, 1), date(self.year, 12, 31))

    def deadline(self, c: Commitment) -> Deadline:
        if c.deadline is not None:
            return c.deadline
        p = self.in_force
        return Deadline(p.start, p.end, f"Durante el periodo {p.text()}")
