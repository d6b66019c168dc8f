"""HTTP tools as HTTP: timeout_ms bounds the whole answer, a redirect loop is an error, and the URL's own
query (an API key) is kept beside the call's arguments — sync and async alike."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("httpx")

from scenarios import Constant, HttpEndpoint, ToolError, ToolSpec
from scenarios._clients import ClientPair
from scenarios._httptool import HttpTool


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if path == "/trickle":  # a byte every 0.3 s, 60 of them: 18 s in all
            self.send_response(200)
            self.send_header("Content-Length", "60")
            self.end_headers()
            for _ in range(60):
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.3)
            return
        if path == "/loop":
            self.send_response(301)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps(dict(urllib.parse.parse_qsl(query))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _tool(url: str, timeout_ms: float = 1000) -> HttpTool:
    spec = ToolSpec("t", Constant(10), http=HttpEndpoint(url, timeout_ms=timeout_ms))
    assert spec.http is not None
    return HttpTool(spec, spec.http, ClientPair(), time.perf_counter)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_timeout_bounds_the_whole_answer(base: str, mode: str) -> None:
    """A body trickling a byte every 0.3 s under timeout_ms = 1000: an error within ~1.3 s, not 18 s ok."""
    tool = _tool(f"{base}/trickle")
    t0 = time.monotonic()
    with pytest.raises(ToolError, match="no answer within 1000 ms"):
        tool() if mode == "sync" else asyncio.run(tool.acall())
    assert time.monotonic() - t0 < 2.5
    tool.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_redirect_loop_is_an_error(base: str, mode: str) -> None:
    """301 to itself: followed a bounded number of times, then the call fails (never ``ok``)."""
    tool = _tool(f"{base}/loop")
    with pytest.raises(ToolError, match="TooManyRedirects"):
        tool() if mode == "sync" else asyncio.run(tool.acall())
    tool.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_urls_query_is_kept_beside_the_calls_args(base: str, mode: str) -> None:
    """url ?key=abc with the call's q=z: the server sees both."""
    tool = _tool(f"{base}/echo?key=abc")
    got = tool(q="z") if mode == "sync" else asyncio.run(tool.acall(q="z"))
    assert got == {"key": "abc", "q": "z"}
    tool.close()
