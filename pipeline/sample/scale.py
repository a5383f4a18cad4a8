"""Benchmark files: messy person-row CSVs of any size, vectorised."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import reference
from pipeline.sample.model import _pick, render_date, render_rut
from pipeline.sample.vocabulary import FIRST_F, FIRST_M, INE_SEXO, LINEAS, SEXO_SPELLINGS, SURNAMES, TIPO_SPELLINGS
from pipeline.text import fold


# --------------------------------------------------------------------------- benchmark scale

SCALE_HEADER = ["Fecha", "Comuna", "Nombre de la actividad", "Tipo de actividad", "Línea", "Urbano/Rural",
                "Tipo de organización", "Organización", "Nombre completo", "RUT", "Sexo", "Edad"]


def _scale_comunas(regions) -> tuple[list[str], np.ndarray]:
    if regions == "all":
        cuts = reference.regiones()["cut_region"].tolist()
    else:
        cuts = [reference.region(r).cut for r in regions]
    frame = pd.concat([reference.comunas_region(c) for c in cuts], ignore_index=True)
    pop = frame["poblacion_total"].astype(float).fillna(1000).to_numpy()
    return frame["comuna"].tolist(), pop ** 0.7


def write_scale_csv(path: Path, n_rows: int, seed: int, regions="all", year: int = 2018,
                    delimiter: str = ";", chunk_rows: int = 200_000, distinct_ruts: bool = False,
                    encoding: str = "utf-8") -> None:
    """A messy person-rows CSV (UTF-8) of exactly `n_rows` data rows, for benchmarks.

    Activities are spread over the comunas of `regions` ("all" or a list of names/codes)
    by population; each row is one attendee. The mess matches the sample's: dates in five
    forms incl. Excel serials, RUTs in every format with ~2% bad check digits and ~4% blank,
    sexo in words, letters and INE codes, comunas in upper case, without accents or with a
    typo; ~0.6% rows quarantined (blank date, other year, unknown comuna, comuna of another
    region when `regions` is one region) and ~1% duplicates
    (a person signed twice). Rows are written in chunks, so memory stays flat at any size.

    `distinct_ruts`: every row a different person (no pool, no one signing twice: the
    worst case for RUT checking and pseudonyms). `encoding`: e.g. "cp1252", as Excel in a
    Chilean locale saves a CSV.
    """
    rng = np.random.default_rng([seed, year, 7])
    comunas, w = _scale_comunas(regions)
    n_act = max(1, n_rows // 30)
    n_people = n_rows if distinct_ruts else int(min(max(n_rows // 3, 50), 300_000))
    sep = delimiter

    # people: rendered once (vectorised where it matters, plain loops over a capped pool)
    f_idx = rng.integers(0, len(FIRST_F), n_people)
    m_idx = rng.integers(0, len(FIRST_M), n_people)
    s1 = rng.integers(0, len(SURNAMES), n_people)
    s2 = rng.integers(0, len(SURNAMES), n_people)
    women = rng.random(n_people) < 0.66
    ruts = (rng.choice(22_000_000, n_people, replace=False) + 4_000_000 if distinct_ruts
            else rng.integers(4_000_000, 26_000_000, n_people))
    digits = ruts.copy()
    total = np.zeros(n_people, dtype=np.int64)
    factor = 2
    while digits.any():
        total += (digits % 10) * factor
        digits //= 10
        factor = factor + 1 if factor < 7 else 2
    rest = 11 - total % 11
    dv_codes = np.where(rest == 11, 0, rest)  # 10 means K
    style = rng.choice(7, n_people, p=[0.4, 0.22, 0.12, 0.08, 0.08, 0.06, 0.04])
    sexo_form = rng.integers(0, 8, n_people)
    ages = rng.integers(5, 95, n_people)
    age_bad = rng.random(n_people)
    fem = np.array(FIRST_F, dtype=object)
    mal = np.array(FIRST_M, dtype=object)
    sur = np.array(SURNAMES, dtype=object)
    first = np.where(women, fem[f_idx], mal[m_idx])
    names = first + " " + sur[s1] + " " + sur[s2]
    dv_chars = np.array(list("0123456789K"), dtype=object)
    people = []
    for i in range(n_people):
        dv = dv_chars[dv_codes[i]]
        st = style[i]
        if st == 5:
            dv = dv_chars[(dv_codes[i] + 3) % 11]  # invalid check digit
            st = 1
        rut = "" if st == 6 else render_rut(int(ruts[i]), dv, int(st) if st < 5 else 1)
        sx = "Mujer" if women[i] else "Hombre"
        sexo = INE_SEXO[sx] if sexo_form[i] == 7 else SEXO_SPELLINGS[sx][sexo_form[i]]
        if sexo_form[i] == 6 and i % 5 == 0:
            sexo = "Otro"
        edad = "" if age_bad[i] < 0.08 else "150" if age_bad[i] > 0.995 else str(ages[i])
        nm = names[i].upper() if i % 5 == 0 else names[i]
        people.append(sep.join((nm, rut, sexo, edad)))
    people = np.array(people, dtype=object)

    # activities: rendered once
    comuna_idx = rng.choice(len(comunas), n_act, p=w / w.sum())
    days = rng.integers(0, 365, n_act)
    kinds = [k for k in TIPO_SPELLINGS if k != "Sin información"]
    kind_idx = rng.integers(0, len(kinds), n_act)
    date_style = rng.integers(0, 6, n_act)
    bad = rng.random(n_act)
    styles = ["slash", "dash", "dot", "iso", "serial_text", "slash"]
    elsewhere = reference.comunas()["comuna"].tolist()[::17]
    acts = []
    start = date(year, 1, 1)
    for j in range(n_act):
        day = start + timedelta(days=int(days[j]))
        comuna = comunas[comuna_idx[j]]
        if j % 7 == 1:
            comuna = comuna.upper()
        elif j % 7 == 2:
            comuna = fold(comuna).title()
        elif j % 97 == 3 and len(comuna) > 5:
            comuna = comuna[:-2] + comuna[-1] + comuna[-2]  # a transposition: Levenshtein 2
        if bad[j] < 0.002:
            fecha = ""
        elif bad[j] < 0.004:
            fecha = render_date(day.replace(year=year - 1), "slash")
        else:
            fecha = render_date(day, styles[date_style[j]])
        if 0.004 <= bad[j] < 0.005:
            comuna = "Sector Desconocido"
        elif 0.005 <= bad[j] < 0.006:
            comuna = elsewhere[j % len(elsewhere)]  # a comuna of another region (or of the same)
        kind = kinds[kind_idx[j]]
        acts.append(sep.join((fecha, comuna, f"{kind} {j}", _pick(rng, TIPO_SPELLINGS[kind]),
                              LINEAS[j % len(LINEAS)], ("Urbano", "Rural", "U", "R")[j % 4],
                              ("Comité de Vivienda", "JJVV", "Club deportivo", "")[j % 4], f"Organización {j % 500}")))
    acts = np.array(acts, dtype=object)

    # rows: activity of each row (sorted, as sheets are), person drawn at random; 1% re-signed
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    order = rng.permutation(n_people) if distinct_ruts else None
    with open(path, "w", encoding=encoding, newline="") as out:
        out.write(sep.join(SCALE_HEADER) + "\n")
        done = 0
        while done < n_rows:
            n = min(chunk_rows, n_rows - done)
            a = np.sort(rng.integers(0, n_act, n))
            if order is not None:
                p = order[done:done + n]
            else:
                p = rng.integers(0, n_people, n)
                again = np.flatnonzero(rng.random(n) < 0.01)
                again = again[again > 0]
                same_act = a[again] == a[again - 1]
                p[again[same_act]] = p[again[same_act] - 1]
            lines = acts[a] + sep + people[p]
            out.write("\n".join(lines.tolist()))
            out.write("\n")
            done += n


def write_scale_logs(root: Path, n_rows: int, seed: int, years=(2018,), regions="all") -> list[Path]:
    """`n_rows` rows spread over one CSV per region and year, in the layout of `config.paths`
    (`<root>/<year>/escala.csv` for Coquimbo, `<root>/regiones/<slug>/<year>/escala.csv`
    otherwise), each region's share ∝ its population^0.7. Returns the files written."""
    regs = reference.regiones()["cut_region"].tolist() if regions == "all" else [reference.region(r).cut for r in regions]
    weights = np.array([reference.comunas_region(c)["poblacion_total"].astype(float).sum() ** 0.7 for c in regs])
    cells = len(regs) * len(years)
    share = np.repeat(weights / weights.sum() / len(years), len(years))
    counts = np.floor(share * n_rows).astype(int)
    counts[: n_rows - counts.sum()] += 1
    paths = []
    k = 0
    for cut in regs:
        reg = reference.region(cut)
        for year in years:
            sub = Path(str(year)) if cut == "04" else Path("regiones") / reg.slug / str(year)
            target = Path(root) / sub / "escala.csv"
            write_scale_csv(target, int(counts[k]), seed + k, regions=[cut], year=year)
            paths.append(target)
            k += 1
    assert k == cells
    return paths


