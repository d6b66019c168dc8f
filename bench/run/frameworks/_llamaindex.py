"""LlamaIndex: a ``FunctionAgent`` whose LLM is LlamaIndex's own ``MockFunctionCallingLLM`` scripted to
answer with the turn's calls as ``ToolCallBlock``s and then with a final text, run by ``agent.run`` on one
persistent event loop. Its workflow's ``call_tool`` step takes the calls (``num_workers=4``, no knob); the
function results reach the model in the order the workflow collected them. Its one timeout is the
workflow's ``timeout=`` (the whole run, ``Knobs.timeout_s``): past it the run fails with
``WorkflowTimeoutError``; a sync tool runs in the loop's default executor, whose thread is not stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from bench.run.frameworks._base import Delivered, Knobs, WrappedTool
from executors import ToolCall, fine_timer_loop


class LlamaIndexAdapter:
    dist = "llama-index-core"

    def __init__(self, knobs: Knobs) -> None:
        self.knobs = knobs
        self.calls: Sequence[ToolCall] = ()
        self.seen: list[Delivered] = []
        self._runner = asyncio.Runner(loop_factory=fine_timer_loop)

    def prepare(self, tools: Mapping[str, WrappedTool]) -> Any:
        from llama_index.core.agent.workflow import FunctionAgent
        from llama_index.core.base.llms.types import ChatMessage, MessageRole, ToolCallBlock
        from llama_index.core.llms.mock import MockFunctionCallingLLM
        from llama_index.core.tools import FunctionTool

        def script(messages: Sequence[Any], **kwargs: Any) -> Any:
            results = [m for m in messages if m.role == MessageRole.TOOL]
            if not results:
                blocks = [
                    ToolCallBlock(tool_call_id=c.id, tool_name=c.name, tool_kwargs=dict(c.args))
                    for c in self.calls
                ]
                return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)
            self.seen = [Delivered(m.additional_kwargs.get("tool_call_id"), str(m.content)) for m in results]
            return ChatMessage(role=MessageRole.ASSISTANT, content="done")

        ftools: list[Any] = [
            FunctionTool.from_defaults(fn=t.sync, async_fn=t.coro, name=t.name, description=t.name)
            for t in tools.values()
        ]
        llm = MockFunctionCallingLLM(response_generator=script)
        return FunctionAgent(tools=ftools, llm=llm, streaming=False, timeout=self.knobs.timeout_s)

    def dispatch(self, prepared: Any, calls: Sequence[ToolCall]) -> list[Delivered]:
        self.calls, self.seen = calls, []
        return self._runner.run(self._run(prepared))

    async def _run(self, agent: Any) -> list[Delivered]:
        await agent.run(user_msg="go")
        return self.seen

    def close(self) -> None:
        self._runner.close()
