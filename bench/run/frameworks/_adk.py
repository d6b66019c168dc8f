"""Google ADK: an ``LlmAgent`` whose model is a ``BaseLlm`` subclass scripted to answer the first request
with the turn's calls as ``function_call`` parts and the next with a final text, run by ADK's
``InMemoryRunner.run_async`` on one persistent event loop. ADK's flow dispatches the calls as tasks on that
loop (a sync tool runs on the loop itself); ``adk-pool`` sets ``RunConfig(tool_thread_pool_config=
ToolThreadPoolConfig(max_workers=K))``, which moves sync tools to a pool of K threads (default 4)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import Any

from bench.run.frameworks._base import Delivered, Knobs, WrappedTool
from executors import ToolCall, fine_timer_loop


def _script_model(turn: AdkAdapter) -> Any:
    from google.adk.models.base_llm import BaseLlm
    from google.adk.models.llm_response import LlmResponse
    from google.genai import types

    class Scripted(BaseLlm):
        """First request: the calls; then a final text."""

        async def generate_content_async(
            self, llm_request: Any, stream: bool = False
        ) -> AsyncGenerator[Any, None]:
            turn.requests += 1
            if turn.requests == 1:
                parts = [
                    types.Part(function_call=types.FunctionCall(id=c.id, name=c.name, args=dict(c.args)))
                    for c in turn.calls
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
        self.calls: Sequence[ToolCall] = ()
        self.requests = 0
        self._runner = asyncio.Runner(loop_factory=fine_timer_loop)
        self._runners: list[Any] = []

    def prepare(self, tools: Mapping[str, WrappedTool]) -> Any:
        from google.adk.agents import LlmAgent, RunConfig
        from google.adk.agents.run_config import ToolThreadPoolConfig
        from google.adk.runners import InMemoryRunner

        agent = LlmAgent(
            name="pfcbench", model=_script_model(self), tools=[t.coro or t.sync for t in tools.values()]
        )
        runner = InMemoryRunner(agent=agent, app_name="pfcbench")
        self._runners.append(runner)
        pool = ToolThreadPoolConfig(max_workers=self.knobs.limit or 4) if self.knobs.pool else None
        return runner, RunConfig(tool_thread_pool_config=pool)

    def dispatch(self, prepared: Any, calls: Sequence[ToolCall]) -> list[Delivered]:
        self.calls, self.requests = calls, 0
        return self._runner.run(self._run(*prepared))

    async def _run(self, runner: Any, config: Any) -> list[Delivered]:
        from google.genai import types

        # a new session per turn: a new query, as a user's fresh question would be
        session = await runner.session_service.create_session(app_name="pfcbench", user_id="u")
        message = types.Content(role="user", parts=[types.Part(text="go")])
        out: list[Delivered] = []
        async for event in runner.run_async(
            user_id="u", session_id=session.id, new_message=message, run_config=config
        ):
            for fr in event.get_function_responses():
                out.append(Delivered(fr.id, str(fr.response)))
            if event.error_message:
                raise RuntimeError(f"ADK: {event.error_message}")
        return out

    def close(self) -> None:
        for runner in self._runners:
            self._runner.run(runner.close())
        self._runner.close()
