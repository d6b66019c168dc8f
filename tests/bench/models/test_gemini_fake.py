"""End-to-end tests of the Gemini drivers and the SDK-AFC baseline against the loopback fake."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from bench.models import (
    FakeGeminiConfig,
    FakeGeminiServer,
    FunctionResult,
    GenaiDriver,
    LegacyDriver,
    ModelError,
    RetryPolicy,
    make_sleep_tool,
    normalise_schema,
    run_sdk_afc,
    run_sdk_afc_async,
)
from tests.bench._sdks import needs_legacy

pytestmark = [
    # google-genai 3.4.0 subclasses aiohttp.ClientSession on its async path, which
    # aiohttp 3.14 reports as a DeprecationWarning; not ours to fix.
    pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning"),
]

SECRET = "AIza.FAKE-pfcbench-secret-123"
N_CALLS = 3
CALLS = [{"name": f"api_{i}", "args": {"request_id": f"c{i}", "n": i}} for i in range(N_CALLS)]
DECLS = [
    {
        "name": f"api_{i}",
        "description": f"Simulated API {i}",
        "parameters": {
            "type": "object",
            "properties": {"request_id": {"type": "string"}, "n": {"type": "integer"}},
            "required": ["request_id"],
        },
    }
    for i in range(N_CALLS)
]


DRIVERS = [
    pytest.param(GenaiDriver, id="genai"),
    pytest.param(LegacyDriver, id="legacy", marks=needs_legacy),
]


@pytest.fixture
def server() -> Iterator[FakeGeminiServer]:
    with FakeGeminiServer(FakeGeminiConfig(calls=CALLS)) as srv:
        yield srv


class SleepRecorder:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.delays.append(seconds)


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def _results(turn: Any) -> list[FunctionResult]:
    return [FunctionResult(c.name, {"echo": c.args["request_id"]}, c.id) for c in turn.calls]


# -- happy path --------------------------------------------------------------------------------


@pytest.mark.parametrize("driver_cls", DRIVERS)
def test_sync_parallel_round_trip(server: FakeGeminiServer, driver_cls: Any) -> None:
    driver = driver_cls(api_key=SECRET, base_url=server.base_url, model="gemini-test")
    try:
        first = driver.first_turn("call all the APIs", DECLS)
        assert [c.name for c in first.calls] == [c["name"] for c in CALLS]
        assert [dict(c.args) for c in first.calls] == [c["args"] for c in CALLS]
        assert first.text is None
        assert first.input_tokens > 0 and first.output_tokens > 0 and first.latency_s > 0

        second = driver.next_turn(_results(first))
        assert second.calls == ()
        assert second.text == f"Done: {N_CALLS} results"
        assert second.input_tokens > first.input_tokens  # history grew
    finally:
        driver.close()
    reqs = server.requests
    assert [r.n_function_responses for r in reqs] == [0, N_CALLS]
    assert all(r.model == "gemini-test" and r.has_key and r.key_source == "header" for r in reqs)
    assert all(r.tool_names == tuple(d["name"] for d in DECLS) for r in reqs)


@pytest.mark.parametrize("driver_cls", DRIVERS)
def test_async_parallel_round_trip(server: FakeGeminiServer, driver_cls: Any) -> None:
    async def scenario() -> None:
        driver = driver_cls(api_key=SECRET, base_url=server.base_url)
        try:
            first = await driver.afirst_turn("go", DECLS)
            assert len(first.calls) == N_CALLS
            second = await driver.anext_turn(_results(first))
            assert second.text == f"Done: {N_CALLS} results"
            assert second.output_tokens > 0
        finally:
            await driver.aclose()
            driver.close()

    asyncio.run(scenario())
    assert [r.n_function_responses for r in server.requests] == [0, N_CALLS]


def test_genai_api_version_routes() -> None:
    with FakeGeminiServer(FakeGeminiConfig(calls=CALLS)) as srv:
        for version in (None, "v1", "v1beta"):
            driver = GenaiDriver(api_key=SECRET, base_url=srv.base_url, api_version=version)
            driver.first_turn("go", DECLS)
            driver.close()
        # google-genai 3.4.0 defaults to v1 for the Gemini API.
        assert [r.api_version for r in srv.requests] == ["v1", "v1", "v1beta"]


def test_sequential_mode_one_call_per_turn() -> None:
    with FakeGeminiServer(FakeGeminiConfig(calls=CALLS, mode="sequential")) as srv:
        driver = GenaiDriver(api_key=SECRET, base_url=srv.base_url)
        turn = driver.first_turn("go", DECLS)
        seen = []
        while turn.calls:
            assert len(turn.calls) == 1
            seen.append(turn.calls[0].name)
            turn = driver.next_turn(_results(turn))
        driver.close()
        assert seen == [c["name"] for c in CALLS]
        assert turn.text == f"Done: {N_CALLS} results"


def test_no_tools_gives_text(server: FakeGeminiServer) -> None:
    driver = GenaiDriver(api_key=SECRET, base_url=server.base_url)
    turn = driver.first_turn("hello", [])
    driver.close()
    assert turn.calls == () and turn.text


def test_call_ids_round_trip() -> None:
    with FakeGeminiServer(FakeGeminiConfig(calls=CALLS, emit_call_ids=True)) as srv:
        driver = GenaiDriver(api_key=SECRET, base_url=srv.base_url)
        first = driver.first_turn("go", DECLS)
        assert [c.id for c in first.calls] == [f"call_0_{i}" for i in range(N_CALLS)]
        assert driver.next_turn(_results(first)).text
        driver.close()


# -- the fake server itself ---------------------------------------------------------------------


def _post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], Any]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read()), resp.headers
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read()), err.headers


def test_legacy_int_enum_wire_format_and_query_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        # What google-generativeai 0.8.6 sends: enum-encoding=int, 6 = OBJECT, 1 = STRING.
        "tools": [{"functionDeclarations": [{"name": "api_0", "parameters": {"type": 6}}]}],
    }
    with FakeGeminiServer(FakeGeminiConfig(calls=CALLS[:1], expected_key=SECRET)) as srv:
        url = f"{srv.base_url}/v1beta/models/m:generateContent?%24alt=json%3Benum-encoding%3Dint&key={SECRET}"
        status, payload, _ = _post(url, body)
        assert status == 200
        assert payload["candidates"][0]["content"]["parts"][0]["functionCall"]["name"] == "api_0"
        assert payload["usageMetadata"]["totalTokenCount"] > 0
        rec = srv.requests[0]
        assert rec.key_source == "query" and SECRET not in rec.path
    assert SECRET not in caplog.text
    assert normalise_schema({"type": 6, "properties": {"a": {"type": 1}}}) == normalise_schema(
        {"type": "object", "properties": {"a": {"type": "STRING"}}}
    )


def test_error_shapes_and_unknown_route() -> None:
    cfg = FakeGeminiConfig(calls=CALLS, rate_limit_first=1, retry_after_s=2, unavailable_first=1)
    with FakeGeminiServer(cfg) as srv:
        url = f"{srv.base_url}/v1beta/models/m:generateContent"
        status, payload, headers = _post(url, {"contents": []})
        assert (status, payload["error"]["status"], headers["Retry-After"]) == (
            429,
            "RESOURCE_EXHAUSTED",
            "2",
        )
        status, payload, _ = _post(url, {"contents": []})
        assert (status, payload["error"]["status"]) == (503, "UNAVAILABLE")
        status, payload, _ = _post(url, {"contents": []})
        assert status == 200
        status, payload, _ = _post(f"{srv.base_url}/v2/models/m:generateContent", {})
        assert (status, payload["error"]["code"]) == (404, 404)


def test_accepted_sockets_have_nodelay() -> None:
    srv = FakeGeminiServer()
    try:
        client = socket.create_connection(("127.0.0.1", srv.port))
        conn, _ = srv.get_request()
        assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert srv.request_queue_size >= 512
        conn.close()
        client.close()
    finally:
        srv.server_close()


# -- errors, retries ----------------------------------------------------------------------------


@pytest.mark.parametrize("driver_cls", DRIVERS)
def test_429_honours_retry_after_then_succeeds(driver_cls: Any) -> None:
    sleeper = SleepRecorder()
    cfg = FakeGeminiConfig(calls=CALLS, rate_limit_first=2, retry_after_s=0.75)
    with FakeGeminiServer(cfg) as srv:
        driver = driver_cls(api_key=SECRET, base_url=srv.base_url, sleep=sleeper)
        turn = driver.first_turn("go", DECLS)
        driver.close()
    assert sleeper.delays == [0.75, 0.75]  # what the header said, not our backoff
    assert (turn.attempts, turn.waited_s, len(turn.calls)) == (3, 1.5, N_CALLS)


@pytest.mark.parametrize("driver_cls", DRIVERS)
@pytest.mark.parametrize("status", [429, 500, 503, 504])
def test_retry_info_alone_sets_the_delay_of_every_retried_status(driver_cls: Any, status: int) -> None:
    """429/500/503/504 are retried; with no Retry-After header, the body's RetryInfo gives the delay."""
    sleeper = SleepRecorder()
    cfg = FakeGeminiConfig(calls=CALLS, fail_first_attempt=status, retry_after_s=0.25, retry_info_only=True)
    with FakeGeminiServer(cfg) as srv:
        driver = driver_cls(api_key=SECRET, base_url=srv.base_url, sleep=sleeper)
        turn = driver.first_turn("go", DECLS)
        driver.close()
    assert [r.status for r in srv.requests] == [status, 200]
    assert sleeper.delays == [0.25] and turn.attempts == 2 and len(turn.calls) == N_CALLS


def test_429_async_genai_uses_async_sleep() -> None:
    sleeper = SleepRecorder()
    cfg = FakeGeminiConfig(calls=CALLS, rate_limit_first=1, retry_after_s=3)
    with FakeGeminiServer(cfg) as srv:
        driver = GenaiDriver(api_key=SECRET, base_url=srv.base_url, async_sleep=sleeper.asleep)

        async def go() -> Any:
            try:
                return await driver.afirst_turn("go", DECLS)
            finally:
                await driver.aclose()

        turn = asyncio.run(go())
        driver.close()
    assert sleeper.delays == [3.0] and turn.attempts == 2


def test_backoff_without_retry_after_is_exponential() -> None:
    sleeper = SleepRecorder()
    cfg = FakeGeminiConfig(calls=CALLS, rate_limit_first=3, retry_after_s=None)
    policy = RetryPolicy(max_attempts=4, base_delay_s=0.5, multiplier=2.0)
    with FakeGeminiServer(cfg) as srv:
        driver = GenaiDriver(api_key=SECRET, base_url=srv.base_url, sleep=sleeper, retry=policy)
        driver.first_turn("go", DECLS)
        driver.close()
    # The fake also sends RetryInfo only when Retry-After is set, so this is our backoff.
    assert sleeper.delays == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("driver_cls", DRIVERS)
def test_quota_exhausted(driver_cls: Any) -> None:
    sleeper = SleepRecorder()
    cfg = FakeGeminiConfig(calls=CALLS, rate_limit_first=100, retry_after_s=1)
    with FakeGeminiServer(cfg) as srv:
        driver = driver_cls(
            api_key=SECRET, base_url=srv.base_url, sleep=sleeper, retry=RetryPolicy(max_attempts=3)
        )
        with pytest.raises(ModelError) as info:
            driver.first_turn("go", DECLS)
        driver.close()
        assert len(srv.requests) == 3  # the SDK's own retries are off: only ours act
    assert info.value.kind == "quota" and info.value.status == 429
    assert len(sleeper.delays) == 2
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("driver_cls", DRIVERS)
def test_invalid_key_and_no_secret_anywhere(
    driver_cls: Any, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, the SDKs' and httpx's included
    with FakeGeminiServer(FakeGeminiConfig(calls=CALLS, expected_key="the-right-key")) as srv:
        driver = driver_cls(api_key=SECRET, base_url=srv.base_url)
        with pytest.raises(ModelError) as info:
            driver.first_turn("go", DECLS)
        driver.close()
        records = srv.requests
    err = info.value
    assert err.kind == "invalid_key" and err.status == 400
    assert "API key not valid" in str(err)
    out, errout = capfd.readouterr()
    for text in (str(err), repr(err), err.message, caplog.text, out, errout, repr(records)):
        assert SECRET not in text
    assert err.__cause__ is None and err.__suppress_context__


def test_missing_key_header_is_403_permission_denied() -> None:
    with FakeGeminiServer(FakeGeminiConfig(expected_key=SECRET)) as srv:
        status, payload, _ = _post(f"{srv.base_url}/v1/models/m:generateContent", {"contents": []})
    assert (status, payload["error"]["status"]) == (403, "PERMISSION_DENIED")


@pytest.mark.parametrize("driver_cls", DRIVERS)
def test_missing_key(driver_cls: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    with pytest.raises(ModelError) as info:
        driver_cls(base_url="http://127.0.0.1:1")
    assert info.value.kind == "missing_key"
    assert "GEMINI_API_KEY" in str(info.value)


def test_key_from_environment(server: FakeGeminiServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.setenv("GEMINI_API_KEY", SECRET)
    driver = GenaiDriver(base_url=server.base_url)
    assert len(driver.first_turn("go", DECLS).calls) == N_CALLS
    driver.close()


@pytest.mark.parametrize("driver_cls", DRIVERS)
def test_unreachable(driver_cls: Any) -> None:
    driver = driver_cls(api_key=SECRET, base_url=f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(ModelError) as info:
        driver.first_turn("go", DECLS)
    driver.close()
    assert info.value.kind == "unreachable"
    assert SECRET not in str(info.value)


def test_unreachable_async_genai_fails_fast() -> None:
    # google-genai's aiohttp path would sleep 1–10 s and retry a refused connection
    # unless HttpRetryOptions is set; the driver sets it, so this fails at once.
    driver = GenaiDriver(api_key=SECRET, base_url=f"http://127.0.0.1:{_closed_port()}")

    async def go() -> None:
        try:
            await driver.afirst_turn("go", DECLS)
        finally:
            await driver.aclose()

    with pytest.raises(ModelError) as info:
        asyncio.run(go())
    driver.close()
    assert info.value.kind == "unreachable"


def test_server_error_503_retried_then_reported() -> None:
    sleeper = SleepRecorder()
    with FakeGeminiServer(FakeGeminiConfig(calls=CALLS, unavailable_first=100)) as srv:
        driver = GenaiDriver(
            api_key=SECRET, base_url=srv.base_url, sleep=sleeper, retry=RetryPolicy(max_attempts=2)
        )
        with pytest.raises(ModelError) as info:
            driver.first_turn("go", DECLS)
        driver.close()
    assert (info.value.kind, info.value.status, len(sleeper.delays)) == ("server", 503, 1)


# -- peer baseline: the SDK's own automatic function calling -------------------------------------

TOOL_S = 0.2


@pytest.mark.realtime
@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_sdk_afc_runs_calls_one_after_another(use_async: bool) -> None:
    calls = [{"name": "tool_a", "args": {"request_id": "a"}}, {"name": "tool_b", "args": {"request_id": "b"}}]
    tools = [make_sleep_tool("tool_a", TOOL_S), make_sleep_tool("tool_b", TOOL_S)]
    with FakeGeminiServer(FakeGeminiConfig(calls=calls)) as srv:
        if use_async:
            run = asyncio.run(run_sdk_afc_async(tools, "go", base_url=srv.base_url, api_key=SECRET))
        else:
            run = run_sdk_afc(tools, "go", base_url=srv.base_url, api_key=SECRET)
        assert [r.n_function_responses for r in srv.requests] == [0, 2]
    assert [c.name for c in run.calls] == ["tool_a", "tool_b"]
    assert run.text == "Done: 2 results"
    # Lower bounds only, from the plan: sequential execution costs at least the sum.
    assert run.wall_s >= 0.9 * 2 * TOOL_S
    assert run.calls[1].start_s >= run.calls[0].end_s - 1e-3
    assert run.max_overlap == 1


@pytest.mark.realtime
def test_configured_latency_is_a_lower_bound_on_turn_latency() -> None:
    delays = {0: 0.15, 3: 0.05}  # by number of functionResponse parts in the request
    cfg = FakeGeminiConfig(calls=CALLS, latency_s=lambda rec: delays[rec.n_function_responses])
    with FakeGeminiServer(cfg) as srv:
        driver = GenaiDriver(api_key=SECRET, base_url=srv.base_url)
        first = driver.first_turn("go", DECLS)
        second = driver.next_turn(_results(first))
        driver.close()
    assert first.latency_s >= 0.15 and second.latency_s >= 0.05


def test_config_from_mapping_rejects_unknown_settings() -> None:
    cfg = FakeGeminiConfig.from_mapping({"calls": CALLS, "mode": "sequential", "rate_limit_every": 5})
    assert [len(b) for b in cfg.batches()] == [1] * N_CALLS
    with pytest.raises(ValueError, match="unknown fake-gemini settings"):
        FakeGeminiConfig.from_mapping({"calls": CALLS, "colour": "blue"})
    with pytest.raises(ValueError, match="unknown mode"):
        FakeGeminiServer(FakeGeminiConfig(calls=CALLS, mode="bogus"))  # type: ignore[arg-type]
