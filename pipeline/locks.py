"""Lock files that go away when their run ends.

A lock is an `flock` on a file that exists only while a run holds it. Whoever takes it
checks, once locked, that the path still names the file it locked (same inode): if the
previous holder removed the file in between, the lock is on a file nobody else can see,
so it opens the path again. The holder removes the file while still holding the lock.
The OS drops the lock of a killed process; its file is then reused by the next run.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import threading
from pathlib import Path
from typing import Iterator

from pipeline.errors import LockBusy


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def no_interrupts() -> Iterator[None]:
    """Ctrl-C is ignored during the block (processes started in it inherit that)."""
    if not _main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """A Ctrl-C during the block takes effect when the block ends (cleanup and lock
    bookkeeping never stop half-way)."""
    if not _main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught and callable(previous):
            previous(signal.SIGINT, None)


@contextlib.contextmanager
def held(path: Path, wait: bool = True) -> Iterator[None]:
    """Hold the lock at `path` for the duration of the block; remove the file afterwards.
    Ctrl-C may stop the wait for a busy lock, never the bookkeeping of the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    locked = None
    try:
        while locked is None:
            with deferred_interrupts():
                handle = open(path, "a")
            try:
                if wait:
                    fcntl.flock(handle, fcntl.LOCK_EX)
            except BaseException:
                handle.close()
                raise
            with deferred_interrupts():
                try:
                    if not wait:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.close()
                    raise LockBusy(f"{path} está tomado por otro proceso.") from None
                try:
                    same = os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
                except FileNotFoundError:
                    same = False
                if same:
                    locked = handle
                else:  # the previous holder removed it: lock the path's new file
                    handle.close()
        yield
    finally:
        if locked is not None:
            with deferred_interrupts():
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
                fcntl.flock(locked, fcntl.LOCK_UN)
                locked.close()
