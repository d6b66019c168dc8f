"""The ``run`` command's model-in-the-loop options, checked and handed to ``bench.run`` (which builds the
driver they ask for).

Kept apart from ``bench.cli`` so the model options read in one place; errors are one line for the user.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.cli._args import same_named
from bench.models import DEFAULT_MODEL, MODEL_MODES, MODEL_NAMES, GenerationSettings

if TYPE_CHECKING:
    from bench.run import ModelOptions

AFC = "sdk-afc"


def add_model_args(r: argparse.ArgumentParser) -> None:
    g = r.add_argument_group("model in the loop")
    g.add_argument(
        "--model",
        choices=MODEL_NAMES,
        default="none",
        help="who makes the calls: none (today's one-turn measurement), simulated, gemini (google-genai), "
        "gemini-legacy (google-generativeai), replay (a --cassette)",
    )
    g.add_argument(
        "--model-mode",
        action="append",
        choices=MODEL_MODES,
        metavar="MODE",
        help="simulated model: parallel | sequential | dependent; repeatable (default parallel)",
    )
    g.add_argument("--max-turns", type=int, default=12, help="model turns per query before giving up")
    g.add_argument("--gemini-model", default=DEFAULT_MODEL, help="Gemini model name (and price row)")
    g.add_argument(
        "--gemini-base-url",
        default=None,
        metavar="URL",
        help="Gemini endpoint, e.g. the loopback fake of 'pfcbench serve-gemini' "
        "(google-genai also reads GOOGLE_GEMINI_BASE_URL); a ?key= in it is used as the key and never shown",
    )
    add_request_args(g)
    g.add_argument("--sim-ttft-ms", type=float, default=400.0, help="simulated time to first token, doc ms")
    g.add_argument(
        "--sim-ttft-jitter",
        type=float,
        default=0.0,
        help="simulated ttft is lognormal with this sigma (0: constant)",
    )
    g.add_argument(
        "--sim-tokens-per-s", type=float, default=200.0, help="simulated output speed (inf: instant)"
    )
    g.add_argument("--record", type=Path, default=None, metavar="FILE", help="write each model turn as JSONL")
    g.add_argument(
        "--cassette", type=Path, default=None, metavar="FILE", help="the recording --model replay plays"
    )
    g.add_argument(
        "--replay-latency",
        choices=("recorded", "zero"),
        default="recorded",
        help="replay sleeps the recorded model latency, or none",
    )


def add_request_args(g: Any) -> None:
    """How the model is asked: flags override a scenario file's ``[model]`` table."""
    g.add_argument("--prompt", default=None, help="the user's question (default: the scenario's, else the "
                   "source document's query)")  # fmt: skip
    g.add_argument("--system-instruction", default=None)
    g.add_argument("--function-calling", type=str.upper, choices=("AUTO", "ANY", "NONE", "VALIDATED"))
    g.add_argument("--thinking-budget", type=int, default=None, help="thinking tokens (-1: dynamic, 0: off)")
    g.add_argument("--thinking-level", type=str.upper, choices=("MINIMAL", "LOW", "MEDIUM", "HIGH"))
    g.add_argument("--include-thoughts", action="store_true", default=None, help="ask for thought parts")
    g.add_argument("--temperature", type=float, default=None)
    g.add_argument(
        "--stream",
        action="store_true",
        help="google-genai generate_content_stream: start each call the moment its chunk arrives",
    )
    g.add_argument(
        "--max-consecutive-failures",
        type=int,
        default=5,
        metavar="N",
        help="a query whose model errors outlast the retries is recorded as model_error; N in a row stop the run",
    )


_SETTING_KEYS = (
    "system_instruction",
    "function_calling",
    "thinking_budget",
    "thinking_level",
    "include_thoughts",
    "temperature",
)


def generation_settings(
    ns: argparse.Namespace, tables: list[tuple[str, dict[str, Any]]]
) -> GenerationSettings:
    """Flags over the scenarios' ``[model]`` tables; scenarios of one run must not disagree (one driver)."""
    from bench.cli._args import UsageError

    merged: dict[str, Any] = {}
    for source, table in tables:
        for k in _SETTING_KEYS:
            if k in table:
                if k in merged and merged[k] != table[k]:
                    raise UsageError(
                        f"{source}: model.{k} = {table[k]!r} differs from another scenario's "
                        f"{merged[k]!r}; run them separately or pass --{k.replace('_', '-')}"
                    )
                merged[k] = table[k]
    for k in _SETTING_KEYS:
        if getattr(ns, k, None) is not None:
            merged[k] = getattr(ns, k)
    if merged.get("temperature") is not None and not 0 <= merged["temperature"] <= 2:
        raise UsageError(f"--temperature must be 0..2, got {merged['temperature']}")
    return GenerationSettings(**merged)


def check_model_args(ns: argparse.Namespace, labels: tuple[str, ...]) -> None:
    """Refuse combinations that cannot mean anything, before any output is written."""
    from bench.cli._args import UsageError

    if AFC in labels and ns.model != "gemini":
        raise UsageError(
            f"--executor {AFC}: google-genai's own function calling needs --model gemini (got {ns.model})"
        )
    if ns.model == "replay" and ns.cassette is None:
        raise UsageError("--model replay needs --cassette FILE (written by a run with --record FILE)")
    if ns.model != "replay" and ns.cassette is not None:
        raise UsageError("--cassette is only read by --model replay")
    if ns.model == "none" and (ns.record is not None or ns.model_mode):
        raise UsageError("--record and --model-mode need a model: pass --model simulated|gemini|...")
    if ns.stream and ns.model not in ("gemini",):
        raise UsageError(
            f"--stream needs --model gemini (google-genai's generate_content_stream), got {ns.model}"
        )
    if ns.max_consecutive_failures < 1:
        raise UsageError(f"--max-consecutive-failures must be >= 1, got {ns.max_consecutive_failures}")
    if ns.max_turns < 1:
        raise UsageError(f"--max-turns must be a whole number >= 1, got {ns.max_turns}")
    if not (ns.sim_ttft_ms >= 0 and math.isfinite(ns.sim_ttft_ms)):
        raise UsageError(f"--sim-ttft-ms must be a finite number >= 0, got {ns.sim_ttft_ms}")
    if not ns.sim_tokens_per_s > 0:
        raise UsageError(f"--sim-tokens-per-s must be > 0 (or inf), got {ns.sim_tokens_per_s}")
    if ns.sim_ttft_jitter < 0:
        raise UsageError(f"--sim-ttft-jitter must be >= 0, got {ns.sim_ttft_jitter}")


def model_modes(ns: argparse.Namespace) -> tuple[str, ...]:
    """The model modes a run records (``("",)`` without a model)."""
    if ns.model == "none":
        return ("",)
    return tuple(dict.fromkeys(ns.model_mode or ["parallel"]))


def model_options(ns: argparse.Namespace) -> ModelOptions:
    """How ``bench.run`` builds the driver ``--model`` asks for (the flags are named after the options)."""
    from bench.run import ModelOptions

    return ModelOptions(**same_named(ns, ModelOptions))
