"""Periods, deadlines and the "as of" date: the edges of every window."""
from datetime import date

import pandas as pd
import pytest

from pipeline.indicators import plan
from pipeline.indicators.plan import windows

TWO_YEARS = plan.Period(date(2024, 1, 1), date(2025, 12, 31))
MID_YEAR = plan.Period(date(2024, 7, 1), date(2025, 6, 30))


@pytest.mark.parametrize("value, inicio, fin", [
    (2024, date(2024, 1, 1), date(2024, 12, 31)),
    ("2024", date(2024, 1, 1), date(2024, 12, 31)),
    ("2024-2025", date(2024, 1, 1), date(2025, 12, 31)),
    ("2024 - 2025", date(2024, 1, 1), date(2025, 12, 31)),
    ("2024-07-01 a 2025-06-30", date(2024, 7, 1), date(2025, 6, 30)),
    ("01/07/2024 al 30/06/2025", date(2024, 7, 1), date(2025, 6, 30)),
])
def test_periods(value, inicio, fin):
    assert windows.parse_period(value) == plan.Period(inicio, fin)


@pytest.mark.parametrize("value", ["2025-2024", "el año pasado", "2024-07-01 a 2024-02-30"])
def test_bad_periods_are_refused(value):
    with pytest.raises(ValueError):
        windows.parse_period(value)


@pytest.mark.parametrize("value, inicio, fecha", [
    ("Primer Semestre 2025", date(2025, 1, 1), date(2025, 6, 30)),
    ("segundo semestre 2024", date(2024, 7, 1), date(2024, 12, 31)),
    ("Durante el Periodo 2024-2025", date(2024, 1, 1), date(2025, 12, 31)),
    ("Se agendarán según corresponda", date(2024, 1, 1), date(2025, 12, 31)),
    ("2025-03-31", date(2024, 1, 1), date(2025, 3, 31)),
    ("31/03/2025", date(2024, 1, 1), date(2025, 3, 31)),
    (date(2025, 3, 31), date(2024, 1, 1), date(2025, 3, 31)),
])
def test_deadlines(value, inicio, fecha):
    got = windows.parse_deadline(value, TWO_YEARS)
    assert (got.start, got.due) == (inicio, fecha)


def test_semester_is_clipped_to_a_period_that_starts_mid_year():
    # the first semester of 2024 is outside a period starting on 1 July 2024
    with pytest.raises(ValueError, match="fuera del periodo"):
        windows.parse_deadline("primer semestre 2024", MID_YEAR)
    got = windows.parse_deadline("segundo semestre 2024", MID_YEAR)
    assert (got.start, got.due) == (date(2024, 7, 1), date(2024, 12, 31))
    with pytest.raises(ValueError, match="fuera del periodo"):
        windows.parse_deadline("2025-07-01", MID_YEAR)
    with pytest.raises(ValueError, match="Formatos aceptados"):
        windows.parse_deadline("cuando se pueda", MID_YEAR)


def test_deadline_day_itself_is_final_and_the_day_before_is_not():
    plazo = windows.parse_deadline("primer semestre 2025", TWO_YEARS)
    assert not windows.past_deadline(plazo, date(2025, 6, 29))
    assert windows.past_deadline(plazo, date(2025, 6, 30))
    assert windows.counted_window(plazo, date(2025, 6, 30)) == (date(2025, 1, 1), date(2025, 6, 30))
    assert windows.counted_window(plazo, date(2025, 3, 1)) == (date(2025, 1, 1), date(2025, 3, 1))
    assert windows.counted_window(plazo, date(2024, 12, 31)) is None   # not open yet


def test_years_counted_cross_the_calendar_year():
    assert windows.years_counted(MID_YEAR, date(2025, 6, 30)) == [2024, 2025]
    assert windows.years_counted(MID_YEAR, date(2024, 12, 31)) == [2024]
    assert windows.years_counted(MID_YEAR, date(2024, 1, 1)) == []


def _acts(*rows):
    return pd.DataFrame(
        [(f"a{i}", pd.Timestamp(f), "Sesión COSOC", "Sin información", "04301", "Ovalle", "Sesión", 10)
         for i, f in enumerate(rows)],
        columns=["clave_actividad", "fecha", "tipo_actividad", "linea", "cut_comuna", "comuna", "actividad",
                 "asistencias"],
    )


def _plan(tmp_path, plazo, meta=2, periodo="2024-07-01 a 2025-06-30"):
    path = tmp_path / "plan.yml"
    path.write_text(f"periodo: {periodo}\ncompromisos:\n  - nombre: Sesiones\n    meta: {meta}\n"
                    f"    plazo: {plazo}\n    filtro: {{tipo_actividad: Sesión COSOC}}\n", encoding="utf-8")
    return plan.load_plan(path, "Coquimbo")


@pytest.mark.parametrize("acts, al, logrado, estado", [
    # 30 June 2024 is before the period; 1 July and 31 December 2024 are the semester's edges;
    # 1 January 2025 is the next semester and never counts for this one
    (("2024-06-30", "2024-07-01", "2024-12-31", "2025-01-01"), date(2024, 12, 30), 1, "EN EJECUCIÓN"),
    (("2024-06-30", "2024-07-01", "2024-12-31", "2025-01-01"), date(2024, 12, 31), 2, "CUMPLE"),
    (("2024-06-30", "2024-07-01", "2024-12-31", "2025-01-01"), date(2025, 1, 15), 2, "CUMPLE"),
    (("2024-07-01", "2025-01-01"), date(2024, 12, 30), 1, "EN EJECUCIÓN"),
    (("2024-07-01", "2025-01-01"), date(2024, 12, 31), 1, "EN PROCESO"),   # deadline day: final, 50 %
    (("2024-06-30", "2025-01-01"), date(2024, 12, 31), 0, "NO CUMPLE"),
])
def test_semester_boundary(tmp_path, acts, al, logrado, estado):
    got = plan.compliance(_plan(tmp_path, "segundo semestre 2024"), _acts(*acts), al)
    assert got["logrado"].tolist() == [logrado]
    assert got["estado"].tolist() == [estado]


def test_a_period_crossing_the_year_counts_both_years(tmp_path):
    p = _plan(tmp_path, "durante el periodo", meta=3)
    acts = _acts("2024-08-01", "2024-11-01", "2025-05-01", "2025-07-01")   # the last is after the period
    assert plan.compliance(p, acts, date(2024, 12, 31))["estado"].tolist() == ["EN EJECUCIÓN"]
    assert plan.compliance(p, acts, date(2024, 12, 31))["logrado"].tolist() == [2]
    final = plan.compliance(p, acts, date(2025, 6, 30))
    assert final["logrado"].tolist() == [3] and final["estado"].tolist() == ["CUMPLE"]
    assert final["ponderacion_ganada"].tolist() == [100.0]
