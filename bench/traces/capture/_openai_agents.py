"""The OpenAI Agents SDK (``Agent`` + ``Runner``) with a scripted model, traced by OpenInference's
instrumentation (``openinference-instrumentation-openai-agents``): ``AGENT``, ``LLM`` and ``TOOL`` spans.

The scripted model answers each query with ``script`` turns: turn k asks for the tools in ``script[k]``
(one function call each, with a call id), then a final text answer. It opens a ``generation_span`` as the
SDK's own models do, so each model call is an ``LLM`` span. No network: nothing here needs a key."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from typing import Any

from bench.traces.capture._recorder import recorder, take
from bench.traces.capture._tools import SleepPlan, tool_functions

_INSTRUMENTED: dict[str, bool] = {}


def capture_openai_agents(plan: SleepPlan, queries: int, script: Sequence[Sequence[str]]) -> list[Any]:
    """Run ``queries`` queries whose model asks ``script``'s turns; returns the finished spans."""
    from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

    recorder()
    if not _INSTRUMENTED:
        OpenAIAgentsInstrumentor().instrument()
        _INSTRUMENTED["yes"] = True
    take()
    asyncio.run(_run(plan, queries, script))
    return take()


def scripted_model(script: Sequence[Sequence[str]]) -> Any:
    """A ``agents.Model`` asking ``script[k]``'s tools on its k-th call of a query, then answering."""
    from agents import Model, ModelResponse, Usage
    from agents.tracing import generation_span
    from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText

    ids = itertools.count()

    class Scripted(Model):  # type: ignore[misc,unused-ignore]  # Model is Any where agents is not installed
        async def get_response(self, system_instructions: Any, input: Any, *args: Any, **kw: Any) -> Any:
            asked = sum(1 for i in input if isinstance(i, dict) and i.get("type") == "function_call_output")
            turn = _turn_of(script, asked)
            with generation_span(model="scripted", input=[]):
                if turn is None:
                    text = ResponseOutputText(type="output_text", text="done", annotations=[])
                    out: list[Any] = [
                        ResponseOutputMessage(
                            id="m", type="message", role="assistant", status="completed", content=[text]
                        )
                    ]
                else:
                    out = [
                        ResponseFunctionToolCall(
                            type="function_call", name=t, arguments="{}", call_id=f"call_{next(ids)}", id=None
                        )
                        for t in script[turn]
                    ]
            return ModelResponse(output=out, usage=Usage(), response_id=None)

        def stream_response(self, *args: Any, **kw: Any) -> Any:
            raise NotImplementedError("the scripted model does not stream")

    return Scripted()


def _turn_of(script: Sequence[Sequence[str]], answered: int) -> int | None:
    """Which turn of the script comes after ``answered`` tool results (None: the final answer)."""
    done = 0
    for k, calls in enumerate(script):
        if answered == done:
            return k
        done += len(calls)
    return None


async def _run(plan: SleepPlan, queries: int, script: Sequence[Sequence[str]]) -> None:
    from agents import Agent, Runner, function_tool

    tools: list[Any] = [function_tool(f) for f in tool_functions(plan)]
    agent = Agent(
        name="capture", instructions="Answer with the tools.", tools=tools, model=scripted_model(script)
    )
    for q in range(queries):
        await Runner.run(agent, f"query {q}")
