"""Errors, key redaction and the one retry loop every Gemini driver is composed with.

The SDKs' own retries are switched off (google-genai ``HttpRetryOptions(attempts=1)``; legacy
``request_options={"retry": None}``) because neither honours ``Retry-After`` and google-genai's async path
would otherwise sleep 1–10 s on a refused connection. Ours retries 429/500/503/504 with exponential backoff,
using ``Retry-After`` (or Google's ``RetryInfo.retryDelay``) when the server gives one.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

T = TypeVar("T")

ErrorKind = Literal["missing_key", "invalid_key", "quota", "unreachable", "server", "unsupported"]
_KEY_ENV_VARS = ("GOOGLE_API_KEY", "GEMINI_API_KEY")  # google-genai's own precedence
#: statuses worth another attempt: quota, internal error, overloaded, deadline
RETRY_STATUSES = frozenset({429, 500, 503, 504})


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
class RetryPolicy:
    """Bounded exponential backoff for 429/500/503/504; ``Retry-After`` wins when present."""

    max_attempts: int = 4
    base_delay_s: float = 1.0
    multiplier: float = 2.0
    max_delay_s: float = 60.0
    retry_unavailable: bool = True  # also retry 500/503/504 (not only 429)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay_s)
        return min(self.base_delay_s * self.multiplier ** (attempt - 1), self.max_delay_s)

    def retries(self, status: int) -> bool:
        return status == 429 or (self.retry_unavailable and status in RETRY_STATUSES)


def resolve_api_key(api_key: str | None = None) -> str:
    """Explicit key, else ``GOOGLE_API_KEY``, else ``GEMINI_API_KEY``; else ModelError."""
    if api_key:
        return api_key.strip()
    for var in _KEY_ENV_VARS:
        value = os.environ.get(var, "").strip()
        if value:
            return value
    raise ModelError("missing_key", "no API key: set GEMINI_API_KEY or GOOGLE_API_KEY (or pass api_key)")


_KEY_PARAM = re.compile(r"([?&;](?:key|api_key|apikey|access_token)=)[^&\s#]+", re.IGNORECASE)
_USERINFO = re.compile(r"(\w+://)[^/@\s]+@")


def redact(text: str, secret: str | None = None) -> str:
    """``text`` with the secret, anything shaped like a Google API key, ``key=`` query values and URL
    user-info replaced by ``***``: applied to every URL or message before it is printed or stored."""
    if secret:
        text = text.replace(secret, "***")
    text = re.sub(r"AIza[0-9A-Za-z_\-]{10,}", "***", text)
    text = _KEY_PARAM.sub(r"\1***", text)
    return _USERINFO.sub(r"\1***@", text)


def split_key(url: str) -> tuple[str, str | None]:
    """A base URL without its ``key=`` query parameter, and that key (None when there was none)."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    keys = [v for k, v in pairs if k.lower() == "key" and v]
    rest = [(k, v) for k, v in pairs if k.lower() != "key"]
    clean = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), parts.fragment))
    return clean, (keys[0] if keys else None)


def _scrub(text: str, secret: str | None) -> str:
    return redact(" ".join(text.split()), secret)[:300]


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


class Retryable(Exception):
    """A 429/500/503/504 with the server's suggested delay."""

    def __init__(self, error: ModelError, retry_after: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def _retry_after(response: Any, details: Any) -> float | None:
    headers = getattr(response, "headers", None)
    raw = None
    if headers is not None:
        try:
            raw = headers.get("Retry-After")
        except Exception:  # pragma: no cover - exotic header containers
            raw = None
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


def classify(
    exc: BaseException, endpoint: str, secret: str | None, policy: RetryPolicy
) -> ModelError | Retryable:
    """Either SDK's exception as a key-free ModelError, or Retryable when ``policy`` retries its status."""
    if isinstance(exc, ModelError):
        return exc
    code = getattr(exc, "code", None)
    if isinstance(code, int) and 100 <= code <= 599:
        # google-genai APIError: .message/.details; api_core: .message/.details/.errors
        message = str(getattr(exc, "message", None) or exc)
        err = _classify_status(code, _scrub(message, secret), endpoint)
        if policy.retries(code):
            return Retryable(err, _retry_after(getattr(exc, "response", None), getattr(exc, "details", None)))
        return err
    if _is_connect_error(exc):
        return ModelError(
            "unreachable", f"cannot reach {endpoint}: {type(exc).__name__}: {_scrub(str(exc), secret)}"
        )
    return ModelError("server", f"{type(exc).__name__}: {_scrub(str(exc), secret)}")


@dataclass(frozen=True, slots=True)
class Attempted:
    """What the retry loop reports beside the result."""

    latency_s: float  # wall time of the successful attempt
    attempts: int
    waited_s: float  # backoff slept before it


class Retrier:
    """The retry loop a driver is composed with: ``run(attempt)`` / ``arun(attempt)``."""

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
        self.endpoint = redact(endpoint, secret)
        self._secret = secret

    def translate(self, exc: BaseException) -> ModelError | Retryable:
        return classify(exc, self.endpoint, self._secret, self.retry)

    def _next(self, exc: Exception, attempt: int) -> float:
        """The delay before another attempt, or raise the ModelError that ends the query."""
        outcome = self.translate(exc)
        if isinstance(outcome, ModelError):
            raise outcome from None  # the SDK exception may carry request details
        if attempt >= self.retry.max_attempts:
            err = outcome.error
            raise ModelError(
                err.kind, f"{err.message} (gave up after {attempt} attempts)", status=err.status
            ) from None
        return self.retry.delay(attempt, outcome.retry_after)

    def run(self, attempt_fn: Callable[[], T]) -> tuple[T, Attempted]:
        waited = 0.0
        for attempt in range(1, self.retry.max_attempts + 1):
            t0 = time.perf_counter()
            try:
                result = attempt_fn()
            except Exception as exc:
                delay = self._next(exc, attempt)
                self._sleep(delay)
                waited += delay
                continue
            return result, Attempted(time.perf_counter() - t0, attempt, waited)
        raise AssertionError("unreachable")  # pragma: no cover

    async def arun(self, attempt_fn: Callable[[], Awaitable[T]]) -> tuple[T, Attempted]:
        waited = 0.0
        for attempt in range(1, self.retry.max_attempts + 1):
            t0 = time.perf_counter()
            try:
                result = await attempt_fn()
            except Exception as exc:
                delay = self._next(exc, attempt)
                await self._async_sleep(delay)
                waited += delay
                continue
            return result, Attempted(time.perf_counter() - t0, attempt, waited)
        raise AssertionError("unreachable")  # pragma: no cover
