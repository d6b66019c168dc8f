"""Checks of one TOML value each, failing with a one-line ``file: key.path: what is allowed`` message."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: The largest duration a scenario may state, document ms (one day): a longer call cannot finish in any
#: run worth starting, and numbers near float's limit overflow timestamps mid-run instead of failing here.
MAX_MS = 86_400_000.0
#: At most this many tools (after ``count``) and calls in one scenario, and scenarios in one file's matrix:
#: each is materialised at load time, so a typo like ``count = 100000000`` must fail before it allocates.
MAX_TOOLS = 10_000
MAX_CALLS = 10_000
MAX_SCENARIOS = 1_000
#: The largest lognormal sigma and gamma shape a scenario may state (a fit must stay inside them too).
MAX_SIGMA = 10.0
MAX_SHAPE = 1e6
#: Ceilings of the dimensionless numbers, by key (one past these only overflows the sampler).
_CEILINGS = {
    "sigma": MAX_SIGMA,
    "shape": MAX_SHAPE,
    "alpha": 1e6,
    "weight": 1e6,
    "speedup": 1e6,
    "burst": 1e6,
}
_INT_CEILINGS = {"count": MAX_TOOLS, "calls": MAX_CALLS, "burst": 1_000_000}


def _num(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def _ceiling(at: At, hi: float | None) -> float | None:
    """The documented ceiling of the key ``at`` names (any ``*_ms`` key: MAX_MS), or ``hi`` if lower."""
    key = at.path.rsplit(".", 1)[-1]
    cap = MAX_MS if key == "ms" or key.endswith("_ms") else _CEILINGS.get(key)
    return cap if hi is None else (hi if cap is None else min(hi, cap))


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


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices`` (difflib), or nothing when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_table(
    at: At, v: Any, allowed: set[str], required: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise at.fail(f"must be a table, got {type(v).__name__}")
    unknown = sorted(set(v) - allowed)
    if unknown:
        hint = did_you_mean(unknown[0], allowed)
        raise at.fail(f"unknown key {unknown[0]!r}{hint} (allowed: {', '.join(sorted(allowed))})")
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
    hi = _ceiling(at, hi)
    allowed = " and ".join(
        ([f"{'>' if lo_open else '>='} {_num(lo)}"] if lo is not None else [])
        + ([f"<= {_num(hi)}"] if hi is not None else [])
    )
    if not math.isfinite(x):
        raise at.fail(f"must be a finite number{' ' + allowed if allowed else ''}, got {x}")
    if lo is not None and (x <= lo if lo_open else x < lo):
        raise at.fail(f"must be {'>' if lo_open else '>='} {_num(lo)}, got {_num(x)} (allowed: {allowed})")
    if hi is not None and x > hi:
        raise at.fail(f"must be <= {_num(hi)}, got {_num(x)} (allowed: {allowed})")
    return x


def check_int(at: At, v: Any, *, lo: int = 0) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise at.fail(f"must be an integer, got {type(v).__name__} {v!r}")
    hi = _INT_CEILINGS.get(at.path.rsplit(".", 1)[-1])
    if v < lo or (hi is not None and v > hi):
        raise at.fail(f"must be >= {lo}{f' and <= {hi}' if hi is not None else ''}, got {v}")
    return v


def check_str(at: At, v: Any) -> str:
    if not isinstance(v, str):
        raise at.fail(f"must be a string, got {type(v).__name__} {v!r}")
    return v


def check_bool(at: At, v: Any) -> bool:
    if not isinstance(v, bool):
        raise at.fail(f"must be true or false, got {type(v).__name__} {v!r}")
    return v
