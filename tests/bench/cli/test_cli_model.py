"""The whole CLI with a model in the loop: the loopback Gemini fake, both SDKs, record/replay, key hygiene."""

from __future__ import annotations

import importlib
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.cli import main
from bench.models import FakeGeminiConfig, start_scenario_server
from reports import read_records
from scenarios import load_catalog
from tests.bench._sdks import needs_legacy
from tests.conftest import run_argv

pytestmark = [
    # google-genai 3.4.0 subclasses aiohttp.ClientSession on its async path (not ours to fix)
    pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning"),
]

KEY = "AIza.FAKE-pfcbench-test-0000000000000"
WRONG = "AIza.FAKE-pfcbench-wrong-111111111111"
DOC_ROWS = ["doc-3apis", "doc-5apis", "doc-10apis", "doc-10apis-ratelimited"]
SCALE = "0.05"


@pytest.fixture
def fake() -> Iterator[str]:
    cat = load_catalog()
    server = start_scenario_server([cat[n] for n in DOC_ROWS], FakeGeminiConfig(expected_key=KEY))
    try:
        yield server.base_url
    finally:
        server.stop()


def _scan(paths: list[Path], *texts: str) -> list[str]:
    """Every file under ``paths`` and every text that holds a key."""
    hits = [str(f) for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
    hits = [
        f
        for f in hits
        if KEY in Path(f).read_text(errors="replace") or WRONG in Path(f).read_text(errors="replace")
    ]
    return hits + [t[:80] for t in texts if KEY in t or WRONG in t]


def _rows(out: Path, executor: str, field: str) -> list[float]:
    return [
        float(getattr(r.session, field))
        for r in read_records(out / "results.jsonl")
        if r.executor == executor
    ]


@pytest.mark.realtime
@pytest.mark.parametrize("model", ["gemini", pytest.param("gemini-legacy", marks=needs_legacy)])
def test_doc_rows_against_the_fake_and_no_key_anywhere(model, fake, tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """The document's four rows run through the fake; sdk-afc's tool time is the sum, threaded's the max;
    the key is in no output file, cassette, stdout or stderr."""
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    out, tape = tmp_path / "run", tmp_path / "tape.jsonl"
    execs = ["threaded", "asyncio"] + (["sdk-afc"] if model == "gemini" else [])
    argv = ["run", "--model", model, "--gemini-base-url", fake, "--trials", "2", "--time-scale", SCALE]
    argv += [a for n in DOC_ROWS for a in ("--scenario", n)] + [a for e in execs for a in ("--executor", e)]
    assert main([*argv, "--out", str(out), "--record", str(tape)]) == 0
    recs = read_records(out / "results.jsonl")
    assert {r.scenario for r in recs} == set(DOC_ROWS)
    assert all(r.session.missing_calls == 0 for r in recs)
    # A model run keeps the requested scale on a quota scenario (only plain runs are raised to the grace
    # floor, scenarios.quota_time_scale): at 0.05 a paused thread on a loaded machine may still draw a 429
    # there, so the quota row's failed calls may only be 429s; every other row has none.
    quota_row = "doc-10apis-ratelimited"
    assert all(r.session.failed_calls == 0 for r in recs if r.scenario != quota_row)
    assert all(c.status in ("ok", "rate_limited") for r in recs if r.scenario == quota_row for c in r.calls)
    three = [r for r in recs if r.scenario == "doc-3apis"]
    planned_sum = statistics.median(r.planned_sum_s for r in three)
    planned_max = statistics.median(r.planned_max_s for r in three)
    tool = {e: statistics.median(r.session.tool_s for r in three if r.executor == e) for e in execs}
    assert tool["threaded"] == pytest.approx(planned_max, rel=0.5)
    if "sdk-afc" in tool:
        assert tool["sdk-afc"] == pytest.approx(planned_sum, rel=0.25)
        assert tool["sdk-afc"] > 2 * tool["threaded"]
    assert (out / "e2e.md").is_file()
    # and once with the wrong key: one line, exit 2, still no key anywhere
    monkeypatch.setenv("GEMINI_API_KEY", WRONG)
    assert main([*argv, "--out", str(tmp_path / "bad")]) == 2
    cap = capsys.readouterr()
    assert "invalid_key" in cap.err and len(cap.err.strip().splitlines()[-1]) < 400
    assert _scan([tmp_path], cap.out, cap.err) == []


def test_record_then_replay_gives_the_same_per_call_plan(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """A recorded simulated run replays (at zero latency) to the same turns, calls and planned latencies."""
    base = run_argv("doc-5apis", "threaded", 2, "--time-scale", "0.02")
    modes = ["--model-mode", "parallel", "--model-mode", "sequential"]
    tape = tmp_path / "tape.jsonl"
    assert (
        main([*base, *modes, "--model", "simulated", "--out", str(tmp_path / "a"), "--record", str(tape)])
        == 0
    )
    argv = [*base, *modes, "--model", "replay", "--cassette", str(tape), "--replay-latency", "zero"]
    assert main([*argv, "--out", str(tmp_path / "b")]) == 0

    def shape(d: str) -> dict[tuple[str, int, str], object]:
        return {
            (r.scenario, r.trial, str(r.session.mode)): (
                [list(t.calls) for t in r.session.turns],
                [(c.id, c.tool, c.planned_latency_s) for c in r.calls],
                r.session.tokens_in,
            )
            for r in read_records(tmp_path / d / "results.jsonl")
        }

    assert shape("a") == shape("b")
    replayed = read_records(tmp_path / "b" / "results.jsonl")
    assert all(r.model == "replay" for r in replayed)


def test_e2e_report_checks_the_documents_claims(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Parallel vs sequential mode: e2e.md states latency, tokens and turns with numbers, each 'holds'."""
    argv = run_argv("doc-3apis", "threaded", 3, "--time-scale", "0.02")
    argv += ["--model", "simulated", "--model-mode", "parallel", "--model-mode", "sequential"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    text = (tmp_path / "e2e.md").read_text()
    assert "| sequential | threaded | 3 |" in text
    for claim in ("lower latency", "fewer tokens", "fewer API calls"):
        line = next(x for x in text.splitlines() if claim in x)
        assert line.endswith("holds.") and any(ch.isdigit() for ch in line)


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--model", "simulated", "--executor", "sdk-afc"], "needs --model gemini"),
        (["--model", "replay"], "needs --cassette"),
        (["--model", "none", "--model-mode", "sequential"], "need a model"),
    ],
)
def test_nonsense_is_one_line_and_exit_2(extra, needle, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Combinations that cannot mean anything are refused before anything is written."""
    assert main(["run", "--scenario", "doc-3apis", "--out", str(tmp_path / "o"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_missing_key_is_one_line(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """No key in the environment: one line naming the variables, exit 2."""
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    argv = ["run", "--scenario", "doc-3apis", "--model", "gemini", "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    assert "GEMINI_API_KEY" in capsys.readouterr().err


def test_unreachable_endpoint_is_one_line_and_marks_the_run_failed(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """A closed port: one key-free line, exit 2, and run.json says 'failed' (not a stale 'running')."""
    import json
    import socket

    with socket.socket() as s:  # a port nobody listens on once this block closes it
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    out = tmp_path / "o"
    argv = ["run", "--scenario", "doc-3apis", "--model", "gemini", "--gemini-base-url",
            f"http://127.0.0.1:{port}", "--executor", "threaded", "--trials", "1", "--out", str(out)]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "unreachable" in err and len(err.splitlines()) == 1 and KEY not in err
    assert json.loads((out / "run.json").read_text())["status"] == "failed"
    assert _scan([out]) == []


def test_serve_gemini_command_serves_a_scenario(tmp_path) -> None:
    """``pfcbench serve-gemini`` listens, writes its port, and answers with the scenario's calls."""
    import json
    import urllib.request

    port_file = tmp_path / "port"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench",
            "serve-gemini",
            "--scenario",
            "doc-3apis",
            "--port-file",
            str(port_file),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port_file.read_text().strip()}/v1beta/models/m:generateContent"
        decls = [
            {"name": t.name, "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}}
            for t in load_catalog()["doc-3apis"].tools
        ]
        body = {
            "contents": [{"role": "user", "parts": [{"text": "q"}]}],
            "tools": [{"functionDeclarations": decls}],
        }
        req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            parts = json.load(resp)["candidates"][0]["content"]["parts"]
        # the scenario's tools in plan order, arguments made up from the declared schema, no request_id
        calls = [p["functionCall"] for p in parts]
        assert [c["name"] for c in calls] == [c.tool for c in load_catalog()["doc-3apis"].calls]
        assert all(c["args"] == {"location": "Madrid"} for c in calls)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)


CHOSEN_MODULE = '''
import asyncio
from typing import Literal
CALLS = []

def convert(amount: float, unit: Literal["kelvin", "celsius"], days: int = 3) -> dict:
    """Convert a temperature.

    Args:
        amount: Degrees.
        unit: Unit to convert to.
    """
    CALLS.append(("convert", {"amount": amount, "unit": unit, "days": days}))
    return {"ok": True}

async def quote(symbol: str) -> dict:
    """Price of a stock."""
    CALLS.append(("quote", {"symbol": symbol}))
    await asyncio.sleep(0.01)
    return {"price": 1.0}
'''

CHOSEN_SCENARIO = """
name = "model-chooses"
calls = [
    { id = "c", tool = "convert", args = { amount = 20.0, unit = "celsius", days = 5 } },
    { id = "q", tool = "quote", args = { symbol = "AAPL" } },
]
[[tools]]
name = "convert"
python = "chosen_tools:convert"
[[tools]]
name = "quote"
python = "chosen_tools:quote"
"""


@pytest.mark.realtime
@pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning")
def test_a_model_chooses_python_tools_arguments_from_their_declarations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With Gemini in the loop (the loopback fake, google-genai), the declarations sent are the functions'
    own: the fake makes arguments up from the declared schema (first enum value of the Literal, a number
    for float, an integer for int), and those, not the file's [[calls]] args, reach the functions."""
    from scenarios import load_file

    (tmp_path / "chosen_tools.py").write_text(CHOSEN_MODULE)
    (tmp_path / "chosen.toml").write_text(CHOSEN_SCENARIO)
    monkeypatch.setenv("GEMINI_API_KEY", "AIza.FAKE-pfcbench-test-0000000000000")
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    try:
        (sc,) = load_file(tmp_path / "chosen.toml")
        fake = start_scenario_server([sc], FakeGeminiConfig())
        try:
            argv = ["run", "--scenario", str(tmp_path / "chosen.toml"), "--model", "gemini", "--trials", "1"]
            argv += ["--gemini-base-url", fake.base_url, "--time-scale", "1", "--warmup", "0"]
            code = main([*argv, "--executor", "threaded", "--out", str(tmp_path / "out")])
            declared = {n for r in fake.requests for n in r.tool_names}
        finally:
            fake.stop()
        calls = importlib.import_module("chosen_tools").CALLS
    finally:
        sys.modules.pop("chosen_tools", None)
        sys.path.remove(str(tmp_path))
    assert code == 0, capsys.readouterr().err
    assert declared == {"convert", "quote"}
    assert sorted(calls) == [
        ("convert", {"amount": 1.5, "unit": "kelvin", "days": 1}),
        ("quote", {"symbol": "GOOG"}),
    ]
    (rec,) = read_records(tmp_path / "out" / "results.jsonl")
    assert [c.status for c in rec.calls] == ["ok", "ok"]
    capsys.readouterr()
