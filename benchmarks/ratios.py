"""Ours/raw from a pytest-benchmark JSON file that ``nox -s micro`` writes (``test_micro.py``).

    python3 benchmarks/ratios.py .benchmarks/micro.json [--max-ratio asyncio=1.2 --max-ratio scale=1.1 ...]

Prints the interleaved ratios (median of the per-round ratios [min, max]) of every executor and size, then
the scale case (makespan and memory per call against ``asyncio.gather``) and the limiter with many waiting
coroutines. Exits 1 when a median given with ``--max-ratio`` is exceeded: an executor's at n >= 10 (at n = 1
both sides are the fixed cost of one ``run``, the loop or pool round trip, not dispatch), ``scale`` for
the scale makespan, ``memory`` for its bytes per call, ``limiter`` for the waiters' makespan.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _spread(x: dict[str, Any]) -> str:
    return f"{x['ratio_median']:.2f} [{x['ratio_min']:.2f}, {x['ratio_max']:.2f}]"


def dispatch_table(rows: list[dict[str, Any]]) -> list[str]:
    out = [
        "| executor | calls | ours µs/call | raw µs/call | ours/raw median [min, max] | rounds |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for x in sorted(rows, key=lambda x: (x["executor"], int(x["calls"]))):
        n = int(x["calls"])
        ours, raw = x["ours_s"] / n * 1e6, x["raw_s"] / n * 1e6
        out.append(f"| {x['executor']} | {n} | {ours:.2f} | {raw:.2f} | {_spread(x)} | {x['rounds']} |")
    return out


def scale_lines(x: dict[str, Any]) -> list[str]:
    mem = x["bytes_per_call_ours"] / x["bytes_per_call_raw"]
    return [
        f"scale: {x['calls']} × {x['delay_s'] * 1000:g} ms, asyncio makespan {x['ours_s'] * 1000:.0f} ms vs "
        f"gather {x['raw_s'] * 1000:.0f} ms: {_spread(x)} over {x['rounds']} rounds",
        f"with GC off on the raw side too: {x['raw_gc_off_ratio_median']:.2f} [{x['raw_gc_off_ratio_min']:.2f}, "
        f"{x['raw_gc_off_ratio_max']:.2f}] (gather {x['raw_gc_off_raw_s'] * 1000:.0f} ms)",
        f"memory per call (tracemalloc peak): ours {x['bytes_per_call_ours']:.0f} B vs gather "
        f"{x['bytes_per_call_raw']:.0f} B: {mem:.2f}",
    ]


def limiter_lines(x: dict[str, Any]) -> list[str]:
    wake = x.get("wakeups_per_admission")
    return [
        f"limiter: {x['calls']} waiting coroutines, makespan {x['ours_s'] * 1000:.0f} ms vs one-timer FIFO "
        f"{x['raw_s'] * 1000:.0f} ms: {_spread(x)} over {x['rounds']} rounds",
        f"wake-ups per admission: {'n/a' if wake is None else f'{wake:.2f}'} (FIFO: 1.00); own sleeps "
        f"ended per admission: {x['sleeps_per_admission']:.2f}",
    ]


def failures(infos: list[dict[str, Any]], limits: dict[str, float]) -> list[str]:
    failed = []
    for x in infos:
        case = x.get("case", x["executor"])
        got = x["ratio_median"]
        if case in limits and int(x["calls"]) >= 10 and got > limits[case]:
            failed.append(f"{case} n={x['calls']}: {got:.2f} > {limits[case]}")
        if case == "scale" and "memory" in limits:
            mem = x["bytes_per_call_ours"] / x["bytes_per_call_raw"]
            if mem > limits["memory"]:
                failed.append(f"memory per call: {mem:.2f} > {limits['memory']}")
    return failed


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("json", type=Path)
    p.add_argument("--max-ratio", action="append", default=[], metavar="CASE=R")
    args = p.parse_args()
    limits = {k: float(v) for k, _, v in (s.partition("=") for s in args.max_ratio)}
    data = json.loads(args.json.read_text(encoding="utf-8"))
    infos = [b["extra_info"] for b in data["benchmarks"] if "ratio_median" in b["extra_info"]]
    lines = dispatch_table([x for x in infos if "case" not in x])
    for x in infos:
        if x.get("case") == "scale":
            lines += ["", *scale_lines(x)]
        elif x.get("case") == "limiter":
            lines += ["", *limiter_lines(x)]
    print("\n".join(lines))
    failed = failures(infos, limits)
    for f in failed:
        print(f"target missed: {f}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
