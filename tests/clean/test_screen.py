"""The personal-data screen: RUT-shaped tokens in any format, attendees' names (whole, or two
words in a row; case, accents and particles ignored), the index stored as keyed hashes only,
and the places of withheld values recorded at cleaning (file, sheet, row), never the values."""
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
])
def test_rut_shaped_tokens_are_withheld_valid_or_not(text):
    assert screen.rut_only()(text) == screen.WITHHELD


@pytest.mark.parametrize("text", ["Taller 2019", "2019-10-10", "Sesión 12", "Fono 2 2345", "Plan 2020-2021",
                                  "Jornada 1.500 viviendas"])
def test_ordinary_numbers_pass(text):
    assert screen.rut_only()(text) == text


def _screen(*names: str) -> screen.Screen:
    return screen.Screen(screen.fingerprints(names, KEY), KEY)


def test_names_whole_or_two_words_in_a_row_accents_and_case_ignored():
    s = _screen("Ximena Albornoz Cárcamo", "María de los Ángeles Rojas")
    for text in ["Ximena Albornoz Cárcamo", "XIMENA ALBORNOZ CARCAMO", "Visita de albornoz  cárcamo",
                 "Junta Ximena-Albornoz", "Comité María de los Ángeles", "maria angeles", "Ángeles Rojas"]:
        assert s(text) == screen.WITHHELD, text
    for text in ["Ximena", "Taller Albornoz", "Ximena Cárcamo", "Taller de los vecinos", "Junta de Vecinos Ovalle",
                 "Los Ángeles"]:
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
    from pipeline.clean import year as clean

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

    monkeypatch.setattr(clean, "check_accounting", broken)
    with pytest.raises(RuntimeError):
        clean_year(paths, "Coquimbo")
    assert screen.index_path(paths).read_bytes() == before  # the old index stays with the old tables
    monkeypatch.undo()
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    clean_year(paths, "Coquimbo")
    assert screen.index_path(paths).read_bytes() != before
