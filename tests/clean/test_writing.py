"""Writing data/processed/<year>/ (clean/writing.py): owner-only folders and files, the
quarantine as Excel in Chile opens it, all four files replaced together or none, and a full
or read-only folder as one Spanish line."""
from __future__ import annotations

import errno
import json
import os
import stat

import pandas as pd
import pytest

from pipeline import config
from pipeline.clean import writing
from pipeline.clean.year import CleanResult
from pipeline.errors import OutputNotWritable


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def open_umask():
    old = os.umask(0o022)  # the usual umask: new folders 0755 and files 0644 unless asked otherwise
    yield
    os.umask(old)


def result() -> CleanResult:
    actividades = pd.DataFrame({"clave_actividad": ["a", "b"], "comuna": pd.Categorical(["Ovalle", "Illapel"]),
                                "asistencias": [3, 1]})
    asistencias = pd.DataFrame({"persona": ["f" * 32, "e" * 32], "fila": pd.Series([2, 3], dtype="int64"),
                                "sexo": pd.Categorical(["Mujer", "Hombre"])})
    cuarentena = pd.DataFrame({"archivo": ["lista.csv"], "fila": [4], "motivo": ["fecha_invalida"],
                               "actividad": ["Reunión en Peñuelas"]})
    return CleanResult(actividades, asistencias, cuarentena, {"anio": 2017, "región": "Coquimbo", "filas_leidas": 3})


@pytest.fixture
def paths(tmp_path):
    return config.paths(2017, raw_dir=tmp_path / "raw", processed_dir=tmp_path / "proc", out_dir=tmp_path / "out")


def test_private_folder_makes_every_missing_folder_owner_only(tmp_path, open_umask):
    target = writing.private_folder(tmp_path / "a" / "b" / "c")
    assert target.is_dir()
    assert [mode(tmp_path / p) for p in ("a", "a/b", "a/b/c")] == [0o700] * 3
    (tmp_path / "abierta").mkdir(mode=0o755)
    writing.private_folder(tmp_path / "abierta")
    assert mode(tmp_path / "abierta") == 0o700  # an existing folder is tightened


def test_tighten_makes_folders_0700_and_files_0600_and_leaves_links(tmp_path, open_umask):
    root = tmp_path / "copia"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "tabla.parquet").write_bytes(b"x")
    (root / "calidad.json").write_text("{}")
    outside = tmp_path / "fuera.txt"
    outside.write_text("no es nuestro")
    os.chmod(outside, 0o644)
    (root / "enlace").symlink_to(outside)
    writing.tighten(root)
    assert mode(root) == mode(root / "sub") == 0o700
    assert mode(root / "sub" / "tabla.parquet") == mode(root / "calidad.json") == 0o600
    assert mode(outside) == 0o644  # a link is not followed
    writing.tighten(tmp_path / "no-existe")  # nothing to do, no error


def test_quarantine_csv_is_semicolon_separated_utf8_with_bom(tmp_path):
    path = tmp_path / "cuarentena.csv"
    writing.write_quarantine_csv(result().cuarentena, str(path))
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == ["archivo;fila;motivo;actividad",
                                                     "lista.csv;4;fecha_invalida;Reunión en Peñuelas"]


def test_write_puts_four_owner_only_files_that_read_back_the_same(paths, open_umask):
    res = result()
    writing.write(res, paths)
    for p in (paths.actividades, paths.asistencias, paths.cuarentena, paths.calidad):
        assert mode(p) == 0o600, p
    assert mode(paths.processed) == 0o700
    back = pd.read_parquet(paths.actividades)
    assert back["clave_actividad"].tolist() == ["a", "b"] and back["comuna"].astype(str).tolist() == ["Ovalle", "Illapel"]
    people = pd.read_parquet(paths.asistencias)
    assert people["persona"].tolist() == ["f" * 32, "e" * 32] and people["fila"].tolist() == [2, 3]
    assert people["sexo"].astype(str).tolist() == ["Mujer", "Hombre"]
    text = paths.calidad.read_text(encoding="utf-8")
    assert "región" in text and json.loads(text) == res.calidad  # accents written as they are
    assert sorted(p.name for p in paths.processed.iterdir()) == sorted(
        p.name for p in (paths.actividades, paths.asistencias, paths.cuarentena, paths.calidad))


def test_a_failed_write_leaves_the_previous_files_and_no_temporary_one(paths):
    writing.write(result(), paths)
    before = {p: p.read_bytes() for p in paths.processed.iterdir()}
    broken = result()
    broken.calidad = {"no se puede escribir": object()}  # not JSON: the fourth file fails
    broken.actividades = broken.actividades.assign(asistencias=[9, 9])
    with pytest.raises(TypeError):
        writing.write(broken, paths)
    assert {p: p.read_bytes() for p in paths.processed.iterdir()} == before


@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "el disco está lleno"),
                                         (errno.EROFS, "solo lectura"),
                                         (errno.EACCES, "no tiene permiso de escritura")])
def test_a_full_or_read_only_folder_is_one_spanish_line(tmp_path, code, words):
    with pytest.raises(OutputNotWritable) as caught:
        with writing.not_writable_as_spanish(tmp_path / "proc"):
            raise OSError(code, os.strerror(code))
    message = str(caught.value)
    assert str(tmp_path / "proc") in message and words in message and "\n" not in message


def test_other_os_errors_pass_through_and_the_folder_can_be_chosen_from_the_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        with writing.not_writable_as_spanish(tmp_path):
            raise FileNotFoundError(errno.ENOENT, "no existe")
    with pytest.raises(OutputNotWritable) as caught:
        with writing.not_writable_as_spanish(lambda exc: tmp_path / exc.filename):
            raise OSError(errno.ENOSPC, "lleno", "salidas")
    assert caught.value.folder == tmp_path / "salidas"
