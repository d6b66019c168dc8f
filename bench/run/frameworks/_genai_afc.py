"""google-genai's automatic function calling without a server: the SDK's own AFC step
(``google.genai._extra_utils.get_function_response_parts``, what ``generate_content`` calls between model
requests) handed a response whose parts are the turn's calls. In a model run ``genai-afc`` is instead the
whole AFC conversation against the Gemini API (``bench.run``'s AFC peer, the old label ``sdk-afc``).
AFC's function responses carry no call id."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bench.run.frameworks._base import Delivered, Knobs, WrappedTool
from executors import ToolCall


class GenaiAfcAdapter:
    dist = "google-genai"

    def __init__(self, knobs: Knobs) -> None:
        self.knobs = knobs

    def prepare(self, tools: Mapping[str, WrappedTool]) -> Any:
        return {name: t.sync for name, t in tools.items()}

    def dispatch(self, prepared: Any, calls: Sequence[ToolCall]) -> list[Delivered]:
        from google.genai import _extra_utils, types

        parts = [types.Part(function_call=types.FunctionCall(name=c.name, args=dict(c.args))) for c in calls]
        response = types.GenerateContentResponse(
            candidates=[types.Candidate(content=types.Content(role="model", parts=parts))]
        )
        out = _extra_utils.get_function_response_parts(response, prepared)
        return [
            Delivered(p.function_response.id, str(p.function_response.response))
            for p in out
            if p.function_response is not None
        ]

    def close(self) -> None:
        pass
