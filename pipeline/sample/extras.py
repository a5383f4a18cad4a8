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


