"""Checks of one TOML value each, failing with a one-line ``file: key.path: what is allowed`` message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ScenarioError(ValueError):
    """A scenario file or name that cannot be used; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class At:
    """Where we are in the file, for error messages."""

    file: str
    path: str

    def key(self, k: str | int) -> At:
        return At(
            self.file, f"{self.path}[{k}]" if isinstance(k, int) else (f"{self.path}.{k}" if self.path else k)
        )

    def fail(self, msg: str) -> ScenarioError:
        return ScenarioError(f"{self.file}: {self.path or '(top level)'}: {msg}")


_NUM = (int, float)


def check_table(
    at: At, v: Any, allowed: set[str], required: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise at.fail(f"must be a table, got {type(v).__name__}")
    unknown = sorted(set(v) - allowed)
    if unknown:
        raise at.fail(f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    missing = sorted(required - set(v))
    if missing:
        raise at.fail(f"missing key {missing[0]!r}")
    return v


def check_num(
    at: At, v: Any, *, lo: float | None = None, lo_open: bool = False, hi: float | None = None
) -> float:
    if isinstance(v, bool) or not isinstance(v, _NUM):
        raise at.fail(f"must be a number, got {type(v).__name__} {v!r}")
    x = float(v)
    if lo is not None and (x <= lo if lo_open else x < lo):
        raise at.fail(f"must be {'>' if lo_open else '>='} {lo:g}, got {x:g}")
    if hi is not None and x > hi:
        raise at.fail(f"must be <= {hi:g}, got {x:g}")
    return x


def check_int(at: At, v: Any, *, lo: int = 0) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise at.fail(f"must be an integer, got {type(v).__name__} {v!r}")
    if v < lo:
        raise at.fail(f"must be >= {lo}, got {v}")
    return v


def check_str(at: At, v: Any) -> str:
    if not isinstance(v, str):
        raise at.fail(f"must be a string, got {type(v).__name__} {v!r}")
    return v


def check_bool(at: At, v: Any) -> bool:
    if not isinstance(v, bool):
        raise at.fail(f"must be true or false, got {type(v).__name__} {v!r}")
    return v
