"""Reading raw logs: one small real file per variant and per failure mode."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import config
from pipeline.ingest import read
from pipeline.ingest.sheets import FOOTER_TEXT, SHIFTED, Reading, Sheet
from pipeline.ingest.files import log_files
from pipeline import schema


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def only_sheet(reading: Reading) -> Sheet:
    assert not reading.rejected and len(reading.sheets) == 1, (reading.rejected, reading.skipped)
    return reading.sheets[0]


def test_cp1252_semicolon_title_block_and_blank_lines(tmp_path):
    text = ("Lista de asistencia – SERVIU Coquimbo\r\n"
            "\r\n"
            "Fecha;Comuna;Nombre actividad;Nombres y apellidos;R.U.T.;Género;Observación\r\n"
            "25/04/2017;Vicuña;Taller – uno;José Núñez;12.345.678-5;M;ok\r\n"
            ";;;;;;\r\n"
            "\r\n"
            "26/04/2017;Río Hurtado;Otro;Ana;00123;F;\r\n")
    path = tmp_path / "lista.csv"
    path.write_bytes(text.encode("cp1252"))
    sheet = only_sheet(read.read_file(path))
    assert sheet.shape == "personas"
    assert sheet.unknown_columns == ["Observación"]
    f = sheet.frame
    assert list(f.columns) == ["fecha", "actividad", "comuna", "nombre", "rut", "sexo", "fila"]
    # rows as a text editor numbers them: header is line 3, blank lines 5 and 6 dropped
    assert f["fila"].tolist() == [4, 7]
    assert f["actividad"].tolist() == ["Taller – uno", "Otro"]
    assert f["comuna"].tolist() == ["Vicuña", "Río Hurtado"]
    assert f["rut"].tolist() == ["12.345.678-5", "00123"]  # text: leading zeros survive


def test_utf8_bom_comma_summary(tmp_path):
    path = tmp_path / "resumen.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "Fecha,Comuna,Actividad,N° Mujeres,N° Hombres,Total\n"
                     "2017-01-02,La Serena,\"Reunión, con vecinos\",3,4,7\n".encode("utf-8"))
    sheet = only_sheet(read.read_file(path))
    assert sheet.shape == "resumen"
    assert sheet.frame.iloc[0].to_dict() == {
        "fecha": "2017-01-02", "actividad": "Reunión, con vecinos", "comuna": "La Serena",
        "asistentes_mujeres": "3", "asistentes_hombres": "4", "total_asistentes": "7", "fila": 2}


def test_tab_delimited(tmp_path):
    path = tmp_path / "tab.csv"
    path.write_text("fecha\tcomuna\tactividad\tsexo\n01/03/2017\tOvalle\tX\tF\n", encoding="utf-8")
    sheet = only_sheet(read.read_file(path))
    assert sheet.frame[["fecha", "comuna", "sexo", "fila"]].values.tolist() == [["01/03/2017", "Ovalle", "F", 2]]


def test_xlsx_title_block_dates_serials_and_instructions(tmp_path):
    path = write_xlsx(tmp_path / "libro.xlsx", {
        "Instrucciones": [["Complete una fila por asistente."], ["No borre el encabezado."]],
        "Marzo": [
            ["SERVIU Región de Coquimbo"],
            ["Lista de asistencia"],
            [],
            ["Fecha de la actividad", "Comuna", "Título actividad", "Sexo", "Edad", "RUN"],
            [dt.datetime(2017, 3, 5), "Ovalle", '=HYPERLINK("http://x","y")', 2, 34, 123456785],
            [42850, "Coquimbo", "Taller", "Hombre", 40.0, "7.654.321-6"],
        ],
    })
    reading = read.read_file(path)
    assert [(o.file, o.sheet) for o in reading.skipped] == [("libro.xlsx", "Instrucciones")]
    sheet = only_sheet(reading)
    assert sheet.name == "Marzo"
    f = sheet.frame
    assert f["fila"].tolist() == [5, 6]  # Excel row numbers
    assert f["fecha"].tolist() == ["2017-03-05", "42850"]
    assert f["sexo"].tolist() == ["2", "Hombre"]
    assert f["edad"].tolist() == ["34", "40"]
    assert f["rut"].tolist() == ["123456785", "7.654.321-6"]


def test_missing_required_column_rejected(tmp_path):
    path = tmp_path / "sin_comuna.csv"
    path.write_text("fecha,actividad,nombre,sexo\n01/01/2017,X,Ana,F\n", encoding="utf-8")
    reading = read.read_file(path)
    assert not reading.sheets
    [r] = reading.rejected
    assert (r.file, r.code) == ("sin_comuna.csv", "sin_columna_requerida")
    assert r.reason == ("Falta la columna «comuna». Columnas encontradas: fecha, actividad, nombre, sexo. "
                        "Nombres aceptados para «comuna»: comuna, comuna actividad, comuna de la actividad. "
                        "Agregue la columna o cambie su título por uno de los nombres aceptados.")


def test_log_without_fecha_nor_comuna_is_rejected_not_skipped(tmp_path):
    path = write_xlsx(tmp_path / "x.xlsx", {"Hoja1": [["Nombre", "RUT", "Sexo"], ["Ana", "1-9", "F"]]})
    [r] = read.read_file(path).rejected
    assert r.sheet == "Hoja1" and r.code == "sin_columna_requerida"
    assert "«fecha»" in r.detail and "«comuna»" in r.detail and "Columnas encontradas: Nombre, RUT, Sexo" in r.detail


def test_ambiguous_columns_rejected(tmp_path):
    path = tmp_path / "ambigua.csv"
    path.write_text("fecha,comuna,comuna actividad,actividad,sexo\n01/01/2017,Ovalle,Ovalle,X,F\n", encoding="utf-8")
    [r] = read.read_file(path).rejected
    assert r.code == "columna_ambigua"
    assert "«comuna»" in r.detail


def test_too_many_columns_rejected(tmp_path):
    path = tmp_path / "ancho.csv"
    header = ["fecha", "comuna", "actividad", "sexo"] + [f"c{i}" for i in range(100_000)]
    path.write_text(",".join(header) + "\n", encoding="utf-8")
    [r] = read.read_file(path).rejected
    assert r.code == "demasiadas_columnas"


def test_random_bytes_corrupt_and_truncated_workbooks_rejected(tmp_path):
    (tmp_path / "ruido.csv").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "falso.xlsx").write_bytes(b"esto no es un libro")
    good = write_xlsx(tmp_path / "bueno.xlsx", {"H": [["fecha", "comuna", "actividad", "sexo"]] + [["1", "2", "3", "4"]] * 50})
    data = good.read_bytes()
    (tmp_path / "truncado.xlsx").write_bytes(data[: len(data) // 2])
    for name in ("ruido.csv", "falso.xlsx", "truncado.xlsx"):
        reading = read.read_file(tmp_path / name)
        assert not reading.sheets
        assert [r.code for r in reading.rejected] == ["archivo_ilegible"], name


def test_workbook_sheet_too_wide_rejected_other_sheets_read(tmp_path):
    wide = [["fecha", "comuna"] + [f"x{i}" for i in range(config.MAX_COLUMNS)]]
    path = write_xlsx(tmp_path / "w.xlsx", {"Ancha": wide, "Buena": [["fecha", "comuna", "actividad", "sexo"],
                                                                    ["01/01/2017", "Ovalle", "X", "F"]]})
    reading = read.read_file(path)
    assert [(r.sheet, r.code) for r in reading.rejected] == [("Ancha", "demasiadas_columnas")]
    assert [h.name for h in reading.sheets] == ["Buena"]


def test_ragged_rows_and_quoted_line_break_use_lenient_reader(tmp_path):
    path = tmp_path / "irregular.csv"
    path.write_text('fecha,comuna,actividad,sexo\n01/01/2017,Ovalle,"dos\nlíneas",F\n02/01/2017,Ovalle\n'
                    "03/01/2017,Ovalle,X,M,extra\n", encoding="utf-8")
    f = only_sheet(read.read_file(path)).frame
    assert f["fila"].tolist() == [2, 3, 4]  # records, as Excel shows them
    assert f["actividad"].tolist()[0] == "dos\nlíneas"
    # rows with fewer or more fields than the header are never read by position: shifted
    assert f[SHIFTED].tolist() == [False, True, True]
    assert f["sexo"].isna().tolist() == [False, True, True] and f["comuna"].isna().tolist() == [False, True, True]


def test_huge_cell_is_read_not_fatal(tmp_path):
    path = tmp_path / "enorme.csv"
    path.write_text("fecha,comuna,actividad,sexo\n01/01/2017,Ovalle," + "x" * 3_000_000 + ",F\n", encoding="utf-8")
    f = only_sheet(read.read_file(path)).frame
    assert len(f["actividad"][0]) == 3_000_000


def test_log_files_order_and_exclusions(tmp_path):
    for name in ("b.csv", "a.xlsx", "destacadas.csv", "plan-2018.yml", "foto.png", "~$a.xlsx", "sub/c.CSV"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    assert [p.relative_to(tmp_path).as_posix() for p in log_files(tmp_path)] == ["a.xlsx", "b.csv", "sub/c.CSV"]
    assert log_files(tmp_path / "no-existe") == []


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000), st.sampled_from([".csv", ".xlsx"]))
def test_random_bytes_never_raise(tmp_path, data, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    reading = read.read_file(path)
    assert len(reading.sheets) + len(reading.rejected) + len(reading.skipped) >= 1


_CELL = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=30).filter(
    lambda v: not v.startswith("="))  # openpyxl would write a formula


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_CELL, min_size=4, max_size=4).filter(
    lambda cells: not any(FOOTER_TEXT.match(c) for c in cells)))  # a «Total» or «Firma» line is set apart
def test_random_cells_are_kept_as_text(tmp_path, cells):
    path = write_xlsx(tmp_path / "celdas.xlsx", {"H": [["fecha", "comuna", "actividad", "sexo"], cells]})
    sheet = only_sheet(read.read_file(path))
    f = sheet.frame
    if all(c.strip() == "" for c in cells):
        assert len(f) == 0 and len(sheet.without_attendee) == 0
    elif cells[3].strip() == "":  # no person value: a row without attendee, not a row read
        assert len(f) == 0 and sheet.without_attendee.tolist() == [2]
    else:
        got = [None if v != v else v for v in f.iloc[0][["fecha", "comuna", "actividad", "sexo"]]]
        assert got == [c if c != "" else None for c in cells]
        assert f["fila"].tolist() == [2]


def test_head_counts_in_a_list_of_persons_are_named_not_dropped_silently(tmp_path):
    path = tmp_path / "personas_con_totales.csv"
    path.write_text("fecha;comuna;actividad;Observación;sexo;N° Mujeres;total asistentes\n"
                    "01/03/2017;Ovalle;X;nada;F;3;7\n", encoding="utf-8")
    sheet = only_sheet(read.read_file(path))
    assert sheet.shape == schema.SHAPE_PERSONS
    assert sheet.unknown_columns == ["Observación", "N° Mujeres", "total asistentes"]
    assert "asistentes_mujeres" not in sheet.frame and "total_asistentes" not in sheet.frame


def test_utf8_head_with_cp1252_body_is_read_as_cp1252(tmp_path):
    # the first megabyte is plain ASCII; only a late row shows the file is Windows-1252
    head = "fecha;comuna;actividad;sexo\n" + "01/03/2017;Ovalle;Taller;F\n" * 50_000
    path = tmp_path / "tarde.csv"
    path.write_bytes(head.encode("cp1252") + "02/03/2017;Ovalle;Reunión – vecinos;M\n".encode("cp1252"))
    assert path.stat().st_size > 1 << 20
    sheet = only_sheet(read.read_file(path))
    assert len(sheet.frame) == 50_001
    assert sheet.frame["actividad"].iloc[-1] == "Reunión – vecinos"


def test_cp1252_cells_keep_every_character_in_plain_and_repeated_columns(tmp_path):
    """A Windows-1252 file is parsed as it is and its cells converted column by column: every
    defined character (€ „ … – — ™ ñ Á…) comes out right, in the names and RUTs (read as
    plain text) and in the repeated columns, over a file bigger than one block of the reader."""
    chars = "".join(bytes([b]).decode("cp1252") for b in range(0x80, 0x100)
                    if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xA0, 0xAD))
    rows = []
    for i in range(60_000):
        word = chars[i % len(chars)] + "a" + chars[(7 * i) % len(chars)]  # never two in a row: that could be UTF-8
        name = "" if i % 11 == 0 else f"Nombre{word} Peña {i}"
        rows.append(f"01/03/2017;Ovalle;Taller {chars[i % 5]} {word[:1]};{name};{i}-K;F\n")
    text = "Fecha;Comuna;Actividad;Nombre;RUT;Sexo\n" + "".join(rows)
    path = tmp_path / "ventana.csv"
    path.write_bytes(text.encode("cp1252"))
    assert path.stat().st_size > 1 << 20
    sheet = only_sheet(read.read_file(path))
    f = sheet.frame
    assert sheet.encoding == "cp1252"
    expected = [r.rstrip("\n").split(";") for r in rows]
    assert f["actividad"].tolist() == [r[2] for r in expected]
    assert f["nombre"].fillna("").tolist() == [r[3] for r in expected]
    assert f["rut"].tolist() == [r[4] for r in expected]
