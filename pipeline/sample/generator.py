"""The whole sample in memory (`build_sample`) and the command line that writes it."""
from __future__ import annotations

import numpy as np

from pipeline import config, reference
from pipeline.sample.extras import PLANES, PLANS, destacadas_csv, plan_document, plan_yaml, verifier_files
from pipeline.sample.model import Sample, _check_comuna_typos
from pipeline.sample.people import make_people
from pipeline.sample.texts import textos_yaml
from pipeline.sample.vocabulary import DEFAULT_SEED
from pipeline.sample.years import build_person_year, build_summary_year


# --------------------------------------------------------------------------- the whole sample

def build_sample(seed: int = DEFAULT_SEED) -> Sample:
    """The whole sample in memory (nothing written): Coquimbo 2016–2018 and Valparaíso 2018."""
    _check_comuna_typos("04")
    _check_comuna_typos("05")
    coq = reference.comunas_region("04")
    rng = np.random.default_rng([seed, 4])
    people = make_people(rng, 3600)
    w = coq["poblacion_total"].astype(float).to_numpy() ** 0.7
    home = rng.choice(len(coq), size=len(people), p=w / w.sum())
    years = [build_summary_year(seed, 2016)]
    fixed = {
        2017: {"Escuela de dirigentes": ["La Serena", "La Serena", "Coquimbo", "Ovalle", "Ovalle", "Illapel",
                                         "Vicuña", "Salamanca"],
               "Sesión COSOC": ["La Serena", "La Serena", "Ovalle", "Illapel"],
               "Consulta ciudadana": ["La Serena", "Coquimbo"],
               "Cuenta pública": ["La Serena"]},
        2018: {"Escuela de dirigentes": ["La Serena", "Coquimbo", "Ovalle", "Illapel", "Monte Patria", "Vicuña"],
               "Sesión COSOC": ["La Serena", "Coquimbo", "Ovalle", "Los Vilos"],
               "Consulta ciudadana": ["La Serena", "Coquimbo", "Ovalle"],
               "Cuenta pública": ["Coquimbo"]},
    }
    years.append(build_person_year(seed, "04", 2017, people, home, 170, fixed[2017], with_summary=False))
    years.append(build_person_year(seed, "04", 2018, people, home, 190, fixed[2018], with_summary=True))
    # Valparaíso 2018: its own people
    val = reference.comunas_region("05")
    rng5 = np.random.default_rng([seed, 5])
    people5 = make_people(rng5, 900)
    w5 = val["poblacion_total"].astype(float).to_numpy() ** 0.7
    home5 = rng5.choice(len(val), size=len(people5), p=w5 / w5.sum())
    years.append(build_person_year(seed, "05", 2018, people5, home5, 56,
                                   {"Sesión COSOC": ["Valparaíso", "Viña del Mar"]}, with_summary=False))
    # plans and highlights
    hl_rng = np.random.default_rng([seed, 99])
    for ys in years:
        if ys.cut_region != "04":
            continue
        if ys.year in (2017, 2018):
            text, photos = destacadas_csv(ys, hl_rng)
            ys.extra["destacadas.csv"] = text
            ys.photos = photos
            ys.extra[f"plan-{ys.year}.yml"] = plan_yaml(ys.year)
            ys.extra[f"plan-{ys.year + 1}.yml"] = plan_yaml(ys.year + 1)
            ys.plan = plan_document(ys.year, PLANS[ys.year])
            ys.extra[config.paths(ys.year).textos.name] = textos_yaml(ys.year)
            ys.files_extra = verifier_files(ys)
    return Sample(seed, years, dict(PLANES))


