"""What every strategy holds, by composition rather than a base class: its settings and its lazily started
thread pool (``Kit``), and the opening of a turn they all share (guards' state, limiters, pool).

A strategy module then says only what is its own: its parameter, how it schedules a turn's calls through
the ``Dispatch`` it opened, and its ``predict``. The keywords every strategy takes (``Options``) are checked
when it is built: an unknown one is a TypeError naming it, as a dataclass's would be.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypedDict

from executors._guards import Guards
from executors._invoke import Dispatch, Limiter, open_turn
from executors._limiter import limiters_for
from executors._pool import LazyPool
from executors._types import (
    DEFAULT_ASLEEP,
    DEFAULT_CLOCK,
    DEFAULT_SLEEP,
    ASleep,
    CallResult,
    Clock,
    Quota,
    Sleep,
    ToolCall,
    Tools,
)

#: the argument and return types of every strategy's run/arun, so that each signature fits one line
Calls = Sequence[ToolCall]
Quotas = Sequence[Quota]
Results = list[CallResult]


class Options(TypedDict, total=False):
    """The keywords every strategy takes besides its own parameters (see ``Settings``)."""

    name: str
    clock: Clock
    sleep: Sleep
    asleep: ASleep
    guards: Guards | None


@dataclass(frozen=True, slots=True)
class Settings:
    """A strategy's label (what its records are filed under), its injected time and its guards."""

    name: str
    clock: Clock = DEFAULT_CLOCK
    sleep: Sleep = DEFAULT_SLEEP
    asleep: ASleep = DEFAULT_ASLEEP
    guards: Guards | None = None


class Kit:
    """A strategy's settings and pool; ``open`` starts one turn."""

    __slots__ = ("_pool", "settings")

    def __init__(self, default_name: str, options: Options, threads: int) -> None:
        self.settings = replace(Settings(default_name), **options)
        self._pool = LazyPool(threads, f"pfc-{self.settings.name}")

    def open(
        self,
        calls: Calls,
        tools: Tools,
        quotas: Quotas = (),
        *,
        limiters: Mapping[str, Limiter] | None = None,
        guards: Guards | None = None,
        threads: bool = True,
        start: float | None = None,
    ) -> Dispatch:
        """One turn: its guard state (None when plain; a deadline counts from ``start``, when ``run`` was
        called, else from now), the quotas' fresh limiters unless ``limiters`` are given, the pool when
        ``threads`` (else the loop's default one, for a rare sync tool)."""
        s = self.settings
        turn = open_turn(calls, s.guards if guards is None else guards, s.clock, start)
        lims = limiters_for(quotas, s.clock) if limiters is None else limiters
        return Dispatch(tools, s.clock, s.sleep, s.asleep, lims, self.pool() if threads else None, turn)

    def pool(self) -> concurrent.futures.ThreadPoolExecutor:
        """The strategy's thread pool, started on first use (the micro-benchmarks' raw side submits to it
        too: two pools of one size can differ by 3x on a shared machine, by where their threads sleep)."""
        return self._pool.get()

    def close(self) -> None:
        self._pool.close()


def check_positive(what: str, value: int | None, *, none_ok: bool = False) -> None:
    """A ValueError naming the parameter when ``value`` is below 1 (or None where None is not allowed)."""
    if (value is None and not none_ok) or (value is not None and value < 1):
        allowed = ">= 1 or None" if none_ok else ">= 1"
        raise ValueError(f"{what} must be {allowed}, got {value}")


def in_call_order(order: Sequence[int], done: Results) -> Results:
    """Results that ran in ``order`` (call indices), put back in call order."""
    if isinstance(order, range) and order == range(len(done)):
        return done
    out: list[CallResult | None] = [None] * len(done)
    for i, r in zip(order, done, strict=True):
        out[i] = r
    return [r for r in out if r is not None]
