"""The run command against fakes that behave like Gemini 2.5 / 3: signatures and ids, thinking, streaming,
finish reasons, first-attempt 500s, keys in URLs, cassettes recorded under something else, [model] tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.cli import main
from bench.models import FakeGeminiConfig, start_scenario_server
from reports import read_records
from scenarios import load_catalog
from tests.bench._sdks import needs_legacy

pytestmark = [pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning")]

KEY = "AIza.FAKE-pfcbench-cliwire-000000000"
SCALE = "0.1"


def _serve(**cfg: object) -> Iterator[str]:
    server = start_scenario_server([load_catalog()["doc-3apis"]], FakeGeminiConfig(expected_key=KEY, **cfg))  # type: ignore[arg-type]
    try:
        yield server.base_url
    finally:
        server.stop()


@pytest.fixture
def gemini3() -> Iterator[str]:
    yield from _serve(
        emit_call_ids=True, thought_signatures=True, thinking_tokens=300, thought_parts=True,
        chunk_delay_s=0.03, latency_s=0.01,
    )  # fmt: skip


@pytest.fixture
def flaky() -> Iterator[str]:
    yield from _serve(finish_reason_rate=0.5, fail_first_attempt=500, retry_after_s=0.0)


def _scan(root: Path, *texts: str) -> list[str]:
    files = [f for f in root.rglob("*") if f.is_file() and KEY in f.read_text(errors="replace")]
    return [str(f) for f in files] + [t[:60] for t in texts if KEY in t]


def _run(url: str, out: Path, *extra: str) -> int:
    argv = ["run", "--model", "gemini", "--scenario", "doc-3apis", "--gemini-base-url", url,
            "--time-scale", SCALE, "--out", str(out), *extra]  # fmt: skip
    return main(argv)


@pytest.mark.realtime
def test_streamed_gemini3_run_keeps_signatures_counts_thinking_and_starts_calls_early(
    gemini3: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """0 rejected requests (every query answered), thinking tokens in the record and the cost, calls started
    before their turn finished streaming, the saving with its CI in the report; the key (given in the URL)
    appears in no output."""
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    out = tmp_path / "run"
    url = f"{gemini3}/?key={KEY}"
    assert _run(url, out, "--executor", "threaded", "--executor", "asyncio", "--trials", "3", "--stream",
                "--include-thoughts") == 0  # fmt: skip
    recs = read_records(out / "results.jsonl")
    assert recs and all(r.session.status == "answered" for r in recs)
    assert all(r.session.tokens_thoughts == 600 for r in recs)
    with_thinking = recs[0].session.cost_usd
    assert with_thinking > (recs[0].session.tokens_in * 0.30 + recs[0].session.tokens_out * 2.50) / 1e6
    streamed = [r for r in recs if r.executor in ("threaded", "asyncio")]
    for r in streamed:
        first_turn_end = r.session.turns[0].end_s
        assert all(c.arrived_s is not None for c in r.calls)
        assert min(c.start_s for c in r.calls) < first_turn_end
    # each streamed query has its whole-turn twin, same trial, not streamed: the measured side of the saving
    twins = {(r.executor, r.trial) for r in recs if r not in streamed}
    assert twins == {(f"{r.executor}~whole-turn", r.trial) for r in streamed}
    assert all(r.session.stream_saved_s is None and all(c.arrived_s is None for c in r.calls)
               for r in recs if r not in streamed)  # fmt: skip
    assert all(r.lower_bound_s <= r.makespan_s for r in recs)
    e2e = (out / "e2e.md").read_text()
    assert "Streaming" in e2e and "measured (median of 3 paired differences" in e2e
    cap = capsys.readouterr()
    assert _scan(tmp_path, cap.out, cap.err) == []


@pytest.mark.realtime
def test_otel_names_each_call_by_the_id_the_model_gave_it_on_the_wire(
    gemini3: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against a fake that names its calls (Gemini 3's functionCall.id), each call's record keeps that id,
    otel.json's gen_ai.tool.call.id is it and pfcbench.call_id the plan's; both shared checkers pass."""
    import subprocess
    import sys

    from bench.traces import read_spans
    from tests.conftest import shared_tool

    checkers = [shared_tool("check_results.py"), shared_tool("check_otel.py")]
    if not all(c.exists() for c in checkers):
        pytest.skip("shared/tools checkers not found beside the checkout")
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    out = tmp_path / "run"
    assert _run(gemini3, out, "--executor", "threaded", "--executor", "asyncio", "--trials", "2") == 0
    recs = read_records(out / "results.jsonl")
    wire = {(r.executor, r.trial, c.id): c.wire_id for r in recs for c in r.calls}
    assert wire and all(w is not None and w.startswith("call_") for w in wire.values())
    spans = [s for s in read_spans(out / "otel.json") if s.operation == "execute_tool"]
    exported = {
        (s.attrs["pfcbench.executor"], s.attrs["pfcbench.trial"], s.attrs["pfcbench.call_id"]): s.attrs[
            "gen_ai.tool.call.id"
        ]
        for s in spans
    }
    assert exported == wire
    results, otel = str(out / "results.jsonl"), str(out / "otel.json")
    for argv in ([str(checkers[0]), results], [str(checkers[1]), otel, "--results", results]):
        got = subprocess.run([sys.executable, *argv], capture_output=True, text=True, check=False)
        assert got.returncode == 0, got.stdout + got.stderr


@pytest.mark.realtime
def test_malformed_calls_and_500s_do_not_stop_the_run(
    flaky: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """First-attempt 500s are retried; MALFORMED_FUNCTION_CALL turns end their query with that status; the
    run finishes with exit 0 and the report counts each status."""
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    out = tmp_path / "run"
    assert _run(flaky, out, "--executor", "threaded", "--trials", "6") == 0
    statuses = [r.session.status for r in read_records(out / "results.jsonl")]
    assert set(statuses) <= {"answered", "malformed_function_call"} and "malformed_function_call" in statuses
    e2e = (out / "e2e.md").read_text()
    assert "malformed_function_call" in e2e


@pytest.mark.realtime
def test_replay_of_another_prompt_or_executor_is_refused(
    gemini3: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cassette stores scenario hash, declarations, prompt and executor; a mismatch is one line, exit 2."""
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    tape = tmp_path / "tape.jsonl"
    assert (
        _run(gemini3, tmp_path / "rec", "--executor", "threaded", "--trials", "1", "--record", str(tape)) == 0
    )
    base = ["run", "--model", "replay", "--cassette", str(tape), "--scenario", "doc-3apis", "--trials", "1",
            "--time-scale", SCALE, "--replay-latency", "zero"]  # fmt: skip
    assert main([*base, "--executor", "threaded", "--out", str(tmp_path / "ok")]) == 0
    capsys.readouterr()
    assert main([*base, "--executor", "asyncio", "--out", str(tmp_path / "ex")]) == 2
    assert main([*base, "--executor", "threaded", "--prompt", "other", "--out", str(tmp_path / "pr")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "executor 'asyncio'" in err[0] and "prompt" in err[1]


def test_legacy_with_gemini_3_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    """The legacy SDK cannot send a thought signature back: Gemini 3 models are refused before running."""
    pytest.importorskip("google.generativeai")
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    argv = ["run", "--model", "gemini-legacy", "--gemini-model", "gemini-3-flash-preview", "--scenario",
            "doc-3apis", "--gemini-base-url", "http://127.0.0.1:9", "--out", str(tmp_path / "o")]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "thought signature" in err[0]


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--gemini-model", "models/gemini-3-pro-preview"], "thought signatures"),
        (["--function-calling", "VALIDATED"], "not VALIDATED"),
    ],
)
def test_what_the_legacy_sdk_cannot_send_is_refused_before_running(extra: list[str], needle: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    """A mode google-generativeai does not map (its KeyError mid-run) or a Gemini 3 model: one line, exit 2."""
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    argv = ["run", "--model", "gemini-legacy", "--scenario", "doc-3apis", "--gemini-base-url",
            "http://127.0.0.1:9", "--out", str(tmp_path / "o"), *extra]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]
    assert not (tmp_path / "o" / "results.jsonl").exists()


@pytest.mark.parametrize(
    ("table", "needle"),
    [("function_calling = 'SOMETIMES'", "model.function_calling"), ("colour = 1", "unknown key 'colour'")],
)
def test_bad_model_table_is_one_line(table: str, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    """A scenario file's [model] table is validated like the rest of the file."""
    src = (Path(load_catalog()["doc-3apis"].source)).read_text()
    f = tmp_path / "s.toml"
    f.write_text(src + f"\n[model]\n{table}\n")
    assert main(["run", "--scenario", str(f), "--model", "simulated", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1


def test_consecutive_model_errors_stop_the_run_after_n(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A server that only answers 500: each query is recorded as model_error until N in a row stop the run
    with one line and exit 2; the records written stay."""

    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    for url in _serve(server_error_first=10_000, retry_after_s=0.0):
        out = tmp_path / "run"
        argv = ["--executor", "threaded", "--trials", "5", "--warmup", "0", "--max-consecutive-failures", "2"]
        assert _run(url, out, *argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "2 queries in a row failed" in err[0]
    recs = read_records(out / "results.jsonl")
    assert [r.session.status for r in recs] == ["model_error", "model_error"]
    assert json.loads((out / "run.json").read_text())["status"] == "failed"


def test_model_table_prompt_and_settings_reach_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scenario file's [model] prompt is what the model is asked (kept in the cassette) and its settings
    are recorded in run.json; the model sees the tools' own declarations, no request_id."""

    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    src = Path(load_catalog()["doc-3apis"].source).read_text()
    f = tmp_path / "s.toml"
    f.write_text(src + "\n[model]\nprompt = 'hola'\nfunction_calling = 'any'\ntemperature = 0.2\n")
    tape, out = tmp_path / "tape.jsonl", tmp_path / "run"
    for url in _serve():
        argv = ["run", "--model", "gemini", "--scenario", str(f), "--gemini-base-url", url, "--time-scale", SCALE,
                "--executor", "threaded", "--trials", "1", "--warmup", "0", "--out", str(out), "--record", str(tape)]  # fmt: skip
        assert main(argv) == 0
    head = json.loads(tape.read_text().splitlines()[0])
    assert head["prompt"] == "hola"
    assert all("request_id" not in json.dumps(d) for d in head["declarations"])
    settings = json.loads((out / "run.json").read_text())["args"]["settings"]
    assert settings == {"function_calling": "ANY", "temperature": 0.2}


@pytest.mark.parametrize(
    ("model", "executors", "thinking"),
    [
        ("gemini", ("threaded", "asyncio", "sdk-afc"), ["--thinking-budget", "64", "--include-thoughts"]),
        pytest.param("gemini-legacy", ("threaded", "asyncio"), [], marks=needs_legacy),
    ],
)
def test_request_flags_reach_the_wire_on_every_path(
    model: str,
    executors: tuple[str, ...],
    thinking: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--system-instruction, --function-calling, --temperature (and google-genai's thinking config) are in
    every request each executor's path sends: sync, client.aio and the SDK's own AFC."""
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    server = start_scenario_server([load_catalog()["doc-3apis"]], FakeGeminiConfig(expected_key=KEY))
    try:
        flags = ["--system-instruction", "Be brief.", "--function-calling", "ANY", "--temperature", "0.3"]
        argv = ["run", "--model", model, "--scenario", "doc-3apis", "--gemini-base-url", server.base_url,
                "--time-scale", SCALE, "--trials", "1", "--warmup", "0", "--out", str(tmp_path / "o"),
                *flags, *thinking, *[a for e in executors for a in ("--executor", e)]]  # fmt: skip
        assert main(argv) == 0
        sent = [r.settings for r in server.requests]
    finally:
        server.stop()
    assert len(sent) == 2 * len(executors)  # calls, then the answer, per query
    for s in sent:
        assert "Be brief." in json.dumps(s["systemInstruction"])
        assert s["toolConfig"]["functionCallingConfig"]["mode"] in ("ANY", 2)  # legacy: enum as int
        assert s["generationConfig"]["temperature"] == pytest.approx(0.3)
        if thinking:
            # google-genai 3.4.0 spells thinkingConfig's fields in snake_case (proto JSON takes both)
            tc = {k.replace("_", "").lower(): v for k, v in s["generationConfig"]["thinkingConfig"].items()}
            assert tc == {"thinkingbudget": 64, "includethoughts": True}


def test_a_query_whose_retries_run_out_is_model_error_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first query's four attempts all get 500: it is recorded as model_error, the next queries answer,
    exit 0, and the report counts one model_error."""
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    out = tmp_path / "run"
    for url in _serve(server_error_first=4, retry_after_s=0.0):
        assert _run(url, out, "--executor", "threaded", "--trials", "3", "--warmup", "0") == 0
    recs = read_records(out / "results.jsonl")
    assert [r.session.status for r in recs] == ["model_error", "answered", "answered"]
    assert "gave up after 4 attempts" in str(recs[0].session.error)
    row = next(
        line
        for line in (out / "e2e.md").read_text().splitlines()
        if line.startswith("| parallel | threaded | 2 |")
    )
    assert row.endswith("| 1 |")  # the last column: model_error


@pytest.mark.parametrize(
    ("model", "cell", "warning"),
    [
        ("gemini-9-ultra", "unknown", "no price row for gemini-9-ultra: cost unknown"),
        ("gemini-2.5-flash-001", "", "gemini-2.5-flash-001 priced as gemini-2.5-flash (family row)"),
    ],
)
def test_the_report_warns_of_an_unknown_or_family_priced_model(
    model: str, cell: str, warning: str, tmp_path: Path
) -> None:
    """An unpriced model's cost is "unknown" (never 0) with a warning; a dated name says which row billed it."""
    argv = ["run", "--model", "simulated", "--gemini-model", model, "--scenario", "doc-3apis", "--executor",
            "threaded", "--trials", "1", "--warmup", "0", "--time-scale", "0.01", "--out", str(tmp_path / "o")]  # fmt: skip
    assert main(argv) == 0
    e2e = (tmp_path / "o" / "e2e.md").read_text()
    row = next(line for line in e2e.splitlines() if line.startswith("| parallel | threaded | 1 |"))
    assert row.endswith(f"| {cell} |") if cell else not row.endswith("| unknown |")
    assert f"Warning (parallel, threaded): {warning}." in e2e


def test_max_turns_bounds_sdk_afc_as_it_bounds_our_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--max-turns 1: both paths stop after the model's first turn with its calls unanswered (max_turns)."""
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    out = tmp_path / "run"
    for url in _serve():
        argv = ["--executor", "threaded", "--executor", "sdk-afc", "--trials", "1", "--warmup", "0"]
        assert _run(url, out, *argv, "--max-turns", "1") == 0
    recs = read_records(out / "results.jsonl")
    assert {r.executor: r.session.status for r in recs} == {"threaded": "max_turns", "sdk-afc": "max_turns"}
    assert {r.executor: r.session.n_turns for r in recs} == {"threaded": 1, "sdk-afc": 1}


def test_replay_after_a_tool_was_renamed_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A renamed tool changes the scenario hash the cassette keeps: one line, exit 2, nothing replayed."""
    src = Path(load_catalog()["doc-3apis"].source).read_text()
    f, tape = tmp_path / "s.toml", tmp_path / "tape.jsonl"
    f.write_text(src)
    common = [
        "--scenario",
        str(f),
        "--executor",
        "threaded",
        "--trials",
        "1",
        "--warmup",
        "0",
        "--time-scale",
        "0.01",
    ]
    assert (
        main(["run", "--model", "simulated", "--record", str(tape), *common, "--out", str(tmp_path / "a")])
        == 0
    )
    f.write_text(src.replace("get_weather", "get_forecast"))
    capsys.readouterr()
    assert (
        main(["run", "--model", "replay", "--cassette", str(tape), *common, "--out", str(tmp_path / "b")])
        == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "was recorded with hash" in err[0]
    assert not (tmp_path / "b" / "results.jsonl").exists()


@pytest.mark.realtime
def test_a_fake_that_knows_nothing_of_the_plan_answers_every_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's foreign fake: it calls every declared function once, arguments made up from the schema, no
    request_id. threaded, asyncio and sdk-afc answer every query with 0 failed and 0 missing calls."""
    from bench.models import FakeGeminiServer

    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    out = tmp_path / "run"
    with FakeGeminiServer(FakeGeminiConfig(call_declared=True, expected_key=KEY)) as srv:
        execs = [a for e in ("threaded", "asyncio", "sdk-afc") for a in ("--executor", e)]
        assert _run(srv.base_url, out, *execs, "--trials", "2") == 0
    recs = read_records(out / "results.jsonl")
    assert len(recs) == 6 and all(r.session.status == "answered" for r in recs)
    assert all(r.session.failed_calls == 0 and r.session.missing_calls == 0 for r in recs)
