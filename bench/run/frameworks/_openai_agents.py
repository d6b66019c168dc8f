"""OpenAI Agents SDK: an ``Agent`` whose model is a ``Model`` subclass scripted to answer the first request
with the turn's calls as ``function_call`` items and the second with a final text, run by ``Runner.run`` on
one persistent event loop with tracing off. The SDK's run loop dispatches the calls; ``@K`` is its
``ToolExecutionConfig(max_function_tool_concurrency=K)``; its per-tool ``timeout`` applies to async tools."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

from bench.run.frameworks._base import Delivered, Knobs, WrappedTool
from executors import ToolCall, fine_timer_loop


def _script_model(turn: OpenAiAgentsAdapter) -> Any:
    from agents import Model, ModelResponse, Usage
    from openai.types.responses import (
        ResponseFunctionToolCall,
        ResponseOutputMessage,
        ResponseOutputText,
    )

    class Scripted(Model):
        """First request: the calls; then a final message."""

        async def get_response(self, *args: Any, **kwargs: Any) -> Any:
            turn.requests += 1
            if turn.requests == 1:
                out: list[Any] = [
                    ResponseFunctionToolCall(
                        type="function_call", call_id=c.id, name=c.name, arguments=json.dumps(dict(c.args)),
                        id=f"fc_{c.id}", status="completed",
                    )
                    for c in turn.calls
                ]  # fmt: skip
            else:
                text = ResponseOutputText(type="output_text", text="done", annotations=[])
                out = [
                    ResponseOutputMessage(
                        type="message", id="msg", role="assistant", status="completed", content=[text]
                    )
                ]
            return ModelResponse(output=out, usage=Usage(), response_id=None)

        def stream_response(self, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError("pfcbench runs the agent unstreamed")

    return Scripted()


class OpenAiAgentsAdapter:
    dist = "openai-agents"

    def __init__(self, knobs: Knobs) -> None:
        from agents import set_tracing_disabled

        set_tracing_disabled(True)  # no exporter: tracing would try to reach OpenAI's endpoint
        self.knobs = knobs
        self.calls: Sequence[ToolCall] = ()
        self.requests = 0
        self._runner = asyncio.Runner(loop_factory=fine_timer_loop)

    def prepare(self, tools: Mapping[str, WrappedTool]) -> Any:
        from agents import Agent, RunConfig, function_tool
        from agents.run_config import ToolExecutionConfig

        timeout = self.knobs.timeout_s
        make: Any = function_tool
        ftools = [
            make(
                t.coro or t.sync, name_override=t.name, strict_mode=False,
                **({"timeout": timeout} if timeout is not None else {}),
            )
            for t in tools.values()
        ]  # fmt: skip
        agent = Agent(name="pfcbench", model=_script_model(self), tools=list(ftools))
        config = RunConfig(
            tracing_disabled=True,
            tool_execution=ToolExecutionConfig(max_function_tool_concurrency=self.knobs.limit),
        )
        return agent, config

    def dispatch(self, prepared: Any, calls: Sequence[ToolCall]) -> list[Delivered]:
        self.calls, self.requests = calls, 0
        return self._runner.run(self._run(*prepared))

    async def _run(self, agent: Any, config: Any) -> list[Delivered]:
        from agents import Runner

        result = await Runner.run(agent, "go", run_config=config)
        return [
            Delivered(getattr(item.raw_item, "get", lambda *_: None)("call_id"), str(item.output))
            for item in result.new_items
            if getattr(item, "type", "") == "tool_call_output_item"
        ]

    def close(self) -> None:
        self._runner.close()
