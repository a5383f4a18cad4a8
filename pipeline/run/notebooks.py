"""Execution of the stage notebooks with stock papermill, failures explained in Spanish."""
from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import weakref
import tempfile
import uuid
from pathlib import Path

import papermill as pm
from jupyter_client.manager import AsyncKernelManager

from pipeline.clean import screen_messages
from pipeline.config import NOTEBOOKS, NOTEBOOKS_DIR, Paths
from pipeline.errors import StageFailed

log = logging.getLogger(__name__)


class LocalKernelManager(AsyncKernelManager):
    """Kernels talk over local IPC sockets in the temp folder, not TCP ports: nothing listens
    on the network, and ipykernel has no reason to warn about unencrypted TCP. Only public
    constructor settings of jupyter_client (`transport`, `ip`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("transport", "ipc")
        # one socket prefix per kernel: two kernels never share socket files
        kwargs.setdefault("ip", os.path.join(tempfile.gettempdir(), f"balance-kernel-{uuid.uuid4().hex[:12]}"))
        super().__init__(**kwargs)
        _managers.add(self)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw):
        """The kernel's own log never reaches the console: jupyter_client interrupts a kernel
        before shutting it down, which it reports on its stderr («[IPKernelApp] ERROR |
        KeyboardInterrupt caught in kernel» after every successful run, a ZMQ traceback after
        Ctrl-C). What the cells print comes over ZMQ into the notebook, not through it. (The
        override point jupyter_client documents for launching kernels differently.)"""
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        return await super()._async_launch_kernel(kernel_cmd, **kw)


_managers: "weakref.WeakSet[LocalKernelManager]" = weakref.WeakSet()


def stop_kernels() -> None:
    """Stop every kernel this process started that is still alive (after Ctrl-C, which
    interrupts papermill before it can shut its kernel down)."""
    for manager in list(_managers):
        try:
            if manager.has_kernel:
                asyncio.run(manager.shutdown_kernel(now=True))
        except Exception:  # already gone
            pass


def progress_bar(name: str) -> dict:
    """papermill's progress bar (tqdm) in Spanish: «01_limpieza.ipynb:  40%|████  | 12/30 celdas
    [00:05<00:07]», never «Executing: … cell/s»."""
    return {"desc": name, "unit": "celda",
            "bar_format": "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} celdas [{elapsed}<{remaining}]"}


def execute_stage(
    stage: str, paths: Paths, params: dict, progress: bool = False,
    notebooks_dir: Path = NOTEBOOKS_DIR,
) -> Path:
    """Execute the stage's notebook with papermill into outputs/<year>/notebooks/."""
    name = NOTEBOOKS[stage]
    return execute_notebook(stage, notebooks_dir / name, paths.notebooks_out / name, params, progress, paths)


def execute_notebook(stage: str, source: Path, target: Path, params: dict, progress: bool = False,
                     paths: Paths | None = None) -> Path:
    """Execute `source` with papermill into `target` (working folder: the notebook's own).

    Raises StageFailed naming the stage, the notebook and the failing cell; the message and the
    executed copy pass the year's personal-data screen (`paths`: the year's files).
    """
    name = source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("Ejecutando %s (año %s, región %s)", name, params["anio"], params.get("region", "todas"))
    try:
        pm.execute_notebook(
            str(source), str(target), parameters=params, kernel_name="python3",
            kernel_manager_class=LocalKernelManager,
            progress_bar=progress_bar(name) if progress else False, cwd=str(source.parent), log_output=False,
        )
    except KeyboardInterrupt:
        stop_kernels()
        raise
    except pm.PapermillExecutionError as err:
        detail = f"celda {err.exec_count} (índice {err.cell_index}): {err.ename}: {err.evalue}"
        detail = screen_messages.failure(detail, target, paths)  # no personal datum on the console, run.log, .fallidas
        log.error("Falló %s: %s", name, detail)
        raise StageFailed(stage, name, detail, target) from None
    except Exception as err:  # kernel died, notebook missing or unreadable
        detail = screen_messages.failure(f"{type(err).__name__}: {err}", target, paths)
        log.error("Falló %s: %s", name, detail)
        raise StageFailed(stage, name, detail, target if target.exists() else None) from None
    screen_messages.scrub_notebook(target, paths, streams_only=True)  # warnings and log lines it printed
    return target
