"""The stage functions (pipeline/stages.py): stage 1 cleans what stage 2 will read; stage 2
never loads the cleaning, reads what stage 1 wrote or stops with «ejecute limpiar», and
reads and computes each year once."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline import config
from tests.conftest import TINY_LOG, year_csv

STAGE_2 = """
import json, sys
from pipeline import config, stages
paths = config.paths(2017, "Coquimbo", sys.argv[1], sys.argv[2], sys.argv[3])
ind = stages.indicators_stage(paths, "Coquimbo")
print(json.dumps({"asistencias": ind["asistencias"],
                  "modules": sorted(m for m in sys.modules if m.startswith("pipeline"))}))
"""


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
    (paths.raw / "lista.csv").write_text(TINY_LOG + "2017-06-01,Ovalle,Otra,,F\n", encoding="utf-8")
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
    year_csv(paths.raw_root, "lista.csv", TINY_LOG.replace("2017-", "2016-"), year="2016")
    stages.clean_stage(earlier, "Coquimbo")
    reads, computed = [], []
    load, compute = annual.load_processed, annual.compute
    monkeypatch.setattr(annual, "load_processed", lambda p: reads.append(p.year) or load(p))
    monkeypatch.setattr(annual, "compute", lambda *a, **k: computed.append(a[3]) or compute(*a, **k))
    ind = stages.indicators_stage(paths, "Coquimbo")
    assert sorted(reads) == [2016, 2017] and sorted(computed) == [2016, 2017]
    assert ind["asistencias_anio_anterior"] == 2 and [r["anio"] for r in ind["tendencia"]] == [2016, 2017]


def test_stage_one_also_cleans_the_stale_earlier_years_stage_two_reads(cleaned):
    """As in JupyterLab: 01 run for 2017 leaves 2016 ready for 02 (and says so in the log)."""
    from pipeline import stages
    from pipeline.clean import processed

    paths = cleaned
    earlier = config.paths(2016, "Coquimbo", paths.raw_root, paths.processed_root, paths.out_root)
    year_csv(paths.raw_root, "lista.csv", TINY_LOG.replace("2017-", "2016-"), year="2016")
    assert not processed.is_fresh(earlier, "Coquimbo")
    stages.clean_stage(paths, "Coquimbo")
    assert processed.is_fresh(earlier, "Coquimbo")
    assert stages.clean_needed(paths, "Coquimbo") == []  # nothing left to do
    assert stages.indicators_stage(paths, "Coquimbo")["asistencias_anio_anterior"] == 2
