"""The ``session`` part of a results record: one frozen type per kind of query, each written to (and read
back from) exactly the JSON keys of schema 1, so files written before these types existed still read.

- :class:`NoSession` — one turn's calls with no model (``model = "none"``): written as ``{}``;
- :class:`ModelSession` — the agent loop with a model driver: turns, time split, tokens, call mapping;
- :class:`AfcSession` — google-genai's own automatic function calling (``executor = "sdk-afc"``);
- :class:`LoadQuery` — one query of an open-loop load run (kept in memory, not in results.jsonl).

The JSON carries no kind tag (schema 1 had none): :func:`session_from_json` tells the kinds apart by
their keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class NoSession:
    """No model in the loop: the record is one executor run of the plan's calls."""

    kind: ClassVar[str] = "plain"

    @property
    def mode(self) -> str:
        return ""

    def to_json(self) -> dict[str, Any]:
        return {}


NO_SESSION = NoSession()


@dataclass(frozen=True, slots=True)
class TurnSpan:
    """One model turn of a session, times relative to the start of the query."""

    turn: int
    start_s: float
    end_s: float
    #: timed by the session around the driver's call
    model_s: float
    #: the driver's own figure
    latency_s: float
    tokens_in: int
    tokens_out: int
    attempts: int
    #: 429/503 backoff inside the driver
    waited_s: float
    #: ids of the calls this turn asked for, and the time the executor spent on them
    calls: tuple[str, ...]
    tool_s: float
    #: the turn answered with text
    text: bool
    #: Gemini 2.5 / 3 usage beyond prompt and candidates (0 where the model reports none)
    tokens_thoughts: int = 0
    tokens_cached: int = 0
    tokens_tool_prompt: int = 0
    finish_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        d = _shallow(self)
        d["calls"] = list(self.calls)
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> TurnSpan:
        return cls(**{**d, "calls": tuple(d.get("calls", ()))})


@dataclass(frozen=True, slots=True)
class ModelSession:
    """A whole query through the agent loop: model turn -> calls -> executor -> responses -> ..."""

    kind: ClassVar[str] = "model"

    mode: str
    turns: tuple[TurnSpan, ...]
    n_turns: int
    model_s: float
    tool_s: float
    overhead_s: float
    model_latency_s: float
    tokens_in: int
    tokens_out: int
    #: None when the model has no price row
    cost_usd: float | None
    price_model: str
    prices_read_on: str
    answered: bool
    max_turns_hit: bool
    remapped_calls: int
    unmapped_calls: int
    failed_calls: int
    missing_calls: int
    #: how the query ended: answered, malformed_function_call, safety, max_tokens, max_turns, model_error
    status: str = "answered"
    tokens_thoughts: int = 0
    tokens_cached: int = 0
    tokens_tool_prompt: int = 0
    #: the price row's fallback or why the cost is unknown; the model error that ended the query
    price_note: str | None = None
    error: str | None = None
    #: streamed: what starting each call on arrival saved against waiting for the whole turn (None: not
    #: streamed)
    stream_saved_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        d = _shallow(self)
        d["turns"] = [t.to_json() for t in self.turns]
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ModelSession:
        return cls(**{**d, "turns": tuple(TurnSpan.from_json(t) for t in d.get("turns", ()))})


#: what AFC records say of themselves (``note`` in the JSON)
AFC_NOTE = "AFC hides its turns: model_s includes SDK overhead; tokens are the final response's"


@dataclass(frozen=True, slots=True)
class AfcSession:
    """A query through google-genai's AFC: no per-turn spans; ``model_s`` is the wall time not spent in
    the tools (model round-trips and SDK overhead together); tokens are the final response's."""

    kind: ClassVar[str] = "afc"

    mode: str
    n_turns: int
    model_s: float
    tool_s: float
    tokens_in: int
    tokens_out: int
    cost_usd: float | None
    price_model: str
    prices_read_on: str
    #: ``google-genai <version>``
    sdk: str
    failed_calls: int
    missing_calls: int
    status: str = "answered"
    tokens_thoughts: int = 0
    tokens_cached: int = 0
    tokens_tool_prompt: int = 0
    price_note: str | None = None
    error: str | None = None
    unmapped_calls: int = 0

    def to_json(self) -> dict[str, Any]:
        # schema 1's AFC records carry the model session's keys AFC cannot observe, as constants
        d = _shallow(self)
        return {
            "mode": d.pop("mode"),
            "turns": [],
            "n_turns": d.pop("n_turns"),
            "model_s": d.pop("model_s"),
            "tool_s": d.pop("tool_s"),
            "overhead_s": 0.0,
            **{k: d.pop(k) for k in ("tokens_in", "tokens_out", "cost_usd", "price_model", "prices_read_on")},
            "answered": self.status == "answered",
            "sdk": d.pop("sdk"),
            "note": AFC_NOTE,
            **d,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> AfcSession:
        return cls(**{k: v for k, v in d.items() if k not in _AFC_CONSTANTS})


_AFC_CONSTANTS = frozenset({"turns", "overhead_s", "answered", "note"})


@dataclass(frozen=True, slots=True)
class LoadQuery:
    """One query of an open-loop load run: its index (the trial of its plan) and the limiter setting."""

    kind: ClassVar[str] = "load"

    index: int
    limiter: str

    @property
    def mode(self) -> str:
        return ""

    def to_json(self) -> dict[str, Any]:
        return {"load_index": self.index, "limiter": self.limiter}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> LoadQuery:
        return cls(index=int(d["load_index"]), limiter=str(d["limiter"]))


Session = NoSession | ModelSession | AfcSession | LoadQuery


def session_from_json(d: Mapping[str, Any]) -> Session:
    """The typed session of a record's ``session`` object; raises TypeError/KeyError on a bad one."""
    if not d:
        return NO_SESSION
    if "sdk" in d:
        return AfcSession.from_json(d)
    if "load_index" in d:
        return LoadQuery.from_json(d)
    return ModelSession.from_json(d)


def _shallow(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}
