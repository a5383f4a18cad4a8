"""Value normalisers (data contract §3): one case per rule, properties with hypothesis."""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean import normalize
from pipeline.clean import comunas
from pipeline.clean import ruts
from pipeline import reference
from pipeline.text import fold


def s(*values):
    return pd.Series(list(values), dtype="str")


# --- fecha -------------------------------------------------------------------
def test_fecha_every_form_day_first():
    got = normalize.fecha(s("2017-04-25", "25/04/2017", "25-04-2017", "25.04.2017", "5/4/2017",
                    "42850", "42850.0", "2017-04-25 00:00:00", " 25/04/2017 "))
    assert got.dt.strftime("%Y-%m-%d").tolist() == ["2017-04-25"] * 4 + ["2017-04-05"] + ["2017-04-25"] * 4


def test_fecha_impossible_or_missing_is_nat():
    got = normalize.fecha(s("31/02/2017", "2017-13-01", "ayer", "", None, "04/25/2017", "0"))
    assert got.isna().all()


def test_fecha_serial_1900_system():
    # 1 = 1900-01-01 is off by the Lotus bug only before March 1900; 43101 = 2018-01-01
    assert normalize.fecha(s("43101"))[0] == pd.Timestamp("2018-01-01")
    assert normalize.fecha(s("61"))[0] == pd.Timestamp("1900-03-01")


# --- comuna ------------------------------------------------------------------
@pytest.fixture(scope="module")
def matcher():
    return comunas.comuna_matcher("Coquimbo")


@pytest.mark.parametrize("typed, cut, estado", [
    ("La Serena", "04101", comunas.STATUS_OFFICIAL),
    ("  la   SERENA ", "04101", comunas.STATUS_OFFICIAL),
    ("Río Hurtado", "04305", comunas.STATUS_OFFICIAL),
    ("RIO HURTADO", "04305", comunas.STATUS_OFFICIAL),
    ("Vicuna", "04106", comunas.STATUS_OFFICIAL),
    ("Paihuano", "04105", comunas.STATUS_ALIAS),
    ("La Serana", "04101", comunas.STATUS_CORRECTED),
    ("Cokimbo", "04102", comunas.STATUS_CORRECTED),
    ("Santiago", "13101", comunas.STATUS_OTHER_REGION),
    ("Valparaíso", "05101", comunas.STATUS_OTHER_REGION),
    ("Gotham", None, comunas.STATUS_UNKNOWN),
    ("", None, comunas.STATUS_MISSING),
    (None, None, comunas.STATUS_MISSING),
])
def test_comuna_steps(matcher, typed, cut, estado):
    assert matcher.match_one(typed) == comunas.ComunaMatch(cut, estado)


def test_comuna_tie_is_ambiguous():
    # "chillon" is 1 edit from Chillán and 2 from Quillón (both in Ñuble): a tie
    m = comunas.comuna_matcher("Ñuble")
    assert m.match_one("Chillon") == comunas.ComunaMatch(None, comunas.STATUS_AMBIGUOUS)
    assert m.match_one("Chillan").status == comunas.STATUS_OFFICIAL


def test_comuna_match_frame_aligned(matcher):
    out = matcher.match(s("Ovalle", None, "Cokimbo", "Ovalle"))
    assert [None if pd.isna(c) else c for c in out["cut_comuna"]] == ["04301", None, "04102", "04301"]
    assert out["estado_comuna"].astype(str).tolist() == ["oficial", "comuna_faltante", "corregida", "oficial"]


_COQUIMBO = reference.comunas_region("Coquimbo")["comuna"].tolist()
_ACCENTS = str.maketrans("aeiouAEIOUnN", "áéíóúÁÉÍÓÚñÑ")


@given(st.sampled_from(_COQUIMBO), st.lists(st.sampled_from(["lower", "upper", "title", "accents", "strip_accents",
                                                              "spaces"]), max_size=3))
def test_any_official_name_in_any_form_matches_itself(name, transforms):
    typed = name
    for t in transforms:
        if t == "accents":
            typed = typed.translate(_ACCENTS)
        elif t == "strip_accents":
            typed = fold(typed)
        elif t == "spaces":
            typed = "  " + typed.replace(" ", "   ") + " "
        else:
            typed = getattr(typed, t)()
    cut = reference.comunas_region("Coquimbo").set_index("comuna").loc[name, "cut_comuna"]
    got = comunas.comuna_matcher("Coquimbo").match_one(typed)
    assert got.cut_comuna == cut
    assert got.status in comunas.VALID_STATUSES


# --- sexo, zona, tipos, linea --------------------------------------------------
def test_sexo():
    got = normalize.sexo(s("Mujer", "f", " FEM ", "Femenino", "2", "2.0", "Hombre", "m", "Masc", "MASCULINO", "1",
                   "Otro", "NS", "Prefiere no decir", "", None))
    assert got.astype(str).tolist() == ["Mujer"] * 6 + ["Hombre"] * 5 + ["Sin información"] * 5


def test_zona():
    got = normalize.zona(s("Urbano", "urbana", "U", "RURAL", "r", "mixta", None))
    assert got.astype(str).tolist() == ["Urbano"] * 3 + ["Rural"] * 2 + ["Sin información"] * 2


def test_tipo_organizacion():
    got = normalize.tipo_organizacion(s("Comité de Vivienda", "comite vivienda", "COMITE DE VIVIENDA LOS AROMOS", "JJVV",
                                "JJ.VV.", "junta vecinal", "Junta de Vecinos N°3", "Club deportivo", "", None))
    assert got.astype(str).tolist() == (["Comité de Vivienda"] * 3 + ["Junta de Vecinos"] * 4
                                        + ["Otras organizaciones"] + ["Sin información"] * 2)


def test_tipo_actividad():
    got = normalize.tipo_actividad(s("Jornada Informativa", "reunion de dialogo", "Taller de Capacitación",
                             "taller participativo", "Escuela de Dirigentes", "CONSULTA CIUDADANA",
                             "Cuenta Pública Participativa", "sesion cosoc", "Difusión comunitaria",
                             "Almuerzo", None))
    assert got.astype(str).tolist() == [
        "Jornada informativa", "Reunión de diálogo", "Taller de capacitación", "Taller participativo",
        "Escuela de dirigentes", "Consulta ciudadana", "Cuenta pública", "Sesión COSOC",
        "Difusión comunitaria", "Otra", "Sin información"]


def test_linea():
    got = normalize.linea(s("  vivienda   social ", "VIVIENDA SOCIAL", "Barrios", "", None))
    assert got.astype(str).tolist() == ["Vivienda social", "Vivienda social", "Barrios",
                                        "Sin información", "Sin información"]


# --- rut -----------------------------------------------------------------------
def test_rut_known_values():
    got = ruts.rut(s("12.345.678-5", "12345678-5", "12345678 5", "123456785", "7.654.321-6", "11.111.111-1",
                  "12.345.678-4", "abc", "", None, "0-0", "10.000.013-k", "10000013K"))
    assert got.tolist()[:6] == ["12345678-5"] * 4 + ["7654321-6", "11111111-1"]
    assert got[6:11].isna().all()
    assert got[11] == got[12] == "10000013-K"


@st.composite
def formatted_rut(draw):
    body = draw(st.integers(min_value=1, max_value=99_999_999))
    dv = ruts.check_digit(body)
    digits = str(body)
    if draw(st.booleans()):  # thousands dots
        digits = f"{body:,}".replace(",", ".")
    sep = draw(st.sampled_from(["-", "", " ", " - "]))
    dv_txt = dv.lower() if draw(st.booleans()) else dv
    pad = draw(st.sampled_from(["", " ", "  "]))
    zeros = draw(st.sampled_from(["", "0", "00"]))
    return body, dv, f"{pad}{zeros}{digits}{sep}{dv_txt}{pad}"


@given(formatted_rut())
def test_any_valid_rut_in_any_format_validates(case):
    body, dv, typed = case
    assert ruts.rut(s(typed))[0] == f"{body}-{dv}"


@given(formatted_rut(), st.sampled_from(list("0123456789K")))
def test_any_changed_check_digit_fails(case, other):
    body, dv, typed = case
    if other == dv:
        return
    wrong = typed.rstrip()[:-1] + other
    assert pd.isna(ruts.rut(s(wrong))[0])


@given(st.lists(st.one_of(formatted_rut().map(lambda c: c[2]), st.sampled_from(["", " ", "abc", "0-0", "12.345.678-4"]),
                         st.none()), max_size=20), st.booleans())
def test_rut_codes_are_one_category_per_rut_whatever_the_typing(typed, categorical):
    column = s(*typed) if typed else pd.Series([], dtype="str")
    if categorical:
        column = column.astype("category")
    codes, blank = ruts.rut_codes_blank(column)
    assert codes.astype(object).where(codes.notna(), None).tolist() == \
        ruts.rut(s(*typed) if typed else column).astype(object).where(lambda x: x.notna(), None).tolist()
    assert len(codes.cat.categories) == codes.nunique()  # several typings of one RUT: one category
    assert blank.tolist() == [v is None or v.strip() == "" for v in typed]


def test_check_digit_known():
    assert [ruts.check_digit(b) for b in (12345678, 7654321, 11111111, 10000013, 14, 1)] == ["5", "6", "1", "K", "0", "9"]


# --- edad, conteo ----------------------------------------------------------------
def test_edad():
    got = normalize.edad(s("0", "45", "45.0", "110", "111", "-1", "12.5", "veinte", "", None))
    assert got.tolist()[:4] == [0, 45, 45, 110]
    assert got[4:].isna().all()
    assert str(got.dtype) == "Int64"


def test_edad_with_its_unit():
    got = normalize.edad(s("45 años", "45 a.", "45años", "45 AÑOS", "45 anos", " 45 a ", "45,0"))
    assert got.tolist() == [45] * 7
    # a range, a text, a decimal with a unit: still not an age
    assert normalize.edad(s("40-45", "40 a 45", "cuarenta años", "12.5 años", "años", "a.")).isna().all()


@pytest.mark.parametrize("value, problem", [
    ("40-45", "un rango de edades"), ("40 a 45", "un rango de edades"), ("12,5", "un número con decimales"),
    ("111 años", "un número fuera de 0 a 110"), ("-3", "un número fuera de 0 a 110"),
    ("no sabe", "un texto que no es una edad"),
])
def test_age_problem_names_the_kind_never_the_value(value, problem):
    said = normalize.age_problem(value)
    assert said.startswith(problem) and value not in said


def test_head_count():
    value, invalid = normalize.head_count(s("3", "3.0", "-1", "x", None, "2.5", ""))
    assert value.tolist()[:2] == [3, 3] and value[2:].isna().all()
    assert invalid.tolist() == [False, False, True, True, False, True, False]


def _reference_fold(value: str) -> str:
    """Folding as first written (NFKD of the whole string, marks dropped, lower, punctuation → space)."""
    import re
    import unicodedata
    text = "".join(ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


@settings(max_examples=300)
@given(st.text(max_size=30) | st.text(alphabet="aAáÁéÉñÑüÜΣσς İıﬁ²ǅ .-_/°º1\u0301\u0941\u034f", max_size=20))
def test_fold_equals_its_definition(value):
    assert fold(value) == _reference_fold(value)
