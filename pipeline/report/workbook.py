"""The Excel workbook of the year's tables (`outputs/<year>/indicadores.xlsx`).

Written with openpyxl cell by cell because every text cell must be neutralised against
formula injection: openpyxl stores any string starting with `=` as a formula.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from pipeline import schema
from pipeline.report.formats import MONTHS
from pipeline.indicators.disclosure import RESERVED

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell_value(value):
    """Value to store, and whether it must be forced to a literal string."""
    if isinstance(value, str):
        return value, value.startswith(FORMULA_PREFIXES)
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None, False
    if hasattr(value, "item"):  # numpy scalar → Python scalar
        value = value.item()
    return value, False


# Every column of a plan's compliance (indicadores.json `cumplimiento_plan`), as its reader says it
PLAN_HEADERS = {
    "objetivo": "Objetivo", "nombre": "Compromiso", "meta": "Meta", "logrado": "Logrado",
    "pct_cumplimiento": "Cumplimiento (%)", "estado": "Estado", "ponderacion": "Ponderación",
    "ponderacion_ganada": "Ponderación ganada", "plazo": "Fecha del plazo", "plazo_texto": "Plazo",
    "vencido": "Plazo vencido", "actividades_verificadas": "Actividades con verificadores",
    "verificadores_completos": "Verificadores completos",
}
YES_NO = {True: "Sí", False: "No"}
TREND_HEADERS = {
    "anio": "Año", "asistencias": "Asistencias", "actividades": "Actividades", "pct_mujeres": "Mujeres (%)",
    "comunas_alcanzadas": "Comunas alcanzadas", "variacion_asistencias_pct": "Variación de asistencias (%)",
}


PMG_SHEET = "Tabla PMG"


def pmg_table(planes: list[dict]) -> pd.DataFrame:
    """Every plan covering the year as the PMG table: objetivo, actividad, ponderación, estado,
    ponderación ganada (numbers, %), with a total row per plan."""
    rows = []
    for p in planes:
        for c in p["compromisos"]:
            rows.append({"Plan": p.get("titulo") or p["archivo"], "Objetivo": c.get("objetivo"),
                         "Actividad": c["nombre"], "Plazo": c["plazo"], "Ponderación": c["ponderacion"],
                         "Estado": c["estado"], "Ponderación ganada": c["ponderacion_ganada"]})
        rows.append({"Plan": p.get("titulo") or p["archivo"], "Actividad": f"Total al {p['al']}",
                     "Ponderación": round(sum(c["ponderacion"] for c in p["compromisos"]), 2),
                     "Ponderación ganada": p["total"]})
    frame = pd.DataFrame(rows, columns=["Plan", "Objetivo", "Actividad", "Plazo", "Ponderación", "Estado",
                                        "Ponderación ganada"])
    return frame.astype(object).where(frame.notna(), None)


def _month(key: str) -> str:
    """`04` → `Abril` (a key that is not a month number is kept as it is)."""
    return MONTHS[int(key) - 1].capitalize() if str(key).isdigit() and 1 <= int(key) <= 12 else str(key)


def _dict_table(data: dict | None, key: str, value: str) -> pd.DataFrame:
    return pd.DataFrame(list((data or {}).items()), columns=[key, value])


WOMEN_SHEET = "Mujeres por territorio"
WOMEN_COLUMN = "Mujeres (% de personas con sexo registrado)"
WOMEN_KEYS = {  # JSON key → level written in the sheet
    "pct_mujeres_por_provincia": "Provincia",
    "pct_mujeres_por_comuna": "Comuna",
    "pct_mujeres_por_grupo_etario": "Grupo etario",
}


def women_table(ind: dict) -> pd.DataFrame | None:
    """The published shares of women by province, comuna and age group, "reservado" where the
    JSON has null and why, then a note on the rule (with the configured threshold)."""
    if not any(ind.get(key) for key in WOMEN_KEYS):
        return None
    n = ind["umbral_celdas_pequenas"]
    attendances = {"Provincia": ind.get("asistencias_por_provincia") or {},
                   "Comuna": ind.get("asistencias_por_comuna") or {},
                   "Grupo etario": ind.get("asistencias_por_grupo_etario") or {}}
    rows = []
    for key, level in WOMEN_KEYS.items():
        for name, value in (ind.get(key) or {}).items():
            if value is not None:
                reason = None
            elif not attendances[level].get(name):
                reason = "sin asistencias"
            else:
                reason = (f"menos de {n} mujeres o menos de {n} hombres distintos, o permitiría deducir por "
                          "diferencia otra cifra reservada")
            rows.append({"Nivel": level, "Nombre": name, WOMEN_COLUMN: RESERVED if value is None else value,
                         "Motivo": reason})
    note = (f"Porcentaje de mujeres entre las personas distintas con sexo registrado; se publica solo con al menos "
            f"{n} mujeres y {n} hombres distintos. No se publican cantidades de mujeres ni de hombres por debajo "
            "de la región.")
    return pd.DataFrame(rows + [{"Nivel": note}], columns=["Nivel", "Nombre", WOMEN_COLUMN, "Motivo"])


def tables(ind: dict) -> dict[str, pd.DataFrame]:
    """Sheet name → table, built only from `indicadores.json` (no recomputation)."""
    prev = ind.get("anio_anterior") or {}
    year, previous_year = ind["anio"], prev.get("anio", ind["anio"] - 1)
    summary = pd.DataFrame(
        [
            ("Año", ind["anio"]),
            ("Región", ind["region_nombre_completo"]),
            ("Asistencias", ind["asistencias"]),
            (f"Asistencias {previous_year}", ind["asistencias_anio_anterior"]),
            ("Variación de asistencias (%)", ind["variacion_asistencias_pct"]),
            ("Personas distintas", ind.get("personas_distintas")),
            ("Personas únicas (RUT válido)", ind["personas_unicas"]),
            ("Asistencias sin RUT válido", ind["asistencias_sin_rut_valido"]),
            ("Actividades", ind["actividades"]),
            ("Comunas alcanzadas", ind["comunas_alcanzadas"]),
            ("Comunas de la región", ind["comunas_region"]),
            ("Mujeres", ind["mujeres"]),
            ("Hombres", ind["hombres"]),
            ("Sexo sin información", ind["sexo_sin_informacion"]),
            ("Mujeres (%)", ind["pct_mujeres"]),
        ],
        columns=["Indicador", "Valor"],
    )
    comunas = pd.DataFrame(
        {
            "Comuna": list(ind["asistencias_por_comuna"]),
            "Actividades": list(ind["actividades_por_comuna"].values()),
            "Asistencias": list(ind["asistencias_por_comuna"].values()),
            "Asistencias por 1.000 habitantes": [
                ind["asistencias_por_1000_habitantes"][c] for c in ind["asistencias_por_comuna"]
            ],
        }
    )

    def with_previous(key: str, label: str) -> pd.DataFrame:
        current = ind[key]
        previous = prev.get(key) or {}
        return pd.DataFrame(
            {
                label: list(current),
                f"Actividades {year}": list(current.values()),
                f"Actividades {previous_year}": [previous.get(k) for k in current] if prev else None,
            }
        )

    out = {
        "Resumen": summary,
        "Comunas": comunas,
        "Provincias": with_previous("actividades_por_provincia", "Provincia"),
        "Zona": with_previous("actividades_por_zona", "Zona"),
        "Organizaciones": with_previous("actividades_por_tipo_organizacion", "Tipo de organización"),
        "Tipos de actividad": _dict_table(ind["actividades_por_tipo_actividad"], "Tipo de actividad", "Actividades"),
        "Líneas de trabajo": _dict_table(ind["actividades_por_linea"], "Línea", "Actividades"),
        "Meses": _dict_table({_month(k): v for k, v in ind["actividades_por_mes"].items()}, "Mes", "Actividades"),
    }
    if ind.get("asistencias_por_provincia"):
        out["Provincias"][f"Asistencias {year}"] = [ind["asistencias_por_provincia"].get(p)
                                                    for p in out["Provincias"]["Provincia"]]
    if ind.get("asistencias_por_grupo_etario"):
        out["Grupos etarios"] = _dict_table(ind["asistencias_por_grupo_etario"], "Grupo", "Asistencias")
    women = women_table(ind)
    if women is not None:
        out[WOMEN_SHEET] = women.astype(object).where(women.notna(), None)
    if ind.get("cumplimiento_plan"):
        records = [{k: YES_NO.get(v, v) if isinstance(v, bool) else v for k, v in r.items() if k in PLAN_HEADERS}
                   for r in ind["cumplimiento_plan"]]
        plan = pd.DataFrame(records).rename(columns=PLAN_HEADERS)
        total = {PLAN_HEADERS["nombre"]: "Cumplimiento ponderado del plan",
                 PLAN_HEADERS["ponderacion_ganada"]: ind.get("cumplimiento_plan_total")}
        out["Cumplimiento plan"] = pd.concat([plan, pd.DataFrame([total])], ignore_index=True)
    if ind.get("planes"):
        out[PMG_SHEET] = pmg_table(ind["planes"])
    if ind.get("tendencia") and len(ind["tendencia"]) > 1:
        out["Tendencia"] = pd.DataFrame(ind["tendencia"]).rename(columns=TREND_HEADERS)
    quality = ind["calidad"]
    out["Calidad"] = pd.DataFrame(
        [
            ("Filas leídas", quality["filas_leidas"]),
            ("Filas válidas", quality["filas_validas"]),
            ("Duplicados", quality["duplicados"]),
            ("En cuarentena", quality["cuarentena"]),
            *[(f"En cuarentena: {schema.QUARANTINE_REASONS.get(k, k).rstrip('.')}", v)
              for k, v in quality["cuarentena_por_motivo"].items()],
            ("Archivos u hojas rechazados", len(quality["archivos_rechazados"])),
        ],
        columns=["Concepto", "Filas"],
    )
    return out


def write_workbook(ind: dict, path: Path) -> Path:
    """Write every table of `ind` as one sheet; text cells can never become formulas."""
    return write_sheets(tables(ind), path)


# --------------------------------------------------------------------------- the national year

NATIONAL_REGION_HEADERS = {  # indicadores-nacional.json `regiones` key → column
    "cut_region": "Código", "region": "Región", "macrozona": "Macrozona", "estado": "Estado",
    "asistencias": "Asistencias", "actividades": "Actividades", "personas_distintas": "Personas distintas",
    "mujeres": "Mujeres", "hombres": "Hombres", "sexo_sin_informacion": "Sexo sin información",
    "pct_mujeres": "Mujeres (%)", "poblacion": "Población (censo 2017)",
    "asistencias_por_1000_habitantes": "Asistencias por 1.000 habitantes",
    "comunas_alcanzadas": "Comunas alcanzadas", "comunas_region": "Comunas de la región",
    "cumplimiento_plan_total": "Cumplimiento ponderado del plan", "balance": "Balance de la región",
}


def national_tables(nat: dict) -> dict[str, pd.DataFrame]:
    """Sheet name → table of `indicadores-nacional.json` (no recomputation): the country's
    figures, one row per region, activities by kind and by organisation per region, and each
    region's published shares of women by age group («reservado» where the region reserved it)."""
    anio_prev = nat["anio"] - 1
    resumen = pd.DataFrame([
        ("Año", nat["anio"]),
        ("Regiones con datos", nat["regiones_con_datos"]),
        ("Regiones sin datos", ", ".join(nat["regiones_sin_datos"]) or None),
        ("Regiones con error", ", ".join(nat["regiones_con_error"]) or None),
        ("Asistencias", nat["asistencias"]),
        (f"Asistencias {anio_prev} (regiones con datos ambos años)", nat["asistencias_anio_anterior"]),
        ("Variación de asistencias (%)", nat["variacion_asistencias_pct"]),
        ("Actividades", nat["actividades"]),
        ("Personas distintas (suma de las regiones)", nat["personas_distintas"]),
        ("Mujeres", nat["mujeres"]),
        ("Hombres", nat["hombres"]),
        ("Sexo sin información", nat["sexo_sin_informacion"]),
        ("Mujeres (%)", nat["pct_mujeres"]),
        ("Comunas alcanzadas", nat["comunas_alcanzadas"]),
        ("Comunas del país", nat["comunas_pais"]),
        ("Población (censo 2017) de las regiones con datos", nat["poblacion"]),
        ("Asistencias por 1.000 habitantes", nat["asistencias_por_1000_habitantes"]),
        ("Umbral de celdas pequeñas", nat["umbral_celdas_pequenas"]),
    ], columns=["Indicador", "Valor"])
    regiones = pd.DataFrame([{col: r[key] for key, col in NATIONAL_REGION_HEADERS.items()} for r in nat["regiones"]])
    regiones.loc[len(regiones)] = {"Región": "Total país", "Estado": f"{nat['regiones_con_datos']} con datos",
                                   **{NATIONAL_REGION_HEADERS[k]: nat[k] for k in (
                                       "asistencias", "actividades", "personas_distintas", "mujeres", "hombres",
                                       "sexo_sin_informacion", "pct_mujeres", "poblacion",
                                       "asistencias_por_1000_habitantes", "comunas_alcanzadas")},
                                   "Comunas de la región": nat["comunas_pais"]}

    def by_region(key: str, label: str) -> pd.DataFrame:
        rows = [{label: cat, **{r["region"]: (r[key] or {}).get(cat) if r["estado"] == "con datos" else None
                                for r in nat["regiones"]}, "Total país": n}
                for cat, n in nat[key].items()]
        return pd.DataFrame(rows)

    ages = [{"Región": r["region"], **{g: RESERVED if v is None else v for g, v in r["pct_mujeres_por_grupo_etario"].items()}}
            for r in nat["regiones"] if r["pct_mujeres_por_grupo_etario"]]
    out = {
        "Resumen": resumen,
        "Regiones": regiones,
        "Tipos de actividad": by_region("actividades_por_tipo_actividad", "Tipo de actividad"),
        "Organizaciones": by_region("actividades_por_tipo_organizacion", "Tipo de organización"),
    }
    if ages:
        n = nat["umbral_celdas_pequenas"]
        note = (f"Porcentaje de mujeres entre las personas distintas con sexo registrado de cada región, como lo "
                f"publica la región: solo con al menos {n} mujeres y {n} hombres distintos; «reservado» si no. "
                "No se calcula un porcentaje nacional por grupo etario.")
        out["Mujeres por edad"] = pd.DataFrame(ages + [{"Región": note}])
    return {name: frame.astype(object).where(frame.notna(), None) for name, frame in out.items()}


def write_national_workbook(nat: dict, path: Path) -> Path:
    """`indicadores-nacional.xlsx`: every table of `national_tables` as one sheet."""
    return write_sheets(national_tables(nat), path)


def write_sheets(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """Write each table as one sheet; text cells can never become formulas."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        for j, col in enumerate(frame.columns, start=1):
            cell = ws.cell(row=1, column=j)
            cell.value, literal = safe_cell_value(str(col))
            cell.font = Font(bold=True)
            ws.column_dimensions[get_column_letter(j)].width = max(14, min(45, len(str(col)) + 4))
        for i, row in enumerate(frame.itertuples(index=False), start=2):
            for j, value in enumerate(row, start=1):
                cell = ws.cell(row=i, column=j)
                stored, literal = safe_cell_value(value)
                cell.value = stored
                if literal:
                    cell.data_type = "s"  # a literal string, never a formula
                    cell.quotePrefix = True  # as Excel does for text typed with a leading '
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
