"""Gender × territory indicators, by hand on the tiny year of test_annual."""
import pandas as pd

from pipeline import schema
from pipeline.indicators import annual, disclosure, gender
from tests.indicators.test_annual import ACT, ASIS, CALIDAD

COMUNAS = ["La Serena", "Ovalle", "Río Hurtado"]


def _shares(by, index, threshold, acts=ACT):
    """The rule alone (before any share is withheld to stop a difference)."""
    return disclosure.share_of_women(gender.people_by_sex(acts, ASIS, by, index), threshold)


def test_province_attendances_without_sex():
    assert gender.asistencias_por_provincia(ACT, ["Elqui", "Choapa", "Limarí"]) == {
        "Elqui": 24, "Choapa": 0, "Limarí": 3}


def test_distinct_people_per_comuna_and_sex():
    table = gender.people_by_sex(ACT, ASIS, "comuna", COMUNAS)
    # La Serena: p1, p2 and a woman without RUT (her own person) + 10 summary heads; p3 + 5; 5
    assert table.loc["La Serena"].tolist() == [13, 6, 5]
    assert table.loc["Ovalle"].tolist() == [1, 1, 1]
    assert table.loc["Río Hurtado"].tolist() == [0, 0, 0]


def test_share_of_women_among_people_with_sex_recorded():
    # threshold 1: every comuna with a woman and a man; sex not recorded left out
    pct = _shares("comuna", COMUNAS, 1)
    assert pct == {"La Serena": round(13 / 19 * 100, 2), "Ovalle": 50.0, "Río Hurtado": None}
    # threshold 6: La Serena has 13 women and 6 men; Ovalle one of each
    assert _shares("comuna", COMUNAS, 6) == {
        "La Serena": 68.42, "Ovalle": None, "Río Hurtado": None}
    # threshold 7: fewer than 7 men in La Serena
    assert _shares("comuna", COMUNAS, 7)["La Serena"] is None


def test_a_person_counts_once_per_cell():
    twice = pd.concat([ASIS, ASIS.iloc[[0]]], ignore_index=True)  # p1 again in La Serena
    assert gender.people_by_sex(ACT, twice, "comuna", COMUNAS).loc["La Serena", "Mujer"] == 13


def test_age_group_by_sex():
    table = gender.people_by_sex(ACT, ASIS, "grupo", gender.AGE_GROUPS)
    assert table.loc["0 a 17 años"].tolist() == [1, 0, 1]
    assert table.loc["18 a 59 años"].tolist() == [2, 0, 0]
    assert table.loc["Sin información"].tolist() == [11, 6, 5]  # with the summary's heads
    # the published share counts person rows only, like asistencias_por_grupo_etario
    person_rows = ACT[ACT["forma"] != schema.SHAPE_SUMMARY]
    assert _shares("grupo", gender.AGE_GROUPS, 1, person_rows) == {
        "0 a 17 años": None, "18 a 59 años": None, "60 años y más": None, "Sin información": 50.0}
    assert gender.compute(ACT, ASIS, COMUNAS, ["Elqui"], 1)["pct_mujeres_por_grupo_etario"] == {
        "0 a 17 años": None, "18 a 59 años": None, "60 años y más": None, "Sin información": 50.0}
    assert gender.compute(ACT, ASIS.iloc[:0], COMUNAS, ["Elqui"], 1)["pct_mujeres_por_grupo_etario"] is None


def test_distinct_people_of_the_year():
    # p1..p4 + two attendances without RUT + 20 summary heads
    assert disclosure.personas_distintas(ASIS, ACT) == 4 + 2 + 20
    assert disclosure.personas_distintas(ASIS.iloc[:0], ACT) is None


def test_compute_adds_the_keys_and_the_previous_year_summary():
    prev = annual.compute(ACT.iloc[:1], ASIS.iloc[:4], CALIDAD, 2016, "Coquimbo")
    ind = annual.compute(ACT, ASIS, CALIDAD, 2017, "04", previous=prev)
    for key in ("asistencias_por_provincia", "pct_mujeres_por_provincia", "pct_mujeres_por_comuna",
                "pct_mujeres_por_grupo_etario", "personas_distintas"):
        assert key in ind
    for gone in ("personas_por_comuna_sexo", "personas_por_grupo_etario_sexo", "asistencias_por_provincia_sexo"):
        assert gone not in ind
    assert ind["anio_anterior"]["asistencias_por_provincia"]["Elqui"] == 4
    assert "pct_mujeres_por_comuna" in ind["anio_anterior"]
    older = {k: v for k, v in prev.items() if k != "pct_mujeres_por_comuna"}  # a file from before
    assert annual.compute(ACT, ASIS, CALIDAD, 2017, "04", previous=older)["anio_anterior"]["pct_mujeres_por_comuna"] is None
