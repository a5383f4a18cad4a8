"""Chilean number, percentage and date formats: the one place where a figure becomes text.

Slides, charts, the quality report, the workbook and the trends page all format through
these functions, so a figure is written the same way everywhere: integers with a dot for
thousands ("5.971"), percentages with at most one decimal, dropped when it is zero, and a
non-breaking space before the sign ("75 %", "63,9 %"), so "%" never starts a line.
`indicadores.json` keeps two decimals; only the text shown rounds.
"""
from __future__ import annotations

import html
import math
import re
from datetime import date

NO_DATA = "—"
PCT_SIGN = "\u00a0%"  # non-breaking space, then the sign: "75 %"
PCT_DECIMALS = 1
MONTHS = [
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
]


def missing(value: object) -> bool:
    """None or NaN: a figure that does not exist (shown as "—")."""
    return value is None or (isinstance(value, float) and math.isnan(value))



def esc(value: object) -> str:
    """Text as HTML text (quotes included), `None` as an empty string."""
    return "" if value is None else html.escape(str(value), quote=True)


def fmt_int(value: int | float | None) -> str:
    """Whole number with Chilean thousands separator: 5971 → "5.971"; None → "—"."""
    if missing(value):
        return NO_DATA
    return f"{round(value):,}".replace(",", ".")


def fmt_num(value: float | None, decimals: int = 2) -> str:
    """Decimal number in Chilean format: 1234.5 → "1.234,5" (trailing zeros dropped)."""
    if missing(value):
        return NO_DATA
    text = f"{round(float(value), decimals):,.{decimals}f}"
    if decimals:
        text = text.rstrip("0").rstrip(".")
    # swap separators: 1,234.5 → 1.234,5
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt_pct(value: float | None, decimals: int = PCT_DECIMALS) -> str:
    """Percentage in Chilean format: 74.96 → "75 %", 63.94 → "63,9 %", 40.0 → "40 %";
    None → "—". At most one decimal (the trailing zero dropped): on a slide a second
    decimal never changes the message."""
    if missing(value):
        return NO_DATA
    return f"{fmt_num(value, min(decimals, PCT_DECIMALS))}{PCT_SIGN}"


def fmt_signed_pct(value: float | None, decimals: int = PCT_DECIMALS) -> str:
    """−16.26 → "-16,3 %", 3.1 → "+3,1 %" (the sign says which way the figure went)."""
    text = fmt_pct(value, decimals)
    return "+" + text if not missing(value) and round(float(value), PCT_DECIMALS) > 0 else text


def fmt_rate(value: float | None) -> str:
    """A rate per 1.000 inhabitants: one decimal, "12,4"; below 0,1 but not zero "< 0,1"."""
    if missing(value):
        return NO_DATA
    if 0 < float(value) < 0.05:
        return "< 0,1"
    return fmt_num(value, 1)


def share(part: float, total: float) -> float | None:
    """part / total × 100 with two decimals; None when the total is zero."""
    return round(part / total * 100, 2) if total else None


def fmt_date(value: str | date | None) -> str:
    """ISO date → "12 de abril de 2017"; anything unreadable is shown as given."""
    if value is None or value == "":
        return ""
    text = str(value).strip()
    try:
        if isinstance(value, date):
            day = value
        elif re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}", text):  # day first, always (Chile)
            d, m, y = re.split(r"[/.-]", text)
            day = date(int(y), int(m), int(d))
        else:
            day = date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{day.day} de {MONTHS[day.month - 1]} de {day.year}"
