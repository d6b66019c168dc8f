"""Peer baseline: google-genai's *own* automatic function calling (AFC).

This is what a Gemini user gets by default when passing Python functions as
``tools``: the SDK receives the model's parallel ``functionCall`` parts and runs
them itself.  We wrap each callable to record when it starts and ends, so the
report can show whether the SDK overlaps the calls of one turn.

What google-genai 3.4.0 does (read in ``google/genai/_extra_utils.py`` and
measured by ``tests/gemini``): ``get_function_response_parts`` loops over the
parts and invokes each function in turn; the async twin
``get_function_response_parts_async`` awaits each call (sync functions via
``asyncio.to_thread``) before starting the next.  So both paths are
*sequential*: two 0.5 s tools take ≈ 1.0 s.  (The sync path also silently skips
a call whose ``args`` is null.)
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from bench.models._gemini import DEFAULT_MODEL, GenerationSettings
from bench.models._retry import resolve_api_key

__all__ = [
    "AfcRun",
    "CallTiming",
    "make_sleep_tool",
    "run_sdk_afc",
    "run_sdk_afc_async",
    "signature_from_schema",
]

_PY_TYPES: dict[str, Any] = {
    "STRING": str,
    "INTEGER": int,
    "NUMBER": float,
    "BOOLEAN": bool,
    "ARRAY": list,
    "OBJECT": dict,
}


def signature_from_schema(parameters: Any) -> inspect.Signature:
    """A Python signature for a JSON-schema ``parameters`` object, so AFC (which declares a tool from its
    callable's signature) declares what the tool itself declares: required parameters first, optional
    ones keyword-only with a default of None."""
    props = dict((parameters or {}).get("properties") or {})
    required = set((parameters or {}).get("required") or ())
    params = []
    for name, sub in props.items():
        py = _PY_TYPES.get(str((sub or {}).get("type", "string")).upper(), str)
        if name in required:
            params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=py))
        else:
            params.append(
                inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=py | None)
            )
    params.sort(key=lambda p: p.default is not inspect.Parameter.empty)
    return inspect.Signature(params, return_annotation=dict)


@dataclass(frozen=True)
class CallTiming:
    name: str
    start_s: float  # seconds since the run started
    end_s: float
    thread: str


@dataclass(frozen=True)
class AfcRun:
    wall_s: float  # whole generate_content call, model round-trips included
    calls: tuple[CallTiming, ...]  # in start order
    text: str | None
    sdk_version: str

    @property
    def max_overlap(self) -> int:
        """Largest number of calls running at the same instant (1 = sequential)."""
        events = sorted([(c.start_s, 1) for c in self.calls] + [(c.end_s, -1) for c in self.calls])
        best = cur = 0
        for _, step in events:
            cur += step
            best = max(best, cur)
        return best


def make_sleep_tool(name: str, seconds: float) -> Callable[..., dict[str, str]]:
    """A real tool that blocks for ``seconds`` (AFC reads its name, signature and docstring)."""

    def tool(request_id: str) -> dict[str, str]:
        time.sleep(seconds)
        return {"request_id": request_id, "tool": name}

    tool.__name__ = tool.__qualname__ = name
    tool.__doc__ = f"Simulated remote API {name}; takes {seconds} s."
    return tool


class _Recorder:
    def __init__(self, t0: float) -> None:
        self.t0 = t0
        self._lock = threading.Lock()
        self.timings: list[CallTiming] = []

    def add(self, name: str, start: float, end: float) -> None:
        with self._lock:
            self.timings.append(
                CallTiming(name, start - self.t0, end - self.t0, threading.current_thread().name)
            )

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        # functools.wraps keeps __name__, __doc__, __annotations__ and __wrapped__, so the
        # SDK builds the same declaration (inspect.signature follows __wrapped__).
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def awrapper(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    self.add(fn.__name__, start, time.perf_counter())

            return awrapper

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(fn.__name__, start, time.perf_counter())

        return wrapper


def setup_afc(
    tools: Sequence[Callable[..., Any]],
    api_key: str | None,
    base_url: str | None,
    api_version: str | None,
    maximum_remote_calls: int,
    settings: GenerationSettings | None = None,
) -> tuple[Any, Any, _Recorder, str]:
    from google import genai
    from google.genai import types, version

    client = genai.Client(
        api_key=resolve_api_key(api_key),
        http_options=types.HttpOptions(
            base_url=base_url,
            api_version=api_version,
            # the SDK's own retry, as a user switches it on (same attempts as our drivers; it ignores
            # Retry-After and backs off from 1 s): the baseline recovers from a 500 the way a user's would
            retry_options=types.HttpRetryOptions(attempts=4),
        ),
    )
    recorder = _Recorder(time.perf_counter())
    s = settings or GenerationSettings()
    config = types.GenerateContentConfig(
        tools=[recorder.wrap(t) for t in tools],
        # AFC is on by default; say so explicitly so the baseline does not depend on it.
        automatic_function_calling=types.AutomaticFunctionCallingConfig(
            disable=False, maximum_remote_calls=maximum_remote_calls
        ),
        system_instruction=s.system_instruction,
        tool_config=(
            types.ToolConfig(
                function_calling_config=types.FunctionCallingConfig(
                    mode=types.FunctionCallingConfigMode(s.function_calling)
                )
            )
            if s.function_calling
            else None
        ),
        thinking_config=(
            types.ThinkingConfig(
                thinking_budget=s.thinking_budget,
                thinking_level=types.ThinkingLevel(s.thinking_level) if s.thinking_level else None,
                include_thoughts=s.include_thoughts or None,
            )
            if s.thinking()
            else None
        ),
        temperature=s.temperature,
    )
    return client, config, recorder, str(version.__version__)


def _finish(response: Any, wall: float, recorder: _Recorder, sdk_version: str) -> AfcRun:
    texts: list[str] = []
    if response.candidates and response.candidates[0].content is not None:
        texts = [p.text for p in response.candidates[0].content.parts or [] if p.text]
    return AfcRun(
        wall_s=wall,
        calls=tuple(sorted(recorder.timings, key=lambda c: c.start_s)),
        text="".join(texts) if texts else None,
        sdk_version=sdk_version,
    )


class AfcOptions(TypedDict, total=False):
    """The keywords of :func:`run_sdk_afc` and :func:`run_sdk_afc_async`; one left out takes the default
    ``_prepare`` gives it (the process's key, the SDK's base URL and API version, ``DEFAULT_MODEL``, 10
    remote calls)."""

    base_url: str | None
    api_key: str | None
    model: str
    api_version: str | None
    maximum_remote_calls: int


def _prepare(tools: Sequence[Callable[..., Any]], opts: AfcOptions) -> tuple[Any, Any, _Recorder, str, str]:
    """Client, config, recorder and SDK version of one AFC run, and the model to ask: all but the I/O."""
    client, config, recorder, sdk_version = setup_afc(
        tools,
        opts.get("api_key"),
        opts.get("base_url"),
        opts.get("api_version"),
        opts.get("maximum_remote_calls", 10),
    )
    return client, config, recorder, sdk_version, opts.get("model", DEFAULT_MODEL)


def run_sdk_afc(tools: Sequence[Callable[..., Any]], query: str, **opts: Unpack[AfcOptions]) -> AfcRun:
    """One chat ``send_message`` with AFC on; returns wall and per-call times."""
    client, config, recorder, sdk_version, model = _prepare(tools, opts)
    try:
        t0 = recorder.t0 = time.perf_counter()
        # Chat.send_message is the SDK's recommended AFC entry (models.generate_content
        # with AFC logs a "not recommended" warning); both run the same AFC loop.
        response = client.chats.create(model=model, config=config).send_message(query)
        wall = time.perf_counter() - t0
    finally:
        client.close()
    return _finish(response, wall, recorder, sdk_version)


async def run_sdk_afc_async(
    tools: Sequence[Callable[..., Any]], query: str, **opts: Unpack[AfcOptions]
) -> AfcRun:
    """Same through ``client.aio`` (the SDK's async AFC)."""
    client, config, recorder, sdk_version, model = _prepare(tools, opts)
    try:
        t0 = recorder.t0 = time.perf_counter()
        response = await client.aio.chats.create(model=model, config=config).send_message(query)
        wall = time.perf_counter() - t0
    finally:
        await client.aio.aclose()
        client.close()
    return _finish(response, wall, recorder, sdk_version)
