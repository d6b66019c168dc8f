"""Draw a report's figures on two cores: a forked child draws half of them (by expected cost) while this
process draws the rest.

Matplotlib holds the GIL for nearly all of a figure's drawing, so threads would not help; a fork shares
the frames already in memory (nothing is pickled but the paths coming back). A report's ten figures take
about as long as everything else in it, so the fork roughly halves their share of the wall time when a
second core is free. Without ``os.fork``, with one CPU, or with other threads running (forking a threaded
process is unsafe), everything is drawn here, one after another. Whatever the child fails to deliver is
drawn here too, so an error surfaces in this process with its usual traceback.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

Job = Callable[[], Path | None]


def _can_fork() -> bool:
    return hasattr(os, "fork") and (os.cpu_count() or 1) >= 2 and threading.active_count() == 1


def split(weights: Sequence[float]) -> tuple[list[int], list[int]]:
    """Job indices for this process and for the child: the heaviest job first, each to the lighter side so
    far (longest processing time first: in job order, three heavy figures at the end all fell on one side)."""
    sides: tuple[list[int], list[int]] = ([], [])
    load = [0.0, 0.0]
    for i in sorted(range(len(weights)), key=lambda j: -weights[j]):
        w = weights[i]
        side = 0 if load[0] <= load[1] else 1
        sides[side].append(i)
        load[side] += w
    return sides


def draw_all(jobs: Sequence[Job], weights: Sequence[float] | None = None) -> list[Path | None]:
    """Run every job (each draws one figure and returns its path, or None without data); the results come
    back in job order. ``weights`` are the jobs' expected costs (1 each by default), to share them evenly."""
    if len(jobs) < 2 or not _can_fork():
        return [job() for job in jobs]
    mine, theirs = split(weights or [1.0] * len(jobs))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: draw its share, send the paths, leave without running any exit handlers
        os.close(read_end)
        code = 1
        try:
            done = {i: (None if (p := jobs[i]()) is None else str(p)) for i in theirs}
            with os.fdopen(write_end, "w", encoding="utf-8") as fh:
                json.dump(done, fh)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    out: list[Path | None] = [None] * len(jobs)
    try:
        for i in mine:
            out[i] = jobs[i]()
    finally:  # reap the child even when a figure of ours failed
        with os.fdopen(read_end, encoding="utf-8") as fh:
            sent = fh.read()
        _, status = os.waitpid(pid, 0)
    got = _parse(sent) if os.waitstatus_to_exitcode(status) == 0 else {}
    for i in theirs:
        out[i] = got[i] if i in got else jobs[i]()
    return out


def _parse(text: str) -> dict[int, Path | None]:
    try:
        raw = json.loads(text)
    except ValueError:
        return {}
    return {int(k): None if v is None else Path(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
