"""Pydantic AI: an ``Agent`` whose model is Pydantic AI's own scripted ``FunctionModel`` (first request: the
turn's calls as ``ToolCallPart``s; second: a final text), run with ``await agent.run`` on one persistent event
loop. Its tool manager dispatches the calls: native coroutines as tasks, sync functions in threads. The
``sequential`` mode is its ``parallel_tool_call_execution_mode('sequential')``. It has no per-turn cap."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from bench.run.frameworks._base import Delivered, Knobs, WrappedTool
from executors import ToolCall, fine_timer_loop


class PydanticAiAdapter:
    dist = "pydantic-ai-slim"

    def __init__(self, knobs: Knobs) -> None:
        self.knobs = knobs
        self.calls: Sequence[ToolCall] = ()
        self._runner = asyncio.Runner(loop_factory=fine_timer_loop)

    def prepare(self, tools: Mapping[str, WrappedTool]) -> Any:
        from pydantic_ai import Agent, Tool
        from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart, ToolCallPart
        from pydantic_ai.models.function import AgentInfo, FunctionModel

        def script(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
            del info
            if len(messages) == 1:  # the user's prompt: answer with the turn's calls
                return ModelResponse(
                    parts=[ToolCallPart(c.name, dict(c.args), tool_call_id=c.id) for c in self.calls]
                )
            return ModelResponse(parts=[TextPart("done")])

        timeout = self.knobs.timeout_s
        ptools = [
            Tool(t.coro or t.sync, name=t.name, takes_ctx=False, timeout=timeout) for t in tools.values()
        ]
        agent: Agent[None, str] = Agent(FunctionModel(script), tools=ptools)
        return agent

    def dispatch(self, prepared: Any, calls: Sequence[ToolCall]) -> list[Delivered]:
        self.calls = calls
        return self._runner.run(self._run(prepared))

    async def _run(self, agent: Any) -> list[Delivered]:
        from pydantic_ai import Agent

        mode: Any = "sequential" if self.knobs.sequential else "parallel"
        with Agent.parallel_tool_call_execution_mode(mode):
            result = await agent.run("go")
        return _delivered(result.all_messages())

    def close(self) -> None:
        self._runner.close()


def _delivered(messages: Sequence[Any]) -> list[Delivered]:
    """The function results the agent sent back to the model, in its order (returns and retry prompts)."""
    out = []
    for m in messages[1:]:
        for part in getattr(m, "parts", ()):
            if getattr(part, "part_kind", "") in ("tool-return", "retry-prompt"):
                out.append(Delivered(part.tool_call_id, str(part.content)))
    return out
