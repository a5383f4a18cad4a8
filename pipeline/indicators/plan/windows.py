"""Periods, deadlines and the "as of" date (`--al`): which days count for a commitment.

- `periodo`: `2024` (one calendar year), `2024-2025` (1 January 2024 to 31 December 2025) or
  two dates `2024-07-01 a 2025-06-30` (ISO or day first, `a`/`al`/`hasta` between them).
- `plazo` of a commitment: a date (`2025-03-31`, `31/03/2025`), `primer semestre 2025`
  (1 January to 30 June), `segundo semestre 2024` (1 July to 31 December) or the whole period
  (`periodo`, `durante el periodo`, `todo el periodo`, `durante el periodo 2024-2025`,
  `se agendarán según corresponda`). A date counts from the period's start; a semester
  from its first day. Every window is clipped to the period and must fall inside it.
- `al`: the day the status is told as of, at the close of that day. An activity after it is
  not counted yet; a commitment whose deadline is after it is still within its deadline; on
  the deadline day itself the count is final (that day's activities count, and the state is
  the one after the deadline).
"""
from __future__ import annotations

import re
from datetime import date, datetime

from pipeline.indicators.plan.model import Period, Deadline
from pipeline.text import fold

_YEAR = r"(\d{4})"
_DATE = r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/-]\d{1,2}[/-]\d{4})"
_PERIOD_YEARS = re.compile(rf"^\s*{_YEAR}\s*(?:[-–]|a|al|hasta)\s*{_YEAR}\s*$")
_PERIOD_DATES = re.compile(rf"^\s*{_DATE}\s*(?:a|al|hasta|[–]|-{{1,2}})\s*{_DATE}\s*$", re.IGNORECASE)
_SEMESTER = re.compile(r"^(primer|1|1er|segundo|2|2do|2o) semestre(?: del?)?(?: ano)? (\d{4})$")
_WHOLE_PERIOD = ("periodo", "todo el periodo", "durante el periodo", "durante todo el periodo",
                 "se agendaran segun corresponda", "segun corresponda", "anual")

DEADLINE_FORMATS = ("una fecha (2025-03-31 o 31/03/2025)", "primer semestre 2025", "segundo semestre 2024",
                  "durante el periodo")


def parse_date(text: object) -> date:
    """A day from a YAML date or a text `AAAA-MM-DD` / `DD/MM/AAAA` / `DD-MM-AAAA`; ValueError if not."""
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    value = str(text).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{value}' no es una fecha válida (use AAAA-MM-DD, por ejemplo 2025-06-30)")


def parse_period(value: object) -> Period:
    """`2024`, `2024-2025` or `2024-07-01 a 2025-06-30` → Period; ValueError in Spanish if not."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Period(date(value, 1, 1), date(value, 12, 31))
    text = str(value).strip()
    if re.fullmatch(_YEAR, text):
        return Period(date(int(text), 1, 1), date(int(text), 12, 31))
    match = _PERIOD_YEARS.match(text)
    if match:
        period = Period(date(int(match[1]), 1, 1), date(int(match[2]), 12, 31))
    else:
        match = _PERIOD_DATES.match(text)
        if not match:
            raise ValueError(
                f"periodo '{text}' no se entiende: escriba un año (2024), dos años (2024-2025) o dos "
                "fechas (2024-07-01 a 2025-06-30)"
            )
        period = Period(parse_date(match[1]), parse_date(match[2]))
    if period.end < period.start:
        raise ValueError(f"el periodo '{text}' termina antes de empezar")
    return period


def parse_deadline(value: object, period: Period) -> Deadline:
    """A commitment's deadline and window inside `period`; ValueError in Spanish if not."""
    if isinstance(value, (date, datetime)):
        return _inside(Deadline(period.start, parse_date(value), parse_date(value).strftime("%d/%m/%Y")), period)
    text = " ".join(str(value).split())
    key = fold(text)
    key_no_years = re.sub(r"\s*\d{4}(\s+\d{4})?$", "", key)
    if key in _WHOLE_PERIOD or key_no_years in _WHOLE_PERIOD:
        return Deadline(period.start, period.end, text[:1].upper() + text[1:])
    match = _SEMESTER.match(key)
    if match:
        year = int(match[2])
        first = match[1] in ("primer", "1", "1er")
        start, end = (date(year, 1, 1), date(year, 6, 30)) if first else (date(year, 7, 1), date(year, 12, 31))
        label = f"{'Primer' if first else 'Segundo'} semestre {year}"
        if end < period.start or start > period.end:
            raise ValueError(f"el plazo '{text}' queda fuera del periodo del plan ({period.text()})")
        return Deadline(max(start, period.start), min(end, period.end), label)
    try:
        day = parse_date(text)
    except ValueError:
        raise ValueError(
            f"plazo '{text}' no se entiende. Formatos aceptados: {', '.join(DEADLINE_FORMATS)}"
        ) from None
    return _inside(Deadline(period.start, day, day.strftime("%d/%m/%Y")), period)


def _inside(deadline: Deadline, period: Period) -> Deadline:
    if not period.start <= deadline.due <= period.end:
        raise ValueError(f"el plazo {deadline.text} queda fuera del periodo del plan ({period.text()})")
    return deadline


def default_al(year: int, today: date | None = None) -> date:
    """The last day of the year reported, or today while that year has not ended."""
    today = today or date.today()
    return today if int(year) >= today.year else date(int(year), 12, 31)


def resolve_al(year: int, al: object = None, today: date | None = None) -> date:
    """`--al` as given (a date or `AAAA-MM-DD`), or its default for the year reported."""
    if al is None or (isinstance(al, str) and not al.strip()):
        return default_al(year, today)
    return parse_date(al)


def counted_window(deadline: Deadline, al: date) -> tuple[date, date] | None:
    """Days whose activities count as of `al`: the window cut at `al`; None before it opens."""
    end = min(deadline.due, al)
    return None if end < deadline.start else (deadline.start, end)


def past_deadline(deadline: Deadline, al: date) -> bool:
    """True once the deadline is reached: as of the close of the deadline day, the state is final."""
    return al >= deadline.due


def years_counted(period: Period, al: date) -> list[int]:
    """Calendar years whose activities a plan may count as of `al` (a period may span several)."""
    end = min(period.end, al)
    return list(range(period.start.year, end.year + 1)) if end >= period.start else []
