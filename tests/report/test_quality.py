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
