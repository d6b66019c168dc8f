"""How a run ends, in run.json: ``complete``, ``interrupted`` (Ctrl-C, SIGTERM) or ``failed`` with the reason.

Whatever stops the run — a full disk, a failed write, a model error, a tool calling ``sys.exit`` or raising
a ``BaseException`` of its own — run.json says so and why, never ``running`` forever; finished records stay
and ``--resume`` completes the run. A full disk may refuse the atomic rewrite of run.json (its temp file
needs new blocks): then run.json is rewritten in place, into the blocks it already has.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from reports import write_json_atomic


def reason_of(exc: BaseException) -> str:
    """One line saying what ended the run."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C or SIGTERM)"
    if isinstance(exc, SystemExit):
        return f"a tool called sys.exit({exc.code!r})"
    first = (str(exc).splitlines() or [""])[0]
    if isinstance(exc, OSError) and exc.strerror:
        first = f"{exc.strerror}" + (f": {exc.filename}" if exc.filename else "")
    kind = type(exc).__name__
    if not isinstance(exc, Exception):
        return f"a tool raised {kind}" + (f": {first}" if first else "") + " (not an Exception)"
    return f"{kind}: {first}" if first else kind


def end_run(meta_path: Path, meta: dict[str, Any], status: str, reason: str | None, **extra: Any) -> None:
    """Write run.json's last state; on a full disk, in place. Never raises: the run's own error wins."""
    meta.update(status=status, **extra)
    if reason is not None:
        meta["reason"] = reason
    else:
        meta.pop("reason", None)
    try:
        write_json_atomic(meta_path, meta)
    except OSError:
        with contextlib.suppress(OSError):
            _rewrite_in_place(meta_path, json.dumps(meta, indent=2, sort_keys=True) + "\n")


def _rewrite_in_place(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    fd = os.open(path, os.O_RDWR)
    try:
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)
