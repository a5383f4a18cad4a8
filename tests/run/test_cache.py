"""Incremental runs: unchanged stages are reused, --force recomputes, a changed raw file
re-runs exactly what depends on it."""
import shutil

import pytest

from pipeline import config
from tests.conftest import OTHER_KEY, TEST_KEY, log_of, run_cli, small_years, year_csv

pytestmark = pytest.mark.slow


def _reused(paths) -> set[str]:
    log = paths.run_log.read_text(encoding="utf-8")
    return {s for s in ("limpieza", "indicadores", "balance") if f"Etapa {s} sin cambios" in log}


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    base = tmp_path_factory.mktemp("cache")
    (base / "raw").mkdir()
    small_years(base / "raw")
    args = ["--raw-dir", str(base / "raw"), "--processed-dir", str(base / "proc"),
            "--out-dir", str(base / "out"), "-q", "--sin-pdf"]
    paths = config.paths(2017, "Coquimbo", base / "raw", base / "proc", base / "out")
    return base, args, paths


def _run(args, year="2017", *extra):
    out = run_cli("run", "--year", year, *args, *extra, env={"BALANCE_CLAVE": TEST_KEY})
    assert out.returncode == 0, out.stderr[-2000:]


def test_second_run_reuses_every_stage(tree):
    base, args, paths = tree
    _run(args)
    assert _reused(paths) == set()
    first = paths.indicadores_json.read_bytes()
    _run(args)
    assert _reused(paths) == {"limpieza", "indicadores", "balance"}
    assert paths.indicadores_json.read_bytes() == first
    assert paths.balance_html.exists() and paths.calidad_html.exists() and paths.lectura_html.exists()
    # the reused deck stage brings back its section of the quality report (2017's texts contradict its logs)
    assert "8 Escuelas de dirigentes" in paths.calidad_html.read_text(encoding="utf-8")


def _to_run(paths, force=False, key=TEST_KEY, **settings) -> set[str]:
    """The stages a run with these settings would execute now (the runner's own decision)."""
    import os
    from unittest import mock

    from pipeline.run import cache

    base = {"region": "Coquimbo", "umbral_celdas": 5, "pdf": False}
    with mock.patch.dict(os.environ, {"BALANCE_CLAVE": key}):  # by default the key the runs used
        _, to_run = cache.stages_to_run(paths, cache.Settings(**{**base, **settings}),
                                        ("limpieza", "indicadores", "balance"), force=force)
    return set(to_run)


def test_force_recomputes(tree):
    base, args, paths = tree
    assert _to_run(paths) == set()  # after the runs above, nothing left to do…
    assert _to_run(paths, force=True) == {"limpieza", "indicadores", "balance"}  # …unless forced


def test_changed_previous_year_and_new_threshold_rerun_only_what_depends_on_them(tree):
    """Each change alone re-runs the indicators and the deck, not the cleaning (the runner's
    own decision); then one real run of stages 1-2 with both (`indicators`: the deck adds
    nothing here): 2017's cleaning is reused, the runner cleans 2016 again before the
    indicators (stage 2 itself never cleans), and BALANCE_UMBRAL_CELDAS=10 is published without
    --force (the injected parameters cell says so); run.log names every setting, never the key."""
    import json

    base, args, paths = tree
    assert _to_run(paths, umbral_celdas=10) == {"indicadores", "balance"}  # the threshold alone
    marker = base / "proc" / ".cache" / "2016" / "procesado.huella"
    before = marker.read_text()
    # 2016 is 2017's previous year: its logs feed 2017's indicators, not 2017's cleaning
    victim = sorted(p for p in (base / "raw" / "2016").iterdir() if p.suffix == ".csv")[0]
    victim.write_bytes(victim.read_bytes() + b"\n")
    assert _to_run(paths) == {"indicadores", "balance"}  # the previous year alone
    out = run_cli("indicators", "--year", "2017", *args, env={"BALANCE_CLAVE": TEST_KEY, "BALANCE_UMBRAL_CELDAS": "10"})
    assert out.returncode == 0, out.stderr[-2000:]
    log = paths.run_log.read_text(encoding="utf-8")
    assert "Etapa indicadores lista" in log and "Etapa indicadores sin cambios" not in log
    assert "Limpiando 2016" in log and "Limpiando 2017" not in log  # 2017's own tables are reused
    assert marker.read_text() != before  # 2016's tables were rebuilt from its new logs
    ind = json.loads(paths.indicadores_json.read_text(encoding="utf-8"))
    assert ind["umbral_celdas_pequenas"] == 10
    executed = (paths.notebooks_out / "02_indicadores.ipynb").read_text(encoding="utf-8")
    assert "umbral_celdas = 10" in executed  # the injected parameters cell says so
    assert "umbral de celdas pequeñas 10" in log and "región Coquimbo" in log
    assert "huella de la clave de seudonimización" in log and TEST_KEY not in log
    assert str(base / "raw" / "2017") in log


def test_changed_raw_file_of_the_year_reruns_all_its_stages(tree):
    base, args, paths = tree
    victim = sorted(p for p in (base / "raw" / "2017").iterdir() if p.suffix == ".csv")[0]
    original = victim.read_bytes()
    victim.write_bytes(original + b"\n")
    assert _to_run(paths) == {"limpieza", "indicadores", "balance"}
    victim.write_bytes(original)


def test_changed_highlights_rerun_every_stage_of_the_year(tree):
    """The quality report checks destacadas.csv (and plans, textos.yml, photos): it is made again
    with the indicators and the deck, so it never lists a problem already fixed."""
    base, args, paths = tree
    highlights = base / "raw" / "2017" / "destacadas.csv"
    original = highlights.read_text(encoding="utf-8")
    highlights.write_text(original + "\n", encoding="utf-8")
    # the quality report checks the side inputs: all three stages of the year run again
    assert _to_run(paths) == {"limpieza", "indicadores", "balance"}
    highlights.write_text(original, encoding="utf-8")


def test_fingerprint_covers_exactly_the_files_cleaning_reads(tmp_path):
    from pipeline.clean import processed
    from pipeline.run import cache
    from pipeline.ingest import files

    raw = tmp_path / "raw" / "2017"
    (raw / "sub").mkdir(parents=True)
    for name in ["a.xlsx", "sub/b.csv", "destacadas.csv", "foto.png", "plan-2017.yml", "~$a.xlsx", ".oculto.csv"]:
        (raw / name).write_bytes(b"x")
    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")
    assert cache.log_files(paths) == files.log_files(raw) == [raw / "a.xlsx", raw / "sub" / "b.csv"]
    assert raw / "sub" / "b.csv" not in cache.side_files(paths)
    assert raw / "destacadas.csv" in cache.side_files(paths)
    before = processed.clean_key(paths, "Coquimbo")
    (raw / "sub" / "b.csv").write_bytes(b"y")  # a log in a subfolder changes the cleaning's fingerprint
    assert processed.clean_key(paths, "Coquimbo") != before


def test_file_digest_is_read_once_but_follows_every_change(tmp_path):
    """Digests are remembered per process while a file is unchanged; a changed file, even of
    the same size, is read again."""
    import os

    from pipeline import fingerprint

    log = tmp_path / "lista.csv"
    log.write_text("fecha,comuna\n2017-05-02,Ovalle\n", encoding="utf-8")
    first = fingerprint.file_digest(log)
    hits = fingerprint._contents_digest.cache_info().hits
    assert fingerprint.file_digest(log) == first
    assert fingerprint._contents_digest.cache_info().hits == hits + 1  # not read again
    st = log.stat()
    log.write_text("fecha,comuna\n2017-05-03,Ovalle\n", encoding="utf-8")  # same size
    os.utime(log, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert log.stat().st_size == st.st_size
    assert fingerprint.file_digest(log) != first


# ---------------------------------------------------------------- every setting is an input

def _keys(paths, **settings):
    from pipeline.run import cache

    base = {"region": "Coquimbo", "umbral_celdas": 5, "pdf": True}
    return cache.stage_keys(paths, cache.Settings(**{**base, **settings}))


@pytest.fixture()
def one_year(tmp_path, monkeypatch):
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    raw = tmp_path / "raw" / "2017"
    raw.mkdir(parents=True)
    (raw / "lista.csv").write_text("fecha,comuna,sexo\n2017-05-02,Ovalle,F\n", encoding="utf-8")
    return config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")


def _changed(before: dict, after: dict) -> set[str]:
    return {stage for stage in before if before[stage] != after[stage]}


def test_each_setting_changes_exactly_the_stages_it_affects(one_year, monkeypatch):
    before = _keys(one_year)
    assert _keys(one_year) == before  # deterministic
    assert _changed(before, _keys(one_year, umbral_celdas=10)) == {"indicadores", "balance"}
    assert _changed(before, _keys(one_year, pdf=False)) == {"balance"}
    assert _changed(before, _keys(one_year, region="Valparaíso")) == {"limpieza", "indicadores", "balance"}
    monkeypatch.setenv("BALANCE_CLAVE", OTHER_KEY)
    assert _changed(before, _keys(one_year)) == {"limpieza", "indicadores", "balance"}


def test_the_raw_folder_is_an_input_not_only_its_file_names(one_year, tmp_path):
    """The same year from another raw folder with identical file names never shares a fingerprint."""
    other_root = tmp_path / "otra"
    shutil.copytree(one_year.raw, other_root / "2017")
    other = config.paths(2017, "Coquimbo", other_root, tmp_path / "p", tmp_path / "o")
    assert _changed(_keys(one_year), _keys(other)) == {"limpieza", "indicadores", "balance"}


def test_reference_data_is_part_of_the_code_version(monkeypatch, tmp_path):
    from pipeline.fingerprint import PACKAGE_DIR

    files = {p.relative_to(PACKAGE_DIR).as_posix() for p in PACKAGE_DIR.rglob("*") if p.is_file()}
    assert "reference/data/comunas.csv" in files and "reference/data/census2017_comunas.csv" in files
    assert "report/templates/balance_reveal/index.html.j2" in files


def test_a_new_key_rebuilds_the_pseudonyms(tree):
    """A new key changes every stage's fingerprint (the runner would run all three); the
    cleaning, run again by the CLI, gives every person a new pseudonym."""
    import pandas as pd

    base, args, paths = tree
    if not paths.asistencias.exists():  # run alone (-k): the earlier tests' state is not there
        _run(args)
    assert _to_run(paths, key=OTHER_KEY) == {"limpieza", "indicadores", "balance"}
    before = set(pd.read_parquet(paths.asistencias)["persona"].dropna())
    out = run_cli("clean", "--year", "2017", *args, env={"BALANCE_CLAVE": OTHER_KEY})
    assert out.returncode == 0, out.stderr[-2000:]
    assert _reused(paths) == set()
    after = set(pd.read_parquet(paths.asistencias)["persona"].dropna())
    assert len(after) == len(before) and not (after & before)


def test_two_raw_folders_sharing_a_processed_folder_each_get_their_own_figures(tmp_path, monkeypatch):
    """Run at the same time, then one of them again alone: each run publishes the
    attendances of its own raw folder, never the other's (nor from the cache). Stages 1 and 2
    (`indicators`): the deck adds nothing to what is shared."""
    import json
    import os
    import subprocess
    import sys

    raw_a, raw_b = tmp_path / "a", tmp_path / "b"
    for raw in (raw_a, raw_b):
        raw.mkdir()
        year_csv(raw, "lista.csv", log_of(2017, [("05-02", "Taller", "Taller"), ("06-03", "Consulta", "Consulta")]))
    # A has one log less: fewer attendances
    year_csv(raw_b, "cosoc.csv", log_of(2017, [("07-04", "Sesión COSOC", "Sesión COSOC")]))
    common = ["--processed-dir", str(tmp_path / "proc"), "-q", "--sin-pdf"]

    def start(raw, out):
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline", "indicators", "--year", "2017", "--raw-dir", str(raw),
             "--out-dir", str(out), *common],
            cwd=config.PROJ_ROOT, env={**os.environ, "BALANCE_CLAVE": TEST_KEY},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def asistencias(out):
        return json.loads((out / "2017" / "indicadores.json").read_text(encoding="utf-8"))["asistencias"]

    def alone(raw, name):  # each folder's figure, cleaned alone in-process (no notebooks)
        from pipeline.clean.year import clean_year
        from pipeline.indicators import annual

        own = config.paths(2017, "Coquimbo", raw, tmp_path / name, tmp_path / name)
        monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
        return annual.asistencias(clean_year(own, "Coquimbo").actividades)

    expected_a, expected_b = alone(raw_a, "solo-a"), alone(raw_b, "solo-b")
    assert expected_b > expected_a
    both = [start(raw_a, tmp_path / "out-a"), start(raw_b, tmp_path / "out-b")]
    codes = [p.wait(600) for p in both]
    errors = [p.stderr.read() for p in both]
    # each run publishes its own figure, or (the other rebuilt the shared tables between its
    # stages) stops with «ejecute limpiar»: it never reads the other folder's data
    assert 0 in codes, errors
    for code, err, out, expected in zip(codes, errors, ("out-a", "out-b"), (expected_a, expected_b)):
        if code == 0:
            assert asistencias(tmp_path / out) == expected
        else:
            assert code == 1 and "limpiar --anio 2017" in err, err[-2000:]
    proc = start(raw_a, tmp_path / "out-a")  # again alone, stage cache and processed folder shared
    assert proc.wait(600) == 0
    assert asistencias(tmp_path / "out-a") == expected_a
