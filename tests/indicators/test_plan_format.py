"""The plan format: today's files still load; periods, objectives, deadlines, verifiers and
modalidad load from a COSOC-shaped plan; every new mistake names the line."""
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipeline.indicators import plan

FIXTURES = Path(__file__).parents[1] / "fixtures" / "plan"
COSOC = FIXTURES / "plan-cosoc-2024-2025.yml"


def test_todays_plan_files_still_load_as_one_year_plans():
    for path in [FIXTURES / "plan-2018.yml", FIXTURES / "plan-ejemplo-2018.yml"]:
        p = plan.load_plan(path, "Coquimbo", 2018)
        assert p.in_force == plan.Period(date(2018, 1, 1), date(2018, 12, 31))
        assert p.weight_rule == plan.RULE_PMG
        assert all(p.deadline(c).due == date(2018, 12, 31) for c in p.commitments)


def test_cosoc_plan_loads_with_its_period_deadlines_and_verifiers():
    p = plan.load_plan(COSOC, "Coquimbo", 2025)
    assert p.in_force == plan.Period(date(2024, 1, 1), date(2025, 12, 31)) and p.year == 2025
    jornadas, reuniones, fuera, escuela = p.commitments
    assert jornadas.owners == ("Encargada PAC en coordinación con jefes de Departamento Serviu",)
    assert jornadas.deadline == plan.Deadline(date(2024, 7, 1), date(2024, 12, 31), "Segundo semestre 2024")
    assert jornadas.verifiers == ("convocatoria", "asistencia", "fotografías")
    assert reuniones.verifiers == ("citación", "asistencia", "fotografías", "acta")
    assert reuniones.modality == ()   # presencial o virtual: any
    assert escuela.modality == ("virtual",)
    assert escuela.deadline.due == date(2025, 6, 30) and fuera.deadline.due == date(2025, 12, 31)
    assert [c.weight for c in p.commitments] == [25.0] * 4   # no weights: equal shares
    with pytest.raises(plan.InvalidPlan, match="no incluye el año 2026"):
        plan.load_plan(COSOC, "Coquimbo", 2026)


def test_modalidad_needs_the_logs_column():
    p = plan.load_plan(COSOC, "Coquimbo")
    acts = pd.DataFrame({
        "clave_actividad": ["e1", "e2", "e3"], "fecha": pd.to_datetime(["2025-02-01", "2025-03-01", "2025-04-01"]),
        "tipo_actividad": ["Escuela de dirigentes"] * 3, "linea": ["Sin información"] * 3,
        "cut_comuna": ["04101"] * 3, "comuna": ["La Serena"] * 3, "actividad": ["Escuela"] * 3, "asistencias": [20] * 3,
    })
    assert plan.compliance(p, acts)["logrado"].tolist()[3] == 0   # no modalidad known: a virtual one cannot count
    with_column = acts.assign(modalidad=["Virtual", "presencial", "VIRTUAL"])
    assert plan.compliance(p, with_column)["logrado"].tolist()[3] == 2


def write(tmp_path, text):
    path = tmp_path / "plan.yml"
    path.write_text(text, encoding="utf-8")
    return path


ONE = "  - nombre: A\n    meta: 1\n"


@pytest.mark.parametrize("text, line, fragment", [
    ("anio: 2024\nperiodo: 2024-2025\ncompromisos:\n" + ONE, 2, "use anio o periodo, no ambos"),
    ("periodo: 2025-2024\ncompromisos:\n" + ONE, 1, "termina antes de empezar"),
    ("periodo: todo el año\ncompromisos:\n" + ONE, 1, "periodo 'todo el año' no se entiende"),
    ("periodo: 2024-07-01 a 2025-06-30\ncompromisos:\n" + ONE + "    plazo: primer semestre 2024\n", 5,
     "fuera del periodo"),
    ("periodo: 2024\ncompromisos:\n" + ONE + "    plazo: pronto\n", 5, "Formatos aceptados"),
    ("periodo: 2024\ncompromisos:\n" + ONE + "    modalidad: mixta\n", 5, "Modalidades aceptadas: presencial, virtual"),
    ("periodo: 2024\ncompromisos:\n" + ONE + "    ponderacion: 100\n  - nombre: B\n    meta: 1\n", 6,
     "no tiene ponderación"),
    ("periodo: 2024\nregla_ponderacion: a medias\ncompromisos:\n" + ONE, 2, "pmg o proporcional"),
    ("titulo: Sin fecha\ncompromisos:\n" + ONE, 1, "falta la clave 'anio' (o 'periodo')"),
])
def test_new_mistakes_name_the_line(tmp_path, text, line, fragment):
    with pytest.raises(plan.InvalidPlan) as err:
        plan.load_plan(write(tmp_path, text), "Coquimbo")
    assert str(err.value).startswith(f"Plan plan.yml, línea {line}:")
    assert fragment in str(err.value)


def test_plans_of_the_planes_folder(tmp_path):
    (tmp_path / "b.yaml").write_text("x", encoding="utf-8")
    (tmp_path / "a.yml").write_text("x", encoding="utf-8")
    (tmp_path / "notas.txt").write_text("x", encoding="utf-8")
    (tmp_path / "~$a.yml").write_text("x", encoding="utf-8")
    assert [p.name for p in plan.plan_files(tmp_path)] == ["a.yml", "b.yaml"]
    assert plan.plan_files(tmp_path / "no-existe") == []


def test_modalidad_and_verificadores_columns_of_the_logs_reach_the_plan(tmp_path, monkeypatch):
    """A log with `Modalidad` and `Medios de verificación` columns: the cleaning carries both
    per activity (most frequent value) into actividades.parquet, and the plan counts by them."""
    from tests.conftest import TEST_KEY
    from pipeline import config
    from pipeline.clean.year import clean_year

    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    raw = tmp_path / "raw" / "2025"
    raw.mkdir(parents=True)
    (raw / "lista.csv").write_text(
        "Fecha;Comuna;Actividad;Tipo;Sexo;Modalidad;Medios de verificación\n"
        "01/02/2025;La Serena;Escuela A;Escuela de dirigentes;F;Virtual;acta, fotografías\n"
        "01/02/2025;La Serena;Escuela A;Escuela de dirigentes;M;Virtual;acta, fotografías\n"
        "01/03/2025;La Serena;Escuela B;Escuela de dirigentes;F;Presencial;\n"
        "01/04/2025;La Serena;Escuela C;Escuela de dirigentes;F;virtual;\n", encoding="utf-8")
    paths = config.paths(2025, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")
    clean_year(paths, "Coquimbo")
    acts = pd.read_parquet(paths.actividades)
    assert dict(zip(acts["actividad"], acts["modalidad"])) == {
        "Escuela A": "Virtual", "Escuela B": "Presencial", "Escuela C": "virtual"}
    assert acts.set_index("actividad").loc["Escuela A", "verificadores"] == "acta, fotografías"
    p = plan.load_plan(COSOC, "Coquimbo")
    assert plan.compliance(p, acts)["logrado"].tolist()[3] == 2   # the two virtual schools
