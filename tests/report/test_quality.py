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
