"""The national deck's slides and maps on a fixture `indicadores-nacional.json` (issue 26).

`national_json` writes the JSON the national stage publishes (its contract: every region of
the sixteen, in official code order), from a few invented regions: attendances, people,
activities and kinds for each, the rest of Chile «sin datos» and one region «con error». Its
national figures are the sums of the regions', as the national stage computes them.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline import reference
from pipeline.report import national, national_maps
from pipeline.report.formats import fmt_int, fmt_pct, fmt_rate

MACROZONAS = {"15": "Norte", "01": "Norte", "02": "Norte", "03": "Norte", "04": "Norte", "05": "Centro",
              "13": "Centro", "06": "Centro", "07": "Centro Sur", "16": "Centro Sur", "08": "Centro Sur",
              "09": "Centro Sur", "14": "Sur", "10": "Sur", "11": "Austral", "12": "Austral"}
# invented years of a few regions: attendances, activities, women, men, sex unknown, comunas reached,
# plan compliance (None: no plan), attendances the year before
INVENTED = {
    "04": (5971, 167, 4476, 1455, 40, 14, 83.5, 4265),
    "05": (7420, 212, 5120, 2230, 70, 27, None, 6900),
    "13": (14210, 388, 9450, 4610, 150, 41, 100.0, 15030),
    "08": (6033, 171, 4210, 1790, 33, 22, 62.0, 5100),
    "09": (4890, 150, 3560, 1300, 30, 25, None, 4700),
    "10": (3120, 96, 2010, 1090, 20, 19, 45.25, 2980),
    "15": (640, 22, 420, 215, 5, 3, None, 600),
    "12": (410, 18, 250, 158, 2, 5, None, None),   # its first year: left out of the change
}
WITH_ERROR = "16"
KINDS = ["Jornada informativa", "Reunión de diálogo", "Taller de capacitación", "Taller participativo",
         "Escuela de dirigentes", "Consulta ciudadana", "Cuenta pública", "Sesión COSOC", "Difusión comunitaria",
         "Otra", "Sin información"]
ORGS = ["Comité de Vivienda", "Junta de Vecinos", "Otras organizaciones", "Sin información"]


def _split(total: int, weights: list[float]) -> list[int]:
    parts = [int(total * w / sum(weights)) for w in weights]
    parts[0] += total - sum(parts)
    return parts


def _region_figures(cut: str, n: int) -> dict:
    asist, acts, women, men, unknown, reached, plan, _ = INVENTED[cut]
    comunas = reference.comunas_region(cut)
    population = int(comunas["poblacion_total"].sum())
    shift = int(cut)  # each region its own mix of kinds and organisations
    kinds = _split(acts, [(7 + (shift * (i + 3)) % 11) * (3 if i == shift % 5 else 1) for i in range(len(KINDS) - 1)] + [1])
    orgs = _split(acts, [5 + shift % 4, 3 + (shift * 2) % 5, 2, 1 if shift % 3 else 0])
    return {
        "asistencias": asist, "actividades": acts, "personas_distintas": int(asist * 0.64),
        "mujeres": women, "hombres": men, "sexo_sin_informacion": unknown,
        "pct_mujeres": round(women / asist * 100, 2), "poblacion": population,
        "asistencias_por_1000_habitantes": round(asist / population * 1000, 2),
        "comunas_alcanzadas": reached, "comunas_region": len(comunas),
        "actividades_por_tipo_actividad": dict(zip(KINDS, kinds)),
        "actividades_por_tipo_organizacion": dict(zip(ORGS, orgs)),
        "pct_mujeres_por_grupo_etario": {"0 a 17 años": None, "18 a 59 años": 71.3, "60 años y más": 76.0},
        "cumplimiento_plan_total": plan,
    }


FIGURES = ["asistencias", "actividades", "personas_distintas", "mujeres", "hombres", "sexo_sin_informacion",
           "pct_mujeres", "poblacion", "asistencias_por_1000_habitantes", "comunas_alcanzadas",
           "actividades_por_tipo_actividad", "actividades_por_tipo_organizacion", "pct_mujeres_por_grupo_etario",
           "cumplimiento_plan_total"]


def national_json(out_root: Path, year: int = 2018, invented: tuple[str, ...] = tuple(INVENTED),
                  with_error: str | None = WITH_ERROR) -> Path:
    """Write `<out_root>/<year>/nacional/indicadores-nacional.json` for the regions `invented`
    (the others «sin datos», `with_error` «con error»); returns the file."""
    rows = []
    for r in reference.regiones().itertuples():
        reg = reference.region(r.cut_region)
        state = "con datos" if r.cut_region in invented else "con error" if r.cut_region == with_error else "sin datos"
        link = None
        if state == "con datos":
            link = f"../balance-{year}.html" if reg.nombre == "Coquimbo" else \
                f"../../regiones/{reg.slug}/{year}/balance-{year}.html"
        row = {"region": reg.nombre, "region_nombre_completo": reg.nombre_completo, "cut_region": reg.cut,
               "slug": reg.slug, "macrozona": MACROZONAS[reg.cut], "estado": state,
               "comunas_region": int(r.n_comunas), "balance": link}
        row.update({k: None for k in FIGURES if k != "comunas_region"})
        row["poblacion"] = int(reference.comunas_region(reg.cut)["poblacion_total"].sum())  # even without data
        if state == "con datos":
            row.update(_region_figures(reg.cut, len(rows)))
        rows.append(row)
    data = [r for r in rows if r["estado"] == "con datos"]

    def total(key):
        return sum(r[key] for r in data)

    def summed(key):
        out: dict[str, int] = {}
        for r in data:
            for k, v in r[key].items():
                out[k] = out.get(k, 0) + v
        return out

    # the change compares the regions with both years (docs/indicadores-nacional.md)
    compared = [r for r in data if INVENTED[r["cut_region"]][7] is not None]
    before = sum(INVENTED[r["cut_region"]][7] for r in compared) or None
    after = sum(r["asistencias"] for r in compared)
    nac = {
        "anio": year, "umbral_celdas_pequenas": 5, "regiones_con_datos": len(data),
        "regiones_sin_datos": [r["region"] for r in rows if r["estado"] == "sin datos"],
        "regiones_con_error": [r["region"] for r in rows if r["estado"] == "con error"],
        "asistencias": total("asistencias"), "asistencias_anio_anterior": before,
        "regiones_comparadas": [r["region"] for r in compared],
        "variacion_asistencias_pct": round((after / before - 1) * 100, 2) if before else None,
        "actividades": total("actividades"), "mujeres": total("mujeres"), "hombres": total("hombres"),
        "sexo_sin_informacion": total("sexo_sin_informacion"),
        "pct_mujeres": round(total("mujeres") / total("asistencias") * 100, 2),   # docs/indicadores.md
        "personas_distintas": total("personas_distintas"), "comunas_alcanzadas": total("comunas_alcanzadas"),
        "comunas_pais": len(reference.comunas()), "poblacion": total("poblacion"),
        "asistencias_por_1000_habitantes": round(total("asistencias") / total("poblacion") * 1000, 2),
        "actividades_por_tipo_actividad": summed("actividades_por_tipo_actividad"),
        "actividades_por_tipo_organizacion": summed("actividades_por_tipo_organizacion"),
        "regiones": rows,
    }
    path = out_root / str(year) / "nacional" / national.JSON_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nac, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


@pytest.fixture
def nac(tmp_path) -> dict:
    national_json(tmp_path)
    return national.load(2018, tmp_path)


@pytest.fixture
def nac_all(tmp_path) -> dict:
    """Every region with data, none with a plan."""
    every = tuple(r.cut_region for r in reference.regiones().itertuples())
    saved = dict(INVENTED)
    for cut in every:
        base = INVENTED.get(cut, (900 + 37 * int(cut), 30 + int(cut), 600 + 20 * int(cut), 280, 4, 3, None, 850))
        INVENTED[cut] = base[:6] + (None,) + base[7:]
    try:
        national_json(tmp_path, invented=every, with_error=None)
    finally:
        INVENTED.clear()
        INVENTED.update(saved)
    return national.load(2018, tmp_path)


# ---------------------------------------------------------------- the JSON

def test_national_dir_takes_the_outputs_root_or_the_national_folder(tmp_path, monkeypatch):
    path = national_json(tmp_path / "outputs")
    assert national.national_dir(2018, tmp_path / "outputs") == path.parent
    assert national.national_dir(2018, path.parent) == path.parent
    monkeypatch.delenv(national.YEAR_ENV, raising=False)
    assert national.national_year(0, tmp_path / "outputs") == 2018   # the latest year with a national JSON
    national_json(tmp_path / "outputs", year=2019)
    assert national.national_year(0, tmp_path / "outputs") == 2019
    monkeypatch.setenv(national.YEAR_ENV, "2018")
    assert national.load(0, tmp_path / "outputs")["anio"] == 2018


def test_a_missing_or_foreign_json_is_refused_in_spanish(tmp_path):
    with pytest.raises(FileNotFoundError, match="--nacional"):
        national.load(2018, tmp_path)
    path = national_json(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["regiones"] = data["regiones"][:15]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="16 regiones"):
        national.load(2018, tmp_path)


def test_regions_run_north_to_south_and_keep_every_one(nac):
    rows = national.regions(nac)
    assert [r["cut_region"] for r in rows][:3] == ["15", "01", "02"] and rows[-1]["cut_region"] == "12"
    assert len(rows) == 16 and {r["cut_region"] for r in rows} == {r["cut_region"] for r in nac["regiones"]}
    assert [r["region"] for r in national.regions(nac, "con error")] == ["Ñuble"]


# ---------------------------------------------------------------- the maps

def test_region_outlines_are_dissolved_from_the_comunas():
    import shapely

    from pipeline.reference import boundaries

    outlines = national_maps.region_outlines()
    assert len(outlines) == 16
    for cut, outline in outlines.items():
        comunas = shapely.union_all(list(boundaries.region_shapes(cut).shapes.values()))
        assert abs(outline.area / comunas.area - 1) < 0.02, cut   # the same land, slivers closed
        holes = [shapely.Polygon(r).area for p in shapely.get_parts(outline) for r in p.interiors]
        assert all(h >= national_maps.SLIVER_DEG2 for h in holes), cut
    assert {"Juan Fernández", "Isla de Pascua", "Antártica"} <= set(national_maps.omitted_territories())


def _map_parts(fig):
    from matplotlib.patches import PathPatch

    ax = fig.axes[0]
    patches = [p for p in ax.patches if isinstance(p, PathPatch)]
    labels = [t.get_text() for t in ax.texts]
    return patches, labels


@pytest.mark.parametrize("key, kind, fmt", [("asistencias_por_1000_habitantes", "rate", fmt_rate),
                                            ("pct_mujeres", "share", fmt_pct)])
def test_every_region_is_labelled_with_its_figure_or_why_it_has_none(nac, key, kind, fmt):
    fig, alt = national._map_figure(nac, key, "Etiqueta", kind)
    _, labels = _map_parts(fig)
    assert len(labels) == 16
    for r in nac["regiones"]:
        name = national.short_name(r)
        expected = fmt(r[key]) if r["estado"] == "con datos" else r["estado"]
        assert f"{name}: {expected}" in labels, name
        assert f"{name}: " in alt
    assert "Metropolitana: " in " ".join(labels) and "O'Higgins: sin datos" in labels and "Ñuble: con error" in labels
    assert not any(re.search(r"\d%|\d\.\d\b", t) for t in labels)   # «7,9» and «75,5 %», never «7.9» or «75%»


def test_no_region_without_data_is_drawn_as_a_value(nac):
    from pipeline.report.maps import NO_VALUE

    fig, _ = national._map_figure(nac, "asistencias_por_1000_habitantes", "Etiqueta", "rate")
    patches, _ = _map_parts(fig)
    drawn = [c for c in national.GEOGRAPHIC_ORDER if c in national_maps.region_outlines()]
    assert len(patches) == len(drawn) == 16
    by_cut = {r["cut_region"]: r for r in nac["regiones"]}
    grey = NO_VALUE.lstrip("#")
    for cut, patch in zip(drawn, patches):
        colour = "".join(f"{round(c * 255):02x}" for c in patch.get_facecolor()[:3])
        if by_cut[cut]["estado"] == "con datos":
            assert colour != grey and not patch.get_hatch(), cut
        else:
            assert colour == grey and patch.get_hatch() == "///", cut
    # darker blue for a higher rate: the scale reads one way
    rates = sorted((by_cut[c]["asistencias_por_1000_habitantes"], sum(p.get_facecolor()[:3]))
                   for c, p in zip(drawn, patches) if by_cut[c]["estado"] == "con datos")
    assert [lum for _, lum in rates] == sorted((lum for _, lum in rates), reverse=True)


def test_the_colour_scale_and_legend_speak_chilean(nac):
    fig, _ = national._map_figure(nac, "pct_mujeres", "% de mujeres", "share")
    ticks = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert ticks and all(t.endswith("\u00a0%") for t in ticks)
    legend = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    assert legend == ["Sin cifra\n(no es cero)"]


def test_a_map_of_the_sixteen_with_data_has_no_hatch(nac_all):
    fig, _ = national._map_figure(nac_all, "asistencias_por_1000_habitantes", "Etiqueta", "rate")
    patches, labels = _map_parts(fig)
    assert not any(p.get_hatch() for p in patches) and not fig.legends
    assert not any("sin datos" in t for t in labels)


# ---------------------------------------------------------------- rankings and slides

def test_ranking_marks_the_country_and_writes_regions_without_data(nac):
    from pipeline.report import national_charts

    values = national._values(nac, "asistencias_por_1000_habitantes")
    fig = national_charts.ranking_bars(values, fmt=fmt_rate, national=nac["asistencias_por_1000_habitantes"])
    ax = fig.axes[0]
    bars = [p.get_width() for p in ax.patches]
    assert bars == sorted((v for v in values.values() if isinstance(v, float)), reverse=True)
    texts = [t.get_text() for t in ax.texts]
    assert f"País: {fmt_rate(nac['asistencias_por_1000_habitantes'])}" in texts
    assert texts.count("sin datos") == 7 and texts.count("con error") == 1
    assert [line.get_xdata()[0] for line in ax.lines] == [nac["asistencias_por_1000_habitantes"]]
    assert [t.get_text() for t in ax.get_yticklabels()][-8:] == [n for n, v in values.items() if isinstance(v, str)]


def test_half_the_country_without_data_shares_one_line_named_in_the_note(nac):
    from pipeline.report import national_charts

    values = {f"Región {i}": "sin datos" for i in range(14)} | {"Coquimbo": 7.6, "Valparaíso": 0.9}
    fig = national_charts.ranking_bars(values, fmt=fmt_rate, national=2.1)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Coquimbo", "Valparaíso", "Otras 14 regiones"]
    assert national._grouped(values) == " Sin datos: " + ", ".join(f"Región {i}" for i in range(13)) + " y Región 13."
    assert national._grouped(national._values(nac, "asistencias")) == ""   # 7 without data: one line each
    few = dict(nac, regiones=[r if r["cut_region"] in {"04", "05"} else
                              {**r, "estado": "sin datos", "actividades_por_tipo_organizacion": None}
                              for r in nac["regiones"]])
    html = national.organisations_slide(few)
    assert "Sin datos: Arica y Parinacota, Tarapacá" in html and "Magallanes: sin datos" in html   # note, alt


def test_totals_slide_in_chilean_format_with_the_change_and_the_missing_regions(nac):
    html = national.totals_slide(nac)
    for figure in (fmt_int(nac["asistencias"]), fmt_int(nac["personas_distintas"]), fmt_int(nac["actividades"]),
                   fmt_pct(nac["pct_mujeres"]), f"{fmt_int(nac['comunas_alcanzadas'])} de 346", "8 de 16"):
        assert f">{figure}<" in html, figure
    assert f"un incremento del {fmt_pct(nac['variacion_asistencias_pct'])} respecto de 2017" in html
    assert "Sin datos: Tarapacá, Antofagasta, Atacama, O&#x27;Higgins, Maule, Los Ríos y Aysén." in html
    assert "Con error en su proceso: Ñuble." in html
    assert "La variación compara las 7 regiones con registros de ambos años." in html   # Magallanes is new
    only = dict(nac, regiones_comparadas=["Metropolitana de Santiago"])
    assert "La variación es la de Metropolitana, la única región con registros de ambos años." in \
        national.totals_slide(only)
    assert not re.search(r"\d%", html) and not re.search(r"\d,\d{3}\b", html)


@pytest.mark.slow  # reads the national deck built once per test run
def test_titles_state_the_message_and_never_repeat(national_deck):
    """The titles of the twelve slides as the exported deck shows them."""
    nac = json.loads((national_deck.parent / national.JSON_NAME).read_text(encoding="utf-8"))
    titles = re.findall(r"<h[12]>(.*?)</h[12]>", national_deck.read_text(encoding="utf-8"))
    assert len(titles) == 12
    assert len(set(titles)) == len(titles)
    assert titles[2] == "Coquimbo lideró con 7,9 asistencias por 1.000 habitantes"
    assert titles[6].startswith(f"El {fmt_pct(nac['pct_mujeres'])} del público del país fueron mujeres: de ")
    assert titles[7] == f"Llegamos a {fmt_int(nac['comunas_alcanzadas'])} de las 346 comunas del país"
    assert titles[10] == "4 regiones informaron su plan: 1 lo cumplió por completo"
    assert all("\u00a0%" in t for t in titles if "%" in t)


def test_links_open_each_regions_deck_and_regions_without_data_have_none(nac):
    html = national.links_slide(nac)
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)
    assert [name for _, name in links] == ["Arica y Parinacota", "Coquimbo", "Valparaíso", "Metropolitana", "Biobío",
                                           "La Araucanía", "Los Lagos", "Magallanes"]
    assert ("../balance-2018.html", "Coquimbo") in links
    assert ("../../regiones/valparaiso/2018/balance-2018.html", "Valparaíso") in links
    assert html.count("sin datos") == 7 and html.count(">con error<") == 1


def test_plan_slide_only_when_a_region_reports_its_plan(nac, nac_all):
    assert national.plan_slide(nac_all) is None
    assert "Valparaíso: sin plan informado" in national.plan_slide(nac)   # drawn in the chart, said in its alt


def test_stacks_group_regions_by_macro_zone_and_write_missing_ones(nac):
    html = national.types_slide(nac)
    assert "Aysén: sin datos" in html and "Ñuble: con error" in html
    from pipeline.report import national_charts

    rows = national._stack_rows(nac, "actividades_por_tipo_organizacion")
    groups = {national.short_name(r): r["macrozona"] for r in national.regions(nac)}
    fig = national_charts.region_stacks(rows, groups, categories=["Comité de Vivienda", "Junta de Vecinos"])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert [t for t in texts if t in {"Norte", "Centro", "Centro Sur", "Sur", "Austral"}] == \
        ["Norte", "Centro", "Centro Sur", "Sur", "Austral"]
    assert texts.count("sin datos") == 7
    coquimbo = [p for p in fig.axes[0].patches if abs(p.get_y() + p.get_height() / 2 - 4) < 1e-6]
    assert round(sum(p.get_width() for p in coquimbo), 6) == 100   # each region's bar is its whole


# ---------------------------------------------------------------- the notebook

NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "04_balance_nacional.ipynb"


def test_notebook_is_stored_clean_with_literal_parameters():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and not c.get("execution_count") for c in code)
    params = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1
    source = "".join(params[0]["source"])
    assert "anio = 0" in source and 'out_dir = ""' in source and "(" not in source.split("#")[0]
    joined = "\n".join("".join(c["source"]) for c in code)
    assert "\ndef " not in "\n" + joined and "\nclass " not in "\n" + joined


# ---------------------------------------------------------------- the deck, built once per test run

_BUILT: dict[str, Path] = {}


@pytest.fixture(scope="session")
def national_deck(tmp_path_factory) -> Path:
    """`stages.national_balance` on the fixture JSON (papermill runs the notebook, the
    deck and its phone reading are exported, no PDF): the deck's HTML. Built once per test run
    and shared with the browser tests (`tests/test_national_browser.py`)."""
    from pipeline import stages

    if "html" not in _BUILT:
        outputs = tmp_path_factory.mktemp("nacional") / "outputs"
        national_json(outputs)
        _BUILT["html"] = stages.national_balance(outputs, 2018, pdf=False)
    return _BUILT["html"]


@pytest.mark.slow
def test_notebook_runs_on_the_fixture_and_exports_one_offline_deck(national_deck):
    from tests.report.test_export import external_urls

    folder = national_deck.parent
    assert national_deck.name == "balance-nacional-2018.html" and folder.name == "nacional"
    assert (folder / "notebooks" / "04_balance_nacional.ipynb").is_file()
    reading = folder / "lectura-nacional-2018.html"
    assert reading.is_file()
    html = national_deck.read_text(encoding="utf-8")
    assert html.count("</section></section>") == 12   # cover … links, the plan slide included
    assert "<title>Balance nacional de Participación Ciudadana 2018</title>" in html
    assert 'href="lectura-nacional-2018.html"' in html
    # nothing is fetched: the only addresses are the regions' decks and the phone version, to follow
    links = {"lectura-nacional-2018.html"} | {r["balance"] for r in json.loads(
        (folder / national.JSON_NAME).read_text(encoding="utf-8"))["regiones"] if r["balance"]}
    assert [u for u in external_urls(html) if u not in links] == []
    assert [u for u in external_urls(reading.read_text(encoding="utf-8")) if u not in links] == []
    assert "<script src=" not in html and not re.search(r"(src|href)=\"https?:", html)
    slides = html.split('<div class="slides">', 1)[1].split("<script", 1)[0]
    assert not re.search(r"\d%", re.sub(r"<[^>]+>", "", slides))   # «75 %», never «75%»


def test_the_phone_map_draws_chile_whole_with_every_region_named(nac):
    fig, _ = national._map_figure(nac, "asistencias_por_1000_habitantes", "Etiqueta", "rate", narrow=True)
    patches, labels = _map_parts(fig)
    width, height = fig.get_size_inches()
    assert len(patches) == 16 and len(labels) == 16 and height > width   # one tall strip
    assert "Aysén: sin datos" in labels and f"Coquimbo: {fmt_rate(7.9)}" in " ".join(labels)


def test_titles_say_ninguna_and_todas_instead_of_zero_or_a_false_leader(nac):
    """A year where no region beats the country's rate and no plan is fully met says so in
    words («Ninguna…», «ninguna…»), and one where every region shows the same rate names no
    leader (the national sample once drew every region at 5,7)."""
    from pipeline.report import national_titles

    same = [dict(r, asistencias_por_1000_habitantes=5.7 if r["estado"] == "con datos" else None,
                 cumplimiento_plan_total=75.0 if r.get("cumplimiento_plan_total") is not None else None)
            for r in nac["regiones"]]
    flat = dict(nac, regiones=same, asistencias_por_1000_habitantes=5.7)
    assert national_titles.rate_title(flat) == "Todas las regiones con datos, 5,7 asistencias por 1.000 habitantes"
    assert national_titles.rate_ranking_title(flat) == "Ninguna región superó la tasa del país (5,7 por 1.000 habitantes)"
    assert national_titles.plan_title(flat) == "4 regiones informaron su plan: ninguna lo cumplió por completo"
    assert national_titles.rate_ranking_title(nac).startswith(("1 región superó", "2 regiones", "3 regiones",
                                                               "4 regiones", "5 regiones", "6 regiones",
                                                               "7 regiones", "8 regiones"))
