"""benchmarks/run.py: its table states the targets of issue 21 (a ratio to pyarrow is only measured), and the hook takes the extra
cleaning measures of benchmarks/cleaning.py (no timing is asserted here)."""
import importlib.util

from pipeline import config


def _bench():
    spec = importlib.util.spec_from_file_location("bench_run", config.PROJ_ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_table_states_each_target_and_whether_it_is_met():
    bench = _bench()
    sample = {"piso_s": 3.0, "run_frio_s": 7.0, "run_repetido_s": 0.5, "rss_max_bytes": 300 * 2**20}
    row = {"filas": 1_000_000, "mb": 158, "lectura_pyarrow_s": 0.2, "limpieza_s": 0.9, "filas_por_s": 1.1e6,
           "razon_limpieza_lectura": 4.5, "rss_max_bytes": 800 * 2**20}
    extra = [{"measure": "limpieza / lectura pyarrow", "value": 5.9, "unit": "×", "target": "≤ 5"},
             {"measure": "memoria máxima", "value": 1313.0, "unit": "MiB", "target": "≤ 2048"},
             {"measure": "lectura", "value": 0.4, "unit": "s", "target": ""}]
    text = bench.table([row], sample, 3, extra)
    assert "≤ 2× el piso del framework | 7,00 s / 3,00 s = 2,33× | **NO cumple**" in text
    assert "≤ 30 % de la corrida en frío | 0,500 s / 7,00 s = 7 % | cumple" in text
    assert "la lectura pyarrow |" not in text.split("## Metas")[1]  # a ratio to pyarrow is a measure, not a target
    assert "| limpieza / lectura pyarrow | 5,90 × | ≤ 5 | **NO cumple** |" in text
    assert "| memoria máxima | 1.313,00 MiB | ≤ 2048 | cumple |" in text
    assert "| lectura | 0,40 s |  |  |" in text
    # the targets of benchmarks/cleaning.py are in the table of targets too
    assert "| limpieza / lectura pyarrow: ≤ 5 × | 5,90 × | **NO cumple** |" in text
    assert "| memoria máxima: ≤ 2048 MiB | 1.313,00 MiB | cumple |" in text


def test_no_speed_machinery_is_measured():
    source = (config.PROJ_ROOT / "benchmarks" / "run.py").read_text(encoding="utf-8")
    for word in ("fork", "kernels.py", "--jobs", "--procesos", "slot"):
        assert word not in source


def test_extra_cleaning_benchmarks_come_from_benchmarks_cleaning(tmp_path, monkeypatch):
    bench = _bench()
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "cleaning.py").write_text(
        "def solo(workdir):\n    return [{'measure': workdir.name, 'value': 1.0, 'unit': 's', 'target': ''}]\n"
        "BENCHMARKS = [solo]\n")
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    [fn] = bench.EXTRA_BENCHMARKS()
    assert fn(tmp_path / "trabajo") == [{"measure": "trabajo", "value": 1.0, "unit": "s", "target": ""}]
    monkeypatch.setattr(bench, "ROOT", tmp_path / "nada")
    assert bench.EXTRA_BENCHMARKS() == []
