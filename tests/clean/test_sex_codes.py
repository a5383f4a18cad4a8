"""The letter M read per file (issue 24, data contract §3): H/M sheets (M = Mujer), F/M sheets
(M = Hombre), and sheets that do not tell, asked in the quality report. Files are built the
way offices make them: an Excel list with a title block, a cp1252 CSV.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import by_sex
from pipeline.clean import sex_codes
from pipeline.clean.year import clean_year
from pipeline.indicators import annual
from pipeline.report import quality


def hm_workbook(path: Path, title: str | None = "Sexo: H = Hombre, M = Mujer", letters=("M", "M", "H"),
                n: int = 30, comuna: str = "Illapel") -> Path:
    """An office's Excel list: a title block (with the note on the codes), then the table."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Asistencia"
    ws.append(["SERVIU Región de Coquimbo — Provincia de Choapa"])
    if title:
        ws.append([title])
    ws.append([])
    ws.append(["Fecha", "Actividad", "Comuna", "Nombre", "RUT", "Sexo", "Edad"])
    for i in range(n):
        ws.append([dt.datetime(2017, 5, 10), "Reunión comité Los Aromos", comuna, f"Persona {i}", None,
                   letters[i % len(letters)], 30 + i % 40])
    wb.save(path)
    return path


def fm_csv(path: Path, rows: list[str]) -> Path:
    """A CSV as Excel saves it in Chile: `;`, Windows-1252."""
    lines = ["fecha;comuna;actividad;nombre;sexo"] + [f"03/04/2017;Ovalle;Taller Ñuñoa;Persona {i};{s}"
                                                       for i, s in enumerate(rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def test_title_note_h_m_reads_m_as_mujer(paths):
    hm_workbook(paths.raw / "choapa.xlsx")  # 20 M, 10 H
    result = clean_year(paths, "Coquimbo")
    assert by_sex(result) == {"Mujer": 20, "Hombre": 10}
    [lectura] = result.calidad["sexo_lecturas"]
    assert (lectura["archivo"], lectura["lectura"], lectura["m_es"], lectura["filas_m"]) == \
        ("choapa.xlsx", "H/M", "Mujer", 20)
    assert "Sexo: H" not in str(result.calidad["sexo_no_reconocido"])  # H is no longer «no reconocido»
    assert result.calidad["sexo_no_reconocido"] == []
    table = quality.sex_readings(result.calidad)
    assert table.iloc[0]["M se leyó como"].startswith("Mujer")
    assert "título o encabezado" in table.iloc[0]["Por qué"]


def test_values_h_and_m_without_note_read_m_as_mujer(paths):
    hm_workbook(paths.raw / "choapa.xlsx", title=None)
    result = clean_year(paths, "Coquimbo")
    assert by_sex(result) == {"Mujer": 20, "Hombre": 10}
    assert result.calidad["sexo_lecturas"][0]["razon"] == "la planilla usa H y M, sin F"


def test_f_and_m_read_m_as_hombre(paths):
    fm_csv(paths.raw / "limari.csv", ["F", "M", "F", "Mujer", "m"])
    result = clean_year(paths, "Coquimbo")
    assert by_sex(result) == {"Mujer": 3, "Hombre": 2}
    [lectura] = result.calidad["sexo_lecturas"]
    assert (lectura["lectura"], lectura["m_es"]) == ("F/M", "Hombre")


def test_header_says_h_m(paths):
    # the column's title carries the note, and is still the sexo column
    (paths.raw / "elqui.csv").write_bytes("fecha;comuna;actividad;Sexo (H/M);Edad (años)\n"
                                          "03/04/2017;Vicuña;Taller;M;40\n03/04/2017;Vicuña;Taller;M;41\n"
                                          .encode("cp1252"))
    result = clean_year(paths, "Coquimbo")
    assert by_sex(result) == {"Mujer": 2}
    assert result.asistencias["edad"].tolist() == [40, 41]
    assert result.calidad["columnas_desconocidas"] == []


def test_f_h_and_m_in_one_file_is_asked_not_guessed(paths):
    fm_csv(paths.raw / "mezcla.csv", ["F", "H", "M", "M", "Mujer"])
    result = clean_year(paths, "Coquimbo")
    # the rows keep their place (valid, counted), their sex is unknown
    assert result.calidad["filas_validas"] == 5
    assert by_sex(result) == {"Sin información": 2, "Mujer": 2, "Hombre": 1}
    [lectura] = result.calidad["sexo_lecturas"]
    assert lectura["lectura"] == "ambigua" and lectura["filas"] == [4, 5]
    todo = quality.todo(result.calidad)
    [line] = [t for t in todo["Qué pasa y qué hacer"] if "indique qué significa M" in t]
    assert line.startswith("Esta planilla usa F, H y M: indique qué significa M.")
    assert "2 filas con M se contaron como «Sin información»" in line
    assert todo[todo["Qué pasa y qué hacer"] == line]["Filas"].tolist() == ["4, 5"]
    # not reported twice as an unrecognised value
    assert result.calidad["sexo_no_reconocido"] == []


def test_only_m_and_nothing_that_tells_is_ambiguous(paths):
    fm_csv(paths.raw / "solo-m.csv", ["M", "M", "Hombre"])
    result = clean_year(paths, "Coquimbo")
    assert by_sex(result) == {"Sin información": 2, "Hombre": 1}
    assert "nada en ella dice" in result.calidad["sexo_lecturas"][0]["razon"]
    todo = quality.todo(result.calidad)
    assert any(t.startswith("Esta planilla usa M (nada en ella dice si M es Mujer u Hombre: no tiene F ni H, ni "
                            "una nota como «Sexo: H = Hombre, M = Mujer»): indique qué significa M.")
               for t in todo["Qué pasa y qué hacer"])


def test_note_contradicting_values_is_ambiguous(paths):
    hm_workbook(paths.raw / "x.xlsx", title="Sexo: F = Femenino, M = Masculino", letters=("M", "H"), n=4)
    result = clean_year(paths, "Coquimbo")
    assert result.calidad["sexo_lecturas"][0]["lectura"] == "ambigua"
    assert by_sex(result) == {"Sin información": 2, "Hombre": 2}
    todo = quality.todo(result.calidad)
    assert any(t.startswith("Esta planilla usa H y M (la nota de la planilla dice F/M, pero sus valores usan H/M): "
                            "indique qué significa M.") for t in todo["Qué pasa y qué hacer"])


def test_year_mixing_f_m_and_h_m_sheets_publishes_the_true_share_of_women(paths):
    """The reproduction of issue 24: Choapa's H/M sheet beside F/M sheets of other provinces."""
    hm_workbook(paths.raw / "choapa.xlsx", n=30)                  # 20 women (M), 10 men (H)
    fm_csv(paths.raw / "limari.csv", ["F"] * 7 + ["M"] * 3)       # 7 women, 3 men
    result = clean_year(paths, "Coquimbo")
    ind = annual.compute(result.actividades, result.asistencias, result.calidad, 2017, "Coquimbo")
    assert (ind["mujeres"], ind["hombres"], ind["sexo_sin_informacion"]) == (27, 13, 0)
    assert ind["pct_mujeres"] == 67.5
    # Choapa's attendances as the cleaning counted them (no count of women or men below the
    # region is published: issue 22), and its published share of distinct women where shown
    choapa = annual.por_sexo(result.actividades[result.actividades["provincia"] == "Choapa"])
    assert (choapa["mujeres"], choapa["hombres"]) == (20, 10)
    assert ind["pct_mujeres_por_provincia"]["Choapa"] in (66.67, None)
    readings = {g["archivo"]: g["lectura"] for g in result.calidad["sexo_lecturas"]}
    assert readings == {"choapa.xlsx": "H/M", "limari.csv": "F/M"}


@pytest.mark.parametrize("text, says", [
    ("Sexo: H = Hombre, M = Mujer", {"H/M"}),
    ("SEXO (H/M)", {"H/M"}),
    ("Sexo: M=Mujer H=Hombre", {"H/M"}),
    ("Sexo: F = Femenino, M = Masculino", {"F/M"}),
    ("Sexo (F/M)", {"F/M"}),
    ("Sexo M/F", {"F/M"}),
    ("Lista de asistencia taller Hombres y Mujeres", set()),
    ("Fecha | Comuna | Nombre | RUT | Sexo | Edad", set()),
])
def test_notes_say(text, says):
    assert sex_codes.notes_say([text]) == says
