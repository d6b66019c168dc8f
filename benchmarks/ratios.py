"""Ours/raw per call from a pytest-benchmark JSON file (``nox -s micro`` writes one).

    python3 benchmarks/ratios.py .benchmarks/micro.json [--max-ratio asyncio=1.5 --max-ratio threaded=1.5]

Prints a markdown table of median µs per call, ours and raw, and their ratio; exits 1 when a ratio given
with ``--max-ratio`` is exceeded at n >= 10 (at n = 1 both sides are dominated by the fixed cost of one
``run``, which is the loop or pool round trip, not dispatch).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("json", type=Path)
    p.add_argument("--max-ratio", action="append", default=[], metavar="EXECUTOR=R")
    args = p.parse_args()
    limits = {k: float(v) for k, _, v in (s.partition("=") for s in args.max_ratio)}
    data = json.loads(args.json.read_text(encoding="utf-8"))
    med: dict[tuple[str, int, str], float] = {}
    for b in data["benchmarks"]:
        x = b["extra_info"]
        med[(x["executor"], int(x["calls"]), x["side"])] = b["stats"]["median"] / int(x["calls"])
    print("| executor | calls | ours µs/call | raw µs/call | ours/raw |")
    print("|---|---:|---:|---:|---:|")
    failed = []
    for ex, n in sorted({(e, n) for e, n, _ in med}, key=lambda t: (t[0], t[1])):
        ours, raw = med.get((ex, n, "ours")), med.get((ex, n, "raw"))
        if ours is None or raw is None:
            continue
        ratio = ours / raw
        print(f"| {ex} | {n} | {ours * 1e6:.2f} | {raw * 1e6:.2f} | {ratio:.2f} |")
        if ex in limits and n >= 10 and ratio > limits[ex]:
            failed.append(f"{ex} n={n}: {ratio:.2f} > {limits[ex]}")
    for f in failed:
        print(f"target missed: {f}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
