"""Sheets as regional offices fill them (issue 14, data contract §1): merged cells, footers,
formatting to the last row, files that cannot be read, Excel's «Texto Unicode», mixed
encodings, shifted rows, a full output folder. Each case is built the way offices produce
it and checks the figures, the accounting and that the rest of the year still publishes.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.conftest import TEST_KEY
from pipeline import config
from pipeline.clean.year import clean_year
from pipeline.errors import OutputNotWritable
from pipeline.ingest import files
from pipeline.ingest import limits
from pipeline.ingest import read
from pipeline.report import quality

HEADER = ["Fecha", "Actividad", "Comuna", "Tipo", "Zona", "Nombre", "RUT", "Sexo", "Edad"]
# (fecha, actividad, comuna, attendees): 21 attendances in 5 activities
ACTIVITIES = [
    (dt.datetime(2017, 3, 4), "Taller de postulación", "Vicuña", 4),
    (dt.datetime(2017, 3, 11), "Reunión comité", "Ovalle", 5),
    (dt.datetime(2017, 4, 2), "Jornada informativa", "La Serena", 6),
    (dt.datetime(2017, 5, 20), "Asamblea vecinal", "Andacollo", 3),
    (dt.datetime(2017, 6, 1), "Diálogo ciudadano", "Illapel", 3),
]


def merged_workbook(path: Path, footer: bool = True, formatted_to: int | None = None) -> Path:
    """A list of attendance with fecha, actividad, comuna, tipo and zona merged down over each
    activity's attendees, a title, a signature footer and formatting below the table."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Asistencia"
    ws.append(["SERVIU Región de Coquimbo — Lista de asistencia 2017"])
    ws.merge_cells("A1:I1")
    ws.append([])
    ws.append(HEADER)
    row = 4
    person = 0
    for fecha, actividad, comuna, n in ACTIVITIES:
        for k in range(n):
            person += 1
            first = k == 0
            ws.append([fecha if first else None, actividad if first else None, comuna if first else None,
                       "Taller participativo" if first else None, "Urbano" if first else None,
                       f"Persona {person}", None, "F" if person % 2 else "M", 30 + person])
        for col in "ABCDE":
            ws.merge_cells(f"{col}{row}:{col}{row + n - 1}")
        ws[f"A{row}"].number_format = "dd/mm/yyyy"
        row += n
    if footer:
        ws.append([])
        ws.append(["Firma encargado(a): ____________________"])
    if formatted_to:
        for r in range(row, formatted_to + 1):
            ws.cell(r, 1).number_format = "dd/mm/yyyy"
            ws.cell(r, 8).number_format = "@"
    wb.save(path)
    return path


def good_csv(raw: Path) -> Path:
    """A plain, correct log beside the bad ones: the rest of the year."""
    path = raw / "zz_bueno.csv"
    path.write_text("fecha;comuna;actividad;nombre;rut;sexo;edad\n"
                    "10/07/2017;Coquimbo;Feria de vivienda;Ana Soto;12.345.678-5;F;40\n"
                    "10/07/2017;Coquimbo;Feria de vivienda;Luis Rojas;7.654.321-6;M;50\n", encoding="utf-8")
    return path


def accounting_holds(calidad: dict) -> None:
    for r in calidad["por_archivo"]:
        assert r["filas_leidas"] == r["filas_validas"] + r["duplicados"] + r["cuarentena"], r


def test_merged_cells_fill_every_row_and_footer_is_not_a_row(paths):
    merged_workbook(paths.raw / "lista.xlsx", footer=True, formatted_to=400)
    result = clean_year(paths, "Coquimbo")
    q = result.calidad
    assert len(result.asistencias) == 21 and q["filas_leidas"] == 21 and q["cuarentena"] == 0
    by_comuna = result.actividades.set_index("comuna")["asistencias"].to_dict()
    assert by_comuna == {"Vicuña": 4, "Ovalle": 5, "La Serena": 6, "Andacollo": 3, "Illapel": 3}
    [sheet] = q["por_archivo"]
    assert sheet["rangos_combinados"] == 5 * 5 + 1  # five columns per activity, and the title
    # the signature footer is listed as a row without attendee, outside the accounting
    # with its text, which passed the personal-data screen
    assert q["sin_asistente"] == [{"archivo": "lista.xlsx", "hoja": "Asistencia", "n": 1, "filas": [26],
                                   "textos": [{"texto": "Firma encargado(a): ____________________",
                                               "filas": [26]}]}]
    accounting_holds(q)
    todo = quality.todo(q)
    assert todo["Filas"].tolist() == ["26"] and "sin asistente" in todo.iloc[0, 3]
    assert "«Firma encargado(a): ____________________»" in todo.iloc[0, 3]


def test_filled_down_to_the_end_of_the_sheet_stops_with_the_data(paths, monkeypatch):
    monkeypatch.setattr(limits, "MAX_SHEET_ROWS", 100)
    path = merged_workbook(paths.raw / "lista.xlsx", footer=False)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    for r in range(25, 400):  # the date of the last activity dragged down far past the data
        ws.cell(r, 1).value = dt.datetime(2017, 6, 1)
    wb.save(path)
    good_csv(paths.raw)
    q = clean_year(paths, "Coquimbo").calidad
    assert q["filas_validas"] == 21 + 2 and not q["archivos_rechazados"]
    [gap] = [g for g in q["sin_asistente"] if g["archivo"] == "lista.xlsx"]
    assert gap["n"] == 399 - 25 + 1 and gap["filas"][:2] == [25, 26]
    # the run of identical filled-down rows is one text, not one per row
    assert gap["textos"] == [{"texto": "2017-06-01", "filas": list(range(25, 25 + limits.MAX_LISTED_ROWS))}]
    accounting_holds(q)
    todo = quality.todo(q)
    lines = todo[todo["Archivo"] == "lista.xlsx"]["Qué pasa y qué hacer"].tolist()
    assert lines[0].startswith(f"{limits.MAX_LISTED_ROWS} filas sin asistente con el texto «2017-06-01»")
    assert lines[1].startswith(f"{399 - 25 + 1 - limits.MAX_LISTED_ROWS} filas más sin asistente")


def test_sheet_over_the_row_limit_is_rejected_with_that_reason(paths, monkeypatch):
    monkeypatch.setattr(limits, "MAX_SHEET_ROWS", 10)
    merged_workbook(paths.raw / "lista.xlsx")
    good_csv(paths.raw)
    q = clean_year(paths, "Coquimbo").calidad
    [r] = q["archivos_rechazados"]
    assert (r["archivo"], r["hoja"], r["codigo"]) == ("lista.xlsx", "Asistencia", "demasiadas_filas")
    assert "más de 10 filas" in r["motivo"] and "Divida la hoja" in r["motivo"]
    assert q["filas_validas"] == 2  # the rest of the year publishes


def _as_nobody(script: str, *args: str) -> subprocess.CompletedProcess:
    """Run `script` as an unprivileged user (root reads files whatever their mode)."""
    cmd = [sys.executable, "-c", script, *args]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("sin setpriv para ejecutar como usuario sin privilegios")
        cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *cmd]
    env = {**os.environ, "PYTHONPATH": str(Path(config.__file__).resolve().parents[1]),
           "BALANCE_CLAVE": TEST_KEY, "HOME": "/tmp"}
    if os.geteuid() == 0:
        # a checkout inside an owner-only folder (a `mktemp -d` clone) cannot be read by
        # nobody at all: then the case cannot be staged here
        probe = subprocess.run([*cmd[:4], sys.executable, "-c", "import pandas, pipeline.clean.year"],
                               capture_output=True, text=True, timeout=120, env=env)
        if probe.returncode != 0:
            pytest.skip("el proyecto o su entorno no son legibles por otro usuario (carpeta solo del dueño)")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)


NOBODY_SCRIPT = """
import json, sys
from pipeline.clean.year import clean_folder
r = clean_folder(sys.argv[1], 2017, "Coquimbo")
print(json.dumps(r.calidad, ensure_ascii=False))
"""


def test_unreadable_file_and_folder_are_rejected_and_the_year_goes_on():
    base = Path(tempfile.mkdtemp(prefix="ilegible-"))
    try:
        raw = base / "2017"
        (raw / "oficina-elqui").mkdir(parents=True)
        good_csv(raw)
        secret = raw / "a_sin_permiso.csv"
        secret.write_text("fecha;comuna;actividad;sexo\n01/02/2017;Ovalle;X;F\n", encoding="utf-8")
        (raw / "oficina-elqui" / "lista.csv").write_text("fecha;comuna;actividad;sexo\n01/02/2017;Vicuña;Y;F\n",
                                                       encoding="utf-8")
        for p in [base, raw, *raw.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        secret.chmod(0o000)
        (raw / "oficina-elqui").chmod(0o000)
        done = _as_nobody(NOBODY_SCRIPT, str(raw))
        assert done.returncode == 0, done.stderr[-2000:]
        q = json.loads(done.stdout)
        rejected = {r["archivo"]: r["motivo"] for r in q["archivos_rechazados"]}
        assert set(rejected) == {"a_sin_permiso.csv", "oficina-elqui/"}
        assert "permiso de lectura" in rejected["a_sin_permiso.csv"]
        assert "Carpeta sin permiso" in rejected["oficina-elqui/"]
        assert q["filas_validas"] == 2
    finally:
        for p in [base, *base.rglob("*")]:
            p.chmod(0o755)
        shutil.rmtree(base)


def test_fifo_and_links_out_of_the_folder_are_never_opened(paths, tmp_path):
    good_csv(paths.raw)
    os.mkfifo(paths.raw / "tuberia.csv")
    outside = tmp_path / "fuera.csv"
    outside.write_text("fecha;comuna;actividad;sexo\n01/02/2017;Ovalle;X;F\n", encoding="utf-8")
    (paths.raw / "enlace.csv").symlink_to(outside)
    q = clean_year(paths, "Coquimbo").calidad  # a FIFO opened would wait here forever
    rejected = {r["archivo"]: r["motivo"] for r in q["archivos_rechazados"]}
    assert "No es un archivo común" in rejected["tuberia.csv"]
    assert "fuera de la carpeta" in rejected["enlace.csv"].lower()
    assert q["filas_validas"] == 2
    assert files.log_files(paths.raw) == [paths.raw / "zz_bueno.csv"]
    os.mkfifo(paths.raw / "plan-2017.yml")
    with pytest.raises(ValueError, match="no es un archivo común"):
        files.read_small_text(paths.raw / "plan-2017.yml")
    with pytest.raises(ValueError, match="no es un archivo común"):
        files.read_small_text(Path("/dev/zero"))


def test_lock_files_and_documents_are_listed_as_ignored(paths):
    good_csv(paths.raw)
    (paths.raw / "~$lista.xlsx").write_bytes(b"\x00" * 165)
    (paths.raw / "acta.docx").write_bytes(b"PK")
    (paths.raw / "informe.pdf").write_bytes(b"%PDF-1.4")
    q = clean_year(paths, "Coquimbo").calidad
    ignored = {g["archivo"]: g["motivo"] for g in q["archivos_ignorados"]}
    assert set(ignored) == {"~$lista.xlsx", "acta.docx", "informe.pdf"}
    assert "bloqueo de Excel" in ignored["~$lista.xlsx"] and "no es una planilla" in ignored["acta.docx"]
    assert any("No se leyó: archivo de bloqueo" in t for t in quality.todo(q)["Qué pasa y qué hacer"])


def test_excel_unicode_text_utf16_is_read(paths):
    # Excel → Guardar como → «Texto Unicode (*.txt)»: UTF-16 LE with BOM, tab-separated, CRLF
    text = ("Fecha\tComuna\tActividad\tNombre\tSexo\r\n"
            "12/08/2017\tRío Hurtado\tReunión – diálogo\tÑuño Peña\tF\r\n"
            "12/08/2017\tRío Hurtado\tReunión – diálogo\tJosé Muñoz\tM\r\n")
    (paths.raw / "unicode.csv").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    result = clean_year(paths, "Coquimbo")
    assert result.calidad["filas_validas"] == 2 and not result.calidad["archivos_rechazados"]
    assert result.actividades["comuna"].tolist() == ["Río Hurtado"]
    assert result.actividades["actividad"].tolist() == ["Reunión – diálogo"]
    assert result.calidad["por_archivo"][0]["codificacion"] == "utf-16"


def test_mixed_utf8_and_cp1252_are_decoded_line_by_line(paths):
    head = "fecha;comuna;actividad;nombre;sexo\n".encode("utf-8")
    utf8 = "01/09/2017;Río Hurtado;Taller Río;Inés Peña;F\n".encode("utf-8")
    cp1252 = "02/09/2017;Río Hurtado;Taller Río;José Muñoz;M\n".encode("cp1252")
    other = "01/09/2017;Río Hurtado;Taller Río;Iván Núñez;M\n".encode("utf-8")
    (paths.raw / "mezcla.csv").write_bytes(head + utf8 + cp1252 + other)
    result = clean_year(paths, "Coquimbo")
    q = result.calidad
    assert q["filas_validas"] == 3 and not q["comunas_corregidas"]
    assert set(result.actividades["comuna"]) == {"Río Hurtado"}
    assert set(result.actividades["actividad"]) == {"Taller Río"}
    assert q["por_archivo"][0]["lineas_cp1252"] == 1 and q["por_archivo"][0]["codificacion"] == "mixta"
    assert any("1 línea estaba en Windows-1252" in t for t in quality.todo(q)["Qué pasa y qué hacer"])


def test_shifted_rows_are_quarantined_never_read_by_position(paths):
    # issue 13: `organizacion` left out of the data rows shifts every later value one column left
    (paths.raw / "desplazada.csv").write_text(
        "fecha;comuna;actividad;linea;organizacion;nombre;rut;sexo;edad\n"
        "2017-10-10;Ovalle;Taller vecinal Ovalle;Barrios;Ximena Albornoz Cárcamo;8.765.432-K;F;44\n"
        "2017-10-10;Ovalle;Taller vecinal Ovalle;Barrios;Junta 5;Pedro Soto;7.654.321-6;M;50\n"
        "2017-10-10;Ovalle;Taller vecinal Ovalle;Barrios;Junta 5;Rosa Díaz;12.345.678-5;F;61;extra\n",
        encoding="utf-8")
    result = clean_year(paths, "Coquimbo")
    q = result.calidad
    assert (q["filas_leidas"], q["filas_validas"], q["cuarentena"]) == (3, 1, 2)
    assert q["cuarentena_por_motivo"]["columnas_desplazadas"] == 2
    assert [d["fila"] for d in q["cuarentena_detalle"]] == [2, 4]
    assert "Ximena" not in json.dumps(q, ensure_ascii=False)
    assert result.actividades["organizacion"].tolist() == ["Junta 5"]
    accounting_holds(q)


def test_a_separator_too_many_is_shifted_even_when_the_last_cell_is_empty(paths):
    # an extra `;` inside the organisation moves every later value one column right; the row's
    # last field is empty (the header's last column, observacion, was empty for it)
    (paths.raw / "separador.csv").write_text(
        "fecha;comuna;actividad;organizacion;nombre;rut;sexo;edad;observacion\n"
        "2017-10-10;Canela;Taller;Junta 5;Ana Rojas;12.345.678-5;F;44;ok\n"
        "2017-10-10;Canela;Taller;Junta 5;Luis Soto;7.654.321-6;M;50;\n"
        "2017-10-10;Canela;Taller;Junta; 5;Rosa Díaz;8.765.432-K;F;61;\n",
        encoding="utf-8")
    q = clean_year(paths, "Coquimbo").calidad
    assert (q["filas_leidas"], q["filas_validas"], q["cuarentena"]) == (3, 2, 1)
    assert q["cuarentena_por_motivo"]["columnas_desplazadas"] == 1
    accounting_holds(q)


def test_a_separator_closing_every_row_is_not_a_shift(paths):
    (paths.raw / "cierre.csv").write_text(
        "fecha;comuna;actividad;nombre;rut;sexo;edad\n"
        "2017-10-10;Canela;Taller;Ana Rojas;12.345.678-5;F;44;\n"
        "2017-10-10;Canela;Taller;Luis Soto;7.654.321-6;M;50;\n",
        encoding="utf-8")
    q = clean_year(paths, "Coquimbo").calidad
    assert (q["filas_leidas"], q["filas_validas"], q["cuarentena"]) == (2, 2, 0)
    accounting_holds(q)


def test_quality_report_is_a_todo_list_with_values_that_are_not_personal(paths):
    (paths.raw / "errores.csv").write_text(
        "fecha;comuna;actividad;nombre;rut;sexo;edad\n"
        "31/02/2017;Ovalle;Taller;Ana Soto;12.345.678-5;F;40\n"
        "01/03/2017;Tongoy;Taller;Luis Rojas;7.654.321-6;M;50\n"
        "01/03/2017;Ovalle;Taller;Rosa Díaz;11.111.111-5;X;300\n"
        "01/03/2017;Ovalle;Taller;Pedro Pérez;;F;33\n", encoding="utf-8")
    result = clean_year(paths, "Coquimbo")
    q = result.calidad
    todo = quality.todo(q)
    text = "\n".join(todo["Qué pasa y qué hacer"])
    assert "La fecha 31/02/2017 no existe" in text and "corríjala en la planilla" in text
    assert "La comuna «Tongoy» no es una comuna de la región" in text
    assert "El sexo «X» no se reconoce" in text
    assert "RUT no válido" in text and "Edad no válida" in text
    where = todo.set_index("Qué pasa y qué hacer")
    assert where.loc[[t for t in todo["Qué pasa y qué hacer"] if t.startswith("RUT")][0], "Filas"] == "4"
    for secret in ("11.111.111-5", "11111111", "300", "Rosa", "Ana Soto"):
        assert secret not in text and secret not in json.dumps(q, ensure_ascii=False)
    assert quality.summary(q) == "4 filas leídas: 2 válidas, 0 duplicadas y 2 en cuarentena."
    assert quality.summary({**q, "duplicados": 1}).count("1 duplicada ") == 1


def test_quarantine_csv_opens_in_excel_in_chile(paths):
    (paths.raw / "errores.csv").write_text("fecha;comuna;actividad;sexo\n31/02/2017;Ovalle;Taller, sede;F\n"
                                           "01/03/2017;Ovalle;Taller;F\n", encoding="utf-8")
    clean_year(paths, "Coquimbo")
    data = paths.cuarentena.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.splitlines()[0].count(b";") >= 3
    assert stat.S_IMODE(paths.cuarentena.stat().st_mode) == 0o600
    back = pd.read_csv(paths.cuarentena, sep=";", encoding="utf-8-sig", dtype=str)
    assert back["actividad"].tolist() == ["Taller, sede"] and back["fecha"].tolist() == ["31/02/2017"]


def _mount_tmpfs(folder: Path) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


def test_full_output_folder_gives_one_spanish_line_and_keeps_the_last_outputs(paths, tmp_path):
    good_csv(paths.raw)
    disk = tmp_path / "disco"
    if not _mount_tmpfs(disk):
        pytest.skip("no se puede montar un tmpfs (se necesita root): el caso de solo lectura lo cubre otra prueba")
    try:
        target = config.paths(2017, raw_dir=paths.raw.parent, processed_dir=disk, out_dir=tmp_path / "out")
        clean_year(target, "Coquimbo")
        before = {p.name: p.read_bytes() for p in target.processed.iterdir()}
        with open(disk / "relleno", "wb") as fh:  # fill the disk
            try:
                while True:
                    fh.write(b"\x00" * 65536)
                    fh.flush()
            except OSError:
                pass
        with pytest.raises(OutputNotWritable) as err:
            clean_year(target, "Coquimbo")
        message = str(err.value)
        assert "\n" not in message and str(target.processed) in message and "el disco está lleno" in message
        assert {p.name: p.read_bytes() for p in target.processed.iterdir() if not p.name.startswith(".")} == before
    finally:
        if subprocess.run(["umount", str(disk)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(disk)], capture_output=True)  # a file still open: detach


def test_read_only_output_folder_gives_one_spanish_line(paths, tmp_path):
    good_csv(paths.raw)
    script = """
import sys
from pipeline import config
from pipeline.clean.year import clean_year
from pipeline.errors import OutputNotWritable
p = config.paths(2017, raw_dir=sys.argv[1], processed_dir=sys.argv[2], out_dir=sys.argv[2])
try:
    clean_year(p, "Coquimbo")
except OutputNotWritable as exc:
    print(exc)
"""
    base = Path(tempfile.mkdtemp(prefix="solo-lectura-"))
    try:
        raw = base / "raw"
        shutil.copytree(paths.raw.parent, raw)
        out = base / "proc"
        (out / "2017").mkdir(parents=True)
        for p in [base, *base.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        (out / "2017").chmod(0o555)
        done = _as_nobody(script, str(raw), str(out))
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip().startswith(f"No se pudo escribir en la carpeta {out / '2017'}")
        assert "permiso" in done.stdout and done.stdout.strip().count("\n") == 0
    finally:
        for p in [base, *base.rglob("*")]:
            p.chmod(0o755)
        shutil.rmtree(base)


def test_xlsx_read_through_calamine_keeps_text_and_dates(tmp_path):
    path = merged_workbook(tmp_path / "lista.xlsx")
    [sheet] = read.read_file(path).sheets
    assert sheet.frame["fecha"].iloc[:5].tolist() == ["2017-03-04"] * 4 + ["2017-03-11"]
    assert sheet.frame["edad"].iloc[0] == "31" and sheet.frame["fila"].iloc[0] == 4


def test_mixed_file_with_a_byte_windows_1252_lacks_is_decoded(tmp_path):
    # UTF-8 `Á` is C3 81, and 0x81 is not a Windows-1252 character: the file is still read
    head = "fecha;comuna;actividad;nombre;sexo\n".encode("utf-8")
    utf8 = "01/09/2017;Ovalle;ÁREA VERDE;Inés Peña;F\n".encode("utf-8")
    cp1252 = "02/09/2017;Ovalle;Taller Río;José Muñoz;M\n".encode("cp1252")
    path = tmp_path / "mezcla.csv"
    path.write_bytes(head + utf8 + cp1252)
    reading = read.read_file(path)
    assert not reading.rejected
    [sheet] = reading.sheets
    assert sheet.frame["actividad"].tolist() == ["ÁREA VERDE", "Taller Río"] and sheet.cp1252_lines == 1


@pytest.mark.parametrize("sheet_rows", [None, 5], ids=["bajo-el-limite", "pasado-el-limite"])
def test_footer_text_is_listed_only_when_it_passes_the_screen(paths, monkeypatch, capsys, sheet_rows):
    """Footer rows are listed with their text; one naming an attendee or holding a RUT is
    withheld, whether the row is read with the sheet or found past its row limit."""
    if sheet_rows:  # the planted rows lie past the limit: the trailing rows' path
        monkeypatch.setattr(limits, "MAX_SHEET_ROWS", sheet_rows)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Asistencia"
    ws.append(["Fecha", "Comuna", "Actividad", "Nombre", "RUT", "Sexo", "Edad"])
    people = [("Ximena Albornoz Cárcamo", "8.765.432-K"), ("Pedro Muñoz Vera", "12.345.678-5"),
              ("Rosa Díaz Fuentes", "7.654.321-6")]
    for name, rut in people:
        ws.append(["05/03/2017", "Ovalle", "Taller vecinal", name, rut, "F", 40])
    ws.append([])
    ws.append(["Firma encargado(a): ____"])
    ws.append(["Revisó:", None, "Pedro Muñoz"])           # an attendee's name, in two cells
    ws.append(["Responsable RUT 15.555.444-0"])          # a RUT-shaped token
    ws.append(["Total", None, "3 asistentes"])
    wb.save(paths.raw / "lista.xlsx")
    result = clean_year(paths, "Coquimbo")
    q = result.calidad
    assert (q["filas_leidas"], q["filas_validas"], q["cuarentena"]) == (3, 3, 0)
    accounting_holds(q)
    [g] = q["sin_asistente"]
    assert g["n"] == 4 and g["filas"] == [6, 7, 8, 9]
    assert g["textos"] == [{"texto": "Firma encargado(a): ____", "filas": [6]},
                           {"texto": "[dato personal retirado]", "filas": [7]},
                           {"texto": "[dato personal retirado]", "filas": [8]},
                           {"texto": "Total | 3 asistentes", "filas": [9]}]
    todo = quality.todo(q)
    assert todo["Filas"].tolist() == ["6", "7, 8", "9"]  # withheld texts: one line
    html = quality.html(todo)
    assert "Firma encargado(a): ____" in html and "Total | 3 asistentes" in html
    written = paths.calidad.read_text(encoding="utf-8") + html + "".join(capsys.readouterr())
    for secret in ("Pedro", "Muñoz", "15.555.444", "155554440"):
        assert secret not in written


@pytest.mark.parametrize("sheet_rows", [None, 4], ids=["bajo-el-limite", "pasado-el-limite"])
def test_footer_text_comes_only_from_recognised_columns(paths, monkeypatch, capsys, sheet_rows):
    """An unrecognised column (an e-mail, a phone, a name under a header the schema does not
    know) is never shown in a footer's text: the screen could not know its values."""
    if sheet_rows:
        monkeypatch.setattr(limits, "MAX_SHEET_ROWS", sheet_rows)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Fecha", "Comuna", "Actividad", "Nombre", "Sexo", "Correo", "Apoderado"])
    for name in ("Ana Rojas", "Luis Soto", "Eva Pinto"):
        ws.append(["05/03/2017", "Ovalle", "Taller vecinal", name, "F", "x@y.cl", None])
    ws.append(["Firma encargado(a): ____", None, None, None, None, "maria.gonzalez@correo.cl", "Julia Tapia Lagos"])
    wb.save(paths.raw / "lista.xlsx")
    q = clean_year(paths, "Coquimbo").calidad
    accounting_holds(q)
    [g] = q["sin_asistente"]
    assert g["textos"] == [{"texto": "Firma encargado(a): ____", "filas": [5]}]
    written = paths.calidad.read_text(encoding="utf-8") + quality.html(quality.todo(q)) + "".join(capsys.readouterr())
    for secret in ("maria.gonzalez", "correo.cl", "Julia", "Tapia"):
        assert secret not in written


def signed_workbook(path: Path) -> Path:
    """A Choapa list as it came (issue 24): ages written «45 años», a signature block whose lines
    sit under the RUT column and others under the name, a sheet total, a range and a text age."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Hoja1"
    ws.append(["Lista de asistencia"])
    ws.append(HEADER)
    ages = ["45 años", "45 a.", "45años", "38 AÑOS", "40-45", "no sabe", "52"]
    for i, age in enumerate(ages):
        ws.append([dt.datetime(2017, 8, 3), "Reunión comité", "Illapel", "Taller participativo", "Urbano",
                   f"Persona {i}", "12.345.678-5" if i == 0 else None, "F" if i % 2 else "M", age])
    ws.append([])
    ws.append([None, None, None, None, None, None, "V°B° Jefatura Sección", None, None])
    ws.append([None, None, None, None, None, None, "Total asistentes hoja:", None, 7])
    ws.append([None, None, None, None, None, "Firma encargado(a)", "_______________", None, None])
    ws.append([None, "Total asistentes hoja: 7", None, None, None, None, None, None, None])
    wb.save(path)
    return path


def test_signature_and_total_lines_under_the_rut_column_are_not_attendees(paths):
    signed_workbook(paths.raw / "choapa.xlsx")
    result = clean_year(paths, "Coquimbo")
    q = result.calidad
    assert q["filas_leidas"] == 7 and q["cuarentena"] == 0 and len(result.asistencias) == 7
    assert q["rut_invalidos"] == 0 and q["cuarentena_por_motivo"]["fecha_faltante"] == 0
    [g] = q["sin_asistente"]
    assert g["filas"] == [11, 12, 13, 14]
    texts = {t["texto"]: t["filas"] for t in g["textos"]}
    # the words that told it are shown; the rest of a cell under a personal column is not
    assert texts == {"V°B°…": [11], "Total…": [12], "Firma…": [13], "Total asistentes hoja: 7": [14]}
    accounting_holds(q)
    todo = quality.todo(q)
    assert not any("Falta la fecha" in t or "RUT no válido" in t for t in todo["Qué pasa y qué hacer"])


def test_ages_written_with_their_unit_are_read(paths):
    signed_workbook(paths.raw / "choapa.xlsx")
    result = clean_year(paths, "Coquimbo")
    assert sorted(result.asistencias["edad"].dropna().tolist()) == [38, 45, 45, 45, 52]
    q = result.calidad
    assert q["edades_invalidas"] == 2
    by_problem = {g["problema"]: g["filas"] for g in q["edades_invalidas_filas"]}
    assert by_problem == {"un rango de edades (escriba una sola edad)": [7],
                          "un texto que no es una edad (escríbala en números)": [8]}
    todo = quality.todo(q)
    lines = [t for t in todo["Qué pasa y qué hacer"] if t.startswith("Edad no válida")]
    assert lines[0].startswith("Edad no válida: un rango de edades")
    assert not any("40-45" in t or "no sabe" in t for t in todo["Qué pasa y qué hacer"])  # an age is personal


def test_an_attendee_named_like_a_footer_is_still_an_attendee(paths):
    (paths.raw / "l.csv").write_text("fecha;comuna;actividad;nombre;sexo\n03/04/2017;Ovalle;Taller;Firmani Rojas;F\n"
                                     "03/04/2017;Ovalle;Taller;Total Soto;Hombre\n", encoding="utf-8")
    result = clean_year(paths, "Coquimbo")
    assert len(result.asistencias) == 2 and result.calidad["sin_asistente"] == []


def test_attendees_of_an_activity_named_like_a_footer_keep_their_rows(paths):
    """«Firma de convenio» is an activity: its attendees (sex left blank) are rows read."""
    (paths.raw / "l.csv").write_text("fecha;comuna;actividad;nombre;rut;sexo\n"
                                     "03/04/2017;Ovalle;Firma de convenio;Ana Soto;12.345.678-5;\n"
                                     "03/04/2017;Ovalle;Firma de convenio;Luis Rojas;;\n"
                                     ";;Total asistentes;;;\n", encoding="utf-8")
    result = clean_year(paths, "Coquimbo")
    assert len(result.asistencias) == 2 and result.calidad["filas_leidas"] == 2


def test_a_total_line_of_a_summary_is_not_an_activity(paths):
    (paths.raw / "resumen.csv").write_text("fecha;comuna;actividad;mujeres;hombres;total\n"
                                           "03/04/2017;Ovalle;Cabildo;10;5;15\n"
                                           "05/05/2017;Ovalle;Firma de convenio;3;2;5\n"
                                           ";;Total;13;7;20\n", encoding="utf-8")
    result = clean_year(paths, "Coquimbo")
    q = result.calidad
    assert q["filas_leidas"] == 2 and q["cuarentena"] == 0
    assert int(result.actividades["asistencias"].sum()) == 20
    assert q["sin_asistente"][0]["textos"] == [{"texto": "Total | 13 | 7 | 20", "filas": [4]}]
