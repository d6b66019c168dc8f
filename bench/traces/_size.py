"""The largest trace file read: a trace is parsed whole (JSON, then spans), which takes ~10-20x its size in
memory, so a 120 MB file (262,831 spans) ended in a MemoryError naming nothing. A file over the limit is
refused before reading, naming its size and the limit."""

from __future__ import annotations

import os
from pathlib import Path

#: the largest OTLP JSON file read (bytes): ~100,000 spans, about 1 GB of memory while parsed
MAX_TRACE_BYTES = 50 * 1024 * 1024


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def check_trace_size(path: Path, limit: int = MAX_TRACE_BYTES) -> None:
    """Raise ValueError (one line) when ``path`` is larger than ``limit``; a file that cannot be stat'ed is
    left to the reader, which says why."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return
    if size > limit:
        raise ValueError(
            f"{path}: {_mb(size)}, over the {_mb(limit)} a trace file may be (it is read whole); "
            "split it into several files (one trace each) and pass them all"
        )


def too_big(path: Path) -> str:
    """The line for a trace that ran out of memory while read."""
    try:
        size = _mb(os.stat(path).st_size)
    except OSError:
        size = "?"
    return f"{path}: out of memory reading {size} of trace (the limit is {_mb(MAX_TRACE_BYTES)})"
