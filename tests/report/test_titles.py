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


def test_an_unknown_is_never_stated_as_a_number():
    """Issue 24: 2018's files had no organisation column: «sin dato en 2018», not «0 %»."""
    now = {"Comité de Vivienda": 10, "Junta de Vecinos": 16, "Otras organizaciones": 74, "Sin información": 0}
    before = {"Comité de Vivienda": 0, "Junta de Vecinos": 0, "Otras organizaciones": 0, "Sin información": 40}
    title = titles.organisations_title(now, before, 2018)
    assert title == f"El 74{NB}% de nuestras actividades fue con otras organizaciones (sin dato en 2018)"
    assert "0" + NB + "%" not in title


def test_a_large_share_of_unknowns_is_stated():
    zonas = {"Urbano": 28, "Rural": 8, "Sin información": 64}
    assert titles.zone_title(zonas) == (
        f"El 28{NB}% de nuestras acciones se desarrolló en contextos urbanos; el 64{NB}% sin registro de zona")
    # a quarter or less is not said
    assert titles.zone_title({"Urbano": 60, "Rural": 15, "Sin información": 25}).endswith("contextos urbanos")
    orgs = {"Comité de Vivienda": 30, "Junta de Vecinos": 10, "Otras organizaciones": 10, "Sin información": 50}
    assert titles.organisations_title(orgs, None, 2016).endswith(f"; el 50{NB}% sin registro de organización")


def test_tied_months_are_named_together():
    per_month = {"01": 1, "04": 3, "05": 3, "06": 3, "07": 2}
    assert titles.month_title(per_month) == "Abril, mayo y junio fueron los meses con más actividades, con 3 cada uno"
    assert titles.month_title({"03": 2, "09": 2}) == "Marzo y septiembre fueron los meses con más actividades, con 2 cada uno"


def test_all_provinces_means_those_with_activities():
    pcts = {"Elqui": 60.0, "Limarí": 80.0, "Choapa": None}
    asistencias = {"Elqui": 200, "Limarí": 300, "Choapa": 0}
    assert titles.province_women_title(pcts, asistencias) == (
        f"Las mujeres fueron mayoría en todas las provincias con actividades: al menos el 60{NB}%")
    assert titles.province_women_title({"Elqui": 70.0, "Choapa": None}, {"Elqui": 20, "Choapa": 0}) == (
        f"Las mujeres fueron mayoría en Elqui, la única provincia con actividades: al menos el 70{NB}%")
    # a share withheld to protect someone is no province «without activities»
    assert titles.province_women_title(pcts, {**asistencias, "Choapa": 40}) == (
        f"Limarí tuvo la mayor participación de mujeres: 80{NB}%")
