"""The sample generator: deterministic, the right size, really messy, and what is shipped."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from pipeline import config
from pipeline import reference
from pipeline import sample
from pipeline.text import fold

RAW = config.SAMPLE_DIR
RUT_RE = re.compile(r"^\s*([\d.\s]+?)\s*-?\s*([\dkK])\s*$")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("muestra")
    return out, sample.generate_sample(out)


def read_csv_rows(path: Path, encoding: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding)), delimiter=delimiter))


def xlsx_values(path: Path) -> dict[str, list[tuple]]:
    wb = load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def rut_is_valid(text: str) -> bool | None:
    """True/False for a RUT-looking value, None for a blank one."""
    if not text.strip():
        return None
    m = RUT_RE.match(text)
    assert m, text
    body = int(re.sub(r"\D", "", m.group(1)))
    return sample.check_digit(body) == m.group(2).upper()


# --------------------------------------------------------------------------- determinism

def test_check_digit_matches_known_ruts():
    assert sample.check_digit(12345678) == "5"
    assert sample.check_digit(11111111) == "1"
    assert any(sample.check_digit(n) == "K" for n in range(10_000_000, 10_000_040))


@pytest.fixture(scope="module")
def built():
    """The sample of the default seed (2017) as the generator builds it, before writing."""
    return sample.build_sample()


def test_same_seed_gives_same_bytes_and_another_seed_other_logs(built):
    def csv_blobs(built_sample):
        return {(ys.region, ys.year, f.name): sample.file_bytes(f)
                for ys in built_sample.years for f in ys.files if f.kind == "csv"}

    first, again, other = csv_blobs(built), csv_blobs(sample.build_sample(2017)), csv_blobs(sample.build_sample(99))
    assert first == again
    assert first.keys() == other.keys()
    assert all(first[k] != other[k] for k in first)


def test_xlsx_bytes_are_stable(built):
    ys = built.years[2]
    f = next(f for f in ys.files if f.kind == "xlsx")
    assert sample.file_bytes(f) == sample.file_bytes(f)


# --------------------------------------------------------------------------- size and coverage

@pytest.mark.parametrize("year", [2016, 2017, 2018])
def test_sample_years_have_the_size_of_a_real_region(generated, year):
    t = generated[1]["Coquimbo"][year]
    assert 150 <= t["actividades"] <= 250
    assert 4000 <= t["asistencias"] <= 8000
    assert 0.60 <= t["mujeres"] / t["asistencias"] <= 0.75
    assert t["filas_leidas"] == t["filas_validas"] + t["duplicados"] + t["cuarentena"]


@pytest.mark.parametrize("year", [2016, 2017, 2018])
def test_every_comuna_of_the_region_has_activities(generated, year):
    t = generated[1]["Coquimbo"][year]
    assert t["comunas_alcanzadas"] == 15
    assert set(t["actividades_por_comuna"]) == set(reference.comunas_region("Coquimbo")["comuna"])
    assert min(t["actividades_por_comuna"].values()) >= 1
    big = {c: t["asistencias_por_comuna"][c] for c in ("La Serena", "Coquimbo", "Ovalle")}
    assert min(big.values()) > max(t["asistencias_por_comuna"][c] for c in ("La Higuera", "Río Hurtado"))


def test_ground_truth_counts_mess_of_every_kind(generated):
    truth = generated[1]["Coquimbo"]
    t16, t17, t18 = truth[2016], truth[2017], truth[2018]
    assert t16["personas_unicas"] is None and t16["duplicados"] == 0
    assert t16["cuarentena_por_motivo"]["conteo_invalido"] == 1
    assert t16["cuarentena_por_motivo"]["conteo_inconsistente"] == 1
    for t in (t17, t18):
        motivos = t["cuarentena_por_motivo"]
        for code in ("fecha_faltante", "fecha_invalida", "fecha_fuera_de_anio", "comuna_de_otra_region",
                     "comuna_desconocida", "comuna_faltante"):
            assert motivos[code] >= 1, code
        assert t["duplicados"] > 20  # the re-sent sheet
        assert t["hojas_omitidas"] == 1
        assert t["personas_unicas"] < t["asistencias"] - t["asistencias_sin_rut_valido"]  # repeat attendees
        assert t["comunas_corregidas"]
        assert all(fold(k) != fold(v) for k, v in t["comunas_corregidas"].items())
    assert t17["archivos_rechazados"] == 2
    assert t18["archivos_rechazados"] == 3  # + the sheet with an ambiguous column


def test_plans_are_met_fully_for_some_commitments_and_partly_for_others(generated):
    for year in (2017, 2018):
        plan = generated[1]["Coquimbo"][year]["plan"]
        assert 4 <= len(plan) <= 6
        assert sum(c["ponderacion"] for c in plan) == 100
        assert any(c["logrado"] >= c["meta"] for c in plan)
        assert any(c["logrado"] < c["meta"] for c in plan)


def test_second_region_is_smaller_and_under_regiones(generated):
    out, truth = generated
    t = truth["Valparaíso"][2018]
    assert 40 <= t["actividades"] <= 80
    assert t["comunas_region"] == 38
    folder = out / "regiones" / "valparaiso" / "2018"
    assert folder == sample.sample_dir(out, "Valparaíso", 2018)
    assert config.paths(2018, "Valparaíso").raw.relative_to(config.RAW_DIR) == folder.relative_to(out)
    assert any(p.suffix == ".xlsx" for p in folder.iterdir())


# --------------------------------------------------------------------------- mess really present in files

def test_cp1252_file_is_not_utf8_and_keeps_the_en_dash(generated):
    path = generated[0] / "2017" / "consultas-y-cuenta-publica-2017.csv"
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("cp1252")
    assert "–" in text and ";" in text.splitlines()[1]
    assert text.splitlines()[0].startswith("Consultas ciudadanas")  # a title line above the header


def test_bom_and_tab_delimited_files(generated):
    year = generated[0] / "2018"
    assert (year / "cosoc-y-escuelas-2018.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    head = (year / "registro-web-2018.csv").read_text("utf-8").splitlines()[0]
    assert head.split("\t")[0] == "Código actividad"


def test_xlsx_have_title_blocks_instructions_and_serial_dates(generated):
    year = generated[0] / "2017"
    elqui = xlsx_values(year / "asistencia-elqui-2017.xlsx")
    assert list(elqui)[0] == "Instrucciones"
    assert all(len([c for c in r if c is not None]) == 1 for r in elqui["Instrucciones"])
    sheet = elqui["Enero-Junio"]
    header_at = next(i for i, r in enumerate(sheet) if r[0] == "Fecha")
    assert header_at >= 2
    assert any(all(c is None for c in r) for r in elqui["Julio-Diciembre"])  # a blank row
    limari = xlsx_values(year / "asistencia-limari-2017.xlsx")
    fechas = [r[0] for rows in limari.values() for r in rows[2:]]
    serials = [f for f in fechas if isinstance(f, int)]
    assert serials and all(42736 <= f <= 43100 for f in serials)  # 2017 in Excel's 1900 system
    texts = {f[2] for f in fechas if isinstance(f, str) and len(f) == 10}
    assert {"/", "-", "."} <= texts


def test_ruts_in_every_format_with_some_invalid(generated):
    ruts = []
    for name, enc, sep in (("consultas-y-cuenta-publica-2017.csv", "cp1252", ";"),
                           ("cosoc-y-escuelas-2017.csv", "utf-8-sig", ","),
                           ("registro-web-2017.csv", "utf-8", "\t")):
        rows = read_csv_rows(generated[0] / "2017" / name, enc, sep)
        at = next(i for i, r in enumerate(rows) if any(fold(c) in ("rut", "run") for c in r))
        col = next(j for j, c in enumerate(rows[at]) if fold(c) in ("rut", "run"))
        ruts += [r[col] for r in rows[at + 1:]]
    verdicts = [rut_is_valid(r) for r in ruts]
    assert verdicts.count(None) > 0 and verdicts.count(False) > 0 and verdicts.count(True) > 100
    assert any("." in r for r in ruts) and any(re.fullmatch(r"\d{7,8}[\dK]", r) for r in ruts)
    assert any(r.strip().endswith("k") for r in ruts) or any(" - " in r for r in ruts)


def test_broken_and_rejected_files(generated):
    year = generated[0] / "2017"
    with pytest.raises(zipfile.BadZipFile):
        load_workbook(year / "asistencia-monte-patria-2017.xlsx")
    sin_fecha = xlsx_values(year / "asistencia-andacollo-sin-fecha-2017.xlsx")["Asistencia"]
    headers = [fold(c) for r in sin_fecha[:3] for c in r if c]
    assert "comuna" in headers and not any(h.startswith("fecha") for h in headers)


def test_resent_sheet_repeats_rows_of_the_original(generated):
    year = generated[0] / "2017"
    original = {r for rows in xlsx_values(year / "asistencia-elqui-2017.xlsx").values() for r in rows}
    resent = xlsx_values(year / "asistencia-elqui-octubre-2017-reenvio.xlsx")["Octubre"]
    data = resent[resent.index(next(r for r in resent if r[0] == "Fecha")) + 1:]
    assert len(data) > 20 and all(r in original for r in data)


def test_highlights_and_plans(generated):
    out = generated[0]
    for year in (2017, 2018):
        rows = read_csv_rows(out / str(year) / "destacadas.csv", "utf-8", ",")
        assert rows[0] == ["fecha", "comuna", "titulo", "linea", "foto"] and len(rows) == 4
        fotos = [r[4] for r in rows[1:]]
        assert fotos.count("") == 1
        for foto in filter(None, fotos):
            data = (out / str(year) / foto).read_bytes()
            assert data.startswith(b"\x89PNG") and len(data) <= 30_000
    assert (out / "2017" / "plan-2018.yml").read_bytes() == (out / "2018" / "plan-2018.yml").read_bytes()
    doc = yaml.safe_load((out / "2018" / "plan-2019.yml").read_text("utf-8"))
    assert doc["anio"] == 2019 and sum(c["ponderacion"] for c in doc["compromisos"]) == 100


# --------------------------------------------------------------------------- shipped sample

def shipped_files() -> list[Path]:
    """The sample's files in data/muestra: what git does not ignore."""
    import subprocess

    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "data/muestra"],
                            cwd=config.PROJ_ROOT, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("sin git no se distingue la muestra de los datos reales")
    files = {config.PROJ_ROOT / f for f in listed.stdout.split("\0") if f}
    return sorted(p.relative_to(RAW) for p in files if p.is_file() and p.name != "README.md")


def test_shipped_sample_is_what_the_generator_writes_today(generated):
    out = generated[0]
    made = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    shipped = shipped_files()
    assert made == shipped, "data/muestra está desactualizada: make sample"
    for rel in made:
        new, old = out / rel, RAW / rel
        if rel.suffix == ".xlsx" and zipfile.is_zipfile(new):
            # byte-stable with one openpyxl version; cell values must match with any
            assert new.read_bytes() == old.read_bytes() or xlsx_values(new) == xlsx_values(old), rel
        elif rel.suffix in (".csv", ".yml"):
            assert new.read_bytes() == old.read_bytes(), rel


def test_shipped_sample_is_small():
    assert sum((RAW / p).stat().st_size for p in shipped_files()) < 3_000_000


# --------------------------------------------------------------------------- scale

def test_write_scale_csv_writes_exactly_n_rows_with_mess(tmp_path):
    path = tmp_path / "escala.csv"
    sample.write_scale_csv(path, 12_345, seed=3, chunk_rows=5_000)
    lines = path.read_text("utf-8").splitlines()
    assert len(lines) == 12_346
    rows = [line.split(";") for line in lines[1:]]
    assert all(len(r) == 12 for r in rows)
    fechas = [r[0] for r in rows]
    assert any(re.fullmatch(r"\d{5}", f) for f in fechas) and any("/" in f for f in fechas)
    assert any(f == "" for f in fechas)
    verdicts = [rut_is_valid(r[9]) for r in rows]
    assert verdicts.count(None) and verdicts.count(False)
    comunas = {fold(r[1]) for r in rows}
    regions = set(reference.comunas().assign(k=reference.comunas()["comuna"].map(fold))
                  .set_index("k").reindex(list(comunas))["cut_region"].dropna())
    assert len(regions) >= 10
    same = sample.write_scale_csv(tmp_path / "otra.csv", 12_345, seed=3, chunk_rows=5_000)
    assert same is None and (tmp_path / "otra.csv").read_bytes() == path.read_bytes()


def test_write_scale_logs_spreads_rows_over_regions_and_years(tmp_path):
    paths = sample.write_scale_logs(tmp_path, 5_000, seed=1, years=(2017, 2018), regions=["Coquimbo", "05"])
    assert len(paths) == 4
    assert tmp_path / "2017" / "escala.csv" in paths
    assert tmp_path / "regiones" / "valparaiso" / "2018" / "escala.csv" in paths
    assert sum(len(p.read_text("utf-8").splitlines()) - 1 for p in paths) == 5_000
