"""``pfcbench serve-gemini``: the loopback fake Gemini server answering with a scenario's calls.

Each scenario's calls become the fake's ``functionCall`` parts (tool names in plan order; arguments made up
from the schema the client declares, as a real model would), chosen per request by the tools the client
declares, so one server answers every scenario of a run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from bench.cli._args import port_number, same_named
from bench.models import FakeGeminiConfig, FakeGeminiServer, ScenarioGeminiServer, run_server, scenario_plans


def register(sub: Any) -> None:
    p = sub.add_parser(
        "serve-gemini", help="serve a loopback fake Gemini API answering with a scenario's calls"
    )
    p.add_argument("--scenario", action="append", required=True, metavar="NAME|PATH", help="repeatable")
    p.add_argument(
        "--port", type=port_number, default=0, help="0 picks a free port (printed, and see --port-file)"
    )
    p.add_argument("--port-file", type=Path, default=None, help="write the bound port here once listening")
    p.add_argument("--mode", choices=("parallel", "sequential"), default="parallel", help="calls per turn")
    p.add_argument("--latency-ms", type=float, default=0.0, help="wall ms before each successful answer")
    _faults(p)
    _wire(p)
    p.add_argument(
        "--expect-key-env",
        default=None,
        metavar="VAR",
        help="accept only the key in this environment variable: others get 400, none 403",
    )
    p.set_defaults(handler=cmd_serve_gemini)


def _faults(p: Any) -> None:
    """What the fake gets wrong on purpose: 429/503/500 answers and finish reasons."""
    p.add_argument("--rate-limit-first", type=int, default=0, help="answer the first N requests with 429")
    p.add_argument("--rate-limit-every", type=int, default=0, help="answer every Nth request with 429")
    p.add_argument(
        "--retry-after", type=float, default=1.0, help="Retry-After and RetryInfo seconds on every fault"
    )
    p.add_argument(
        "--retry-info-only",
        action="store_true",
        help="no Retry-After header: RetryInfo only, as Gemini's 429s",
    )
    p.add_argument("--unavailable-first", type=int, default=0, help="then answer N requests with 503")
    p.add_argument("--unavailable-every", type=int, default=0, help="answer every Nth request with 503")
    p.add_argument(
        "--finish-reason",
        default="MALFORMED_FUNCTION_CALL",
        help="the finish reason of --finish-rate (PROMPT_BLOCKED: a blocked prompt, no candidate)",
    )
    p.add_argument(
        "--finish-rate", type=float, default=0.0, help="fraction of turns ending with --finish-reason"
    )
    p.add_argument("--server-error-first", type=int, default=0, help="then answer N requests with 500")
    p.add_argument(
        "--fail-first-attempt",
        type=int,
        default=0,
        choices=(0, 429, 500, 503, 504),
        help="every distinct request fails its first attempt with this status",
    )


def _wire(p: Any) -> None:
    """Gemini 2.5/3 wire behaviour: ids, signatures, thinking, token counts, streaming chunks."""
    switches = {
        "--call-ids": "ids on calls, required back (Gemini 3)",
        "--thought-signatures": "a signature on each turn's first call, required unchanged on later requests (else 400)",
        "--thought-parts": "a thought: true part in each turn that asks for them (includeThoughts)",
    }
    for flag, text in switches.items():
        p.add_argument(flag, action="store_true", help=text)
    counts = {
        "--thinking-tokens": "thoughtsTokenCount",
        "--cached-tokens": "cachedContentTokenCount",
        "--tool-prompt-tokens": "toolUsePromptTokenCount",
    }
    for flag, field in counts.items():
        p.add_argument(flag, type=int, default=0, help=f"{field} per turn")
    p.add_argument("--chunk-delay-ms", type=float, default=0.0, help="streaming: wall ms between SSE chunks")


def cmd_serve_gemini(ns: argparse.Namespace) -> int:
    from bench.cli._args import UsageError
    from scenarios import ScenarioError, load_catalog, resolve

    try:
        catalog = load_catalog()
        found = [s for ref in ns.scenario for s in resolve(ref, catalog)]
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    if not 0 <= ns.finish_rate <= 1:
        raise UsageError(f"--finish-rate must be 0..1, got {ns.finish_rate}")
    for flag in (
        "rate_limit_first",
        "rate_limit_every",
        "unavailable_first",
        "unavailable_every",
        "server_error_first",
        "thinking_tokens",
        "cached_tokens",
        "tool_prompt_tokens",
        "chunk_delay_ms",
    ):
        if getattr(ns, flag) < 0:
            raise UsageError(f"--{flag.replace('_', '-')} must be >= 0, got {getattr(ns, flag)}")
    if ns.latency_ms < 0 or ns.retry_after < 0:
        raise UsageError("--latency-ms and --retry-after must be >= 0")
    if not 0 <= ns.port <= 65535:
        raise UsageError(f"--port must be 0..65535, got {ns.port}")
    expected = None
    if ns.expect_key_env is not None:
        expected = os.environ.get(ns.expect_key_env, "").strip() or None
        if expected is None:
            raise UsageError(f"--expect-key-env {ns.expect_key_env}: that variable is not set")
    base = _base_config(ns, expected)
    try:
        plans = scenario_plans(found, base)
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    def ready(server: FakeGeminiServer) -> None:
        if ns.port_file is not None:
            try:
                ns.port_file.write_text(f"{server.port}\n", encoding="utf-8")
            except OSError as exc:  # not the port's fault: name the file
                raise UsageError(f"--port-file {ns.port_file}: cannot write ({exc.strerror})") from None
        names = ", ".join(s.name for s in found)
        print(f"fake Gemini for {names} at {server.base_url} (Ctrl-C to stop)", flush=True)

    try:
        run_server(ScenarioGeminiServer(base, plans, port=ns.port), ready)
    except OSError as exc:
        raise UsageError(f"--port {ns.port}: cannot listen ({exc.strerror})") from None
    print("stopped", file=sys.stderr)
    return 0


def _base_config(ns: argparse.Namespace, expected: str | None) -> FakeGeminiConfig:
    """The fake's behaviour from the command's flags (the scenarios add their calls)."""
    # the flags are named after the fake's settings; these six are given in other units or names
    renamed = {
        "latency_s": ns.latency_ms / 1000,
        "retry_after_s": ns.retry_after,
        "emit_call_ids": ns.call_ids,
        "chunk_delay_s": ns.chunk_delay_ms / 1000,
        "finish_reason": ns.finish_reason.upper(),
        "finish_reason_rate": ns.finish_rate,
    }
    return FakeGeminiConfig(**same_named(ns, FakeGeminiConfig) | renamed, expected_key=expected)
