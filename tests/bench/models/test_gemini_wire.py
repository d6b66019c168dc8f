"""Gemini 2.5 / 3 wire behaviour: the fake emulates it (signatures, ids, thinking, SSE, finish reasons,
first-attempt 500s) and both drivers keep, send back, count and classify what real responses hold."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from bench.models import (
    FakeGeminiConfig,
    FakeGeminiServer,
    FunctionCallSpec,
    FunctionResult,
    GenaiDriver,
    GenerationSettings,
    LegacyDriver,
    ModelError,
    RetryPolicy,
    make_args,
    make_gemini_model,
    redact,
    split_key,
    stop_status,
)

pytestmark = [pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning")]

SECRET = "AIza.FAKE-pfcbench-wire-0123456789"
DECLS = [
    {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    },
    {
        "name": "get_stock_price",
        "description": "A share's price",
        "parameters": {
            "type": "object",
            "properties": {"symbol": {"type": "string"}},
            "required": ["symbol"],
        },
    },
]
GEMINI3 = {
    "call_declared": True,
    "emit_call_ids": True,
    "thought_signatures": True,
    "thinking_tokens": 300,
    "thought_parts": True,
    "cached_tokens": 10,
    "tool_prompt_tokens": 7,
}
FAST = RetryPolicy(base_delay_s=0.0)


def _legacy_available() -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import google.generativeai  # noqa: F401
        except ImportError:
            return False
    return True


needs_legacy = pytest.mark.skipif(not _legacy_available(), reason="google-generativeai not installed")


@pytest.fixture
def gemini3() -> Iterator[FakeGeminiServer]:
    with FakeGeminiServer(FakeGeminiConfig(**GEMINI3, chunk_delay_s=0.05)) as srv:  # type: ignore[arg-type]
        yield srv


def _answer(turn: Any) -> list[FunctionResult]:
    return [FunctionResult(c.name, {"ok": True}, c.id) for c in turn.calls]


def test_args_are_made_up_from_the_schema_without_request_id() -> None:
    """Enum first, plausible values for known names, one by type otherwise; nothing the model must copy."""
    assert make_args(DECLS[0]["parameters"]) == {"location": "Madrid", "unit": "celsius"}
    assert make_args({"type": "OBJECT", "properties": {"n": {"type": "INTEGER"}, "f": {"type": 4}}}) == {
        "n": 1,
        "f": True,
    }
    # google-genai declares an optional ``int`` parameter of a callable as anyOf [INTEGER, NULL]
    optional = {"anyOf": [{"type": "INTEGER"}, {"type": "NULL"}]}
    assert make_args({"type": "OBJECT", "properties": {"limit": optional}}) == {"limit": 1}


@pytest.mark.parametrize("stream", [False, True])
def test_genai_keeps_signatures_and_ids_and_counts_thinking(gemini3: FakeGeminiServer, stream: bool) -> None:
    """0 rejected requests; thoughts stay out of the answer and are counted with every usage field."""
    thoughts = GenerationSettings(include_thoughts=True)
    driver = GenaiDriver(api_key=SECRET, base_url=gemini3.base_url, stream=stream, settings=thoughts)
    arrived: list[FunctionCallSpec] = []
    try:
        first = driver.first_turn("weather and GOOG", DECLS, on_call=arrived.append)
        assert [c.name for c in first.calls] == ["get_weather", "get_stock_price"]
        assert all(c.id for c in first.calls) and first.calls[0].args == {
            "location": "Madrid",
            "unit": "celsius",
        }
        assert (first.thoughts_tokens, first.cached_tokens, first.tool_prompt_tokens) == (300, 10, 7)
        second = driver.next_turn(_answer(first))
        assert second.text == "Done: 2 results" and second.stop is None
    finally:
        driver.close()
    assert gemini3.rejected == 0 and [r.status for r in gemini3.requests] == [200, 200]
    assert arrived == list(first.calls)


def test_streamed_calls_arrive_before_the_turn_ends(gemini3: FakeGeminiServer) -> None:
    """With a delay between SSE chunks the first call is reported well before the stream has finished."""
    import time

    driver = GenaiDriver(api_key=SECRET, base_url=gemini3.base_url, stream=True)
    seen: list[float] = []
    try:
        t0 = time.perf_counter()
        driver.first_turn("go", DECLS, on_call=lambda spec: seen.append(time.perf_counter() - t0))
        done = time.perf_counter() - t0
    finally:
        driver.close()
    assert len(seen) == 2 and done - seen[0] >= 0.04  # one 50 ms chunk gap at least


def test_async_stream_through_client_aio(gemini3: FakeGeminiServer) -> None:
    """The async twin streams too and the conversation is accepted by the strict fake."""

    async def go() -> str | None:
        driver = GenaiDriver(api_key=SECRET, base_url=gemini3.base_url, stream=True)
        try:
            first = await driver.afirst_turn("go", DECLS)
            return (await driver.anext_turn(_answer(first))).text
        finally:
            await driver.aclose()
            driver.close()

    assert asyncio.run(go()) == "Done: 2 results"
    assert gemini3.rejected == 0


def test_a_changed_signature_or_missing_id_is_a_400() -> None:
    """The fake refuses history whose signature was dropped or changed, or a response without the call id."""
    with FakeGeminiServer(FakeGeminiConfig(**GEMINI3)) as srv:  # type: ignore[arg-type]
        url = f"{srv.base_url}/v1beta/models/m:generateContent"
        body: dict[str, Any] = {
            "contents": [{"role": "user", "parts": [{"text": "q"}]}],
            "tools": [{"functionDeclarations": DECLS}],
        }
        assert not any(p.get("thought") for p in _post(url, body)["candidates"][0]["content"]["parts"])
        body["generationConfig"] = {"thinkingConfig": {"includeThoughts": True}}
        first = _post(url, body)["candidates"][0]["content"]
        assert first["parts"][0]["thought"] is True  # thought summaries only when asked for
        calls = [p for p in first["parts"] if "functionCall" in p]
        assert calls[0]["thoughtSignature"] and "thoughtSignature" not in calls[1]
        responses = [{"functionResponse": {"name": p["functionCall"]["name"], "id": p["functionCall"]["id"],
                                           "response": {}}} for p in calls]  # fmt: skip
        ok = {**body, "contents": [*body["contents"], first, {"role": "user", "parts": responses}]}
        assert _post(url, ok)["candidates"][0]["finishReason"] == "STOP"
        dropped = json.loads(json.dumps(ok))
        del dropped["contents"][1]["parts"][1]["thoughtSignature"]  # part 0 is the thought part
        with pytest.raises(urllib.error.HTTPError) as exc:
            _post(url, dropped)
        assert exc.value.code == 400
        exc.value.close()
        no_id = json.loads(json.dumps(ok))
        del no_id["contents"][2]["parts"][0]["functionResponse"]["id"]
        with pytest.raises(urllib.error.HTTPError) as exc:
            _post(url, no_id)
        exc.value.close()
        assert srv.rejected == 2


def _post(url: str, body: dict[str, Any]) -> Any:
    req = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json", "x-goog-api-key": SECRET}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def test_finish_reason_and_first_attempt_500() -> None:
    """A 500 on every first attempt is retried away; MALFORMED_FUNCTION_CALL becomes the turn's stop."""
    cfg = FakeGeminiConfig(
        call_declared=True, fail_first_attempt=500, retry_after_s=0.0, finish_reason_rate=1.0
    )
    with FakeGeminiServer(cfg) as srv:
        driver = GenaiDriver(api_key=SECRET, base_url=srv.base_url, retry=FAST)
        try:
            turn = driver.first_turn("go", DECLS)
        finally:
            driver.close()
    assert turn.attempts == 2 and turn.calls == () and turn.stop == "malformed_function_call"
    assert [r.status for r in srv.requests] == [500, 200]


@pytest.mark.parametrize(
    ("make", "stream"),
    [("genai", False), ("genai", True), pytest.param("legacy", False, marks=needs_legacy)],
)
def test_a_blocked_prompt_ends_the_query_as_safety(make: str, stream: bool) -> None:
    """promptFeedback.blockReason with no candidate (JSON or SSE) is the turn's safety stop, not an empty turn."""
    cfg = FakeGeminiConfig(call_declared=True, finish_reason="PROMPT_BLOCKED", finish_reason_rate=1.0)
    with FakeGeminiServer(cfg) as srv:
        if make == "genai":
            driver: Any = GenaiDriver(api_key=SECRET, base_url=srv.base_url, stream=stream)
        else:
            driver = LegacyDriver(api_key=SECRET, base_url=srv.base_url)
        try:
            turn = driver.first_turn("go", DECLS)
        finally:
            driver.close()
    assert turn.calls == () and turn.text is None and turn.stop == "safety" and turn.input_tokens > 0


def test_stop_statuses() -> None:
    """Finish and block reasons map to the recorded statuses."""
    assert stop_status("STOP", None) is None
    assert stop_status("MAX_TOKENS", None) == "max_tokens"
    assert stop_status("PROHIBITED_CONTENT", None) == "safety"
    assert stop_status(None, "SAFETY") == "safety"
    assert stop_status("MALFORMED_FUNCTION_CALL", None) == "malformed_function_call"


@needs_legacy
def test_legacy_keeps_ids_and_derives_thinking_tokens() -> None:
    """The legacy protos carry call ids (echoed), the total gives the thinking tokens, and a request that
    cannot ask for thought parts gets none in its answer."""
    cfg = FakeGeminiConfig(call_declared=True, emit_call_ids=True, thinking_tokens=120, thought_parts=True)
    with FakeGeminiServer(cfg) as srv:
        driver = LegacyDriver(api_key=SECRET, base_url=srv.base_url)
        try:
            first = driver.first_turn("go", DECLS)
            assert all(c.id for c in first.calls) and first.thoughts_tokens == 120 and first.text is None
            assert driver.next_turn(_answer(first)).text == "Done: 2 results"
        finally:
            driver.close()
        assert srv.rejected == 0


@needs_legacy
def test_legacy_refuses_gemini_3_in_one_line() -> None:
    """google-generativeai cannot carry a thought signature: Gemini 3 is refused before anything is sent."""
    with pytest.raises(ModelError) as exc:
        make_gemini_model("gemini-legacy", model="gemini-3-flash-preview", base_url="http://127.0.0.1:9")
    assert exc.value.kind == "unsupported" and "thought signature" in str(exc.value)


def test_keys_are_redacted_anywhere_in_a_url() -> None:
    """key= in a query, user-info and Google-shaped keys never survive; split_key takes the key out."""
    url = f"http://127.0.0.1:8080/?alt=sse&key={SECRET}"
    assert SECRET not in redact(url) and "alt=sse" in redact(url)
    assert redact("http://user:pw@host/x") == "http://***@host/x"
    assert split_key(url) == ("http://127.0.0.1:8080/?alt=sse", SECRET)
