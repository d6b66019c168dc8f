"""The trace-capture drivers against the real frameworks (skipped without them; ``nox -s traces`` installs
them): ADK and google-genai AFC talk to ``pfcbench serve-gemini`` on loopback, the OpenAI Agents SDK to a
scripted model; tools sleep U(200, 800) ms. The traces they write are read with the truth's turns and tools."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.traces import read_trace

pytest.importorskip("opentelemetry.sdk")
CAPTURE = Path(__file__).parents[3] / "tools" / "capture_trace.py"
TOOLS = {"get_weather": "200:800", "get_time": "200:800", "get_news": "200:800"}
SCENARIO = "name = 'capture'\n" + "".join(
    f"[[tools]]\nname = '{t}'\nlatency = {{ dist = 'uniform', low_ms = 200, high_ms = 800 }}\n" for t in TOOLS
)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A serve-gemini per mode (one call per turn; all calls in one turn), as subprocesses."""
    d = tmp_path_factory.mktemp("serve")
    (d / "s.toml").write_text(SCENARIO, encoding="utf-8")
    procs, urls = [], {}
    for mode in ("sequential", "parallel"):
        port = d / f"{mode}.port"
        cmd = [sys.executable, "-m", "bench", "serve-gemini", "--scenario", str(d / "s.toml")]
        procs.append(subprocess.Popen([*cmd, "--port", "0", "--port-file", str(port), "--mode", mode]))
        for _ in range(300):
            if port.exists() and port.read_text().strip():
                break
            time.sleep(0.05)
        urls[mode] = f"http://127.0.0.1:{port.read_text().strip()}"
    yield urls
    for p in procs:
        p.terminate()
        p.wait(timeout=10)


def _capture(framework: str, out: Path, env: dict[str, str], *extra: str) -> None:
    args = [f"--tool={k}={v}" for k, v in TOOLS.items()]
    cmd = [sys.executable, str(CAPTURE), framework, "--out", str(out), "--queries", "3"]
    subprocess.run([*cmd, *args, *extra], check=True, env={**os.environ, **env}, timeout=120)


def test_adk_capture_reads_one_call_per_turn(servers: dict[str, str], tmp_path: Path) -> None:
    """ADK against one-call-per-turn serve-gemini: 9 one-call turns of exactly the agent's tools."""
    pytest.importorskip("google.adk")
    env = {"GOOGLE_GEMINI_BASE_URL": servers["sequential"], "GOOGLE_API_KEY": "fake"}
    _capture("adk", tmp_path / "t.json", env)
    r = read_trace([tmp_path / "t.json"])
    assert [len(t.calls) for t in r.turns] == [1] * 9
    assert sorted({c.tool for t in r.turns for c in t.calls}) == sorted(TOOLS)


def test_genai_afc_capture_is_ambiguous(servers: dict[str, str], tmp_path: Path) -> None:
    """google-genai AFC under its instrumentation: one outer span per query, every turn ambiguous."""
    genai = pytest.importorskip("opentelemetry.instrumentation.google_genai")
    from opentelemetry.instrumentation.dependencies import get_dependency_conflicts

    conflict = get_dependency_conflicts(genai.GoogleGenAiSdkInstrumentor().instrumentation_dependencies())
    if conflict is not None:
        pytest.skip(f"the instrumentation does not cover the installed google-genai: {conflict}")
    env = {"GOOGLE_GEMINI_BASE_URL": servers["sequential"], "GOOGLE_API_KEY": "fake"}
    _capture("genai-afc", tmp_path / "t.json", env)
    r = read_trace([tmp_path / "t.json"])
    assert len(r.turns) == 3 and len(r.ambiguous) == 3


def test_openai_agents_capture_under_openinference(tmp_path: Path) -> None:
    """The OpenAI Agents SDK with a scripted model under OpenInference: turns of 2 then 1 calls."""
    pytest.importorskip("openinference.instrumentation.openai_agents")
    _capture("openai-agents", tmp_path / "t.json", {}, "--script", "get_weather,get_time;get_news")
    r = read_trace([tmp_path / "t.json"])
    assert r.conventions == ("OpenInference",)
    assert [len(t.calls) for t in r.turns] == [2, 1] * 3
