"""Incremental runs: unchanged stages are reused, --force recomputes, a changed raw file
re-runs exactly what depends on it."""
import shutil

import pytest

from pipeline import config
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


def _reused(paths) -> set[str]:
    log = paths.run_log.read_text(encoding="utf-8")
    return {s for s in ("limpieza", "indicadores", "balance") if f"Etapa {s} sin cambios" in log}


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    base = tmp_path_factory.mktemp("cache")
    shutil.copytree(config.RAW_DIR / "2016", base / "raw" / "2016")
    shutil.copytree(config.RAW_DIR / "2017", base / "raw" / "2017")
    args = ["--raw-dir", str(base / "raw"), "--processed-dir", str(base / "proc"),
            "--out-dir", str(base / "out"), "-q", "--sin-pdf"]
    paths = config.paths(2017, "Coquimbo", base / "raw", base / "proc", base / "out")
    return base, args, paths


def _run(args, year="2017", *extra):
    out = run_cli("run", "--year", year, *args, *extra, env={"BALANCE_CLAVE": "k"})
    assert out.returncode == 0, out.stderr[-2000:]


def test_second_run_reuses_every_stage(tree):
    base, args, paths = tree
    _run(args)
    assert _reused(paths) == set()
    first = paths.indicadores_json.read_bytes()
    _run(args)
    assert _reused(paths) == {"limpieza", "indicadores", "balance"}
    assert paths.indicadores_json.read_bytes() == first
    assert paths.balance_html.exists() and paths.calidad_html.exists()


def test_force_recomputes(tree):
    base, args, paths = tree
    _run(args, "2017", "--force")
    assert _reused(paths) == set()


def test_changed_previous_year_reruns_only_what_depends_on_it(tree):
    base, args, paths = tree
    _run(args)
    # 2016 is 2017's previous year: its logs feed 2017's indicators, not 2017's cleaning
    victim = sorted(p for p in (base / "raw" / "2016").iterdir() if p.suffix == ".csv")[0]
    victim.write_bytes(victim.read_bytes() + b"\n")
    _run(args)
    assert _reused(paths) == {"limpieza"}


def test_changed_raw_file_of_the_year_reruns_all_its_stages(tree):
    base, args, paths = tree
    victim = sorted(p for p in (base / "raw" / "2017").iterdir() if p.suffix == ".csv")[0]
    victim.write_bytes(victim.read_bytes() + b"\n")
    _run(args)
    assert _reused(paths) == set()


def test_changed_highlights_rerun_indicators_and_deck_only(tree):
    base, args, paths = tree
    _run(args)
    (base / "raw" / "2017" / "destacadas.csv").write_text(
        (base / "raw" / "2017" / "destacadas.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    _run(args)
    assert _reused(paths) == {"limpieza"}


def test_fingerprint_covers_exactly_the_files_cleaning_reads(tmp_path):
    from pipeline import cache, ingest

    raw = tmp_path / "raw" / "2017"
    (raw / "sub").mkdir(parents=True)
    for name in ["a.xlsx", "sub/b.csv", "destacadas.csv", "foto.png", "plan-2017.yml", "~$a.xlsx", ".oculto.csv"]:
        (raw / name).write_bytes(b"x")
    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")
    assert cache.log_files(paths) == ingest.log_files(raw) == [raw / "a.xlsx", raw / "sub" / "b.csv"]
    assert raw / "sub" / "b.csv" not in cache.side_files(paths)
    assert raw / "destacadas.csv" in cache.side_files(paths)
    before = cache.clean_key(paths, "Coquimbo")
    (raw / "sub" / "b.csv").write_bytes(b"y")  # a log in a subfolder changes the cleaning's fingerprint
    assert cache.clean_key(paths, "Coquimbo") != before


def test_file_digest_is_read_once_but_follows_every_change(tmp_path):
    """Digests are remembered per process while a file is unchanged; a changed file, even of
    the same size, is read again."""
    import os

    from pipeline import cache as stage_cache

    log = tmp_path / "lista.csv"
    log.write_text("fecha,comuna\n2017-05-02,Ovalle\n", encoding="utf-8")
    first = stage_cache._file_digest(log)
    hits = stage_cache._contents_digest.cache_info().hits
    assert stage_cache._file_digest(log) == first
    assert stage_cache._contents_digest.cache_info().hits == hits + 1  # not read again
    st = log.stat()
    log.write_text("fecha,comuna\n2017-05-03,Ovalle\n", encoding="utf-8")  # same size
    os.utime(log, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert log.stat().st_size == st.st_size
    assert stage_cache._file_digest(log) != first
