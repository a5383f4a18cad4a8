"""Tables of the data-quality report, built from `calidad.json` (no personal value in it).

Every table is rendered with `to_html`, which escapes text that came from the sheets.
"""
from __future__ import annotations

import pandas as pd

from pipeline import schema
from pipeline.report.formats import fmt_int

# row numbers stay as the sheet shows them (12345, not 12.345): the analyst looks them up
ROW_NUMBER_COLUMNS = {"Fila"}


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.rename(columns=columns)


def accounting(calidad: dict) -> pd.DataFrame:
    """Per file and sheet: rows read = valid + duplicates + quarantined, with a total row."""
    cols = {
        "archivo": "Archivo", "hoja": "Hoja", "forma": "Forma", "filas_leidas": "Filas leídas",
        "filas_validas": "Válidas", "duplicados": "Duplicados", "cuarentena": "Cuarentena",
    }
    frame = _frame(calidad.get("por_archivo", []), cols)
    total = {
        "Archivo": "Total", "Hoja": "", "Forma": "",
        "Filas leídas": calidad["filas_leidas"], "Válidas": calidad["filas_validas"],
        "Duplicados": calidad["duplicados"], "Cuarentena": calidad["cuarentena"],
    }
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def rejected(calidad: dict) -> pd.DataFrame:
    return _frame(calidad["archivos_rechazados"], {"archivo": "Archivo", "hoja": "Hoja", "motivo": "Motivo"})


def skipped_sheets(calidad: dict) -> pd.DataFrame:
    return _frame(calidad["hojas_omitidas"], {"archivo": "Archivo", "hoja": "Hoja"})


def quarantine_by_reason(calidad: dict) -> pd.DataFrame:
    rows = [
        {"Motivo": code, "Descripción": schema.QUARANTINE_REASONS.get(code, ""), "Filas": n}
        for code, n in calidad["cuarentena_por_motivo"].items()
    ]
    return pd.DataFrame(rows, columns=["Motivo", "Descripción", "Filas"])


def quarantine_rows(calidad: dict) -> pd.DataFrame:
    """Where each quarantined row is (file, sheet, row) and why: no values."""
    return _frame(
        calidad.get("cuarentena_detalle", []),
        {"archivo": "Archivo", "hoja": "Hoja", "fila": "Fila", "motivo": "Motivo"},
    )


def corrected_comunas(calidad: dict) -> pd.DataFrame:
    rows = [{"Escrito": k, "Corregido a": v} for k, v in calidad["comunas_corregidas"].items()]
    return pd.DataFrame(rows, columns=["Escrito", "Corregido a"])


def conflicts(calidad: dict) -> pd.DataFrame:
    rows = [
        {
            "Actividad": c.get("actividad"),
            "Campo": c.get("campo"),
            "Valores": "; ".join(f"{k} ({v})" for k, v in (c.get("valores") or {}).items()),
            "Elegido": c.get("elegido"),
        }
        for c in calidad.get("conflictos_actividad", [])
    ]
    return pd.DataFrame(rows, columns=["Actividad", "Campo", "Valores", "Elegido"])


def value_problems(calidad: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("RUT inválidos (la asistencia se cuenta, sin atribuir a persona)", calidad.get("rut_invalidos", 0)),
            ("Edades fuera de 0 a 110 (quedan sin edad)", calidad.get("edades_invalidas", 0)),
        ],
        columns=["Concepto", "Filas"],
    )


def unknown_columns(calidad: dict) -> pd.DataFrame:
    return _frame(
        calidad.get("columnas_desconocidas", []), {"archivo": "Archivo", "hoja": "Hoja", "columna": "Columna"}
    )


def html(frame: pd.DataFrame, empty: str = "Sin registros.") -> str:
    """Escaped HTML table (text from the sheets is shown, never interpreted)."""
    if frame.empty:
        return f"<p><em>{empty}</em></p>"
    counts = {
        col: (lambda v: "" if pd.isna(v) else fmt_int(v))  # Chilean thousands: 12.345
        for col in frame.columns
        if col not in ROW_NUMBER_COLUMNS and pd.api.types.is_numeric_dtype(frame[col])
    }
    return frame.to_html(index=False, escape=True, border=0, classes="tabla-calidad", na_rep="",
                         formatters=counts)


def withheld(calidad: dict) -> pd.DataFrame:
    """Where a value was withheld as personal data (a RUT or an attendee's name in a title, an
    organisation, a línea, a header, a file or sheet name): file, sheet, column and rows. The
    values themselves are never shown: the analyst opens the sheet at those rows."""
    rows = [
        {"Archivo": p.get("archivo"), "Hoja": p.get("hoja"), "Columna": p.get("columna"),
         "Filas": ", ".join(str(f) for f in p.get("filas") or [])
         + (f" (y {p['n'] - len(p['filas'])} más)" if p.get("n", 0) > len(p.get("filas") or []) else ""),
         "Cantidad": p.get("n", 0)}
        for p in calidad.get("datos_personales_retirados", [])
    ]
    return pd.DataFrame(rows, columns=["Archivo", "Hoja", "Columna", "Filas", "Cantidad"])
