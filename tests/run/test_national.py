"""`ejecutar --anio N --nacional`: every region with logs, then the national stage.

The end-to-end checks share one run (`national_run` in conftest: two small regions, one whose
only file is not a spreadsheet, thirteen without logs); the command-line checks fake the runs."""
from __future__ import annotations

import json

import openpyxl
import pytest

from pipeline import config, reference
from pipeline.indicators.national import WITH_DATA, FAILED, COPIED, NO_DATA, SUMMED
from pipeline.run import cli
from pipeline.run import national
from tests.conftest import TEST_KEY


# --------------------------------------------------------------------------- the command line

def _main(tmp_path, *args):
    return cli.main(["ejecutar", "--anio", "2018", *args, "-q", "--raw-dir", str(tmp_path / "raw"),
                     "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o")])


@pytest.mark.parametrize("args, expected", [
    (["--nacional", "--region", "Maule"], "Error: --nacional reúne todas las regiones: no se puede usar junto con --region."),
    (["--nacional", "--anio", "2017-2018"], "Error: --nacional procesa un año a la vez: use --anio AÑO"),
    (["--nacional", "--procesos", "0"], "Error: --procesos debe ser un número entero mayor que 0."),
    (["--nacional", "--umbral-celdas", "cero"], "debe ser un número entero mayor que 0"),
])
def test_bad_combinations_are_refused_in_spanish(tmp_path, capsys, monkeypatch, args, expected):
    monkeypatch.setattr(cli, "run_year", lambda *a, **k: pytest.fail("se inició una región"))
    assert _main(tmp_path, *args) == cli.EXIT_USAGE
    assert expected in capsys.readouterr().err


def test_national_with_anios_is_refused(tmp_path, capsys):
    code = cli.main(["ejecutar", "--anios", "2017-2018", "--nacional", "--raw-dir", str(tmp_path)])
    assert code == cli.EXIT_USAGE and "--nacional procesa un año a la vez" in capsys.readouterr().err


def test_no_region_with_logs_is_refused_at_once(tmp_path, capsys):
    (tmp_path / "raw" / "2018").mkdir(parents=True)
    assert _main(tmp_path, "--nacional") == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("Error: ninguna región tiene planillas del año 2018")
    assert "regiones/<región>/2018" in err


def _logs(raw, *regions):
    for name in regions:
        folder = raw / config.region_subdir(name) / "2018"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "lista.csv").write_text("fecha,comuna,actividad,sexo\n", encoding="utf-8")


def test_a_failed_region_does_not_stop_the_others_and_the_exit_says_so(tmp_path, capsys, monkeypatch):
    """Regions run one after another with --procesos 1: Maule fails, Ñuble still runs, the
    national stage is told which failed, the exit code is 1."""
    _logs(tmp_path / "raw", "Coquimbo", "Maule", "Ñuble")
    ran, national_jobs = [], []
    monkeypatch.setattr(cli, "run_one", lambda job: ran.append(job.region) or (cli.EXIT_FAILED if job.region == "Maule"
                                                                              else 0))
    monkeypatch.setattr(national, "run_national", lambda job: national_jobs.append(job) or job.out)
    assert _main(tmp_path, "--nacional") == cli.EXIT_FAILED
    assert ran == ["Coquimbo", "Maule", "Ñuble"]  # code order
    job = national_jobs[0]
    assert job.failed_regions == ("Maule",) and job.year == 2018 and len(job.regions) == 16
    assert job.out.out == tmp_path / "o" / "2018"  # the default region's year: outputs/2018/nacional
    assert job.regions["Maule"].raw == tmp_path / "raw" / "regiones" / "maule" / "2018"
    err = capsys.readouterr().err
    assert "[2018] 3 regiones con planillas: Coquimbo, Maule, Ñuble" in err
    assert "sin datos: Tarapacá" in err and "regiones con error: Maule" in err


def test_limpiar_nacional_cleans_every_region_without_a_national_stage(tmp_path, monkeypatch):
    _logs(tmp_path / "raw", "Coquimbo", "Los Ríos")
    ran = []
    monkeypatch.setattr(cli, "run_one", lambda job: ran.append((job.region, job.stages)) or 0)
    monkeypatch.setattr(national, "run_national", lambda job: pytest.fail("etapa nacional sin indicadores"))
    code = cli.main(["limpiar", "--anio", "2018", "--nacional", "-q", "--raw-dir", str(tmp_path / "raw"),
                     "--processed-dir", str(tmp_path / "p"), "--out-dir", str(tmp_path / "o")])
    assert code == 0 and ran == [("Coquimbo", ("limpieza",)), ("Los Ríos", ("limpieza",))]


# --------------------------------------------------------------------------- one national run

def _published(run, name: str) -> dict:
    return json.loads(run.regions[name].indicadores_json.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_national_run_figures_equal_the_sums_of_the_regional_files(national_run):
    run = national_run
    assert run.result.returncode == cli.EXIT_FAILED, run.result.stderr[-3000:]  # Arica y Parinacota failed
    assert "regiones con error: Arica y Parinacota" in run.result.stderr
    nat = json.loads(run.nacional.indicadores_nacional_json.read_text(encoding="utf-8"))
    files = {name: _published(run, name) for name in run.with_data}
    assert nat["regiones_con_datos"] == 2 and nat["regiones_con_error"] == ["Arica y Parinacota"]
    assert len(nat["regiones_sin_datos"]) == 13 and "Valparaíso" in nat["regiones_sin_datos"]
    for key in SUMMED + ("personas_distintas",):
        assert nat[key] == sum(ind[key] for ind in files.values()), key
    for key in ("actividades_por_tipo_actividad", "actividades_por_tipo_organizacion"):
        assert nat[key] == {k: sum(ind[key].get(k, 0) for ind in files.values()) for k in nat[key]}
    for entry in nat["regiones"]:
        if entry["region"] in files:
            ind = files[entry["region"]]
            assert entry["estado"] == WITH_DATA
            assert {k: entry[k] for k in COPIED} == {k: ind.get(k) for k in COPIED}
        else:
            assert entry["asistencias"] is None and entry["balance"] is None
            assert entry["estado"] == (FAILED if entry["region"] in run.failed else NO_DATA)


@pytest.mark.slow
def test_each_region_ran_as_a_single_region_run_would(national_run):
    """The same layout as `--region`: outputs under outputs/regiones/<slug>/<año>/ (the default
    region in outputs/<año>/), each with its deck, linked from the national file."""
    run = national_run
    nat = json.loads(run.nacional.indicadores_nacional_json.read_text(encoding="utf-8"))
    for entry in nat["regiones"]:
        if entry["estado"] != WITH_DATA:
            continue
        paths = config.paths(2018, entry["region"], run.raw / config.region_subdir(entry["region"]),
                             run.base / "processed" / config.region_subdir(entry["region"]),
                             run.base / "outputs" / config.region_subdir(entry["region"]))
        assert paths.balance_html.is_file() and paths.run_log.is_file()
        assert (run.nacional.nacional / entry["balance"]).resolve() == paths.balance_html.resolve()
    assert nat["regiones"][3]["balance"] == "../balance-2018.html"  # Coquimbo
    aysen = reference.region("Aysén").slug
    deck = (run.base / "outputs" / "regiones" / aysen / "2018" / "balance-2018.html").read_text(encoding="utf-8")
    assert "Región de Aysén del General Carlos Ibáñez del Campo" in deck  # its own deck, not Coquimbo's
    assert "Región de Coquimbo" not in deck
    # the failed region keeps its failed copy, and publishes nothing
    arica = run.regions["Arica y Parinacota"]
    assert not arica.out.exists() and any(arica.failed_root.iterdir())


@pytest.mark.slow
def test_national_workbook_and_log(national_run):
    run = national_run
    nat = json.loads(run.nacional.indicadores_nacional_json.read_text(encoding="utf-8"))
    wb = openpyxl.load_workbook(run.nacional.indicadores_nacional_xlsx, read_only=True)
    resumen = dict(list(wb["Resumen"].iter_rows(values_only=True))[1:])
    assert resumen["Asistencias"] == nat["asistencias"] and resumen["Mujeres (%)"] == nat["pct_mujeres"]
    assert resumen["Regiones con error"] == "Arica y Parinacota"
    log = run.nacional.nacional_run_log.read_text(encoding="utf-8")
    assert "Entrada: regiones con datos: Coquimbo (indicadores.json " in log and ", Aysén del General Carlos Ibáñez del Campo (indicadores.json " in log
    assert "Entrada: regiones con error: Arica y Parinacota\n" in log and "Entrada: umbral de celdas pequeñas 5" in log
    assert "Entrada: regiones sin datos: Tarapacá, Antofagasta, Atacama, Valparaíso" in log
    assert "Fin: año 2018, balance nacional sin errores" in log


@pytest.mark.slow
def test_rerun_reuses_the_national_stage_and_a_coquimbo_run_keeps_it(national_run, tmp_path):
    """Nothing changed: every region and the national stage come from the cache (same JSON).
    A run of Coquimbo alone replaces outputs/2018/ and keeps outputs/2018/nacional/."""
    run = national_run
    before = run.nacional.indicadores_nacional_json.read_bytes()
    again = run.cli("ejecutar", "--anio", "2018", "--nacional")
    assert again.returncode == cli.EXIT_FAILED  # Arica y Parinacota still fails
    assert "Etapa nacional sin cambios" in run.nacional.nacional_run_log.read_text(encoding="utf-8")
    assert run.nacional.indicadores_nacional_json.read_bytes() == before
    alone = run.cli("ejecutar", "--anio", "2018")
    assert alone.returncode == 0, alone.stderr[-2000:]
    assert run.nacional.indicadores_nacional_json.read_bytes() == before
    assert not list((run.base / "outputs").glob(".en-curso-*"))


def test_the_national_fingerprint_follows_each_regional_file_and_the_threshold(tmp_path):
    """The cache key of the national stage changes with a regional indicadores.json, a region's
    state and the threshold, and with nothing else."""
    from dataclasses import replace

    from pipeline.run import cache
    from pipeline.run.runner import NationalRun

    _logs(tmp_path / "raw", "Coquimbo", "Maule")
    regions = {reference.region(cut).nombre: config.region_paths(2018, cut, tmp_path / "raw", tmp_path / "p",
                                                                  tmp_path / "o") for cut in reference.region_codes()}
    for name in ("Coquimbo", "Maule"):
        regions[name].out.mkdir(parents=True)
        regions[name].indicadores_json.write_text('{"anio": 2018}', encoding="utf-8")
    job = NationalRun(regions, regions["Coquimbo"], umbral_celdas=5)
    key, described = cache.national_key(job)
    assert cache.national_key(job)[0] == key
    assert "regiones con datos: Coquimbo (indicadores.json " in " ".join(described)
    assert ", Maule (indicadores.json " in " ".join(described)
    assert cache.national_key(replace(job, umbral_celdas=6))[0] != key
    assert cache.national_key(replace(job, failed_regions=("Maule",)))[0] != key
    regions["Maule"].indicadores_json.write_text('{"anio": 2018, "asistencias": 1}', encoding="utf-8")
    changed = cache.national_key(job)[0]
    assert changed != key
    (tmp_path / "raw" / "regiones" / "maule" / "2018" / "otra.txt").write_text("nota", encoding="utf-8")
    assert cache.national_key(job)[0] == changed  # only published outputs count, never the logs


def test_muestra_takes_every_region_of_the_sample(monkeypatch):
    """`--nacional --muestra`: the sample's regions (data/muestra/, its regiones/ too), with the
    sample's processed and output folders, never data/raw."""
    ran, national_jobs = [], []
    monkeypatch.setattr(cli, "run_one", lambda job: ran.append(job) or 0)
    monkeypatch.setattr(national, "run_national", lambda job: national_jobs.append(job) or job.out)
    assert cli.main(["ejecutar", "--anio", "2018", "--nacional", "--muestra", "-q"]) == 0
    assert [job.region for job in ran] == ["Coquimbo", "Valparaíso"]
    assert ran[0].paths.out == config.SAMPLE_OUTPUTS_DIR / "2018"
    assert ran[1].paths.raw == config.SAMPLE_DIR / "regiones" / "valparaiso" / "2018"
    assert ran[1].paths.processed_root == config.SAMPLE_PROCESSED_DIR / "regiones" / "valparaiso"
    assert national_jobs[0].out.nacional == config.SAMPLE_OUTPUTS_DIR / "2018" / "nacional"


@pytest.mark.slow
def test_the_national_deck_is_run_on_the_national_file_and_published(national_run):
    """The national stage runs notebooks/04_balance_nacional.ipynb (parameters `anio` and
    `out_dir`, the staged outputs root) on the national file it has just written, and publishes
    it as the regional deck is: the deck, its reading page and the executed notebook."""
    import nbformat

    from pipeline.report.formats import fmt_int

    run = national_run
    nat = json.loads(run.nacional.indicadores_nacional_json.read_text(encoding="utf-8"))
    html = run.nacional.balance_nacional_html.read_text(encoding="utf-8")
    assert "Balance nacional 2018" in html
    assert f"{fmt_int(nat['asistencias'])} asistencias en {fmt_int(nat['actividades'])} actividades" in html
    assert (run.nacional.nacional / "lectura-nacional-2018.html").is_file()
    executed = nbformat.read(run.nacional.nacional / "notebooks" / config.NATIONAL_NOTEBOOK, as_version=4)
    [injected] = [c.source for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "anio = 2018" in injected and "out_dir = " in injected
    assert not list((run.base / "outputs").glob(".en-curso-*"))


@pytest.mark.slow
def test_a_failing_national_deck_keeps_the_last_good_folder_and_its_copy(tmp_path, monkeypatch, capsys):
    """The national deck's notebook fails: the command says so in Spanish (exit 1), the previous
    outputs/<año>/nacional/ stays as it was, and the executed copy is kept in .fallidas/."""
    import nbformat

    from pipeline.errors import StageFailed
    from pipeline.run.runner import NationalRun, run_national

    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    nbdir = tmp_path / "cuadernos"
    nbdir.mkdir()
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                            "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_code_cell('anio = 0\nout_dir = ""', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("raise ValueError('mapa sin regiones')")]
    nbformat.write(nb, nbdir / config.NATIONAL_NOTEBOOK)
    regions = {reference.region(cut).nombre: config.region_paths(2018, cut, tmp_path / "raw", tmp_path / "p",
                                                                  tmp_path / "o") for cut in reference.region_codes()}
    old = regions["Coquimbo"].nacional
    old.mkdir(parents=True)
    (old / "indicadores-nacional.json").write_text("{}", encoding="utf-8")
    with pytest.raises(StageFailed, match="mapa sin regiones") as info:
        run_national(NationalRun(regions, regions["Coquimbo"], umbral_celdas=5, pdf=False, notebooks_dir=nbdir))
    assert (old / "indicadores-nacional.json").read_text(encoding="utf-8") == "{}"
    assert info.value.executed_copy.is_file() and ".fallidas" in info.value.executed_copy.parts
    assert not list((tmp_path / "o").glob(".en-curso-*"))


def test_an_unexpected_error_in_one_region_stops_only_that_region(tmp_path, capsys, monkeypatch):
    _logs(tmp_path / "raw", "Coquimbo", "Maule", "Ñuble")
    ran = []

    def run_one(job):
        ran.append(job.region)
        if job.region == "Maule":
            raise RuntimeError("estado imprevisto")
        return 0

    monkeypatch.setattr(cli, "run_one", run_one)
    monkeypatch.setattr(national, "run_national", lambda job: job.out)
    assert _main(tmp_path, "--nacional") == cli.EXIT_FAILED
    assert ran == ["Coquimbo", "Maule", "Ñuble"]
    assert "Error en 2018 Maule: RuntimeError: estado imprevisto" in capsys.readouterr().err


def test_replacing_the_default_regions_year_keeps_the_national_folder(tmp_path):
    """What a run of Coquimbo alone (runner) and JupyterLab's publish do before the swap."""
    from dataclasses import replace

    from pipeline.run.runner import keep_national, swap_into_place

    final = config.paths(2018, raw_dir=tmp_path / "raw", processed_dir=tmp_path / "p", out_dir=tmp_path / "o")
    final.nacional.mkdir(parents=True)
    final.indicadores_nacional_json.write_text('{"anio": 2018}', encoding="utf-8")
    staged = replace(final, out_root=tmp_path / "o" / ".en-curso-2018-1")
    staged.out.mkdir(parents=True)
    staged.indicadores_json.write_text("{}", encoding="utf-8")
    keep_national(final, staged)
    swap_into_place(staged.out, final.out)
    assert final.indicadores_nacional_json.read_text(encoding="utf-8") == '{"anio": 2018}'
    assert final.indicadores_json.read_text(encoding="utf-8") == "{}"


def test_a_misnamed_region_folder_is_named_on_the_console(tmp_path, capsys, monkeypatch):
    _logs(tmp_path / "raw", "Coquimbo")
    (tmp_path / "raw" / "regiones" / "aysen" / "2018").mkdir(parents=True)
    (tmp_path / "raw" / "regiones" / "otra").mkdir()
    monkeypatch.setattr(cli, "run_one", lambda job: 0)
    monkeypatch.setattr(national, "run_national", lambda job: job.out)
    assert _main(tmp_path, "--nacional") == 0
    err = capsys.readouterr().err
    assert "no corresponde a ninguna región y no se leyó: cámbiela a regiones/aysen-del-general-carlos-ibanez-del-campo/" in err
    assert "otra no corresponde a ninguna región" in err
