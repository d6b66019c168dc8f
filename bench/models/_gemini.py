"""Thin drivers for Gemini (real or the loopback fake) through the official SDKs.

Both drivers turn *automatic function calling off*: the model's ``functionCall``
parts are handed back to the caller as :class:`FunctionCallSpec` so that our own
executor runs them, and the caller hands results back with :meth:`next_turn`.

* :class:`GenaiDriver` — ``google-genai`` (tested with 3.4.0; sync uses httpx, the
  ``client.aio`` path uses aiohttp when installed).
* :class:`LegacyDriver` — ``google-generativeai`` (deprecated; tested with 0.8.6,
  REST transport).  Its async client is gRPC-only, so async = sync in a thread.

Retries: the SDKs' own retries are switched off (google-genai
``HttpRetryOptions(attempts=1)``; legacy ``request_options={"retry": None}``)
because neither honours ``Retry-After`` and google-genai's async path would
otherwise sleep 1–10 s on a refused connection.  Ours retries 429/503 with
exponential backoff, using ``Retry-After`` (or Google's ``RetryInfo.retryDelay``)
when the server gives one.

Errors surface as :class:`ModelError` with a ``kind`` and a one-line message
that never contains the API key.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

__all__ = [
    "ErrorKind",
    "FunctionCallSpec",
    "FunctionResult",
    "GenaiDriver",
    "LegacyDriver",
    "ModelError",
    "RetryPolicy",
    "ToolDecl",
    "Turn",
    "resolve_api_key",
]

ErrorKind = Literal["missing_key", "invalid_key", "quota", "unreachable", "server"]
ToolDecl = Mapping[str, Any]  # {"name", "description", "parameters": JSON schema}
T = TypeVar("T")

DEFAULT_MODEL = "gemini-2.0-flash"
_KEY_ENV_VARS = ("GOOGLE_API_KEY", "GEMINI_API_KEY")  # google-genai's own precedence


class ModelError(Exception):
    """A model call failed; ``kind`` says why, ``str()`` is one key-free line."""

    def __init__(self, kind: ErrorKind, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.status = status
        self.message = message

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@dataclass(frozen=True)
class FunctionCallSpec:
    name: str
    args: Mapping[str, Any]
    id: str | None = None


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
    output_tokens: int
    latency_s: float  # wall time of the successful HTTP round-trip
    attempts: int = 1  # HTTP attempts including retried 429/503
    waited_s: float = 0.0  # total backoff slept before the successful attempt


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff for 429/503; ``Retry-After`` wins when present."""

    max_attempts: int = 4
    base_delay_s: float = 1.0
    multiplier: float = 2.0
    max_delay_s: float = 60.0
    retry_unavailable: bool = True  # also retry 503 (overloaded)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay_s)
        return min(self.base_delay_s * self.multiplier ** (attempt - 1), self.max_delay_s)


def resolve_api_key(api_key: str | None = None) -> str:
    """Explicit key, else ``GOOGLE_API_KEY``, else ``GEMINI_API_KEY``; else ModelError."""
    if api_key:
        return api_key.strip()
    for var in _KEY_ENV_VARS:
        value = os.environ.get(var, "").strip()
        if value:
            return value
    raise ModelError("missing_key", "no API key: set GEMINI_API_KEY or GOOGLE_API_KEY (or pass api_key)")


# -- error classification ----------------------------------------------------------------------

_CONNECT_NAMES = {
    "ConnectError",
    "ConnectionError",
    "ClientConnectorError",
    "ClientConnectionError",
    "ServerDisconnectedError",
    "NetworkError",
    "RemoteProtocolError",
    "ConnectTimeout",
    "ReadTimeout",
    "TimeoutException",
    "TimeoutError",
    "ServerTimeoutError",
    "NewConnectionError",
    "MaxRetryError",
}


class _Retryable(Exception):
    """Internal: a 429/503 with the server's suggested delay."""

    def __init__(self, error: ModelError, retry_after: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def _scrub(text: str, secret: str | None) -> str:
    text = " ".join(text.split())  # one line
    if secret:
        text = text.replace(secret, "***")
    # Belt and braces: anything shaped like a Google API key or a key= query param.
    text = re.sub(r"AIza[0-9A-Za-z_\-]{10,}", "***", text)
    text = re.sub(r"([?&;]key=)[^&\s]+", r"\1***", text)
    return text[:300]


def _header(response: Any, name: str) -> str | None:
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        value = headers.get(name)
    except Exception:  # pragma: no cover - exotic header containers
        return None
    return str(value) if value is not None else None


def _retry_after(response: Any, details: Any) -> float | None:
    raw = _header(response, "Retry-After")
    if raw:
        try:
            return float(raw)
        except ValueError:
            pass  # HTTP-date form: fall through to RetryInfo / backoff
    # Real Gemini puts the hint in google.rpc.RetryInfo ("retryDelay": "7s").
    text = repr(details) if details is not None else ""
    m = re.search(r"retryDelay'?\"?\s*:\s*'?\"?([0-9.]+)s", text)
    return float(m.group(1)) if m else None


def _classify_status(status: int, message: str, endpoint: str) -> ModelError:
    if status in (400, 401, 403) and (
        status != 400 or "api key" in message.lower() or "api_key" in message.lower()
    ):
        return ModelError(
            "invalid_key", f"API key rejected by {endpoint} (HTTP {status}): {message}", status=status
        )
    if status == 429:
        return ModelError("quota", f"quota exhausted at {endpoint} (HTTP 429): {message}", status=status)
    return ModelError("server", f"{endpoint} answered HTTP {status}: {message}", status=status)


def _is_connect_error(exc: BaseException) -> bool:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ConnectionError | TimeoutError):
            return True
        if any(cls.__name__ in _CONNECT_NAMES for cls in type(cur).__mro__):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def _parse_status_error(exc: BaseException) -> tuple[int, str, Any, Any] | None:
    """(status, message, response, details) for either SDK's HTTP error, else None."""
    code = getattr(exc, "code", None)
    if isinstance(code, int) and 100 <= code <= 599:
        # google-genai APIError: .message/.details; api_core: .message/.details/.errors
        message = getattr(exc, "message", None) or str(exc)
        return code, str(message), getattr(exc, "response", None), getattr(exc, "details", None)
    return None


class Retrier:
    """Shared retry loop; subclasses provide one HTTP attempt."""

    def __init__(
        self,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        async_sleep: Callable[[float], Awaitable[None]],
        endpoint: str,
        secret: str,
    ) -> None:
        self.retry = retry
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._endpoint = endpoint
        self._secret = secret

    def _translate(self, exc: BaseException) -> ModelError | _Retryable:
        if isinstance(exc, ModelError):
            return exc
        parsed = _parse_status_error(exc)
        if parsed is not None:
            status, message, response, details = parsed
            err = _classify_status(status, _scrub(message, self._secret), self._endpoint)
            if status == 429 or (status == 503 and self.retry.retry_unavailable):
                return _Retryable(err, _retry_after(response, details))
            return err
        if _is_connect_error(exc):
            return ModelError(
                "unreachable",
                f"cannot reach {self._endpoint}: {type(exc).__name__}: {_scrub(str(exc), self._secret)}",
            )
        return ModelError("server", f"{type(exc).__name__}: {_scrub(str(exc), self._secret)}")

    def _run(self, attempt_fn: Callable[[], T]) -> tuple[T, float, int, float]:
        waited = 0.0
        for attempt in range(1, self.retry.max_attempts + 1):
            t0 = time.perf_counter()
            try:
                result = attempt_fn()
            except Exception as exc:
                outcome = self._translate(exc)
                if isinstance(outcome, ModelError):
                    raise outcome from None  # the SDK exception may carry request details
                if attempt >= self.retry.max_attempts:
                    raise self._exhausted(outcome, attempt) from None
                delay = self.retry.delay(attempt, outcome.retry_after)
                self._sleep(delay)
                waited += delay
                continue
            return result, time.perf_counter() - t0, attempt, waited
        raise AssertionError("unreachable")  # pragma: no cover

    async def _arun(self, attempt_fn: Callable[[], Awaitable[T]]) -> tuple[T, float, int, float]:
        waited = 0.0
        for attempt in range(1, self.retry.max_attempts + 1):
            t0 = time.perf_counter()
            try:
                result = await attempt_fn()
            except Exception as exc:
                outcome = self._translate(exc)
                if isinstance(outcome, ModelError):
                    raise outcome from None
                if attempt >= self.retry.max_attempts:
                    raise self._exhausted(outcome, attempt) from None
                delay = self.retry.delay(attempt, outcome.retry_after)
                await self._async_sleep(delay)
                waited += delay
                continue
            return result, time.perf_counter() - t0, attempt, waited
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _exhausted(outcome: _Retryable, attempts: int) -> ModelError:
        err = outcome.error
        return ModelError(err.kind, f"{err.message} (gave up after {attempts} attempts)", status=err.status)


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) else 0


# -- google-genai --------------------------------------------------------------------------------


@dataclass
class _History:
    contents: list[Any] = field(default_factory=list)


class GenaiDriver(Retrier):
    """Conversation driver on ``google-genai`` with automatic function calling disabled.

    ``base_url=None`` talks to the real API.  The driver owns the history: call
    :meth:`first_turn` once, then :meth:`next_turn` with each turn's results.
    Not safe for concurrent use of one instance (one conversation per driver).
    """

    def __init__(
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
    ) -> None:
        # Imported lazily: each SDK is an optional extra of pfcbench.
        from google import genai
        from google.genai import types

        key = resolve_api_key(api_key)
        super().__init__(retry or RetryPolicy(), sleep, async_sleep, base_url or "the Gemini API", key)
        self._types = types
        self.model = model
        http_options = types.HttpOptions(
            base_url=base_url,
            api_version=api_version,
            timeout=int(timeout_s * 1000),  # milliseconds in google-genai
            # attempts=1: ours is the retry that acts (and honours Retry-After).
            retry_options=types.HttpRetryOptions(attempts=1),
        )
        self._client = genai.Client(api_key=key, http_options=http_options)
        self._config: Any = None
        self._history = _History()

    @property
    def contents(self) -> list[Any]:
        """The conversation so far (``types.Content`` objects)."""
        return list(self._history.contents)

    def _make_config(self, tool_decls: Sequence[ToolDecl]) -> Any:
        types = self._types
        tools = None
        if tool_decls:
            decls = [
                types.FunctionDeclaration(
                    name=d["name"], description=d.get("description"), parameters=d.get("parameters")
                )
                for d in tool_decls
            ]
            tools = [types.Tool(function_declarations=decls)]
        return types.GenerateContentConfig(
            tools=tools,
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        )

    def _start(self, query: str, tool_decls: Sequence[ToolDecl]) -> None:
        types = self._types
        self._config = self._make_config(tool_decls)
        self._history.contents = [types.Content(role="user", parts=[types.Part(text=query)])]

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
        self._history.contents.append(types.Content(role="user", parts=parts))

    def _to_turn(self, response: Any, latency: float, attempts: int, waited: float) -> Turn:
        calls: list[FunctionCallSpec] = []
        texts: list[str] = []
        candidates = response.candidates or []
        if candidates and candidates[0].content is not None:
            content = candidates[0].content
            self._history.contents.append(content)
            for part in content.parts or []:
                fc = part.function_call
                if fc is not None:
                    calls.append(FunctionCallSpec(name=fc.name or "", args=dict(fc.args or {}), id=fc.id))
                elif part.text:
                    texts.append(part.text)
        usage = response.usage_metadata
        return Turn(
            calls=tuple(calls),
            text="".join(texts) if texts else None,
            input_tokens=_int(getattr(usage, "prompt_token_count", None)),
            output_tokens=_int(getattr(usage, "candidates_token_count", None)),
            latency_s=latency,
            attempts=attempts,
            waited_s=waited,
        )

    def _call(self) -> Any:
        return self._client.models.generate_content(
            model=self.model, contents=self._history.contents, config=self._config
        )

    async def _acall(self) -> Any:
        return await self._client.aio.models.generate_content(
            model=self.model, contents=self._history.contents, config=self._config
        )

    def first_turn(self, query: str, tool_decls: Sequence[ToolDecl]) -> Turn:
        self._start(query, tool_decls)
        return self._to_turn(*self._run(self._call))

    def next_turn(self, function_results: Sequence[FunctionResult]) -> Turn:
        self._add_results(function_results)
        return self._to_turn(*self._run(self._call))

    async def afirst_turn(self, query: str, tool_decls: Sequence[ToolDecl]) -> Turn:
        self._start(query, tool_decls)
        return self._to_turn(*await self._arun(self._acall))

    async def anext_turn(self, function_results: Sequence[FunctionResult]) -> Turn:
        self._add_results(function_results)
        return self._to_turn(*await self._arun(self._acall))

    def close(self) -> None:
        self._client.close()

    async def aclose(self) -> None:
        await self._client.aio.aclose()


# -- google-generativeai (legacy) -------------------------------------------------------------


class LegacyDriver(Retrier):
    """Same interface on the deprecated ``google-generativeai`` SDK (REST transport).

    ``genai.configure`` is process-global; to let several drivers (e.g. a fake
    server per test) coexist, each driver configures its own client manager, the
    object ``genai.configure`` configures, and gives its client to its model.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        timeout_s: float = 60.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        key = resolve_api_key(api_key)
        super().__init__(retry or RetryPolicy(), sleep, async_sleep, base_url or "the Gemini API", key)
        with warnings.catch_warnings():
            # Importing the deprecated SDK emits FutureWarnings (package end of life,
            # Python version support); they are expected here and nowhere else.
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            import google.generativeai as legacy
            from google.generativeai import client as legacy_client
            from google.generativeai import protos

        # Typed as Any: the legacy SDK's partial annotations would need per-version ignores.
        self._legacy: Any = legacy
        self._protos = protos
        self.model = model
        self._timeout_s = timeout_s
        client_options = {"api_endpoint": base_url} if base_url else None
        manager: Any = legacy_client._ClientManager()
        manager.configure(api_key=key, transport="rest", client_options=client_options)
        self._client = manager.make_client("generative")
        self._gen_model: Any = None
        self._contents: list[Any] = []

    @property
    def contents(self) -> list[Any]:
        return list(self._contents)

    def _start(self, query: str, tool_decls: Sequence[ToolDecl]) -> None:
        tools = None
        if tool_decls:
            tools = [
                {
                    "function_declarations": [
                        {
                            "name": d["name"],
                            "description": d.get("description", ""),
                            **({"parameters": d["parameters"]} if d.get("parameters") else {}),
                        }
                        for d in tool_decls
                    ]
                }
            ]
        self._gen_model = self._legacy.GenerativeModel(self.model, tools=tools)
        self._gen_model._client = self._client  # see the class docstring
        self._contents = [self._protos.Content(role="user", parts=[self._protos.Part(text=query)])]

    def _add_results(self, function_results: Sequence[FunctionResult]) -> None:
        if self._gen_model is None:
            raise RuntimeError("next_turn() before first_turn()")
        protos = self._protos
        # protos.FunctionResponse in this SDK version has no ``id`` field: ids are dropped.
        parts = [
            protos.Part(function_response=protos.FunctionResponse(name=r.name, response=r.response_object()))
            for r in function_results
        ]
        self._contents.append(protos.Content(role="user", parts=parts))

    def _call(self) -> Any:
        return self._gen_model.generate_content(
            self._contents,
            # retry=None disables api_core's default retry (503 for up to 600 s).
            request_options={"retry": None, "timeout": self._timeout_s},
        )

    def _to_turn(self, response: Any, latency: float, attempts: int, waited: float) -> Turn:
        calls: list[FunctionCallSpec] = []
        texts: list[str] = []
        if response.candidates:
            content = response.candidates[0].content
            self._contents.append(content)
            for part in content.parts:
                if "function_call" in part:
                    fc = part.function_call
                    args = type(fc).to_dict(fc).get("args") or {}
                    calls.append(FunctionCallSpec(name=fc.name, args=_unfloat(args)))
                elif "text" in part and part.text:
                    texts.append(part.text)
        usage = response.usage_metadata
        return Turn(
            calls=tuple(calls),
            text="".join(texts) if texts else None,
            input_tokens=_int(getattr(usage, "prompt_token_count", 0)),
            output_tokens=_int(getattr(usage, "candidates_token_count", 0)),
            latency_s=latency,
            attempts=attempts,
            waited_s=waited,
        )

    def first_turn(self, query: str, tool_decls: Sequence[ToolDecl]) -> Turn:
        self._start(query, tool_decls)
        return self._to_turn(*self._run(self._call))

    def next_turn(self, function_results: Sequence[FunctionResult]) -> Turn:
        self._add_results(function_results)
        return self._to_turn(*self._run(self._call))

    # The SDK's async client is gRPC-only (broken with transport="rest"): run the sync
    # call in a worker thread instead.  Backoff then uses the sync ``sleep`` too.
    async def afirst_turn(self, query: str, tool_decls: Sequence[ToolDecl]) -> Turn:
        return await asyncio.to_thread(self.first_turn, query, tool_decls)

    async def anext_turn(self, function_results: Sequence[FunctionResult]) -> Turn:
        return await asyncio.to_thread(self.next_turn, function_results)

    def close(self) -> None:
        transport = getattr(self._client, "_transport", None)
        if transport is not None:
            transport.close()

    async def aclose(self) -> None:
        self.close()


def _unfloat(value: Any) -> Any:
    """protobuf Struct turns every number into a float; give whole numbers back as ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _unfloat(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unfloat(v) for v in value]
    return value
