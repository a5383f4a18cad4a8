"""Plan compliance: a year's weighted commitments against the activities it logged.

A plan is a YAML file, ``data/raw/<year>/plan-<year>.yml`` (this year's plan) or
``plan-<year+1>.yml`` (next year's), in one format::

    anio: 2018
    titulo: Plan de Participación Ciudadana 2018      # optional
    compromisos:
      - nombre: Escuelas de Formación de Dirigentes Sociales
        meta: 8                 # positive whole number of activities
        ponderacion: 20         # percent; the weights of a plan add up to 100
        filtro:                 # every key optional; AND between keys, OR within a list
          tipo_actividad: [Escuela de dirigentes]
          linea: [Barrios]
          comunas_incluidas: [Ovalle, Monte Patria]
          comunas_excluidas: [La Serena]
          min_asistentes: 10

Filter matching: ``tipo_actividad`` and ``linea`` are compared folded (``text.fold``: case,
accents and punctuation ignored); comunas are resolved once, when the plan is loaded, to
their official codes (official names and known aliases of the region being reported) and
matched on ``cut_comuna``; ``min_asistentes`` keeps activities whose ``asistencias`` is at
least that number. A filter value may be one text or a list of texts. ``logrado`` counts
distinct activities (``clave_actividad``) that pass the filter.

Estado of a commitment (``pct`` = logrado / meta × 100):

- ``CUMPLE``     when logrado >= meta.
- ``EN PROCESO`` when the year is still in progress (``en_curso=True``) and logrado < meta:
  the commitment can still be met; or, for a closed year, when 50 <= pct < 100: partial
  progress worth telling apart from a commitment barely started.
- ``NO CUMPLE``  for a closed year below 50 %.

``ponderacion_ganada`` = ponderacion × min(logrado / meta, 1): partial progress earns its
share of the weight, so ``cumplimiento_plan_total`` (the sum) reads as "percent of the plan
achieved".
"""
from __future__ import annotations

from pipeline.errors import InvalidPlan  # noqa: F401  (raised here)

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pipeline import reference
from pipeline import schema
from pipeline.text import fold

ESTADO_CUMPLE = "CUMPLE"
ESTADO_EN_PROCESO = "EN PROCESO"
ESTADO_NO_CUMPLE = "NO CUMPLE"
ESTADOS = [ESTADO_CUMPLE, ESTADO_EN_PROCESO, ESTADO_NO_CUMPLE]
# Below this percentage a commitment of a closed year is NO CUMPLE (see module docstring).
UMBRAL_EN_PROCESO = 50.0
# Tolerance when checking that the weights add up to 100.
TOLERANCIA_PONDERACION = 0.01

COMPLIANCE_COLUMNS = [
    "nombre", "meta", "logrado", "pct_cumplimiento", "estado", "ponderacion", "ponderacion_ganada",
]

_PLAN_KEYS = {"anio", "titulo", "compromisos"}
_COMPROMISO_KEYS = {"nombre", "meta", "ponderacion", "filtro"}
_FILTRO_KEYS = {"tipo_actividad", "linea", "comunas_incluidas", "comunas_excluidas", "min_asistentes"}
_TIPOS_BY_KEY = {fold(label): label for label in schema.TIPOS_ACTIVIDAD}


_YAML_HINT = (
    "Revise la sangría (espacios, no tabuladores), los dos puntos después de cada clave y que "
    "cada corchete o comilla que se abre también se cierre."
)


@dataclass(frozen=True)
class Filtro:
    """Which activities count towards a commitment. Empty tuples mean "no restriction"."""

    tipo_actividad: tuple[str, ...] = ()       # official labels of schema.TIPOS_ACTIVIDAD
    linea: tuple[str, ...] = ()                # as written in the plan (matched folded)
    comunas_incluidas: tuple[str, ...] = ()    # cut_comuna codes (strings, zero-padded)
    comunas_excluidas: tuple[str, ...] = ()    # cut_comuna codes
    min_asistentes: int | None = None


@dataclass(frozen=True)
class Compromiso:
    nombre: str
    meta: int
    ponderacion: float
    filtro: Filtro = field(default_factory=Filtro)
    linea_archivo: int = 0                     # line of the entry in the plan file (1-based)


@dataclass(frozen=True)
class Plan:
    year: int
    region: str                                # official short name, e.g. "Coquimbo"
    compromisos: tuple[Compromiso, ...]
    titulo: str | None = None
    archivo: str = ""                          # file name, for messages


# --------------------------------------------------------------------------- loading


class _Reader:
    """Walks the composed YAML node tree, so every error can name the line of its entry."""

    def __init__(self, archivo: str, loader: yaml.SafeLoader):
        self.archivo = archivo
        self.loader = loader

    def fail(self, node: Node | None, message: str) -> InvalidPlan:
        where = f", línea {node.start_mark.line + 1}" if node is not None else ""
        return InvalidPlan(f"Plan {self.archivo}{where}: {message}")

    def value(self, node: Node) -> object:
        return self.loader.construct_object(node, deep=True)

    def mapping(self, node: Node, what: str, allowed: set[str], required: set[str]) -> dict[str, tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{what} debe ser una lista de claves y valores (clave: valor).")
        found: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            if not isinstance(key, str):
                raise self.fail(key_node, f"clave no válida en {what}: {key!r}.")
            if key in found:
                raise self.fail(key_node, f"la clave '{key}' está repetida en {what}.")
            if key not in allowed:
                raise self.fail(
                    key_node,
                    f"clave desconocida '{key}' en {what}. Claves aceptadas: {', '.join(sorted(allowed))}.",
                )
            found[key] = (key_node, value_node)
        missing = sorted(required - set(found))
        if missing:
            raise self.fail(node, f"falta la clave '{missing[0]}' en {what}.")
        return found

    def whole(self, node: Node, what: str, minimum: int) -> int:
        value = self.value(node)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(node, f"{what} debe ser un número entero; se leyó {value!r}.")
        if value < minimum:
            cota = "positivo" if minimum == 1 else f"mayor o igual que {minimum}"
            raise self.fail(node, f"{what} debe ser un número entero {cota}; se leyó {value}.")
        return value

    def text(self, node: Node, what: str) -> str:
        value = self.value(node)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, f"{what} debe ser un texto no vacío.")
        return " ".join(value.split())

    def texts(self, node: Node, what: str) -> list[tuple[Node, str]]:
        """One text or a list of texts, each with its node (for the line of a bad item)."""
        if isinstance(node, ScalarNode):
            return [(node, self.text(node, what))]
        if not isinstance(node, SequenceNode):
            raise self.fail(node, f"{what} debe ser un texto o una lista de textos.")
        if not node.value:
            raise self.fail(node, f"{what} está vacío: quítelo o escriba al menos un valor.")
        return [(item, self.text(item, what)) for item in node.value]


@lru_cache(maxsize=None)
def _comuna_keys(region: str) -> tuple[dict[str, str], dict[str, str]]:
    """folded name → cut_comuna for the region (official + aliases), and for every other region."""
    of_region = reference.comunas_region(region)
    cuts = set(of_region["cut_comuna"])
    keys = {fold(name): cut for name, cut in zip(of_region["comuna"], of_region["cut_comuna"])}
    aliases = reference.aliases()
    for key, cut in zip(aliases["clave"], aliases["cut_comuna"]):
        if cut in cuts:
            keys.setdefault(key, cut)
    others = reference.comunas()
    other_keys = {
        fold(name): reg
        for name, cut, reg in zip(others["comuna"], others["cut_comuna"], others["region"])
        if cut not in cuts
    }
    return keys, other_keys


def _filtro(reader: _Reader, node: Node, nombre: str, region: str) -> Filtro:
    what = f"el filtro del compromiso '{nombre}'"
    entries = reader.mapping(node, what, _FILTRO_KEYS, set())
    values: dict[str, object] = {}
    if "tipo_actividad" in entries:
        tipos = []
        for item, text in reader.texts(entries["tipo_actividad"][1], "filtro.tipo_actividad"):
            label = _TIPOS_BY_KEY.get(fold(text))
            if label is None:
                raise reader.fail(
                    item,
                    f"tipo de actividad desconocido '{text}'. Tipos aceptados: {', '.join(schema.TIPOS_ACTIVIDAD)}.",
                )
            tipos.append(label)
        values["tipo_actividad"] = tuple(dict.fromkeys(tipos))
    if "linea" in entries:
        lineas = [text for _, text in reader.texts(entries["linea"][1], "filtro.linea")]
        values["linea"] = tuple(dict.fromkeys(lineas))
    keys, other_keys = _comuna_keys(region)
    for key in ("comunas_incluidas", "comunas_excluidas"):
        if key not in entries:
            continue
        cuts = []
        for item, text in reader.texts(entries[key][1], f"filtro.{key}"):
            cut = keys.get(fold(text))
            if cut is None:
                otra = other_keys.get(fold(text))
                detalle = f"pertenece a la región de {otra}, no a la de {region}" if otra else (
                    f"no es una comuna de la región de {region}"
                )
                raise reader.fail(item, f"la comuna '{text}' de filtro.{key} {detalle}.")
            cuts.append(cut)
        values[key] = tuple(dict.fromkeys(cuts))
    both = set(values.get("comunas_incluidas", ())) & set(values.get("comunas_excluidas", ()))
    if both:
        raise reader.fail(
            entries["comunas_excluidas"][1],
            "una misma comuna no puede estar en comunas_incluidas y en comunas_excluidas.",
        )
    if "min_asistentes" in entries:
        values["min_asistentes"] = reader.whole(entries["min_asistentes"][1], "filtro.min_asistentes", 0)
    return Filtro(**values)


def _compromiso(reader: _Reader, node: Node, numero: int, region: str) -> Compromiso:
    what = f"el compromiso n° {numero}"
    entries = reader.mapping(node, what, _COMPROMISO_KEYS, {"nombre", "meta", "ponderacion"})
    nombre = reader.text(entries["nombre"][1], f"el nombre del compromiso n° {numero}")
    meta = reader.whole(entries["meta"][1], f"la meta del compromiso '{nombre}'", 1)
    peso_node = entries["ponderacion"][1]
    peso = reader.value(peso_node)
    if isinstance(peso, bool) or not isinstance(peso, (int, float)) or peso != peso:
        raise reader.fail(
            peso_node, f"la ponderación del compromiso '{nombre}' debe ser un número (sin %); se leyó {peso!r}."
        )
    if peso < 0:
        raise reader.fail(peso_node, f"la ponderación del compromiso '{nombre}' no puede ser negativa.")
    filtro = _filtro(reader, entries["filtro"][1], nombre, region) if "filtro" in entries else Filtro()
    return Compromiso(nombre, meta, float(peso), filtro, node.start_mark.line + 1)


def load_plan(path: Path, region: str, year: int | None = None) -> Plan:
    """Read and validate a plan file; raise PlanInvalido naming the file and the line.

    `region` resolves comuna names (any form `reference.region` accepts). When `anio` is
    given, the plan's `anio` must match it.
    """
    path = Path(path)
    archivo = path.name
    reg = reference.region(region)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidPlan(f"Plan {archivo}: el archivo no está en UTF-8; guárdelo con codificación UTF-8.") from exc
    except OSError as exc:
        raise InvalidPlan(f"Plan {archivo}: el archivo no se puede leer ({exc.strerror or 'error de lectura'}).") from exc
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        reader = _Reader(archivo, loader)
        if root is None:
            raise InvalidPlan(f"Plan {archivo}: el archivo está vacío.")
        entries = reader.mapping(root, "el plan", _PLAN_KEYS, {"anio", "compromisos"})
        plan_year = reader.whole(entries["anio"][1], "anio", 1900)
        if year is not None and plan_year != int(year):
            raise reader.fail(entries["anio"][1], f"el plan es del año {plan_year}, pero se esperaba {int(year)}.")
        titulo = reader.text(entries["titulo"][1], "titulo") if "titulo" in entries else None
        lista = entries["compromisos"][1]
        if not isinstance(lista, SequenceNode) or not lista.value:
            raise reader.fail(lista, "compromisos debe ser una lista con al menos un compromiso (cada uno con '- ').")
        compromisos = tuple(_compromiso(reader, item, n, reg.nombre) for n, item in enumerate(lista.value, 1))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", línea {mark.line + 1}" if mark is not None else ""
        context = exc.context_mark
        if context is not None and mark is not None and context.line != mark.line:
            where += f" (lo abierto en la línea {context.line + 1} no se cerró bien)"
        raise InvalidPlan(f"Plan {archivo}{where}: el YAML no se puede leer. {_YAML_HINT}") from exc
    except yaml.YAMLError as exc:
        raise InvalidPlan(f"Plan {archivo}: el YAML no se puede leer. {_YAML_HINT}") from exc
    finally:
        loader.dispose()
    seen: set[str] = set()
    for c in compromisos:
        if fold(c.nombre) in seen:
            raise InvalidPlan(f"Plan {archivo}, línea {c.linea_archivo}: el compromiso '{c.nombre}' está repetido.")
        seen.add(fold(c.nombre))
    total = sum(c.ponderacion for c in compromisos)
    if abs(total - 100) > TOLERANCIA_PONDERACION:
        raise InvalidPlan(
            f"Plan {archivo}, línea {entries['compromisos'][0].start_mark.line + 1}: las ponderaciones suman "
            f"{total:g} y deben sumar 100."
        )
    return Plan(plan_year, reg.nombre, compromisos, titulo, archivo)


# --------------------------------------------------------------------------- compliance


def matches(filtro: Filtro, actividades: pd.DataFrame) -> pd.Series:
    """Boolean mask of the activities that count towards a commitment with this filter."""
    mask = pd.Series(True, index=actividades.index)
    if filtro.tipo_actividad:
        wanted = {fold(t) for t in filtro.tipo_actividad}
        mask &= actividades["tipo_actividad"].map(fold).isin(wanted)
    if filtro.linea:
        wanted = {fold(t) for t in filtro.linea}
        mask &= actividades["linea"].map(fold).isin(wanted)
    cuts = actividades["cut_comuna"].astype("string").fillna("")
    if filtro.comunas_incluidas:
        mask &= cuts.isin(filtro.comunas_incluidas)
    if filtro.comunas_excluidas:
        mask &= ~cuts.isin(filtro.comunas_excluidas)
    if filtro.min_asistentes is not None:
        asistencias = pd.to_numeric(actividades["asistencias"], errors="coerce").fillna(0)
        mask &= asistencias >= filtro.min_asistentes
    return mask.astype(bool)


def anio_en_curso(year: int, hoy: date | None = None) -> bool:
    """True while the plan's year has not ended (then no commitment is NO CUMPLE yet)."""
    return int(year) >= (hoy or date.today()).year


def estado(logrado: int, meta: int, en_curso: bool = False) -> str:
    """CUMPLE / EN PROCESO / NO CUMPLE, by the rule in the module docstring."""
    if logrado >= meta:
        return ESTADO_CUMPLE
    if en_curso or logrado / meta * 100 >= UMBRAL_EN_PROCESO:
        return ESTADO_EN_PROCESO
    return ESTADO_NO_CUMPLE


def compliance(plan: Plan, actividades: pd.DataFrame, en_curso: bool = False) -> pd.DataFrame:
    """One row per commitment: meta, logrado, % de cumplimiento, estado, ponderación ganada.

    `actividades` is the plan year's processed activities table (schema.ACTIVIDADES_COLUMNS);
    it is not modified. `en_curso=True` when the year has not ended (see the estado rule).
    """
    rows = []
    for c in plan.compromisos:
        mask = matches(c.filtro, actividades)
        logrado = int(actividades.loc[mask, "clave_actividad"].nunique())
        ratio = min(logrado / c.meta, 1.0)
        rows.append({
            "nombre": c.nombre,
            "meta": c.meta,
            "logrado": logrado,
            "pct_cumplimiento": round(ratio * 100, 2),
            "estado": estado(logrado, c.meta, en_curso),
            "ponderacion": c.ponderacion,
            "ponderacion_ganada": round(c.ponderacion * ratio, 2),
        })
    frame = pd.DataFrame(rows, columns=COMPLIANCE_COLUMNS)
    return frame.astype({
        "nombre": "str", "meta": "int64", "logrado": "int64", "pct_cumplimiento": "float64",
        "estado": "str", "ponderacion": "float64", "ponderacion_ganada": "float64",
    })


def compliance_records(df: pd.DataFrame) -> list[dict]:
    """Rows of `compliance` as plain JSON values, for indicadores.json `cumplimiento_plan`."""
    return [
        {
            "nombre": str(r.nombre),
            "meta": int(r.meta),
            "logrado": int(r.logrado),
            "pct_cumplimiento": float(r.pct_cumplimiento),
            "estado": str(r.estado),
            "ponderacion": float(r.ponderacion),
            "ponderacion_ganada": float(r.ponderacion_ganada),
        }
        for r in df.itertuples(index=False)
    ]


def compliance_total(df: pd.DataFrame) -> float:
    """Sum of ponderación ganada (0–100), for indicadores.json `cumplimiento_plan_total`."""
    return round(float(df["ponderacion_ganada"].sum()), 2)


def describe_filter(filtro: Filtro) -> str:
    """The filter in a sentence an analyst reads, e.g. for the deck or the workbook."""
    nombres = reference.comunas().set_index("cut_comuna")["comuna"]
    parts = []
    if filtro.tipo_actividad:
        parts.append("tipo: " + " o ".join(filtro.tipo_actividad))
    if filtro.linea:
        parts.append("línea: " + " o ".join(filtro.linea))
    if filtro.comunas_incluidas:
        parts.append("en " + ", ".join(nombres[c] for c in filtro.comunas_incluidas))
    if filtro.comunas_excluidas:
        parts.append("fuera de " + ", ".join(nombres[c] for c in filtro.comunas_excluidas))
    if filtro.min_asistentes is not None:
        parts.append(f"con al menos {filtro.min_asistentes} asistentes")
    return "; ".join(parts) if parts else "todas las actividades"


def plan_records(plan: Plan) -> list[dict]:
    """A plan's commitments without compliance (next year's plan): nombre, meta, ponderacion, criterio."""
    return [
        {"nombre": c.nombre, "meta": c.meta, "ponderacion": c.ponderacion, "criterio": describe_filter(c.filtro)}
        for c in plan.compromisos
    ]


def plan_indicators(plan: Plan, actividades: pd.DataFrame, en_curso: bool = False) -> dict:
    """The indicadores.json keys of plan compliance, in one call."""
    df = compliance(plan, actividades, en_curso)
    return {
        "plan_titulo": plan.titulo,
        "cumplimiento_plan": compliance_records(df),
        "cumplimiento_plan_total": compliance_total(df),
    }

