"""The plans' inputs are explicit inputs of the stage cache: `--al`, the plans of
data/raw/planes/ and every year's verifier folders change the indicators' and the deck's
fingerprints; the plans also change the cleaning's (its quality report says which plans cannot
be used), the verifiers and `--al` never do."""
from dataclasses import replace

from pipeline import config
from pipeline.run import cache, runner


def test_plan_inputs_enter_the_fingerprints(tmp_path):
    for year in ("2017", "2018"):
        (tmp_path / year).mkdir()
        (tmp_path / year / "registro.csv").write_text("fecha,comuna,actividad,sexo\n", encoding="utf-8")
    paths = config.Paths(2018, tmp_path, tmp_path / "processed", tmp_path / "out")
    settings = cache.Settings("Coquimbo", 5, False)
    before = cache.stage_keys(paths, settings)

    (tmp_path / "planes").mkdir()
    (tmp_path / "planes" / "cosoc.yml").write_text("periodo: 2017-2018\n", encoding="utf-8")
    with_plan = cache.stage_keys(paths, settings)
    assert with_plan["limpieza"] != before["limpieza"]
    assert with_plan["indicadores"] != before["indicadores"] and with_plan["balance"] != before["balance"]

    evidence = tmp_path / "2017" / "verificadores" / "2017-05-01 Ovalle Sesión" / "acta.pdf"
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"x")   # an earlier year's evidence counts for a two-year plan
    with_evidence = cache.stage_keys(paths, settings)
    assert with_evidence["indicadores"] != with_plan["indicadores"]
    assert with_evidence["limpieza"] == with_plan["limpieza"]   # not a log, not a plan
    assert cache.stage_keys(replace(paths, year=2017), settings)["limpieza"] == \
        cache.stage_keys(replace(paths, year=2017), settings)["limpieza"]

    as_of = cache.stage_keys(paths, replace(settings, al="2018-06-30"))
    assert as_of["indicadores"] != with_evidence["indicadores"] and as_of["balance"] != with_evidence["balance"]
    assert as_of["limpieza"] == with_plan["limpieza"]
    # the default is the year's last day for a closed year: the same fingerprint as writing it
    assert cache.stage_keys(paths, replace(settings, al="2018-12-31")) == with_evidence


def test_as_of_date_is_a_notebook_parameter_and_a_run_log_line(tmp_path):
    paths = config.Paths(2018, tmp_path, tmp_path / "processed", tmp_path / "out")
    job = runner.YearRun(paths, "Coquimbo", al="2018-06-30")
    assert runner.stage_parameters("indicadores", paths, job)["al"] == "2018-06-30"
    assert "al" not in runner.stage_parameters("balance", paths, job)
    assert runner.stage_parameters("indicadores", paths, replace(job, al=None))["al"] == ""
    lines = cache.describe_inputs(paths, job.settings())
    assert "estado de los planes al 2018-06-30" in lines
    assert "estado de los planes al 2018-12-31 (por omisión)" in cache.describe_inputs(
        paths, replace(job, al=None).settings())
    assert paths.plan_html in runner.produced_files("indicadores", paths)
    assert paths.verificadores_html in runner.produced_files("indicadores", paths)


def test_the_quality_report_follows_side_inputs_not_evidence(tmp_path):
    """The cleaning's fingerprint (its quality report lists the side inputs it cannot use) changes
    with destacadas.csv or textos.yml, never with a verifier of the year."""
    (tmp_path / "2018").mkdir()
    (tmp_path / "2018" / "registro.csv").write_text("fecha,comuna,actividad,sexo\n", encoding="utf-8")
    paths = config.Paths(2018, tmp_path, tmp_path / "processed", tmp_path / "out")
    settings = cache.Settings("Coquimbo", 5, False)
    before = cache.stage_keys(paths, settings)["limpieza"]
    acta = tmp_path / "2018" / "verificadores" / "2018-05-01 Ovalle Sesión" / "acta.pdf"
    acta.parent.mkdir(parents=True)
    acta.write_bytes(b"x")
    assert cache.stage_keys(paths, settings)["limpieza"] == before
    (tmp_path / "2018" / "textos.yml").write_text("logros:\n  - Uno\n", encoding="utf-8")
    assert cache.stage_keys(paths, settings)["limpieza"] != before
