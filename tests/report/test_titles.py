"""Sentence rules: increase, decrease, no change, first year and missing data, in one module."""
import pytest

from pipeline.report import titles

NB = "\u00a0"


@pytest.mark.parametrize("current, previous, kind", [
    (5971, 4265, titles.INCREASE), (3500, 4000, titles.DECREASE), (4000, 4000, titles.SAME),
    (4000, None, titles.FIRST_YEAR), (None, 4000, titles.MISSING), (float("nan"), 4000, titles.MISSING),
])
def test_change_kinds(current, previous, kind):
    assert titles.change(current, previous) == kind


def test_variation_sentence_in_each_case():
    assert titles.variation_sentence(5971, 4265, 2016) == f"un incremento del 40{NB}% respecto de 2016"
    assert titles.variation_sentence(3500, 4000, 2016) == f"una disminución del 12,5{NB}% respecto de 2016"
    assert titles.variation_sentence(4000, 4000, 2016) == "el mismo nivel de 2016"
    assert titles.variation_sentence(5971, None, 2016) is None  # first year
    assert titles.variation_sentence(5971, 0, 2016) is None
    assert titles.variation_sentence(None, 4000, 2016) is None  # missing


def test_share_sentence_in_each_case():
    assert titles.share_change_sentence(74.96, 74.6, 2016, 2017) == (
        f"Esta cifra no tuvo variación en términos porcentuales respecto de 2016 (74,6{NB}%).")
    assert titles.share_change_sentence(74.96, 70.11, 2016, 2017) == (
        f"Esta cifra subió 5 puntos porcentuales respecto de 70,1{NB}% en 2016.")
    assert titles.share_change_sentence(60.0, 70.11, 2016, 2017).startswith("Esta cifra bajó 10 puntos")
    assert titles.share_change_sentence(60.0, None, None, 2017) is None
    assert titles.share_change_sentence(None, 70.0, 2016, 2017) == (
        "Es necesario precisar este dato durante la gestión 2018.")


def test_action_titles_state_the_figure():
    assert titles.women_title({"pct_mujeres": 74.96}) == f"El 75{NB}% de nuestro público fueron mujeres"
    assert titles.women_title({"pct_mujeres": None}) == "Sin registro del sexo de nuestro público"
    ind = {"anio": 2017, "asistencias": 5971, "actividades": 167, "asistencias_anio_anterior": 4265}
    assert titles.reach_title(ind) == (
        f"5.971 asistencias en 167 actividades durante 2017: un incremento del 40{NB}% respecto de 2016")
    assert titles.reach_title({**ind, "asistencias_anio_anterior": None}) == (
        "5.971 asistencias en 167 actividades durante 2017")
    assert titles.province_title({"Elqui": 200, "Limarí": 300}) == f"Limarí concentró el 60{NB}% de las asistencias"
    prov = {"Elqui": 60.0, "Limarí": 80.0}
    assert titles.province_women_title(prov) == f"Las mujeres fueron mayoría en todas las provincias: al menos el 60{NB}%"
    # a reserved province is not counted among "todas"
    assert titles.province_women_title({**prov, "Choapa": None}) == f"Limarí tuvo la mayor participación de mujeres: 80{NB}%"
    assert titles.comuna_women_title({"A": None}) == "Mujeres por comuna: cifras reservadas por ser pequeñas"
    assert titles.age_women_title({"0 a 17 años": None, "18 a 59 años": 70.0, "60 años y más": 64.5,
                                   "Sin información": 90.0}) == (
        f"Las mujeres fueron más presentes entre las personas de 18 a 59 años: 70{NB}%")
    assert titles.age_women_title({"0 a 17 años": None}) == "Mujeres por grupo de edad: cifras reservadas por ser pequeñas"
    assert titles.month_title({"01": 3, "10": 22}) == "Octubre fue el mes con más actividades: 22"
    assert titles.organisations_title({"Comité de Vivienda": 57, "Junta de Vecinos": 43}, {"Comité de Vivienda": 34,
                                      "Junta de Vecinos": 66}, "2016") == (
        f"El 57{NB}% de nuestras actividades fue con Comités de Vivienda (34{NB}% en 2016)")
    rows = [{"anio": 2016, "asistencias": 4265}, {"anio": 2017, "asistencias": 5971}]
    assert titles.trend_title(rows) == "Las asistencias crecieron de 4.265 en 2016 a 5.971 en 2017"
    assert titles.trend_title(rows[::-1][:1]) == "Evolución"


def test_one_of_a_kind_is_singular():
    assert titles.reach_title({"anio": 2017, "asistencias": 2, "actividades": 1}) == (
        "2 asistencias en 1 actividad durante 2017")
    assert titles.month_title({"04": 1}) == "Abril: 1 actividad, el único mes con actividades"
