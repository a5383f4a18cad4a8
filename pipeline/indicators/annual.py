"""Indicators of one year: one function per indicator, each quoting its definition.

Input is the cleaning stage's output (`actividades`, `asistencias`, `calidad`); output is the
`indicadores.json` dictionary of the data contract §5 (see docs/indicadores.md).
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline import config
from pipeline.indicators import disclosure, gender
from pipeline import reference
from pipeline import schema
from pipeline.config import Paths

AGE_GROUPS = disclosure.AGE_GROUPS


def _counts(series: pd.Series, categories: list[str]) -> dict[str, int]:
    """Counts of each category in display order, zeros included (other values appended)."""
    counts = series.value_counts()
    out = {cat: int(counts.get(cat, 0)) for cat in categories}
    for key, value in counts.items():
        if key not in out:
            out[str(key)] = int(value)
    return out


def asistencias(actividades: pd.DataFrame) -> int:
    """Valid attendances: person rows after cleaning + summary head counts."""
    return int(actividades["asistencias"].sum())


def personas_unicas(asistencias_: pd.DataFrame) -> int | None:
    """Distinct persons with a valid RUT (null when the year has no person rows)."""
    if asistencias_.empty:
        return None
    return int(asistencias_["persona"].dropna().nunique())


def asistencias_sin_rut_valido(asistencias_: pd.DataFrame) -> int:
    """Person-row attendances that could not be attributed to a person."""
    return int(asistencias_["persona"].isna().sum())


def por_sexo(actividades: pd.DataFrame) -> dict[str, int]:
    """Attendances by sex: `mujeres`, `hombres`, `sexo_sin_informacion`."""
    return {
        "mujeres": int(actividades["mujeres"].sum()),
        "hombres": int(actividades["hombres"].sum()),
        "sexo_sin_informacion": int(actividades["sexo_sin_informacion"].sum()),
    }


def actividades_por_comuna(actividades: pd.DataFrame, comunas: pd.DataFrame) -> dict[str, int]:
    """Activities per comuna, every comuna of the region in code order, zeros included."""
    counts = actividades.groupby("cut_comuna").size()
    return {row.comuna: int(counts.get(row.cut_comuna, 0)) for row in comunas.itertuples()}


def asistencias_por_comuna(actividades: pd.DataFrame, comunas: pd.DataFrame) -> dict[str, int]:
    """Attendances per comuna, every comuna of the region in code order, zeros included."""
    sums = actividades.groupby("cut_comuna")["asistencias"].sum()
    return {row.comuna: int(sums.get(row.cut_comuna, 0)) for row in comunas.itertuples()}


def asistencias_por_1000_habitantes(por_comuna: dict[str, int], comunas: pd.DataFrame) -> dict[str, float]:
    """Attendances per 1,000 inhabitants of the 2017 census, two decimals."""
    pop = dict(zip(comunas["comuna"], comunas["poblacion_total"]))
    return {c: round(n / pop[c] * 1000, 2) if pop.get(c) else 0.0 for c, n in por_comuna.items()}


def actividades_por_provincia(actividades: pd.DataFrame, provincias: list[str]) -> dict[str, int]:
    """Activities per province of the region, zeros included."""
    return _counts(actividades["provincia"], provincias)


def actividades_por_mes(actividades: pd.DataFrame) -> dict[str, int]:
    """Activities per month `01`…`12`, zeros included."""
    months = pd.to_datetime(actividades["fecha"]).dt.month
    counts = months.value_counts()
    return {f"{m:02d}": int(counts.get(m, 0)) for m in range(1, 13)}


def actividades_por_linea(actividades: pd.DataFrame) -> dict[str, int]:
    """Activities per line of work, most frequent first, `Sin información` last; a line found
    in fewer than 3 activities is counted in `Otras` (free text: it may hold a name)."""
    lineas = disclosure.common_categories(actividades["linea"].fillna(schema.SIN_INFORMACION),
                                          keep=[schema.SIN_INFORMACION])
    counts = lineas.value_counts()
    ordered = {str(k): int(v) for k, v in counts.items() if k != schema.SIN_INFORMACION}
    if schema.SIN_INFORMACION in counts:
        ordered[schema.SIN_INFORMACION] = int(counts[schema.SIN_INFORMACION])
    return ordered


def asistencias_por_grupo_etario(asistencias_: pd.DataFrame) -> dict[str, int] | None:
    """Person-row attendances by age group (children and adolescents 0–17, adults 18–59,
    older adults 60+); null when the year has no age at all."""
    if asistencias_.empty or asistencias_["edad"].notna().sum() == 0:
        return None
    age = asistencias_["edad"]
    groups = pd.cut(age.astype("float64"), bins=[-1, 17, 59, 200], labels=AGE_GROUPS[:3])
    counts = groups.value_counts()
    out = {g: int(counts.get(g, 0)) for g in AGE_GROUPS[:3]}
    out[schema.SIN_INFORMACION] = int(age.isna().sum())
    return out


def forma_registro(actividades: pd.DataFrame) -> str:
    """`personas`, `resumen` or `mixta`: the shapes of log the year came in."""
    forms = set(actividades["forma"].unique())
    if forms == {schema.SHAPE_SUMMARY}:
        return schema.SHAPE_SUMMARY
    if forms == {schema.SHAPE_PERSONS}:
        return schema.SHAPE_PERSONS
    return "mixta"


def compute(
    actividades: pd.DataFrame,
    asistencias_: pd.DataFrame,
    calidad: dict,
    year: int,
    region: str,
    previous: dict | None = None,
    umbral_celdas: int | None = None,
) -> dict:
    """The `indicadores.json` dictionary of one year (contract §5, docs/indicadores.md).

    `previous` is the previous year's dictionary (as returned by this function) or None;
    `umbral_celdas` the small-cell threshold: distinct women and men behind a published share
    (None: `config.small_cell_threshold`).
    """
    umbral_celdas = config.small_cell_threshold(umbral_celdas)
    reg = reference.region(region)
    comunas = reference.comunas_region(reg.cut)
    total = asistencias(actividades)
    by_sex = por_sexo(actividades)
    por_comuna = asistencias_por_comuna(actividades, comunas)
    act_comuna = actividades_por_comuna(actividades, comunas)
    previous_total = previous["asistencias"] if previous else None
    change = None if not previous_total else round((total / previous_total - 1) * 100, 2)
    result = {
        "anio": int(year),
        "region": reg.nombre,
        "region_nombre_completo": reg.nombre_completo,
        "asistencias": total,
        "asistencias_anio_anterior": previous_total,
        "variacion_asistencias_pct": change,
        "personas_unicas": personas_unicas(asistencias_),
        "personas_distintas": disclosure.personas_distintas(asistencias_, actividades),
        "asistencias_sin_rut_valido": asistencias_sin_rut_valido(asistencias_),
        "actividades": int(len(actividades)),
        "comunas_alcanzadas": int(sum(1 for n in act_comuna.values() if n > 0)),
        "comunas_region": int(len(comunas)),
        **by_sex,
        "pct_mujeres": gender.pct(by_sex["mujeres"], total),
        "actividades_por_provincia": actividades_por_provincia(
            actividades, reference.provincias_region(reg.cut)
        ),
        "actividades_por_zona": _counts(actividades["zona"], schema.ZONAS),
        "actividades_por_tipo_organizacion": _counts(
            actividades["tipo_organizacion"], schema.TIPOS_ORGANIZACION
        ),
        "actividades_por_tipo_actividad": _counts(actividades["tipo_actividad"], schema.TIPOS_ACTIVIDAD),
        "asistencias_por_comuna": por_comuna,
        "actividades_por_comuna": act_comuna,
        "asistencias_por_1000_habitantes": asistencias_por_1000_habitantes(por_comuna, comunas),
        "actividades_por_linea": actividades_por_linea(actividades),
        "actividades_por_mes": actividades_por_mes(actividades),
        "umbral_celdas_pequenas": int(umbral_celdas),
        **gender.compute(actividades, asistencias_, list(comunas["comuna"]),
                         reference.provincias_region(reg.cut), int(umbral_celdas),
                         dict(zip(comunas["comuna"], comunas["provincia"])),
                         asistencias_por_grupo_etario(asistencias_)),
        "forma_registro": forma_registro(actividades),
        "anio_anterior": _summary_of(previous),
        "calidad": _calidad_block(calidad),
    }
    return result


_PREVIOUS_KEYS = [
    "anio", "asistencias", "actividades", "comunas_alcanzadas", "mujeres", "pct_mujeres",
    "actividades_por_tipo_organizacion", "actividades_por_provincia", "actividades_por_zona",
    "asistencias_por_provincia", "pct_mujeres_por_provincia", "pct_mujeres_por_comuna",
    "pct_mujeres_por_grupo_etario", "asistencias_por_comuna", "asistencias_por_1000_habitantes",
]


def _summary_of(previous: dict | None) -> dict | None:
    if not previous:
        return None
    return {key: previous.get(key) for key in _PREVIOUS_KEYS}  # older files may lack the newer keys


_CALIDAD_KEYS = [
    "filas_leidas", "filas_validas", "duplicados", "cuarentena", "cuarentena_por_motivo",
    "comunas_corregidas", "archivos_rechazados", "hojas_omitidas",
]


def _calidad_block(calidad: dict) -> dict:
    """The contract's `calidad` keys; the detailed lists stay in the quality report."""
    return {key: calidad[key] for key in _CALIDAD_KEYS}


def load_processed(paths: Paths) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The cleaning stage's tables of one year."""
    missing = [p for p in (paths.actividades, paths.asistencias, paths.calidad) if not p.exists()]
    if missing:
        raise FileNotFoundError(
            f"Faltan los datos limpios de {paths.year}: {', '.join(str(p) for p in missing)}. "
            "Ejecute primero la etapa de limpieza."
        )
    actividades = pd.read_parquet(paths.actividades)
    asistencias_ = pd.read_parquet(paths.asistencias)
    calidad = json.loads(paths.calidad.read_text(encoding="utf-8"))
    return actividades, asistencias_, calidad


def write_json(indicadores: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(indicadores, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
