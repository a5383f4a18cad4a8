"""Plan compliance: validation of real YAML files (errors name the line) and hand-computed compliance."""
import json
import os
from datetime import date
import re
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from pipeline.indicators import plan
from pipeline import schema

FIXTURES = Path(__file__).parents[1] / "fixtures" / "plan"
PLAN_2018 = FIXTURES / "plan-2018.yml"
MALFORMED = sorted((FIXTURES / "malformados").glob("*.yml"))

# One row per activity, columns of schema.ACTIVIDADES_COLUMNS that compliance reads.
ACT = pd.DataFrame(
    [
        # clave, tipo_actividad, linea, cut_comuna, comuna, asistencias
        ("a1", "Escuela de dirigentes", "Barrios", "04101", "La Serena", 20),
        ("a2", "Escuela de dirigentes", "Vivienda", "04301", "Ovalle", 5),
        ("a3", "Escuela de dirigentes", "Barrios", "04201", "Illapel", 12),
        ("a4", "Sesión COSOC", "Sin información", "04101", "La Serena", 15),     # excluded comuna
        ("a5", "Sesión COSOC", "Sin información", "04102", "Coquimbo", 8),
        ("a6", "Taller participativo", "barrios", "04301", "Ovalle", 10),        # min 10 is inclusive
        ("a7", "Taller de capacitación", "Barrios", "04105", "Paiguano", 9),     # one short of the minimum
        ("a8", "Taller participativo", "Vivienda", "04303", "Monte Patria", 30),  # other línea
        ("a9", "Taller participativo", "Barrios", "04101", "La Serena", 30),     # comuna not included
        ("a10", "Jornada informativa", "Barrios", "04301", "Ovalle", 40),        # other tipo
    ],
    columns=["clave_actividad", "tipo_actividad", "linea", "cut_comuna", "comuna", "asistencias"],
).assign(fecha=pd.Timestamp("2018-05-01"), forma=schema.SHAPE_SUMMARY)

NOMBRES = [
    "Escuelas de Formación de Dirigentes Sociales",
    "Sesiones COSOC fuera de La Serena",
    "Talleres de Barrios en Limarí con al menos 10 asistentes",
    "Consultas ciudadanas <script>alert(1)</script>",
]


def expected(estados, ganada=(0.0, 0.0, 0.0, 10.0), plazo="2018-12-31", vencido=True):
    # Escuelas 3/4; COSOC 1/2 (a4 is in La Serena); Talleres 1/3 (only a6); Consultas: every activity, 10/1.
    return pd.DataFrame({
        "objetivo": [None] * 4,
        "nombre": NOMBRES,
        "meta": [4, 2, 3, 1],
        "logrado": [3, 1, 1, 10],
        "pct_cumplimiento": [75.0, 50.0, 33.33, 100.0],
        "estado": estados,
        "ponderacion": [40.0, 25.5, 24.5, 10.0],
        "ponderacion_ganada": list(ganada),   # PMG rule: the full weight only when CUMPLE
        "plazo": [plazo] * 4,
        "plazo_texto": ["Durante el periodo 2018"] * 4,
        "vencido": [vencido] * 4,
        "verificadas": [3, 1, 1, 10],
        "verificadores_completos": [True] * 4,
    }).astype({"objetivo": "object", "nombre": "str", "estado": "str", "plazo": "str", "plazo_texto": "str"})


@pytest.fixture(scope="module")
def plan_2018():
    return plan.load_plan(PLAN_2018, "Coquimbo", year=2018)


def test_load_plan_normalises_filters(plan_2018):
    assert plan_2018.year == 2018 and plan_2018.region == "Coquimbo"
    assert plan_2018.title == "Plan de Participación Ciudadana 2018"
    assert [c.name for c in plan_2018.commitments] == NOMBRES
    assert [c.file_line for c in plan_2018.commitments] == [5, 10, 16, 24]
    escuelas, cosoc, talleres, consultas = plan_2018.commitments
    assert escuelas.filter == plan.Filter(tipo_actividad=("Escuela de dirigentes",))
    # one text instead of a list, any case and no accents → official label; comuna → code
    assert cosoc.filter == plan.Filter(tipo_actividad=("Sesión COSOC",), comunas_excluidas=("04101",))
    # Paihuano is a known alias of Paiguano (04105)
    assert talleres.filter.comunas_incluidas == ("04301", "04303", "04105")
    assert talleres.filter.min_asistentes == 10 and talleres.filter.linea == ("BARRIOS",)
    assert consultas.filter == plan.Filter() and consultas.weight == 10.0


def test_load_plan_accepts_region_code(plan_2018):
    assert plan.load_plan(PLAN_2018, "04") == plan_2018


def test_compliance_closed_year(plan_2018):
    got = plan.compliance(plan_2018, ACT)
    assert_frame_equal(got, expected(["EN PROCESO", "EN PROCESO", "NO CUMPLE", "CUMPLE"]))
    assert plan.compliance_total(got) == 10.0   # PMG: only the met commitment earns its weight


def test_compliance_year_in_progress(plan_2018):
    got = plan.compliance(plan_2018, ACT, al=date(2018, 12, 30))   # the day before the deadline
    assert_frame_equal(got, expected(["EN EJECUCIÓN", "EN EJECUCIÓN", "EN EJECUCIÓN", "CUMPLE"], vencido=False))


def test_proportional_rule_keeps_the_old_weights(tmp_path):
    text = PLAN_2018.read_text(encoding="utf-8").replace("compromisos:", "regla_ponderacion: proporcional\ncompromisos:", 1)
    path = tmp_path / "plan-2018.yml"
    path.write_text(text, encoding="utf-8")
    got = plan.compliance(plan.load_plan(path, "Coquimbo"), ACT)
    assert got["ponderacion_ganada"].tolist() == [30.0, 12.75, 8.17, 10.0]   # 24.5 / 3 = 8.1666…
    assert plan.compliance_total(got) == 60.92


def test_compliance_does_not_mutate_and_counts_distinct_activities(plan_2018):
    act = pd.concat([ACT, ACT.iloc[[0]]], ignore_index=True)   # a1 twice: still one activity
    before = act.copy()
    got = plan.compliance(plan_2018, act)
    assert_frame_equal(act, before)
    assert got["logrado"].tolist() == [3, 1, 1, 10]


def test_compliance_of_empty_year(plan_2018):
    got = plan.compliance(plan_2018, ACT.iloc[0:0])
    assert got["logrado"].tolist() == [0, 0, 0, 0]
    assert got["estado"].tolist() == ["NO CUMPLE"] * 4
    assert plan.compliance_total(got) == 0.0


@pytest.mark.parametrize(
    "logrado, meta, vencido, verificado, estado",
    [(8, 8, True, True, "CUMPLE"), (9, 8, True, True, "CUMPLE"), (4, 8, True, True, "EN PROCESO"),
     (3, 8, True, True, "NO CUMPLE"), (0, 8, False, True, "EN EJECUCIÓN"), (8, 8, False, True, "CUMPLE"),
     (8, 8, True, False, "EN PROCESO"), (8, 8, False, False, "EN EJECUCIÓN"), (1, 8, True, False, "NO CUMPLE")],
)
def test_estado_rule(logrado, meta, vencido, verificado, estado):
    assert plan.state(logrado, meta, vencido, verificado) == estado


def test_records_are_plain_json(plan_2018):
    records = plan.compliance_records(plan.compliance(plan_2018, ACT))
    assert json.loads(json.dumps(records)) == records
    assert records[2] == {
        "objetivo": None, "nombre": NOMBRES[2], "meta": 3, "logrado": 1, "pct_cumplimiento": 33.33,
        "estado": "NO CUMPLE", "ponderacion": 24.5, "ponderacion_ganada": 0.0, "plazo": "2018-12-31",
        "plazo_texto": "Durante el periodo 2018", "vencido": True, "actividades_verificadas": 1,
        "verificadores_completos": True,
    }
    keys = plan.plan_indicators(plan_2018, ACT)
    assert keys["cumplimiento_plan"] == records and keys["cumplimiento_plan_total"] == 10.0


def test_plan_records_describe_filters(plan_2018):
    records = plan.plan_records(plan_2018)
    assert records[1] == {
        "nombre": NOMBRES[1], "meta": 2, "ponderacion": 25.5,
        "criterio": "tipo: Sesión COSOC; fuera de La Serena",
    }
    assert records[3]["criterio"] == "todas las actividades"


def test_plan_text_is_escaped_on_the_compliance_slide(plan_2018):
    from pipeline.report import slides

    html = slides.compliance_slide(plan.compliance_records(plan.compliance(plan_2018, ACT)), 2018)
    assert "<script>" not in html
    assert "Consultas ciudadanas &lt;script&gt;alert(1)&lt;/script&gt;" in html
    # the public reads Meta, Logrado, Plazo and Estado; the year's plan is not a PMG: no weights
    assert "<th>Meta</th><th>Logrado</th><th>Plazo</th><th>Estado</th>" in html and "Ponderación" not in html
    assert "cumplimos 1 de" in html   # only the commitment that CUMPLE counts


@pytest.mark.parametrize("path", MALFORMED, ids=[p.stem for p in MALFORMED])
def test_malformed_plan_names_file_and_line(path):
    # Each fixture's first line says what the error must say: "# error: línea N: fragment".
    line, fragment = re.match(r"# error: línea (\d+): (.+)", path.read_text(encoding="utf-8").splitlines()[0]).groups()
    with pytest.raises(plan.InvalidPlan) as err:
        plan.load_plan(path, "Coquimbo")
    message = str(err.value)
    assert message.startswith(f"Plan {path.name}, línea {line}")
    assert fragment in message


def test_malformed_fixtures_cover_every_rule():
    assert len(MALFORMED) >= 20


def test_plan_year_must_match(tmp_path):
    with pytest.raises(plan.InvalidPlan, match=r"plan-2018\.yml, línea 2: el plan es del año 2018, pero se esperaba 2019"):
        plan.load_plan(PLAN_2018, "Coquimbo", year=2019)


def test_missing_empty_and_non_utf8_files(tmp_path):
    with pytest.raises(plan.InvalidPlan, match=r"Plan no-existe\.yml: el archivo no se puede leer"):
        plan.load_plan(tmp_path / "no-existe.yml", "Coquimbo")
    vacio = tmp_path / "vacio.yml"
    vacio.write_text("# sólo un comentario\n", encoding="utf-8")
    with pytest.raises(plan.InvalidPlan, match="está vacío"):
        plan.load_plan(vacio, "Coquimbo")
    # saved by Notepad as ANSI (Windows-1252) or «Unicode» (UTF-16 with BOM): read as logs are
    text = "anio: 2018\ncompromisos:\n  - nombre: Reunión\n    meta: 1\n    ponderacion: 100\n"
    for encoding in ("cp1252", "utf-16"):
        other = tmp_path / f"plan-{encoding}.yml"
        other.write_bytes(text.encode(encoding))
        assert plan.load_plan(other, "Coquimbo").commitments[0].name == "Reunión"
    binary = tmp_path / "plan-binario.yml"
    binary.write_bytes(b"anio: 2018\n\x00\x01\x02")
    with pytest.raises(plan.InvalidPlan, match=r"Plan plan-binario\.yml: no se puede leer: .*binarios"):
        plan.load_plan(binary, "Coquimbo")
    big = tmp_path / "plan-grande.yml"
    big.write_text("anio: 2018\n" + "# relleno\n" * 120_000, encoding="utf-8")
    with pytest.raises(plan.InvalidPlan, match=r"Plan plan-grande\.yml: pesa más de 1024 KB; no se lee"):
        plan.load_plan(big, "Coquimbo")
    fifo = tmp_path / "plan-fifo.yml"
    os.mkfifo(fifo)
    with pytest.raises(plan.InvalidPlan, match="no es un archivo común"):
        plan.load_plan(fifo, "Coquimbo")  # never opened: a FIFO would wait for a writer forever


def test_comunas_resolve_in_the_region_reported(tmp_path):
    path = tmp_path / "plan-2019.yml"
    path.write_text(
        "anio: 2019\ncompromisos:\n  - nombre: Diálogos en el puerto\n    meta: 2\n    ponderacion: 100\n"
        "    filtro:\n      comunas_incluidas: [Valparaíso, viña del mar]\n",
        encoding="utf-8",
    )
    otra = plan.load_plan(path, "Valparaíso")
    assert otra.region == "Valparaíso"
    assert otra.commitments[0].filter.comunas_incluidas == ("05101", "05109")
    with pytest.raises(plan.InvalidPlan, match="línea 7: .*pertenece a la región de Valparaíso, no a la de Coquimbo"):
        plan.load_plan(path, "Coquimbo")


@pytest.mark.parametrize("last, ok", [("0.005", True), ("0.03", False)])
def test_weights_tolerate_rounding(tmp_path, last, ok):
    # 3 × 33.33 = 99.99; + 0.005 = 99.995 is within ±0.01 of 100; + 0.03 = 100.02 is not
    path = tmp_path / "plan-2018.yml"
    path.write_text(
        "anio: 2018\ncompromisos:\n"
        + "".join(f"  - nombre: C{i}\n    meta: 1\n    ponderacion: 33.33\n" for i in range(3))
        + f"  - nombre: C3\n    meta: 1\n    ponderacion: {last}\n",
        encoding="utf-8",
    )
    if ok:
        assert len(plan.load_plan(path, "Coquimbo").commitments) == 4
    else:
        with pytest.raises(plan.InvalidPlan, match="línea 2: las ponderaciones suman 100.02 y deben sumar 100"):
            plan.load_plan(path, "Coquimbo")


def test_default_as_of_date():
    # the last day of the year reported; today while that year is in progress
    assert plan.default_al(2018, today=date(2019, 3, 1)) == date(2018, 12, 31)
    assert plan.default_al(2018, today=date(2018, 5, 2)) == date(2018, 5, 2)
    assert plan.resolve_al(2018, "2018-06-30") == date(2018, 6, 30)
    assert plan.resolve_al(2018, "", today=date(2020, 1, 1)) == date(2018, 12, 31)


def test_example_plan_of_the_issue_loads():
    # The issue's commitments, as an analyst would write them (also a template for the sample data).
    ejemplo = plan.load_plan(FIXTURES / "plan-ejemplo-2018.yml", "Coquimbo", year=2018)
    assert [c.target for c in ejemplo.commitments] == [8, 2, 3, 6]
    assert ejemplo.commitments[3].filter.comunas_incluidas == ("04301", "04302", "04303", "04304", "04305")


def test_yaml_error_is_spanish_with_line_and_column(tmp_path):
    bad = tmp_path / "plan-2018.yml"
    bad.write_text("anio: 2018\ncompromisos:\n  - nombre: Sesiones: fuera de La Serena\n    meta: 2\n", encoding="utf-8")
    with pytest.raises(plan.InvalidPlan) as err:
        plan.load_plan(bad, "Coquimbo")
    message = str(err.value)
    assert message.startswith("Plan plan-2018.yml, línea 3, columna 21: el YAML no se puede leer.")
    assert "dos puntos («:») seguidos de un espacio" in message and "mapping" not in message
