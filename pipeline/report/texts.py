"""The office's own words: the optional `data/raw/<year>/textos.yml`, rendered safely.

Format (README, «Textos de la oficina»):

    parrafos:            # replaces (or adds) the paragraph under a slide's title
      mujeres: |
        Llegamos a **{mujeres} mujeres** a lo largo de la región.
    logros:              # the year's achievements (a list; replaces the drafted one)
      - "**2** Consultas Ciudadanas Virtuales"
    cierre:              # a closing slide (optional)
      titulo: Gracias
      texto: "Oficina de Participación Ciudadana"

Figures come from placeholders (`PLACEHOLDERS`), formatted the Chilean way. Only a safe
Markdown subset is kept: **bold**, *italics* and lists ("- "); everything else is escaped.
Every text passes `screen` (the personal-data screen) before it is rendered.
"""
from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pipeline.errors import InvalidTexts
from pipeline.ingest.files import read_small_text
from pipeline.report.formats import esc, fmt_int, fmt_pct, fmt_signed_pct

SLIDE_KEYS = ("alcance", "mujeres", "mujeres_provincias", "mujeres_comunas", "edad_sexo", "provincias",
              "mapa_tasa", "mapa_mujeres", "zona", "organizaciones", "comunas", "tipos", "lineas", "meses",
              "edad", "logros")


def _identity(text: str) -> str:
    return text


def placeholders(ind: Mapping[str, Any]) -> dict[str, str]:
    """Every `{name}` a text may use, already formatted."""
    prev = ind.get("anio_anterior") or {}
    return {
        "anio": str(ind.get("anio", "")),
        "anio_anterior": str(prev.get("anio") or (int(ind.get("anio", 0)) - 1)),
        "region": str(ind.get("region", "")),
        "asistencias": fmt_int(ind.get("asistencias")),
        "asistencias_anio_anterior": fmt_int(ind.get("asistencias_anio_anterior")),
        "variacion_asistencias_pct": fmt_signed_pct(ind.get("variacion_asistencias_pct")),
        "personas_unicas": fmt_int(ind.get("personas_unicas")),
        "personas_distintas": fmt_int(ind.get("personas_distintas")),
        "actividades": fmt_int(ind.get("actividades")),
        "comunas_alcanzadas": fmt_int(ind.get("comunas_alcanzadas")),
        "comunas_region": fmt_int(ind.get("comunas_region")),
        "mujeres": fmt_int(ind.get("mujeres")),
        "hombres": fmt_int(ind.get("hombres")),
        "pct_mujeres": fmt_pct(ind.get("pct_mujeres")),
        "pct_mujeres_anio_anterior": fmt_pct(prev.get("pct_mujeres")),
    }


def _line_of(raw: str, needle: str) -> int:
    pos = raw.find(needle)
    return raw.count("\n", 0, pos) + 1 if pos >= 0 else 0


def fill(text: str, values: Mapping[str, str], path: Path, raw: str) -> str:
    """`text` with its placeholders replaced; an unknown one is an error naming file and line."""
    out = []
    for literal, name, spec, conv in string.Formatter().parse(text):
        out.append(literal)
        if name is None:
            continue
        if name not in values or spec or conv:
            line = _line_of(raw, "{" + name)
            known = ", ".join("{" + k + "}" for k in values)
            raise InvalidTexts(
                f"{path}, línea {line}: el marcador {{{name}}} no existe. Use uno de: {known} "
                "(para escribir una llave literal, duplíquela: {{ o }})."
            )
        out.append(values[name])
    return "".join(out)


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])[*_](?![\s*_])(.+?)(?<![\s*_])[*_](?![\w*])")


def _inline(text: str) -> str:
    html = esc(text)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _ITALIC.sub(r"<em>\1</em>", html)


def markdown(text: str) -> str:
    """The safe subset: paragraphs, **bold**, *italics*, "- " lists; all else escaped."""
    blocks, items, para = [], [], []

    def flush():
        if para:
            blocks.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()
        if items:
            blocks.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.strip().splitlines():
        stripped = line.strip()
        if re.match(r"^[-*•] ", stripped):
            if para:
                flush()
            items.append(stripped[2:].strip())
        elif not stripped:
            flush()
        else:
            if items:
                flush()
            para.append(stripped)
    flush()
    return "".join(blocks)


class Texts:
    """The office's texts of one year (empty without a file): paragraphs, achievements, closing."""

    def __init__(self, paragraphs: Mapping[str, str] | None = None, achievements: list[str] | None = None,
                 closing: Mapping[str, str] | None = None,
                 lines: Mapping[str, list[tuple[int, str]]] | None = None):
        self.paragraphs = dict(paragraphs or {})
        self.achievements = list(achievements) if achievements is not None else None
        self.closing = dict(closing) if closing else None
        # where each text is in textos.yml: «parrafos.mujeres», «logros.0» → [(line number, line)]
        self.lines = dict(lines or {})

    def paragraph(self, key: str) -> str | None:
        """The HTML paragraph the office wrote for slide `key`, or None."""
        text = self.paragraphs.get(key)
        return markdown(text) if text else None


def _as_text(value: Any, path: Path, where: str, node=None) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    line = f", línea {node.start_mark.line + 1}" if node is not None else ""
    if isinstance(value, dict) and node is not None:
        raise InvalidTexts(
            f"{path}{line}: «{where}» debe ser un texto, pero YAML leyó «clave: valor» porque tiene dos puntos "
            "seguidos de un espacio. Escriba ese texto entre comillas, por ejemplo: - \"Logramos: 3 talleres\".")
    raise InvalidTexts(f"{path}{line}: «{where}» debe ser un texto; revise la indentación y las comillas.")


def _entries(node, loader) -> list[tuple[str, Any]]:
    """(key, value node) of a YAML mapping node, keys as text."""
    return [(str(loader.construct_object(k, deep=True)), v) for k, v in node.value]


def load(path: Path, ind: Mapping[str, Any], screen: Callable[[str], str] = _identity) -> Texts:
    """Read `textos.yml` (no file: empty `Texts`). Each text goes through `screen` (the
    personal-data screen) with its placeholders blank, so a figure the pipeline computed (an
    attendance count of seven digits) is never taken for a RUT; a withheld text stays
    withheld, its placeholders unfilled. Every error names the file and the line (syntax
    errors also the column), in Spanish."""
    import yaml
    from yaml.nodes import MappingNode, SequenceNode

    from pipeline import yaml_es

    path = Path(path)
    if not path.is_file():
        return Texts()
    try:
        raw = read_small_text(path)  # decoded as logs are (UTF-8, UTF-16, Windows-1252, mixed)
    except ValueError as exc:  # not a regular file, over the size of a side input, not text
        raise InvalidTexts(f"{path}: {exc}.") from None
    loader = yaml.SafeLoader(raw)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise InvalidTexts(f"{path}{yaml_es.where(exc)}: no es un YAML válido. {yaml_es.problem(exc)}") from None
    finally:
        loader.dispose()
    if root is None:
        return Texts()
    if not isinstance(root, MappingNode):
        raise InvalidTexts(f"{path}: se esperaba un documento con las claves parrafos, logros y cierre.")

    def at(node) -> str:
        return f", línea {node.start_mark.line + 1}"

    doc = _entries(root, loader)
    unknown = [(k, v) for k, v in doc if k not in ("parrafos", "logros", "cierre")]
    if unknown:
        raise InvalidTexts(f"{path}{at(unknown[0][1])}: clave desconocida «{unknown[0][0]}»; use parrafos, logros o "
                           "cierre.")
    values = placeholders(ind)

    blanks = dict.fromkeys(values, " ")
    raw_lines = raw.split("\n")
    lines: dict[str, list[tuple[int, str]]] = {}

    def clean(node, where: str, key: str | None = None) -> str:
        text = _as_text(loader.construct_object(node, deep=True), path, where, node)
        line = node.start_mark.line
        if key is not None:  # the file's lines the text spans (1-based), for the figure review
            last = max(line + 1, node.end_mark.line if node.end_mark.column == 0 else node.end_mark.line + 1)
            lines[key] = [(n + 1, raw_lines[n]) for n in range(line, min(last, len(raw_lines)))]
        source = "\n" * line + raw.split("\n", line)[-1] if line else raw
        filled = fill(text, values, path, source)
        blank = fill(text, blanks, path, source)
        screened = screen(blank)
        return filled if screened == blank else screened

    paragraphs, achievements, closing = {}, None, None
    for key, node in doc:
        if key == "parrafos" and isinstance(node, MappingNode):
            for slide, value in _entries(node, loader):
                if slide not in SLIDE_KEYS:
                    raise InvalidTexts(f"{path}{at(value)}: la diapositiva «{slide}» no existe; "
                                       f"use una de: {', '.join(SLIDE_KEYS)}.")
                paragraphs[slide] = clean(value, f"parrafos.{slide}", f"parrafos.{slide}")
        elif key == "parrafos" and loader.construct_object(node) is not None:
            raise InvalidTexts(f"{path}{at(node)}: «parrafos» lleva una diapositiva por línea (mujeres: …).")
        elif key == "logros" and isinstance(node, SequenceNode):
            achievements = [clean(item, "logros", f"logros.{i}") for i, item in enumerate(node.value)]
        elif key == "logros" and loader.construct_object(node) is not None:
            raise InvalidTexts(f"{path}{at(node)}: «logros» debe ser una lista (líneas con «- »).")
        elif key == "cierre" and isinstance(node, MappingNode):
            closing = {k: clean(v, f"cierre.{k}") for k, v in _entries(node, loader) if k in ("titulo", "texto")}
        elif key == "cierre" and loader.construct_object(node) is not None:
            raise InvalidTexts(f"{path}{at(node)}: «cierre» lleva titulo y texto.")
    return Texts(paragraphs, achievements, closing or None, lines)


def drafted_achievements(ind: Mapping[str, Any]) -> list[str]:
    """Achievements drafted from the plan compliance: "4 Escuelas de Formación de Dirigentes
    Sociales" for every commitment with something achieved."""
    out = []
    for row in ind.get("cumplimiento_plan") or []:
        achieved = row.get("logrado")
        if isinstance(achieved, (int, float)) and achieved > 0 and row.get("nombre"):
            out.append(f"**{fmt_int(achieved)}** {row['nombre']}")
    return out


# ---------------------------------------------------------------- the office's figures against the data

_NUMBER = r"(?P<n>\d{1,3}(?:[.,]\d{3})+|\d+)"
_QUALIFIER = r"(?P<q>más de|mas de|a lo menos|al menos|sobre|cerca de)?\s*"
# (pattern after the number, what it is in words, how the data counts it, the placeholder that
# writes the data's figure, if any: {mujeres} counts attendances, never distinct women)
_CLAIMS: list[tuple[str, str, Callable[[Mapping[str, Any]], Any], str | None]] = [
    (r"escuelas?\b", "Escuelas de dirigentes (actividades de tipo «Escuela de dirigentes»)",
     lambda ind: (ind.get("actividades_por_tipo_actividad") or {}).get("Escuela de dirigentes"), None),
    (r"actividades de difusi[oó]n", "actividades de difusión (tipo «Difusión comunitaria»)",
     lambda ind: (ind.get("actividades_por_tipo_actividad") or {}).get("Difusión comunitaria"), None),
    (r"consultas?\b", "consultas ciudadanas (tipo «Consulta ciudadana»)",
     lambda ind: (ind.get("actividades_por_tipo_actividad") or {}).get("Consulta ciudadana"), None),
    (r"sesiones\b", "sesiones COSOC (tipo «Sesión COSOC»)",
     lambda ind: (ind.get("actividades_por_tipo_actividad") or {}).get("Sesión COSOC"), None),
    (r"comunas\b", "comunas alcanzadas", lambda ind: ind.get("comunas_alcanzadas"), "comunas_alcanzadas"),
    (r"asistencias de mujeres", "asistencias de mujeres", lambda ind: ind.get("mujeres"), "mujeres"),
    (r"asistencias\b(?! de mujeres)", "asistencias", lambda ind: ind.get("asistencias"), "asistencias"),
    (r"(?:personas|asistentes)\b", "personas distintas", lambda ind: ind.get("personas_distintas"),
     "personas_distintas"),
    (r"mujeres\b", "mujeres distintas", lambda ind: _distinct_women(ind), None),
    (r"(?:actividades|jornadas|acciones)\b(?! de difusi)", "actividades", lambda ind: ind.get("actividades"),
     "actividades"),
]


def _distinct_women(ind: Mapping[str, Any]) -> int | None:
    total = (ind.get("personas_por_grupo_etario_sexo") or {}).get("Total") or {}
    women = total.get("Mujer")
    return women if isinstance(women, int) else None


def _as_number(text: str) -> int:
    return int(re.sub(r"[.,]", "", text))


def _plain(text: str) -> str:
    return re.sub(r"[*_]+", "", text)


def _line_of_figure(lines: list[tuple[int, str]], figure: str) -> int | None:
    """The line of textos.yml where the figure is written (the text's first line when it came
    from a placeholder, or cannot be told)."""
    alone = re.compile(rf"(?<![\d.,]){re.escape(figure)}(?![\d]|[.,]\d)")
    return next((n for n, line in lines if alone.search(line)), lines[0][0] if lines else None)


def figure_review(texts: Texts, ind: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Where a sentence of textos.yml states a figure that the data also counts and the two
    differ: one entry per claim, with its key (`clave`: «logros», «parrafos.mujeres») and line
    in the file, the sentence, what the office wrote (`dice`, as written), what the data counts
    (`datos`, `que`) and the placeholder that writes the data's figure (`marcador`, or None).

    «4 Escuelas» is checked against the activities of type Escuela de dirigentes; «Más de 150
    actividades de difusión» is a difference only when the data counts 150 or fewer. The deck
    still shows the office's words: this is for the analyst (stage 3 prints it, logs it and
    lists it in the quality report)."""
    sources = [(f"parrafos.{k}", f"parrafos.{k}", v) for k, v in texts.paragraphs.items()]
    sources += [(f"logros.{i}", "logros", v) for i, v in enumerate(texts.achievements or [])]
    out = []
    for key, clave, raw in sources:
        for sentence in re.split(r"(?<=[.;:])\s+|\n", _plain(raw)):
            low = sentence.lower()
            said_as = sentence if len(low) == len(sentence) else low  # the office's capitals, when they map
            taken: list[tuple[int, int]] = []
            for pattern, what, count, marcador in _CLAIMS:
                for m in re.finditer(_QUALIFIER + _NUMBER + r"\s+" + pattern, low):
                    if any(a <= m.start("n") < b for a, b in taken):
                        continue
                    taken.append((m.start("n"), m.end()))
                    data = count(ind)
                    if not isinstance(data, (int, float)):
                        continue
                    said, qualifier = _as_number(m.group("n")), (m.group("q") or "").strip()
                    differs = data <= said if qualifier in ("más de", "mas de", "sobre") else (
                        data < said if qualifier in ("a lo menos", "al menos") else
                        abs(data - said) > said * 0.1 if qualifier == "cerca de" else data != said)
                    if differs:
                        start = m.start("q") if m.group("q") else m.start("n")
                        out.append({"clave": clave, "linea": _line_of_figure(texts.lines.get(key, []), m.group("n")),
                                    "frase": sentence.strip(), "dice": said_as[start:m.end()].strip(),
                                    "que": what, "datos": data, "marcador": marcador})
    return out


def review_lines(review: list[dict[str, Any]], path: Path | str = "textos.yml") -> list[str]:
    """The review in the analyst's words, one line each."""
    out = []
    for r in review:
        where = f"{path}, línea {r['linea']}" if r.get("linea") else str(path)
        out.append(f"{where} ({r['clave']}): dice «{r['dice']}», pero los datos cuentan {fmt_int(r['datos'])} "
                   f"{r['que']} («{r['frase']}»). El balance muestra el texto de la oficina tal cual: corríjalo si "
                   "no es intencional.")
    return out


def what_to_do(r: Mapping[str, Any], path: Path | str = "textos.yml") -> str:
    """What the analyst does about one difference of the review."""
    where = f"{path}, línea {r['linea']}" if r.get("linea") else str(path)
    fix = (f"escriba la cifra de los datos o el marcador {{{r['marcador']}}}, que la escribe sola"
           if r.get("marcador") else "escriba la cifra de los datos")
    return (f"Si es un error, corrija {where}: {fix}, y vuelva a ejecutar. Si la oficina cuenta otra cosa "
            "(actividades fuera de las planillas, por ejemplo), déjelo: el balance muestra su texto tal cual.")
