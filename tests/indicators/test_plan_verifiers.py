"""Verifiers: folders named by code or by date, comuna and activity, a column of the logs, and
a commitment that is CUMPLE only when every activity it counts has what the plan asks for."""
from datetime import date

import pandas as pd
import pytest

from pipeline.indicators import plan, verifiers
from pipeline.ingest import files

ACTS = pd.DataFrame({
    "clave_actividad": ["id:a 01", "2025-03-10|04301|sesion", "2025-04-02|04102|sesion"],
    "id_actividad": ["A-01", None, None],
    "fecha": pd.to_datetime(["2025-01-20", "2025-03-10", "2025-04-02"]),
    "comuna": ["Ovalle", "Ovalle", "Coquimbo"],
    "cut_comuna": ["04301", "04301", "04102"],
    "actividad": ["Sesión COSOC", "Sesión COSOC ordinaria – Villa El Sol", "Sesión COSOC"],
    "tipo_actividad": ["Sesión COSOC"] * 3,
    "linea": ["Sin información"] * 3,
    "asistencias": [12, 9, 15],
})


def touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")


@pytest.fixture
def raw_year(tmp_path):
    year = tmp_path / "2025"
    base = year / "verificadores"
    for name in ("Acta sesión.pdf", "FOTOS_1.JPG", "asistencia.xlsx", "citacion.docx"):
        touch(base / "a-01" / name)                                       # by code, any case
    for name in ("acta.pdf", "otros/foto-2.png", "notas.txt"):
        touch(base / "2025-03-10_ovalle_sesion-cosoc-ordinaria-villa-el-sol" / name)   # by date, comuna, title
    touch(base / "2025-05-01 Ovalle Reunión no registrada" / "acta.pdf")
    touch(year / "registro.csv")
    return year


@pytest.mark.parametrize("name, kind", [
    ("acta-sesion.pdf", "acta"), ("Fotografías 3.jpg", "fotografías"), ("fotos.zip", "fotografías"),
    ("lista_asistencia.pdf", "asistencia"), ("Invitación.pdf", "invitación"), ("convocatoria.png", "convocatoria"),
    ("CITACION.docx", "citación"), ("informe final.pdf", "informe"), ("programa-formacion.pdf", "programa de formación"),
    ("notas.txt", None), ("WhatsApp Image.jpeg", None),
])
def test_files_are_classified_by_name(name, kind):
    assert verifiers.classify_file(name) == kind


def test_folders_are_matched_by_code_or_by_date_comuna_and_title(raw_year):
    found = verifiers.discover(raw_year, ACTS)
    assert found.of("id:a 01").kinds == {"acta", "fotografías", "asistencia", "citación"}
    second = found.of("2025-03-10|04301|sesion")
    assert second.kinds == {"acta", "fotografías"}
    assert ("notas.txt", None) in second.files and ("otros/foto-2.png", "fotografías") in second.files
    assert found.of("2025-04-02|04102|sesion").kinds == set()
    assert found.without_activity == ["2025-05-01 Ovalle Reunión no registrada"]


def test_a_sheet_in_a_verifier_folder_is_not_a_log(raw_year):
    assert [p.name for p in files.log_files(raw_year)] == ["registro.csv"]


def test_a_verificadores_column_adds_kinds():
    acts = ACTS.assign(verificadores=["Acta; Fotografías", "lista de asistencia, citación y fotos", None])
    found = verifiers.from_column(acts)
    assert found.of("id:a 01").kinds == {"acta", "fotografías"}
    assert found.of("2025-03-10|04301|sesion").kinds == {"asistencia", "citación", "fotografías"}


def _plan(tmp_path, verificadores, regla="pmg"):
    path = tmp_path / "cosoc.yml"
    path.write_text(
        f"periodo: 2025\nregla_ponderacion: {regla}\ncompromisos:\n"
        f"  - nombre: Sesiones\n    meta: 2\n    ponderacion: 60\n    plazo: primer semestre 2025\n"
        f"    verificadores: {verificadores}\n    filtro: {{tipo_actividad: Sesión COSOC}}\n"
        f"  - nombre: Otra\n    meta: 1\n    ponderacion: 40\n    plazo: 2025-12-31\n"
        f"    filtro: {{tipo_actividad: Cuenta pública}}\n",
        encoding="utf-8",
    )
    return plan.load_plan(path, "Coquimbo")


@pytest.mark.parametrize("asked, third, estado, verificadas, ganada", [
    # the Coquimbo session has no folder: a target of 2 met by 3 sessions is still not CUMPLE
    ("[acta]", None, "EN PROCESO", 2, 0.0),
    # …until the logs' column lists its acta: every counted activity has what the plan asks
    ("[acta]", "acta", "CUMPLE", 3, 60.0),
    ("[acta, fotografías]", "actas y fotos", "CUMPLE", 3, 60.0),
    ("[acta, citación]", "acta; citación", "EN PROCESO", 2, 0.0),   # the second session lacks its citación
    ("[Actas, Invitación]", "acta", "EN PROCESO", 0, 0.0),          # none verified, 3 of 2 counted
])
def test_cumple_only_with_every_verifier(tmp_path, raw_year, asked, third, estado, verificadas, ganada):
    acts = ACTS.assign(verificadores=[None, None, third])
    evidence = verifiers.discover(raw_year, acts)
    got = plan.compliance(_plan(tmp_path, asked), acts, date(2025, 6, 30), evidence).iloc[0]
    assert got["logrado"] == 3 and got["verificadas"] == verificadas
    assert got["estado"] == estado and got["ponderacion_ganada"] == ganada
    assert got["verificadores_completos"] == (verificadas == 3)


def test_estado_with_verifiers_before_the_deadline(tmp_path, raw_year):
    evidence = verifiers.discover(raw_year, ACTS)
    got = plan.compliance(_plan(tmp_path, "[acta, citación]"), ACTS, date(2025, 6, 29), evidence)
    assert got["estado"].tolist() == ["EN EJECUCIÓN", "EN EJECUCIÓN"]


def test_proportional_rule_pays_verified_activities_only(tmp_path, raw_year):
    evidence = verifiers.discover(raw_year, ACTS)
    p = _plan(tmp_path, "[acta, citación]", regla="proporcional")
    got = plan.compliance(p, ACTS, date(2025, 12, 31), evidence)
    # 1 verified session of a target of 2 → half of 60; Otra: nothing counted
    assert got["ponderacion_ganada"].tolist() == [30.0, 0.0]
    assert got["estado"].tolist() == ["EN PROCESO", "NO CUMPLE"]


def test_unknown_verifier_lists_the_accepted_ones(tmp_path):
    with pytest.raises(plan.InvalidPlan) as err:
        _plan(tmp_path, "[acta, video]")
    message = str(err.value)
    assert "línea 8" in message and "verificador desconocido 'video'" in message
    assert "invitación, convocatoria, citación, asistencia, fotografías, acta, informe, programa de formación" in message
