"""What a scenario is: tools with latency distributions, faults and quotas, and the calls one model turn makes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from scenarios._latency import Latency


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A server-side quota: at most ``calls`` starts in any sliding window of ``period_ms``, and at most
    ``burst`` in any window of ``period_ms * burst / calls`` (so 10/s with burst 2 means 2 per 200 ms).

    ``tools`` names the tools that share it (one tool, or a group behind one API key).
    """

    name: str
    calls: int
    period_ms: float
    burst: int
    tools: tuple[str, ...]

    def windows_ms(self) -> tuple[tuple[int, float], ...]:
        """The (count, window length) pairs the quota enforces, in document milliseconds."""
        out = [(self.calls, self.period_ms)]
        if self.burst < self.calls:
            out.append((self.burst, self.period_ms * self.burst / self.calls))
        return tuple(out)

    def describe(self) -> str:
        b = f", burst {self.burst}" if self.burst < self.calls else ""
        return f"{self.calls} calls per {self.period_ms:g} ms{b}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "period_ms": self.period_ms,
            "burst": self.burst,
            "tools": list(self.tools),
        }


@dataclass(frozen=True, slots=True)
class Faults:
    """Per-attempt fault probabilities. An error raises after the sampled latency (the server did the work
    and failed); a hang sleeps ``hang_ms``, far past any sane timeout."""

    error_rate: float = 0.0
    hang_rate: float = 0.0
    hang_ms: float = 60_000.0


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    latency: Latency
    faults: Faults = Faults()
    description: str = ""


@dataclass(frozen=True, slots=True)
class CallSpec:
    """One call the model makes in its turn; ``after`` names calls whose results it needs."""

    id: str
    tool: str
    args: dict[str, Any] = field(default_factory=dict)
    after: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DocClaim:
    """The source document's figures for this scenario, kept as data so the report can test them."""

    row: str
    sequential_ms: float
    parallel_ms: float
    speedup: float


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    tools: tuple[ToolSpec, ...]
    calls: tuple[CallSpec, ...]
    quotas: tuple[RateLimit, ...] = ()
    doc: DocClaim | None = None
    #: matrix family (``fanout`` for ``fanout-10``); the scenario's own name when it is not expanded
    family: str = ""
    source: str = ""

    def tool(self, name: str) -> ToolSpec:
        for t in self.tools:
            if t.name == name:
                return t
        raise KeyError(name)

    def quota_of(self, tool: str) -> RateLimit | None:
        for q in self.quotas:
            if tool in q.tools:
                return q
        return None

    def fingerprint(self) -> str:
        """A stable hash of everything that changes the numbers (not the description)."""
        payload = {
            "tools": [[t.name, repr(t.latency), repr(t.faults)] for t in self.tools],
            "calls": [[c.id, c.tool, sorted(c.args.items()), list(c.after)] for c in self.calls],
            "quotas": [q.as_dict() | {"name": q.name} for q in self.quotas],
        }
        blob = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]
