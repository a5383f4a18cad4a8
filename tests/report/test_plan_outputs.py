"""The PMG slide, the workbook sheet and the two plan pages from a hand-made evaluation:
escaped text, file names through the screen, nothing embedded, totals."""
import re
from datetime import date

import pandas as pd
import pytest

from pipeline import config
from pipeline.indicators import plan, verifiers
from pipeline.report import plan_pages, plan_slides, workbook

PLAN = """\
periodo: 2024-07-01 a 2025-06-30
titulo: Programa <b>PMG</b>
compromisos:
  - objetivo: "Objetivo transversal 1: <script>alert(1)</script>"
    nombre: Sesiones fuera de La Serena
    meta: 1
    ponderacion: 60
    plazo: segundo semestre 2024
    verificadores: [acta, asistencia]
    filtro: {tipo_actividad: Sesión COSOC}
  - objetivo: "Objetivo transversal 1: <script>alert(1)</script>"
    nombre: Consultas
    meta: 3
    ponderacion: 40
    filtro: {tipo_actividad: Consulta ciudadana}
"""
ACTS = pd.DataFrame({
    "clave_actividad": ["s1", "c1"], "id_actividad": ["S-1", None],
    "fecha": pd.to_datetime(["2024-09-03", "2025-01-10"]), "comuna": ["Ovalle", "Coquimbo"],
    "cut_comuna": ["04301", "04102"], "actividad": ["Sesión COSOC", "Consulta"],
    "tipo_actividad": ["Sesión COSOC", "Consulta ciudadana"], "linea": ["Sin información"] * 2,
    "asistencias": [10, 30],
})


@pytest.fixture
def outputs(tmp_path):
    path = tmp_path / "planes" / "pmg.yml"
    path.parent.mkdir()
    path.write_text(PLAN, encoding="utf-8")
    raw = tmp_path / "2025"
    folder = raw / "verificadores" / "S-1"
    folder.mkdir(parents=True)
    (folder / "asistencia Juana Pérez.pdf").write_bytes(b"x")   # a name in a file name
    p = plan.load_plan(path, "Coquimbo")
    ev = plan.evaluate(p, ACTS, date(2025, 6, 30), verifiers.discover(raw, ACTS))
    ind = {"anio": 2025, "region": "Coquimbo", "planes_al": "2025-06-30", "planes": [plan.plan_result(ev)]}
    return ind, [(ev, plan.ORIGIN_PLANS)], tmp_path


def test_pmg_slide_has_the_table_and_the_total_escaped(outputs):
    ind, _, _ = outputs
    (html,) = plan_slides.status_slides(ind)
    assert "<script>" not in html and "Programa &lt;b&gt;PMG&lt;/b&gt;" in html
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1])
    cells = [[re.sub(r"<[^>]+>", "", td) for td in re.findall(r"<td[^>]*>.*?</td>", r)] for r in rows]
    assert cells == [
        ["Sesiones fuera de La Serena", "1", "1", "31 de diciembre de 2024", "EN PROCESO*", "60\u00a0%", "0\u00a0%"],
        ["Consultas", "3", "1", "30 de junio de 2025", "NO CUMPLE", "40\u00a0%", "0\u00a0%"],
    ]
    assert "30 de junio de 2025" in html and "2025-06-30" not in html
    assert "<th>Ponderación</th>" in html   # a PMG shows its weights
    assert "faltan verificadores" in html     # why a met target is not CUMPLE


def test_workbook_sheet_lists_every_commitment_and_the_total(outputs, tmp_path):
    ind, _, _ = outputs
    table = workbook.pmg_table(ind["planes"])
    assert table["Estado"].tolist() == ["EN PROCESO", "NO CUMPLE", None]
    assert table["Ponderación"].tolist() == [60.0, 40.0, 100.0]
    assert table["Actividad"].tolist()[-1] == "Total al 2025-06-30"


def test_pages_screen_file_names_and_embed_nothing(outputs):
    ind, evaluations, tmp_path = outputs
    paths = config.Paths(2025, tmp_path, tmp_path / "processed", tmp_path / "out")
    screened = plan_pages.render_verifier_page(ind, evaluations, screen=lambda name: "[dato personal retirado]"
                                               if "Juana" in name else name)
    assert "Juana" not in screened and "[dato personal retirado] (asistencia)" in screened
    assert "acta" in screened   # what is missing for the session
    written = plan_pages.write_pages(ind, evaluations, paths)
    assert written == [paths.plan_html, paths.verificadores_html]
    page = paths.plan_html.read_text(encoding="utf-8")
    assert "&lt;script&gt;" in page and "<script" not in page and "<img" not in page
    assert "Segundo semestre 2024 (31 de diciembre de 2024)" in page and "faltan en 1 de 1 actividades" in page
    # no plans any more: stale pages are removed
    assert plan_pages.write_pages({**ind, "planes": []}, [], paths) == []
    assert not paths.plan_html.exists() and not paths.verificadores_html.exists()
