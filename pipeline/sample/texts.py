"""The sample's `textos.yml`: the office's own paragraphs, achievements and closing slide.

Written for Coquimbo 2017 and 2018 in the words of the published 2017 balance, with the
figures as placeholders, so the deck shows how an office writes them.
"""
from __future__ import annotations

ACHIEVEMENTS = {
    2017: ["Cuenta Pública Participativa.", "**Consejo Consultivo de la Sociedad Civil.**",
           "**2 Consultas Ciudadanas Virtuales.**", "**Ampliación Convenio SENAME SERVIU.**",
           "**4 Escuelas de Formación de Dirigentes Sociales.**",
           "**Más de 150 actividades** de difusión comunitaria a nivel regional."],
    2018: ["Cuenta Pública Participativa.", "**Consejo Consultivo de la Sociedad Civil.**",
           "**3 Consultas Ciudadanas.**", "**6 Escuelas de Formación de Dirigentes Sociales.**"],
}


def textos_yaml(year: int) -> str:
    """The sample's textos.yml of `year` (YAML text)."""
    logros = "\n".join(f'  - "{item}"' for item in ACHIEVEMENTS[year])
    return f"""# Textos de la Oficina de Participación Ciudadana para el balance {year}.
# Marcadores: {{asistencias}}, {{pct_mujeres}}, {{mujeres}}, {{comunas_alcanzadas}}... (ver README).
parrafos:
  alcance: |
    Durante el año {{anio}}, como SERVIU Región de Coquimbo desarrollamos acciones de
    **Participación Ciudadana** en **{{comunas_alcanzadas}} comunas** de la región,
    con **{{asistencias}} asistencias**.
  mujeres: |
    Registramos **{{mujeres}} asistencias de mujeres** a lo largo de la región de Coquimbo,
    instalando el *enfoque de género* en nuestro servicio como una realidad concreta.
  zona: |
    Incorporamos el criterio **urbanidad v/s ruralidad** en el registro de asistencias.
    Es necesario precisar este dato durante la gestión {year + 1}.
logros:
{logros}
cierre:
  titulo: "#SERVIUConstruye con Participación"
  texto: |
    Oficina de Participación Ciudadana
    SERVIU Región de Coquimbo
"""
