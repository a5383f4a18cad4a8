"""Reading a plan file (YAML) into a `model.Plan`, with errors that name the file and the line.

Today's format (`anio` + `compromisos` with `nombre`, `meta`, `ponderacion`, `filtro`) still
loads unchanged. A plan may instead cover a period and say more of each commitment::

    periodo: 2024-07-01 a 2025-06-30     # or 2024-2025, or 2024 (instead of `anio`)
    titulo: Plan anual COSOC 2024-2025   # optional
    regla_ponderacion: pmg               # optional: pmg (default) or proporcional
    compromisos:
      - objetivo: Descentralizar el funcionamiento del COSOC      # optional
        nombre: Sesiones del COSOC fuera de La Serena
        responsables: [Encargada PAC]                            # optional
        meta: 2
        ponderacion: 20          # optional when no commitment has one: equal shares
        plazo: primer semestre 2025   # optional: a date, a semester, or the whole period
        verificadores: [citación, asistencia, fotografías, acta]  # optional
        modalidad: [presencial]  # optional: presencial / virtual
        filtro: {tipo_actividad: [Sesión COSOC], comunas_excluidas: [La Serena]}

Filter matching: `tipo_actividad` and `linea` are compared folded (`text.fold`); comunas are
resolved when the plan is loaded to their official codes (official names and known aliases
of the region reported) and matched on `cut_comuna`; `min_asistentes` keeps activities with at
least that many `asistencias`. Deadlines: `windows`; states and weights: `status`.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pipeline import reference
from pipeline import schema
from pipeline import yaml_es
from pipeline.errors import InvalidPlan
from pipeline.ingest.files import read_small_text
from pipeline.indicators import verifiers
from pipeline.indicators.plan import windows
from pipeline.indicators.plan.model import (
    MODALITIES, RULE_PMG, WEIGHT_RULES, WEIGHT_TOLERANCE, Commitment, Filter, Period, Plan,
)
from pipeline.text import fold

_PLAN_KEYS = {"anio", "periodo", "titulo", "compromisos", "regla_ponderacion"}
_COMMITMENT_KEYS = {"nombre", "meta", "ponderacion", "filtro", "objetivo", "responsables", "plazo",
                    "verificadores", "modalidad"}
_FILTER_KEYS = {"tipo_actividad", "linea", "comunas_incluidas", "comunas_excluidas", "min_asistentes"}
_TYPES_BY_KEY = {fold(label): label for label in schema.TIPOS_ACTIVIDAD}


_YAML_HINT = yaml_es.HINT


# --------------------------------------------------------------------------- loading


class _Reader:
    """Walks the composed YAML node tree, so every error can name the line of its entry."""

    def __init__(self, file: str, loader: yaml.SafeLoader):
        self.file = file
        self.loader = loader

    def fail(self, node: Node | None, message: str) -> InvalidPlan:
        where = f", línea {node.start_mark.line + 1}" if node is not None else ""
        return InvalidPlan(f"Plan {self.file}{where}: {message}")

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
            bound = "positivo" if minimum == 1 else f"mayor o igual que {minimum}"
            raise self.fail(node, f"{what} debe ser un número entero {bound}; se leyó {value}.")
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


def _filter(reader: _Reader, node: Node, name: str, region: str) -> Filter:
    what = f"el filtro del compromiso '{name}'"
    entries = reader.mapping(node, what, _FILTER_KEYS, set())
    values: dict[str, object] = {}
    if "tipo_actividad" in entries:
        types = []
        for item, text in reader.texts(entries["tipo_actividad"][1], "filtro.tipo_actividad"):
            label = _TYPES_BY_KEY.get(fold(text))
            if label is None:
                raise reader.fail(
                    item,
                    f"tipo de actividad desconocido '{text}'. Tipos aceptados: {', '.join(schema.TIPOS_ACTIVIDAD)}.",
                )
            types.append(label)
        values["tipo_actividad"] = tuple(dict.fromkeys(types))
    if "linea" in entries:
        lines = [text for _, text in reader.texts(entries["linea"][1], "filtro.linea")]
        values["linea"] = tuple(dict.fromkeys(lines))
    keys, other_keys = _comuna_keys(region)
    for key in ("comunas_incluidas", "comunas_excluidas"):
        if key not in entries:
            continue
        cuts = []
        for item, text in reader.texts(entries[key][1], f"filtro.{key}"):
            cut = keys.get(fold(text))
            if cut is None:
                other = other_keys.get(fold(text))
                detail = f"pertenece a la región de {other}, no a la de {region}" if other else (
                    f"no es una comuna de la región de {region}"
                )
                raise reader.fail(item, f"la comuna '{text}' de filtro.{key} {detail}.")
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
    return Filter(**values)


def _weight(reader: _Reader, node: Node, name: str) -> float:
    weight = reader.value(node)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight != weight:
        raise reader.fail(node, f"la ponderación del compromiso '{name}' debe ser un número (sin %); se leyó {weight!r}.")
    if weight < 0:
        raise reader.fail(node, f"la ponderación del compromiso '{name}' no puede ser negativa.")
    return float(weight)


def _verifiers(reader: _Reader, node: Node, name: str) -> tuple[str, ...]:
    names = []
    for item, text in reader.texts(node, f"verificadores del compromiso '{name}'"):
        canon = verifiers.canonical(text)
        if canon is None:
            raise reader.fail(
                item, f"verificador desconocido '{text}'. Verificadores aceptados: {', '.join(verifiers.KINDS)}.",
            )
        names.append(canon)
    return tuple(dict.fromkeys(names))


def _modality(reader: _Reader, node: Node, name: str) -> tuple[str, ...]:
    found = []
    for item, text in reader.texts(node, f"modalidad del compromiso '{name}'"):
        if fold(text) not in MODALITIES:
            raise reader.fail(item, f"modalidad desconocida '{text}'. Modalidades aceptadas: {', '.join(MODALITIES)}.")
        found.append(fold(text))
    both = set(found) == set(MODALITIES)  # "presenciales o virtuales": any
    return () if both else tuple(dict.fromkeys(found))


def _commitment(reader: _Reader, node: Node, number: int, region: str, period: Period) -> Commitment:
    what = f"el compromiso n° {number}"
    entries = reader.mapping(node, what, _COMMITMENT_KEYS, {"nombre", "meta"})
    name = reader.text(entries["nombre"][1], f"el nombre del compromiso n° {number}")
    target = reader.whole(entries["meta"][1], f"la meta del compromiso '{name}'", 1)
    weight = _weight(reader, entries["ponderacion"][1], name) if "ponderacion" in entries else float("nan")
    filter_ = _filter(reader, entries["filtro"][1], name, region) if "filtro" in entries else Filter()
    objective = reader.text(entries["objetivo"][1], f"el objetivo del compromiso '{name}'") if "objetivo" in entries else None
    owners = tuple(t for _, t in reader.texts(entries["responsables"][1], "responsables")) \
        if "responsables" in entries else ()
    deadline = None
    if "plazo" in entries:
        try:
            deadline = windows.parse_deadline(reader.value(entries["plazo"][1]), period)
        except ValueError as exc:
            raise reader.fail(entries["plazo"][1], f"compromiso '{name}': {exc}.") from None
    verifier_names = _verifiers(reader, entries["verificadores"][1], name) if "verificadores" in entries else ()
    modality = _modality(reader, entries["modalidad"][1], name) if "modalidad" in entries else ()
    return Commitment(name, target, weight, filter_, node.start_mark.line + 1, objective, owners, deadline,
                      verifier_names, modality)


def _read_text(path: Path) -> str:
    try:
        return read_small_text(path)
    except ValueError as exc:  # not a regular file, or over the size of a side input
        raise InvalidPlan(f"Plan {path.name}: {str(exc).removeprefix(path.name).lstrip(': ')}.") from None
    except OSError as exc:
        raise InvalidPlan(f"Plan {path.name}: el archivo no se puede leer ({exc.strerror or 'error de lectura'}).") from exc


def _period(reader: _Reader, entries: dict, root: Node, year: int | None) -> tuple[int, Period]:
    if "anio" in entries and "periodo" in entries:
        raise reader.fail(entries["periodo"][0], "use anio o periodo, no ambos.")
    if "anio" in entries:
        plan_year = reader.whole(entries["anio"][1], "anio", 1900)
        if year is not None and plan_year != int(year):
            raise reader.fail(entries["anio"][1], f"el plan es del año {plan_year}, pero se esperaba {int(year)}.")
        return plan_year, windows.parse_period(plan_year)
    if "periodo" not in entries:
        raise reader.fail(root, "falta la clave 'anio' (o 'periodo') en el plan.")
    try:
        period = windows.parse_period(reader.value(entries["periodo"][1]))
    except ValueError as exc:
        raise reader.fail(entries["periodo"][1], f"{exc}.") from None
    if year is not None and not period.start.year <= int(year) <= period.end.year:
        raise reader.fail(entries["periodo"][1], f"el periodo {period.text()} no incluye el año {int(year)}.")
    return period.end.year, period


def load_plan(path: Path, region: str, year: int | None = None) -> Plan:
    """Read and validate a plan file; raise InvalidPlan naming the file and the line.

    `region` resolves comuna names (any form `reference.region` accepts). When `year` is
    given, the plan's `anio` must match it (or its `periodo` include it).
    """
    path = Path(path)
    file = path.name
    reg = reference.region(region)
    loader = yaml.SafeLoader(_read_text(path))
    try:
        root = loader.get_single_node()
        reader = _Reader(file, loader)
        if root is None:
            raise InvalidPlan(f"Plan {file}: el archivo está vacío.")
        entries = reader.mapping(root, "el plan", _PLAN_KEYS, {"compromisos"})
        plan_year, period = _period(reader, entries, root, year)
        title = reader.text(entries["titulo"][1], "titulo") if "titulo" in entries else None
        rule = RULE_PMG
        if "regla_ponderacion" in entries:
            rule = fold(reader.text(entries["regla_ponderacion"][1], "regla_ponderacion"))
            if rule not in WEIGHT_RULES:
                raise reader.fail(entries["regla_ponderacion"][1],
                                  f"regla_ponderacion debe ser {' o '.join(WEIGHT_RULES)}.")
        items = entries["compromisos"][1]
        if not isinstance(items, SequenceNode) or not items.value:
            raise reader.fail(items, "compromisos debe ser una lista con al menos un compromiso (cada uno con '- ').")
        commitments = tuple(_commitment(reader, item, n, reg.nombre, period) for n, item in enumerate(items.value, 1))
    except yaml.MarkedYAMLError as exc:
        said = yaml_es.problem(exc)
        hint = "" if _YAML_HINT in said else f" {_YAML_HINT}"
        raise InvalidPlan(f"Plan {file}{yaml_es.where(exc)}: el YAML no se puede leer. {said}{hint}") from exc
    except yaml.YAMLError as exc:
        raise InvalidPlan(f"Plan {file}: el YAML no se puede leer. {_YAML_HINT}") from exc
    finally:
        loader.dispose()
    seen: set[str] = set()
    for c in commitments:
        if fold(c.name) in seen:
            raise InvalidPlan(f"Plan {file}, línea {c.file_line}: el compromiso '{c.name}' está repetido.")
        seen.add(fold(c.name))
    commitments = _weights(commitments, file, entries["compromisos"][0].start_mark.line + 1)
    return Plan(plan_year, reg.nombre, commitments, title, file, period, rule)


def _weights(commitments: tuple[Commitment, ...], file: str, line: int) -> tuple[Commitment, ...]:
    """Weights as written (adding up to 100), or equal shares when no commitment has one."""
    from dataclasses import replace

    missing = [c for c in commitments if c.weight != c.weight]
    if len(missing) == len(commitments):
        share = round(100 / len(commitments), 4)
        return tuple(replace(c, weight=share) for c in commitments)
    if missing:
        raise InvalidPlan(
            f"Plan {file}, línea {missing[0].file_line}: el compromiso '{missing[0].name}' no tiene "
            "ponderación; escriba la de todos o la de ninguno (entonces valen lo mismo)."
        )
    total = sum(c.weight for c in commitments)
    if abs(total - 100) > WEIGHT_TOLERANCE:
        raise InvalidPlan(f"Plan {file}, línea {line}: las ponderaciones suman {total:g} y deben sumar 100.")
    return commitments


def plan_files(plans_dir: Path) -> list[Path]:
    """The plan files of `data/raw/planes/` (`.yml` / `.yaml`), in name order."""
    plans_dir = Path(plans_dir)
    if not plans_dir.is_dir():
        return []
    return sorted(p for p in plans_dir.iterdir() if p.is_file() and p.suffix.lower() in (".yml", ".yaml")
                  and not p.name.startswith((".", "~$")))
