"""Tools that sleep known times, as a framework calls them: each draw is recorded (the truth a replay or
fit is checked against). Async tools yield to the event loop; a sync tool blocks whatever thread runs it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class SleepPlan:
    """Per tool, a draw of its sleep in ms; ``log`` keeps (tool, ms) of every call in call order."""

    draws: Mapping[str, Callable[[np.random.Generator], float]]
    seed: int = 0
    sync: frozenset[str] = frozenset()
    log: list[tuple[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    def draw(self, tool: str) -> float:
        ms = float(self.draws[tool](self.rng))
        self.log.append((tool, ms))
        return ms


def uniform(lo_ms: float, hi_ms: float) -> Callable[[np.random.Generator], float]:
    return lambda r: float(r.uniform(lo_ms, hi_ms))


def constant(ms: float) -> Callable[[np.random.Generator], float]:
    return lambda _r: ms


def tool_functions(plan: SleepPlan) -> list[Any]:
    """One Python function per tool, named as the tool, with a docstring and one optional string argument
    (frameworks build the model's declaration from both). Sync for tools in ``plan.sync``."""
    out: list[Any] = []  # each framework types its tool list its own way
    for name in plan.draws:
        out.append(_sync_tool(plan, name) if name in plan.sync else _async_tool(plan, name))
    return out


def _async_tool(plan: SleepPlan, name: str) -> Callable[..., Any]:
    async def tool(query: str = "") -> dict[str, Any]:
        ms = plan.draw(name)
        await asyncio.sleep(ms / 1000)
        return {"tool": name, "slept_ms": round(ms, 3)}

    return _named(tool, name)


def _sync_tool(plan: SleepPlan, name: str) -> Callable[..., Any]:
    def tool(query: str = "") -> dict[str, Any]:
        ms = plan.draw(name)
        time.sleep(ms / 1000)  # blocks the thread: on an event loop, every other task waits
        return {"tool": name, "slept_ms": round(ms, 3)}

    return _named(tool, name)


def _named(f: Callable[..., Any], name: str) -> Callable[..., Any]:
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Look up {name.replace('_', ' ')} for the query."
    return f
