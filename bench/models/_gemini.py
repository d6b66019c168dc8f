"""Thin drivers for Gemini (real or the loopback fake) through the official SDKs, AFC off.

The model's ``functionCall`` parts are handed back as :class:`FunctionCallSpec` so that our own executor
runs them, and the caller hands results back with ``next_turn``. What Gemini 2.5 / 3 responses hold is
kept: the model's content goes back into the history unchanged (thought signatures and call ids with it),
``thought`` parts stay out of the answer, every usage field is read, and a finish reason other than STOP
becomes the ``stop`` of the turn (the session's status).

* :class:`GenaiDriver` — ``google-genai``; sync uses httpx, ``client.aio`` uses aiohttp when installed;
  ``stream=True`` uses ``generate_content_stream`` and reports each call the moment its chunk arrives.
* :class:`LegacyDriver` (``bench.models._legacy``) — the deprecated ``google-generativeai``.

Both are composed with one :class:`~bench.models._retry.Retrier`; errors surface as ``ModelError``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.models._retry import Attempted, Retrier, RetryPolicy, resolve_api_key

ToolDecl = Mapping[str, Any]  # {"name", "description", "parameters": JSON schema}
#: the one default model of pfcbench (CLI, runner, AFC baseline, price table): a current generation model
DEFAULT_MODEL = "gemini-2.5-flash"


@dataclass(frozen=True)
class FunctionCallSpec:
    name: str
    args: Mapping[str, Any]
    id: str | None = None


OnCall = Callable[[FunctionCallSpec], None]


@dataclass(frozen=True)
class FunctionResult:
    """The outcome of one call, sent back as a ``functionResponse`` part.

    ``response`` that is not a mapping is wrapped as ``{"result": response}``
    because Gemini requires ``functionResponse.response`` to be a JSON object.
    """

    name: str
    response: Any
    id: str | None = None

    def response_object(self) -> dict[str, Any]:
        if isinstance(self.response, Mapping):
            return dict(self.response)
        return {"result": self.response}


@dataclass(frozen=True)
class Turn:
    calls: tuple[FunctionCallSpec, ...]
    text: str | None
    input_tokens: int
    output_tokens: int  # candidates only; thoughts are billed as output too (``thoughts_tokens``)
    latency_s: float  # wall time of the successful HTTP round-trip (the whole stream when streaming)
    attempts: int = 1  # HTTP attempts including retried 429/500/503/504
    waited_s: float = 0.0  # total backoff slept before the successful attempt
    thoughts_tokens: int = 0
    cached_tokens: int = 0  # part of input_tokens, billed at the cached rate
    tool_prompt_tokens: int = 0  # tool-use prompt tokens, billed as input
    #: the session status this turn forces (malformed_function_call, safety, max_tokens), else None
    stop: str | None = None
    finish_reason: str | None = None


@dataclass(frozen=True, slots=True)
class GenerationSettings:
    """What a user sets on a Gemini request besides the prompt (flags or a scenario's ``[model]`` table)."""

    system_instruction: str | None = None
    #: function calling mode: AUTO, ANY, NONE or VALIDATED (None: the API's default)
    function_calling: str | None = None
    thinking_budget: int | None = None
    thinking_level: str | None = None
    include_thoughts: bool = False
    temperature: float | None = None

    def thinking(self) -> bool:
        return self.thinking_budget is not None or self.thinking_level is not None or self.include_thoughts

    def as_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) not in (None, False)}


_SAFETY = {"SAFETY", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "RECITATION", "MODEL_ARMOR"}


def stop_status(finish_reason: str | None, block_reason: str | None) -> str | None:
    """The session status a finish (or prompt-block) reason ends the query with; None to go on."""
    if block_reason and block_reason not in ("BLOCKED_REASON_UNSPECIFIED", "BLOCK_REASON_UNSPECIFIED"):
        return "safety"
    if finish_reason in (None, "", "STOP", "FINISH_REASON_UNSPECIFIED"):
        return None
    if finish_reason == "MALFORMED_FUNCTION_CALL":
        return "malformed_function_call"
    if finish_reason == "MAX_TOKENS":
        return "max_tokens"
    if finish_reason in _SAFETY:
        return "safety"
    return "model_error"


def enum_name(value: Any) -> str | None:
    if value is None:
        return None
    name = getattr(value, "name", None)
    return str(name) if name else str(value)


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) else 0


@dataclass
class Raw:
    """One model turn as read from a response or a whole stream, before it becomes a Turn."""

    parts: list[Any] = field(default_factory=list)
    calls: list[FunctionCallSpec] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    usage: Any = None
    finish: str | None = None
    block: str | None = None


def to_turn(raw: Raw, done: Attempted, *, derived_thoughts: bool = False) -> Turn:
    u = raw.usage
    prompt = _int(getattr(u, "prompt_token_count", None))
    cand = _int(getattr(u, "candidates_token_count", None))
    thoughts = _int(getattr(u, "thoughts_token_count", None))
    tool_prompt = _int(getattr(u, "tool_use_prompt_token_count", None))
    if derived_thoughts and not thoughts:
        # the legacy protos have no thoughts field: what the total holds beyond prompt and candidates
        thoughts = max(0, _int(getattr(u, "total_token_count", None)) - prompt - cand)
    return Turn(
        calls=tuple(raw.calls),
        text="".join(raw.texts) if raw.texts else None,
        input_tokens=prompt,
        output_tokens=cand,
        latency_s=done.latency_s,
        attempts=done.attempts,
        waited_s=done.waited_s,
        thoughts_tokens=thoughts,
        cached_tokens=_int(getattr(u, "cached_content_token_count", None)),
        tool_prompt_tokens=tool_prompt,
        stop=stop_status(raw.finish, raw.block),
        finish_reason=raw.finish,
    )


class GenaiDriver:
    """Conversation driver on ``google-genai`` with automatic function calling disabled.

    ``base_url=None`` talks to the real API. The driver owns the history: call ``first_turn`` once, then
    ``next_turn`` with each turn's results. One conversation per instance at a time."""

    def __init__(  # noqa: PLR0913  # keyword-only settings of one client
        self,
        *,
        api_key: str | None = None,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        api_version: str | None = None,
        timeout_s: float = 60.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        settings: GenerationSettings | None = None,
        stream: bool = False,
    ) -> None:
        # Imported lazily: each SDK is an optional extra of pfcbench.
        from google import genai
        from google.genai import types

        key = resolve_api_key(api_key)
        self._retrier = Retrier(retry or RetryPolicy(), sleep, async_sleep, base_url or "the Gemini API", key)
        self._types = types
        self.model = model
        self.settings = settings or GenerationSettings()
        self.stream = stream
        http_options = types.HttpOptions(
            base_url=base_url,
            api_version=api_version,
            timeout=int(timeout_s * 1000),  # milliseconds in google-genai
            # attempts=1: ours is the retry that acts (and honours Retry-After).
            retry_options=types.HttpRetryOptions(attempts=1),
        )
        self._client = genai.Client(api_key=key, http_options=http_options)
        self._config: Any = None
        self._contents: list[Any] = []

    def _make_config(self, tool_decls: Sequence[ToolDecl]) -> Any:
        types, s = self._types, self.settings
        tools = None
        if tool_decls:
            decls = [
                types.FunctionDeclaration(
                    name=d["name"], description=d.get("description"), parameters=d.get("parameters")
                )
                for d in tool_decls
            ]
            tools = [types.Tool(function_declarations=decls)]
        tool_config = None
        if s.function_calling:
            tool_config = types.ToolConfig(
                function_calling_config=types.FunctionCallingConfig(mode=s.function_calling)
            )
        thinking = None
        if s.thinking():
            thinking = types.ThinkingConfig(
                thinking_budget=s.thinking_budget,
                thinking_level=s.thinking_level,
                include_thoughts=s.include_thoughts or None,
            )
        return types.GenerateContentConfig(
            tools=tools,
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
            system_instruction=s.system_instruction,
            tool_config=tool_config,
            thinking_config=thinking,
            temperature=s.temperature,
        )

    def _start(self, query: str, tool_decls: Sequence[ToolDecl]) -> None:
        types = self._types
        self._config = self._make_config(tool_decls)
        self._contents = [types.Content(role="user", parts=[types.Part(text=query)])]

    def _add_results(self, function_results: Sequence[FunctionResult]) -> None:
        if self._config is None:
            raise RuntimeError("next_turn() before first_turn()")
        types = self._types
        parts = [
            types.Part(
                function_response=types.FunctionResponse(id=r.id, name=r.name, response=r.response_object())
            )
            for r in function_results
        ]
        self._contents.append(types.Content(role="user", parts=parts))

    @staticmethod
    def _read(raw: Raw, chunk: Any, on_call: OnCall) -> None:
        """Fold one response (or stream chunk) into ``raw``, reporting each new call at once."""
        raw.usage = chunk.usage_metadata or raw.usage
        feedback = chunk.prompt_feedback
        raw.block = enum_name(getattr(feedback, "block_reason", None)) or raw.block
        for cand in (chunk.candidates or [])[:1]:
            raw.finish = enum_name(cand.finish_reason) or raw.finish
            for part in (cand.content.parts if cand.content is not None else None) or []:
                raw.parts.append(part)
                fc = part.function_call
                if fc is not None:
                    spec = FunctionCallSpec(name=fc.name or "", args=dict(fc.args or {}), id=fc.id)
                    raw.calls.append(spec)
                    on_call(spec)
                elif part.text and not part.thought:
                    raw.texts.append(part.text)

    def _finish(self, raw: Raw, done: Attempted) -> Turn:
        if raw.parts:
            # the model's parts go back unchanged: thought signatures and call ids ride along
            self._contents.append(self._types.Content(role="model", parts=raw.parts))
        return to_turn(raw, done)

    def _kwargs(self) -> dict[str, Any]:
        return {"model": self.model, "contents": self._contents, "config": self._config}

    def _call(self, once: _Once) -> Raw:
        raw = Raw()
        once.restart()
        if not self.stream:
            self._read(raw, self._client.models.generate_content(**self._kwargs()), once)
            return raw
        for chunk in self._client.models.generate_content_stream(**self._kwargs()):
            self._read(raw, chunk, once)
        return raw

    async def _acall(self, once: _Once) -> Raw:
        raw = Raw()
        once.restart()
        if not self.stream:
            self._read(raw, await self._client.aio.models.generate_content(**self._kwargs()), once)
            return raw
        async for chunk in await self._client.aio.models.generate_content_stream(**self._kwargs()):
            self._read(raw, chunk, once)
        return raw

    def first_turn(self, query: str, tool_decls: Sequence[ToolDecl], on_call: OnCall | None = None) -> Turn:
        self._start(query, tool_decls)
        once = _Once(on_call)
        return self._finish(*self._retrier.run(lambda: self._call(once)))

    def next_turn(self, function_results: Sequence[FunctionResult], on_call: OnCall | None = None) -> Turn:
        self._add_results(function_results)
        once = _Once(on_call)
        return self._finish(*self._retrier.run(lambda: self._call(once)))

    async def afirst_turn(
        self, query: str, tool_decls: Sequence[ToolDecl], on_call: OnCall | None = None
    ) -> Turn:
        self._start(query, tool_decls)
        once = _Once(on_call)
        return self._finish(*await self._retrier.arun(lambda: self._acall(once)))

    async def anext_turn(
        self, function_results: Sequence[FunctionResult], on_call: OnCall | None = None
    ) -> Turn:
        self._add_results(function_results)
        once = _Once(on_call)
        return self._finish(*await self._retrier.arun(lambda: self._acall(once)))

    def close(self) -> None:
        self._client.close()

    async def aclose(self) -> None:
        await self._client.aio.aclose()


class _Once:
    """Reports each call position once per turn: a stream retried after its first chunks does not
    dispatch the same call twice."""

    def __init__(self, on_call: OnCall | None) -> None:
        self._on_call = on_call
        self._seen = 0
        self._pos = 0

    def restart(self) -> None:
        self._pos = 0

    def __call__(self, spec: FunctionCallSpec) -> None:
        self._pos += 1
        if self._on_call is not None and self._pos > self._seen:
            self._seen = self._pos
            self._on_call(spec)
