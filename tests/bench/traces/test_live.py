"""Live export: with OTEL_EXPORTER_OTLP_ENDPOINT set, the run's otel.json is POSTed as OTLP/HTTP JSON to
``/v1/traces`` (a loopback collector here); unset, nothing is sent; a dead endpoint is one warning line."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bench.cli import main
from bench.traces import send_live, traces_url
from tests.conftest import run_argv


class _Collector(BaseHTTPRequestHandler):
    got: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.got.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[str, dict[str, str], bytes]]]]:
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    _Collector.got = []
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", _Collector.got
    finally:
        server.shutdown()
        server.server_close()


def test_endpoint_env_names_the_url() -> None:
    """The base endpoint gets /v1/traces; the traces-specific variable is used as given; none: no URL."""
    assert traces_url({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://h:4318/"}) == "http://h:4318/v1/traces"
    assert traces_url({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://h/x"}) == "http://h/x"
    assert traces_url({}) is None


def test_send_posts_the_file_with_headers(tmp_path: Path, collector: tuple[str, list[Any]]) -> None:
    """The file's bytes arrive at /v1/traces as JSON with the configured headers."""
    url, got = collector
    f = tmp_path / "otel.json"
    f.write_text('{"resourceSpans": []}')
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": url, "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=secret"}
    assert send_live(f, env) is True
    path, headers, body = got[0]
    assert path == "/v1/traces" and body == f.read_bytes()
    assert headers["content-type"] == "application/json" and headers["x-api-key"] == "secret"


def test_dead_endpoint_is_one_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing listening: False and one warning line that does not echo the headers."""
    f = tmp_path / "otel.json"
    f.write_text("{}")
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", "OTEL_EXPORTER_OTLP_HEADERS": "k=secret"}
    assert send_live(f, env) is False
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "secret" not in err


@pytest.mark.realtime
def test_run_sends_its_spans(
    tmp_path: Path,
    collector: tuple[str, list[Any]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A run with the variable set sends the same document it writes to otel.json."""
    url, got = collector
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
    out = tmp_path / "r"
    argv = run_argv("doc-3apis", "threaded", 1, "--time-scale", "0.01")
    assert main([*argv, "--warmup", "0", "--out", str(out)]) == 0
    assert json.loads(got[0][2]) == json.loads((out / "otel.json").read_text())
    capsys.readouterr()
