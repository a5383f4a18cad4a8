"""Tables of the data-quality report, built from `calidad.json` (no personal value in it).

The first table is a to-do list in plain Spanish: one line per problem and place (file,
sheet, rows), saying what is wrong, with the offending value when it is not personal (a
date, a comuna, a sex code, a head count; never a name, a RUT or an age), and what to do.
Every table is rendered with `to_html`, which escapes text that came from the sheets.
"""
from __future__ import annotations

import pandas as pd

from pipeline import schema
from pipeline.report.formats import fmt_int
from pipeline.report.texts import what_to_do

# row numbers stay as the sheet shows them (12345, not 12.345): the analyst looks them up
ROW_NUMBER_COLUMNS = {"Fila", "Línea"}


def plural(n: int, singular: str, plural_form: str) -> str:
    """`1 fila duplicada`, `2 filas duplicadas`, `1.045 filas`: the number in Chilean format."""
    return f"{fmt_int(n)} {singular if n == 1 else plural_form}"


def summary(calidad: dict) -> str:
    """One sentence: rows read, valid, duplicated and quarantined, with correct plurals."""
    return (f"{plural(calidad['filas_leidas'], 'fila leída', 'filas leídas')}: "
            f"{plural(calidad['filas_validas'], 'válida', 'válidas')}, "
            f"{plural(calidad['duplicados'], 'duplicada', 'duplicadas')} y "
            f"{plural(calidad['cuarentena'], 'en cuarentena', 'en cuarentena')}.")


# What each quarantine reason means and what to do; {valor} is the offending value when shown.
_REASON_TODO = {
    "fecha_faltante": "Falta la fecha: escríbala en la planilla (día/mes/año).",
    "fecha_invalida": "La fecha {valor} no existe o no se puede leer: corríjala en la planilla (día/mes/año).",
    "fecha_fuera_de_anio": "La fecha {valor} no es del año {anio}: corríjala, o lleve la fila a la planilla de su año.",
    "comuna_faltante": "Falta la comuna: escríbala en la planilla.",
    "comuna_de_otra_region": "La comuna «{valor}» es de otra región: corríjala si es un error; si no, la fila no "
                             "corresponde a esta región.",
    "comuna_desconocida": "La comuna «{valor}» no es una comuna de la región: escriba su nombre oficial.",
    "comuna_ambigua": "La comuna «{valor}» se parece a más de una comuna de la región: escriba el nombre completo.",
    "actividad_faltante": "Falta el nombre de la actividad (o su código): escríbalo en la planilla.",
    "conteo_invalido": "Los conteos de asistentes (mujeres / hombres / sin información / total: {valor}) no son "
                       "números enteros: corríjalos.",
    "conteo_inconsistente": "El total de asistentes es menor que mujeres + hombres (mujeres / hombres / sin "
                            "información / total: {valor}): corrija los conteos.",
    "celda_demasiado_larga": "Una celda es demasiado larga (más de 2.000 caracteres): acórtela.",
    "columnas_desplazadas": "La fila tiene más o menos celdas que el encabezado (falta o sobra un separador), así "
                            "que sus valores no se pueden asignar a columnas: corríjala para que cada valor quede "
                            "bajo su columna.",
}


def _rows_text(filas: list[int], n: int | None = None) -> str:
    """`8, 9, 10` or `8, 9, 10 y 40 más` (row numbers as the sheet shows them)."""
    n = len(filas) if n is None else n
    text = ", ".join(str(f) for f in filas)
    return text + (f" y {fmt_int(n - len(filas))} más" if n > len(filas) else "")


def todo(calidad: dict) -> pd.DataFrame:
    """The quality report as a to-do list: where, what is wrong and what to do."""
    items: list[tuple[str, str, str, str]] = []
    anio = calidad.get("anio", "")
    for r in calidad.get("archivos_rechazados", []):
        items.append((r["archivo"], r.get("hoja", ""), "", "No se leyó: " + r["motivo"]))
    for g in calidad.get("archivos_ignorados", []):
        items.append((g["archivo"], "", "", f"No se leyó: {g['motivo']}."))
    groups: dict[tuple, list[int]] = {}
    for d in calidad.get("cuarentena_detalle", []):
        groups.setdefault((d["archivo"], d["hoja"], d["motivo"], d.get("valor")), []).append(d["fila"])
    for (archivo, hoja, motivo, valor), filas in groups.items():
        text = _REASON_TODO.get(motivo, schema.QUARANTINE_REASONS.get(motivo, motivo))
        if valor is None:
            text = text.replace(" {valor}", "").replace("«{valor}» ", "").replace(": {valor}", "")
        items.append((archivo, hoja, _rows_text(filas[:50], len(filas)),
                      text.format(valor=valor, anio=anio) + f" ({plural(len(filas), 'fila', 'filas')} en cuarentena)"))
    for g in calidad.get("rut_invalidos_filas", []):
        items.append((g["archivo"], g["hoja"], _rows_text(g["filas"], g["n"]),
                      "RUT no válido (formato o dígito verificador): la asistencia se cuenta, pero no se atribuye "
                      "a una persona. Corrija el RUT en la planilla."))
    for g in calidad.get("edades_invalidas_filas", []):
        what = f": {g['problema']}" if g.get("problema") else ""
        items.append((g["archivo"], g["hoja"], _rows_text(g["filas"], g["n"]),
                      f"Edad no válida{what}. Debe ser un número entero de 0 a 110 (se acepta «45 años»): la "
                      "fila quedó sin edad. Corríjala."))
    for g in calidad.get("sexo_no_reconocido", []):
        items.append((g["archivo"], g["hoja"], _rows_text(g["filas"], g["n"]),
                      f"El sexo «{g['valor']}» no se reconoce (use Mujer/Hombre, F/M, H/M o 1/2): se contó como "
                      "«Sin información». Corríjalo si corresponde."))
    for g in calidad.get("sexo_lecturas", []):
        if g["lectura"] == "ambigua":
            letters = g.get("letras") or "M"
            why = "" if g["razon"].startswith("la planilla usa") else f" ({g['razon']})"
            items.append((g["archivo"], ", ".join(h for h in g.get("hojas", []) if h), _rows_text(g["filas"], g["filas_m"]),
                          f"Esta planilla usa {letters}{why}: indique qué significa M. "
                          f"{plural(g['filas_m'], 'fila con M se contó', 'filas con M se contaron')} como «Sin "
                          "información». Reemplace M por Mujer u Hombre, o escriba sobre la tabla «Sexo: H = "
                          "Hombre, M = Mujer» (o «Sexo: F = Femenino, M = Masculino»), y vuelva a ejecutar."))
    for g in calidad.get("sin_asistente", []):
        items += _without_attendee(g)
    for o in calidad.get("entradas_omitidas", []):
        items.append((o["archivo"], "", str(o["fila"]) if o.get("fila") else "",
                      f"No se usó: {o['motivo']} {o['que_hacer']}"))
    for c in calidad.get("columnas_desconocidas", []):
        items.append((c["archivo"], c["hoja"], "",
                      f"La columna «{c['columna']}» no se reconoce y no se usa en los indicadores. Si es un dato "
                      "del contrato, cámbiele el título por uno de los nombres aceptados."))
    for o in calidad.get("hojas_omitidas", []):
        items.append((o["archivo"], o["hoja"], "",
                      "Hoja sin encabezado reconocible (por ejemplo, instrucciones): no se leyó. Si tiene "
                      "asistencias, agregue una fila de títulos con los nombres aceptados."))
    for r in calidad.get("por_archivo", []):
        if r.get("lineas_cp1252"):
            items.append((r["archivo"], r["hoja"], "",
                          f"{plural(r['lineas_cp1252'], 'línea estaba', 'líneas estaban')} en Windows-1252 dentro "
                          "de un archivo UTF-8: se leyeron bien, pero conviene guardar el archivo en una sola "
                          "codificación (CSV UTF-8)."))
    return pd.DataFrame(items, columns=["Archivo", "Hoja", "Filas", "Qué pasa y qué hacer"])


SHOWN_TEXT_CHARS = 120  # of a row without attendee, in the to-do list


def _short(text: str) -> str:
    """A screened row text cut for display at a word boundary (`…`)."""
    if len(text) <= SHOWN_TEXT_CHARS:
        return text
    cut = text[:SHOWN_TEXT_CHARS].rsplit(" ", 1)[0] if " " in text[:SHOWN_TEXT_CHARS] else text[:SHOWN_TEXT_CHARS]
    return cut.rstrip(" |") + "…"


def _without_attendee(g: dict) -> list[tuple[str, str, str, str]]:
    """Rows without attendee of one sheet: one line per text they hold (already screened: a name
    or a RUT shows as the withheld mark), then the rows not listed one by one."""
    todo = ("no se contó como fila leída (firma, nota, total o celdas rellenadas hacia abajo)",
            "no se contaron como filas leídas (firmas, notas, totales o celdas rellenadas hacia abajo)")
    fix = " Si era una asistencia, complete su nombre, RUT o sexo."
    groups = g.get("textos")
    if groups is None:  # a calidad.json written before the texts were kept
        return [(g["archivo"], g["hoja"], _rows_text(g["filas"], g["n"]),
                 f"{plural(g['n'], 'fila', 'filas')} sin asistente: {todo[g['n'] != 1]}.{fix}")]
    merged: dict[str, list[int]] = {}  # texts withheld by the screen are one text now
    for t in groups:
        merged.setdefault(t.get("texto") or "", []).extend(t["filas"])
    out = []
    for texto, filas in merged.items():
        filas = sorted(filas)
        n = len(filas)
        if texto:
            said = f"con el texto «{_short(texto)}»"
        else:
            said = "vacía, solo con formato" if n == 1 else "vacías, solo con formato"
        out.append((g["archivo"], g["hoja"], _rows_text(filas),
                    f"{'Fila' if n == 1 else plural(n, 'fila', 'filas')} sin asistente {said}: {todo[n != 1]}.{fix}"))
    rest = g["n"] - len(g["filas"])
    if rest > 0:
        out.append((g["archivo"], g["hoja"], f"{fmt_int(rest)} más",
                    f"{plural(rest, 'fila más', 'filas más')} sin asistente después de la fila {g['filas'][-1]} "
                    f"(no se listan una a una): {todo[rest != 1]}."))
    return out


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.rename(columns=columns)


def accounting(calidad: dict) -> pd.DataFrame:
    """Per file and sheet: rows read = valid + duplicates + quarantined, with a total row."""
    cols = {
        "archivo": "Archivo", "hoja": "Hoja", "forma": "Forma", "filas_leidas": "Filas leídas",
        "filas_validas": "Válidas", "duplicados": "Duplicados", "cuarentena": "Cuarentena",
        "sin_asistente": "Sin asistente (no leídas)", "rangos_combinados": "Celdas combinadas rellenadas",
    }
    frame = _frame(calidad.get("por_archivo", []), cols)
    total = {
        "Archivo": "Total", "Hoja": "", "Forma": "",
        "Filas leídas": calidad["filas_leidas"], "Válidas": calidad["filas_validas"],
        "Duplicados": calidad["duplicados"], "Cuarentena": calidad["cuarentena"],
        "Sin asistente (no leídas)": sum(r.get("sin_asistente", 0) for r in calidad.get("por_archivo", [])),
        "Celdas combinadas rellenadas": sum(r.get("rangos_combinados", 0) for r in calidad.get("por_archivo", [])),
    }
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def rejected(calidad: dict) -> pd.DataFrame:
    return _frame(calidad["archivos_rechazados"], {"archivo": "Archivo", "hoja": "Hoja", "motivo": "Motivo"})


def skipped_sheets(calidad: dict) -> pd.DataFrame:
    return _frame(calidad["hojas_omitidas"], {"archivo": "Archivo", "hoja": "Hoja"})


def quarantine_by_reason(calidad: dict) -> pd.DataFrame:
    """Rows in quarantine per reason, described in plain Spanish (reasons without rows left out)."""
    rows = [
        {"Motivo": schema.QUARANTINE_REASONS.get(code, code), "Filas": n}
        for code, n in calidad["cuarentena_por_motivo"].items() if n
    ]
    return pd.DataFrame(rows, columns=["Motivo", "Filas"])


def quarantine_rows(calidad: dict) -> pd.DataFrame:
    """Where each quarantined row is (file, sheet, row), why, and the non-personal value at fault."""
    rows = [{**d, "motivo": schema.QUARANTINE_REASONS.get(d["motivo"], d["motivo"]), "valor": d.get("valor") or ""}
            for d in calidad.get("cuarentena_detalle", [])]
    return _frame(rows, {"archivo": "Archivo", "hoja": "Hoja", "fila": "Fila", "motivo": "Motivo",
                         "valor": "Valor"})


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


def sex_readings(calidad: dict) -> pd.DataFrame:
    """What the letter M was read as in each file that uses it, and why (data contract §3)."""
    meaning = {"H/M": "Mujer (H = Hombre, M = Mujer)", "F/M": "Hombre (F = Femenino, M = Masculino)",
               "ambigua": "Sin información (no se sabe: corrija la planilla)"}
    rows = [{"Archivo": g["archivo"], "Filas con M": g["filas_m"], "M se leyó como": meaning[g["lectura"]],
             "Por qué": g["razon"][:1].upper() + g["razon"][1:]}
            for g in calidad.get("sexo_lecturas", [])]
    return pd.DataFrame(rows, columns=["Archivo", "Filas con M", "M se leyó como", "Por qué"])


_MAPPED_COLUMN_NAMES = {"tipo_actividad": "Tipo de actividad", "tipo_organizacion": "Tipo de organización",
                        "zona": "Zona"}


def mapped_texts(calidad: dict) -> pd.DataFrame:
    """Each distinct free text read as a category (a kind of activity or organisation, a zone),
    what it was read as and in how many rows: «Reunión informativa» → «Jornada informativa»,
    «Mesa técnica» → «Otra»."""
    rows = [{"Columna": _MAPPED_COLUMN_NAMES.get(r["columna"], r["columna"]), "Escrito": r["valor"],
             "Se leyó como": r["categoria"], "Filas": r["n"]}
            for r in calidad.get("textos_mapeados", [])]
    return pd.DataFrame(rows, columns=["Columna", "Escrito", "Se leyó como", "Filas"])


def side_inputs_left_out(calidad: dict) -> pd.DataFrame:
    """Plans, highlights (and their photos, by row) and texts the indicators and the deck leave
    out, why, and what to do."""
    rows = [{"Archivo": o["archivo"], "Fila": o.get("fila") or "", "Motivo": o["motivo"], "Qué hacer": o["que_hacer"]}
            for o in calidad.get("entradas_omitidas", [])]
    return pd.DataFrame(rows, columns=["Archivo", "Fila", "Motivo", "Qué hacer"])


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


# ---------------------------------------------------------------- the office's figures (stage 3)

# The section «Textos de la oficina que no coinciden con los datos»: stage 1 leaves it pending
# between these marks; stage 3, which compares textos.yml with the indicators, fills it in.
OFFICE_FIGURES_START = "<!-- textos-de-la-oficina -->"
OFFICE_FIGURES_END = "<!-- /textos-de-la-oficina -->"


def office_figures_pending() -> str:
    """The section as stage 1 leaves it: the comparison is made when the deck is built."""
    return (f"{OFFICE_FIGURES_START}<p><em>Se revisan al armar el balance (etapa 3): el informe publicado con el "
            f"balance los lista aquí.</em></p>{OFFICE_FIGURES_END}")


def office_figures(review: list[dict], archivo: str) -> pd.DataFrame:
    """One row per figure of textos.yml that the data counts otherwise (`texts.figure_review`):
    where it is, what it says, what the data counts and what to do."""
    rows = [{"Archivo": archivo, "Línea": r.get("linea") or "", "Clave": r["clave"], "Frase": r["frase"],
             "Dice": r["dice"], "Los datos cuentan": f"{fmt_int(r['datos'])} {r['que']}",
             "Qué hacer": what_to_do(r, archivo)} for r in review]
    return pd.DataFrame(rows, columns=["Archivo", "Línea", "Clave", "Frase", "Dice", "Los datos cuentan",
                                       "Qué hacer"])


def office_figures_html(review: list[dict], archivo: str | None) -> str:
    """The section's body once stage 3 compared (`archivo` None: the year has no textos.yml)."""
    if archivo is None:
        body = "<p><em>Este año no tiene textos.yml.</em></p>"
    else:
        body = html(office_figures(review, archivo), f"Ninguna cifra de {archivo} difiere de los datos.")
    return OFFICE_FIGURES_START + body + OFFICE_FIGURES_END


def with_office_figures(report: str, section: str) -> str:
    """The quality report's HTML with the section replaced; a report without its marks (made by
    another notebook, or an earlier version) is left as it is."""
    start, end = report.find(OFFICE_FIGURES_START), report.find(OFFICE_FIGURES_END)
    if not 0 <= start < end:
        return report
    return report[:start] + section + report[end + len(OFFICE_FIGURES_END):]
