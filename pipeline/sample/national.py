"""The national sample: one synthetic year for each of the sixteen regions, sized by census
population (about 100.000 attendances in all), in the layout of `config.paths`.

Built from the same pieces as the shipped sample (people, activities and rows of
`people`, headers and mess of `years`, byte-stable files of `write`, ground truth of
`expected`); what is national is only the recipe: each region's size, its women share,
the formats its provinces keep their sheets in, the comuna typos, aliases and foreign names
of its own comunas, and a plan for some regions.

    write_national_sample(out, year=2018, seed=2017, fraction=1.0, regions=None) -> dict
    size_plan(fraction=1.0, regions=None) -> {region: rows}    (nothing written)
"""
from __future__ import annotations

from collections import Counter
from math import ceil
from pathlib import Path

import numpy as np
import yaml
from rapidfuzz.distance import Levenshtein

from pipeline import config, reference
from pipeline.sample.expected import expected_figures
from pipeline.sample.extras import plan_document
from pipeline.sample.model import Activity, Person, RawFile, Row, Sample, Sheet, YearSample, _check_comuna_typos, check_digit
from pipeline.sample.people import Renderer, assign_attendees, make_activities, make_people
from pipeline.sample.vocabulary import ALIASES, DEFAULT_SEED, OTHER_REGION, RURAL_COMUNAS, TYPOS, UNKNOWN_COMUNA
from pipeline.sample.write import write_sample
from pipeline.sample.years import (
    H_BOM, H_CHOAPA, H_CP1252, H_ELQUI, H_LIMARI, INSTRUCTIONS, PERSON_CANON, _split_rows, _title, _within_duplicates,
    _zona_conflict, header,
)
from pipeline.text import fold

NATIONAL_SAMPLE_DIR = config.PROJ_ROOT / "data" / "muestra-nacional"
NATIONAL_YEAR = 2018
NATIONAL_ATTENDANCES = 100_000  # a national year, shared out by census population
MIN_ROWS = 10  # the smallest region at a tiny fraction still has a sheet
ROWS_PER_ACTIVITY = 29  # mean attendees of an ordinary activity (see people._size)
QUARANTINE_RATE = 0.004
DUPLICATE_RATE = 0.01
QUARANTINE_CODES = ("fecha_faltante", "fecha_invalida", "fecha_fuera_de_anio", "comuna_de_otra_region",
                    "comuna_desconocida", "comuna_faltante")
# Regions whose office keeps a plan-<year>.yml beside its logs.
PLAN_REGIONS = ("Coquimbo", "Valparaíso", "Metropolitana", "Biobío", "Los Lagos", "Aysén")
# Kinds the office holds on purpose (never dropped when a region's size is fitted).
INSTITUTIONAL = ("Cuenta pública", "Sesión COSOC", "Escuela de dirigentes", "Consulta ciudadana")
# Regions north to south: the foreign comunas a region's sheets slip in are its neighbours'.
NORTH_TO_SOUTH = ("15", "01", "02", "03", "04", "05", "13", "06", "07", "16", "08", "09", "14", "10", "11", "12")
# Places typed as if they were comunas (villages, beaches, sectors): no comuna of the region is
# within Levenshtein 2, so they are quarantined as unknown (checked by `_check_comuna_typos`).
LOCALITIES = {
    "01": ["Chanavayita", "La Tirana"], "02": ["Coloso", "Paposo"], "03": ["Bahía Inglesa", "Inca de Oro"],
    "06": ["Punta de Lobos", "Gultro"], "07": ["Iloca", "Duao"], "08": ["Lirquén", "Dichato"],
    "09": ["Labranza", "Quepe"], "10": ["Pelluco", "Alerce"], "11": ["Puerto Chacabuco", "Mañihuales"],
    "12": ["Puerto Toro", "Villa Tehuelches"], "13": ["Lo Curro", "Batuco"], "14": ["Niebla", "Coñaripe"],
    "15": ["Azapa", "Chaca"], "16": ["Las Trancas", "Nueva Aldea"],
}
# How field teams mistype a name (replace the first occurrence).
TYPO_RULES = (("v", "b"), ("b", "v"), ("s", "z"), ("z", "s"), ("ll", "y"), ("qu", "k"), ("ce", "se"),
              ("ci", "si"), ("rr", "r"), ("h", ""), ("gu", "g"), ("n", "m"))
# Formats a province's sheets come in (and how often).
STYLES = ("xlsx_semestres", "xlsx_comunas", "xlsx_serial", "csv_cp1252", "csv_utf8")
STYLE_WEIGHTS = (0.32, 0.18, 0.15, 0.22, 0.13)


# --------------------------------------------------------------------------- sizes

def region_codes(regions=None) -> list[str]:
    """CUT codes of `regions` (names or codes, any form `reference.region` accepts), or all sixteen."""
    if regions is None:
        return reference.regiones()["cut_region"].tolist()
    cuts = {reference.region(r).cut for r in regions}
    return sorted(cuts)


def participation(cut: str) -> float:
    """A region's own participation, 0,6 to 1,6 times the country's per inhabitant, fixed per
    region (not per seed): regions differ in attendances per 1.000 inhabitants, as real ones do."""
    return float(np.random.default_rng([int(cut), 26]).uniform(0.6, 1.6))


def size_plan(fraction: float = 1.0, regions=None, total: int = NATIONAL_ATTENDANCES) -> dict[str, int]:
    """Person rows each region's year is written with (its attendances before quarantine and
    re-signed rows): `total` shared out by 2017 census population times the region's
    `participation` (largest remainders), times `fraction`, at least MIN_ROWS. `regions` picks
    some regions without changing their size."""
    comunas = reference.comunas().merge(reference.censo()[["cut_comuna", "poblacion_total"]], on="cut_comuna")
    pop = comunas.groupby("cut_region")["poblacion_total"].sum()
    weight = pop * [participation(cut) for cut in pop.index]
    exact = weight / weight.sum() * total
    base = np.floor(exact).astype(int)
    rest = exact - base
    base[rest.sort_values(ascending=False, kind="stable").index[: total - int(base.sum())]] += 1
    return {reference.region(cut).nombre: max(MIN_ROWS, int(round(base[cut] * fraction)))
            for cut in region_codes(regions)}


# --------------------------------------------------------------------------- each region's own mess

def _typos(cut: str) -> dict[str, list[str]]:
    """One typo (two for the biggest) of the region's four most populous comunas, each a unique
    Levenshtein ≤ 2 match among the region's comunas and no official name or alias."""
    comunas = reference.comunas_region(cut).sort_values("poblacion_total", ascending=False, kind="stable")
    official = {fold(c) for c in reference.comunas()["comuna"]}
    aliases = set(reference.aliases()["clave"])
    names = [fold(c) for c in comunas["comuna"]]
    out: dict[str, list[str]] = {}
    for rank, name in enumerate(comunas["comuna"].head(4)):
        found = []
        for old, new in TYPO_RULES:
            at = name.find(old, 1)
            typed = name[:at] + new + name[at + len(old):] if at > 0 else ""
            key = fold(typed)
            if not typed or key in official or key in aliases or typed in found:
                continue
            if sum(Levenshtein.distance(key, n) <= 2 for n in names) == 1:
                found.append(typed)
            if len(found) == (2 if rank == 0 else 1):
                break
        if found:
            out[name] = found
    return out


def _aliases(cut: str) -> dict[str, str]:
    """Other names of the region's comunas that offices write (spelling variants, capitals)."""
    frame = reference.aliases()
    names = reference.comunas_region(cut).set_index("cut_comuna")["comuna"]
    frame = frame[frame["cut_comuna"].isin(names.index) & ~frame["tipo"].isin(["oficial", "forma_normalizada"])
                  & (frame["alias"] != frame["alias"].str.upper())]
    out: dict[str, str] = {}
    for alias, code in zip(frame["alias"], frame["cut_comuna"]):
        if fold(alias) != fold(names[code]):
            out.setdefault(names[code], alias)
    return out


def _neighbours(cut: str) -> list[str]:
    """The most populous comuna of the regions north and south of `cut` (two for the ends)."""
    at = NORTH_TO_SOUTH.index(cut)
    near = [NORTH_TO_SOUTH[i] for i in (at - 1, at + 1) if 0 <= i < len(NORTH_TO_SOUTH)]
    if len(near) == 1:
        near.append(NORTH_TO_SOUTH[at + 2] if at == 0 else NORTH_TO_SOUTH[at - 2])
    out = []
    for other in near:
        frame = reference.comunas_region(other)
        out.append(frame.loc[frame["poblacion_total"].idxmax(), "comuna"])
    return out


def register_comuna_mess(cut: str) -> None:
    """Fill the vocabulary's per-region typos, aliases, foreign and unknown comunas for a region
    the shipped sample does not cover (Coquimbo and Valparaíso keep their hand-written ones),
    then check them as the shipped sample's are checked."""
    if cut not in TYPOS:
        TYPOS[cut] = _typos(cut)
        ALIASES[cut] = _aliases(cut)
        OTHER_REGION[cut] = _neighbours(cut)
        UNKNOWN_COMUNA[cut] = LOCALITIES[cut]
    _check_comuna_typos(cut)


# --------------------------------------------------------------------------- one region's year

def _unique_ruts(people: list[Person], cut: str) -> None:
    """Make RUT numbers disjoint between regions whatever regions are built: each region's are
    ≡ its code (mod 16), kept distinct within the region."""
    k = int(cut) % 16
    used: set[int] = set()
    for p in people:
        rut = p.rut - p.rut % 16 + k
        while rut in used:
            rut += 16
        used.add(rut)
        p.rut, p.dv = rut, check_digit(rut)


def _fixed_kinds(cut: str, rows: int) -> dict[str, list[str]]:
    """The institutional activities of a region's year, more of them in bigger regions: the
    cuenta pública in the regional capital, COSOC sessions, leaders' schools, consultations."""
    comunas = reference.comunas_region(cut)
    capital = comunas.sort_values("cut_comuna")["comuna"].iloc[0]
    top = comunas.sort_values("poblacion_total", ascending=False, kind="stable")["comuna"].tolist()
    fixed: dict[str, list[str]] = {}
    if rows >= 250:
        fixed["Cuenta pública"] = [capital]
    if rows >= 150:
        n = int(np.clip(rows // 2500, 1, 4))
        fixed["Sesión COSOC"] = [capital] * ceil(n / 2) + top[: n // 2]
    schools = int(np.clip(rows // 1500, 0, 8))
    if schools:
        fixed["Escuela de dirigentes"] = [top[i % len(top)] for i in range(schools)]
    consultas = int(np.clip(rows // 4000, 0, 3))
    if consultas:
        fixed["Consulta ciudadana"] = top[:consultas]
    return fixed


def _fit(rng: np.random.Generator, acts: list[Activity], target: int) -> list[Activity]:
    """Drop ordinary activities at random, then trim the biggest ones, until the year has
    exactly `target` person rows (the caller draws at least that many)."""
    total = sum(len(a.attendees) for a in acts)
    dropped: set[int] = set()
    for i in rng.permutation(len(acts)):
        a = acts[int(i)]
        if total <= target:
            break
        if a.tipo not in INSTITUTIONAL and total - len(a.attendees) >= target:
            dropped.add(a.uid)
            total -= len(a.attendees)
    kept = [a for a in acts if a.uid not in dropped]
    excess = total - target
    for a in sorted(kept, key=lambda a: (-len(a.attendees), a.uid)):
        if excess <= 0:
            break
        cut = min(excess, len(a.attendees) - 1)
        a.attendees = a.attendees[: len(a.attendees) - cut]
        excess -= cut
    return kept


def _style_sheets(style: str, acts: list[Activity], rend: Renderer, region_full: str, what: str,
                  year: int) -> tuple[list[Sheet], str, str]:
    """Sheets of one file in a field team's format: (sheets, encoding, delimiter)."""
    def rows_of(chosen, date_style, styles):
        return [r for a in chosen for r in rend.person_rows(a, date_style, date_styles=styles)]

    if style in ("xlsx_semestres", "xlsx_serial"):
        canon_h, names = (H_ELQUI, ("Enero-Junio", "Julio-Diciembre")) if style == "xlsx_semestres" \
            else (H_LIMARI, ("1er semestre", "2do semestre"))
        styles = ["cell"] * 4 + ["slash"] if style == "xlsx_semestres" else ["serial", "serial", "slash", "dash", "dot"]
        title = _title(region_full, f"Listas de asistencia {what}", year) if style == "xlsx_semestres" \
            else [f"Registro de participación {what} {year}"]
        sheets = [Sheet(name, header(canon_h, PERSON_CANON),
                        rows_of([a for a in acts if (a.fecha.month <= 6) == (k == 0)], styles[0], styles), title=title)
                  for k, name in enumerate(names)]
        sheets = [sh for sh in sheets if sh.rows] or sheets[:1]  # no empty semester
        if style == "xlsx_semestres":
            sheets.insert(0, Sheet("Instrucciones", [], [], lines=INSTRUCTIONS))
        return sheets, "utf-8", ","
    if style == "xlsx_comunas":
        order = list(dict.fromkeys(a.comuna for a in sorted(acts, key=lambda a: a.cut)))
        sheets = [Sheet(comuna, header(H_CHOAPA, PERSON_CANON),
                        rows_of([a for a in acts if a.comuna == comuna], "cell", ["cell", "cell", "iso", "slash"]),
                        title=[f"Asistencia {comuna} {year}", ""]) for comuna in order]
        return sheets, "utf-8", ","
    if style == "csv_cp1252":
        return [Sheet("", header(H_CP1252, PERSON_CANON), rows_of(acts, "slash", ["slash", "dash", "serial_text"]),
                      title=[f"{what} {year} – SERVIU {region_full}"])], "cp1252", ";"
    rows = rows_of(acts, "iso", ["iso", "dot", "slash"])
    for r in rows:
        r.cells = {**r.cells, "observaciones": "Llegó tarde" if rend.rng.random() < 0.05 else ""}
    return [Sheet("", header(H_BOM, PERSON_CANON), rows)], "utf-8-sig", ","


def _candidates(rows: list[Row]) -> int:
    """How many rows `years._split_rows` may corrupt (activities with ≥ 6 rows, no typo)."""
    by_act = Counter(r.activity for r in rows if r is not None)
    return sum(1 for r in rows if r is not None and by_act[r.activity] >= 6 and r.corrected is None)


def _add_mess(rng: np.random.Generator, sheets: list[Sheet], cut: str, year: int) -> None:
    """A few quarantine-worthy rows (≈ 0,4 %) and people signing twice (≈ 1 %), at least one
    of each in a region of 20 rows or more, spread over the sheets by size (quarantine over
    the rows `_split_rows` may corrupt)."""
    data = [sh for sh in sheets if sh.lines is None and sh.rows]
    n_rows = sum(len(sh.rows) for sh in data)
    if n_rows < 20:
        return
    n_bad = max(1, round(n_rows * QUARANTINE_RATE))
    n_dup = max(1, round(n_rows * DUPLICATE_RATE))
    share = np.array([len(sh.rows) for sh in data], dtype=float) / n_rows
    fit = np.array([_candidates(sh.rows) for sh in data], dtype=float)
    bad_share = fit / fit.sum() if fit.sum() else share  # quarantine goes where rows can be corrupted
    for sh, bad, dup in zip(data, rng.multinomial(n_bad, bad_share), rng.multinomial(n_dup, share)):
        bad = min(int(bad), _candidates(sh.rows))
        if bad:
            reasons = Counter(QUARANTINE_CODES[int(i)] for i in rng.integers(0, len(QUARANTINE_CODES), bad))
            sh.rows = _split_rows(rng, sh.rows, dict(sorted(reasons.items())), year, cut)
        dup = min(int(dup), sum(1 for r in sh.rows if r.reason is None))
        if dup:
            sh.rows = _within_duplicates(rng, sh.rows, dup)


def _plan(cut: str, year: int, acts: list[Activity]) -> dict:
    """A plan whose goals the year meets for some commitments and misses for others."""
    comunas = reference.comunas_region(cut)
    small = comunas.sort_values("poblacion_total", kind="stable")["comuna"].head(max(2, len(comunas) // 4)).tolist()

    def count(pred) -> int:
        return sum(1 for a in acts if pred(a))

    jornadas = count(lambda a: a.tipo == "Jornada informativa")
    barrios = count(lambda a: a.tipo == "Taller participativo" and a.linea == "Barrios")
    rurales = count(lambda a: a.comuna in small)
    compromisos = [
        {"nombre": "Jornadas informativas de subsidios", "meta": max(1, int(jornadas * 0.9)), "ponderacion": 30,
         "filtro": {"tipo_actividad": ["Jornada informativa"]}},
        {"nombre": "Talleres participativos del Programa Barrios", "meta": barrios + max(1, ceil(barrios * 0.3)),
         "ponderacion": 25, "filtro": {"tipo_actividad": ["Taller participativo"], "linea": ["Barrios"]}},
        {"nombre": "Actividades en las comunas más pequeñas de la región", "meta": max(1, rurales),
         "ponderacion": 25, "filtro": {"comunas_incluidas": small}},
        {"nombre": "Cuenta Pública Participativa", "meta": 1, "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Cuenta pública"], "min_asistentes": 50}},
    ]
    return plan_document(year, compromisos)


def _plan_yaml(region_full: str, doc: dict) -> str:
    head = (f"# Plan de Participación Ciudadana {doc['anio']} — SERVIU {region_full}\n"
            "# Datos sintéticos de demostración (muestra nacional). ponderacion en %; suman 100.\n")
    return head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


def build_region_year(cut: str, year: int, rows: int, seed: int = DEFAULT_SEED) -> YearSample:
    """One region's synthetic year of `rows` person rows, in memory (nothing written)."""
    register_comuna_mess(cut)
    reg = reference.region(cut)
    rng = np.random.default_rng([seed, int(cut), year, 26])
    comunas = reference.comunas_region(cut)
    cuts = comunas["cut_comuna"].tolist()
    pop = comunas["poblacion_total"].astype(float).to_numpy()
    women = 0.55 + 0.16 * rng.random()  # the pool's share: attendances end ≈ 55–70 % women
    people = make_people(rng, max(40, int(rows * 0.6)), women_share=women)
    _unique_ruts(people, cut)
    home = rng.choice(len(comunas), size=len(people), p=pop ** 0.7 / (pop ** 0.7).sum())
    n_random = max(1, ceil(rows / ROWS_PER_ACTIVITY * 1.15))
    rural = frozenset(RURAL_COMUNAS | set(comunas.loc[pop < 20_000, "comuna"]))
    acts = make_activities(rng, cut, year, n_random, _fixed_kinds(cut, rows),
                           min_per_comuna=1 if n_random >= 3 * len(comunas) else 0, rural=rural)
    assign_attendees(rng, acts, people, home, cuts)
    keys = {(a.fecha, a.cut, fold(a.titulo)) for a in acts}
    while sum(len(a.attendees) for a in acts) < rows:  # small years may fall short: a few more
        more = make_activities(rng, cut, year, 2, {}, start_uid=max(a.uid for a in acts) + 1, min_per_comuna=0,
                               rural=rural)
        assign_attendees(rng, more, people, home, cuts)
        for a in more:
            while (a.fecha, a.cut, fold(a.titulo)) in keys:  # never two activities with one identity
                a.titulo += " (bis)"
            keys.add((a.fecha, a.cut, fold(a.titulo)))
        acts += more
    acts = _fit(rng, acts, rows)
    rend = Renderer(rng, people, cut, year)

    files: list[RawFile] = []
    institutional = sorted((a for a in acts if a.tipo in INSTITUTIONAL), key=lambda a: (a.fecha, a.uid))
    by_prov: dict[str, list[Activity]] = {}
    for a in sorted((a for a in acts if a.tipo not in INSTITUTIONAL), key=lambda a: (a.fecha, a.uid)):
        by_prov.setdefault(a.provincia, []).append(a)
    for prov in reference.provincias_region(cut):
        style = STYLES[int(rng.choice(len(STYLES), p=STYLE_WEIGHTS))]
        if prov not in by_prov:
            continue
        sheets, encoding, delimiter = _style_sheets(style, by_prov[prov], rend, reg.nombre_completo,
                                                    f"Provincia de {prov}", year)
        kind = "xlsx" if style.startswith("xlsx") else "csv"
        files.append(RawFile(f"asistencia-{fold(prov).replace(' ', '-')}-{year}.{kind}", kind, sheets,
                             encoding=encoding, delimiter=delimiter))
    if institutional:
        style = "csv_cp1252" if rng.random() < 0.6 else "csv_utf8"
        sheets, encoding, delimiter = _style_sheets(style, institutional, rend, reg.nombre_completo,
                                                    "Cuenta pública, COSOC, escuelas y consultas", year)
        files.append(RawFile(f"cosoc-escuelas-y-cuenta-publica-{year}.csv", "csv", sheets,
                             encoding=encoding, delimiter=delimiter))
    all_sheets = [sh for f in files for sh in f.sheets]
    _add_mess(rng, all_sheets, cut, year)
    first_xlsx = next((sh for f in files if f.kind == "xlsx" for sh in f.sheets if sh.lines is None and sh.rows), None)
    if first_xlsx is not None:
        first_xlsx.rows = _zona_conflict(first_xlsx.rows)
        first_xlsx.rows.insert(len(first_xlsx.rows) // 2, None)  # a blank row in the middle of the data
    ys = YearSample(reg.nombre, reg.cut, year, files, {a.uid: a for a in acts})
    if reg.cut in {reference.region(r).cut for r in PLAN_REGIONS}:
        ys.plan = _plan(cut, year, acts)
        ys.extra[f"plan-{year}.yml"] = _plan_yaml(reg.nombre_completo, ys.plan)
    return ys


# --------------------------------------------------------------------------- the country

def build_national(year: int = NATIONAL_YEAR, seed: int = DEFAULT_SEED, fraction: float = 1.0,
                   regions=None) -> Sample:
    """The national sample in memory: one `YearSample` per region, sizes from `size_plan`."""
    plan = size_plan(fraction, regions)
    years = [build_region_year(reference.region(name).cut, year, rows, seed) for name, rows in plan.items()]
    return Sample(seed, years, {})


def write_national_sample(out: Path, year: int = NATIONAL_YEAR, seed: int = DEFAULT_SEED, fraction: float = 1.0,
                          regions=None) -> dict:
    """Write the national sample under `out` (`<out>/<year>/` for Coquimbo, the default region;
    `<out>/regiones/<slug>/<year>/` for the others) and return its ground truth
    `{region: figures}` (the keys of `expected_figures`: actividades, asistencias,
    filas_validas, cuarentena, duplicados…), computed from the generator's knowledge."""
    sample = build_national(year, seed, fraction, regions)
    write_sample(sample, Path(out))
    return {ys.region: expected_figures(ys) for ys in sample.years}
