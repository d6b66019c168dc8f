"""Google ADK: an ``LlmAgent`` whose model is a ``BaseLlm`` subclass scripted to answer the first request
with the turn's calls as ``function_call`` parts and the next with a final text, run by ADK's
``InMemoryRunner.run_async`` on one persistent event loop. ADK's flow dispatches the calls as tasks on that
loop (a sync tool runs on the loop itself); ``adk-pool`` sets ``RunConfig(tool_thread_pool_config=
ToolThreadPoolConfig(max_workers=K))``, which moves sync tools to a pool of K threads (default 4)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any

from bench.run.frameworks._base import Delivered, Knobs, WrappedTool
from executors import ToolCall, fine_timer_loop


def _script_model(calls: Sequence[ToolCall]) -> Any:
    from google.adk.models.base_llm import BaseLlm
    from google.adk.models.llm_response import LlmResponse
    from google.genai import types

    class Scripted(BaseLlm):
        """First request: the calls; then a final text."""

        requests: int = 0

        async def generate_content_async(
            self, llm_request: Any, stream: bool = False
        ) -> AsyncGenerator[Any, None]:
            self.requests += 1
            if self.requests == 1:
                parts = [
                    types.Part(function_call=types.FunctionCall(id=c.id, name=c.name, args=dict(c.args)))
                    for c in calls
                ]
            else:
                parts = [types.Part(text="done")]
            # zero usage said, not left out: ADK logs a warning for every response without it
            usage = types.GenerateContentResponseUsageMetadata(prompt_token_count=0, candidates_token_count=0)
            yield LlmResponse(content=types.Content(role="model", parts=parts), usage_metadata=usage)

    return Scripted(model="scripted")


class AdkAdapter:
    dist = "google-adk"

    def __init__(self, knobs: Knobs) -> None:
        self.knobs = knobs
        self._runner = asyncio.Runner(loop_factory=fine_timer_loop)
        self._ids = itertools.count()

    def dispatch(self, calls: Sequence[ToolCall], tools: Mapping[str, WrappedTool]) -> list[Delivered]:
        return self._runner.run(self._run(calls, tools))

    async def _run(self, calls: Sequence[ToolCall], tools: Mapping[str, WrappedTool]) -> list[Delivered]:
        from google.adk.agents import LlmAgent, RunConfig
        from google.adk.agents.run_config import ToolThreadPoolConfig
        from google.adk.runners import InMemoryRunner
        from google.genai import types

        agent = LlmAgent(
            name="pfcbench", model=_script_model(calls), tools=[t.coro or t.sync for t in tools.values()]
        )
        runner = InMemoryRunner(agent=agent, app_name="pfcbench")
        session = await runner.session_service.create_session(app_name="pfcbench", user_id="u")
        pool = ToolThreadPoolConfig(max_workers=self.knobs.limit or 4) if self.knobs.pool else None
        config = RunConfig(tool_thread_pool_config=pool)
        message = types.Content(role="user", parts=[types.Part(text="go")])
        out: list[Delivered] = []
        try:
            async for event in runner.run_async(
                user_id="u", session_id=session.id, new_message=message, run_config=config
            ):
                for fr in event.get_function_responses():
                    out.append(Delivered(fr.id, str(fr.response)))
                if event.error_message:
                    raise RuntimeError(f"ADK: {event.error_message}")
        finally:
            await runner.close()
        return out

    def close(self) -> None:
        self._runner.close()
