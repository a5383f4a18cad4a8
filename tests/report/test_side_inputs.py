"""A bad plan, highlight or text file is a rejection, not a failure (issue 24): the year is
published without it, the quality report and the console say which file, why and what to do;
a photo left out is listed by its row; a failed balance still publishes the quality report.
"""
from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from tests.conftest import TEST_KEY
from pipeline import config
from pipeline.report import quality, side_inputs
from pipeline import stages
from pipeline.run import cli


@pytest.fixture
def paths(tmp_path, monkeypatch):
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    raw = tmp_path / "raw" / "2017"
    raw.mkdir(parents=True)
    (raw / "lista.csv").write_text("fecha;comuna;actividad;nombre;sexo\n10/07/2017;Coquimbo;Feria de vivienda;Ana Soto;F\n"
                                   "10/07/2017;Coquimbo;Feria de vivienda;Luis Rojas;M\n", encoding="utf-8")
    return config.paths(2017, raw_dir=tmp_path / "raw", processed_dir=tmp_path / "proc", out_dir=tmp_path / "out")


def bad_side_inputs(paths: config.Paths) -> None:
    """What an analyst's folder can hold: a plan that is a FIFO, a plan with a YAML error, a
    textos.yml with a colon inside a logro, highlights whose photos are missing or broken."""
    os.mkfifo(paths.plan_anio)
    paths.planes.mkdir()
    (paths.planes / "pmg.yml").write_text("periodo: 2017\ncompromisos:\n  - nombre: Sesiones: en comunas\n",
                                          encoding="utf-8")
    paths.textos.write_text("logros:\n  - Logramos: 3 talleres\n", encoding="utf-8")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="JPEG")
    (paths.raw / "buena.jpg").write_bytes(buffer.getvalue())
    (paths.raw / "rota.jpg").write_bytes(b"no es una imagen")
    paths.destacadas.write_bytes("fecha;comuna;titulo;linea;foto\n2017-07-10;Coquimbo;Feria;;buena.jpg\n"
                                 "2017-08-01;Ovalle;Cabildo;;no-existe.jpg\n2017-09-01;Ovalle;Taller;;rota.jpg\n"
                                 .encode("utf-16"))  # saved by Excel as «Texto Unicode»


def test_bad_side_inputs_are_listed_by_the_cleaning_and_the_year_still_cleans(paths):
    bad_side_inputs(paths)
    result = stages.clean_stage(paths, "Coquimbo")
    assert result.calidad["filas_validas"] == 2
    left_out = {(o["archivo"], o["fila"]): o for o in result.calidad["entradas_omitidas"]}
    assert set(left_out) == {("2017/plan-2017.yml", None), ("planes/pmg.yml", None), ("2017/textos.yml", None),
                             ("2017/destacadas.csv", 3), ("2017/destacadas.csv", 4)}
    assert "no es un archivo común" in left_out["2017/plan-2017.yml", None]["motivo"]
    assert "línea 3, columna 21" in left_out["planes/pmg.yml", None]["motivo"]
    assert "línea 2" in left_out["2017/textos.yml", None]["motivo"]
    assert "el archivo no existe" in left_out["2017/destacadas.csv", 3]["motivo"]
    assert "no es una imagen legible" in left_out["2017/destacadas.csv", 4]["motivo"]
    assert str(paths.raw_root) not in str(left_out)  # no machine path
    todo = quality.todo(result.calidad)
    lines = todo[todo["Archivo"] == "2017/destacadas.csv"]
    assert lines["Filas"].tolist() == ["3", "4"]
    assert all(t.startswith("No se usó: la foto de esta fila no se muestra") for t in lines["Qué pasa y qué hacer"])
    table = quality.side_inputs_left_out(result.calidad)
    assert len(table) == 5 and "balance se publica sin él" in table.iloc[0]["Qué hacer"]


def test_the_indicators_and_the_deck_are_made_without_them(paths):
    bad_side_inputs(paths)
    result = stages.clean_stage(paths, "Coquimbo")
    # the plans that cannot be used are left out: no exception, no plan keys
    tables = {2017: (result.actividades, result.asistencias, result.calidad)}
    assert stages.plan_keys(paths, "Coquimbo", stages.plan_evaluations(paths, "Coquimbo", tables)) == {}
    # textos.yml cannot be used: the deck's own texts
    textos = stages.balance_texts(paths, {"anio": 2017})
    assert textos.achievements is None and textos.paragraphs == {}
    # highlights decoded from UTF-16, their photos left out by row
    rows = side_inputs.usable_highlights(paths.destacadas)
    assert [r["titulo"] for r in rows] == ["Feria", "Cabildo", "Taller"]
    paths.destacadas.write_bytes(b"\x00\x01binario")
    assert side_inputs.usable_highlights(paths.destacadas) == []


def test_the_console_says_which_side_inputs_were_left_out(paths):
    bad_side_inputs(paths)
    stages.clean_stage(paths, "Coquimbo")
    lines = cli._left_out(paths)
    assert len(lines) == 5
    assert lines[0].startswith("Aviso: 2017/plan-2017.yml no se usó: no es un archivo común")
    assert any(line.startswith("Aviso: 2017/destacadas.csv, fila 3 no se usó: la foto de esta fila no se muestra")
               for line in lines)
    assert all(str(paths.calidad_html) in line for line in lines)


def test_a_photo_whose_name_the_screen_withholds_is_listed_by_its_row(paths):
    """A photo the deck cannot show because its file name was withheld as personal data is in
    the quality report by row (never only a Python warning inside a notebook)."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format="JPEG")
    (paths.raw / "IMG_20170412_103512.jpg").write_bytes(buffer.getvalue())
    paths.destacadas.write_text("fecha,comuna,titulo,linea,foto\n2017-04-12,Ovalle,Taller,,IMG_20170412_103512.jpg\n",
                                encoding="utf-8")
    withheld = side_inputs.check(paths, "Coquimbo", screen=lambda text: "[dato personal retirado]")
    assert [(o["archivo"], o["fila"]) for o in withheld] == [("2017/destacadas.csv", 2)]
    assert "su nombre de archivo contiene un dato personal" in withheld[0]["motivo"]
    assert side_inputs.check(paths, "Coquimbo") == []  # shown when the screen lets it through
