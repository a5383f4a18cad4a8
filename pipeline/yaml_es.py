"""PyYAML's syntax errors said in Spanish, with the line and column where they are.

Plans (`indicators.plan.loading`) and the office's texts (`report.texts`) are written by hand
in YAML; an analyst reads «línea 7, columna 12: hay «:» donde no corresponde…», never
«mapping values are not allowed here».
"""
from __future__ import annotations

import yaml

# PyYAML's problem (its start) → what it means for someone writing the file, in Spanish
_PROBLEMS = [
    ("mapping values are not allowed", "hay dos puntos («:») seguidos de un espacio donde no corresponde; si el "
                                       "texto lleva dos puntos, escríbalo entre comillas (\"…\")"),
    ("found unexpected end of stream", "el archivo terminó antes de cerrar una comilla o un corchete"),
    ("found character '\\t'", "hay un tabulador: use espacios para la sangría"),
    ("found a tab character", "hay un tabulador: use espacios para la sangría"),
    ("could not find expected ':'", "falta «:» después de una clave (o una comilla no se cerró)"),
    ("did not find expected key", "la sangría no coincide con la de las líneas anteriores"),
    ("did not find expected '-' indicator", "en una lista, cada elemento va en su línea y empieza con «- »"),
    ("expected <block end>", "la sangría no coincide con la de las líneas anteriores"),
    ("did not find expected node content", "falta un valor después de «-» o «:»"),
    ("found unknown escape character", "hay una barra invertida («\\») entre comillas dobles: use comillas "
                                       "simples o escriba «\\\\»"),
    ("found undefined alias", "hay un «*» al comienzo de un valor: escriba el texto entre comillas"),
    ("found character '@'", "un valor no puede empezar con «@» ni «`»: escríbalo entre comillas"),
    ("found character '`'", "un valor no puede empezar con «@» ni «`»: escríbalo entre comillas"),
    ("found duplicate anchor", "hay dos «&» iguales: escriba esos textos entre comillas"),
    ("expected ',' or ']'", "un corchete «[» no se cerró con «]»"),
    ("expected ',' or '}'", "una llave «{» no se cerró con «}»"),
    ("found unexpected ':'", "hay «:» donde no corresponde: escriba el texto entre comillas"),
]
HINT = ("Revise la sangría (espacios, no tabuladores), los dos puntos después de cada clave y que cada "
        "corchete o comilla que se abre también se cierre.")


def where(exc: yaml.YAMLError) -> str:
    """`, línea 7, columna 12` (1-based) of a syntax error, or '' when PyYAML does not say."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return ""
    text = f", línea {mark.line + 1}, columna {mark.column + 1}"
    context = getattr(exc, "context_mark", None)
    if context is not None and context is not mark and context.line != mark.line:
        text += f" (lo abierto en la línea {context.line + 1} no se cerró bien)"
    return text


def problem(exc: yaml.YAMLError) -> str:
    """What is wrong, in Spanish; the general hint when the problem is not a known one."""
    said = str(getattr(exc, "problem", "") or "")
    for start, spanish in _PROBLEMS:
        if said.startswith(start):
            return spanish[:1].upper() + spanish[1:] + "."
    return "El YAML no se puede leer. " + HINT
