"""Inputs beside the logs: the yearly plans, the highlights (destacadas.csv) and their photos."""
from __future__ import annotations

from pathlib import Path
import csv
import io

import numpy as np
import yaml

from pipeline.sample.model import YearSample


# --------------------------------------------------------------------------- plans and highlights

def plan_document(year: int, compromisos: list[dict]) -> dict:
    assert sum(c["ponderacion"] for c in compromisos) == 100
    return {"anio": year, "titulo": f"Plan de Participación Ciudadana {year}", "compromisos": compromisos}


PLANS = {
    2017: [
        {"nombre": "Escuelas de Formación de Dirigentes Sociales", "meta": 8, "ponderacion": 25,
         "filtro": {"tipo_actividad": ["Escuela de dirigentes"]}},
        {"nombre": "Sesiones COSOC fuera de La Serena", "meta": 2, "ponderacion": 15,
         "filtro": {"tipo_actividad": ["Sesión COSOC"], "comunas_excluidas": ["La Serena"]}},
        {"nombre": "Consultas Ciudadanas", "meta": 3, "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Consulta ciudadana"]}},
        {"nombre": "Talleres participativos del Programa Barrios", "meta": 12, "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Taller participativo"], "linea": ["Barrios"]}},
        {"nombre": "Jornadas informativas en la provincia de Choapa (15 o más asistentes)", "meta": 8,
         "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Jornada informativa"],
                    "comunas_incluidas": ["Illapel", "Canela", "Los Vilos", "Salamanca"], "min_asistentes": 15}},
    ],
    2018: [
        {"nombre": "Escuelas de Formación de Dirigentes Sociales", "meta": 8, "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Escuela de dirigentes"]}},
        {"nombre": "Sesiones COSOC fuera de La Serena", "meta": 2, "ponderacion": 15,
         "filtro": {"tipo_actividad": ["Sesión COSOC"], "comunas_excluidas": ["La Serena"]}},
        {"nombre": "Consultas Ciudadanas", "meta": 3, "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Consulta ciudadana"]}},
        {"nombre": "Jornadas de Pavimentación Participativa", "meta": 10, "ponderacion": 15,
         "filtro": {"tipo_actividad": ["Jornada informativa"], "linea": ["Pavimentación Participativa"]}},
        {"nombre": "Actividades en comunas rurales", "meta": 30, "ponderacion": 20,
         "filtro": {"comunas_incluidas": ["La Higuera", "Paiguano", "Río Hurtado", "Canela", "Punitaqui",
                                          "Combarbalá"]}},
        {"nombre": "Cuenta Pública Participativa", "meta": 1, "ponderacion": 10,
         "filtro": {"tipo_actividad": ["Cuenta pública"], "min_asistentes": 50}},
    ],
    2019: [
        {"nombre": "Escuelas de Formación de Dirigentes Sociales", "meta": 10, "ponderacion": 25,
         "filtro": {"tipo_actividad": ["Escuela de dirigentes"]}},
        {"nombre": "Sesiones COSOC fuera de La Serena", "meta": 3, "ponderacion": 15,
         "filtro": {"tipo_actividad": ["Sesión COSOC"], "comunas_excluidas": ["La Serena"]}},
        {"nombre": "Consultas Ciudadanas", "meta": 4, "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Consulta ciudadana"]}},
        {"nombre": "Talleres participativos de Espacios Públicos", "meta": 12, "ponderacion": 20,
         "filtro": {"tipo_actividad": ["Taller participativo"], "linea": ["Espacios Públicos"]}},
        {"nombre": "Actividades en la provincia de Limarí", "meta": 60, "ponderacion": 20,
         "filtro": {"comunas_incluidas": ["Ovalle", "Combarbalá", "Monte Patria", "Punitaqui", "Río Hurtado"]}},
    ],
}


def plan_yaml(year: int) -> str:
    doc = plan_document(year, PLANS[year])
    head = (f"# Plan de Participación Ciudadana {year} — SERVIU Región de Coquimbo\n"
            "# Datos sintéticos de demostración. ponderacion en %; las ponderaciones suman 100.\n"
            "# filtro (opcional): tipo_actividad, linea, comunas_incluidas, comunas_excluidas, min_asistentes\n")
    return head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


def destacadas_csv(ys: YearSample, rng: np.random.Generator) -> tuple[str, dict[str, int]]:
    """Three featured activities of the year (real ones of the sample), one without photo."""
    kinds = ["Cuenta pública", "Escuela de dirigentes", "Taller participativo"]
    chosen = []
    for kind in kinds:
        pool = sorted((a for a in ys.activities.values() if a.tipo == kind and a.source != "summary"),
                      key=lambda a: (a.fecha, a.uid))
        if pool:
            chosen.append(pool[int(rng.integers(0, len(pool)))])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["fecha", "comuna", "titulo", "linea", "foto"])
    photos = {}
    for k, a in enumerate(chosen):
        foto = f"destacada-{ys.year}-{k + 1}.png" if k < 2 else ""
        if foto:
            photos[foto] = int(rng.integers(0, 2**31))
        w.writerow([a.fecha.strftime("%d/%m/%Y"), a.comuna, a.titulo, a.linea, foto])
    return buf.getvalue(), photos


def draw_photo(path: Path, seed: int) -> None:
    """A small abstract illustration (houses and people as shapes), not a photo."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle, Polygon, Rectangle

    rng = np.random.default_rng(seed)
    palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
    fig = Figure(figsize=(4, 2.5), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 16)
    ax.set_ylim(0, 10)
    ax.axis("off")
    ax.add_patch(Rectangle((0, 0), 16, 10, color="#F2EFE6"))
    ax.add_patch(Rectangle((0, 0), 16, 2.2, color="#C9B98F"))
    for k in range(int(rng.integers(3, 6))):
        x = 0.8 + k * 3.1 + rng.uniform(-0.3, 0.3)
        hgt = rng.uniform(2.2, 4.0)
        color = palette[int(rng.integers(0, len(palette)))]
        ax.add_patch(Rectangle((x, 2.2), 2.4, hgt, color=color))
        ax.add_patch(Polygon([(x - 0.2, 2.2 + hgt), (x + 1.2, 3.6 + hgt), (x + 2.6, 2.2 + hgt)], color="#7A4B3A"))
    for k in range(int(rng.integers(4, 8))):
        x = rng.uniform(0.5, 15.5)
        ax.add_patch(Circle((x, 1.6), 0.35, color="#333333"))
        ax.add_patch(Rectangle((x - 0.3, 0.3), 0.6, 1.0, color=palette[k % len(palette)]))
    ax.add_patch(Circle((14, 8.5), 0.8, color="#E69F00"))
    fig.savefig(path, format="png", metadata={"Software": None})




# --------------------------------------------------------------------------- plans of data/raw/planes/ and verifiers

COSOC_PLAN = """\
# Plan anual COSOC 2017-2018 — SERVIU Región de Coquimbo (datos sintéticos de demostración)
# Un periodo de dos años: se informa con el año posterior (2018), que cuenta los registros de 2017 y 2018.
# Sin ponderaciones: los compromisos valen lo mismo. Formato y reglas: docs/planes.md
periodo: 2017-2018
titulo: Plan anual COSOC MINVU SERVIU 2017-2018
compromisos:
  - objetivo: Descentralizar representatividad y funcionamiento del COSOC, con actividades fuera de la comuna de La Serena.
    nombre: Realizar a lo menos 2 sesiones del COSOC en comunas distintas a La Serena
    responsables: [Encargada PAC, COSOC MINVU-SERVIU]
    meta: 2
    plazo: Segundo semestre 2017
    verificadores: [Citación, Asistencia, Fotografías, Acta]
    filtro: {tipo_actividad: Sesión COSOC, comunas_excluidas: [La Serena]}
  - objetivo: Acercar la opinión y problemáticas de la ciudadanía a la institucionalidad a través del COSOC.
    nombre: Realizar a lo menos 5 reuniones presenciales o virtuales con los integrantes del COSOC
    responsables: [Encargada PAC]
    meta: 5
    plazo: Durante el periodo 2017-2018
    modalidad: [presencial, virtual]
    verificadores: [Citación, Asistencia, Actas]
    filtro: {tipo_actividad: Sesión COSOC}
  - objetivo: Generar procesos de formación de liderazgos de organizaciones de vivienda, barrio y ciudad.
    nombre: Realizar la Escuela de Dirigentes con 8 módulos
    responsables: [Encargada PAC, Jefes de Departamento]
    meta: 8
    plazo: Primer semestre 2018
    verificadores: [Programa de formación, Convocatoria, Asistencia, Fotografías]
    filtro: {tipo_actividad: Escuela de dirigentes}
  - objetivo: Acercar la opinión y problemáticas de la ciudadanía a la institucionalidad a través del COSOC.
    nombre: Realizar a lo menos 3 consultas ciudadanas
    responsables: [Encargada PAC]
    meta: 3
    plazo: Durante el periodo
    verificadores: [Invitación, Fotografías]
    filtro: {tipo_actividad: Consulta ciudadana}
  - objetivo: Promocionar y difundir el trabajo del Consejo de la Sociedad Civil.
    nombre: Cuenta Pública Participativa cada año
    responsables: [Director SERVIU, Encargada PAC]
    meta: 2
    verificadores: [Invitación, Asistencia, Fotografías, Informe]
    filtro: {tipo_actividad: Cuenta pública}
"""

PMG_PLAN = """\
# Programa de trabajo PMG Gestión Territorial 2018-2019 — SERVIU Región de Coquimbo (datos sintéticos)
# Ponderación ganada como la calcula el PMG: la ponderación completa solo si CUMPLE.
periodo: 2018-07-01 a 2019-06-30
titulo: Programa de Trabajo PMG Gestión Territorial 2018-2019
regla_ponderacion: pmg
compromisos:
  - objetivo: "Objetivo transversal 1: llevar la participación a las comunas rurales."
    nombre: Realizar 10 actividades en comunas rurales
    meta: 10
    ponderacion: 20
    plazo: segundo semestre 2018
    filtro: {comunas_incluidas: [La Higuera, Paiguano, Río Hurtado, Canela, Punitaqui, Combarbalá]}
  - objetivo: "Objetivo transversal 1: llevar la participación a las comunas rurales."
    nombre: Sesionar 2 veces con el COSOC fuera de La Serena
    meta: 2
    ponderacion: 15
    plazo: 2018-12-31
    verificadores: [acta]
    filtro: {tipo_actividad: Sesión COSOC, comunas_excluidas: [La Serena]}
  - objetivo: "Objetivo transversal 2: formar dirigentes de vivienda, barrio y ciudad."
    nombre: Realizar 3 módulos de la Escuela de Dirigentes
    meta: 3
    ponderacion: 20
    plazo: segundo semestre 2018
    verificadores: [asistencia, fotografías]
    filtro: {tipo_actividad: Escuela de dirigentes}
  - objetivo: "Objetivo transversal 2: formar dirigentes de vivienda, barrio y ciudad."
    nombre: Realizar 4 módulos más de la Escuela de Dirigentes
    meta: 4
    ponderacion: 15
    plazo: primer semestre 2019
    filtro: {tipo_actividad: Escuela de dirigentes}
  - objetivo: "Objetivo transversal 3: consultar a la ciudadanía."
    nombre: Realizar 2 consultas ciudadanas
    meta: 2
    ponderacion: 15
    filtro: {tipo_actividad: Consulta ciudadana}
  - objetivo: "Objetivo transversal 3: consultar a la ciudadanía."
    nombre: Realizar 10 jornadas de Pavimentación Participativa
    meta: 10
    ponderacion: 15
    plazo: 2018-12-31
    filtro: {tipo_actividad: Jornada informativa, linea: Pavimentación Participativa}
"""

PLANES = {"plan-cosoc-2017-2018.yml": COSOC_PLAN, "programa-pmg-2018-2019.yml": PMG_PLAN}

# Evidence per kind of activity: every file a complete folder has (names classified by verifiers.py)
_FULL = {
    "Sesión COSOC": ["citacion.pdf", "asistencia.pdf", "acta-sesion.pdf", "fotos-1.jpg"],
    "Consulta ciudadana": ["invitacion.pdf", "fotos-1.jpg", "fotos-2.jpg"],
    "Cuenta pública": ["invitacion.pdf", "lista-asistencia.pdf", "fotografias.jpg", "informe-cuenta-publica.pdf"],
    "Escuela de dirigentes": ["programa-formacion.pdf", "convocatoria.pdf", "asistencia.pdf", "fotos.jpg"],
}
# (year, date) of activities whose folder is incomplete or missing: the sample's gaps
_GAPS = {
    (2018, "2018-11-10"): ["fotos-1.jpg"],                          # a consulta without its invitation
    (2018, "2018-07-30"): ["programa-formacion.pdf", "asistencia.pdf"],  # an escuela without photos
    (2018, "2018-09-28"): None,                                      # an escuela without a folder
    (2017, "2017-03-07"): ["asistencia.pdf"],
}


def _placeholder(name: str) -> bytes:
    """A few bytes standing for a scanned document or a photo (never opened by the pipeline)."""
    return f"Verificador de muestra: {name}\n".encode("utf-8")


def verifier_files(ys: YearSample) -> dict[str, bytes]:
    """`verificadores/<AAAA-MM-DD comuna actividad>/<archivo>` → bytes, for the year's COSOC
    sessions, consultations, public accounts and leadership schools: most complete, some not,
    one folder of an activity that was never logged."""
    files: dict[str, bytes] = {}
    for a in sorted(ys.activities.values(), key=lambda a: (a.fecha, a.uid)):
        if a.tipo not in _FULL:
            continue
        names = _GAPS.get((ys.year, a.fecha.isoformat()), _FULL[a.tipo])
        if names is None:
            continue
        folder = f"verificadores/{a.fecha.isoformat()} {a.comuna} {a.titulo}"
        for name in names:
            files[f"{folder}/{name}"] = _placeholder(name)
    if ys.year == 2018:
        files["verificadores/2018-12-15 Ovalle Reunión no registrada/acta.pdf"] = _placeholder("acta.pdf")
    return files
