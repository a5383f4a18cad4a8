"""The national figures: sums and copies of the regions' published indicadores.json, on real
regional files (stages 1 and 2 run in-process on small synthetic logs of three regions)."""
from __future__ import annotations

import csv
import json
from dataclasses import replace

import openpyxl
import pytest

from pipeline import config, reference, stages
from pipeline.indicators import disclosure, national
from pipeline.indicators.definitions import indicator_definitions
from pipeline.report import workbook
from tests.conftest import TEST_KEY

YEAR = 2018
REGIONS = ("Coquimbo", "Atacama", "Magallanes")
NATIONAL_DOCS = config.PROJ_ROOT / "docs" / "indicadores-nacional.md"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Every region's paths of 2018 (name → Paths), three of them with logs cleaned and their
    indicadores.json published by the stage functions (no notebook): real regional files."""
    from pipeline.sample.scale import write_scale_logs

    base = tmp_path_factory.mktemp("regiones")
    write_scale_logs(base / "raw", 420, 11, years=(YEAR,), regions=list(REGIONS))
    regions = {reference.region(cut).nombre: config.region_paths(YEAR, cut, base / "raw", base / "p", base / "o")
               for cut in reference.region_codes()}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BALANCE_CLAVE", TEST_KEY)
        for name in REGIONS:
            reg = reference.region(name).nombre
            stages.clean_stage(regions[reg], reg)
            stages.indicators_stage(regions[reg], reg, umbral_celdas=5)
    files = {reference.region(r).nombre: json.loads(regions[reference.region(r).nombre].indicadores_json.read_text(
        encoding="utf-8")) for r in REGIONS}
    return regions, files


def test_totals_are_sums_and_each_region_a_copy(published):
    _, files = published
    nat = national.compute(YEAR, 5, files)
    with_data = [r for r in nat["regiones"] if r["estado"] == national.WITH_DATA]
    assert [r["region"] for r in with_data] == [reference.region(c).nombre for c in ("03", "04", "12")]
    for key in ("asistencias", "actividades", "mujeres", "hombres", "sexo_sin_informacion", "comunas_alcanzadas",
                "personas_distintas"):
        assert nat[key] == sum(ind[key] for ind in files.values()), key
    for entry in with_data:
        ind = files[entry["region"]]
        for key in national.COPIED:
            assert entry[key] == ind.get(key), (entry["region"], key)
        assert entry["comunas_region"] == ind["comunas_region"]
        assert entry["poblacion"] == reference.poblacion_region(entry["cut_region"])
        assert entry["asistencias_por_1000_habitantes"] == round(ind["asistencias"] / entry["poblacion"] * 1000, 2)
    for key in ("actividades_por_tipo_actividad", "actividades_por_tipo_organizacion"):
        assert list(nat[key]) == list(national.CATEGORIES[key])
        for cat, n in nat[key].items():
            assert n == sum(ind[key].get(cat, 0) for ind in files.values())
    assert nat["pct_mujeres"] == round(nat["mujeres"] / nat["asistencias"] * 100, 2)
    assert nat["poblacion"] == sum(r["poblacion"] for r in with_data)
    assert nat["asistencias_por_1000_habitantes"] == round(nat["asistencias"] / nat["poblacion"] * 1000, 2)
    assert nat["comunas_pais"] == 346 and nat["regiones_con_datos"] == 3


def test_regions_without_logs_are_sin_datos_never_zero(published):
    _, files = published
    nat = national.compute(YEAR, 5, files)
    assert len(nat["regiones"]) == 16
    assert [r["cut_region"] for r in nat["regiones"]] == [f"{n:02d}" for n in range(1, 17)]
    sin = [r for r in nat["regiones"] if r["estado"] == national.NO_DATA]
    assert [r["region"] for r in sin] == nat["regiones_sin_datos"] and len(sin) == 13
    for entry in sin:
        assert all(entry[key] is None for key in (*national.COPIED, "asistencias_por_1000_habitantes", "balance"))
        # reference figures, not data
        assert entry["poblacion"] == int(reference.comunas_region(entry["cut_region"])["poblacion_total"].sum())
        assert entry["comunas_region"] == len(reference.comunas_region(entry["cut_region"]))
    assert nat["regiones_con_error"] == []


def test_a_failed_region_is_listed_and_left_out_of_every_sum(published):
    _, files = published
    nat = national.compute(YEAR, 5, files, failed_regions=["Atacama"])
    atacama = next(r for r in nat["regiones"] if r["region"] == "Atacama")
    assert atacama["estado"] == national.FAILED and atacama["asistencias"] is None
    assert nat["regiones_con_error"] == ["Atacama"] and nat["regiones_con_datos"] == 2
    assert nat["asistencias"] == sum(ind["asistencias"] for name, ind in files.items() if name != "Atacama")


def test_previous_year_compares_the_same_regions(published):
    _, files = published
    files = {**files, "Coquimbo": {**files["Coquimbo"], "asistencias_anio_anterior": 100}}
    nat = national.compute(YEAR, 5, files)
    assert nat["asistencias_anio_anterior"] == 100 and nat["regiones_comparadas"] == ["Coquimbo"]
    assert nat["variacion_asistencias_pct"] == round((files["Coquimbo"]["asistencias"] / 100 - 1) * 100, 2)
    assert national.compute(YEAR, 5, published[1])["asistencias_anio_anterior"] is None


def test_no_region_with_data_gives_nulls_not_zeros():
    nat = national.compute(YEAR, 5, {})
    assert nat["regiones_con_datos"] == 0 and len(nat["regiones_sin_datos"]) == 16
    assert nat["poblacion"] is None and nat["pct_mujeres"] is None and nat["personas_distintas"] is None


def test_the_stage_writes_json_and_workbook_from_published_files_only(published, tmp_path):
    regions, files = published
    out = replace(regions[config.DEFAULT_REGION], out_root=tmp_path / "staged")
    nat = stages.national_stage(regions, YEAR, out, umbral_celdas=5)
    assert json.loads(out.indicadores_nacional_json.read_text(encoding="utf-8")) == nat
    coquimbo = next(r for r in nat["regiones"] if r["region"] == "Coquimbo")
    assert coquimbo["balance"] is None  # stage 3 did not run: no deck to link to
    wb = openpyxl.load_workbook(out.indicadores_nacional_xlsx, read_only=True)
    assert wb.sheetnames[:4] == ["Resumen", "Regiones", "Tipos de actividad", "Organizaciones"]
    rows = list(wb["Regiones"].iter_rows(values_only=True))
    header = rows[0]
    by_region = {r[header.index("Región")]: dict(zip(header, r)) for r in rows[1:]}
    assert by_region["Total país"]["Asistencias"] == nat["asistencias"]
    assert by_region["Atacama"]["Mujeres"] == files["Atacama"]["mujeres"]
    assert by_region["Tarapacá"]["Estado"] == "sin datos" and by_region["Tarapacá"]["Asistencias"] is None


def test_a_file_of_another_threshold_or_year_is_listed_with_error(published, tmp_path):
    regions, _ = published
    out = replace(regions[config.DEFAULT_REGION], out_root=tmp_path / "staged")
    nat = stages.national_stage(regions, YEAR, out, umbral_celdas=7)
    assert nat["regiones_con_error"] == [reference.region(c).nombre for c in ("03", "04", "12")]
    assert nat["asistencias"] == 0 and nat["regiones_con_datos"] == 0
    assert national.check({"anio": 2017}, "Coquimbo", YEAR, 5).startswith("su indicadores.json es del año 2017")


def test_every_key_is_documented(published):
    _, files = published
    nat = national.compute(YEAR, 5, files)
    documented = indicator_definitions(NATIONAL_DOCS)
    assert [k for k in nat if k not in documented] == []
    assert [k for k in nat["regiones"][0] if k not in documented] == []


def test_macro_zones_cover_each_region_once():
    zones = reference.macrozonas()
    assert sorted(zones) == reference.region_codes()
    by_zone: dict[str, list[str]] = {}
    for cut, zone in zones.items():
        by_zone.setdefault(zone, []).append(cut)
    assert by_zone == {"Norte": ["15", "01", "02", "03", "04"], "Centro": ["05", "13", "06"],
                       "Centro Sur": ["07", "16", "08", "09"], "Sur": ["14", "10"], "Austral": ["11", "12"]}
    with open(reference.DATA_DIR / "macrozonas.csv", encoding="utf-8") as fh:
        names = {row["cut_region"]: row["region"] for row in csv.DictReader(fh)}
    assert names == {cut: reference.region(cut).nombre for cut in zones}


def test_the_workbook_shows_each_regions_shares_by_age_as_published(published):
    _, files = published
    nat = national.compute(YEAR, 5, files)
    ages = workbook.national_tables(nat)["Mujeres por edad"]
    for name, ind in files.items():
        row = ages[ages["Región"] == name].iloc[0]
        for group, share in (ind["pct_mujeres_por_grupo_etario"] or {}).items():
            assert row[group] == (disclosure.RESERVED if share is None else share)
    assert "No se calcula un porcentaje nacional por grupo etario" in ages["Región"].iloc[-1]


def test_an_unreadable_regional_file_is_that_regions_error(published, tmp_path):
    regions, files = published
    broken = {**regions, "Atacama": replace(regions["Atacama"], out_root=tmp_path / "roto")}
    broken["Atacama"].out.mkdir(parents=True)
    broken["Atacama"].indicadores_json.write_text('{"anio": 2018, ', encoding="utf-8")
    out = replace(regions[config.DEFAULT_REGION], out_root=tmp_path / "staged")
    nat = stages.national_stage(broken, YEAR, out, umbral_celdas=5)
    assert nat["regiones_con_error"] == ["Atacama"]
    assert nat["asistencias"] == files["Coquimbo"]["asistencias"] + files["Magallanes y de la Antártica Chilena"][
        "asistencias"]
