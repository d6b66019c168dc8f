"""HTTP tools against a loopback server: arguments as query or JSON body, one pooled client pair per run,
429 + Retry-After as rate_limited, 5xx and timeouts as errors."""

from __future__ import annotations

import gc
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from executors import ToolCall, make_executor
from scenarios import (
    RateLimited,
    ToolError,
    build_toolbox,
    close_toolbox,
    make_plan,
    parse_scenarios,
    retry_after_s,
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so pooling is visible as one connection

    def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        sent = {"Content-Type": "application/json", "Content-Length": str(len(data)), **(headers or {})}
        for k, v in sent.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, args: dict[str, Any]) -> None:
        server: Any = self.server
        with server.lock:
            server.seen.append((self.command, urllib.parse.urlsplit(self.path).path, args))
            server.ports.add(self.client_address[1])
        route = urllib.parse.urlsplit(self.path).path
        if route == "/limited":
            self._reply(429, {"error": "slow down"}, {"Retry-After": server.retry_after})
        elif route == "/broken":
            self._reply(503, {"error": "down"})
        elif route == "/slow":
            time.sleep(0.3)
            self._reply(200, {"late": True})
        else:
            time.sleep(float(args.get("ms", 0)) / 1000)
            self._reply(200, {"echo": args})

    def do_GET(self) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        self._handle({k: v[0] for k, v in query.items()})

    def do_POST(self) -> None:
        n = int(self.headers.get("Content-Length", "0"))
        self._handle(json.loads(self.rfile.read(n) or b"{}"))

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Any]:
    srv: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    srv.seen, srv.ports, srv.lock, srv.retry_after = [], set(), threading.Lock(), "2"
    t = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def scenario(
    base: str, calls: list[tuple[str, str, dict[str, Any]]], routes: dict[str, tuple[str, str]]
) -> Any:
    """tools: name -> (path, method); calls: (id, tool, args)."""
    doc = {
        "name": "http",
        "tools": [
            {"name": n, "http": {"url": base + path, "method": m, "timeout_ms": 150}}
            for n, (path, m) in routes.items()
        ],
        "calls": [{"id": i, "tool": t, "args": a} for i, t, a in calls],
    }
    (s,) = parse_scenarios(doc, "http.toml")
    return s


def test_get_sends_a_query_and_post_a_json_body(server: Any) -> None:
    """GET arguments travel as the query string, POST arguments as a JSON body; the JSON answer is the value."""
    base = f"http://127.0.0.1:{server.server_port}"
    s = scenario(
        base,
        [("g", "get", {"q": "madrid", "n": 3}), ("p", "post", {"q": "tokyo", "tags": ["a", "b"]})],
        {"get": ("/get", "GET"), "post": ("/post", "POST")},
    )
    box = build_toolbox(make_plan(s, 1, 0), 1.0)
    assert box["get"](request_id="g", q="madrid", n=3) == {"echo": {"q": "madrid", "n": "3"}}
    assert box["post"](request_id="p", q="tokyo", tags=["a", "b"]) == {
        "echo": {"q": "tokyo", "tags": ["a", "b"]}
    }
    assert [(m, p) for m, p, _ in server.seen] == [("GET", "/get"), ("POST", "/post")]
    close_toolbox(box)


def test_429_carries_retry_after_and_5xx_is_an_error(server: Any) -> None:
    """A 429 raises RateLimited with the Retry-After delay; a 503 raises ToolError; a slow answer past
    timeout_ms is an error that says so."""
    base = f"http://127.0.0.1:{server.server_port}"
    routes = {"lim": ("/limited", "GET"), "down": ("/broken", "POST"), "slow": ("/slow", "GET")}
    s = scenario(base, [("a", "lim", {}), ("b", "down", {}), ("c", "slow", {})], routes)
    box = build_toolbox(make_plan(s, 1, 0), 1.0)
    with pytest.raises(RateLimited) as limited:
        box["lim"](request_id="a")
    assert limited.value.retry_after == 2.0
    with pytest.raises(ToolError, match="HTTP 503"):
        box["down"](request_id="b")
    with pytest.raises(ToolError, match=r"no answer within 150 ms \(http.timeout_ms\)"):
        box["slow"](request_id="c")
    assert [e.outcome for t in ("lim", "down", "slow") for e in box[t].log] == [
        "rate_limited",
        "error",
        "error",
    ]
    close_toolbox(box)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    """Retry-After is delay-seconds or an HTTP date; garbage or absence is no delay."""
    assert retry_after_s("1.5") == 1.5
    assert retry_after_s("Wed, 21 Oct 2015 07:28:10 GMT", now=lambda: 1445412480.0) == 10.0
    assert retry_after_s("soon") == 0.0 and retry_after_s(None) == 0.0


#: executor -> whether its calls go through the pair's AsyncClient (the event-loop executors) or its Client
TWIN = {"sequential": "sync", "threaded": "sync", "asyncio": "async", "adaptive": "sync"}


@pytest.mark.parametrize("label", sorted(TWIN))
def test_executors_see_statuses_and_share_one_pooled_client(
    server: Any, label: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through an executor: ok, rate_limited (with retry_after) and error results; every HTTP tool of the
    run shares one client pair, which keeps its connection alive across calls and is closed at the end;
    the thread executors send through its httpx.Client, the event-loop ones through its AsyncClient twin."""
    server.retry_after = "0.01"  # adaptive retries a 429 (up to 20 times) after the server's delay
    base = f"http://127.0.0.1:{server.server_port}"
    calls = [(f"c{i}", "echo", {"ms": 5, "i": i}) for i in range(4)] + [
        ("lim", "lim", {}),
        ("down", "down", {}),
    ]
    routes = {"echo": ("/echo", "GET"), "lim": ("/limited", "GET"), "down": ("/broken", "GET")}
    s = scenario(base, calls, routes)
    ex = make_executor(label, time_scale=1.0)
    box = build_toolbox(make_plan(s, 1, 0), 1.0)
    pairs = {id(t.clients) for t in box.values() if hasattr(t, "clients")}
    sent = {"sync": 0, "async": 0}
    pair = box["echo"].clients
    sync_request, aclient = pair.client.stream, pair.aclient  # sync calls stream: a whole-answer timeout

    def counted_request(*a: Any, **k: Any) -> Any:
        sent["sync"] += 1
        return sync_request(*a, **k)

    def counted_aclient() -> Any:
        got = aclient()
        sent["async"] += got is not None
        return got

    monkeypatch.setattr(pair.client, "stream", counted_request)
    monkeypatch.setattr(pair, "aclient", counted_aclient)
    try:
        results = ex.run([ToolCall(i, t, a | {"request_id": i}) for i, t, a in calls], box)
        close_toolbox(box)  # before the executor's event loop closes: the async client closes on it
    finally:
        ex.close()
    assert [r.status for r in results] == ["ok"] * 4 + ["rate_limited", "error"], results
    assert results[4].retry_after == 0.01
    assert len(pairs) == 1
    other = "async" if TWIN[label] == "sync" else "sync"
    assert sent[other] == 0 and sent[TWIN[label]] >= len(calls)  # adaptive also retries the 429
    if label == "sequential":
        assert len(server.ports) == 1  # one keep-alive connection for six calls
    assert next(iter(pairs)) == id(box["echo"].clients) and box["echo"].clients.client.is_closed


def test_a_dropped_toolbox_closes_its_clients(server: Any) -> None:
    """A caller that never calls close_toolbox (the end of a measured run) still gets its sockets closed."""
    base = f"http://127.0.0.1:{server.server_port}"
    s = scenario(base, [("a", "echo", {})], {"echo": ("/echo", "GET")})
    box = build_toolbox(make_plan(s, 1, 0), 1.0)
    tool: Any = box["echo"]
    client = tool.clients.client
    tool(request_id="a")
    del box, tool
    gc.collect()
    assert client.is_closed


def test_a_key_in_the_url_never_reaches_an_error() -> None:
    """A refused connection is an error naming the tool, with the URL's query (a key) left out."""
    doc = {"name": "k", "tools": [{"name": "t", "http": {"url": "http://127.0.0.1:1/x?key=SECRET"}}]}
    (s,) = parse_scenarios(doc, "k.toml")
    box = build_toolbox(make_plan(s, 1, 0), 1.0)
    with pytest.raises(ToolError) as exc:
        box["t"](request_id="c0")
    assert str(exc.value).startswith("t: ConnectError") and "SECRET" not in str(exc.value)
    close_toolbox(box)
