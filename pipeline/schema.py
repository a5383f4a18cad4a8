"""Canonical columns, their synonyms, categories and reason codes (data contract §2–§4).

The single source of truth for every name a raw sheet may use and every label a
reader sees. Matching of column names goes through `text.fold`, so case, accents,
spaces and punctuation never matter.
"""
from __future__ import annotations

import re

from pipeline.text import fold

# What each canonical column holds, in the words of the README (generated from this table).
COLUMN_MEANING: dict[str, str] = {
    "id_actividad": "código de la actividad (opcional)",
    "fecha": "fecha de la actividad (**obligatoria**)",
    "actividad": "nombre de la actividad (**obligatorio**, salvo que haya `id_actividad`)",
    "tipo_actividad": "tipo de actividad",
    "linea": "línea de trabajo",
    "comuna": "comuna donde se realizó (**obligatoria**)",
    "zona": "urbana o rural",
    "tipo_organizacion": "tipo de organización con que se trabajó",
    "organizacion": "nombre de esa organización",
    "nombre": "nombre completo de quien asistió",
    "rut": "RUT o RUN de quien asistió",
    "sexo": "sexo de quien asistió (**obligatorio** en listas de asistencia)",
    "edad": "edad en años",
    "asistentes_mujeres": "mujeres asistentes (resumen)",
    "asistentes_hombres": "hombres asistentes (resumen)",
    "asistentes_sin_informacion": "asistentes sin sexo informado (resumen)",
    "total_asistentes": "total de asistentes (resumen)",
    "modalidad": "presencial o virtual (la usan los planes)",
    "verificadores": "verificadores de la actividad, p. ej. «acta, fotografías» (los usan los planes)",
    "marca_temporal": "hora de la respuesta de un formulario de Google o Microsoft: da la fecha cuando no hay "
                      "columna de fecha",
}

# canonical column → synonyms seen in real sheets (the canonical name matches itself)
COLUMN_SYNONYMS: dict[str, list[str]] = {
    "id_actividad": ["código actividad", "codigo actividad", "cod_actividad", "id", "id actividad"],
    "fecha": ["fecha actividad", "fecha de la actividad"],
    "actividad": ["nombre actividad", "nombre de la actividad", "título actividad", "titulo"],
    "tipo_actividad": ["tipo", "tipo de actividad"],
    "linea": ["línea", "programa", "área", "linea de trabajo", "línea de trabajo"],
    "comuna": ["comuna actividad", "comuna de la actividad"],
    "zona": ["urbano/rural", "sector", "urbano rural"],
    "tipo_organizacion": ["tipo de organización", "tipo organizacion"],
    "organizacion": ["organización", "nombre organización", "nombre de la organización"],
    "nombre": ["nombres y apellidos", "nombre completo", "nombre y apellido"],
    "rut": ["run", "r.u.t.", "r.u.n."],
    "sexo": ["género", "genero"],
    "edad": ["años"],
    "asistentes_mujeres": ["mujeres", "n° mujeres", "nº mujeres", "n mujeres"],
    "asistentes_hombres": ["hombres", "n° hombres", "nº hombres", "n hombres"],
    "asistentes_sin_informacion": ["sin información", "sin informacion", "sexo sin información"],
    "total_asistentes": ["total", "n° asistentes", "nº asistentes", "total asistentes", "asistentes"],
    # read by plans (pipeline/indicators/plan, verifiers) when the logs carry them
    "modalidad": ["presencial/virtual", "presencial o virtual", "modalidad de la actividad"],
    "verificadores": ["verificador", "medios de verificación", "medio de verificación"],
    # the response time of a form export (Google Forms, Microsoft Forms): the date when no
    # column gives it (`ingest.sheets.map_columns`)
    "marca_temporal": ["marca temporal", "hora de inicio", "timestamp", "marca de tiempo"],
}

# folded header text → canonical name
COLUMN_KEYS: dict[str, str] = {}
for _canonical, _synonyms in COLUMN_SYNONYMS.items():
    for _name in [_canonical, *_synonyms]:
        COLUMN_KEYS[fold(_name)] = _canonical

ACTIVITY_COLUMNS = [
    "id_actividad", "fecha", "actividad", "tipo_actividad", "linea", "comuna",
    "zona", "tipo_organizacion", "organizacion", "modalidad", "verificadores",
]
PERSON_COLUMNS = ["nombre", "rut", "sexo", "edad"]
SUMMARY_COUNT_COLUMNS = [
    "asistentes_mujeres", "asistentes_hombres", "asistentes_sin_informacion", "total_asistentes",
]
# Columns holding personal data: never quoted in messages or outputs.
PERSONAL_COLUMNS = {"nombre", "rut", "edad"}

# Shapes of log (data contract §1)
SHAPE_PERSONS = "personas"     # lista de asistencia
SHAPE_SUMMARY = "resumen"      # resumen de actividades

# Required columns per shape. `actividad` may be replaced by `id_actividad`.
REQUIRED_PERSONS = ["fecha", "comuna", "sexo"]
REQUIRED_SUMMARY = ["fecha", "comuna"]

# Categories, in display order (official Spanish forms)
SEXO_MUJER = "Mujer"
SEXO_HOMBRE = "Hombre"
SIN_INFORMACION = "Sin información"
SEXOS = [SEXO_MUJER, SEXO_HOMBRE, SIN_INFORMACION]
ZONAS = ["Urbano", "Rural", SIN_INFORMACION]
TIPOS_ORGANIZACION = ["Comité de Vivienda", "Junta de Vecinos", "Otras organizaciones", SIN_INFORMACION]
TIPOS_ACTIVIDAD = [
    "Jornada informativa", "Reunión de diálogo", "Taller de capacitación", "Taller participativo",
    "Escuela de dirigentes", "Consulta ciudadana", "Cuenta pública", "Sesión COSOC",
    "Difusión comunitaria", "Otra", SIN_INFORMACION,
]

# Quarantine reason codes: a closed list (data contract §4). Code → what an analyst reads.
QUARANTINE_REASONS: dict[str, str] = {
    "fecha_faltante": "La fila no tiene fecha.",
    "fecha_invalida": "La fecha no se puede leer o no existe (p. ej. 31/02).",
    "fecha_fuera_de_anio": "La fecha no pertenece al año que se informa.",
    "comuna_faltante": "La fila no tiene comuna.",
    "comuna_de_otra_region": "La comuna existe, pero pertenece a otra región.",
    "comuna_desconocida": "La comuna no coincide con ninguna comuna de la región.",
    "comuna_ambigua": "La comuna escrita se parece por igual a más de una comuna de la región.",
    "actividad_faltante": "La fila no tiene nombre de actividad ni código de actividad.",
    "conteo_invalido": "Resumen con conteos no numéricos, negativos o ausentes.",
    "conteo_inconsistente": "Resumen cuyo total es menor que la suma de mujeres y hombres.",
    "celda_demasiado_larga": "Una celda supera el largo máximo aceptado.",
    "columnas_desplazadas": "La fila tiene más o menos celdas que el encabezado: sus valores no se pueden asignar a columnas.",
}

# Reasons a whole file or sheet is rejected (listed in the quality report).
# Code → what to do, in plain Spanish (the quality report puts it after what is wrong).
REJECTION_REASONS: dict[str, str] = {
    "archivo_ilegible": "Ábralo en Excel, guárdelo de nuevo como .xlsx (o CSV) y vuelva a ejecutar.",
    "sin_columna_requerida": "Agregue la columna o cambie su título por uno de los nombres aceptados.",
    "columna_ambigua": "Deje una sola de esas columnas o cambie el título de la otra.",
    "demasiadas_columnas": "Borre las columnas sobrantes a la derecha de la tabla.",
    "demasiadas_filas": "Divida la hoja en varias más pequeñas o entréguela como CSV.",
    "archivo_demasiado_grande": "Divida el archivo en varios más pequeños (por ejemplo, uno por semestre) y vuelva "
                                "a ejecutar.",
    "anio_demasiado_grande": "Revise que la carpeta del año no tenga copias de un mismo archivo; si no las tiene, "
                             "divida los datos del año en menos filas (por ejemplo, entregue las actividades "
                             "grandes como resumen de actividades, con conteos en vez de una fila por persona) "
                             "y vuelva a ejecutar.",
    "archivo_no_legible": "",  # its detail already says what to do
}

# Processed tables (data/processed/<year>/) — the interface between cleaning and indicators.
# actividades.parquet: one row per distinct activity
ACTIVIDADES_COLUMNS = [
    "clave_actividad",      # str: id_actividad or normalised (fecha, cut_comuna, actividad)
    "id_actividad",         # str or null: as typed
    "fecha",                # datetime64 (date of the activity)
    "actividad",            # str: display title as typed (most frequent form)
    "tipo_actividad",       # category from TIPOS_ACTIVIDAD
    "linea",                # str or "Sin información"
    "cut_comuna", "comuna", "cut_provincia", "provincia",
    "zona",                 # from ZONAS
    "tipo_organizacion",    # from TIPOS_ORGANIZACION
    "organizacion",         # str or null
    "modalidad",            # str or null: as typed (most frequent form), read by the plans
    "verificadores",        # str or null: as typed (most frequent form), read by the plans
    "forma",                # SHAPE_PERSONS or SHAPE_SUMMARY
    "mujeres", "hombres", "sexo_sin_informacion", "asistencias",  # int counts
]
# asistencias.parquet: one row per valid, non-duplicate person row (no name, no RUT)
ASISTENCIAS_COLUMNS = [
    "clave_actividad",
    "persona",              # str AES-CMAC (hex) of the normalised RUT, or null without a valid RUT
    "sexo",                 # from SEXOS
    "edad",                 # Int64 or null
    "archivo", "hoja", "fila",
]


def columns_markdown() -> str:
    """The README's table of accepted columns and their synonyms, generated from this module."""
    lines = ["| columna | qué contiene | también se acepta |", "|---|---|---|"]
    for canonical, synonyms in COLUMN_SYNONYMS.items():
        also = ", ".join(f"`{s}`" for s in synonyms) or "—"
        lines.append(f"| `{canonical}` | {COLUMN_MEANING[canonical]} | {also} |")
    return "\n".join(lines) + "\n"


def accepted_names(canonical: str) -> list[str]:
    """The names a sheet may use for a canonical column: the canonical name, then its synonyms."""
    return [canonical, *COLUMN_SYNONYMS[canonical]]


def canonical_column(header: object) -> str | None:
    """Canonical name of a raw header, or None when it is not a known column.

    A note in brackets after the name is not part of it: «Sexo (H/M)», «Edad (años)»,
    «RUT (sin puntos)» are `sexo`, `edad` and `rut`.
    """
    found = COLUMN_KEYS.get(fold(header))
    if found is None and header is not None and "(" in str(header):
        bare = _BRACKETS.sub(" ", str(header))
        if bare.strip():
            found = COLUMN_KEYS.get(fold(bare))
    if found is None and header is not None and ("?" in str(header) or "¿" in str(header)):
        found = question_column(str(header))
    return found


# A form's question (Google Forms, Microsoft Forms) names its column in words: the first rule
# whose words are all in the question gives the column («¿En qué comuna se realizó la
# actividad?» is `comuna`; «¿Cuál es su nombre completo?» is `nombre`).
QUESTION_RULES: list[tuple[tuple[str, ...], str]] = [
    (("comuna",), "comuna"),
    (("fecha",), "fecha"),
    (("rut",), "rut"),
    (("run",), "rut"),
    (("sexo",), "sexo"),
    (("genero",), "sexo"),
    (("edad",), "edad"),
    (("cuantos", "anos"), "edad"),
    (("tipo", "organizacion"), "tipo_organizacion"),
    # «¿A qué organización pertenece?», not «¿Pertenece a alguna organización?» (a yes or no)
    (("que", "organizacion"), "organizacion"),
    (("cual", "organizacion"), "organizacion"),
    (("nombre", "organizacion"), "organizacion"),
    (("tipo", "actividad"), "tipo_actividad"),
    (("nombre", "actividad"), "actividad"),
    (("nombre",), "nombre"),
    (("actividad",), "actividad"),
    (("zona",), "zona"),
    (("urbano",), "zona"),
    (("linea",), "linea"),
    (("programa",), "linea"),
]


def question_column(question: str) -> str | None:
    """Canonical column a form's question asks for, or None."""
    words = set(fold(question).split())
    for needed, canonical in QUESTION_RULES:
        if all(w in words for w in needed):
            return canonical
    return None


_BRACKETS = re.compile(r"\([^()]*\)?")
