"""A fork server for the stage kernels: Python, ipykernel and the notebooks' imports (pandas,
pyarrow, matplotlib, seaborn, the pipeline) load once, in one process; each stage kernel is a
fork of it.

Starting an ipykernel and importing the notebooks' libraries costs about 0.7 s of CPU per
kernel, and a run of three years starts nine kernels. The CLI starts this server for its own
run only (never a daemon: it always holds the code of the run that started it, and it ends
with that run). jupyter_client still manages every kernel as usual: `kernels.ForkProvisioner`
asks the server for a fork where `LocalProvisioner` would start `python -m ipykernel_launcher`.
Written by hand because no library forks ipykernels (multiprocessing's forkserver runs
functions, not processes jupyter_client can signal and wait for).

Protocol. The server inherits one end of a SOCK_SEQPACKET socket pair, the control socket.
The first message is the preload (JSON: `cells`, code strings each run once, e.g. the
notebooks' import cells; `first_kernels`, how many kernels the run asks for at once as it
starts: they are forked as soon as the first cell is loaded, before the other cells, and the
server waits for them up to FIRST_KERNELS_WAIT_S). Every later message asks for a kernel
(JSON: args, env, cwd) and
carries one file descriptor: the request's *life line*, one end of a fresh socket pair. The
server forks; the child becomes the kernel (`ipykernel_launcher <args>`), in its own session.
On the life line the server answers "pid <n>", later "exit <code>" when the kernel ends.
A request may instead name a function to call (JSON: call "module:function", args): the
child runs it with the preloaded libraries and exits, answering on its life line as a kernel
does (the CLI draws the trends page that way, without importing pandas and matplotlib).
If the client closes its end of the life line (it gave the kernel up, or its process died),
the server kills the kernel's process group. When the control socket closes (every client
gone) the server kills any kernel left and exits. Each kernel polls its parent (ipykernel's
JPY_PARENT_PID), so a killed server takes its kernels with it.
"""
from __future__ import annotations

import atexit
import importlib
import json
import os
import select
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

REQUEST_MAX_BYTES = 1 << 20  # one request: args, environment and cwd, as JSON
FIRST_KERNELS_WAIT_S = 1.0
CALL_NICE = 10  # a call is background work: it yields the cores to the kernels
_START_PATH0 = sys.path[0] if sys.path else None


# ---------------------------------------------------------------- client side (the CLI)

class ForkedKernel:
    """A kernel forked by the server, with the part of `subprocess.Popen` jupyter_client uses."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, line: socket.socket):
        self.pid = pid
        self.returncode: int | None = None
        self._line = line
        self._lock = threading.Lock()

    def _read_status(self, timeout: float | None) -> None:
        with self._lock:
            if self.returncode is not None:
                return
            ready, _, _ = select.select([self._line], [], [], timeout)
            if not ready:
                return
            try:
                data = self._line.recv(64)
            except OSError:
                data = b""
            # "exit <code>"; nothing at all means the server is gone, and its kernels with it
            self.returncode = int(data.split()[1]) if data.startswith(b"exit ") else -signal.SIGKILL
            self._line.close()

    def poll(self) -> int | None:
        self._read_status(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._read_status(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkServer:
    """The server process, started with `python_argv` (the kernel spec's interpreter and flags)."""

    def __init__(self, python_argv: list[str], preload: list[str], env: dict[str, str] | None = None,
                 first_kernels: int = 0):
        self.python_argv = list(python_argv)  # the interpreter and flags its kernels run
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = subprocess.Popen(
            [*python_argv, "-m", "pipeline.forkserver", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env,
        )
        theirs.close()
        self._control = mine
        self._control.sendall(json.dumps({"cells": preload, "first_kernels": first_kernels}).encode("utf-8"))
        self._spawned = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def spawn(self, args: list[str], env: dict[str, str], cwd: str | None, timeout: float = 120) -> ForkedKernel:
        """A new kernel `ipykernel_launcher <args>`; raises OSError if the server cannot fork one."""
        return self._fork({"args": args, "env": env, "cwd": cwd}, timeout)

    def call(self, function: str, args: list, timeout: float = 120) -> None:
        """Run `module:function(*args)` (JSON arguments) in a fork of the server, with its
        libraries already loaded, and wait for it; raises OSError if it failed or took longer."""
        child = self._fork({"call": function, "args": args}, timeout)
        try:
            code = child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            raise OSError(f"{function} no terminó en {timeout} s") from None
        if code != 0:
            raise OSError(f"{function} terminó con el código {code}")

    def _fork(self, request: dict, timeout: float) -> ForkedKernel:
        self._spawned = True
        data = json.dumps(request).encode("utf-8")
        if len(data) > REQUEST_MAX_BYTES:
            raise OSError("la solicitud al servidor de kernels es demasiado grande")
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            socket.send_fds(self._control, [data], [theirs.fileno()])
        finally:
            theirs.close()
        # the first request waits for the preload (about a second)
        ready, _, _ = select.select([mine], [], [], timeout)
        answer = mine.recv(64) if ready else b""
        if not answer.startswith(b"pid "):
            mine.close()
            raise OSError(f"el servidor de kernels no respondió ({answer!r})")
        return ForkedKernel(int(answer.split()[1]), mine)

    def close(self, timeout: float = 10) -> None:
        """End the server (it kills any kernel still running) and wait for it."""
        if not self._spawned:  # still preloading perhaps, and nothing of it to keep
            self.process.kill()
        try:
            self._control.close()
            self.process.wait(timeout)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


# ---------------------------------------------------------------- server side

def _preload_kernel() -> None:
    # what ipykernel sets before any user code imports matplotlib, set before we import it
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # fork copies only the calling thread: keep OpenBLAS from starting its worker threads
    # here (the kernels do no heavy linear algebra). pyarrow's jemalloc thread is fork-safe
    # by design (jemalloc's own pthread_atfork handlers).
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401
    import ipykernel.zmqshell  # noqa: F401
    import ipykernel.debugger  # noqa: F401  (debugpy: a tenth of a second per kernel otherwise)


def _run_preload(code: str) -> None:
    try:
        exec(compile(code, "<precarga>", "exec"), {"__name__": "__precarga__"})
    except Exception:  # the notebook runs the same cell and fails there, visibly
        traceback.print_exc()


def _close(fds: list[int]) -> None:
    """In a forked child: close the server's descriptors (control socket, other life lines)."""
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _call(request: dict, close_fds: list[int]) -> None:
    """In the forked child: run `module:function(*args)`, then exit (1 if it raised); never returns."""
    code = 1
    try:
        _close(close_fds)
        os.setsid()  # its own group: killed as a kernel is if its client lets go
        os.nice(CALL_NICE)
        module, _, name = request["call"].partition(":")
        getattr(importlib.import_module(module), name)(*request["args"])
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _become_kernel(request: dict, close_fds: list[int]) -> None:
    """In the forked child: become `python -m ipykernel_launcher <args>`; never returns."""
    code = 1
    try:
        _close(close_fds)
        os.setsid()  # its own process group, as jupyter_client starts kernels
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a fresh interpreter
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["JPY_PARENT_PID"] = str(os.getppid())  # dies with the server
        if request.get("cwd"):
            os.chdir(request["cwd"])
        # `python -m` put the server's start folder first on sys.path; ipykernel_launcher
        # drops its own, so the kernel's path is what a kernel started the usual way has
        if sys.path and sys.path[0] == _START_PATH0:
            del sys.path[0]
        import ipykernel_launcher  # noqa: F401  (only its __main__ block runs the kernel)
        from ipykernel import kernelapp

        # ipykernel read JPY_PARENT_PID when the server imported it: say it again
        args = [*request["args"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        sys.argv = [ipykernel_launcher.__file__, *args]
        kernelapp.launch_new_instance(argv=args)
        code = 0
    except SystemExit as err:
        code = err.code if isinstance(err.code, int) else (0 if err.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        try:  # as Python exits: threads still working are awaited, then the atexit handlers
            for thread in threading.enumerate():
                if thread is not threading.main_thread() and not thread.daemon:
                    thread.join()
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class _Server:
    def __init__(self, control: socket.socket):
        self.control = control
        self.sel = selectors.DefaultSelector()
        self.sel.register(control, selectors.EVENT_READ, ("control", None))
        self.lines: dict[int, socket.socket] = {}  # kernel pid -> its life line
        self.pidfds: dict[int, int] = {}  # kernel pid -> pidfd
        self.forked = 0
        self.open = True

    def await_kernels(self, n: int, within: float) -> None:
        """Serve requests until `n` kernels have been forked in all, for at most `within` seconds."""
        deadline = time.monotonic() + within
        while self.open and self.forked < n and (left := deadline - time.monotonic()) > 0:
            self.step(left)

    def step(self, timeout: float | None) -> None:
        """Handle what is ready within `timeout` seconds: requests, ended kernels, clients gone."""
        for key, _ in self.sel.select(timeout):
            kind, pid = key.data
            if kind == "control":
                self._request()
            elif kind == "exit":
                self._reap(pid)
            elif kind == "line":
                self._let_go(pid)

    def _request(self) -> None:
        try:
            msg, fds, _, _ = socket.recv_fds(self.control, REQUEST_MAX_BYTES, 1)
        except OSError:
            msg, fds = b"", []
        if not msg:  # every client is gone: end what is left
            for pid in list(self.pidfds):
                _end_kernel(pid)
            for pid in list(self.pidfds):
                os.waitpid(pid, 0)
            self.open = False
            return
        if not fds:
            return
        line = socket.socket(fileno=fds[0])
        inherited = [self.control.fileno(), self.sel.fileno(), line.fileno(),
                     *(s.fileno() for s in self.lines.values()), *self.pidfds.values()]
        request = json.loads(msg)
        child = os.fork()
        if child == 0:
            (_call if "call" in request else _become_kernel)(request, inherited)
        self.forked += 1
        self.pidfds[child] = os.pidfd_open(child)
        self.sel.register(self.pidfds[child], selectors.EVENT_READ, ("exit", child))
        self.lines[child] = line
        self.sel.register(line, selectors.EVENT_READ, ("line", child))
        try:
            line.sendall(f"pid {child}".encode())
        except OSError:
            _end_kernel(child)

    def _reap(self, pid: int) -> None:
        """The kernel ended: reap it, tell its client."""
        _, status = os.waitpid(pid, 0)
        self.sel.unregister(self.pidfds[pid])
        os.close(self.pidfds.pop(pid))
        line = self.lines.pop(pid, None)
        if line is not None:
            self.sel.unregister(line)
            try:
                line.sendall(f"exit {os.waitstatus_to_exitcode(status)}".encode())
            except OSError:
                pass
            line.close()

    def _let_go(self, pid: int) -> None:
        """Its client closed the life line of a running kernel: kill the kernel."""
        line = self.lines[pid]
        try:
            data = line.recv(64)
        except OSError:
            data = b""
        if not data:
            self.sel.unregister(line)
            line.close()
            del self.lines[pid]
            _end_kernel(pid)


def _end_kernel(pid: int) -> None:
    # the group (the kernel and whatever it started), and the kernel itself in case it has
    # not reached setsid() yet
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def serve(control_fd: int) -> None:
    # Ctrl-C in the terminal reaches the whole foreground group: the CLI handles it, and the
    # server ends when the CLI closes the control socket (killing what is left)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    control = socket.socket(fileno=control_fd)
    setup = json.loads(control.recv(REQUEST_MAX_BYTES) or b"{}")
    server = _Server(control)
    _preload_kernel()
    # the cells in stage order; a kernel asked for meanwhile is forked as soon as the cells
    # before it are loaded (the cleaning kernel does not wait for matplotlib); a kernel
    # forked early imports anything else it needs itself
    for n, code in enumerate(setup.get("cells", [])):
        if not server.open:
            return
        _run_preload(code)
        server.step(0)
        if n == 0:  # the years of a parallel run start together, before the later cells load
            server.await_kernels(setup.get("first_kernels", 0), FIRST_KERNELS_WAIT_S)
    while server.open:
        server.step(None)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
    os._exit(0)  # nothing to tear down: skip unloading pandas, matplotlib and the rest
