"""Failures the CLI turns into Spanish messages and exit codes (no heavy imports here)."""
from __future__ import annotations

from pathlib import Path


class EtapaFallida(RuntimeError):
    """A stage's notebook failed; the message says which stage, notebook and cell."""

    def __init__(self, etapa: str, notebook: str, detalle: str, copia: Path | None):
        self.etapa, self.notebook, self.detalle, self.copia = etapa, notebook, detalle, copia
        msg = f"Falló la etapa «{etapa}» (notebook {notebook}): {detalle}"
        if copia is not None:
            msg += f"\nLa copia ejecutada queda para revisión en: {copia}"
        super().__init__(msg)


class EjecucionEnCurso(RuntimeError):
    """Another run of the same year and output tree holds the lock."""
