"""Kernels for the stage notebooks: local IPC sockets, and started ahead of their stage.

papermill would start each stage's kernel only when the stage begins. A `WarmKernel` starts
the next stage's kernel in a background thread while the current stage runs (this machine
class has two cores) and runs that notebook's import cell in it, silently, so the stage
begins with Python, pandas and the pipeline already loaded. The notebook still runs every
one of its cells, top to bottom, in that kernel.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

log = logging.getLogger(__name__)

START_TIMEOUT_S = 120


class LocalKernelManager(AsyncKernelManager):
    """Kernels talk over local IPC sockets in the temp folder, not TCP ports: nothing listens
    on the network, and ipykernel has no reason to warn about unencrypted TCP."""

    def __init__(self, **kwargs):
        kwargs.setdefault("transport", "ipc")
        # one socket prefix per kernel: two kernels of one process never share socket files
        kwargs.setdefault("ip", os.path.join(tempfile.gettempdir(), f"balance-kernel-{uuid.uuid4().hex[:12]}"))
        super().__init__(**kwargs)
        self._clients: list = []

    def client(self, **kwargs):
        """A client of this kernel, remembered so `close_clients` can close it: papermill
        leaves open the client it made for a kernel it was handed."""
        kc = super().client(**kwargs)
        self._clients.append(kc)
        return kc

    def close_clients(self) -> None:
        for kc in self._clients:
            try:
                kc.stop_channels()
                if not kc.context.closed:
                    kc.context.destroy(linger=0)
            except Exception as err:  # closing is best effort
                log.debug("Cliente de kernel ya cerrado: %s", err)
        self._clients.clear()


def import_cell(notebook: Path) -> str:
    """Source of the notebook's first code cell (by the house style, its imports)."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    code = next((c for c in cells if c["cell_type"] == "code"), None)
    if code is None or "parameters" in code.get("metadata", {}).get("tags", []):
        return ""
    return "".join(code["source"])


class WarmKernel:
    """A kernel for `notebook`, started now in a background thread; `take()` hands it over."""

    def __init__(self, notebook: Path, cwd: Path):
        self.notebook = Path(notebook)
        self.km = LocalKernelManager(kernel_name="python3")
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._start, args=(import_cell(notebook), cwd), daemon=True)
        self._thread.start()

    def _start(self, code: str, cwd: Path) -> None:
        try:
            run_sync(self.km.start_kernel)(cwd=str(cwd))
            kc = self.km.blocking_client()
            kc.start_channels()
            try:
                kc.wait_for_ready(timeout=START_TIMEOUT_S)
                if code:
                    # silent: no output, no execution count; a failing import simply fails
                    # again, visibly, when the notebook runs the same cell
                    kc.execute_interactive(code, silent=True, store_history=False, timeout=START_TIMEOUT_S)
            finally:
                kc.stop_channels()
        except BaseException as err:  # the stage then starts its own kernel, as papermill would
            self._error = err

    def take(self) -> AsyncKernelManager | None:
        """The started kernel's manager, or None if it could not start (then papermill starts one)."""
        self._thread.join()
        if self._error is not None:
            log.warning("No se pudo preparar el kernel por adelantado (%s); se inicia uno nuevo.", self._error)
            self.shutdown()
            return None
        return self.km

    def shutdown(self, wait: bool = True) -> None:
        """Stop the kernel; with wait=False in a background thread (`shutdown()` later waits)."""
        if not wait:
            if getattr(self, "_stopper", None) is None:
                self._stopper = threading.Thread(target=self._stop, daemon=True)
                self._stopper.start()
            return
        stopper = getattr(self, "_stopper", None)
        if stopper is not None:
            stopper.join()
        self._stop()

    def _stop(self) -> None:
        self._thread.join()
        self.km.close_clients()
        try:
            if self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
        except Exception as err:  # already gone
            log.debug("Kernel ya detenido: %s", err)
