"""What the history asks of git: the current branch, commit order, merge bases. Every answer may be None:
a store is usable where git is absent or does not know the commits (imported from another runner)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class Git(Protocol):
    def branch(self) -> str | None: ...
    def head(self) -> str | None: ...
    def resolve(self, ref: str) -> str | None: ...
    def merge_base(self, a: str, b: str) -> str | None: ...
    def generations(self, commits: Sequence[str]) -> dict[str, int] | None: ...
    def ancestors(self, commit: str) -> list[str] | None: ...


@dataclass(frozen=True, slots=True)
class SubprocessGit:
    """git of the working directory (or ``cwd``), each question one short subprocess."""

    cwd: Path | None = None

    def _out(self, *args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=self.cwd, capture_output=True, text=True, timeout=20, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() or None

    def branch(self) -> str | None:
        return self._out("branch", "--show-current")

    def head(self) -> str | None:
        return self._out("rev-parse", "HEAD")

    def resolve(self, ref: str) -> str | None:
        return self._out("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")

    def merge_base(self, a: str, b: str) -> str | None:
        return self._out("merge-base", a, b)

    def generations(self, commits: Sequence[str]) -> dict[str, int] | None:
        """Each commit's number of ancestors (git's order), or None when git does not know one of them."""
        out = {}
        for c in commits:
            n = self._out("rev-list", "--count", c)
            if n is None or not n.isdigit():
                return None
            out[c] = int(n)
        return out

    def ancestors(self, commit: str) -> list[str] | None:
        """``commit`` and its ancestors, newest first (at most 1000)."""
        out = self._out("rev-list", "--max-count=1000", commit)
        return out.split() if out else None


@dataclass(frozen=True, slots=True)
class NoGit:
    """A git that knows nothing: tests, and stores checked away from a repository."""

    def branch(self) -> str | None:
        return None

    def head(self) -> str | None:
        return None

    def resolve(self, ref: str) -> str | None:
        return None

    def merge_base(self, a: str, b: str) -> str | None:
        return None

    def generations(self, commits: Sequence[str]) -> dict[str, int] | None:
        return None

    def ancestors(self, commit: str) -> list[str] | None:
        return None
