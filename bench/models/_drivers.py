"""Model drivers behind one protocol: who decides which calls come in which turn, and how long a turn takes.

``simulated`` is a scripted model with a latency distribution; ``gemini``/``gemini-legacy`` adapt the SDK
drivers of ``bench.models._gemini``; ``replay`` plays back a cassette written by :class:`RecordingModel`.
"""

from __future__ import annotations

import json
import math
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, Protocol

from bench.models._gemini import (
    DEFAULT_MODEL,
    FunctionCallSpec,
    FunctionResult,
    GenerationSettings,
    OnCall,
    ToolDecl,
    Turn,
)
from bench.models._retry import ModelError
from scenarios import CallSpec, Constant, Latency

ModelMode = Literal["parallel", "sequential", "dependent"]
MODEL_MODES: tuple[ModelMode, ...] = ("parallel", "sequential", "dependent")
MODEL_NAMES = ("none", "simulated", "gemini", "gemini-legacy", "replay")
CASSETTE_VERSION = 2
#: the usual rule of thumb for English and JSON; the fake server uses the same
CHARS_PER_TOKEN = 4.0

Sleep = Callable[[float], None]


#: A call of the plan as a scripted model sees it: the scenario's own call, what to ask for and what it must
#: wait for.
ScriptedCall = CallSpec


@dataclass(frozen=True, slots=True)
class QueryContext:
    """Where a conversation belongs: keys the cassette and seeds the simulated model's draws."""

    scenario: str
    trial: int
    seed: int
    executor: str
    mode: str
    time_scale: float
    #: the scenario's fingerprint: a cassette recorded under another one is refused
    scenario_hash: str = ""


@dataclass(frozen=True, slots=True)
class Opening:
    """What a conversation opens with: the user's query, the tools declared to the model, the plan's calls
    (only a scripted model reads them) and where the conversation belongs."""

    query: str
    tools: Sequence[ToolDecl]
    script: Sequence[ScriptedCall]
    ctx: QueryContext

    def asked(self) -> dict[str, Any]:
        """What a cassette keeps of the opening, and what a replay must be asked again."""
        return {
            "scenario_hash": self.ctx.scenario_hash,
            "declarations": list(self.tools),
            "prompt": self.query,
        }


class ModelDriver(Protocol):
    """One conversation at a time: ``first_turn`` starts it, ``next_turn`` answers the calls of the last turn.
    A turn with no calls ends the conversation. ``Turn.latency_s`` is what the driver itself saw (the HTTP
    round-trip, or the simulated think time); the session times every turn with its own clock as well.
    ``on_call``, when the driver streams, is told of each call the moment it arrives (before the turn
    returns); a driver that does not stream may ignore it."""

    @property
    def name(self) -> str: ...

    def first_turn(self, opening: Opening, on_call: OnCall | None = None) -> Turn: ...

    def next_turn(self, results: Sequence[FunctionResult], on_call: OnCall | None = None) -> Turn: ...

    def close(self) -> None: ...


def estimate_tokens(n_chars: int) -> int:
    return max(1, math.ceil(n_chars / CHARS_PER_TOKEN))


def turn_waves(script: Sequence[ScriptedCall], mode: str) -> list[list[ScriptedCall]]:
    """The calls of each model turn. ``parallel``: every call in one turn (the executor sees their
    ``after``); ``sequential``: one call per turn, the document's upper diagram; ``dependent``: a call comes
    in the first turn after every call it needs has returned (waves of the dependency DAG)."""
    if not script:
        return []
    if mode == "parallel":
        return [list(script)]
    if mode == "sequential":
        return [[c] for c in script]
    if mode == "dependent":
        depth: dict[str, int] = {}

        def level(c: ScriptedCall) -> int:
            if c.id not in depth:
                by_id = {s.id: s for s in script}
                depth[c.id] = 1 + max((level(by_id[a]) for a in c.after if a in by_id), default=-1)
            return depth[c.id]

        waves: list[list[ScriptedCall]] = [[] for _ in range(1 + max(level(c) for c in script))]
        for c in script:
            waves[level(c)].append(c)
        return waves
    raise ValueError(f"unknown model mode {mode!r}; choose one of {', '.join(MODEL_MODES)}")


def _call_json(calls: Sequence[FunctionCallSpec]) -> str:
    return json.dumps([{"functionCall": {"name": c.name, "args": dict(c.args)}} for c in calls])


@dataclass(frozen=True, slots=True)
class SimulatedParams:
    """A model turn takes ``ttft`` (document ms, drawn per turn) plus its output tokens at
    ``tokens_per_s`` (``inf``: no generation time), all multiplied by ``time_scale``."""

    ttft: Latency = field(default_factory=lambda: Constant(400.0))
    tokens_per_s: float = 200.0
    #: tokens of the final text answer
    answer_tokens: int = 60

    def turn_ms(self, ttft_ms: float, out_tokens: int) -> float:
        gen = 0.0 if math.isinf(self.tokens_per_s) else out_tokens / self.tokens_per_s * 1000
        return ttft_ms + gen


class SimulatedModel:
    """A scripted model: emits the plan's calls in the turns its mode says, then a text answer. Its turns
    sleep ``params``' latency through the injected ``sleep``.

    Input tokens are the conversation so far (query, declarations, every earlier call and result), output
    tokens the calls or answer it emits: the same size estimate the fake Gemini server uses. Draws come from
    (seed, trial, scenario), so every executor in a trial sees the same model."""

    def __init__(
        self,
        mode: ModelMode | None = "parallel",
        params: SimulatedParams | None = None,
        *,
        time_scale: float = 1.0,
        sleep: Sleep = time.sleep,
    ) -> None:
        if mode is not None:
            turn_waves((), mode)  # validate the mode now
        #: None: take each conversation's mode from its QueryContext (one driver for a run of several modes)
        self.mode = mode
        self.params = params or SimulatedParams()
        self.time_scale = time_scale
        self._sleep = sleep
        self._waves: list[list[ScriptedCall]] = []
        self._turn = 0
        self._history_chars = 0
        self._ttft: list[float] = []

    @property
    def name(self) -> str:
        return "simulated"

    def first_turn(self, opening: Opening, on_call: OnCall | None = None) -> Turn:
        ctx = opening.ctx
        self._waves = turn_waves(opening.script, self.mode or ctx.mode)
        self._turn = 0
        self._history_chars = len(opening.query) + len(json.dumps(list(opening.tools)))
        salt = zlib.crc32(ctx.scenario.encode())
        import numpy as np  # on first use: `pfcbench list` and `--help` load this module without numpy

        rng = np.random.default_rng(np.random.SeedSequence([ctx.seed, ctx.trial, salt, 0x30DE1]))
        self._ttft = [float(x) for x in self.params.ttft.sample(rng, len(self._waves) + 1)]
        return self._emit()

    def next_turn(self, results: Sequence[FunctionResult], on_call: OnCall | None = None) -> Turn:
        self._history_chars += len(
            json.dumps(
                [{"functionResponse": {"name": r.name, "response": r.response_object()}} for r in results]
            )
        )
        return self._emit()

    def _emit(self) -> Turn:
        tokens_in = estimate_tokens(self._history_chars)
        if self._turn < len(self._waves):
            calls = tuple(
                FunctionCallSpec(name=c.tool, args=dict(c.args), id=None) for c in self._waves[self._turn]
            )
            text: str | None = None
            out_chars = len(_call_json(calls))
            tokens_out = estimate_tokens(out_chars)
        else:
            calls, text = (), "Done."
            tokens_out = self.params.answer_tokens
            out_chars = tokens_out * int(CHARS_PER_TOKEN)
        ttft = self._ttft[min(self._turn, len(self._ttft) - 1)]
        latency = self.params.turn_ms(ttft, tokens_out) / 1000 * self.time_scale
        self._sleep(latency)
        self._history_chars += out_chars
        self._turn += 1
        return Turn(
            calls=calls, text=text, input_tokens=tokens_in, output_tokens=tokens_out, latency_s=latency
        )

    def close(self) -> None:
        pass


class _SdkDriver(Protocol):
    def first_turn(
        self, query: str, tool_decls: Sequence[ToolDecl], on_call: OnCall | None = None
    ) -> Turn: ...
    def next_turn(
        self, function_results: Sequence[FunctionResult], on_call: OnCall | None = None
    ) -> Turn: ...
    async def afirst_turn(
        self, query: str, tool_decls: Sequence[ToolDecl], on_call: OnCall | None = None
    ) -> Turn: ...
    async def anext_turn(
        self, function_results: Sequence[FunctionResult], on_call: OnCall | None = None
    ) -> Turn: ...
    def close(self) -> None: ...


class GeminiModel:
    """Live Gemini (or the loopback fake) through one of the SDK drivers; the script is not shown to it —
    the model decides the turns itself from the prompt and the tools' declarations. ``has_async``: the
    asyncio executors drive it through its async client (``client.aio``)."""

    def __init__(self, driver: _SdkDriver, name: str, *, has_async: bool = True) -> None:
        self._driver = driver
        self._name = name
        self.has_async = has_async

    @property
    def name(self) -> str:
        return self._name

    def first_turn(self, opening: Opening, on_call: OnCall | None = None) -> Turn:
        return self._driver.first_turn(opening.query, opening.tools, on_call)

    def next_turn(self, results: Sequence[FunctionResult], on_call: OnCall | None = None) -> Turn:
        return self._driver.next_turn(results, on_call)

    async def afirst_turn(self, opening: Opening, on_call: OnCall | None = None) -> Turn:
        return await self._driver.afirst_turn(opening.query, opening.tools, on_call)

    async def anext_turn(self, results: Sequence[FunctionResult], on_call: OnCall | None = None) -> Turn:
        return await self._driver.anext_turn(results, on_call)

    def close(self) -> None:
        self._driver.close()


def make_gemini_model(
    name: Literal["gemini", "gemini-legacy"],
    *,
    model: str = DEFAULT_MODEL,
    base_url: str | None,
    settings: GenerationSettings | None = None,
    stream: bool = False,
    api_key: str | None = None,
) -> GeminiModel:
    """Build a live driver; raises ``ModelError`` before anything is sent when no key is set, or when the
    legacy SDK cannot drive ``model``. AFC is off in both drivers: our executor runs the calls."""
    import os

    from bench.models._gemini import GenaiDriver
    from bench.models._legacy import LegacyDriver, check_legacy_model

    if name == "gemini":
        # google-genai reads GOOGLE_GEMINI_BASE_URL itself when base_url is None
        driver = GenaiDriver(
            model=model, base_url=base_url, settings=settings, stream=stream, api_key=api_key
        )
        return GeminiModel(driver, name)
    check_legacy_model(model, settings or GenerationSettings())
    if stream:
        raise ModelError(
            "unsupported", "--stream uses google-genai's generate_content_stream: use --model gemini"
        )
    # the legacy SDK knows no such variable: honour it here so both SDKs point at the same place
    url = base_url or os.environ.get("GOOGLE_GEMINI_BASE_URL") or None
    legacy = LegacyDriver(model=model, base_url=url, settings=settings, api_key=api_key)
    # its async client is gRPC-only: asyncio executors run its sync calls (and ours) as before
    return GeminiModel(legacy, name, has_async=False)


# -- record and replay ----------------------------------------------------------------------------

#: Turn fields a cassette line keeps (besides calls and text)
_TURN_FIELDS = {
    "tokens_in": "input_tokens",
    "tokens_out": "output_tokens",
    "tokens_thoughts": "thoughts_tokens",
    "tokens_cached": "cached_tokens",
    "tokens_tool_prompt": "tool_prompt_tokens",
    "latency_s": "latency_s",
    "attempts": "attempts",
    "waited_s": "waited_s",
    "stop": "stop",
    "finish_reason": "finish_reason",
}


def _turn_json(ctx: QueryContext, index: int, turn: Turn, model: str) -> dict[str, Any]:
    return {
        "cassette": CASSETTE_VERSION,
        "model": model,
        "scenario": ctx.scenario,
        "trial": ctx.trial,
        "executor": ctx.executor,
        "mode": ctx.mode,
        "turn": index,
        "calls": [{"name": c.name, "args": dict(c.args), "id": c.id} for c in turn.calls],
        "text": turn.text,
        **{k: getattr(turn, attr) for k, attr in _TURN_FIELDS.items()},
    }


def _turn_of(d: Mapping[str, Any], latency: float) -> Turn:
    kw: dict[str, Any] = {attr: d.get(k) for k, attr in _TURN_FIELDS.items() if d.get(k) is not None}
    kw["latency_s"] = latency
    return Turn(
        calls=tuple(
            FunctionCallSpec(name=str(c["name"]), args=dict(c.get("args") or {}), id=c.get("id"))
            for c in d["calls"]
        ),
        text=d.get("text"),
        **{"input_tokens": 0, "output_tokens": 0, **kw},
    )


class RecordingModel:
    """Wraps a driver and appends every turn to a JSONL cassette (flushed per line). The first turn of a
    conversation also stores what it was asked under: scenario hash, declarations, prompt and executor, so a
    replay of something else is refused. Never a key: nothing in a Turn or a declaration carries one."""

    def __init__(self, inner: ModelDriver, path: Path) -> None:
        self._inner = inner
        self._fh: IO[str] = path.open("a", encoding="utf-8")
        self._ctx: QueryContext | None = None
        self._index = 0
        self._asked: dict[str, Any] = {}
        # a session drives one conversation at a time on either path, so lines stay in turn order; the
        # asyncio executors keep the async client (client.aio) they would use unrecorded
        self.has_async = bool(getattr(inner, "has_async", False))

    @property
    def name(self) -> str:
        return self._inner.name

    def _write(self, turn: Turn) -> Turn:
        assert self._ctx is not None
        line = _turn_json(self._ctx, self._index, turn, self._inner.name)
        if self._index == 0:
            line.update(self._asked)
        self._fh.write(json.dumps(line) + "\n")
        self._fh.flush()
        self._index += 1
        return turn

    def first_turn(self, opening: Opening, on_call: OnCall | None = None) -> Turn:
        self._ctx, self._index = opening.ctx, 0
        self._asked = opening.asked()
        return self._write(self._inner.first_turn(opening, on_call))

    def next_turn(self, results: Sequence[FunctionResult], on_call: OnCall | None = None) -> Turn:
        return self._write(self._inner.next_turn(results, on_call))

    async def afirst_turn(self, opening: Opening, on_call: OnCall | None = None) -> Turn:
        self._ctx, self._index = opening.ctx, 0
        self._asked = opening.asked()
        inner: Any = self._inner  # has_async: it has the async twins
        return self._write(await inner.afirst_turn(opening, on_call))

    async def anext_turn(self, results: Sequence[FunctionResult], on_call: OnCall | None = None) -> Turn:
        inner: Any = self._inner
        return self._write(await inner.anext_turn(results, on_call))

    def close(self) -> None:
        self._fh.close()
        self._inner.close()


class CassetteError(ValueError):
    """A cassette that cannot be replayed as asked; one line for the user."""


class ReplayModel:
    """Plays back a cassette: the recorded calls, text and usage of each turn, after the recorded latency
    (``latency="zero"``: at once). A conversation is found by (scenario, trial, executor, mode) and must
    have been recorded under the same scenario hash, declarations and prompt."""

    def __init__(
        self, path: Path, *, latency: Literal["recorded", "zero"] = "recorded", sleep: Sleep = time.sleep
    ) -> None:
        self.path = path
        self._latency = latency
        self._sleep = sleep
        self._convs: dict[tuple[str, int, str, str], list[dict[str, Any]]] = {}
        self.recorded_model = ""
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CassetteError(f"`cassette` {path}: cannot read it ({exc.strerror})") from None
        for i, line in enumerate(lines, 1):
            if line.strip():
                key, d = self._parse(line, i)
                self._convs.setdefault(key, []).append(d)
        if not self._convs:
            raise CassetteError(f"`cassette` {path}: holds no turns")
        self._turns: list[dict[str, Any]] = []
        self._next = 0

    def _parse(self, line: str, i: int) -> tuple[tuple[str, int, str, str], dict[str, Any]]:
        where = f"`cassette` {self.path}:{i}"
        try:
            d = json.loads(line)
            if d.get("cassette") != CASSETTE_VERSION:
                raise CassetteError(
                    f"{where}: version {d.get('cassette')!r} is not {CASSETTE_VERSION} (record it again)"
                )
            key = (str(d["scenario"]), int(d["trial"]), str(d["executor"]), str(d["mode"]))
            self.recorded_model = str(d.get("model", ""))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, CassetteError):
                raise
            raise CassetteError(f"{where}: not a cassette line ({exc})") from None
        return key, d

    @property
    def name(self) -> str:
        return "replay"

    def check_run(self, scenario_hashes: Mapping[str, str], executors: Sequence[str]) -> None:
        """Before anything runs: every (scenario, executor) asked for was recorded, under the same hash."""
        recorded = {(k[0], k[2]) for k in self._convs}
        hashes = {k[0]: str(v[0].get("scenario_hash", "")) for k, v in self._convs.items() if v}
        for name, h in scenario_hashes.items():
            if name in hashes and hashes[name] != h:
                raise CassetteError(
                    f"`cassette` {self.path}: scenario {name!r} was recorded with hash {hashes[name]}, "
                    f"this run's is {h}"
                )
            for ex in executors:
                if (name, ex) not in recorded:
                    raise CassetteError(
                        f"`cassette` {self.path}: no recording of scenario {name!r} with executor {ex!r}"
                    )

    def first_turn(self, opening: Opening, on_call: OnCall | None = None) -> Turn:
        ctx = opening.ctx
        key = (ctx.scenario, ctx.trial, ctx.executor, ctx.mode)
        turns = self._convs.get(key)
        if turns is None:
            raise CassetteError(
                f"`cassette` {self.path}: no recording of scenario {ctx.scenario!r} trial {ctx.trial} "
                f"executor {ctx.executor!r} mode {ctx.mode!r}"
            )
        self._turns = sorted(turns, key=lambda d: int(d["turn"]))
        head = self._turns[0]
        for k, v in opening.asked().items():
            if json.loads(json.dumps(v)) != head.get(k):
                raise CassetteError(
                    f"`cassette` {self.path}: {k} of scenario {ctx.scenario!r} differs from the recording"
                )
        self._next = 0
        return self._play()

    def next_turn(self, results: Sequence[FunctionResult], on_call: OnCall | None = None) -> Turn:
        return self._play()

    def _play(self) -> Turn:
        if self._next >= len(self._turns):
            # the recording ended (max_turns, or an error): end the conversation here too
            return Turn(calls=(), text=None, input_tokens=0, output_tokens=0, latency_s=0.0)
        d = self._turns[self._next]
        self._next += 1
        latency = float(d["latency_s"]) if self._latency == "recorded" else 0.0
        self._sleep(latency)
        return _turn_of(d, latency)

    def close(self) -> None:
        pass
