"""smolagents: a ``ToolCallingAgent``'s own ``process_tool_calls`` handed a ``ChatMessage`` whose
``tool_calls`` are the turn's calls (what its step does with a model's answer), tools as ``Tool`` subclasses.
It runs several calls on a ``ThreadPoolExecutor(max_tool_threads)`` (``@K``; its default is the pool's,
min(32, cpus + 4)). It hands the model one text block of observations, sorted by call id as a string."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from bench.run.frameworks._base import Delivered, Knobs, WrappedTool
from executors import ToolCall

_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object"}


def _tool(t: WrappedTool) -> Any:
    from smolagents import Tool

    fn = t.sync

    class Wrapped(Tool):
        name = t.name
        description = f"The {t.name} API."
        inputs: ClassVar[dict[str, dict[str, str]]] = {
            n: {"type": _JSON_TYPES.get(tp, "any"), "description": n} for n, tp in t.params
        }
        output_type = "object"
        skip_forward_signature_validation = True

        def forward(self, **args: Any) -> Any:
            return fn(**args)

    return Wrapped()


class SmolagentsAdapter:
    dist = "smolagents"

    def __init__(self, knobs: Knobs) -> None:
        self.knobs = knobs

    def prepare(self, tools: Mapping[str, WrappedTool]) -> Any:
        from smolagents import ToolCallingAgent
        from smolagents.models import Model
        from smolagents.monitoring import LogLevel

        return ToolCallingAgent(
            tools=[_tool(t) for t in tools.values()],
            model=Model(model_id="scripted"),  # never asked: the calls are handed to the dispatch directly
            max_tool_threads=self.knobs.limit,
            verbosity_level=LogLevel.OFF,
        )

    def dispatch(self, prepared: Any, calls: Sequence[ToolCall]) -> list[Delivered]:
        from smolagents.memory import ActionStep
        from smolagents.models import ChatMessage, ChatMessageToolCall, ChatMessageToolCallFunction
        from smolagents.monitoring import Timing

        agent = prepared
        chat: Any = ChatMessage
        message = chat(
            role="assistant",
            content="",
            tool_calls=[
                ChatMessageToolCall(ChatMessageToolCallFunction(dict(c.args), c.name), c.id, "function")
                for c in calls
            ],
        )
        step = ActionStep(step_number=1, timing=Timing(start_time=0.0))
        for _ in agent.process_tool_calls(message, step):
            pass
        return [Delivered(None, line) for line in (step.observations or "").splitlines()]

    def close(self) -> None:
        pass
