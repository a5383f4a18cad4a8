"""Tables of the quality report: counts in Chilean format, row numbers as the sheet shows them,
text from the sheets escaped."""
from pipeline.report import quality

CALIDAD = {
    "por_archivo": [{"archivo": "2018/<b>lista</b>.csv", "hoja": "", "forma": "personas",
                     "filas_leidas": 12345, "filas_validas": 12000, "duplicados": 300, "cuarentena": 45}],
    "filas_leidas": 12345, "filas_validas": 12000, "duplicados": 300, "cuarentena": 45,
    "cuarentena_detalle": [{"archivo": "2018/lista.csv", "hoja": "", "fila": 10234, "motivo": "fecha_invalida"}],
    "cuarentena_por_motivo": {"fecha_invalida": 1045},
}


def test_counts_have_thousands_separators_and_row_numbers_do_not():
    table = quality.html(quality.accounting(CALIDAD))
    assert "12.345" in table and "12.000" in table and ">300<" in table
    assert "12345" not in table
    rows = quality.html(quality.quarantine_rows(CALIDAD))
    assert ">10234<" in rows and "10.234" not in rows
    assert "1.045" in quality.html(quality.quarantine_by_reason(CALIDAD))


def test_text_from_the_sheets_is_escaped():
    table = quality.html(quality.accounting(CALIDAD))
    assert "&lt;b&gt;lista&lt;/b&gt;" in table and "<b>" not in table


def test_empty_table_says_so():
    assert quality.html(quality.rejected({"archivos_rechazados": []}), "Ningún archivo rechazado.") == \
        "<p><em>Ningún archivo rechazado.</em></p>"


def test_rows_without_attendee_are_listed_with_their_text():
    long = "Observaciones: " + " ".join(["la actividad se realizó con normalidad"] * 6)
    calidad = {"sin_asistente": [{
        "archivo": "lista.xlsx", "hoja": "Hoja1", "n": 60, "filas": [30, 31, 32, 33],
        "textos": [{"texto": "Firma encargado(a): ____", "filas": [30]},
                   {"texto": "[dato personal retirado]", "filas": [31]},
                   {"texto": "[dato personal retirado]", "filas": [33]},
                   {"texto": long, "filas": [32]}]}]}
    todo = quality.todo(calidad)
    assert todo["Filas"].tolist() == ["30", "31, 33", "32", "56 más"]
    lines = todo["Qué pasa y qué hacer"].tolist()
    assert lines[0].startswith("Fila sin asistente con el texto «Firma encargado(a): ____»: no se contó")
    assert lines[1].startswith("2 filas sin asistente con el texto «[dato personal retirado]»: no se contaron")
    shown = lines[2].split("«")[1].split("»")[0]
    assert shown.endswith("…") and len(shown) <= quality.SHOWN_TEXT_CHARS + 1 and long.startswith(shown[:-1])
    assert lines[3].startswith("56 filas más sin asistente después de la fila 33")
    html = quality.html(todo)
    assert "Firma encargado(a): ____" in html


def test_rows_without_attendee_from_an_older_calidad_are_still_listed():
    todo = quality.todo({"sin_asistente": [{"archivo": "a.csv", "hoja": "", "n": 1, "filas": [7]}]})
    assert todo["Filas"].tolist() == ["7"] and todo.iloc[0, 3].startswith("1 fila sin asistente: no se contó")


def test_free_text_read_as_a_category_is_listed_with_its_count(tmp_path, monkeypatch):
    """Issue 24: «Reunión informativa» became «Jornada informativa» and «Mesa técnica» «Otra»
    without a word; the quality report now lists each such value and its rows."""
    from tests.conftest import TEST_KEY
    from pipeline import config
    from pipeline.clean.year import clean_year

    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    raw = tmp_path / "raw" / "2017"
    raw.mkdir(parents=True)
    (raw / "l.csv").write_text(
        "fecha;comuna;actividad;tipo;tipo de organización;zona;sexo\n"
        "03/04/2017;Ovalle;A;Reunión informativa;JJVV Villa Sur;U;F\n"
        "03/04/2017;Ovalle;A;Reunión informativa;JJVV Villa Sur;U;M\n"
        "05/04/2017;Ovalle;B;Mesa técnica;Comité de Vivienda;Rural;F\n"
        "06/04/2017;Ovalle;C;Jornada informativa;;;F\n", encoding="utf-8")
    paths = config.paths(2017, raw_dir=tmp_path / "raw", processed_dir=tmp_path / "p", out_dir=tmp_path / "o")
    q = clean_year(paths, "Coquimbo").calidad
    got = {(r["columna"], r["valor"]): (r["categoria"], r["n"]) for r in q["textos_mapeados"]}
    assert got == {("tipo_actividad", "Reunión informativa"): ("Jornada informativa", 2),
                   ("tipo_actividad", "Mesa técnica"): ("Otra", 1),
                   ("tipo_organizacion", "JJVV Villa Sur"): ("Junta de Vecinos", 2),
                   ("zona", "U"): ("Urbano", 2)}
    table = quality.mapped_texts(q)
    assert table.iloc[0].to_dict() == {"Columna": "Tipo de actividad", "Escrito": "Reunión informativa",
                                       "Se leyó como": "Jornada informativa", "Filas": 2}


REVIEW = [{"clave": "logros", "linea": 19, "frase": "4 Escuelas de Formación <b>de</b> Dirigentes.", "dice": "4 Escuelas",
           "que": "Escuelas de dirigentes (actividades de tipo «Escuela de dirigentes»)", "datos": 8, "marcador": None},
          {"clave": "parrafos.alcance", "linea": 5, "frase": "En 12 comunas.", "dice": "12 comunas",
           "que": "comunas alcanzadas", "datos": 1234, "marcador": "comunas_alcanzadas"}]


def test_the_office_figures_fill_the_section_stage_1_left_pending():
    """Stage 1 leaves the section pending; stage 3 fills it with both figures, where and what to
    do, and a later stage 3 replaces it (never listing a difference already corrected)."""
    report = ("<main><h2>Qué corregir</h2><p>…</p><h2>Textos de la oficina que no coinciden con los datos</h2>"
              + quality.office_figures_pending() + "<h2>Cuadratura</h2></main>")
    filled = quality.with_office_figures(report, quality.office_figures_html(REVIEW, "2017/textos.yml"))
    section = filled[filled.index(quality.OFFICE_FIGURES_START):filled.index("<h2>Cuadratura")]
    assert "Se revisan al armar el balance" not in filled
    for cell in (">2017/textos.yml<", ">19<", ">logros<", ">4 Escuelas<", "8 Escuelas de dirigentes", ">5<",
                 "1.234 comunas alcanzadas", "corrija 2017/textos.yml, línea 5", "{comunas_alcanzadas}"):
        assert cell in section, cell
    assert "&lt;b&gt;de&lt;/b&gt;" in section and "<b>" not in section  # the office's text is shown, not run
    assert filled.count("Textos de la oficina que no coinciden") == 1
    again = quality.with_office_figures(filled, quality.office_figures_html([], "2017/textos.yml"))
    assert "4 Escuelas" not in again and "Ninguna cifra de 2017/textos.yml difiere de los datos." in again
    assert again.count(quality.OFFICE_FIGURES_START) == 1 and again.endswith("<h2>Cuadratura</h2></main>")
    none = quality.with_office_figures(again, quality.office_figures_html([], None))
    assert "Este año no tiene textos.yml." in none


def test_a_report_without_the_section_is_left_as_it_is():
    """A quality report of another notebook (or an earlier version), without the section's marks."""
    report = "<html><body><main><p>informe</p></main></body></html>"
    assert quality.with_office_figures(report, quality.office_figures_html(REVIEW, "textos.yml")) == report
