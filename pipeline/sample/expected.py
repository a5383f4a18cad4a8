"""Ground truth of the sample: the figures the data contract's rules must give, computed
from the generator's own knowledge of every row."""
from __future__ import annotations

from collections import Counter

from pipeline import reference
from pipeline.sample.generator import build_sample
from pipeline.sample.model import Activity, YearSample
from pipeline.sample.vocabulary import DEFAULT_SEED
from pipeline.schema import QUARANTINE_REASONS, TIPOS_ACTIVIDAD, TIPOS_ORGANIZACION, ZONAS
from pipeline.text import fold


# --------------------------------------------------------------------------- ground truth

def _matches(act: Activity, n_asist: int, filtro: dict) -> bool:
    if "tipo_actividad" in filtro and act.tipo not in filtro["tipo_actividad"]:
        return False
    if "linea" in filtro and fold(act.linea) not in {fold(x) for x in filtro["linea"]}:
        return False
    if "comunas_incluidas" in filtro and act.comuna not in filtro["comunas_incluidas"]:
        return False
    if act.comuna in filtro.get("comunas_excluidas", []):
        return False
    return n_asist >= filtro.get("min_asistentes", 0)


def expected_figures(ys: YearSample) -> dict:
    """Figures the pipeline must report for one year, by the data contract's rules, computed
    from what the generator knows of every row (not by reading the files back).

    Rows are taken file by file in file-name order, sheet by sheet; quarantine first, then
    duplicates (same activity and same valid RUT, or without one the same folded name).
    Summary rows count their head counts (the sample's summaries always carry an explicit
    `Sin información` count when total ≠ mujeres + hombres).

    Keys: the `indicadores.json` keys of the contract that follow from the logs alone —
    anio, region, actividades, asistencias, mujeres, hombres, sexo_sin_informacion,
    comunas_alcanzadas, comunas_region, personas_unicas (None without person rows),
    asistencias_sin_rut_valido, actividades_por_{comuna,provincia,zona,tipo_organizacion,
    tipo_actividad}, asistencias_por_comuna, asistencias_por_grupo_etario — and of `calidad`:
    filas_leidas, filas_validas, duplicados, cuarentena, cuarentena_por_motivo (every code,
    zeros included), comunas_corregidas {typed: comuna}, archivos_rechazados and
    hojas_omitidas (counts, not lists). Years with a plan add `plan`:
    [{nombre, meta, ponderacion, logrado}].
    """
    comunas = reference.comunas_region(ys.cut_region)
    read = valid = dups = 0
    quarantine: Counter = Counter()
    rejected = skipped = 0
    corrected: dict[str, str] = {}
    seen: set[tuple] = set()
    act_sex: dict[int, Counter] = {}
    persons: set[str] = set()
    sin_rut = 0
    ages: Counter = Counter()
    has_person_rows = False
    for f in sorted(ys.files, key=lambda f: f.name):
        if f.rejected:
            rejected += 1
            continue
        for sh in f.sheets:
            if sh.lines is not None:
                skipped += 1
                continue
            if sh.rejected:
                rejected += 1
                continue
            for r in sh.rows:
                if r is None:
                    continue
                read += 1
                if r.reason:
                    quarantine[r.reason] += 1
                    continue
                if r.corrected:
                    corrected[r.corrected[0]] = r.corrected[1]
                c = act_sex.setdefault(r.activity, Counter())
                if r.counts is not None:
                    valid += 1
                    c["Mujer"] += r.counts[0]
                    c["Hombre"] += r.counts[1]
                    c["Sin información"] += r.counts[2]
                    continue
                has_person_rows = True
                key = (r.activity, ("rut", r.rut) if r.rut else ("nombre", r.nombre_key))
                if key in seen:
                    dups += 1
                    continue
                seen.add(key)
                valid += 1
                c[r.sexo] += 1
                if r.rut:
                    persons.add(r.rut)
                else:
                    sin_rut += 1
                ages["Sin información" if r.edad is None else "0 a 17 años" if r.edad < 18
                     else "18 a 59 años" if r.edad < 60 else "60 años y más"] += 1
    acts = {uid: ys.activities[uid] for uid in act_sex}
    asist = {uid: sum(c.values()) for uid, c in act_sex.items()}
    total = Counter()
    for c in act_sex.values():
        total.update(c)
    by_comuna = Counter(a.comuna for a in acts.values())
    asist_comuna = Counter()
    for uid, a in acts.items():
        asist_comuna[a.comuna] += asist[uid]
    provs = reference.provincias_region(ys.cut_region)

    truth = {
        "anio": ys.year,
        "region": ys.region,
        "filas_leidas": read,
        "filas_validas": valid,
        "duplicados": dups,
        "cuarentena": sum(quarantine.values()),
        "cuarentena_por_motivo": {code: quarantine[code] for code in QUARANTINE_REASONS},
        "archivos_rechazados": rejected,
        "hojas_omitidas": skipped,
        "comunas_corregidas": dict(sorted(corrected.items())),
        "actividades": len(acts),
        "asistencias": sum(asist.values()),
        "mujeres": total["Mujer"],
        "hombres": total["Hombre"],
        "sexo_sin_informacion": total["Sin información"],
        "comunas_alcanzadas": len(by_comuna),
        "comunas_region": len(comunas),
        "personas_unicas": len(persons) if has_person_rows else None,
        "asistencias_sin_rut_valido": sin_rut,
        "actividades_por_comuna": {c: by_comuna[c] for c in comunas["comuna"]},
        "asistencias_por_comuna": {c: asist_comuna[c] for c in comunas["comuna"]},
        "actividades_por_provincia": {p: sum(1 for a in acts.values() if a.provincia == p) for p in provs},
        "actividades_por_zona": {z: sum(1 for a in acts.values() if a.zona == z) for z in ZONAS},
        "actividades_por_tipo_organizacion": {t: sum(1 for a in acts.values() if a.org_tipo == t)
                                              for t in TIPOS_ORGANIZACION},
        "actividades_por_tipo_actividad": {t: sum(1 for a in acts.values() if a.tipo == t) for t in TIPOS_ACTIVIDAD},
        "asistencias_por_grupo_etario": dict(ages) if has_person_rows else None,
    }
    if ys.plan:
        truth["plan"] = [
            {"nombre": c["nombre"], "meta": c["meta"], "ponderacion": c["ponderacion"],
             "logrado": sum(1 for uid, a in acts.items() if _matches(a, asist[uid], c.get("filtro", {})))}
            for c in ys.plan["compromisos"]
        ]
    return truth


def expected(seed: int = DEFAULT_SEED) -> dict:
    """Ground truth of the sample made with `seed`: `{region: {year: figures}}`."""
    out: dict = {}
    for ys in build_sample(seed).years:
        out.setdefault(ys.region, {})[ys.year] = expected_figures(ys)
    return out


