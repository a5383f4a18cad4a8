"""Formats offices still have (issue 24): .xls (Excel 97–2003) and .ods (LibreOffice) lists,
saved by LibreOffice Calc itself (tests/fixtures/oficinas, see make_fixtures.py there), and
attendance taken with Google Forms (CSV download) or Microsoft Forms (Excel download).
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import by_sex
from pipeline.clean.year import clean_year
from pipeline.indicators import annual
from pipeline.ingest import files
from pipeline.ingest import read

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "oficinas"


def test_ods_saved_by_libreoffice_is_read_with_its_merged_cells(paths):
    shutil.copy(FIXTURES / "lista-elqui-2017.ods", paths.raw)
    assert files.survey(paths.raw).rejected == []
    result = clean_year(paths, "Coquimbo")
    q = result.calidad
    assert q["filas_leidas"] == 9 and q["cuarentena"] == 0 and not q["archivos_rechazados"]
    # date, title and comuna merged down over each activity's attendees (read from the .ods itself)
    assert result.actividades.set_index("comuna")["asistencias"].to_dict() == {"Vicuña": 5, "La Serena": 4}
    [sheet] = q["por_archivo"]
    assert sheet["rangos_combinados"] == 2 + 3 * 2  # the title's two rows, three columns per activity
    # «Sexo: H = Hombre, M = Mujer» in the title: M is Mujer
    assert by_sex(result) == {"Mujer": 6, "Hombre": 3}
    assert q["sexo_lecturas"][0]["lectura"] == "H/M"
    # «45 años», «38 a.», «61años»
    assert sorted(set(result.asistencias["edad"].tolist())) == [38, 45, 61] and q["edades_invalidas"] == 0
    # the signature block under the RUT column is not attendees
    assert q["rut_invalidos"] == 0 and q["sin_asistente"][0]["n"] == 2


def test_xls_saved_as_excel_97_2003_is_read(paths):
    shutil.copy(FIXTURES / "lista-limari-2017.xls", paths.raw)
    result = clean_year(paths, "Coquimbo")
    q = result.calidad
    assert q["filas_leidas"] == 6 and q["cuarentena"] == 0
    assert result.actividades["comuna"].tolist() == ["Ovalle"]
    assert str(result.actividades["fecha"].iloc[0].date()) == "2017-05-03"
    assert by_sex(result) == {"Mujer": 4, "Hombre": 2}  # F/M
    assert q["sexo_lecturas"][0]["lectura"] == "F/M"


def test_a_year_of_xls_and_ods_with_f_m_and_h_m_publishes_the_true_share_of_women(paths):
    for name in ("lista-elqui-2017.ods", "lista-limari-2017.xls"):
        shutil.copy(FIXTURES / name, paths.raw)
    result = clean_year(paths, "Coquimbo")
    ind = annual.compute(result.actividades, result.asistencias, result.calidad, 2017, "Coquimbo")
    assert (ind["asistencias"], ind["mujeres"], ind["hombres"]) == (15, 10, 5)
    assert ind["pct_mujeres"] == 66.67


def test_a_damaged_ods_is_rejected_with_its_reason(paths):
    (paths.raw / "roto.ods").write_bytes(b"PK\x03\x04 no es un libro")
    reading = read.read_file(paths.raw / "roto.ods")
    [r] = reading.rejected
    assert "LibreOffice (.ods)" in r.reason


def google_forms_csv(path: Path) -> Path:
    """«Descargar respuestas (.csv)» of a Google Form in Spanish: UTF-8, commas, every value
    quoted, the response time first; the questions are the headers; no date question."""
    rows = [
        ("2017/08/22 10:31:05 a. m. GMT-4", "Coquimbo", "Jornada informativa subsidio", "Ana Pérez", "F", "34"),
        ("2017/08/22 10:32:47 a. m. GMT-4", "Coquimbo", "Jornada informativa subsidio", "Luis Díaz", "M", "51"),
        ("2017/08/22 10:40:12 a. m. GMT-4", "Coquimbo", "Jornada informativa subsidio", "Rosa Toro", "F", "45 años"),
        ("2017/09/05 6:02:33 p. m. GMT-3", "Andacollo", "Taller de capacitación", "Juan Vega", "M", "29"),
    ]
    header = ["Marca temporal", "¿En qué comuna se realizó la actividad?", "¿Cuál es el nombre de la actividad?",
              "Nombre completo", "Sexo", "¿Qué edad tiene?"]
    lines = [",".join(f'"{v}"' for v in header)] + [",".join(f'"{v}"' for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def microsoft_forms_xlsx(path: Path) -> Path:
    """«Abrir en Excel» of a Microsoft Form in Spanish: Id, start and end times (date cells), the
    respondent's e-mail and name, then one column per question."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["Id", "Hora de inicio", "Hora de finalización", "Correo electrónico", "Nombre",
               "¿En qué comuna se realizó la actividad?", "Nombre de la actividad", "RUT", "Sexo"])
    for i, (start, comuna, sexo) in enumerate([(dt.datetime(2017, 10, 3, 9, 15, 2), "Ovalle", "Mujer"),
                                               (dt.datetime(2017, 10, 3, 9, 16, 40), "Ovalle", "Hombre"),
                                               (dt.datetime(2017, 10, 3, 9, 20, 0), "Ovalle", "Mujer")], start=1):
        ws.append([i, start, start + dt.timedelta(minutes=2), "anonymous", "", comuna, "Mesa técnica PRB",
                   None, sexo])
        ws.cell(ws.max_row, 2).number_format = "m/d/yy h:mm:ss"
    wb.save(path)
    return path


def test_google_forms_export_is_a_log_dated_by_its_timestamps(paths):
    google_forms_csv(paths.raw / "Asistencia jornadas (respuestas).csv")
    result = clean_year(paths, "Coquimbo")
    q = result.calidad
    assert q["filas_leidas"] == 4 and q["cuarentena"] == 0 and not q["archivos_rechazados"]
    acts = result.actividades.set_index("comuna")
    assert acts["asistencias"].to_dict() == {"Coquimbo": 3, "Andacollo": 1}
    assert str(acts.loc["Coquimbo", "fecha"].date()) == "2017-08-22"
    assert str(acts.loc["Andacollo", "fecha"].date()) == "2017-09-05"  # p. m. and GMT-3 do not matter
    assert by_sex(result) == {"Mujer": 2, "Hombre": 2}
    assert sorted(result.asistencias["edad"].tolist()) == [29, 34, 45, 51]
    assert q["columnas_desconocidas"] == []


def test_microsoft_forms_export_is_a_log_and_its_response_id_is_not_an_activity(paths):
    microsoft_forms_xlsx(paths.raw / "Asistencia mesa técnica.xlsx")
    result = clean_year(paths, "Coquimbo")
    q = result.calidad
    assert q["filas_leidas"] == 3 and q["cuarentena"] == 0
    # «Id» numbers the responses: the three are one activity, dated by «Hora de inicio»
    assert len(result.actividades) == 1
    act = result.actividades.iloc[0]
    assert (act["comuna"], str(act["fecha"].date()), act["asistencias"]) == ("Ovalle", "2017-10-03", 3)
    unknown = {c["columna"] for c in q["columnas_desconocidas"]}
    assert unknown == {"Id", "Hora de finalización", "Correo electrónico"}


def test_a_form_with_a_date_question_takes_the_date_from_it(paths):
    (paths.raw / "f.csv").write_text(
        '"Marca temporal","Fecha de la actividad","Comuna","Actividad","Sexo"\n'
        '"2017/12/01 9:00:00 a. m. GMT-3","28/11/2017","Ovalle","Taller","F"\n', encoding="utf-8")
    result = clean_year(paths, "Coquimbo")
    assert str(result.actividades["fecha"].iloc[0].date()) == "2017-11-28"
    assert {c["columna"] for c in result.calidad["columnas_desconocidas"]} == {"Marca temporal"}


def test_a_yes_no_question_never_makes_a_form_ambiguous(paths):
    """Two questions naming the same thing: the plain one is the column, the other is listed."""
    (paths.raw / "f.csv").write_text(
        '"Marca temporal","¿En qué comuna se realizó la actividad?","¿Nombre de la actividad?",'
        '"¿Es primera vez que asiste a una actividad?","¿Pertenece a alguna organización?","Sexo"\n'
        '"2017/12/01 9:00:00 a. m. GMT-3","Ovalle","Taller de barrio","Sí","No","F"\n', encoding="utf-8")
    result = clean_year(paths, "Coquimbo")
    assert result.calidad["archivos_rechazados"] == []
    assert result.actividades["actividad"].tolist() == ["Taller de barrio"]
    unknown = {c["columna"] for c in result.calidad["columnas_desconocidas"]}
    assert unknown == {"¿Es primera vez que asiste a una actividad?", "¿Pertenece a alguna organización?"}


@pytest.mark.slow  # starts LibreOffice: in make test, not in make test-rapido
@pytest.mark.skipif(shutil.which("soffice") is None, reason="sin LibreOffice (los archivos guardados bastan)")
def test_files_saved_by_libreoffice_today_read_the_same(tmp_path, paths):
    """With LibreOffice installed, the fixtures are made again and read to the same figures."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    maker.main(paths.raw)
    assert sorted(p.name for p in paths.raw.iterdir()) == ["lista-elqui-2017.ods", "lista-limari-2017.xls"]
    result = clean_year(paths, "Coquimbo")
    assert by_sex(result) == {"Mujer": 10, "Hombre": 5} and result.calidad["filas_leidas"] == 15
