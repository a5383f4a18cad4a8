"""The definition of every key of indicadores.json, as docs/indicadores.md writes it (one
source: notebook 02 quotes what the documentation says)."""
from __future__ import annotations

import re
from pathlib import Path

from pipeline.config import INDICATOR_DOCS


def indicator_definitions(doc: Path = INDICATOR_DOCS) -> dict[str, str]:
    """Each key of indicadores.json → its definition, read from the table of
    docs/indicadores.md (one source: the notebook 02 quotes what the documentation says)."""
    found: dict[str, str] = {}
    for line in doc.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        definition = cells[2] or f"conteo por categoría: {cells[1].strip('{}').split(':')[0]}"
        for key in re.findall(r"`([a-z0-9_]+)`", cells[0]):
            found[key] = definition.replace("`", "")
    return found
