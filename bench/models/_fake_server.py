"""Loopback fake of the Gemini REST ``generateContent`` API (stdlib only).

The fake answers from a *plan* given by the caller (a list of function calls to
emit), so the benchmark can measure the harness — not a model.  It speaks the
wire format that the two official Python SDKs actually send, found by capturing
their requests (google-genai 3.4.0, google-generativeai 0.8.6):

* google-genai:  ``POST /{v1|v1beta}/models/{model}:generateContent``; the key
  in the ``x-goog-api-key`` header; schema types as upper-case strings
  (``"OBJECT"``) under ``parameters``, or a raw JSON schema under
  ``parametersJsonSchema``.
* google-generativeai (REST transport):
  ``POST /v1beta/models/{model}:generateContent?%24alt=json%3Benum-encoding%3Dint``;
  the key in ``x-goog-api-key``; schema types as *integers* (``6`` = OBJECT);
  integer arguments come back as floats (protobuf ``Struct``).

A ``key=`` query parameter is accepted too (that is what curl users send).
Nothing here ever stores, logs or echoes an API key: the request record only
says *whether* a key was present.
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from bench.models._fake_wire import (
    asks_for_thoughts,
    check_history,
    declared_schemas,
    make_args,
    request_settings,
    roll,
    signature_for,
    stream_pieces,
    usage,
)
from bench.models._fake_wire import estimate_tokens as _estimate_tokens
from bench.models._framing import FramingError, read_body

__all__ = [
    "FakeGeminiConfig",
    "FakeGeminiServer",
    "RecordedRequest",
    "normalise_schema",
    "run_server",
]

logger = logging.getLogger("bench.gemini_server")

Mode = Literal["parallel", "sequential"]
JSON = dict[str, Any]

# Integer encoding of google.ai.generativelanguage Type (what the legacy SDK sends
# with ``enum-encoding=int``).
_SCHEMA_TYPES_BY_INT = {
    0: "TYPE_UNSPECIFIED",
    1: "STRING",
    2: "NUMBER",
    3: "INTEGER",
    4: "BOOLEAN",
    5: "ARRAY",
    6: "OBJECT",
    7: "NULL",
}

_GENERATE_SUFFIXES = (":generateContent", ":streamGenerateContent")
_API_VERSIONS = ("v1", "v1beta")


@dataclass(frozen=True)
class RecordedRequest:
    """What the fake saw of one request — never the key itself."""

    index: int  # 1-based arrival order over all requests
    method: str
    path: str  # without the query string (a ``key=`` query would leak the key)
    api_version: str | None
    model: str | None
    n_function_responses: int
    n_tools: int  # number of declared function declarations
    tool_names: tuple[str, ...]
    has_key: bool
    key_source: Literal["header", "query"] | None
    status: int
    received_at: float  # time.perf_counter() at arrival
    #: how the request asked besides contents and tools: its systemInstruction, toolConfig and
    #: generationConfig as sent (so a test sees a flag reach the wire; no key travels in a body)
    settings: Mapping[str, Any] = field(default_factory=dict)


LatencySpec = float | Callable[[RecordedRequest], float]
#: the ``finish_reason`` that makes a turn a blocked prompt instead of a finished candidate
PROMPT_BLOCKED = "PROMPT_BLOCKED"


@dataclass
class FakeGeminiConfig:
    """Plain-data plan and fault settings for :class:`FakeGeminiServer`.

    ``calls`` are ``{"name": str, "args": dict}`` mappings (an optional ``"id"``
    is passed through).  ``turns`` overrides the split implied by ``mode``: each
    inner list is emitted as one model turn of parallel calls.

    Request counting for the faults is 1-based over all ``generateContent``
    requests, retries included, because that is how a quota sees them.
    """

    calls: Sequence[Mapping[str, Any]] = ()
    mode: Mode = "parallel"
    turns: Sequence[Sequence[Mapping[str, Any]]] | None = None
    final_text: str | None = None  # default: "Done: N results"
    no_tools_text: str = "Hello from the fake Gemini."
    latency_s: LatencySpec = 0.0  # applied to successful responses only
    expected_key: str | None = None  # when set, other keys get 400 and no key 403
    rate_limit_first: int = 0  # the first K requests get 429
    rate_limit_every: int = 0  # every Nth request gets 429
    retry_after_s: float | None = 1.0  # Retry-After header and RetryInfo on every fault (None: omit)
    #: send the delay only as google.rpc.RetryInfo in the error body, as Gemini's own 429s do
    retry_info_only: bool = False
    unavailable_first: int = 0  # the first K requests (after the 429s) get 503
    unavailable_every: int = 0
    emit_call_ids: bool = False  # add "id" to functionCall parts and require it echoed (Gemini 3 style)
    model_version: str = "fake-gemini-pfcbench"
    #: with no planned calls but declared tools: call every declared function once (a model nobody scripted)
    call_declared: bool = False
    #: planned calls without args get arguments made up from the declared schema
    args_from_schema: bool = True
    #: a thought signature on each turn's first call, required unchanged on every later request (Gemini 3)
    thought_signatures: bool = False
    thinking_tokens: int = 0  # thoughtsTokenCount per answered turn
    #: a ``thought: true`` text part before the calls or answer, when the request sets includeThoughts
    thought_parts: bool = False
    cached_tokens: int = 0  # cachedContentTokenCount (capped at the prompt)
    tool_prompt_tokens: int = 0  # toolUsePromptTokenCount
    chunk_delay_s: float = 0.0  # streamGenerateContent: wall seconds between SSE chunks
    #: ``PROMPT_BLOCKED``: the rolled turns answer as a blocked prompt (promptFeedback, no candidate)
    finish_reason: str = "MALFORMED_FUNCTION_CALL"
    finish_reason_rate: float = 0.0  # fraction of turns (by request body) ending with ``finish_reason``
    server_error_first: int = 0  # the first K requests (after 429s and 503s) get 500
    #: every distinct request body fails its first attempt with this status (0: never; 500/503/504/429)
    fail_first_attempt: int = 0

    def batches(self) -> list[list[JSON]]:
        """The plan as a list of model turns, each a list of calls."""
        if self.turns is not None:
            return [[_plain_call(c) for c in turn] for turn in self.turns if turn]
        calls = [_plain_call(c) for c in self.calls]
        if not calls:
            return []
        if self.mode == "parallel":
            return [calls]
        if self.mode == "sequential":
            return [[c] for c in calls]
        raise ValueError(f"unknown mode {self.mode!r}; expected 'parallel' or 'sequential'")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> FakeGeminiConfig:
        """Build from plain data (a scenario file section), rejecting unknown keys."""
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fake-gemini settings: {sorted(unknown)}")
        return cls(**dict(data))


def _plain_call(call: Mapping[str, Any]) -> JSON:
    if "name" not in call:
        raise ValueError(f"planned call without a name: {call!r}")
    out: JSON = {"name": str(call["name"]), "args": dict(call.get("args") or {})}
    if call.get("id") is not None:
        out["id"] = str(call["id"])
    return out


def normalise_schema(schema: Any) -> Any:
    """Map integer schema types (legacy SDK) and lower-case names to upper-case names.

    Used so that recorded declarations compare equal whichever SDK sent them.
    """
    if isinstance(schema, list):
        return [normalise_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: JSON = {}
    for key, value in schema.items():
        if key == "type":
            if isinstance(value, int):
                out[key] = _SCHEMA_TYPES_BY_INT.get(value, str(value))
            elif isinstance(value, str):
                out[key] = value.upper()
            else:
                out[key] = value
        else:
            out[key] = normalise_schema(value)
    return out


def _iter_parts(body: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for content in body.get("contents") or ():
        if isinstance(content, dict):
            for part in content.get("parts") or ():
                if isinstance(part, dict):
                    yield part


def _tool_names(body: Mapping[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    for tool in body.get("tools") or ():
        if not isinstance(tool, dict):
            continue
        # REST JSON is camelCase; accept snake_case too (hand-written clients).
        decls = tool.get("functionDeclarations") or tool.get("function_declarations") or ()
        names.extend(str(d.get("name")) for d in decls if isinstance(d, dict))
    return tuple(names)


_UNREGISTERED_CALLER = (
    "Method doesn't allow unregistered callers (callers without established identity)."
    " Please use API Key or other form of API consumer identity to call this API."
)
_KEY_INVALID = {
    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
    "reason": "API_KEY_INVALID",
    "domain": "googleapis.com",
}


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 so clients keep connections alive; every reply carries Content-Length.
    protocol_version = "HTTP/1.1"
    server: FakeGeminiServer
    server_version = "pfcbench-fake-gemini/1"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        # The stdlib logs the raw request line, which may carry ``?key=...``: never do that.
        logger.debug("%s %s", self.command, urlsplit(self.path).path)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.debug("%s %s -> %s", self.command, urlsplit(self.path).path, code)

    # -- plumbing ---------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        h = self.headers
        return read_body(h.get("Transfer-Encoding"), h.get("Content-Length"), self.rfile)

    def _refuse_framing(self, exc: FramingError) -> None:
        """Answer at once and close: after bad framing the stream is out of step (``bench.models._framing``)."""
        self.close_connection = True
        self._send_error(exc.status, str(exc), {"Connection": "close"})

    def _send_json(
        self, status: int, payload: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_error(
        self, status: int, message: str, headers: Mapping[str, str] | None = None, **extra: Any
    ) -> None:
        error: JSON = {"code": status, "message": message, "status": _GOOGLE_STATUS.get(status, "UNKNOWN")}
        error.update(extra)
        self._send_json(status, {"error": error}, headers)

    # -- routes -----------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._discard_body_and_404()

    def do_PUT(self) -> None:
        self._discard_body_and_404()

    def do_DELETE(self) -> None:
        self._discard_body_and_404()

    def _discard_body_and_404(self) -> None:
        try:
            self._read_body()  # keep the keep-alive stream in sync
        except FramingError as exc:
            self._refuse_framing(exc)
            return
        self._send_error(404, f"Method not found: {urlsplit(self.path).path}")

    def do_POST(self) -> None:
        arrived = time.perf_counter()
        try:
            raw = self._read_body()
        except FramingError as exc:
            self._refuse_framing(exc)
            return
        url = urlsplit(self.path)
        key, key_source = self._extract_key(parse_qs(url.query))
        api_version, model = _parse_route(url.path)
        try:
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                raise ValueError("body is not an object")
        except (ValueError, RecursionError):  # JSON nested 100,000 deep is invalid JSON too, not a crash
            body = None
        index = self.server._next_index()
        n_resp = sum(
            1 for p in _iter_parts(body or {}) if "functionResponse" in p or "function_response" in p
        )
        names = _tool_names(body or {})

        def record(status: int) -> RecordedRequest:
            rec = RecordedRequest(
                index=index,
                method="POST",
                path=url.path,
                api_version=api_version,
                model=model,
                n_function_responses=n_resp,
                n_tools=len(names),
                tool_names=names,
                has_key=key is not None,
                key_source=key_source,
                status=status,
                received_at=arrived,
                settings=request_settings(body or {}),
            )
            self.server._record(rec)
            return rec

        if self._refused(url.path, model, body, key, record) or self._fault(index, raw, record):
            return
        assert body is not None  # _refused answered 400 otherwise
        refusal = check_history(
            body, signatures=self.server.config.thought_signatures, ids=self.server.config.emit_call_ids
        )
        if refusal is not None:
            record(400)
            self.server.rejected += 1
            self._send_error(400, refusal)
            return
        self._answer_turn(url.path, raw, body, names, n_resp, record(200))

    def _refused(
        self,
        path: str,
        model: str | None,
        body: Mapping[str, Any] | None,
        key: str | None,
        record: Callable[[int], RecordedRequest],
    ) -> bool:
        """Answer what Gemini refuses before looking at the turn (route, JSON, key); True when refused."""
        expected = self.server.config.expected_key
        if model is None:
            status, message, details = 404, f"Method not found: {path}", None
        elif body is None:
            status, message, details = 400, "Invalid JSON payload received.", None
        elif expected is not None and key is None:
            status, message, details = 403, _UNREGISTERED_CALLER, None
        elif expected is not None and key != expected:
            status, message, details = 400, "API key not valid. Please pass a valid API key.", [_KEY_INVALID]
        else:
            return False
        record(status)
        extra: dict[str, Any] = {"details": details} if details else {}
        self._send_error(status, message, None, **extra)
        return True

    def _answer_turn(
        self,
        path: str,
        raw: bytes,
        body: Mapping[str, Any],
        names: Sequence[str],
        n_resp: int,
        rec: RecordedRequest,
    ) -> None:
        """The model's turn: calls (or text), a finish reason, thinking parts, usage; as JSON or SSE."""
        cfg = self.server.config
        content = self.server._answer(body, names, n_resp)
        finish = "STOP"
        # salted with how often this exact body was answered: identical queries of successive trials differ
        if roll(raw, f"finish{self.server._occurrence(raw)}", cfg.finish_reason_rate):
            if cfg.finish_reason == PROMPT_BLOCKED:
                self._send_blocked(path, _estimate_tokens(len(raw)))
                return
            # what Gemini sends for MALFORMED_FUNCTION_CALL / SAFETY: a candidate with no usable content
            finish, content = cfg.finish_reason, {"role": "model", "parts": []}
        # as Gemini does: thought summaries only for a request whose thinkingConfig asks for them
        if cfg.thought_parts and content["parts"] and asks_for_thoughts(body):
            content["parts"].insert(0, {"text": "Thinking about which tools to call.", "thought": True})
        delay = cfg.latency_s(rec) if callable(cfg.latency_s) else float(cfg.latency_s)
        if delay > 0:
            time.sleep(delay)
        meta = usage(
            _estimate_tokens(len(raw)),
            _estimate_tokens(len(json.dumps(content))),
            thoughts=cfg.thinking_tokens,
            cached=cfg.cached_tokens,
            tool_prompt=cfg.tool_prompt_tokens,
        )
        if path.endswith(":streamGenerateContent"):
            self._send_stream(content, finish, meta)
            return
        self._send_json(
            200,
            {
                "candidates": [{"content": content, "finishReason": finish, "index": 0}],
                "usageMetadata": meta,
                "modelVersion": cfg.model_version,
            },
        )

    def _fault(self, index: int, raw: bytes, record: Callable[[int], RecordedRequest]) -> bool:
        """Answer with a configured 429/503/500, or a first-attempt failure; True when one was sent."""
        cfg = self.server.config
        status = 0
        if _hit(index, cfg.rate_limit_first, cfg.rate_limit_every):
            status = 429
        # 503s are counted after the initial 429 window so both can be combined, 500s after both.
        elif _hit(index - cfg.rate_limit_first, cfg.unavailable_first, cfg.unavailable_every):
            status = 503
        elif _hit(index - cfg.rate_limit_first - cfg.unavailable_first, cfg.server_error_first, 0):
            status = 500
        elif cfg.fail_first_attempt and self.server._first_attempt(raw):
            status = cfg.fail_first_attempt
        if not status:
            return False
        record(status)
        headers: dict[str, str] = {}
        details: list[JSON] = []
        if cfg.retry_after_s is not None:
            # Retry-After must be an integer number of seconds per RFC 9110; fractional
            # values are useful for fast tests and our driver parses them as floats.
            ra = cfg.retry_after_s
            if not cfg.retry_info_only:
                headers["Retry-After"] = str(int(ra)) if float(ra).is_integer() else repr(float(ra))
            details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{ra}s"})
        self._send_error(status, _FAULT_MESSAGES.get(status, "Internal error."), headers, details=details)
        return True

    def _send_stream(self, content: JSON, finish: str, meta: JSON) -> None:
        """``?alt=sse``: one ``data:`` event per piece (thoughts, each call, text), ``chunk_delay_s`` between
        events."""
        cfg = self.server.config
        events: list[JSON] = []
        pieces = stream_pieces(content["parts"])
        for i, parts in enumerate(pieces):
            cand: JSON = {"content": {"role": "model", "parts": parts}, "index": 0}
            events.append({"candidates": [cand], "modelVersion": cfg.model_version})
            if i == len(pieces) - 1:
                cand["finishReason"] = finish
                events[-1]["usageMetadata"] = meta
        self._write_events(events, cfg.chunk_delay_s)

    def _write_events(self, events: Sequence[JSON], delay_s: float) -> None:
        """Server-sent events in chunked transfer encoding (the connection stays alive), ``delay_s`` apart."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i, event in enumerate(events):
            if i and delay_s > 0:
                time.sleep(delay_s)
            data = f"data: {json.dumps(event)}\r\n\r\n".encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _send_blocked(self, path: str, prompt_tokens: int) -> None:
        """What Gemini answers a blocked prompt with: no candidate, ``promptFeedback.blockReason``."""
        answer: JSON = {
            "promptFeedback": {"blockReason": "SAFETY"},
            "usageMetadata": {"promptTokenCount": prompt_tokens, "totalTokenCount": prompt_tokens},
            "modelVersion": self.server.config.model_version,
        }
        if path.endswith(":streamGenerateContent"):
            self._write_events([answer], 0.0)
        else:
            self._send_json(200, answer)

    def _extract_key(
        self, query: Mapping[str, list[str]]
    ) -> tuple[str | None, Literal["header", "query"] | None]:
        header = self.headers.get("x-goog-api-key")
        if header:
            return header.strip(), "header"
        values = query.get("key")
        if values and values[0]:
            return values[0], "query"
        return None, None


_FAULT_MESSAGES = {
    429: "Resource has been exhausted (e.g. check quota).",
    500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
    503: "The model is overloaded. Please try again later.",
    504: "The service is currently unavailable (deadline exceeded).",
}

_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def _hit(index: int, first: int, every: int) -> bool:
    if index <= 0:
        return False
    return index <= first or (every > 0 and index % every == 0)


def _parse_route(path: str) -> tuple[str | None, str | None]:
    """``/v1beta/models/gemini-2.5-flash:generateContent`` -> ("v1beta", "gemini-2.5-flash")."""
    path = unquote(path)
    for version in _API_VERSIONS:
        prefix = f"/{version}/models/"
        for suffix in _GENERATE_SUFFIXES:
            if path.startswith(prefix) and path.endswith(suffix):
                model = path[len(prefix) : -len(suffix)]
                if model and "/" not in model:
                    return version, model
    return None, None


class FakeGeminiServer(ThreadingHTTPServer):
    """Threaded loopback HTTP server speaking Gemini's ``generateContent``.

    Use as a context manager (``with FakeGeminiServer(cfg) as srv: srv.base_url``) or
    call :meth:`start`/:meth:`stop`.  ``port=0`` picks a free port.
    """

    daemon_threads = True
    allow_reuse_address = True
    # The stdlib default (5) makes the kernel reset bursts of concurrent connects.
    request_queue_size = 512

    def __init__(
        self, config: FakeGeminiConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config if config is not None else FakeGeminiConfig()
        self.config.batches()  # validate the plan early
        self._lock = threading.Lock()
        self._count = 0
        self._requests: list[RecordedRequest] = []
        self._seen: set[bytes] = set()
        self._answered: dict[bytes, int] = {}
        #: requests refused for a missing or changed thought signature or call id
        self.rejected = 0
        self._thread: threading.Thread | None = None
        super().__init__((host, port), _Handler)

    # -- socket tuning ----------------------------------------------------------------------
    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        # Without TCP_NODELAY a keep-alive reply written as header+body waits for the
        # client's delayed ACK (Nagle): ~40 ms added to every response on Linux.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, addr

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def base_url(self) -> str:
        host = self.server_address[0]
        host = host if isinstance(host, str) else host.decode()
        return f"http://{host}:{self.port}"

    def start(self) -> FakeGeminiServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-gemini", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self.server_close()

    def __enter__(self) -> FakeGeminiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- records ----------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget recorded requests and restart fault counting."""
        with self._lock:
            self._requests.clear()
            self._seen.clear()
            self._answered.clear()
            self._count = 0
            self.rejected = 0

    def _next_index(self) -> int:
        with self._lock:
            self._count += 1
            return self._count

    def _occurrence(self, raw: bytes) -> int:
        digest = hashlib.sha256(raw).digest()
        with self._lock:
            n = self._answered.get(digest, 0)
            self._answered[digest] = n + 1
            return n

    def _first_attempt(self, raw: bytes) -> bool:
        """Whether this request is a first attempt: a body not pending a retry. Fails and retries alternate
        per body, so identical requests of later queries (the same prompt every trial) fail first too."""
        digest = hashlib.sha256(raw).digest()
        with self._lock:
            if digest in self._seen:
                self._seen.discard(digest)
                return False
            self._seen.add(digest)
            return True

    def _record(self, rec: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(rec)

    # -- behaviour --------------------------------------------------------------------------
    def plan_for(self, tool_names: Sequence[str]) -> FakeGeminiConfig:
        """The plan answering a request that declares these tools (one plan here; see serve-gemini)."""
        return self.config

    def _answer(self, body: Mapping[str, Any], tool_names: Sequence[str], n_resp: int) -> JSON:
        cfg = self.plan_for(tool_names)
        batches = cfg.batches()
        if not batches and cfg.call_declared and tool_names:
            batches = [[{"name": n, "args": {}} for n in tool_names]]
        if not tool_names or not batches:
            return {"role": "model", "parts": [{"text": cfg.no_tools_text}]}
        # Which turn are we at?  Skip the batches already answered, counted by the
        # functionResponse parts in the history (the client resends the whole history).
        consumed = n_resp
        schemas = declared_schemas(body)
        for turn_no, batch in enumerate(batches):
            if consumed >= len(batch):
                consumed -= len(batch)
                continue
            calls = [_made_up(cfg, call, schemas, turn_no, i) for i, call in enumerate(batch)]
            parts: list[JSON] = [{"functionCall": fc} for fc in calls]
            if cfg.thought_signatures:
                parts[0]["thoughtSignature"] = signature_for(calls)
            return {"role": "model", "parts": parts}
        text = cfg.final_text if cfg.final_text is not None else f"Done: {n_resp} results"
        return {"role": "model", "parts": [{"text": text}]}


def _made_up(
    cfg: FakeGeminiConfig, call: Mapping[str, Any], schemas: Mapping[str, Any], turn: int, i: int
) -> JSON:
    fc = dict(call)
    if not fc.get("args") and cfg.args_from_schema:
        fc["args"] = make_args(schemas.get(str(fc["name"])))
    if cfg.emit_call_ids and "id" not in fc:
        fc["id"] = f"call_{turn}_{i}"
    return fc


def run_server(server: FakeGeminiServer, on_ready: Callable[[FakeGeminiServer], None] | None = None) -> None:
    """Blocking entry for a CLI (``pfcbench serve-gemini``): serve a bound server until Ctrl-C, then close it.

    ``on_ready`` receives the server (e.g. to print ``base_url``).
    """
    try:
        if on_ready is not None:
            on_ready(server)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
