"""Shared fixtures: the whole pipeline run once per session on the shipped sample."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from pipeline import config

# Property tests give the same result every run (CI included): examples are derived from the
# test itself, not from a random seed or a saved database. A counterexample found while
# exploring (HYPOTHESIS_PROFILE=explorar) becomes a plain test.
settings.register_profile("determinista", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("explorar", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "determinista"))

# --------------------------------------------------------------------------- two workers (pytest-xdist)

# `make test` runs the suite on two workers (`-n 2 --dist loadgroup --no-loadscope-reorder`):
# each test goes to the worker of its group. A test that reads one of the session runs below
# joins that run's group, so each run is made once per test run, by one worker; any other test
# keeps its module's company, so a module-scoped fixture is made once too. Groups are handed out
# in the order sorted here (xdist would otherwise sort them by their number of tests): the
# session runs first, then the groups holding `slow` tests, then the quick ones, which fill the
# end of the run on both workers instead of a long run starting last on one.
SESSION_GROUPS = {"sample_run": "muestra", "sample_decks": "muestra", "lab_run": "muestra",
                  "national_run": "nacional", "national_deck": "mazo-nacional", "fixture_deck": "mazos"}


def worker_group(item: pytest.Item) -> str:
    """The xdist group of a test: the first session run it reads, else its module."""
    used = getattr(item, "fixturenames", ())
    return next((group for name, group in SESSION_GROUPS.items() if name in used), item.nodeid.split("::")[0])


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns the groups into node ids
def pytest_collection_modifyitems(config, items):
    first = list(dict.fromkeys(SESSION_GROUPS.values()))
    groups = {item.nodeid: worker_group(item) for item in items}
    slow = {groups[item.nodeid] for item in items if item.get_closest_marker("slow")}
    for item in items:
        item.add_marker(pytest.mark.xdist_group(groups[item.nodeid]))

    def rank(item: pytest.Item) -> int:
        group = groups[item.nodeid]
        return first.index(group) if group in first else len(first) + (group not in slow)

    items.sort(key=rank)  # stable: within a rank, the collection's order


SAMPLE_YEAR = 2017
# The synthetic sample's folders (under data/muestra/): tests copy these into tmp_path and
# never look at data/raw/, where an analyst's real logs go.
SAMPLE_FOLDERS = ("2016", "2017", "2018", "regiones/valparaiso/2018")

# Pseudonymisation keys of the tests: random base64 keys, as `pseudonyms.check_key` asks.
TEST_KEY = "Vb3kQ9xZr2mT7pLw0sYc4nHf8dJu6aGe1iKo5qRt-XyW"
OTHER_KEY = "Oq7Hn2Lx9ZcV4bRm1TsK8fWp3JdG6yEu0aNi5kYr_MwQ"


def reference_pseudonym(key: bytes, rut: str) -> str:
    """A pseudonym as `cryptography`'s own AES-CMAC (RFC 4493) makes it, one RUT at a time:
    the AES-256 key derived from the project key by HKDF-SHA-256, the RUT padded with spaces
    to one block (the definition `pipeline.clean.pseudonyms` computes in batch)."""
    from cryptography.hazmat.primitives import cmac, hashes
    from cryptography.hazmat.primitives.ciphers import algorithms
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    aes_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"balance-participacion/seudonimos-rut/aes-cmac").derive(key)
    mac = cmac.CMAC(algorithms.AES(aes_key))
    mac.update(rut.ljust(16).encode("ascii"))
    return mac.finalize().hex()


def tree_digest(root: Path) -> dict[str, str]:
    """SHA-256 of every file below root, with its mode (to prove nothing was modified)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() + oct(p.stat().st_mode)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def year_csv(tmp_path: Path, name: str, text: str, year: str = "2017") -> Path:
    """A raw year folder `tmp_path/<year>` holding one UTF-8 CSV log; returns the folder."""
    raw = tmp_path / year
    raw.mkdir(exist_ok=True)
    (raw / name).write_text(text, encoding="utf-8")
    return raw


def run_cli(*args: str, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        capture_output=True, text=True, cwd=config.PROJ_ROOT, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def sample_files(folder: str) -> list[Path]:
    """The sample's files in data/muestra/<folder>: those git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", f"data/muestra/{folder}"],
        cwd=config.PROJ_ROOT, capture_output=True, text=True)
    if listed.returncode != 0:  # not a git checkout: the folder as it is
        return sorted(p for p in (config.SAMPLE_DIR / folder).rglob("*") if p.is_file())
    return sorted(config.PROJ_ROOT / f for f in listed.stdout.split("\0") if f)


def copy_sample(raw: Path, folders=SAMPLE_FOLDERS) -> Path:
    """Copy the sample's year folders (only those, only its files) into `raw`; returns `raw`."""
    for folder in folders:
        for src in sample_files(folder):
            target = raw / src.relative_to(config.SAMPLE_DIR)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    return raw


# A tiny year: one activity, two attendances (one without RUT), cleaned by stage 1.
TINY_LOG = "fecha,comuna,actividad,rut,sexo\n2017-05-02,Ovalle,Taller,12.345.678-5,F\n2017-05-02,Ovalle,Taller,,M\n"


# Small years for runs of every stage (the cache decides the same on any size): `log_of` one
# year's log, `small_years` 2016 and 2017.
SMALL_HEADER = "fecha,comuna,actividad,tipo_actividad,rut,sexo\n"
SMALL_PEOPLE = ["12.345.678-5,F", "11.111.111-1,M", "7.654.321-6,F", ",M"]


def log_of(year: int, activities: list[tuple[str, str, str]]) -> str:
    """A log of `activities` (month-day, name, type), the same four people at each."""
    return SMALL_HEADER + "".join(f"{year}-{day},Ovalle,{name},{kind},{person}\n"
                                  for day, name, kind in activities for person in SMALL_PEOPLE)


# 2016, the previous year of the small years and of `lab_run`'s tiny 2017
SMALL_2016 = log_of(2016, [("04-12", "Taller", "Taller"), ("09-20", "Consulta", "Consulta")])


def small_years(raw) -> None:
    """2016 and 2017 (2016 is 2017's previous year) in a few rows each, under `raw`. 2017 has
    destacadas.csv and a textos.yml that says «4 Escuelas» where its logs count 8."""
    raw.mkdir(parents=True, exist_ok=True)
    year_csv(raw, "lista-2016.csv", SMALL_2016, year="2016")
    schools = [(f"{m:02d}-10", f"Escuela de dirigentes módulo {m}", "ESCUELA DE DIRIGENTES") for m in range(2, 10)]
    folder = year_csv(raw, "lista-2017.csv", log_of(2017, [("05-02", "Taller", "Taller"), *schools]))
    (folder / "destacadas.csv").write_text("fecha,comuna,titulo,linea,foto\n"
                                           "02/05/2017,Ovalle,Taller de Ovalle,Atención Ciudadana,\n", encoding="utf-8")
    (folder / "textos.yml").write_text('logros:\n  - "**4 Escuelas de Formación de Dirigentes Sociales.**"\n',
                                       encoding="utf-8")


@pytest.fixture
def cleaned(tmp_path, monkeypatch):
    """Paths of a tiny 2017 year already cleaned by stage 1 (key from the environment)."""
    from pipeline import stages

    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    (tmp_path / "raw").mkdir()
    year_csv(tmp_path / "raw", "lista.csv", TINY_LOG)
    paths = config.paths(2017, "Coquimbo", tmp_path / "raw", tmp_path / "p", tmp_path / "o")
    stages.clean_stage(paths, "Coquimbo")
    return paths


@pytest.fixture
def paths(tmp_path, monkeypatch):
    """Paths of an empty 2017 raw folder in tmp_path, the test key set (modules that need a
    different year folder define their own `paths`)."""
    monkeypatch.setenv("BALANCE_CLAVE", TEST_KEY)
    raw = tmp_path / "raw" / "2017"
    raw.mkdir(parents=True)
    return config.paths(2017, raw_dir=tmp_path / "raw", processed_dir=tmp_path / "proc", out_dir=tmp_path / "out")


def by_sex(result) -> dict[str, int]:
    """Attendances of a CleanResult per sex category."""
    return result.asistencias["sexo"].astype(str).value_counts().to_dict()


# --------------------------------------------------------------------------- the raw folder read-only, audited

AUDIT_HOOK = '''
"""Installed by the tests (tests/conftest.py): refuse and record any write under the raw folder."""
import os
import sys

_RAW = os.path.realpath(os.environ["AUDITORIA_RAW"])
_LOG = os.environ["AUDITORIA_LOG"]
_WRITE = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_PATH_EVENTS = {"os.remove", "os.rmdir", "os.chmod", "os.chown", "os.truncate", "os.utime", "os.mkdir",
                "os.symlink", "os.link", "shutil.rmtree", "shutil.copyfile", "shutil.move"}


def _inside(path):
    if isinstance(path, int) or path is None:
        return False
    try:
        real = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return False
    return real == _RAW or real.startswith(_RAW + os.sep)


def _hook(event, args):
    bad = False
    if event == "open" and args and _inside(args[0]):
        mode, flags = args[1], args[2]
        bad = (mode is not None and any(c in str(mode) for c in "wax+")) or (mode is None and flags & _WRITE)
    elif event in _PATH_EVENTS and args:
        target = args[1] if event in ("shutil.copyfile", "shutil.move", "os.symlink", "os.link") else args[0]
        bad = _inside(target)
    elif event in ("os.rename", "os.replace") and args:
        bad = _inside(args[0]) or _inside(args[1])
    if bad:
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(f"ESCRITURA {os.getpid()} {event} {args[:2]!r}\\n")
        raise PermissionError(f"los datos crudos son de solo lectura ({event})")


def _started(how):
    with open(_LOG, "a", encoding="utf-8") as fh:
        fh.write(f"{how} {os.getpid()} {' '.join(sys.argv[:3])}\\n")


_started("inicio")
# a process forked from an audited one keeps the hook (the kernels forked by the fork server)
os.register_at_fork(after_in_child=lambda: _started("bifurcado"))
sys.addaudithook(_hook)
'''


def audited_env(folder: Path, raw: Path) -> tuple[dict, Path]:
    """Environment under which every Python process (the CLI, its workers, the notebook
    kernels) refuses and records any write under `raw`; returns it and the audit log."""
    hook_dir = folder / "auditoria"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(AUDIT_HOOK, encoding="utf-8")
    log = folder / "auditoria.log"
    env = {"BALANCE_CLAVE": TEST_KEY, "PYTHONPATH": os.pathsep.join([str(hook_dir), str(config.PROJ_ROOT)]),
           "AUDITORIA_RAW": str(raw), "AUDITORIA_LOG": str(log)}
    return env, log


def make_read_only(raw: Path) -> Path:
    for p in sorted(raw.rglob("*"), reverse=True):
        p.chmod(0o444 if p.is_file() else 0o555)
    raw.chmod(0o555)
    return raw


def make_writable(raw: Path) -> None:
    raw.chmod(0o755)
    for p in raw.rglob("*"):
        p.chmod(0o644 if p.is_file() else 0o755)


# --------------------------------------------------------------------------- the sample, run once


SAMPLE_RUN_YEARS = (2016, 2017, 2018)


@dataclass
class SampleRun:
    """The one CLI run of the sample shared by the end-to-end, leak, security, disclosure, plan,
    deck-consistency and browser tests. Read it, never write into it: a test that changes
    inputs or re-runs a stage works on its own tree."""
    base: Path                          # holds raw/, processed/, outputs/
    paths: config.Paths                 # the sample year (2017)
    result: subprocess.CompletedProcess
    raw_before: dict[str, str]          # tree_digest of the read-only raw copy, before…
    raw_after: dict[str, str]           # …and after the run
    audit: str                          # the audit hook's log: processes started, writes refused

    def year(self, year: int) -> config.Paths:
        return config.paths(year, "Coquimbo", self.base / "raw", self.base / "processed", self.base / "outputs")


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> SampleRun:
    """`python -m pipeline run --years 2016-2018 --jobs 2` (PDF included) once per test run,
    on a read-only copy of the sample's years and plans, every Python process under an audit
    hook that refuses writes there; into temporary folders. The raw copy stays read-only
    while the session lasts."""
    base = tmp_path_factory.mktemp("muestra")
    raw = make_read_only(copy_sample(base / "raw", ("2016", "2017", "2018", "planes")))
    raw_before = tree_digest(raw)
    env, log = audited_env(base, raw)
    result = run_cli("run", "--years", "2016-2018", "--jobs", "2", "-q", "--raw-dir", str(raw),
                     "--processed-dir", str(base / "processed"), "--out-dir", str(base / "outputs"), env=env)
    run = SampleRun(base, config.paths(SAMPLE_YEAR, "Coquimbo", raw, base / "processed", base / "outputs"),
                    result, raw_before, tree_digest(raw), log.read_text(encoding="utf-8") if log.exists() else "")
    yield run
    make_writable(raw)


@pytest.fixture(scope="session")
def sample_decks(sample_run) -> Path:
    """The root of the shared sample run (`raw`, `processed`, `outputs`), for the browser tests
    that read its 2017 and 2018 decks."""
    assert sample_run.result.returncode == 0, sample_run.result.stderr[-3000:]
    return sample_run.base


@pytest.fixture(scope="session")
def fixture_deck(tmp_path_factory):
    """`fixture_deck(name, photo=True, plan=True)` → (executed notebook, deck html): 03_balance.ipynb
    run by papermill on tests/fixtures/deck/<name> (`render_deck`), once per session for each
    name and options; the export and browser tests read the same decks."""
    from tests.report.test_export import render_deck

    made: dict[tuple, tuple[Path, Path]] = {}

    def deck(name: str, *, photo: bool = True, plan: bool = True) -> tuple[Path, Path]:
        key = (name, photo, plan)
        if key not in made:
            made[key] = render_deck(tmp_path_factory.mktemp("mazo"), name, photo=photo, plan=plan)
        return made[key]

    return deck


# A tiny year as an office might start one: one activity, two people with name, RUT and age.
TINY_YEAR_CSV = ("fecha,actividad,comuna,tipo_actividad,nombre,rut,sexo,edad\n"
                 "12/04/2017,Reunión de diálogo Villa Esperanza,Río Hurtado,Reunión de diálogo,Ana Rojas,11.111.111-1,F,34\n"
                 "12/04/2017,Reunión de diálogo Villa Esperanza,Río Hurtado,Reunión de diálogo,Luis Soto,12.345.678-5,M,51\n")


@dataclass
class LabRun:
    """The three notebooks as an analyst runs them in JupyterLab (`lab_run`)."""
    base: Path                      # holds raw/, processed/, outputs/, ejecutados/
    final: config.Paths             # the year's published paths (2017)
    executed: dict[str, object]     # stage → the executed notebook (nbformat)
    seen: dict[str, dict]           # stage → what outputs/ held right after it


@pytest.fixture(scope="session")
def lab_run(tmp_path_factory) -> LabRun:
    """The three notebooks run once per test run as an analyst runs them in JupyterLab: no
    runner, no injected parameters (papermill with the defaults of each `parameters` cell,
    year 2017), the trees moved to temporary folders by BALANCE_RAW_DIR / BALANCE_PROCESSED_DIR
    / BALANCE_OUT_DIR only while they run. The year is TINY_YEAR_CSV (2016, its previous year:
    two small activities), published over a previous good report that must stay in place until
    03's last cell publishes. The notebook tests and the layout of a tiny year's deck read it."""
    import nbformat
    import papermill as pm

    base = tmp_path_factory.mktemp("lab")
    (base / "raw").mkdir()
    year_csv(base / "raw", "registro.csv", TINY_YEAR_CSV)
    year_csv(base / "raw", "lista-2016.csv", SMALL_2016, year="2016")
    executed, seen = {}, {}
    with pytest.MonkeyPatch.context() as mp:
        for var, sub in (("BALANCE_RAW_DIR", "raw"), ("BALANCE_PROCESSED_DIR", "processed"),
                         ("BALANCE_OUT_DIR", "outputs")):
            mp.setenv(var, str(base / sub))
        mp.setenv("BALANCE_CLAVE", TEST_KEY)
        final = config.paths(2017)
        final.out.mkdir(parents=True)
        final.indicadores_json.write_text('{"anterior": true}', encoding="utf-8")
        (final.out / "calidad-2017.html").write_text("reporte anterior", encoding="utf-8")
        for stage, name in config.NOTEBOOKS.items():
            target = base / "ejecutados" / name
            target.parent.mkdir(exist_ok=True)
            pm.execute_notebook(str(config.NOTEBOOKS_DIR / name), str(target), kernel_name="python3",
                                cwd=str(config.NOTEBOOKS_DIR), progress_bar=False)
            executed[stage] = nbformat.read(target, as_version=4)
            seen[stage] = {
                "publicado": final.indicadores_json.read_text(encoding="utf-8"),
                "ocultos": sorted(p.name for p in final.out_root.iterdir() if p.name.startswith(".")),
            }
    return LabRun(base, final, executed, seen)


@dataclass
class NationalRunResult:
    """One `ejecutar --anio 2018 --nacional` run: `regions` is every region's paths of the year
    (region name → config.Paths, the 16), `nacional` the default region's (its `nacional`,
    `indicadores_nacional_json`… are the country's outputs)."""

    base: Path
    raw: Path
    result: subprocess.CompletedProcess
    regions: dict[str, config.Paths]
    nacional: config.Paths
    with_data: tuple[str, ...]
    failed: tuple[str, ...]

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        """Another command on the same folders (e.g. a re-run)."""
        return run_cli(*args, "-q", "--sin-pdf", "--raw-dir", str(self.raw), "--processed-dir",
                       str(self.base / "processed"), "--out-dir", str(self.base / "outputs"),
                       env={"BALANCE_CLAVE": TEST_KEY})


NATIONAL_YEAR = 2018


@pytest.fixture(scope="session")
def national_run(tmp_path_factory) -> NationalRunResult:
    """`python -m pipeline ejecutar --anio 2018 --nacional --procesos 2 --sin-pdf`, once per test
    run, on small synthetic logs of two regions (Coquimbo 514 rows, Aysén 127:
    `pipeline.sample.scale.write_scale_logs`) and one region whose only file is not a
    spreadsheet (Arica y Parinacota: its cleaning fails); the other thirteen have no logs.
    Shared by every test of the national balance (stage, protection, deck)."""
    from pipeline import reference
    from pipeline.sample.scale import write_scale_logs

    base = tmp_path_factory.mktemp("nacional")
    raw = base / "raw"
    write_scale_logs(raw, 641, 7, years=(NATIONAL_YEAR,), regions=["Coquimbo", "Aysén"])
    broken = raw / "regiones" / reference.region("Arica y Parinacota").slug / str(NATIONAL_YEAR)
    broken.mkdir(parents=True)
    (broken / "lista.xlsx").write_bytes(b"esto no es una planilla")
    result = run_cli("ejecutar", "--anio", str(NATIONAL_YEAR), "--nacional", "--procesos", "2", "-q", "--sin-pdf",
                     "--raw-dir", str(raw), "--processed-dir", str(base / "processed"),
                     "--out-dir", str(base / "outputs"), env={"BALANCE_CLAVE": TEST_KEY})
    regions = {reference.region(cut).nombre: config.region_paths(NATIONAL_YEAR, cut, raw, base / "processed",
                                                                  base / "outputs")
               for cut in reference.region_codes()}
    with_data = tuple(reference.region(r).nombre for r in ("Coquimbo", "Aysén"))
    return NationalRunResult(base, raw, result, regions, regions[config.DEFAULT_REGION], with_data,
                             ("Arica y Parinacota",))


# --------------------------------------------------------------------------- Chromium

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium: without it the browser tests skip on a workstation and fail in CI
    (env CI set), so a CI image that lost its browser cannot pass silently."""
    if not CHROMIUM.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"Falta Chromium en {CHROMIUM}: en CI las pruebas de navegador son obligatorias (make chromium).")
        pytest.skip(f"Chromium no está instalado en {CHROMIUM} (make chromium)")
    return CHROMIUM


def refuse_network(page, requests: list[str] | None = None) -> list[str]:
    """`page` as a shared report is read, offline: only file: and data: URLs load, every other
    request is refused. Returns the list each requested URL is recorded in (`requests`, when
    several pages share one). Call before goto."""
    requests = [] if requests is None else requests
    page.on("request", lambda r: requests.append(r.url))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    return requests


@pytest.fixture(scope="module")
def browser(chromium):
    """One headless Chromium for the tests of a module; each test opens its own context and
    closes it. Per module, not per session: `export.export_pdf` starts a Playwright of its own,
    which cannot run while this one is open, so the PDF tests have a module without it
    (tests/test_pdf.py)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield b
        b.close()
