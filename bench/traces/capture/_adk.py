"""Google ADK (``LlmAgent`` on ``InMemoryRunner``) answering queries with the plan's tools, its own
OpenTelemetry spans recorded. The model is whatever ``GOOGLE_GEMINI_BASE_URL`` points at (``pfcbench
serve-gemini`` in tests). Message content is kept out of the spans (``ADK_CAPTURE_MESSAGE_CONTENT_IN_SPANS``)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from bench.traces.capture._recorder import recorder, take
from bench.traces.capture._tools import SleepPlan, tool_functions


def capture_adk(plan: SleepPlan, queries: int, model: str = "gemini-2.5-flash") -> list[Any]:
    """Run ``queries`` queries (one session each) and return the finished spans."""
    os.environ.setdefault("ADK_CAPTURE_MESSAGE_CONTENT_IN_SPANS", "false")
    recorder()
    take()
    asyncio.run(_run(plan, queries, model))
    return take()


async def _run(plan: SleepPlan, queries: int, model: str) -> None:
    from google.adk.agents import LlmAgent
    from google.adk.runners import InMemoryRunner
    from google.genai import types

    agent = LlmAgent(
        name="capture", model=model, instruction="Answer with the tools.", tools=tool_functions(plan)
    )
    runner = InMemoryRunner(agent=agent, app_name="capture")
    for q in range(queries):
        session = await runner.session_service.create_session(app_name="capture", user_id="u")
        message = types.Content(role="user", parts=[types.Part(text=f"query {q}")])
        async for _ in runner.run_async(user_id="u", session_id=session.id, new_message=message):
            pass
