"""Chilean number, percentage and date formats: the one place where a figure becomes text.

Slides, charts, the quality report, the workbook and the trends page all format through
these functions, so "5.971" and "74,96%" are written the same way everywhere.
"""
from __future__ import annotations

import html
import math
import re
from datetime import date

NO_DATA = "—"
MESES = [
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


def fmt_pct(value: float | None, decimals: int = 2) -> str:
    """Percentage in Chilean format: 74.96 → "74,96%", 40.0 → "40%"; None → "—"."""
    if missing(value):
        return NO_DATA
    return f"{fmt_num(value, decimals)}%"


def fmt_signed_pct(value: float | None, decimals: int = 2) -> str:
    """−16.26 → "-16,26%", 3.1 → "+3,1%" (the sign says which way the figure went)."""
    text = fmt_pct(value, decimals)
    return "+" + text if not missing(value) and float(value) > 0 else text


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
    return f"{day.day} de {MESES[day.month - 1]} de {day.year}"


def variation_sentence(asist: int | None, prev: int | None, prev_year: int | None) -> str | None:
    """The change on the previous year in words, or None when there is nothing to compare.

    "un incremento del 40% respecto de 2016" / "una disminución del 12,5% respecto de 2016" /
    "el mismo nivel de 2016". The percent is (asist / prev − 1) × 100 with two decimals,
    the definition of `variacion_asistencias_pct`.
    """
    if asist is None or prev is None or prev_year is None or prev <= 0:
        return None
    pct = round((asist / prev - 1) * 100, 2)
    if pct > 0:
        return f"un incremento del {fmt_pct(pct)} respecto de {prev_year}"
    if pct < 0:
        return f"una disminución del {fmt_pct(-pct)} respecto de {prev_year}"
    return f"el mismo nivel de {prev_year}"
