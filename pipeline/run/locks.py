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
from pathlib import Path
from typing import Iterator


class Busy(Exception):
    """The lock is held by another process (only with `wait=False`)."""


@contextlib.contextmanager
def held(path: Path, wait: bool = True) -> Iterator[None]:
    """Hold the lock at `path` for the duration of the block; remove the file afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = open(path, "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.close()
            raise Busy(str(path)) from None
        try:
            same = os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        handle.close()  # the file was removed by the previous holder: lock the new one
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
