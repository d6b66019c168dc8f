"""``python tools/capture_trace.py FRAMEWORK --out trace.json [--tool name=lo:hi ...]``: capture a trace with
the drivers of ``bench.traces.capture``.

adk and genai-afc talk to the model at ``GOOGLE_GEMINI_BASE_URL`` (start ``pfcbench serve-gemini`` with a
scenario whose tools have these names); openai-agents uses a scripted model (``--script "a,b;c"``: a first
turn asking a and b, a second asking c). ``--truth`` writes every drawn sleep, in call order."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from bench.traces.capture import (
    SleepPlan,
    capture_adk,
    capture_genai_afc,
    capture_openai_agents,
    constant,
    otlp_document,
    uniform,
)


def _draw(spec: str) -> tuple[str, Callable[[np.random.Generator], float]]:
    name, _, rng = spec.partition("=")
    lo, _, hi = rng.partition(":")
    try:
        return name, uniform(float(lo), float(hi)) if hi else constant(float(lo))
    except ValueError:
        raise SystemExit(f"--tool {spec!r}: expected name=ms or name=lo_ms:hi_ms") from None


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python tools/capture_trace.py")
    ap.add_argument("framework", choices=("adk", "genai-afc", "openai-agents"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--tool", action="append", required=True, help="name=ms or name=lo_ms:hi_ms")
    ap.add_argument("--sync", action="append", default=[], help="a tool that blocks (time.sleep)")
    ap.add_argument("--queries", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ids", choices=("hex", "base64"), default="hex")
    ap.add_argument("--script", default="", help="openai-agents: turns ';'-separated, tools ','-separated")
    ap.add_argument("--truth", type=Path, default=None)
    ns = ap.parse_args(argv)
    plan = SleepPlan(dict(_draw(s) for s in ns.tool), ns.seed, frozenset(ns.sync))
    if ns.framework == "adk":
        spans = capture_adk(plan, ns.queries)
    elif ns.framework == "genai-afc":
        spans = capture_genai_afc(plan, ns.queries)
    else:
        script = [[t for t in turn.split(",") if t] for turn in ns.script.split(";") if turn]
        spans = capture_openai_agents(plan, ns.queries, script)
    ns.out.write_text(
        json.dumps(otlp_document(spans, ns.ids), separators=(",", ":")) + "\n", encoding="utf-8"
    )
    if ns.truth is not None:
        ns.truth.write_text(json.dumps(plan.log) + "\n", encoding="utf-8")
    print(f"wrote {len(spans)} spans to {ns.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
