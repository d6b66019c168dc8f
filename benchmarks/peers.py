"""Ours beside LangGraph's ``ToolNode`` on the same tools: overhead per call (zero-latency tools) and
makespan (100 ms tools), sync and async. Run by ``nox -s peers``, which installs LangGraph in its own venv.

Like with like: the sync sides are ``Threaded(max_workers=10)`` and ``ToolNode.invoke`` (LangGraph's own
thread pool, whose size it picks), the async sides ``AsyncioExecutor.arun`` and ``ToolNode.ainvoke`` awaited
on one persistent ``asyncio.Runner``. LangGraph 1.x runs a ToolNode only inside a graph; it is measured
twice: alone, with the graph runtime handed in through the config (the least LangGraph can cost), and as
the single node of a compiled ``StateGraph`` (how it is used). google-genai's automatic function calling needs a model server to
call the tools; it is not measured here (see docs/gates.md).

    python3 benchmarks/peers.py [--repeat 30] [--json .benchmarks/peers.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.tools import StructuredTool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from langgraph.runtime import Runtime

from executors import AsyncioExecutor, Threaded, ToolCall


class Sleeper:
    """A tool taking ``delay`` seconds, sync (``time.sleep``) and async (``asyncio.sleep``)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay

    def __call__(self, **_: Any) -> str:
        if self.delay:
            time.sleep(self.delay)
        return "ok"

    async def acall(self, **_: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        return "ok"


def median_time(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm: pools, loops, lazy imports
    xs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        xs.append(time.perf_counter() - t0)
    return statistics.median(xs)


def case(runner: asyncio.Runner, delay: float, n: int, repeat: int) -> list[dict[str, Any]]:
    """One tool latency and fan-out: ours and LangGraph's, sync and async."""
    tool = Sleeper(delay)

    def api() -> str:
        """A simulated API."""
        return tool()

    async def aapi() -> str:
        """A simulated API."""
        return await tool.acall()

    node = ToolNode([StructuredTool.from_function(func=api, coroutine=aapi, name="api")])
    graph = StateGraph(MessagesState).add_node("tools", node).add_edge(START, "tools")
    app = graph.add_edge("tools", END).compile()
    msg = AIMessage(
        content="",
        tool_calls=[{"name": "api", "args": {}, "id": f"c{i}", "type": "tool_call"} for i in range(n)],
    )
    state = {"messages": [msg]}
    # outside a graph, ToolNode needs the runtime a graph would give it (an internal config key); its sync
    # pool has min(32, cpus + 4) threads unless max_concurrency says otherwise, so it is measured both ways
    cfg: Any = {"configurable": {"__pregel_runtime": Runtime()}}
    calls = [ToolCall(f"c{i}", "api", {}) for i in range(n)]
    tools = {"api": tool}
    threaded, aio = Threaded(max_workers=10), AsyncioExecutor()
    sides = {
        ("sync", "ToolNode"): (lambda: threaded.run(calls, tools), lambda: node.invoke(state, cfg)),
        ("sync", "ToolNode, 10 threads"): (
            lambda: threaded.run(calls, tools),
            lambda: node.invoke(state, {**cfg, "max_concurrency": 10}),
        ),
        ("sync", "graph"): (lambda: threaded.run(calls, tools), lambda: app.invoke(state)),
        ("async", "ToolNode"): (
            lambda: runner.run(aio.arun(calls, tools)),
            lambda: runner.run(node.ainvoke(state, cfg)),
        ),
        ("async", "graph"): (
            lambda: runner.run(aio.arun(calls, tools)),
            lambda: runner.run(app.ainvoke(state)),
        ),
    }
    rows = []
    try:
        for (mode, peer), (ours_fn, peer_fn) in sides.items():
            out = peer_fn()
            got = [m for m in out["messages"] if m.type == "tool"]
            assert len(got) == n  # one ToolMessage per call: LangGraph really ran them
            ours_s, peer_s = median_time(ours_fn, repeat), median_time(peer_fn, repeat)
            rows.append(
                {
                    "tool_ms": delay * 1000,
                    "calls": n,
                    "mode": mode,
                    "peer": peer,
                    "ours_s": ours_s,
                    "langgraph_s": peer_s,
                }
            )
    finally:
        threaded.close()
        aio.close()
    return rows


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--json", type=Path, default=Path(".benchmarks/peers.json"))
    args = p.parse_args()
    rows = []
    with asyncio.Runner() as runner:
        for delay, n in ((0.0, 10), (0.0, 100), (0.1, 10)):
            rows += case(runner, delay, n, args.repeat if delay == 0 else max(5, args.repeat // 3))
    print("| tool | calls | mode | LangGraph as | ours | LangGraph | ours/LangGraph |")
    print("|---|---:|---|---|---:|---:|---:|")
    for r in rows:
        if r["tool_ms"] == 0:
            unit = "µs/call"
            o, g = r["ours_s"] / r["calls"] * 1e6, r["langgraph_s"] / r["calls"] * 1e6
        else:
            unit = "ms makespan"
            o, g = r["ours_s"] * 1e3, r["langgraph_s"] * 1e3
        print(
            f"| {r['tool_ms']:g} ms | {r['calls']} | {r['mode']} | {r['peer']} | {o:.1f} {unit} | {g:.1f} {unit} | "
            f"{r['ours_s'] / r['langgraph_s']:.2f} |"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    slower = [r for r in rows if r["ours_s"] > r["langgraph_s"]]
    for r in slower:
        print(f"ours slower than LangGraph: {r}", file=sys.stderr)
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main())
