"""What a scenario is: tools with latency distributions, faults and quotas, and the calls one model turn makes."""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scenarios._latency import Constant, Latency, Mixture


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
class ToolDeclaration:
    """What a model is told of one tool: its name, what it does, and its arguments as a JSON-Schema object
    (``{"type": "object", "properties": {...}, "required": [...]}``, lower-case types, in the OpenAPI subset
    Gemini accepts), or an empty mapping when it takes none: Gemini refuses an OBJECT schema without
    properties, so ``as_dict`` then sends no ``parameters`` at all."""

    name: str
    description: str
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The declaration as Gemini's ``FunctionDeclaration`` JSON (``parameters`` left out when empty)."""
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.parameters:
            out["parameters"] = _plain(self.parameters)
        return out


def _plain(v: Any) -> Any:
    """A deep copy in plain dicts and lists, so a caller may change what it is given."""
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return v


def redact_url(url: str) -> str:
    """``url`` fit to print: no user:password, and no query (it may carry a key)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}" + ("?…" if parts.query else "")


@dataclass(frozen=True, slots=True)
class HttpEndpoint:
    """A real HTTP tool: a call's arguments become the query (GET) or the JSON body (POST)."""

    url: str
    method: str = "GET"
    timeout_ms: float = 10_000.0

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "method": self.method, "timeout_ms": self.timeout_ms}


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One tool. ``parameters`` is its declaration's argument schema (see ``ToolDeclaration``); an
    ``idempotent`` tool may safely run twice for one call (only those are worth hedging)."""

    name: str
    latency: Latency
    faults: Faults = Faults()
    description: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    idempotent: bool = False
    #: a real Python tool: "package.module:function", and the function itself (imported when the file loads)
    python: str = ""
    func: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    #: a real HTTP tool
    http: HttpEndpoint | None = None

    @property
    def kind(self) -> str:
        """``simulated`` (sleeps its planned latency), ``python`` or ``http`` (real work: its ``latency`` is
        only what the plan expects, for bounds and predictions)."""
        return "python" if self.python else "http" if self.http is not None else "simulated"

    def declaration(self) -> ToolDeclaration:
        return ToolDeclaration(self.name, self.description, self.parameters)

    def extras(self) -> dict[str, Any]:
        """What the fingerprint adds for this tool beyond name, latency and faults (empty for a tool that
        uses none of it, so a scenario written before these fields existed keeps its hash)."""
        out: dict[str, Any] = {}
        if self.description:
            out["description"] = self.description
        if self.parameters:
            out["parameters"] = _plain(self.parameters)
        if self.idempotent:
            out["idempotent"] = True
        if self.python:
            out["python"] = self.python  # the reference, not the code: editing the function keeps the hash
        if self.http is not None:
            out["http"] = self.http.as_dict()
        return out


@dataclass(frozen=True, slots=True)
class CallSpec:
    """One call the model makes in its turn; ``after`` names calls whose results it needs."""

    id: str
    tool: str
    args: dict[str, Any] = field(default_factory=dict)
    after: tuple[str, ...] = ()
    #: the chance a turn makes this call (independently per call); 1 = every turn
    probability: float = 1.0


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

    def call_latency(self, call: CallSpec) -> Latency:
        """What ``call`` adds to a turn's time: its tool's latency, or 0 ms in the turns that skip it (a
        mixture, so E[max], E[sum] and their quantiles account for the turns that do not make it)."""
        lat = self.tool(call.tool).latency
        if call.probability >= 1:
            return lat
        return Mixture((1 - call.probability, call.probability), (Constant(0.0), lat))

    def quota_of(self, tool: str) -> RateLimit | None:
        for q in self.quotas:
            if tool in q.tools:
                return q
        return None

    def real_tools(self) -> tuple[ToolSpec, ...]:
        """The tools that do real work (Python or HTTP): a time scale cannot shrink them."""
        return tuple(t for t in self.tools if t.kind != "simulated")

    def declarations(self) -> tuple[ToolDeclaration, ...]:
        """The function declarations a model driver sends for this scenario's tools, in tool order."""
        return tuple(t.declaration() for t in self.tools)

    def fingerprint(self) -> str:
        """A stable hash of everything that changes the numbers or what a model is told of the tools (not the
        scenario's own description)."""
        payload = {
            "tools": [[t.name, repr(t.latency), repr(t.faults), *_nonempty(t.extras())] for t in self.tools],
            "calls": [
                [
                    c.id,
                    c.tool,
                    sorted(c.args.items()),
                    list(c.after),
                    *([c.probability] if c.probability < 1 else []),
                ]
                for c in self.calls
            ],
            "quotas": [q.as_dict() | {"name": q.name} for q in self.quotas],
        }
        blob = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _nonempty(d: dict[str, Any]) -> list[dict[str, Any]]:
    return [d] if d else []
