"""Deck helpers: Chilean formats, the change sentence, escaping, images, highlights, plan."""
import base64
import io
import json
import re
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from PIL import Image

from pipeline.report import slides
from pipeline.report import photos

FIXTURES = Path(__file__).parents[1] / "fixtures" / "deck"
IND_2017 = json.loads((FIXTURES / "indicadores-2017.json").read_text(encoding="utf-8"))
HOSTILE = "<script>alert(1)</script>"


@pytest.mark.parametrize("value, expected", [
    (5971, "5.971"), (0, "0"), (999, "999"), (1000, "1.000"), (1234567, "1.234.567"), (-4200, "-4.200"),
    (None, "—"),
])
def test_fmt_int_uses_dot_for_thousands(value, expected):
    assert slides.fmt_int(value) == expected


@pytest.mark.parametrize("value, expected", [
    (74.96, "75 %"), (63.94, "63,9 %"), (40.0, "40 %"), (40, "40 %"), (12.5, "12,5 %"), (0.05, "0,1 %"),
    (0.04, "0 %"), (1234.5, "1.234,5 %"), (None, "—"),
])
def test_fmt_pct_one_decimal_at_most_with_a_non_breaking_space(value, expected):
    assert slides.fmt_pct(value) == expected.replace(" %", "\u00a0%")
    assert slides.fmt_pct(value, 2) == slides.fmt_pct(value)  # never two decimals on a slide


def test_fmt_num_rounds_and_drops_trailing_zeros():
    assert slides.fmt_num(7.4642, 2) == "7,46"
    assert slides.fmt_num(12.0, 2) == "12"
    assert slides.fmt_num(1650.26, 1) == "1.650,3"


def test_fmt_date_in_spanish():
    assert slides.fmt_date("2017-04-12") == "12 de abril de 2017"
    assert slides.fmt_date("15/09/2017") == "15 de septiembre de 2017"
    assert slides.fmt_date("31/02/2017") == "31/02/2017"
    assert slides.fmt_date("no es fecha") == "no es fecha"


def test_reach_omits_the_change_without_previous_year():
    with_prev = slides.reach(IND_2017)
    assert "un incremento del 40\u00a0% respecto de 2016" in with_prev
    assert "5.971" in with_prev and "3.811" in with_prev and "14 de 15" in with_prev
    first = {**IND_2017, "asistencias_anio_anterior": None, "anio_anterior": None, "personas_unicas": None}
    html = slides.reach(first)
    assert "respecto de" not in html
    assert "personas distintas" not in html  # unknown in a summaries-only year, not shown as 0


def test_women_shows_previous_share_beside():
    html = slides.women(IND_2017)
    assert "El 75\u00a0% de nuestro público fueron mujeres" in html
    assert "70,1\u00a0%" in html and "4.476" in html and "#SERVIUConstruye con las Mujeres" in html
    assert "subió 5 puntos porcentuales respecto de 70,1\u00a0% en 2016" in html
    assert "70,1\u00a0%" not in slides.women({**IND_2017, "anio_anterior": None})


def test_text_from_sheets_is_escaped_everywhere():
    item = {"titulo": HOSTILE, "comuna": "<b>Canela</b>", "provincia": "Choapa", "linea": "<i>x</i>",
            "fecha": "2017-08-30", "foto_uri": None}
    html = slides.highlight_slide(item)
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    table = slides.table_html(["a"], [[HOSTILE]])
    assert "<script>" not in table
    fig = Figure()
    fig.subplots().plot([1, 2])
    img = slides.figure_img(fig, alt='"><script>alert(1)</script>')
    assert "<script>" not in img and 'alt="&quot;&gt;&lt;script&gt;' in img
    rows = [{**r, "nombre": HOSTILE} for r in IND_2017["cumplimiento_plan"]]
    assert "<script>" not in slides.compliance_slide(rows, 2017)
    assert "<script>" not in slides.cover({**IND_2017, "region_nombre_completo": HOSTILE})


def test_figure_img_is_a_decodable_png_with_alt_text():
    fig = Figure(figsize=(4, 2))
    fig.subplots().bar(["a", "b"], [1, 2])
    html = slides.figure_img(fig, alt="Gráfico de prueba")
    match = re.search(r'src="data:image/png;base64,([^"]+)"', html)
    assert match and 'alt="Gráfico de prueba"' in html
    with Image.open(io.BytesIO(base64.b64decode(match.group(1)))) as img:
        assert img.format == "PNG" and img.size == (800, 400)   # 2× the figure's size: sharp when enlarged


def test_alt_counts_lists_every_bar_in_chilean_format():
    alt = slides.alt_counts("Actividades por provincia", {"Elqui": 1200, "Limarí": 800})
    assert alt == "Actividades por provincia. Elqui: 1.200 (60\u00a0%); Limarí: 800 (40\u00a0%)."


def _photo(path: Path, size=(3000, 2000)):
    Image.new("RGB", size, (200, 120, 40)).save(path, format="JPEG", quality=95)


def test_highlights_with_photos_embeds_photo_shrunk_and_skips_unsafe_names(tmp_path):
    _photo(tmp_path / "foto.jpg")
    (tmp_path / "no-imagen.jpg").write_bytes(b"esto no es una imagen")
    ind = {"destacadas": [
        {"titulo": "Con foto", "foto": "foto.jpg"},
        {"titulo": "Sin foto", "foto": None},
        {"titulo": "Fuera de la carpeta", "foto": "../secreto.jpg"},
        {"titulo": "Foto rota", "foto": "no-imagen.jpg"},
        {"titulo": "Foto ausente", "foto": "no-existe.jpg"},
    ]}
    with pytest.warns(UserWarning):
        items = slides.highlights_with_photos(ind, tmp_path)
    assert [i["titulo"] for i in items] == ["Con foto", "Sin foto", "Fuera de la carpeta", "Foto rota", "Foto ausente"]
    uri = items[0]["foto_uri"]
    assert uri.startswith("data:image/jpeg;base64,")
    with Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))) as img:
        assert img.width <= slides.PHOTO_MAX_SIZE[0] and img.height <= slides.PHOTO_MAX_SIZE[1]
    assert [i["foto_uri"] for i in items[1:]] == [None, None, None, None]
    assert 'src="data:image/jpeg;base64,' in slides.highlight_slide(items[0])


def test_read_highlights_reads_the_csv_and_the_deck_only_the_screened_copy(tmp_path):
    (tmp_path / "destacadas.csv").write_text(
        "fecha;comuna;título;línea;foto\n2017-04-12;Río Hurtado;Escuela de Ximena Albornoz;Vivienda;\n",
        encoding="cp1252",
    )
    assert photos.read_highlights(tmp_path / "destacadas.csv") == [
        {"fila": 2, "fecha": "2017-04-12", "comuna": "Río Hurtado", "provincia": "Limarí",
         "titulo": "Escuela de Ximena Albornoz", "linea": "Vivienda", "foto": None}]
    # without stage 2's screened copy the deck shows none: it never reads the file unscreened
    assert slides.highlights_with_photos({}, tmp_path) == []
    assert slides.highlights_with_photos({"destacadas": None}, tmp_path) == []


def test_side_inputs_over_the_limit_are_refused_with_a_reason(tmp_path):
    from pipeline.errors import InvalidTexts
    from pipeline.ingest import limits
    from pipeline.report import texts

    big = "# relleno\n" * (limits.MAX_SIDE_FILE_BYTES // 10 + 10)
    (tmp_path / "destacadas.csv").write_text("fecha;comuna;título\n" + big, encoding="utf-8")
    with pytest.raises(ValueError, match="pesa más de 1024 KB"):
        photos.read_highlights(tmp_path / "destacadas.csv")
    (tmp_path / "textos.yml").write_text(big, encoding="utf-8")
    with pytest.raises(InvalidTexts, match="pesa más de 1024 KB"):
        texts.load(tmp_path / "textos.yml", {})


def test_plan_slide_from_the_validated_plan():
    from pipeline.indicators import plan

    loaded = plan.load_plan(Path(__file__).parents[1] / "fixtures" / "plan" / "plan-ejemplo-2018.yml", "Coquimbo", 2018)
    html = slides.plan_slide({"titulo": loaded.title, "compromisos": plan.plan_records(loaded)}, 2018)
    assert "Escuelas de Formación de Dirigentes Sociales" in html
    # the public reads commitments and targets: no matching rule, no weight outside a PMG
    assert "tipo:" not in html and "línea:" not in html and "Ponderación" not in html
    assert "#Desafíos2018" in html and "nos comprometemos a" in html


def test_next_plan_shows_qualitative_commitments_as_bullets_and_weights_only_for_a_pmg():
    from pipeline.report import plan_slides

    plan = {"titulo": "Programa PMG 2019", "compromisos": [
        {"nombre": "Escuelas", "meta": 8, "ponderacion": 60.0, "criterio": "tipo: Escuela de dirigentes"},
        {"nombre": "Boletín digital mensual", "meta": None, "ponderacion": 40.0}]}
    html = plan_slides.next_plan_slide(plan, 2019)
    assert "<th>Ponderación</th>" in html and "60\u00a0%" in html and "tipo:" not in html
    assert '<ul class="compromisos"><li>Boletín digital mensual</li></ul>' in html
    assert "Ponderación" not in plan_slides.next_plan_slide({**plan, "titulo": "Plan 2019"}, 2019)


def test_compliance_slide_reads_as_a_plan():
    html = slides.compliance_slide(IND_2017["cumplimiento_plan"], 2017, IND_2017.get("cumplimiento_plan_total"),
                                 "Plan de Participación Ciudadana 2017")
    assert "CUMPLE" in html and "EN PROCESO" in html and "NO CUMPLE" in html
    for column in ("Meta", "Logrado", "Plazo", "Estado"):
        assert f"<th>{column}</th>" in html
    assert "Ponderación" not in html and "ganad" not in html   # not a PMG
    done = sum(r["estado"] == "CUMPLE" for r in IND_2017["cumplimiento_plan"])
    assert f"cumplimos {done} de {len(IND_2017['cumplimiento_plan'])} compromisos" in html
    assert "31 de diciembre de 2017" in html and "2017-12-31" not in html and "el año 2017" in html


def test_plan_dates_in_words_and_a_running_plan_shows_its_progress():
    from pipeline.report import plan_slides

    assert plan_slides.period_words({"inicio": "2018-07-01", "fin": "2019-06-30"}) == \
        "el periodo del 1 de julio de 2018 al 30 de junio de 2019"
    assert plan_slides.period_words({"inicio": "2018-07-01", "fin": "2018-12-31"}) == \
        "el periodo del 1 de julio al 31 de diciembre de 2018"
    assert plan_slides.period_words({"inicio": "2017-01-01", "fin": "2018-12-31"}) == "los años 2017 y 2018"
    pmg = {"archivo": "programa-pmg.yml", "titulo": "Programa PMG", "al": "2018-12-31", "total": 50.0,
           "periodo": {"inicio": "2018-07-01", "fin": "2019-06-30"},
           "compromisos": [{"nombre": "A", "meta": 2, "logrado": 2, "estado": "CUMPLE", "ponderacion": 50.0,
                            "ponderacion_ganada": 50.0, "plazo": "2018-12-31"},
                           {"nombre": "B", "meta": 4, "logrado": 0, "estado": "EN EJECUCIÓN", "ponderacion": 50.0,
                            "ponderacion_ganada": 0.0, "plazo": "2019-06-30"}]}
    html = plan_slides.status_slide(pmg)
    assert "llevamos 1 de 2 compromisos cumplidos" in html and "<th>Avance</th>" in html
    assert "estado al 31 de diciembre de 2018; avance: 50\u00a0%" in html and "ganad" not in html.lower()
    assert 'class="estado en-ejecucion"' in html   # coloured by its state
    closed = plan_slides.status_slide({**pmg, "al": "2019-06-30"})
    assert "cumplimos 1 de 2 compromisos" in closed and "ponderación ganada: 50\u00a0%" in closed
    assert "#" not in html.split('class="hashtag">')[1].split("<")[0].replace("#SERVIUConstruye", "").strip()


def test_age_and_zone_notes():
    note = slides.age_note(IND_2017["asistencias_por_grupo_etario"], 5810)
    # the base is stated: 231 of 5.708 with age = 4,047 %
    assert note.startswith("De las 5.708 asistencias con edad registrada (de 5.810), el 67,9\u00a0% fue de")
    assert "niños, niñas y adolescentes, 4\u00a0%" in note
    assert slides.age_note({"Sin información": 10}) is None
    assert slides.zone_note(IND_2017) == "El 23,4\u00a0% de las actividades se realizó en zonas rurales."
