"""End to end with the real CLI on the shipped sample (2018 of the session's `sample_run`): the
two-year COSOC plan counts 2017's and 2018's logs, and indicadores.json, the workbook, the deck
and the two plan pages agree on every status and weight. `--al` changes the states."""
from __future__ import annotations

import html
import json
import re
import shutil

import pytest
from openpyxl import load_workbook

from pipeline import config
from pipeline.report.formats import fmt_pct
from tests.conftest import TEST_KEY, run_cli

ENV = {"BALANCE_CLAVE": TEST_KEY}


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


pytestmark = pytest.mark.slow  # the whole pipeline through the CLI


@pytest.fixture(scope="module")
def run_2018(sample_run):
    """The sample's 2018 as the session's run published it (read only: a test that runs a stage
    again writes elsewhere)."""
    assert sample_run.result.returncode == 0, sample_run.result.stderr[-3000:]
    paths = sample_run.year(2018)
    return sample_run.base, paths, json.loads(paths.indicadores_json.read_text(encoding="utf-8"))


def test_sample_plans_cover_every_state_and_both_years(run_2018):
    _, _, ind = run_2018
    assert ind["planes_al"] == "2018-12-31"
    by_file = {p["archivo"]: p for p in ind["planes"]}
    assert set(by_file) == {"plan-2018.yml", "plan-cosoc-2017-2018.yml", "programa-pmg-2018-2019.yml"}
    estados = {c["estado"] for p in ind["planes"] for c in p["compromisos"]}
    assert estados == {"CUMPLE", "EN EJECUCIÓN", "EN PROCESO", "NO CUMPLE"}
    cosoc = {c["nombre"]: c for c in by_file["plan-cosoc-2017-2018.yml"]["compromisos"]}
    reuniones = cosoc["Realizar a lo menos 5 reuniones presenciales o virtuales con los integrantes del COSOC"]
    assert {a["fecha"][:4] for a in reuniones["actividades"]} == {"2017", "2018"}   # both years' logs
    fuera = cosoc["Realizar a lo menos 2 sesiones del COSOC en comunas distintas a La Serena"]
    assert fuera["plazo"] == "2017-12-31" and fuera["estado"] == "EN PROCESO"
    consultas = cosoc["Realizar a lo menos 3 consultas ciudadanas"]
    assert consultas["logrado"] >= consultas["meta"] and not consultas["verificadores_completos"]
    assert consultas["estado"] == "EN PROCESO"   # the target is met, a verifier is missing
    for p in ind["planes"]:
        assert p["total"] == round(sum(c["ponderacion_ganada"] for c in p["compromisos"]), 2)
        for c in p["compromisos"]:
            assert c["ponderacion_ganada"] == (c["ponderacion"] if c["estado"] == "CUMPLE" else 0.0)


def test_json_workbook_deck_and_pages_agree(run_2018):
    _, paths, ind = run_2018
    expected = [(c["nombre"], c["estado"], c["ponderacion"], c["ponderacion_ganada"])
                for p in ind["planes"] for c in p["compromisos"]]
    totals = [p["total"] for p in ind["planes"]]

    # workbook: the PMG sheet, numbers as numbers
    wb = load_workbook(paths.indicadores_xlsx, read_only=True)
    rows = list(wb["Tabla PMG"].iter_rows(values_only=True))
    wb.close()
    head = rows[0]
    records = [dict(zip(head, r)) for r in rows[1:]]
    sheet = [(r["Actividad"], r["Estado"], r["Ponderación"], r["Ponderación ganada"])
             for r in records if r["Estado"] is not None]
    assert sheet == expected
    assert [r["Ponderación ganada"] for r in records if r["Estado"] is None] == totals

    shown = [(n, e, fmt_pct(w, 2), fmt_pct(g, 2)) for n, e, w, g in expected]

    # plan follow-up page: every plan, every commitment
    page = paths.plan_html.read_text(encoding="utf-8")
    page_rows = [
        (_text(m[1]), _text(m[2]), _text(m[3]), _text(m[4]))
        for m in re.finditer(r'<tr class="compromiso" data-nombre="([^"]*)" data-estado="[^"]*">.*?'
                             r'<td class="estado [^"]*">(.*?)</td>\s*<td class="num ponderacion">(.*?)</td>'
                             r'<td class="num ganada">(.*?)</td>', page, re.S)
    ]
    assert sorted(page_rows) == sorted(shown)   # grouped by objective on the page
    assert re.findall(r'<strong class="total">(.*?)</strong>', page) == [fmt_pct(t, 2) for t in totals]

    # verifiers page: the same states
    verif = paths.verificadores_html.read_text(encoding="utf-8")
    assert [(html.unescape(n), e) for n, e in re.findall(r'<h3 data-nombre="([^"]*)" data-estado="([^"]*)">', verif)] \
        == [(n, e) for n, e, _, _ in expected]

    # deck: a slide per plan covering the year, the year's own first, each commitment with the same
    # meta, logrado and estado as the JSON (a PMG also with its weights)
    deck = paths.balance_html.read_text(encoding="utf-8")
    tables = re.findall(r'<table class="tabla tabla-plan[^"]*">(.*?)</table>', deck, re.S)
    planes = sorted(ind["planes"], key=lambda p: p["origen"] != "anual")
    assert len(tables) == len(planes) + (1 if ind.get("plan_siguiente") else 0)
    for table, p in zip(tables, planes):
        rows = [[_text(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
                for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S) if "<td" in tr]
        assert [(r[0], r[1], r[2], r[4].rstrip("*")) for r in rows] == [
            (c["nombre"], str(c["meta"]), str(c["logrado"]), c["estado"]) for c in p["compromisos"]]
        if "PMG" in (p.get("titulo") or ""):
            assert [(r[5], r[6]) for r in rows] == [(fmt_pct(c["ponderacion"], 2), fmt_pct(c["ponderacion_ganada"], 2))
                                                    for c in p["compromisos"]]
        else:
            assert all(len(r) == 5 for r in rows)   # no weights outside a PMG
    anual = next(p for p in ind["planes"] if p["origen"] == "anual")
    assert [c["estado"] for c in ind["cumplimiento_plan"]] == [c["estado"] for c in anual["compromisos"]]
    assert ind["cumplimiento_plan_total"] == anual["total"]


def test_verifiers_page_names_what_is_missing_and_embeds_nothing(run_2018):
    _, paths, _ = run_2018
    page = paths.verificadores_html.read_text(encoding="utf-8")
    rows = [[_text(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r'<tr class="incompleta">(.*?)</tr>', page, re.S)]
    assert any(r[:2] == ["30 de julio de 2018", "Vicuña"] and r[3] == "fotografías" for r in rows)
    assert any(r[:2] == ["10 de noviembre de 2018", "Ovalle"] and r[3] == "invitación" for r in rows)
    assert any(r[1] == "Illapel" and r[3] == "asistencia, fotografías" and r[4] == "—" for r in rows)
    assert "asistencia.pdf (asistencia)" in page
    assert "2018-12-15 Ovalle Reunión no registrada" in page
    assert "<img" not in page and "<script" not in page and "http" not in page.replace(
        'http-equiv="Content-Security-Policy"', "")


def test_as_of_date_changes_states_and_is_recorded(run_2018, tmp_path):
    """Stage 2 again with `--al`, on a copy of the shared run's processed tables (the raw copy
    read in place), into a folder of its own."""
    base, _, _ = run_2018
    shutil.copytree(base / "processed", tmp_path / "processed")
    result = run_cli("indicators", "--year", "2018", "-q", "--raw-dir", str(base / "raw"), "--al", "2018-06-30",
                     "--processed-dir", str(tmp_path / "processed"), "--out-dir", str(tmp_path / "outputs"), env=ENV)
    assert result.returncode == 0, result.stderr
    paths = config.paths(2018, "Coquimbo", base / "raw", tmp_path / "processed", tmp_path / "outputs")
    ind = json.loads(paths.indicadores_json.read_text(encoding="utf-8"))
    assert ind["planes_al"] == "2018-06-30"
    cosoc = next(p for p in ind["planes"] if p["archivo"] == "plan-cosoc-2017-2018.yml")
    estados = {c["nombre"]: c["estado"] for c in cosoc["compromisos"]}
    # met before its deadline: the unverified consultation of November is not counted yet
    assert estados["Realizar a lo menos 3 consultas ciudadanas"] == "CUMPLE"
    assert estados["Realizar la Escuela de Dirigentes con 8 módulos"] == "NO CUMPLE"   # its deadline day
    anual = next(p for p in ind["planes"] if p["origen"] == "anual")
    assert {c["estado"] for c in anual["compromisos"]} <= {"CUMPLE", "EN EJECUCIÓN"}
    assert "EN EJECUCIÓN" in {c["estado"] for c in anual["compromisos"]}
    assert [c["estado"] for c in ind["cumplimiento_plan"]] == [c["estado"] for c in anual["compromisos"]]
    assert not any(p["archivo"] == "programa-pmg-2018-2019.yml" and any(c["logrado"] for c in p["compromisos"])
                   for p in ind["planes"])   # its period has not started
    assert "estado de los planes al 2018-06-30" in paths.run_log.read_text(encoding="utf-8")
    bad = run_cli("indicators", "--year", "2018", "--muestra", "--al", "2018-02-30", env=ENV)
    assert bad.returncode == 2 and "fecha no válida" in bad.stderr


@pytest.mark.browser
def test_pages_and_pmg_slides_in_chromium_offline(run_2018, browser):
    _, paths, ind = run_2018
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        for html_path in (paths.plan_html, paths.verificadores_html):
            page.goto(html_path.resolve().as_uri())
            text = page.locator("body").inner_text()
            assert "EN EJECUCIÓN" in text and "NO CUMPLE" in text
        assert requests == [paths.plan_html.resolve().as_uri(), paths.verificadores_html.resolve().as_uri()]
        assert errors == []
        # the deck: each plan's slide shows its whole table inside the slide
        page.goto(paths.balance_html.resolve().as_uri())
        page.wait_for_function("window.Reveal && Reveal.isReady()")
        slides = page.evaluate("Array.from(document.querySelectorAll('.slides > section'))"
                               ".map((s, i) => s.querySelector('.con-plan .tabla-plan') ? i : -1).filter(i => i >= 0)")
        assert len(slides) == len(ind["planes"]) + (1 if ind.get("plan_siguiente") else 0)
        for i in slides:
            page.evaluate(f"Reveal.slide({i})")
            page.wait_for_function(f"Reveal.getIndices().h === {i}")
            table = page.locator(".slides > section.present .tabla-plan")
            box = table.bounding_box()
            assert box and box["y"] >= 0 and box["y"] + box["height"] <= 720, box
    finally:
        context.close()
