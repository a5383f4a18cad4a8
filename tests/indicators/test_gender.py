"""Gender × territory indicators, by hand on the tiny year of test_annual; protection applied."""
import pandas as pd

from pipeline.indicators import annual, gender
from tests.indicators.test_annual import ACT, ASIS, CALIDAD

COMUNAS = ["La Serena", "Ovalle", "Río Hurtado"]


def test_province_attendances_and_share_of_women():
    out = gender.asistencias_por_provincia_sexo(ACT, ["Elqui", "Choapa", "Limarí"])
    assert out["Elqui"] == {"asistencias": 24, "mujeres": 13, "hombres": 6, "sexo_sin_informacion": 5,
                            "pct_mujeres": 54.17}
    assert out["Limarí"]["pct_mujeres"] == 33.33
    assert out["Choapa"] == {"asistencias": 0, "mujeres": 0, "hombres": 0, "sexo_sin_informacion": 0,
                             "pct_mujeres": None}


def test_distinct_people_per_comuna_and_sex_unprotected_at_threshold_one():
    table = gender.personas_por_comuna_sexo(ACT, ASIS, COMUNAS, threshold=1)
    # La Serena: p1, p2 and a woman without RUT (her own person) + 10 summary heads; p3 + 5; 5
    assert table["La Serena"] == {"Mujer": 13, "Hombre": 6, "Sin información": 5, "Total": 24}
    assert table["Ovalle"] == {"Mujer": 1, "Hombre": 1, "Sin información": 1, "Total": 3}
    assert table["Río Hurtado"]["Total"] == 0
    pct = gender.pct_mujeres_por_comuna(ACT, table, COMUNAS)
    assert pct == {"La Serena": 54.17, "Ovalle": 33.33, "Río Hurtado": None}


def test_a_person_counts_once_per_cell():
    twice = pd.concat([ASIS, ASIS.iloc[[0]]], ignore_index=True)  # p1 again in La Serena
    table = gender.personas_por_comuna_sexo(ACT, twice, COMUNAS, threshold=1)
    assert table["La Serena"]["Mujer"] == 13


def test_small_cells_hide_the_comuna_share():
    table = gender.personas_por_comuna_sexo(ACT, ASIS, COMUNAS, threshold=5)
    assert all(isinstance(table["Ovalle"][s], str) for s in ("Mujer", "Hombre", "Sin información"))
    # secondary suppression: each column had one hidden cell, so La Serena's go too
    assert isinstance(table["La Serena"]["Mujer"], str) and table["La Serena"]["Total"] == 24
    assert gender.pct_mujeres_por_comuna(ACT, table, COMUNAS) == {"La Serena": None, "Ovalle": None,
                                                                 "Río Hurtado": None}


def test_age_group_by_sex():
    table = gender.personas_por_grupo_etario_sexo(ACT, ASIS, threshold=1)
    assert table["0 a 17 años"] == {"Mujer": 1, "Hombre": 0, "Sin información": 1, "Total": 2}
    assert table["18 a 59 años"] == {"Mujer": 2, "Hombre": 0, "Sin información": 0, "Total": 2}
    assert table["Sin información"] == {"Mujer": 11, "Hombre": 6, "Sin información": 5, "Total": 22}
    assert gender.personas_por_grupo_etario_sexo(ACT, ASIS.iloc[:0], threshold=1) is None


def test_compute_adds_the_keys_and_the_previous_year_summary():
    prev = annual.compute(ACT.iloc[:1], ASIS.iloc[:4], CALIDAD, 2016, "Coquimbo")
    ind = annual.compute(ACT, ASIS, CALIDAD, 2017, "04", anterior=prev)
    for key in ("asistencias_por_provincia_sexo", "personas_por_comuna_sexo", "pct_mujeres_por_comuna",
                "personas_por_grupo_etario_sexo"):
        assert key in ind
    assert ind["anio_anterior"]["asistencias_por_provincia_sexo"]["Elqui"]["asistencias"] == 4
    assert "pct_mujeres_por_comuna" in ind["anio_anterior"]
    older = {k: v for k, v in prev.items() if k != "pct_mujeres_por_comuna"}  # a file from before
    assert annual.compute(ACT, ASIS, CALIDAD, 2017, "04", anterior=older)["anio_anterior"]["pct_mujeres_por_comuna"] is None
