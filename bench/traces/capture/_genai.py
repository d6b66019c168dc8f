"""google-genai's automatic function calling (``Client.models.generate_content`` with Python tools),
instrumented by ``opentelemetry-instrumentation-google-genai``: one outer ``generate_content`` span per
query, its tools' ``execute_tool`` spans inside it, run one after another."""

from __future__ import annotations

from typing import Any

from bench.traces.capture._recorder import recorder, take
from bench.traces.capture._tools import SleepPlan, tool_functions

_INSTRUMENTED: dict[str, bool] = {}


def capture_genai_afc(plan: SleepPlan, queries: int, model: str = "gemini-2.5-flash") -> list[Any]:
    """Run ``queries`` AFC queries with the plan's tools (sync: AFC calls them in the caller's thread)."""
    from google import genai
    from google.genai import types
    from opentelemetry.instrumentation.dependencies import get_dependency_conflicts
    from opentelemetry.instrumentation.google_genai import GoogleGenAiSdkInstrumentor

    instrumentor = GoogleGenAiSdkInstrumentor()
    conflict = get_dependency_conflicts(instrumentor.instrumentation_dependencies())
    if conflict is not None:  # instrument() would silently do nothing: no spans at all
        raise RuntimeError(f"opentelemetry-instrumentation-google-genai cannot instrument: {conflict}")
    recorder()
    if not _INSTRUMENTED:
        instrumentor.instrument()
        _INSTRUMENTED["yes"] = True
    take()
    sync_plan = SleepPlan(plan.draws, plan.seed, frozenset(plan.draws), plan.log)
    sync_plan.rng = plan.rng
    client = genai.Client()
    for q in range(queries):
        # a fresh config per query: the instrumentation wraps a config's tools each time it sees it, and a
        # reused config nests one more copy of every tool span per query (``reuse_config`` shows that fault)
        config = types.GenerateContentConfig(tools=tool_functions(sync_plan))
        client.models.generate_content(model=model, contents=f"query {q}", config=config)
    return take()
