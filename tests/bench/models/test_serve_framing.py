"""serve-gemini answers every request: malformed framing is a 400, an absurd size a 413, JSON nested 100,000
deep a 400, each at once; the server stays up and answers the next request."""

from __future__ import annotations

import json
import socket
import time

import pytest

from bench.models import FakeGeminiConfig, FakeGeminiServer
from bench.models._framing import MAX_BODY_BYTES

PATH = "/v1beta/models/gemini-2.5-flash:generateContent"
CALLS = [{"name": "get_weather", "args": {"city": "Paris"}}]


def _raw(port: int, head: str, body: bytes = b"") -> tuple[int, float]:
    """Send ``head`` (+ ``body``) on a fresh connection; the status and the seconds to it (10 s at most)."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.encode("latin-1") + b"\r\n" + body)
        data = b""
        while b"\r\n" not in data:
            got = s.recv(4096)
            if not got:
                break
            data += got
    return int(data.split(b" ", 2)[1]), time.monotonic() - t0


def _post(length: str, body: bytes = b"") -> str:
    return f"POST {PATH}?key=k HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n"


@pytest.mark.parametrize(
    ("head", "body", "status"),
    [
        (_post("abc"), b"", 400),
        (_post("-5"), b"", 400),
        (_post(str(10**12)), b"", 413),
        (_post(str(MAX_BODY_BYTES + 1)), b"", 413),
        (
            f"POST {PATH}?key=k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n",
            b"zz\r\nabc\r\n0\r\n\r\n",
            400,
        ),
    ],
    ids=["length-abc", "length-negative", "length-1e12", "length-over-limit", "chunk-size-zz"],
)
def test_bad_framing_is_answered_at_once_and_the_server_stays_up(head: str, body: bytes, status: int) -> None:
    """Each bad request gets its status within a second; a good request after it is answered 200."""
    with FakeGeminiServer(FakeGeminiConfig(calls=CALLS)) as srv:
        got, took = _raw(srv.port, head, body)
        assert (got, took < 1.0) == (status, True)
        good = json.dumps({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}).encode()
        assert _raw(srv.port, _post(str(len(good))), good)[0] == 200


def test_json_nested_100000_deep_is_a_400() -> None:
    """A body of 100,000 nested lists: invalid JSON for the server (400), not a dead handler."""
    deep = b"[" * 100_000 + b"]" * 100_000
    with FakeGeminiServer(FakeGeminiConfig(calls=CALLS)) as srv:
        assert _raw(srv.port, _post(str(len(deep))), deep)[0] == 400
