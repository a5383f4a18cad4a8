"""One year of the sample: the files and sheets of person rows (2017, 2018, Valparaíso)
and of activity summaries (2016)."""
from __future__ import annotations

from collections import Counter

import numpy as np

from pipeline import reference
from pipeline.sample.model import Person, RawFile, Row, Sheet, YearSample, _pick, render_rut
from pipeline.sample.people import Renderer, _size, assign_attendees, corrupt, make_activities
from pipeline.text import fold


# --------------------------------------------------------------------------- headers

H_ELQUI = ["Fecha", "Comuna", "Nombre de la actividad", "Tipo de actividad", "Línea", "Urbano/Rural",
           "Tipo de organización", "Organización", "Nombre completo", "RUT", "Sexo", "Edad"]
H_LIMARI = ["FECHA ACTIVIDAD", "COMUNA", "NOMBRE ACTIVIDAD", "TIPO", "PROGRAMA", "SECTOR",
            "TIPO ORGANIZACION", "NOMBRE ORGANIZACIÓN", "NOMBRES Y APELLIDOS", "RUN", "GÉNERO", "EDAD"]
H_CHOAPA = ["fecha de la actividad", "comuna actividad", "Nombre actividad", "tipo de actividad", "Área",
            "urbano rural", "Tipo de Organización", "organización", "Nombre y apellido", "R.U.T.",
            "genero", "Edad"]
H_CP1252 = ["Fecha", "Comuna", "Título actividad", "Tipo", "Línea de trabajo", "Zona",
            "Tipo organizacion", "Organizacion", "Nombres y apellidos", "Rut", "Sexo", "Edad"]
H_BOM = ["fecha", "comuna", "actividad", "tipo_actividad", "linea", "zona", "tipo_organizacion",
         "organizacion", "nombre", "rut", "sexo", "edad", "Observaciones"]
H_TAB = ["Código actividad", "Fecha", "Comuna", "Nombre de la actividad", "Tipo", "Programa",
         "Urbano/Rural", "Tipo de organización", "Organización", "Nombre completo", "RUN", "Sexo", "Edad"]
H_SUMMARY = ["Fecha", "Comuna", "Nombre de la actividad", "Tipo de actividad", "Línea", "Urbano/Rural",
             "Tipo de organización", "Organización", "N° Mujeres", "N° Hombres", "Total"]
PERSON_CANON = ["fecha", "comuna", "actividad", "tipo_actividad", "linea", "zona", "tipo_organizacion",
                "organizacion", "nombre", "rut", "sexo", "edad"]
SUMMARY_CANON = ["fecha", "comuna", "actividad", "tipo_actividad", "linea", "zona", "tipo_organizacion",
                 "organizacion", "asistentes_mujeres", "asistentes_hombres", "total_asistentes"]


def header(displayed: list[str], canon: list[str]) -> list[tuple[str, str]]:
    if len(displayed) == len(canon) + 1 and displayed[0] == "Código actividad":
        canon = ["id_actividad", *canon]
    if len(displayed) == len(canon) + 1:
        canon = [*canon, "observaciones"]
    return list(zip(canon, displayed))


INSTRUCTIONS = [
    "Instrucciones para completar la lista de asistencia",
    "1. Registre una fila por cada persona asistente a cada actividad.",
    "2. Escriba la fecha de la actividad como día, mes y año.",
    "3. El RUT se escribe con dígito verificador; si la persona no lo entrega, deje la celda vacía.",
    "4. No modifique los encabezados de la hoja de registro.",
    "Documento de uso interno. Datos sintéticos de demostración.",
]


def _title(region_full: str, what: str, year: int) -> list[str]:
    return [f"SERVIU {region_full}", f"{what} — año {year}", "Unidad de Participación Ciudadana"]


# --------------------------------------------------------------------------- one year of person rows

def _split_rows(rng, rows: list[Row], n_bad: dict[str, int], year: int, cut_region: str) -> list[Row]:
    """Replace a few rows of activities with ≥ 6 attendees (and no typo) by corrupted copies."""
    out = list(rows)
    by_act = Counter(r.activity for r in rows)
    candidates = [i for i, r in enumerate(rows) if by_act[r.activity] >= 6 and r.corrected is None]
    chosen = rng.choice(candidates, size=sum(n_bad.values()), replace=False) if candidates else []
    reasons = [(reason, k) for reason, n in n_bad.items() for k in range(n)]
    for i, (reason, k) in zip(sorted(int(c) for c in chosen), reasons):
        out[i] = corrupt(rows[i], reason, year, cut_region, rng, k)
    return out


def _zona_conflict(rows: list[Row]) -> list[Row]:
    """One row of a big activity says the other zona: the most frequent value must win."""
    out = list(rows)
    by_act = Counter(r.activity for r in rows if r.reason is None)
    big = [uid for uid, n in sorted(by_act.items()) if n >= 8]
    if big:
        i = next(k for k, r in enumerate(rows) if r.activity == big[0] and r.reason is None)
        other = "Rural" if fold(rows[i].cells["zona"]) in ("urbano", "urbana", "u") else "Urbano"
        out[i] = Row({**rows[i].cells, "zona": other}, rows[i].activity, None, rows[i].sexo, rows[i].rut,
                     rows[i].nombre_key, rows[i].edad, corrected=rows[i].corrected)
    return out


def _within_duplicates(rng, rows: list[Row], n: int) -> list[Row]:
    """The same person signing twice in one activity: RUT re-typed in another format, or
    (without a valid RUT) the same name; inserted right after the original."""
    out = list(rows)
    candidates = [i for i, r in enumerate(rows) if r.reason is None]
    for i in sorted((int(c) for c in rng.choice(candidates, size=n, replace=False)), reverse=True):
        orig = rows[i]
        cells = dict(orig.cells)
        if orig.rut:
            body, dv = orig.rut[:-1], orig.rut[-1]
            cells["rut"] = render_rut(int(body), dv, (int(rng.integers(0, 5))))
        cells["nombre"] = str(cells["nombre"]).lower()
        out.insert(i + 1, Row(cells, orig.activity, None, orig.sexo, orig.rut, orig.nombre_key, orig.edad,
                              corrected=orig.corrected))
    return out


def build_person_year(seed: int, cut_region: str, year: int, people: list[Person], home: np.ndarray,
                      n_random: int, fixed: dict[str, list[str]], with_summary: bool) -> YearSample:
    rng = np.random.default_rng([seed, int(cut_region), year])
    reg = reference.region(cut_region)
    comunas = reference.comunas_region(cut_region)
    cuts = comunas["cut_comuna"].tolist()
    acts = make_activities(rng, cut_region, year, n_random, fixed,
                           min_per_comuna=2 if cut_region == "04" else 0)
    assign_attendees(rng, acts, people, home, cuts)
    rend = Renderer(rng, people, cut_region, year)
    region_full = reg.nombre_completo
    files: list[RawFile] = []
    activities = {a.uid: a for a in acts}

    if cut_region != "04":
        return _build_second_region(rng, reg, year, acts, rend, people, home, cuts)

    # where each activity is reported
    for a in acts:
        if a.tipo in ("Consulta ciudadana", "Cuenta pública"):
            a.source = "cp1252"
        elif a.tipo in ("Sesión COSOC", "Escuela de dirigentes"):
            a.source = "bom"
        elif a.tipo == "Difusión comunitaria":
            a.source = "tab"
            a.id_actividad = f"ACT-{year}-{a.uid:04d}"
        else:
            a.source = fold(a.provincia)
    if with_summary:  # two big events reported only as head counts (2018)
        big = [a for a in acts if a.source == "elqui" and a.tipo == "Jornada informativa"][:2]
        for a in big:
            a.source = "summary"
            n = len(a.attendees) * 3
            m = int(round(n * 0.68))
            a.counts = (m, n - m - 2, 2)
            a.attendees = []

    def by_source(src):
        return sorted((a for a in acts if a.source == src), key=lambda a: (a.fecha, a.uid))

    # Elqui: xlsx, instructions + two semesters, Excel date cells (some text dates)
    elqui = by_source("elqui")
    sem1 = [r for a in elqui if a.fecha.month <= 6 for r in rend.person_rows(a, "cell", date_styles=["cell"] * 5 + ["slash"])]
    sem2 = [r for a in elqui if a.fecha.month > 6 for r in rend.person_rows(a, "cell", date_styles=["cell"] * 5 + ["slash"])]
    sem1 = _split_rows(rng, sem1, {"fecha_faltante": 2, "comuna_de_otra_region": 3}, year, cut_region)
    sem2 = _split_rows(rng, sem2, {"comuna_desconocida": 2, "fecha_invalida": 1}, year, cut_region)
    sem2 = _within_duplicates(rng, sem2, 6)
    sem1 = _zona_conflict(sem1)
    if sem2:
        sem2.insert(len(sem2) // 2, None)  # a blank row in the middle of the data
    h = header(H_ELQUI, PERSON_CANON)
    files.append(RawFile(f"asistencia-elqui-{year}.xlsx", "xlsx", [
        Sheet("Instrucciones", [], [], lines=INSTRUCTIONS),
        Sheet("Enero-Junio", h, sem1, title=_title(region_full, "Listas de asistencia Provincia de Elqui", year)),
        Sheet("Julio-Diciembre", h, sem2, title=_title(region_full, "Listas de asistencia Provincia de Elqui", year)),
    ]))
    # the re-sent sheet: one month of Elqui's second semester, sent again in another file
    resent = {a.uid for a in [a for a in elqui if a.fecha.month == 10][:4]}
    resend_rows = [r for r in sem2 if r is not None and r.activity in resent]
    files.append(RawFile(f"asistencia-elqui-octubre-{year}-reenvio.xlsx", "xlsx", [
        Sheet("Octubre", h, resend_rows, title=_title(region_full, "Lista de asistencia octubre (reenvío)", year)),
    ]))

    # Limarí: xlsx, one sheet per semester; serial day numbers and text dates
    limari = by_source("limari")
    h = header(H_LIMARI, PERSON_CANON)
    sheets = []
    for name, months in (("1er semestre", range(1, 7)), ("2do semestre", range(7, 13))):
        rows = [r for a in limari if a.fecha.month in months
                for r in rend.person_rows(a, "serial", date_styles=["serial", "serial", "slash", "dash", "dot", "cell"])]
        sheets.append(Sheet(name, h, rows, title=[f"Registro de participación Provincia de Limarí {year}"]))
    sheets[1].rows = _split_rows(rng, sheets[1].rows, {"comuna_faltante": 1, "comuna_de_otra_region": 1}, year, cut_region)
    # an activity of last year that slipped into this year's sheet: all its rows are quarantined
    stray = [r for r in sheets[0].rows if r.activity == limari[0].uid] if limari else []
    stray = [corrupt(r, "fecha_fuera_de_anio", year, cut_region, rng) for r in stray[:8]]
    for r in stray:
        r.cells["fecha"] = stray[0].cells["fecha"]
    sheets[0].rows += stray
    files.append(RawFile(f"asistencia-limari-{year}.xlsx", "xlsx", sheets))

    # Choapa: xlsx, one sheet per comuna (ambiguous sheet in 2018)
    choapa = by_source("choapa")
    h = header(H_CHOAPA, PERSON_CANON)
    sheets = []
    for comuna in comunas.loc[comunas["provincia"] == "Choapa", "comuna"]:
        rows = [r for a in choapa if a.comuna == comuna
                for r in rend.person_rows(a, "cell", date_styles=["cell", "cell", "iso", "slash"])]
        sheets.append(Sheet(comuna, h, rows, title=[f"Asistencia {comuna} {year}", ""]))
    if with_summary:
        ghost = make_activities(rng, cut_region, year, 0, {"Reunión de diálogo": ["Illapel", "Illapel"]}, 90_000, min_per_comuna=0)
        assign_attendees(rng, ghost, people, home, cuts)
        rows = [r for a in ghost for r in rend.person_rows(a, "cell")]
        amb = [*h[:2], ("comuna", "Comuna"), *h[2:]]
        for r in rows:
            r.cells = dict(r.cells)
        sheets.append(Sheet("Illapel (copia)", amb, rows, rejected="columna_ambigua"))
    files.append(RawFile(f"asistencia-choapa-{year}.xlsx", "xlsx", sheets))

    # Consultas and cuenta pública: CSV in Windows-1252 with ';', a title line above the header
    rows = [r for a in by_source("cp1252") for r in rend.person_rows(a, "slash", date_styles=["slash", "dash", "serial_text"])]
    rows = _within_duplicates(rng, rows, 4)
    files.append(RawFile(f"consultas-y-cuenta-publica-{year}.csv", "csv", [
        Sheet("", header(H_CP1252, PERSON_CANON), rows, title=[f"Consultas ciudadanas y Cuenta Pública {year} – SERVIU"])
    ], encoding="cp1252", delimiter=";"))

    # COSOC and escuelas: CSV UTF-8 with BOM and ',' and an extra column
    rows = [r for a in by_source("bom") for r in rend.person_rows(a, "iso", date_styles=["iso", "dot", "slash"])]
    for r in rows:
        r.cells = {**r.cells, "observaciones": "Llegó tarde" if rng.random() < 0.05 else ""}
    files.append(RawFile(f"cosoc-y-escuelas-{year}.csv", "csv", [
        Sheet("", header(H_BOM, PERSON_CANON), rows)], encoding="utf-8-sig", delimiter=","))

    # difusión: a tab-delimited export of the web registry, with activity codes and INE sex codes
    rows = [r for a in by_source("tab") for r in rend.person_rows(a, "iso", sexo_style="ine")]
    files.append(RawFile(f"registro-web-{year}.csv", "csv", [
        Sheet("", header(H_TAB, PERSON_CANON), rows)], encoding="utf-8", delimiter="\t"))

    # rejected whole: the date is only in the title block, there is no date column
    ghost = make_activities(rng, cut_region, year, 0, {"Taller participativo": ["Andacollo", "Andacollo"]}, 80_000, min_per_comuna=0)
    assign_attendees(rng, ghost, people, home, cuts)
    rows = [r for a in ghost for r in rend.person_rows(a, "cell")]
    h = [(c, d) for c, d in header(H_ELQUI, PERSON_CANON) if c != "fecha"]
    files.append(RawFile(f"asistencia-andacollo-sin-fecha-{year}.xlsx", "xlsx", [
        Sheet("Asistencia", h, rows, title=[f"Taller participativo Andacollo — Fecha: {ghost[0].fecha:%d/%m/%Y}"])
    ], rejected="sin_columna_requerida"))
    # a broken workbook: cut in half in transit
    ghost = make_activities(rng, cut_region, year, 0, {"Jornada informativa": ["Monte Patria"]}, 70_000, min_per_comuna=0)
    assign_attendees(rng, ghost, people, home, cuts)
    rows = [r for a in ghost for r in rend.person_rows(a, "cell")]
    files.append(RawFile(f"asistencia-monte-patria-{year}.xlsx", "broken", [
        Sheet("Asistencia", header(H_ELQUI, PERSON_CANON), rows)], rejected="archivo_ilegible"))

    if with_summary:
        rows = [rend.summary_row(a, "slash") for a in by_source("summary")]
        h = [*header(H_SUMMARY, SUMMARY_CANON)[:-1], ("asistentes_sin_informacion", "Sin información"),
             ("total_asistentes", "Total")]
        files.append(RawFile(f"resumen-eventos-masivos-{year}.csv", "csv", [
            Sheet("", h, rows)], encoding="utf-8", delimiter=";"))
    return YearSample(reg.nombre, reg.cut, year, files, activities)


def _build_second_region(rng, reg, year, acts, rend, people, home, cuts) -> YearSample:
    """Valparaíso 2018: a smaller year in one workbook and one cp1252 CSV."""
    for a in acts:
        a.source = "csv" if a.provincia in ("San Felipe de Aconcagua", "Los Andes", "Quillota", "Petorca") else "xlsx"
    xl = sorted((a for a in acts if a.source == "xlsx"), key=lambda a: (a.fecha, a.uid))
    h = header(H_ELQUI, PERSON_CANON)
    sheets = []
    for name, months in (("Primer semestre", range(1, 7)), ("Segundo semestre", range(7, 13))):
        rows = [r for a in xl if a.fecha.month in months
                for r in rend.person_rows(a, "cell", date_styles=["cell", "cell", "slash", "serial"])]
        sheets.append(Sheet(name, h, rows, title=_title(reg.nombre_completo, "Listas de asistencia", year)))
    sheets[0].rows = _split_rows(rng, sheets[0].rows, {"comuna_de_otra_region": 2, "fecha_fuera_de_anio": 1}, year, reg.cut)
    sheets[1].rows = _within_duplicates(rng, sheets[1].rows, 3)
    cs = sorted((a for a in acts if a.source == "csv"), key=lambda a: (a.fecha, a.uid))
    rows = [r for a in cs for r in rend.person_rows(a, "slash", date_styles=["slash", "dash", "iso"])]
    rows = _split_rows(rng, rows, {"comuna_desconocida": 2, "fecha_faltante": 1}, year, reg.cut)
    files = [
        RawFile(f"asistencia-valparaiso-{year}.xlsx", "xlsx", [Sheet("Instrucciones", [], [], lines=INSTRUCTIONS), *sheets]),
        RawFile(f"asistencia-aconcagua-quillota-petorca-{year}.csv", "csv",
                [Sheet("", header(H_CP1252, PERSON_CANON), rows)], encoding="cp1252", delimiter=";"),
    ]
    return YearSample(reg.nombre, reg.cut, year, files, {a.uid: a for a in acts})


# --------------------------------------------------------------------------- 2016: summaries only

def build_summary_year(seed: int, year: int) -> YearSample:
    rng = np.random.default_rng([seed, 4, year])
    reg = reference.region("04")
    acts = make_activities(rng, "04", year, 158, {"Escuela de dirigentes": ["La Serena", "Ovalle", "Illapel"],
                                                  "Sesión COSOC": ["La Serena", "Ovalle"],
                                                  "Cuenta pública": ["La Serena"]})
    for a in acts:
        n = _size(rng, a.tipo)
        m = int(rng.binomial(n, 0.64))
        a.counts = (m, n - m, 0)
    rend = Renderer(rng, [], "04", year)
    acts = sorted(acts, key=lambda a: (a.fecha, a.uid))
    first = [rend.summary_row(a, "cell", True) for a in acts if a.fecha.month <= 6]
    second = [rend.summary_row(a, _pick(rng, ["slash", "slash", "dash"])) for a in acts if a.fecha.month > 6]
    first = _corrupt_summaries(rng, first, {"comuna_de_otra_region": 1, "conteo_invalido": 1}, year)
    second = _corrupt_summaries(rng, second, {"conteo_inconsistente": 1, "fecha_fuera_de_anio": 1}, year)
    first.insert(10, None)
    h = header(H_SUMMARY, SUMMARY_CANON)
    files = [
        RawFile(f"resumen-actividades-enero-junio-{year}.xlsx", "xlsx", [
            Sheet("Resumen", h, first, title=_title(reg.nombre_completo, "Resumen de actividades de participación", year)),
        ]),
        RawFile(f"resumen-actividades-julio-diciembre-{year}.csv", "csv", [Sheet("", h, second)],
                encoding="cp1252", delimiter=";"),
    ]
    return YearSample(reg.nombre, reg.cut, year, files, {a.uid: a for a in acts})


def _corrupt_summaries(rng, rows: list[Row], n_bad: dict[str, int], year: int) -> list[Row]:
    out = list(rows)
    free = [i for i, r in enumerate(rows) if r.corrected is None]
    reasons = [reason for reason, n in n_bad.items() for _ in range(n)]
    for i, reason in zip(sorted(int(c) for c in rng.choice(free, size=len(reasons), replace=False)), reasons):
        out[i] = corrupt(rows[i], reason, year, "04", rng)
    return out


