"""The README and docs/columnas.md list the accepted columns, synonyms and limits exactly as
the code defines them (generated from `schema` and `ingest.limits`, so they cannot drift)."""
from pathlib import Path

import pytest

from pipeline import schema
from pipeline.ingest import limits

ROOT = Path(__file__).resolve().parents[2]
START = "<!-- columnas: generado de pipeline/schema.py e ingest/limits.py; no editar a mano -->\n"
END = "<!-- fin columnas -->\n"


@pytest.mark.parametrize("doc", ["README.md", "docs/columnas.md"])
def test_accepted_columns_block_is_what_the_code_generates(doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert text.count(START) == 1, f"{doc} sin el bloque de columnas generado"
    block = text.split(START, 1)[1].split(END, 1)[0]
    assert block == schema.columns_markdown() + "\n" + limits.markdown()


def test_every_synonym_is_listed():
    block = schema.columns_markdown()
    for canonical, synonyms in schema.COLUMN_SYNONYMS.items():
        assert f"| `{canonical}` |" in block
        for s in synonyms:
            assert f"`{s}`" in block


def test_readme_lists_the_activity_kinds_as_the_code_reads_them():
    from pipeline.clean import normalize

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = "<!-- tipos: generado de pipeline/clean/normalize.py; no editar a mano -->\n"
    block = text.split(start, 1)[1].split("<!-- fin tipos -->\n", 1)[0]
    assert block == normalize.tipo_actividad_markdown()
    for kind in schema.TIPOS_ACTIVIDAD:
        if kind not in ("Otra", schema.SIN_INFORMACION):
            assert f"| {kind} |" in block
