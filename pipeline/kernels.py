"""Kernels for the stage notebooks: local IPC sockets, and started ahead of their stage.

papermill would start each stage's kernel only when the stage begins. A `WarmKernel` starts
the next stage's kernel in a background thread while the current stage runs (this machine
class has two cores) and runs that notebook's import cell in it, silently, so the stage
begins with Python, pandas and the pipeline already loaded. The notebook still runs every
one of its cells, top to bottom, in that kernel.

When the CLI has turned on the fork server (`use_fork_server`, see `forkserver.py`), every
kernel is a fork of a process that already imported ipykernel and the notebooks' libraries:
the kernel is ready in a fraction of the time and CPU, which matters most when years run
side by side. Without it (tests, other callers) kernels start as jupyter_client starts them.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import pathlib
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from jupyter_core.utils import run_sync

from . import forkserver

log = logging.getLogger(__name__)

START_TIMEOUT_S = 120
KERNEL_STOP_POLL_S = 0.005
FORK_ENV = "BALANCE_KERNELS_FORK"  # "0" turns the fork server off

_server: forkserver.ForkServer | None = None
_server_notebooks: list[Path] | None = None  # set by use_fork_server: start it when needed
_server_first_kernels = 0
_server_lock = threading.Lock()


def use_fork_server(notebooks: list[Path], now: bool = False, first_kernels: int = 0) -> None:
    """Make this process's kernels forks of a fork server that preloads the notebooks'
    import cells. The server starts with the first kernel, or `now` (before forking worker
    processes, so they share it). `first_kernels`: how many kernels the run asks for at once
    as it starts (one per year worker), forked before the later cells load. Turned off with
    BALANCE_KERNELS_FORK=0, and where Linux's pidfd is missing: kernels then start as
    jupyter_client starts them."""
    global _server_notebooks, _server_first_kernels
    if os.environ.get(FORK_ENV, "1") == "0" or not hasattr(os, "pidfd_open"):
        return
    _server_notebooks, _server_first_kernels = list(notebooks), first_kernels
    if now:
        fork_server()


def fork_server(start: bool = True) -> forkserver.ForkServer | None:
    """The fork server of this process's run, or None; started now if it is to be used and
    not yet running, unless `start` is False."""
    global _server, _server_notebooks
    with _server_lock:
        if start and _server is None and _server_notebooks is not None:
            notebooks, _server_notebooks = _server_notebooks, None
            try:
                argv = _python_argv(AsyncKernelManager(kernel_name="python3").kernel_spec.argv)
                if argv is not None:
                    _server = forkserver.ForkServer(argv, [import_cell(nb) for nb in notebooks],
                                                    first_kernels=_server_first_kernels)
            except Exception as err:  # kernels then start the usual way
                log.warning("No se pudo iniciar el servidor de kernels (%s); se inician de la forma habitual.", err)
        return _server


def stop_fork_server() -> None:
    """Stop the fork server (with any kernel it still runs) and forget it."""
    global _server, _server_notebooks
    with _server_lock:
        _server_notebooks = None
        if _server is not None:
            _server.close()
            _server = None


def _python_argv(kernel_argv: list[str]) -> list[str] | None:
    """The interpreter and flags of a `python … -m ipykernel_launcher -f {connection_file}`
    kernel spec; None for any other kind of kernel command."""
    try:
        i = kernel_argv.index("-m")
    except ValueError:
        return None
    return kernel_argv[:i] if kernel_argv[i + 1:i + 2] == ["ipykernel_launcher"] else None


class ForkProvisioner(LocalProvisioner):
    """LocalProvisioner whose kernels are forks of the fork server (same signals, same
    process-group handling, same clean-up); it starts the usual process if the server cannot."""

    server: forkserver.ForkServer | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        prefix = _python_argv(cmd)
        server = self.server
        if server is None or prefix != server.python_argv:  # another interpreter or kernel
            return await super().launch_kernel(cmd, **kwargs)
        args = cmd[len(prefix) + 2:]
        env = dict(kwargs.get("env") or os.environ)
        cwd = kwargs.get("cwd")
        try:
            self.process = await asyncio.get_running_loop().run_in_executor(
                None, server.spawn, args, env, None if cwd is None else str(cwd))
        except OSError as err:
            log.warning("El servidor de kernels falló (%s); se inicia un kernel de la forma habitual.", err)
            return await super().launch_kernel(cmd, **kwargs)
        self.pid = self.pgid = self.process.pid  # the fork leads its own session
        self.cwd = cwd or pathlib.Path.cwd()
        return self.connection_info


class ReadyKernelClient(AsyncKernelClient):
    """jupyter_client's client with a handshake that returns as soon as it is done.

    `wait_for_ready` asks for kernel_info until the reply and an IOPub message of that very
    request arrive (so output cannot be missed), as jupyter_client does; jupyter_client then
    also waits until IOPub has been quiet for 0.2 s, which every stage paid for nothing:
    papermill only reads IOPub messages of its own requests."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (START_TIMEOUT_S if timeout is None else timeout)
        while True:
            msg_id = self.kernel_info()
            reply = await self._async_recv_reply(msg_id, timeout=max(0.0, deadline - time.monotonic()))
            try:
                while True:
                    msg = await self.iopub_channel.get_msg(timeout=0.2)
                    if msg["parent_header"].get("msg_id") == msg_id:
                        self._handle_kernel_info_reply(reply)
                        return
            except Empty:  # not subscribed yet when the kernel published: ask again
                pass
            if not await self._async_is_alive():
                raise RuntimeError("El kernel terminó antes de responder")
            if time.monotonic() > deadline:
                raise RuntimeError(f"El kernel no respondió en {timeout} s")


class LocalKernelManager(AsyncKernelManager):
    """Kernels talk over local IPC sockets in the temp folder, not TCP ports: nothing listens
    on the network, and ipykernel has no reason to warn about unencrypted TCP."""

    def __init__(self, **kwargs):
        kwargs.setdefault("transport", "ipc")
        # one socket prefix per kernel: two kernels of one process never share socket files
        kwargs.setdefault("ip", os.path.join(tempfile.gettempdir(), f"balance-kernel-{uuid.uuid4().hex[:12]}"))
        super().__init__(**kwargs)
        self.client_factory = ReadyKernelClient
        self._clients: list = []
        self._prepared = None

    async def _async_pre_start_kernel(self, **kw):
        server = fork_server() if self.provisioner is None else None
        if server is not None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
            self.provisioner.server = server
        return await super()._async_pre_start_kernel(**kw)

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        # jupyter_client checks every 0.1 s whether a stopping kernel has ended; a kernel
        # ends a few milliseconds after its kill, and every year's run waited for one
        await super()._async_wait(pollinterval=min(pollinterval, KERNEL_STOP_POLL_S))

    @property
    def forked(self) -> bool:
        """Whether the kernel is a fork of the fork server."""
        return isinstance(getattr(self.provisioner, "process", None), forkserver.ForkedKernel)

    def client(self, **kwargs):
        """A client of this kernel, remembered so `close_clients` can close it: papermill
        leaves open the client it made for a kernel it was handed. The client made ahead by
        `prepare_client` is handed out first."""
        if self._prepared is not None and not kwargs:
            kc, self._prepared = self._prepared, None
            return kc
        kc = super().client(**kwargs)
        self._clients.append(kc)
        return kc

    def prepare_client(self, timeout: float) -> None:
        """Connect, ahead of time, the client papermill will ask for.

        jupyter_client's handshake (`wait_for_ready`) needs one IOPub message within 0.2 s
        of the kernel's reply, and a subscription made just before the request misses it
        (ZeroMQ's "slow joiner"): every stage lost 0.2 s that way. A client connected while
        the previous stage runs is subscribed long before papermill's handshake."""
        info = self.get_connection_info()
        if info.get("transport") == "ipc":  # connect once the kernel has bound its sockets:
            deadline = time.monotonic() + timeout  # ZeroMQ would retry only after 0.1 s
            names = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
            while not all(os.path.exists(f"{info['ip']}-{info[n]}") for n in names):
                if time.monotonic() > deadline or not run_sync(self.is_alive)():
                    return
                time.sleep(0.005)
        kc = super().client()
        self._clients.append(kc)
        for channel in ("iopub_channel", "shell_channel", "stdin_channel", "control_channel"):
            getattr(kc, channel)  # created and connected on first access; the heartbeat
        self._prepared = kc  # thread starts when papermill calls start_channels

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
            if code and not self.km.forked:  # a forked kernel has the imports already
                kc = self.km.blocking_client()
                kc.start_channels()
                try:
                    kc.wait_for_ready(timeout=START_TIMEOUT_S)
                    # silent: no output, no execution count; a failing import simply fails
                    # again, visibly, when the notebook runs the same cell
                    kc.execute_interactive(code, silent=True, store_history=False, timeout=START_TIMEOUT_S)
                finally:
                    kc.stop_channels()
            self.km.prepare_client(START_TIMEOUT_S)
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
