"""The national sample: sixteen regions sized by population, deterministic, messy in each
region's own way, synthetic people only, and read back by the cleaning stage with the
generator's own figures."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import config, reference, stages
from pipeline import sample
from pipeline.indicators.plan.loading import load_plan
from pipeline.sample import national
from pipeline.sample.expected import expected_figures
from pipeline.sample.cli import main as sample_cli
from pipeline.sample.vocabulary import FIRST_F, FIRST_M, SURNAMES
from pipeline.text import fold
from tests.conftest import TEST_KEY

FRACTION = 0.02  # about 2.000 attendances in all: every region, in a few seconds
YEAR = national.NATIONAL_YEAR


@pytest.fixture(scope="module")
def nacional(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("muestra-nacional")
    return out, national.write_national_sample(out, fraction=FRACTION)


def population() -> dict[str, int]:
    frame = reference.comunas().merge(reference.censo()[["cut_comuna", "poblacion_total"]], on="cut_comuna")
    by_cut = frame.groupby("cut_region")["poblacion_total"].sum()
    return {reference.region(cut).nombre: int(n) for cut, n in by_cut.items()}


def data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".xlsx"))


# --------------------------------------------------------------------------- sizes

def test_size_plan_shares_a_national_year_by_census_population():
    """Sizes ∝ census population × the region's own participation (0,6–1,6), so the regions'
    attendances per 1.000 inhabitants differ, as real ones do."""
    plan = national.size_plan()
    pop = population()
    assert set(plan) == set(pop) and len(plan) == 16
    assert sum(plan.values()) == national.NATIONAL_ATTENDANCES == 100_000
    weight = {r: pop[r] * national.participation(reference.region(r).cut) for r in pop}
    for region, rows in plan.items():
        assert abs(rows - 100_000 * weight[region] / sum(weight.values())) < 1, region
    rates = [plan[r] / pop[r] * 1000 for r in plan]
    assert max(rates) / min(rates) > 1.5  # a map of rates with more than one colour
    smallest = min(plan, key=plan.get)
    assert smallest == reference.region("Aysén").nombre
    assert 300 <= plan[smallest] < 1_000  # a few hundred attendances
    assert max(plan, key=plan.get) == reference.region("Metropolitana").nombre
    assert plan[reference.region("Metropolitana").nombre] > 35_000


def test_fraction_scales_every_region_and_regions_keep_their_size():
    full = national.size_plan()
    small = national.size_plan(0.1)
    assert all(small[r] == max(national.MIN_ROWS, round(full[r] * 0.1)) for r in full)
    some = national.size_plan(0.1, ["aysen", "13", "Coquimbo"])
    assert some == {r: small[r] for r in some} and len(some) == 3


def test_every_region_is_written_where_config_paths_looks(nacional):
    out, truth = nacional
    assert len(truth) == 16
    for region in truth:
        folder = sample.sample_dir(out, region, YEAR)
        assert data_files(folder), region
        assert config.paths(YEAR, region).raw.relative_to(config.RAW_DIR) == folder.relative_to(out)
    assert (out / str(YEAR)).is_dir()  # Coquimbo, the default region, at the top
    assert len(list((out / "regiones").iterdir())) == 15


def test_each_region_has_the_planned_rows_and_its_own_comunas(nacional):
    out, truth = nacional
    plan = national.size_plan(FRACTION)
    for region, t in truth.items():
        # every planned row is an attendance or a quarantined row; re-signed rows come on top
        assert t["asistencias"] + t["cuarentena"] == plan[region], region
        assert t["filas_leidas"] == t["filas_validas"] + t["duplicados"] + t["cuarentena"]
        reached = {c for c, n in t["actividades_por_comuna"].items() if n}
        assert reached and reached <= set(reference.comunas_region(region)["comuna"]), region
    big = [t for t in truth.values() if t["filas_leidas"] >= 20]
    assert len(big) >= 12 and all(t["cuarentena"] >= 1 and t["duplicados"] >= 1 for t in big)


def test_women_share_is_realistic_and_varies_by_region(nacional):
    shares = {r: t["mujeres"] / t["asistencias"] for r, t in nacional[1].items() if t["asistencias"] >= 120}
    assert len(shares) >= 3
    assert all(0.45 <= s <= 0.78 for s in shares.values()), shares
    years = [national.build_region_year(reference.region(r).cut, YEAR, 3_000) for r in ("Maule", "Biobío", "Ñuble")]
    figures = [expected_figures(ys) for ys in years]
    fractions = [f["mujeres"] / f["asistencias"] for f in figures]
    assert all(0.5 <= s <= 0.72 for s in fractions), fractions
    assert max(fractions) - min(fractions) >= 0.03, fractions


# --------------------------------------------------------------------------- mess and formats

def test_formats_are_mixed_as_field_teams_keep_them(nacional):
    out, truth = nacional
    files = [p for region in truth for p in data_files(sample.sample_dir(out, region, YEAR))]
    assert any(p.suffix == ".xlsx" for p in files)
    csvs = [p.read_bytes() for p in files if p.suffix == ".csv"]
    cp1252 = [b for b in csvs if not _utf8(b)]
    assert cp1252 and all(b.decode("cp1252") for b in cp1252)
    assert any(b.startswith(b"\xef\xbb\xbf") for b in csvs)  # UTF-8 with BOM
    titled = [b for b in cp1252 if b.decode("cp1252").splitlines()[0].count(";") == 0]
    assert titled  # a title line above the header


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_some_regions_keep_a_plan_that_loads(nacional):
    out, truth = nacional
    with_plan = {r for r in truth if (sample.sample_dir(out, r, YEAR) / f"plan-{YEAR}.yml").exists()}
    assert with_plan == {reference.region(r).nombre for r in national.PLAN_REGIONS}
    for region in with_plan:
        plan = load_plan(sample.sample_dir(out, region, YEAR) / f"plan-{YEAR}.yml", region, YEAR)
        assert sum(c.weight for c in plan.commitments) == 100
        assert [c["nombre"] for c in truth[region]["plan"]] == [c.name for c in plan.commitments]


def test_each_region_mistypes_its_own_comunas():
    for cut in national.region_codes():
        national.register_comuna_mess(cut)  # checked: typos fix to one comuna, the rest is quarantined
    from pipeline.sample.vocabulary import OTHER_REGION, TYPOS

    assert all(TYPOS[cut] for cut in national.region_codes())
    assert OTHER_REGION["11"] and not set(OTHER_REGION["11"]) & set(reference.comunas_region("11")["comuna"])


# --------------------------------------------------------------------------- determinism and people

def test_same_seed_same_bytes_other_seed_other_logs(tmp_path):
    def written(out: Path, seed: int) -> dict[str, bytes]:
        national.write_national_sample(out, seed=seed, fraction=0.05, regions=["Aysén", "Coquimbo"])
        return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}

    first, again, other = written(tmp_path / "a", 7), written(tmp_path / "b", 7), written(tmp_path / "c", 8)
    assert first == again and len(first) >= 4
    assert any(first[k] != other.get(k) for k in first if k.endswith(".csv"))


def test_people_are_synthetic_and_ruts_never_shared_between_regions():
    given = {fold(n) for n in FIRST_F + FIRST_M}
    surnames = {fold(n) for n in SURNAMES}
    seen: dict[int, str] = {}
    for ys in national.build_national(fraction=FRACTION, regions=["Aysén", "Biobío", "Metropolitana", "15"]).years:
        rows = [r for f in ys.files for sh in f.sheets for r in sh.rows if r is not None]
        assert rows
        for r in rows:
            words = fold(r.cells["nombre"]).split()
            assert len(words) == 3 and words[0] in given and set(words[1:]) <= surnames, r.cells["nombre"]
            if r.rut:
                body = int(r.rut[:-1])
                assert 4_000_000 <= body < 26_000_000 and sample.check_digit(body) == r.rut[-1]
                assert seen.setdefault(body, ys.region) == ys.region, body
            text = str(r.cells["rut"])
            assert not text.strip() or re.fullmatch(r"\s*[\d.]+\s*-?\s*[\dkK]", text), text


# --------------------------------------------------------------------------- read back by the pipeline

@pytest.mark.parametrize("region", ["Coquimbo", "Metropolitana"])
def test_cleaning_stage_reads_a_region_back_with_the_ground_truth(nacional, region, tmp_path, monkeypatch):
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    out, truth = nacional
    name = reference.region(region).nombre
    t = truth[name]
    raw_root = sample.sample_dir(out, name, YEAR).parent
    paths = config.paths(YEAR, name, raw_root, tmp_path / "processed", tmp_path / "outputs")
    result = stages.clean_stage(paths, name)
    cal = result.calidad
    assert t["cuarentena"] >= 1 and t["duplicados"] >= 1
    for key in ("filas_leidas", "filas_validas", "duplicados", "cuarentena", "comunas_corregidas"):
        assert cal[key] == t[key], key
    assert {k: v for k, v in cal["cuarentena_por_motivo"].items() if v} == \
           {k: v for k, v in t["cuarentena_por_motivo"].items() if v}
    assert cal["archivos_rechazados"] == []
    assert len(result.actividades) == t["actividades"]
    assert int(result.actividades["asistencias"].sum()) == t["asistencias"]
    assert int(result.actividades["mujeres"].sum()) == t["mujeres"]
    assert result.asistencias["persona"].nunique() == t["personas_unicas"]


# --------------------------------------------------------------------------- command line

def test_command_line_writes_only_the_regions_asked(tmp_path, capsys):
    assert sample_cli(["--nacional", "--fraccion", "0,01", "--regiones", "Aysén, Ñuble", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in (tmp_path / "regiones").iterdir()) == \
           sorted(reference.region(r).slug for r in ("Aysén", "Ñuble"))
    assert not (tmp_path / str(YEAR)).exists()
    said = capsys.readouterr().out
    assert "Ñuble 2018:" in said and "en 2 regiones" in said
    for bad in (["--nacional", "--fraccion", "2"], ["--fraccion", "0.5"], ["--nacional", "--regiones", "Narnia"]):
        with pytest.raises(SystemExit):
            sample_cli([*bad, "--out", str(tmp_path / "x")])
    assert not (tmp_path / "x").exists()


def test_national_sample_folder_is_git_ignored():
    import subprocess

    probe = "data/muestra-nacional/regiones/nuble/2018/asistencia-diguillin-2018.csv"
    out = subprocess.run(["git", "check-ignore", "-q", probe], cwd=config.PROJ_ROOT)
    if out.returncode == 128:
        pytest.skip("sin git no se puede revisar .gitignore")
    assert out.returncode == 0, "data/muestra-nacional/ debe estar en .gitignore (se genera, no se sube)"
    assert national.NATIONAL_SAMPLE_DIR == config.PROJ_ROOT / "data" / "muestra-nacional"
    assert subprocess.run(["git", "check-ignore", "-q", "data/muestra/2018/asistencia-elqui-2018.xlsx"],
                          cwd=config.PROJ_ROOT).returncode == 1  # the shipped sample stays tracked


# --------------------------------------------------------------------------- benchmark harness (no timing)

def _load(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"bench_{name}", config.PROJ_ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_runs_nested_region_subsets_and_reports_each_run(tmp_path):
    bench, run = _load("national"), _load("run")
    truth = {r: {"asistencias": n} for r, n in national.size_plan().items()}
    subsets = bench.region_subsets(truth)
    assert [len(subsets[n]) for n in (4, 8, 16)] == [4, 8, 16]
    assert set(subsets[4]) < set(subsets[8]) < set(subsets[16]) == set(truth)
    assert reference.region("Metropolitana").nombre in subsets[4]  # big and small regions in each
    assert min(truth[r]["asistencias"] for r in subsets[4]) < 2_000
    raw = tmp_path / "raw"
    small = national.write_national_sample(raw, fraction=0.01, regions=["Aysén", "Coquimbo", "Ñuble"])
    tree = bench.subset_raw(raw, ["Coquimbo", reference.region("Ñuble").nombre], tmp_path / "sub")
    assert (tree / "2018").is_dir() and [p.name for p in (tree / "regiones").iterdir()] == ["nuble"]
    cmd = bench.national_cmd("python", tree, tmp_path / "p", tmp_path / "o", 2)
    assert cmd[2:7] == ["pipeline", "ejecutar", "--anio", "2018", "--nacional"] and "--sin-pdf" in cmd
    assert cmd[cmd.index("--procesos") + 1] == "2"
    nat = {"anio": 2018, "fraccion": 0.01, "asistencias": sum(t["asistencias"] for t in small.values()),
           "regiones": 3, "corridas": [{"regiones": 3, "procesos": 1, "asistencias": 120, "s": 61.5,
                                        "rss_max_bytes": 400 * 2**20},
                                       {"regiones": 3, "procesos": 2, "asistencias": 120, "s": 40.25,
                                        "rss_max_bytes": 410 * 2**20}]}
    text = run.table([], None, 1, [], nat)
    assert "## Un año nacional de la muestra (2018, 3 regiones, sin PDF)" in text
    assert "| 3 | 120 | 1 | 61,50 s | 20,50 s | 400 MiB |" in text
    assert "| 3 | 120 | 2 | 40,25 s | 13,42 s | 410 MiB |" in text
    failed = run.table([], None, 1, [], {"error": "Error: argumento desconocido --nacional"})
    assert "No se pudo medir: `ejecutar --nacional` falló (Error: argumento desconocido --nacional)." in failed
