"""The same conversation on the deprecated ``google-generativeai`` SDK (REST transport; tested with 0.8.6
on google-ai-generativelanguage 0.6.15).

What its protos can and cannot carry: ``FunctionCall.id`` and ``FunctionResponse.id`` exist and are kept;
``Part`` has no ``thought_signature`` (nor ``thought``) field, so a Gemini 3 model — which refuses a turn
whose signature is missing — cannot be driven through it: :func:`check_legacy_model` says so before
anything is sent. ``UsageMetadata`` has no thoughts or tool-use fields: thinking tokens are derived as
``total - prompt - candidates``. Streaming is left to google-genai.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bench.models._gemini import (
    DEFAULT_MODEL,
    FunctionCallSpec,
    FunctionResult,
    GenerationSettings,
    OnCall,
    Raw,
    ToolDecl,
    Turn,
    enum_name,
    to_turn,
)
from bench.models._retry import Attempted, ModelError, Retrier, RetryPolicy, resolve_api_key

__all__ = ["LegacyDriver", "check_legacy_model"]


#: the function calling modes google-generativeai 0.8.6 maps (``content_types._FUNCTION_CALLING_MODE``)
_LEGACY_MODES = ("AUTO", "ANY", "NONE")


def check_legacy_model(model: str, settings: GenerationSettings) -> None:
    """Refuse, in one line, what the legacy protos cannot carry (before anything is sent: mid-run, the SDK
    would raise a KeyError for a mode it does not know, and Gemini 3 would answer 400)."""
    if model.removeprefix("models/").startswith("gemini-3"):
        raise ModelError(
            "unsupported",
            f"{model} needs thought signatures sent back, which google-generativeai's protos cannot "
            "carry; use --model gemini (google-genai)",
        )
    if settings.thinking():
        raise ModelError(
            "unsupported", "google-generativeai has no thinking_config; use --model gemini (google-genai)"
        )
    if settings.function_calling not in (None, *_LEGACY_MODES):
        raise ModelError(
            "unsupported",
            f"google-generativeai knows function calling modes {', '.join(_LEGACY_MODES)}, not "
            f"{settings.function_calling}; use --model gemini (google-genai)",
        )


class LegacyDriver:
    """``genai.configure`` is process-global; to let several drivers (e.g. a fake server per test)
    coexist, each driver configures its own client manager and gives its client to its model."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        model: str = DEFAULT_MODEL,
        base_url: str | None = None,
        timeout_s: float = 60.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        settings: GenerationSettings | None = None,
    ) -> None:
        self.settings = settings or GenerationSettings()
        check_legacy_model(model, self.settings)
        key = resolve_api_key(api_key)
        self._retrier = Retrier(retry or RetryPolicy(), sleep, async_sleep, base_url or "the Gemini API", key)
        with warnings.catch_warnings():
            # Importing the deprecated SDK emits FutureWarnings (package end of life,
            # Python version support); they are expected here and nowhere else.
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            import google.generativeai as legacy
            from google.generativeai import client as legacy_client
            from google.generativeai import protos

        # Typed as Any: the legacy SDK's partial annotations would need per-version ignores.
        self._legacy: Any = legacy
        self._protos = protos
        self.model = model
        self._timeout_s = timeout_s
        client_options = {"api_endpoint": base_url} if base_url else None
        manager: Any = legacy_client._ClientManager()
        manager.configure(api_key=key, transport="rest", client_options=client_options)
        self._client = manager.make_client("generative")
        self._gen_model: Any = None
        self._contents: list[Any] = []

    def _start(self, query: str, tool_decls: Sequence[ToolDecl]) -> None:
        s = self.settings
        tools = None
        if tool_decls:
            decls = [
                {
                    "name": d["name"],
                    "description": d.get("description", ""),
                    **({"parameters": legacy_schema(d["parameters"])} if d.get("parameters") else {}),
                }
                for d in tool_decls
            ]
            tools = [{"function_declarations": decls}]
        self._gen_model = self._legacy.GenerativeModel(
            self.model,
            tools=tools,
            system_instruction=s.system_instruction,
            tool_config=(
                {"function_calling_config": {"mode": s.function_calling}} if s.function_calling else None
            ),
            generation_config=({"temperature": s.temperature} if s.temperature is not None else None),
        )
        self._gen_model._client = self._client  # see the class docstring
        self._contents = [self._protos.Content(role="user", parts=[self._protos.Part(text=query)])]

    def _add_results(self, function_results: Sequence[FunctionResult]) -> None:
        if self._gen_model is None:
            raise RuntimeError("next_turn() before first_turn()")
        protos = self._protos
        parts = [
            protos.Part(
                function_response=protos.FunctionResponse(
                    id=r.id or "", name=r.name, response=r.response_object()
                )
            )
            for r in function_results
        ]
        self._contents.append(protos.Content(role="user", parts=parts))

    def _call(self) -> Any:
        return self._gen_model.generate_content(
            self._contents,
            # retry=None disables api_core's default retry (503 for up to 600 s).
            request_options={"retry": None, "timeout": self._timeout_s},
        )

    def _to_turn(self, response: Any, done: Attempted, on_call: OnCall | None) -> Turn:
        raw = Raw(usage=response.usage_metadata)
        feedback = getattr(response, "prompt_feedback", None)
        raw.block = enum_name(getattr(feedback, "block_reason", None)) if feedback else None
        if response.candidates:
            cand = response.candidates[0]
            raw.finish = enum_name(cand.finish_reason)
            content = cand.content
            if content.parts:
                self._contents.append(content)
            for part in content.parts:
                if "function_call" in part:
                    fc = part.function_call
                    args = type(fc).to_dict(fc).get("args") or {}
                    spec = FunctionCallSpec(name=fc.name, args=_unfloat(args), id=fc.id or None)
                    raw.calls.append(spec)
                    if on_call is not None:
                        on_call(spec)
                elif "text" in part and part.text:
                    raw.texts.append(part.text)
        return to_turn(raw, done, derived_thoughts=True)

    def first_turn(self, query: str, tool_decls: Sequence[ToolDecl], on_call: OnCall | None = None) -> Turn:
        self._start(query, tool_decls)
        return self._to_turn(*self._retrier.run(self._call), on_call)

    def next_turn(self, function_results: Sequence[FunctionResult], on_call: OnCall | None = None) -> Turn:
        self._add_results(function_results)
        return self._to_turn(*self._retrier.run(self._call), on_call)

    # The SDK's async client is gRPC-only (broken with transport="rest"): run the sync
    # call in a worker thread instead.  Backoff then uses the sync ``sleep`` too.
    async def afirst_turn(
        self, query: str, tool_decls: Sequence[ToolDecl], on_call: OnCall | None = None
    ) -> Turn:
        return await asyncio.to_thread(self.first_turn, query, tool_decls, on_call)

    async def anext_turn(
        self, function_results: Sequence[FunctionResult], on_call: OnCall | None = None
    ) -> Turn:
        return await asyncio.to_thread(self.next_turn, function_results, on_call)

    def close(self) -> None:
        transport = getattr(self._client, "_transport", None)
        if transport is not None:
            transport.close()

    async def aclose(self) -> None:
        self.close()


#: what google-ai-generativelanguage 0.6.15's ``Schema`` proto can hold (no minimum, maximum, pattern, ...)
_SCHEMA_FIELDS = frozenset(
    {
        "type",
        "format",
        "description",
        "nullable",
        "enum",
        "items",
        "max_items",
        "min_items",
        "properties",
        "required",
    }
)


def legacy_schema(schema: Any) -> Any:
    """A JSON-schema ``parameters`` object cut down to the fields the legacy protos know: the constraints it
    drops (bounds, patterns) are not sent to the model through this SDK."""
    if not isinstance(schema, dict):
        return schema
    out = {k: v for k, v in schema.items() if k in _SCHEMA_FIELDS}
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: legacy_schema(v) for k, v in out["properties"].items()}
    if "items" in out:
        out["items"] = legacy_schema(out["items"])
    return out


def _unfloat(value: Any) -> Any:
    """protobuf Struct turns every number into a float; give whole numbers back as ints."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _unfloat(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unfloat(v) for v in value]
    return value
