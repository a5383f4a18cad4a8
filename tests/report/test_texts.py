"""textos.yml: placeholders in Chilean format, clear errors, safe Markdown, the screen hook."""
import pytest

from pipeline.errors import InvalidTexts
from pipeline.report import texts, territory

IND = {"anio": 2017, "region": "Coquimbo", "asistencias": 5971, "mujeres": 4476, "pct_mujeres": 74.96,
       "actividades": 167, "comunas_alcanzadas": 14, "comunas_region": 15,
       "anio_anterior": {"anio": 2016, "pct_mujeres": 74.8},
       "cumplimiento_plan": [{"nombre": "Escuelas de Formación de Dirigentes Sociales", "logrado": 4},
                             {"nombre": "Consultas", "logrado": 0}]}


def _write(tmp_path, text):
    path = tmp_path / "textos.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_placeholders_markdown_and_escaping(tmp_path):
    path = _write(tmp_path, "parrafos:\n  mujeres: |\n    Llegamos a **{mujeres} mujeres**, el *{pct_mujeres}*.\n"
                            "    <script>alert(1)</script>\n\n    - uno\n    - dos {{literal}}\n"
                            "logros:\n  - \"**2** Consultas\"\ncierre:\n  titulo: Gracias\n  texto: Fin\n")
    t = texts.load(path, IND)
    html = t.paragraph("mujeres")
    assert "<strong>4.476 mujeres</strong>" in html and "<em>75\u00a0%</em>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<ul><li>uno</li><li>dos {literal}</li></ul>" in html
    assert t.achievements == ["**2** Consultas"] and t.closing == {"titulo": "Gracias", "texto": "Fin"}
    assert "<strong>2</strong> Consultas" in territory.achievements_slide(IND, t)
    assert "Gracias" in territory.closing_slide(IND, t)


def test_unknown_placeholder_names_file_and_line(tmp_path):
    path = _write(tmp_path, "parrafos:\n  alcance: Hola\n  mujeres: Fueron {porcentaje_mujeres}\n")
    with pytest.raises(InvalidTexts, match=r"textos\.yml, línea 3: el marcador \{porcentaje_mujeres\} no existe"):
        texts.load(path, IND)


@pytest.mark.parametrize("text, match", [
    ("parrafos:\n  diapositiva_x: Hola\n", "la diapositiva «diapositiva_x» no existe"),
    ("otra: 1\n", "clave desconocida «otra»"),
    ("logros: uno\n", "«logros» debe ser una lista"),
    ("parrafos: [\n", "no es un YAML válido"),
])
def test_bad_files_are_clear_spanish_errors(tmp_path, text, match):
    with pytest.raises(InvalidTexts, match=match):
        texts.load(_write(tmp_path, text), IND)


def test_every_text_passes_the_screen(tmp_path):
    path = _write(tmp_path, "parrafos:\n  alcance: Gracias a Juana Pérez\nlogros:\n  - Juana Pérez\n")
    t = texts.load(path, IND, screen=lambda s: s.replace("Juana Pérez", "[dato personal retirado]"))
    assert "Juana" not in t.paragraph("alcance") and t.achievements == ["[dato personal retirado]"]


def test_without_a_file_achievements_are_drafted_from_the_plan(tmp_path):
    t = texts.load(tmp_path / "textos.yml", IND)
    assert t.paragraph("mujeres") is None and t.achievements is None and territory.closing_slide(IND, t) is None
    html = territory.achievements_slide(IND, t)
    assert "<strong>4</strong> Escuelas de Formación de Dirigentes Sociales" in html and "Consultas" not in html
    assert territory.achievements_slide({**IND, "cumplimiento_plan": None}, t) is None


def test_a_colon_inside_an_achievement_names_its_line(tmp_path):
    path = _write(tmp_path, "logros:\n  - \"**2** Consultas\"\n  - Logramos: 3 talleres en Choapa\n")
    with pytest.raises(InvalidTexts) as err:
        texts.load(path, IND)
    message = str(err.value)
    assert "textos.yml, línea 3: «logros» debe ser un texto" in message
    assert "dos puntos" in message and "entre comillas" in message


@pytest.mark.parametrize("text, where, said", [
    ("logros:\n  - \"Dos consultas\n", "línea 3, columna 1", "terminó antes de cerrar una comilla"),
    ("parrafos:\n  mujeres: Fueron: muchas\n", "línea 2, columna 18", "dos puntos («:») seguidos de un espacio"),
    ("parrafos:\n\tmujeres: Hola\n", "línea 2, columna 1", "tabulador"),
])
def test_yaml_syntax_errors_are_spanish_with_line_and_column(tmp_path, text, where, said):
    with pytest.raises(InvalidTexts) as err:
        texts.load(_write(tmp_path, text), IND)
    message = str(err.value)
    assert where in message and said in message
    assert "found" not in message and "expected" not in message and "stream" not in message


def test_textos_saved_as_utf16_or_windows_1252_are_read(tmp_path):
    for encoding in ("utf-16", "cp1252"):
        path = tmp_path / "textos.yml"
        path.write_bytes("logros:\n  - Reunión en Ñuñoa – 3 talleres\n".encode(encoding))
        assert texts.load(path, IND).achievements == ["Reunión en Ñuñoa – 3 talleres"]
def test_the_office_figures_are_checked_against_the_data(tmp_path):
    """A year whose text contradicts the data (the 2017 sample's «4 Escuelas» while 8 were held,
    «Más de 150 actividades de difusión» while the data has 23): each difference is listed with
    both figures; figures that agree, and «más de» claims that hold, are not."""
    ind = {**IND, "actividades_por_tipo_actividad": {"Escuela de dirigentes": 8, "Difusión comunitaria": 23,
                                                     "Consulta ciudadana": 2},
           "personas_por_grupo_etario_sexo": {"Total": {"Mujer": 2260, "Hombre": 1194}}}
    path = _write(tmp_path, "parrafos:\n  alcance: En **{comunas_alcanzadas} comunas** y **15 comunas** con "
                            "{asistencias} asistencias.\n  mujeres: Llegamos a **{mujeres} mujeres**.\n"
                            "logros:\n  - \"**4 Escuelas de Formación de Dirigentes Sociales.**\"\n"
                            "  - \"**2 Consultas Ciudadanas Virtuales.**\"\n"
                            "  - \"**Más de 150 actividades** de difusión comunitaria.\"\n"
                            "  - \"Más de 20 actividades de difusión.\"\n")
    review = texts.figure_review(texts.load(path, ind), ind)
    found = {(r["dice"], r["datos"]) for r in review}
    assert found == {("4 Escuelas", 8), ("Más de 150 actividades de difusión", 23), ("15 comunas", 14),
                     ("4.476 mujeres", 2260)}
    # where each is: the key and the line of textos.yml (a paragraph's own line, a list item's)
    where = {r["dice"]: (r["clave"], r["linea"], r["marcador"]) for r in review}
    assert where == {"15 comunas": ("parrafos.alcance", 2, "comunas_alcanzadas"),
                     "4.476 mujeres": ("parrafos.mujeres", 3, None),   # {mujeres} counts attendances
                     "4 Escuelas": ("logros", 5, None), "Más de 150 actividades de difusión": ("logros", 7, None)}
    lines = texts.review_lines(review, "2017/textos.yml")
    assert "2017/textos.yml, línea 5 (logros): dice «4 Escuelas», pero los datos cuentan 8 Escuelas de dirigentes" \
        in lines[[r["dice"] for r in review].index("4 Escuelas")]
    todo = texts.what_to_do(next(r for r in review if r["dice"] == "15 comunas"), "2017/textos.yml")
    assert "corrija 2017/textos.yml, línea 2" in todo and "{comunas_alcanzadas}" in todo
    # the deck still shows the office's words
    assert "4 Escuelas de Formación" in territory.achievements_slide(ind, texts.load(path, ind))


def test_a_figure_in_a_block_paragraph_is_found_on_its_own_line(tmp_path):
    ind = {**IND, "actividades_por_tipo_actividad": {"Escuela de dirigentes": 8}}
    path = _write(tmp_path, "# textos\nparrafos:\n  alcance: |\n    Este año, 2017, hicimos talleres\n"
                            "    y **3 escuelas** de dirigentes.\n  mujeres: Sin cifras.\n")
    review = texts.figure_review(texts.load(path, ind), ind)
    assert [(r["clave"], r["linea"], r["dice"], r["datos"]) for r in review] == [("parrafos.alcance", 5, "3 escuelas", 8)]
