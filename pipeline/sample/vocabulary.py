"""Vocabulary of the sample: names, themes, spellings of categories, typos and comunas
that the messy logs draw from. All synthetic."""
from __future__ import annotations

from datetime import date


DEFAULT_SEED = 2017
SAMPLE_REGION = "Coquimbo"
SECOND_REGION = "Valparaíso"
EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (with its leap-year bug)
FIXED_ZIP_TIME = (2018, 1, 1, 0, 0, 0)
FIXED_DOC_TIME = "2018-01-01T00:00:00Z"

# --------------------------------------------------------------------------- vocabularies

FIRST_F = [
    "María", "Ana", "Carmen", "Rosa", "Patricia", "Claudia", "Marcela", "Paola", "Carolina",
    "Francisca", "Javiera", "Camila", "Valentina", "Constanza", "Daniela", "Fernanda", "Catalina",
    "Isidora", "Sofía", "Gloria", "Verónica", "Jacqueline", "Margarita", "Silvia", "Lorena",
    "Ximena", "Paulina", "Soledad", "Andrea", "Alejandra", "Elena", "Juana", "Luisa", "Teresa",
]
FIRST_M = [
    "José", "Juan", "Luis", "Carlos", "Jorge", "Manuel", "Pedro", "Francisco", "Sergio", "Miguel",
    "Cristián", "Rodrigo", "Patricio", "Claudio", "Mauricio", "Felipe", "Sebastián", "Matías",
    "Diego", "Nicolás", "Héctor", "Raúl", "Víctor", "Hernán", "Óscar", "Alejandro", "Ricardo",
]
SURNAMES = [
    "González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva", "Martínez",
    "Sepúlveda", "Morales", "Rodríguez", "López", "Fuentes", "Hernández", "Torres", "Araya",
    "Flores", "Espinoza", "Valenzuela", "Castillo", "Tapia", "Reyes", "Gutiérrez", "Castro",
    "Pizarro", "Álvarez", "Vásquez", "Sánchez", "Fernández", "Ramírez", "Carrasco", "Gómez",
    "Cortés", "Herrera", "Núñez", "Jara", "Vergara", "Rivera", "Figueroa", "Olivares", "Cuello",
    "Alfaro", "Ahumada", "Aguilera", "Bugueño", "Cáceres", "Galleguillos", "Rivera", "Varela",
]
SECTORS = [
    "Villa Los Llanos", "Población Santa Cecilia", "Las Compañías", "Villa El Romeral",
    "Tierras Blancas", "Sector Centro", "La Antena", "Villa San Bartolomé", "El Milagro",
    "Los Clarines", "Villa Esperanza", "Población Arturo Prat", "Villa Las Rosas", "El Olivar",
    "Sector Alto", "Villa Los Aromos", "Población Nueva", "Los Pimientos", "El Tambo",
    "Villa Alegre", "La Chimba", "San Antonio", "Villa El Sol", "Los Almendros", "El Arrayán",
]
TEMAS = {
    "Jornada informativa": ["subsidio DS49", "subsidio de arriendo", "postulación DS1",
                            "Programa de Protección del Patrimonio Familiar", "llamado Pavimentación"],
    "Reunión de diálogo": ["con dirigentes", "mesa de trabajo", "avance de obras", "proyecto habitacional"],
    "Taller de capacitación": ["ahorro para la vivienda", "uso del Registro Social de Hogares",
                               "formulación de proyectos", "mantención de la vivienda"],
    "Taller participativo": ["diseño de plaza", "diagnóstico barrial", "diseño de sede social",
                             "plan maestro"],
    "Escuela de dirigentes": ["módulo liderazgo", "módulo gestión", "módulo vivienda"],
    "Consulta ciudadana": ["Plan de Regeneración", "Política de Vivienda", "Espacios Públicos"],
    "Cuenta pública": ["participativa"],
    "Sesión COSOC": ["ordinaria", "extraordinaria"],
    "Difusión comunitaria": ["puerta a puerta", "feria de servicios", "punto informativo"],
    "Otra": ["visita a obras", "entrega de viviendas", "operativo en terreno"],
    "Sin información": ["encuentro vecinal", "actividad comunitaria"],
}
# Field spellings of each kind of activity (all fold to the canonical name, except "Otra").
TIPO_SPELLINGS = {
    "Jornada informativa": ["Jornada informativa", "Jornada Informativa", "JORNADA INFORMATIVA", "jornada informativa"],
    "Reunión de diálogo": ["Reunión de diálogo", "Reunion de dialogo", "REUNIÓN DE DIÁLOGO", "Reunión de Diálogo"],
    "Taller de capacitación": ["Taller de capacitación", "Taller de Capacitacion", "TALLER DE CAPACITACIÓN"],
    "Taller participativo": ["Taller participativo", "Taller Participativo", "taller participativo"],
    "Escuela de dirigentes": ["Escuela de dirigentes", "Escuela de Dirigentes", "ESCUELA DE DIRIGENTES"],
    "Consulta ciudadana": ["Consulta ciudadana", "Consulta Ciudadana", "consulta ciudadana"],
    "Cuenta pública": ["Cuenta pública", "Cuenta Publica", "CUENTA PÚBLICA"],
    "Sesión COSOC": ["Sesión COSOC", "Sesion Cosoc", "SESIÓN COSOC"],
    "Difusión comunitaria": ["Difusión comunitaria", "Difusion Comunitaria", "DIFUSIÓN COMUNITARIA"],
    "Otra": ["Visita a terreno", "Operativo en terreno", "Ceremonia de entrega", "Mesa técnica"],
    "Sin información": [""],
}
LINEAS = ["Programa Habitacional", "Barrios", "Pavimentación Participativa", "Espacios Públicos",
          "Atención Ciudadana"]
LINEA_WEIGHTS = [0.34, 0.22, 0.16, 0.14, 0.14]
ORG_SPELLINGS = {
    "Comité de Vivienda": ["Comité de Vivienda", "comité de vivienda", "Comite Vivienda", "COMITE DE VIVIENDA"],
    "Junta de Vecinos": ["Junta de Vecinos", "JJVV", "JJ.VV.", "junta vecinal", "Junta de vecinos"],
    "Otras organizaciones": ["Club Adulto Mayor", "Centro de Madres", "Agrupación cultural", "Club deportivo"],
    "Sin información": [""],
}
ORG_PREFIX = {
    "Comité de Vivienda": "Comité de Vivienda",
    "Junta de Vecinos": "Junta de Vecinos",
    "Otras organizaciones": "Agrupación",
    "Sin información": "",
}
ZONA_SPELLINGS = {
    "Urbano": ["Urbano", "Urbana", "U", "urbano", "URBANO"],
    "Rural": ["Rural", "R", "rural", "RURAL"],
    "Sin información": [""],
}
SEXO_SPELLINGS = {
    "Mujer": ["Mujer", "F", "Femenino", "Fem", "mujer", "f", " MUJER ", "femenino"],
    "Hombre": ["Hombre", "M", "Masculino", "Masc", "hombre", "m", " HOMBRE ", "masculino"],
}
SEXO_UNKNOWN = ["", "Otro", "NS", "Prefiere no decir"]
INE_SEXO = {"Hombre": "1", "Mujer": "2"}

# Typed comunas (data contract §3). Corrections are Levenshtein ≤ 2 to exactly one comuna of
# the region; others are quarantined. Checked by `_check_comuna_typos` at build time.
TYPOS = {
    "04": {"La Serena": ["La Serana", "la serna"], "Coquimbo": ["Cokimbo", "Coquinbo"],
           "Ovalle": ["Ovale"], "Salamanca": ["Salamnca"], "Punitaqui": ["Punitaki"],
           "Illapel": ["Illapell"], "Andacollo": ["Andacoyo"]},
    "05": {"Valparaíso": ["Valparaizo"], "Viña del Mar": ["Viña del Mal"],
           "Villa Alemana": ["Villa Alemanda"], "San Antonio": ["San Antonoi"]},
}
ALIASES = {"04": {"Paiguano": "Paihuano"}, "05": {"Llaillay": "Llay-Llay", "Calera": "La Calera"}}
OTHER_REGION = {"04": ["Valparaíso", "Santiago"], "05": ["La Serena", "Santiago"]}
UNKNOWN_COMUNA = {"04": ["Tongoy", "Sector Las Compañías"], "05": ["Reñaca", "Placilla de Peñuelas"]}
RURAL_COMUNAS = {"La Higuera", "Paiguano", "Río Hurtado", "Canela", "Punitaqui", "Combarbalá",
                 "Monte Patria", "Andacollo", "Vicuña", "Salamanca", "Juan Fernández", "Petorca",
                 "Cabildo", "Hijuelas", "Santo Domingo", "Catemu", "Panquehue", "Olmué"}


