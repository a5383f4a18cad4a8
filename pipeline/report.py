"""Notebook execution (papermill) for the three stages, with failures explained in Spanish."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from .errors import EtapaFallida

from .config import NOTEBOOKS, NOTEBOOKS_DIR, Paths
from .kernels import LocalKernelManager

if TYPE_CHECKING:
    from jupyter_client.manager import AsyncKernelManager

log = logging.getLogger(__name__)

STAGE_LABELS = {"limpieza": "limpieza", "indicadores": "indicadores", "balance": "balance"}


@dataclass(frozen=True)
class NotebookParams:
    anio: int
    region: str
    raw_dir: str
    processed_dir: str
    out_dir: str

    @classmethod
    def from_paths(cls, paths: Paths, region: str) -> "NotebookParams":
        # Strings end to end: papermill's Python API keeps types, so a code like "04" stays "04".
        return cls(int(paths.anio), str(region), str(paths.raw_root), str(paths.processed_root), str(paths.out_root))


def execute_stage(
    etapa: str, paths: Paths, region: str, progress: bool = False, notebooks_dir: Path = NOTEBOOKS_DIR,
    km: "AsyncKernelManager | None" = None,
) -> Path:
    """Execute the stage's notebook with papermill into outputs/<year>/notebooks/.

    `km` is a kernel already started for this notebook (see `kernels.WarmKernel`); the
    caller shuts it down. Raises EtapaFallida naming the stage, the notebook and the failing cell.
    """
    import papermill as pm  # heavy (nbformat's validator): loaded only when a stage runs

    name = NOTEBOOKS[etapa]
    source = notebooks_dir / name
    target = paths.notebooks_out / name
    target.parent.mkdir(parents=True, exist_ok=True)
    params = NotebookParams.from_paths(paths, region)
    log.info("Ejecutando %s (año %s, región %s)", name, paths.anio, region)
    try:
        pm.execute_notebook(
            str(source),
            str(target),
            parameters=params.__dict__,
            kernel_name="python3",
            kernel_manager_class=LocalKernelManager,
            km=km,
            progress_bar=progress,
            cwd=str(notebooks_dir),
            log_output=False,
        )
    except pm.PapermillExecutionError as err:
        detalle = f"celda {err.exec_count} (índice {err.cell_index}): {err.ename}: {err.evalue}"
        log.error("Falló %s: %s", name, detalle)
        raise EtapaFallida(STAGE_LABELS[etapa], name, detalle, target) from None
    except Exception as err:  # kernel died, notebook missing or unreadable
        detalle = f"{type(err).__name__}: {err}"
        log.error("Falló %s: %s", name, detalle)
        raise EtapaFallida(STAGE_LABELS[etapa], name, detalle, target if target.exists() else None) from None
    return target
