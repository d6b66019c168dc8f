"""A one-line progress bar on stderr, only when stderr is a terminal (CI logs stay clean)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, width: int = 28) -> None:
        # sys.stderr is looked up now, not at import: tests (and callers) may have replaced it since
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.enabled = self.stream.isatty()
        self._t0 = time.monotonic()

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled or total == 0:
            return
        filled = int(self.width * done / total)
        elapsed = time.monotonic() - self._t0
        eta = elapsed / done * (total - done) if done else 0.0
        bar = "#" * filled + "." * (self.width - filled)
        line = f"\r[{bar}] {done}/{total} {elapsed:5.0f}s eta {eta:4.0f}s  {label[:48]:<48}"
        self.stream.write(line)
        if done == total:
            self.stream.write("\n")
        self.stream.flush()
