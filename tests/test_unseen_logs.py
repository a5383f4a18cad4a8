"""Logs the tests never saw (the generator with another seed), through the real CLI: the
indicators must be the contract's definitions applied to what the generator knows it wrote."""
import json

import pytest

from pipeline import config
from pipeline import sample
from tests.conftest import OTHER_KEY, run_cli

pytestmark = pytest.mark.slow

SEED = 90210
COMPARED = [
    "asistencias", "actividades", "mujeres", "hombres", "sexo_sin_informacion", "comunas_alcanzadas",
    "comunas_region", "personas_unicas", "asistencias_sin_rut_valido", "actividades_por_comuna",
    "asistencias_por_comuna", "actividades_por_provincia", "actividades_por_zona",
    "actividades_por_tipo_organizacion", "actividades_por_tipo_actividad", "asistencias_por_grupo_etario",
]
CALIDAD = ["filas_leidas", "filas_validas", "duplicados", "cuarentena", "cuarentena_por_motivo", "comunas_corregidas"]


@pytest.fixture(scope="module")
def unseen(tmp_path_factory):
    """The generator's logs with another seed and what it knows it wrote, run by the CLI up to
    stage 2 once per region: Coquimbo's 2017 and 2018 in one call, and Valparaíso's 2018 named by
    its code (05), in its own tree of folders (a second region's deck: `national_run`, Aysén).
    Returns the published indicadores.json of each (region, year), the truth, and Valparaíso's
    paths."""
    base = tmp_path_factory.mktemp("ineditos")
    truth = sample.generate_sample(base / "raw", seed=SEED)
    published = {}
    for region, command, years in (("Coquimbo", ("indicators", "--region", "Coquimbo"), (2017, 2018)),
                                   ("Valparaíso", ("indicators", "--region", "05"), (2018,))):
        sub = "" if region == "Coquimbo" else "valparaiso-"
        raw = sample.sample_dir(base / "raw", region, years[0]).parent
        out = run_cli(
            *command, "--years", f"{years[0]}-{years[-1]}", "-q", "--raw-dir", str(raw),
            "--processed-dir", str(base / f"{sub}proc"), "--out-dir", str(base / f"{sub}out"),
            env={"BALANCE_CLAVE": OTHER_KEY},
        )
        assert out.returncode == 0, out.stderr[-3000:]
        for year in years:
            p = config.paths(year, region, raw, base / f"{sub}proc", base / f"{sub}out")
            published[region, year] = json.loads(p.indicadores_json.read_text(encoding="utf-8"))
    return published, truth, p


@pytest.mark.parametrize("region,year", [("Coquimbo", 2017), ("Coquimbo", 2018), ("Valparaíso", 2018)])
def test_indicators_match_ground_truth(unseen, region, year):
    published, truth, _ = unseen
    want = truth[region][year]
    got = published[region, year]
    assert got["region"] == region and got["anio"] == year
    for key in COMPARED:
        assert got[key] == want[key], key
    for key in CALIDAD:
        assert got["calidad"][key] == want[key], key
    assert len(got["calidad"]["archivos_rechazados"]) == want["archivos_rechazados"]
    assert len(got["calidad"]["hojas_omitidas"]) == want["hojas_omitidas"]
    if want.get("plan"):
        logrado = {c["nombre"]: c["logrado"] for c in got["cumplimiento_plan"]}
        assert logrado == {c["nombre"]: c["logrado"] for c in want["plan"]}


def test_previous_year_change_follows_the_definition(unseen):
    published, truth, _ = unseen
    got = published["Coquimbo", 2018]
    prev = truth["Coquimbo"][2017]["asistencias"]
    assert got["asistencias_anio_anterior"] == prev
    assert got["variacion_asistencias_pct"] == round((truth["Coquimbo"][2018]["asistencias"] / prev - 1) * 100, 2)
    assert [t["anio"] for t in got["tendencia"]] == [2016, 2017, 2018]


def test_second_region_by_code_in_its_own_tree(unseen):
    """A region named by its code (05) gets its own tree of folders; its comunas come from the
    reference data (38), not from the few its logs name."""
    published, _, valparaiso = unseen
    ind = published["Valparaíso", 2018]
    assert ind["region"] == "Valparaíso" and ind["comunas_region"] == 38
    assert ind["comunas_alcanzadas"] < 38
    assert valparaiso.raw.parent.name == "valparaiso" and valparaiso.indicadores_json.is_file()
    assert config.paths(2018, "V").raw == config.RAW_DIR / "regiones" / "valparaiso" / "2018"
