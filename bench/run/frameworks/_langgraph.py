"""LangGraph: the prebuilt ``ToolNode`` handed an ``AIMessage`` whose ``tool_calls`` are the turn's calls,
``.invoke`` (its thread pool; ``@K`` is the config's ``max_concurrency``) or ``.ainvoke`` (its tasks on one
event loop; the same knob, which it does not apply there). Outside a compiled graph a ToolNode needs the
runtime a graph would hand it, given through the config as LangGraph's own tests do. LangGraph's only
timeout is Pregel's ``step_timeout``, a compiled graph's: with ``Knobs.timeout_s`` set the ToolNode runs as
the one node of a ``StateGraph(MessagesState)`` (START -> tools -> END) whose ``step_timeout`` is the budget;
a step past it fails the graph run with ``TimeoutError`` (the model gets no function result)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from bench.run.frameworks._base import Delivered, Knobs, WrappedTool
from executors import ToolCall, fine_timer_loop


class LangGraphAdapter:
    dist = "langgraph"

    def __init__(self, knobs: Knobs, *, use_async: bool) -> None:
        from langgraph.runtime import Runtime

        self.knobs = knobs
        self.use_async = use_async
        self._config: Any = {"configurable": {"__pregel_runtime": Runtime()}}
        if knobs.limit is not None:
            self._config["max_concurrency"] = knobs.limit
        self._graph_config: Any = {k: v for k, v in self._config.items() if k != "configurable"}
        self._runner = asyncio.Runner(loop_factory=fine_timer_loop) if use_async else None

    def prepare(self, tools: Mapping[str, WrappedTool]) -> Any:
        from langchain_core.tools import StructuredTool
        from langgraph.prebuilt import ToolNode

        lc_tools = [
            StructuredTool.from_function(
                func=t.sync, coroutine=t.coro if self.use_async else None, name=t.name, description=t.name
            )
            for t in tools.values()
        ]
        node = ToolNode(lc_tools)
        if self.knobs.timeout_s is None:
            return node
        from langgraph.graph import END, START, MessagesState, StateGraph

        graph: Any = StateGraph(MessagesState)
        graph.add_node("tools", node)
        graph.add_edge(START, "tools")
        graph.add_edge("tools", END)
        compiled = graph.compile()
        compiled.step_timeout = self.knobs.timeout_s
        return compiled

    def dispatch(self, prepared: Any, calls: Sequence[ToolCall]) -> list[Delivered]:
        from langchain_core.messages import AIMessage

        node = prepared
        # a compiled graph hands its node the runtime itself (the ToolNode alone takes it from the config)
        config = self._config if self.knobs.timeout_s is None else self._graph_config
        msg = AIMessage(
            content="",
            tool_calls=[
                {"name": c.name, "args": dict(c.args), "id": c.id, "type": "tool_call"} for c in calls
            ],
        )
        state = {"messages": [msg]}
        if self._runner is not None:
            out = self._runner.run(node.ainvoke(state, config))
        else:
            out = node.invoke(state, config)
        return [
            Delivered(getattr(m, "tool_call_id", None), str(m.content))
            for m in out["messages"]
            if getattr(m, "type", "") == "tool"  # a graph's state also holds the AIMessage it was given
        ]

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
