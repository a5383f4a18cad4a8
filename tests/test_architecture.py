"""Imports only point down: run/ → stages → report → indicators | clean → ingest → the
foundation (config, errors, text, schema, reference, fingerprint, locks). Stage 2 never loads
the cleaning: it reads what stage 1 wrote, or stops with «ejecute limpiar»."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import config
from tests.conftest import TEST_KEY, year_csv

PACKAGE = config.PROJ_ROOT / "pipeline"
FOUNDATION = {"pipeline", "config", "errors", "text", "schema", "reference", "fingerprint", "locks"}
# each floor may import its own floor and the ones below; clean and indicators share a floor
# but never import each other (indicators read the cleaning's tables, not its code)
FLOOR = {"ingest": 1, "clean": 2, "indicators": 2, "report": 3, "stages": 4, "run": 5, "__main__": 6,
         "sample": 1}


def _floor(group: str) -> int:
    return 0 if group in FOUNDATION else FLOOR[group]


def _group(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "pipeline"


def _imports(path: Path) -> set[str]:
    """Every pipeline module `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "pipeline":
            found |= {node.module} if node.module != "pipeline" else {f"pipeline.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "pipeline"}
    return found


def _module(path: Path) -> str:
    parts = path.relative_to(config.PROJ_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_imports_only_point_down():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = _group(_module(path))
        for target in _imports(path):
            there = _group(target)
            if there == here:
                continue
            if _floor(there) > _floor(here) or {here, there} == {"clean", "indicators"} or there == "sample":
                upward.append(f"{_module(path)} → {target}")
    assert upward == []


def test_the_checker_sees_an_upward_import(tmp_path):
    """The rule above can fail: a module of `clean` importing the runner is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from pipeline.run import runner\n", encoding="utf-8")
    assert _imports(bad) == {"pipeline.run"}
    assert _floor(_group("pipeline.run")) > _floor("clean")


LOG = "fecha,comuna,actividad,rut,sexo\n2017-05-02,Ovalle,Taller,12.345.678-5,F\n2017-05-02,Ovalle,Taller,,M\n"

STAGE_2 = """
import json, sys
from pipeline import config, stages
paths = config.paths(2017, "Coquimbo", sys.argv[1], sys.argv[2], sys.argv[3])
ind = stages.indicators_stage(paths, "Coquimbo")
print(json.dumps({"asistencias": ind["asistencias"],
                  "modules": sorted(m for m in sys.modules if m.startswith("pipeline"))}))
"""


@pytest.fixture
def cleaned(tmp_path, monkeypatch):
    from pipeline import stages

    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    (tmp_path / "raw").mkdir()
    year_csv(tmp_path / "raw", "lista.csv", LOG)
    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")
    stages.clean_stage(paths, "Coquimbo")
    return paths


def test_stage_two_reads_what_stage_one_wrote_without_loading_the_cleaning(cleaned):
    paths = cleaned
    run = subprocess.run([sys.executable, "-c", STAGE_2, str(paths.raw_root), str(paths.processed_root),
                          str(paths.out_root)], capture_output=True, text=True, cwd=config.PROJ_ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["asistencias"] == 2
    loaded = set(out["modules"])
    assert "pipeline.stages" in loaded and "pipeline.indicators.annual" in loaded
    assert not {"pipeline.clean.year", "pipeline.ingest.read", "pipeline.ingest.csv_files"} & loaded
    assert not any(m.startswith("pipeline.run") for m in loaded)


def test_stage_two_stops_on_stale_tables_instead_of_cleaning(cleaned):
    from pipeline import stages
    from pipeline.errors import StaleProcessed

    paths = cleaned
    before = paths.actividades.read_bytes()
    (paths.raw / "lista.csv").write_text(LOG + "2017-06-01,Ovalle,Otra,,F\n", encoding="utf-8")
    with pytest.raises(StaleProcessed, match=r"limpiar --anio 2017"):
        stages.indicators_stage(paths, "Coquimbo")
    assert paths.actividades.read_bytes() == before  # not cleaned again behind the analyst's back
    assert not paths.indicadores_json.exists()


def test_every_earlier_year_is_read_and_computed_once(cleaned, monkeypatch):
    """The trend, the comparison and the plans share one read and one computation per year."""
    from pipeline import stages
    from pipeline.indicators import annual

    paths = cleaned
    earlier = config.paths(2016, "Coquimbo", paths.raw_root, paths.processed_root, paths.out_root)
    year_csv(paths.raw_root, "lista.csv", LOG.replace("2017-", "2016-"), year="2016")
    stages.clean_stage(earlier, "Coquimbo")
    reads, computed = [], []
    load, compute = annual.load_processed, annual.compute
    monkeypatch.setattr(annual, "load_processed", lambda p: reads.append(p.year) or load(p))
    monkeypatch.setattr(annual, "compute", lambda *a, **k: computed.append(a[3]) or compute(*a, **k))
    ind = stages.indicators_stage(paths, "Coquimbo")
    assert sorted(reads) == [2016, 2017] and sorted(computed) == [2016, 2017]
    assert ind["asistencias_anio_anterior"] == 2 and [r["anio"] for r in ind["tendencia"]] == [2016, 2017]
