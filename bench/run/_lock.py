"""One writer per run directory: an exclusive, non-blocking ``flock`` on ``OUT/.lock`` held for the run.

Two runs on one ``--out`` at once both exited 0 and left 180 records of 2 run ids in one results.jsonl. The
second writer is now refused in one line naming the holder. The lock belongs to the open file, so it goes
with the process however it ends (kill -9 included): no stale lock to clear by hand.

A lock on a file cannot stop the directory from being deleted and made again under a running run; a second
run then locks the new ``.lock`` and both go on. :meth:`HeldDir.still_ours` tells whether ``OUT/.lock`` is
still the file this run locked, so the run writes nothing by path (run.json, recorded records, otel.json)
into a directory another run now owns.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

LOCK_NAME = ".lock"


class OutLocked(ValueError):
    """Another process holds the run directory."""


class HeldDir:
    """The run directory this process locked, and the open lock file that proves it."""

    def __init__(self, out: Path, fd: int) -> None:
        self.out, self._fd = out, fd

    def still_ours(self) -> bool:
        """Whether ``OUT/.lock`` is still the file this run locked (not removed, not made again)."""
        try:
            now = os.stat(self.out / LOCK_NAME)
        except OSError:
            return False
        held = os.fstat(self._fd)
        return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


@contextlib.contextmanager
def out_lock(out: Path) -> Iterator[HeldDir]:
    """Hold ``out``'s lock inside; raise ``OutLocked`` (one line) when another process holds it."""
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            raise OutLocked(
                f"`out` {out}: another pfcbench process (pid {holder}) is writing there; wait for it to end "
                "or choose another `out`"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield HeldDir(out, fd)
    finally:
        os.close(fd)  # releases the lock
