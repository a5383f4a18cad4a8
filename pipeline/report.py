"""Notebook execution (papermill) for the three stages, with failures explained in Spanish."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

import papermill as pm  # heavy (nbformat's validator, requests, pyarrow): imported where stages run
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

from .errors import EtapaFallida

from .config import NOTEBOOKS, NOTEBOOKS_DIR, Paths
from .kernels import LocalKernelManager

if TYPE_CHECKING:
    from jupyter_client.manager import AsyncKernelManager

log = logging.getLogger(__name__)

STAGE_LABELS = {"limpieza": "limpieza", "indicadores": "indicadores", "balance": "balance"}
ENGINE = "balance"  # papermill's nbclient engine, saving the notebook less often (StageEngine)


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
            engine_name=ENGINE,
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


class StageNotebook(NotebookExecutionManager):
    """papermill's notebook manager, but the executed notebook is written when it starts, when
    it ends (also on failure) and, in long runs, every `autosave_cell_every` seconds, instead
    of at every cell's start and end: papermill's default re-encodes and re-validates the
    whole notebook twice per cell, which for the deck (images inside) is most of the CLI's
    work per stage. What ends up in the file is the same."""

    force_save = False  # notebook_start and notebook_complete always write

    def save(self, **kwargs):
        elapsed = (self.now() - self.last_save_time).total_seconds()
        if self.force_save or elapsed >= self.autosave_cell_every:
            super().save(**kwargs)

    def notebook_start(self, **kwargs):
        self.force_save = True  # the output file exists from the start
        try:
            super().notebook_start(**kwargs)
        finally:
            self.force_save = False

    def notebook_complete(self, **kwargs):
        self.force_save = True
        super().notebook_complete(**kwargs)


class StageEngine(NBClientEngine):
    """papermill's nbclient engine with `StageNotebook` as the manager."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                         autosave_cell_every=30, **kwargs):
        # as papermill's Engine.execute_notebook, with StageNotebook as the manager
        nb_man = StageNotebook(nb, output_path=output_path, progress_bar=progress_bar,
                               log_output=log_output, autosave_cell_every=autosave_cell_every)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb


papermill_engines.register(ENGINE, StageEngine)
