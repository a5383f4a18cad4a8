"""The personal-data screen: RUT-shaped numbers in any format (with the documented exceptions:
dates, phones with their prefix, amounts with `$`, photo names, code columns), attendees' names
(two or more words in any order within four words, glued, case, accents, punctuation, soft
hyphens and particles ignored), the index stored as keyed hashes only, and the places of
withheld values recorded at cleaning (file, sheet, row), never the values."""
from __future__ import annotations

import json
import stat

import pytest

from pipeline import config
from pipeline.clean import screen, screen_messages
from pipeline.clean.year import clean_year
from tests.conftest import TEST_KEY, year_csv

KEY = TEST_KEY.encode()


@pytest.mark.parametrize("text", [
    "12.345.678-5", "12345678-5", "123456785", "12.345.678-K", "1.234.567-k", "12 345 678 5",
    "Taller (RUT 8.765.432-K)", "rut:12345678k", "12.345.678 - 0", "99.999.999-9",
    # without check digit, after RUT/RUN, glued to letters, invisible characters inside
    "8.802.188", "8802188", "RUN 8.802.188", "RUT8802188-6", "Firma Tralma 7.531.598", "rut8802188",
    "8.802\u00ad.188-6", "lista 8802188.csv", "RUTs: 8802188,9123456", "Reunión 20190412",
    "12 345 678", "IMG_8802188.jpg", "Fono 988021886",
])
def test_rut_shaped_numbers_are_withheld_valid_or_not(text):
    assert screen.rut_only()(text) == screen.WITHHELD


@pytest.mark.parametrize("text", [
    "Taller 2019", "2019-10-10", "Sesión 12", "Fono 2 2345", "Plan 2020-2021", "Jornada 1.500 viviendas",
    "Proyecto 123456",  # six digits: below the RUT range
    # a whole text that is a date; a phone with its prefix; an amount with $
    "20190412", "12042019", "12.04.2019", "+56 9 8802 1886", "+56988021886", "(+56) 9 8802 1886",
    "Contacto +56 51 220 1234", "Subsidio de $8.802.188", "$ 8802188", "Monto $12.345.678,50",
    # camera and phone photo names
    "IMG_20190412_103512.jpg", "DSC_0012.JPG", "DSCN1234.JPG", "WhatsApp Image 2019-04-12 at 10.35.12.jpeg",
    "IMG-20190412-WA0012.jpg", "PXL_20190412_103512345.jpg", "20190412_103512.jpg",
    "Screenshot_20190412-103512.png", "VID_20190412_103512.mp4",
    "huella de la clave 9fa1234567fc3081",  # a hexadecimal fingerprint (run.log)
])
def test_documented_exceptions_pass(text):
    assert screen.rut_only()(text) == text


def test_a_code_column_keeps_its_numbers_but_not_a_rut():
    s = screen.rut_only()
    assert not s.hit("ACT-2019-1234567", code=True) and s.hit("ACT-2019-1234567")
    for text in ["A-8.802.188", "RUT 8802188", "8802188-6", "A-8802188-6"]:
        assert s.hit(text, code=True), text
    names = _screen("Rigoberto Tralma")
    assert names.hit("ACT Tralma Rigoberto 1234567", code=True)
    assert names.tree({"id_actividad": "ACT-2019-1234567", "actividad": "ACT-2019-1234567"}) == \
        {"id_actividad": "ACT-2019-1234567", "actividad": screen.WITHHELD}


def test_rut_replaced_in_a_message_keeps_the_rest():
    assert screen.replace_ruts("fila 3: RUT8802188-6 y +56 9 8802 1886") == \
        f"fila 3: RUT{screen.WITHHELD} y +56 9 8802 1886"


def _screen(*names: str) -> screen.Screen:
    return screen.Screen(screen.fingerprints(names, KEY), KEY)


ATTENDEES = ("María José Huenchumil Aldunate", "Ximena Zorrilla Quintrequeo", "Rigoberto Tralma Soto",
             "Bernardita Llancaqueo Pincheira", "Rigoberto Caniullan")


@pytest.mark.parametrize("text", [
    "Taller con Ximena Quintrequeo", "Visita de María Huenchumil", "Tralma, Rigoberto", "Llancaqueo Bernardita",
    "BernarditaPincheira", "bernarditapincheira", "Bernar\u00addita Pin\u00adcheira", "Bernardita\u200bPincheira",
    "MaríaJoséHuenchumil", "lista Tralma Rigoberto.csv", "Obs Rigoberto Caniullan", "Encargada: Bernardita Llancaqueo",
    "Firma Tralma, Rigoberto", "HUENCHUMIL, MARÍA JOSÉ", "Aldunate con María", "Quintrequeo y la vecina Ximena",
    "Tralma,Rigoberto", "Sra. Huenchumil-Aldunate", "Taller María José",
])
def test_name_variants_of_one_attendee_are_withheld(text):
    plain_index = screen.name_index(ATTENDEES)
    prints = screen.fingerprints(plain_index, KEY)
    assert screen.Screen(prints, KEY)(text) == screen.WITHHELD
    assert screen.Screen(prints, KEY, names=plain_index).hits([text]) == [True]  # the cleaning's lookup


@pytest.mark.parametrize("text", [
    "Huenchumil", "Taller Pincheira", "Visita a Rigoberto",  # one word of a longer name alone
    "Ximena fue con las vecinas a la villa Quintrequeo",  # two words of a name farther than four words apart
    "María Caniullan",  # words of two different attendees
    "Taller de vivienda", "Comité Los Aromos",
])
def test_one_word_or_words_far_apart_or_of_two_people_pass(text):
    assert _screen(*ATTENDEES)(text) == text


def test_names_accents_case_and_particles_ignored():
    s = _screen("Ximena Albornoz Cárcamo", "María de los Ángeles Rojas")
    for text in ["Ximena Albornoz Cárcamo", "XIMENA ALBORNOZ CARCAMO", "Visita de albornoz  cárcamo",
                 "Junta Ximena-Albornoz", "Comité María de los Ángeles", "maria angeles", "Ángeles Rojas",
                 "Ximena Cárcamo", "Cárcamo, Ximena"]:
        assert s(text) == screen.WITHHELD, text
    for text in ["Ximena", "Taller Albornoz", "Taller de los vecinos", "Junta de Vecinos Ovalle", "Los Ángeles"]:
        assert s(text) == text, text


def test_official_names_are_never_withheld():
    s = _screen("Pedro Río Hurtado", "Ana Monte Patria")
    assert s("Río Hurtado") == "Río Hurtado" and s("Monte Patria") == "Monte Patria"
    assert s("Taller Río Hurtado") == screen.WITHHELD  # beyond the official name, it is a name


def test_tree_screens_keys_and_values_and_merges_counts():
    s = _screen("Ximena Albornoz")
    seen = []
    out = s.tree({"linea": {"Barrios": 3, "Ximena Albornoz": 2, "12.345.678-5": 1},
                  "titulos": ["ok", "con Ximena Albornoz"], "n": 4}, seen.append)
    assert out == {"linea": {"Barrios": 3, screen.WITHHELD: 3}, "titulos": ["ok", screen.WITHHELD], "n": 4}
    assert "titulos[1]" in seen and all("Ximena" not in w and "345" not in w for w in seen)


def test_index_holds_no_name_and_is_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    (tmp_path / "raw").mkdir()
    raw = year_csv(tmp_path / "raw", "lista.csv",
                   "fecha,comuna,actividad,linea,organizacion,nombre,rut,sexo,edad\n"
                   "2017-05-02,Ovalle,Taller Ximena Albornoz,Barrios,JJVV Uno,Ximena Albornoz Cárcamo,,F,44\n"
                   "2017-05-02,Ovalle,Taller Ximena Albornoz,Barrios,JJVV Uno,Pedro Soto,,M,30\n"
                   "2017-05-03,Ovalle,Taller dos,Pedro Soto,12.345.678-5,Luis Pérez,,M,30\n")
    paths = config.paths(2017, "Coquimbo", raw.parent, tmp_path / "p", tmp_path / "o")
    result = clean_year(paths, "Coquimbo")
    data = paths.nombres_huellas.read_bytes()
    assert stat.S_IMODE(paths.nombres_huellas.stat().st_mode) == 0o600
    for word in (b"ximena", b"albornoz", b"Ximena", b"soto", b"perez"):
        assert word not in data.lower()
    places = result.calidad["datos_personales_retirados"]
    found = {(p["archivo"], p["columna"], tuple(p["filas"])) for p in places}
    assert ("lista.csv", "actividad", (2, 3)) in found
    assert ("lista.csv", "linea", (4,)) in found and ("lista.csv", "organizacion", (4,)) in found
    text = json.dumps(result.calidad, ensure_ascii=False) + paths.calidad.read_text(encoding="utf-8")
    assert "Ximena" not in text and "Soto" not in text and "345" not in text
    # a later stage reads the same screen back
    s = screen.for_year(paths)
    assert s("Reunión con Pedro Soto") == screen.WITHHELD and s("Reunión con Pedro") == "Reunión con Pedro"


def test_file_and_sheet_names_with_personal_data_are_located_by_position(tmp_path, monkeypatch):
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    body = "fecha,comuna,actividad,nombre,sexo\n2017-05-02,Ovalle,Taller,Ana Díaz,F\n"
    (tmp_path / "raw").mkdir()
    raw = year_csv(tmp_path / "raw", "a.csv", body)
    (raw / "lista de Ana Díaz 12345678-5.csv").write_text(body, encoding="utf-8")
    paths = config.paths(2017, "Coquimbo", raw.parent, tmp_path / "p", tmp_path / "o")
    calidad = clean_year(paths, "Coquimbo").calidad
    text = json.dumps(calidad, ensure_ascii=False)
    assert "Díaz" not in text and "12345678" not in text
    assert any("archivo n.º 2" in p["archivo"] for p in calidad["datos_personales_retirados"])


def test_message_keeps_the_sentence_and_withholds_the_value(tmp_path):
    line = "Falló la etapa «balance»: ValueError en la celda 'Taller 12.345.678-5'"
    out = screen_messages.message(line)
    assert "12.345.678" not in out and out.startswith("Falló la etapa «balance»")


def test_failed_notebook_copy_and_message_are_screened(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="celda 'Taller 12.345.678-5'",
                                           traceback=["ValueError: celda 'Taller 12.345.678-5'"]),
                    nbformat.v4.new_output("stream", name="stderr", text="aviso 8765432-K\n"),
                    nbformat.v4.new_output("display_data", data={"text/plain": "98.765.432-1",
                                                                 "image/png": "iVBORw0KGgo"})]
    nb.cells.append(cell)
    path = tmp_path / "copia.ipynb"
    nbformat.write(nb, path)
    out = screen_messages.failure("ValueError: celda 'Taller 12.345.678-5'", path, None)
    text = path.read_text(encoding="utf-8")
    assert "345.678" not in out and "345.678" not in text and "8765432" not in text and "765.432" not in text
    assert "iVBORw0KGgo" in text and screen.WITHHELD in text


def test_a_full_memo_of_lookup_keys_is_emptied_without_losing_a_lookup(monkeypatch):
    monkeypatch.setattr(screen, "MEMO_KEYS", 10)
    s = _screen("Ximena Albornoz Cárcamo")
    texts = [f"palabra{i} otra{i}" for i in range(40)]
    assert s.hits(texts) == [False] * 40
    assert s.hits(["palabra1 otra1", "Visita de Albornoz Cárcamo"]) == [False, True]
    assert s.hit("Ximena Albornoz") and not s.hit("palabra3 otra3")


def test_the_name_index_is_replaced_only_when_the_cleaning_succeeds(tmp_path, monkeypatch):

    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    (tmp_path / "raw").mkdir()
    raw = year_csv(tmp_path / "raw", "lista.csv",
                   "fecha;comuna;actividad;nombre;rut;sexo\n05/03/2017;Ovalle;Taller;Ximena Albornoz;12.345.678-5;F\n")
    paths = config.paths(2017, "Coquimbo", raw.parent, tmp_path / "p", tmp_path / "o")
    clean_year(paths, "Coquimbo")
    before = screen.index_path(paths).read_bytes()
    (raw / "lista.csv").write_text("fecha;comuna;actividad;nombre;rut;sexo\n"
                                   "05/03/2017;Ovalle;Taller;Pedro Muñoz Vera;7.654.321-6;M\n", encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("cuadratura")

    monkeypatch.setattr("pipeline.clean.year.check_accounting", broken)
    with pytest.raises(RuntimeError):
        clean_year(paths, "Coquimbo")
    assert screen.index_path(paths).read_bytes() == before  # the old index stays with the old tables
    monkeypatch.undo()
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    clean_year(paths, "Coquimbo")
    assert screen.index_path(paths).read_bytes() != before


def test_processed_files_are_owner_only_whatever_the_umask(tmp_path, monkeypatch):
    """Under umask 022, the cleaning, the name index, the marker and the stage cache give
    folders 0700 and files 0600 under data/processed/ (an earlier run's loose file is tightened)."""
    import os

    from pipeline import stages
    from pipeline.run import cache

    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    (tmp_path / "raw").mkdir()
    raw = year_csv(tmp_path / "raw", "lista.csv",
                   "fecha,comuna,actividad,nombre,rut,sexo\n2017-05-02,Ovalle,Taller,Ana Díaz,12.345.678-5,F\n")
    processed = tmp_path / "datos" / "processed"
    paths = config.paths(2017, "Coquimbo", raw.parent, processed, tmp_path / "o")
    previous = os.umask(0o022)
    try:
        processed.mkdir(parents=True)
        (processed / "viejo.txt").write_text("de una versión anterior")
        stages.clean_stage(paths, "Coquimbo")  # the cleaning, the name index and the marker
        out = tmp_path / "o" / "2017"
        out.mkdir(parents=True)
        (out / "indicadores.json").write_text("{}")
        (out / "notebooks").mkdir()
        (out / "notebooks" / "01_limpieza.ipynb").write_text("{}")
        cache.StageCache(paths, "indicadores", "0" * 64).store(
            out, [out / "indicadores.json", out / "notebooks" / "01_limpieza.ipynb"])
    finally:
        os.umask(previous)
    found = {p.relative_to(processed).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in processed.rglob("*")}
    assert {"2017/actividades.parquet", "2017/asistencias.parquet", "2017/calidad.json", "2017/cuarentena.csv",
            "2017/nombres.huellas", ".cache/2017/procesado.huella", "viejo.txt",
            ".cache/2017/indicadores-00000000000000000000000000000000/notebooks/01_limpieza.ipynb"} <= set(found)
    loose = {name: oct(mode) for name, mode in found.items()
             if mode != (0o700 if (processed / name).is_dir() else 0o600)}
    assert loose == {} and stat.S_IMODE(processed.stat().st_mode) == 0o700


def test_log_lines_pass_the_years_screen(tmp_path, monkeypatch):
    """run.log and the console: a record naming a file after an attendee, or a RUT, leaves
    screened; the rest of the line stays readable."""
    import logging

    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    (tmp_path / "raw").mkdir()
    raw = year_csv(tmp_path / "raw", "a.csv", "fecha,comuna,actividad,nombre,sexo\n"
                                              "2017-05-02,Ovalle,Taller,Rigoberto Tralma Soto,M\n")
    paths = config.paths(2017, "Coquimbo", raw.parent, tmp_path / "p", tmp_path / "o")
    clean_year(paths, "Coquimbo")
    record = logging.LogRecord("pipeline", logging.INFO, __file__, 1, "Leyendo «%s» (fila %s, RUT %s)",
                               ("lista Tralma Rigoberto.csv", 3, "8802188"), None)
    assert screen_messages.ScreenFilter(paths).filter(record)
    text = record.getMessage()
    assert "Tralma" not in text and "8802188" not in text and text.startswith("Leyendo ") and "fila 3" in text


def test_a_successful_notebook_keeps_its_displays_and_screens_what_it_printed(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="aviso: RUT8802188-6 en la fila 4\n"),
                    nbformat.v4.new_output("display_data", data={"text/html": "<td>1.234.567 filas</td>"})]
    nb.cells.append(cell)
    path = tmp_path / "01.ipynb"
    nbformat.write(nb, path)
    screen_messages.scrub_notebook(path, None, streams_only=True)
    text = path.read_text(encoding="utf-8")
    assert "8802188" not in text and "en la fila 4" in text and "1.234.567 filas" in text


def test_an_index_of_an_earlier_version_is_never_trusted(tmp_path, monkeypatch):
    """An index written by an earlier version (consecutive pairs only) would let «Tralma,
    Rigoberto» through: the stages stop and ask for the cleaning, which writes it anew."""
    from pipeline import stages
    from pipeline.errors import StaleProcessed

    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    (tmp_path / "raw").mkdir()
    raw = year_csv(tmp_path / "raw", "a.csv", "fecha,comuna,actividad,nombre,sexo\n"
                                              "2017-05-02,Ovalle,Taller,Rigoberto Tralma Soto,M\n")
    paths = config.paths(2017, "Coquimbo", raw.parent, tmp_path / "p", tmp_path / "o")
    paths.nombres_huellas.parent.mkdir(parents=True)
    paths.nombres_huellas.write_bytes(b"huellas-nombres-v1\n" + bytes(32))  # consecutive pairs only
    with pytest.raises(StaleProcessed, match="versión anterior.*limpiar --anio 2017"):
        screen.for_year(paths)
    stages.clean_stage(paths, "Coquimbo")
    assert screen.for_year(paths)("Tralma, Rigoberto") == screen.WITHHELD
