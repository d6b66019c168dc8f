"""Model drivers (simulated, scripted, record/replay, google-genai, legacy SDK), the prices that bill them,
the SDK's own automatic function calling, and the loopback fake Gemini server they are tested against.

Imported on first use through ``__getattr__`` (PEP 562): the drivers bring numpy and the scenarios, the fake
server http.server, and the command line only needs them once a command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench._lazy import lazy_names

if TYPE_CHECKING:
    from bench.models._drivers import (
        MODEL_MODES,
        MODEL_NAMES,
        CassetteError,
        ModelDriver,
        PriceTable,
        QueryContext,
        RecordingModel,
        ReplayModel,
        ScriptedCall,
        SimulatedModel,
        SimulatedParams,
        load_prices,
        make_gemini_model,
        turn_waves,
    )
    from bench.models._fake_server import FakeGeminiConfig, FakeGeminiServer, normalise_schema, run_server
    from bench.models._gemini import (
        DEFAULT_MODEL,
        FunctionCallSpec,
        FunctionResult,
        GenaiDriver,
        LegacyDriver,
        ModelError,
        Retrier,
        RetryPolicy,
        ToolDecl,
        Turn,
        resolve_api_key,
    )
    from bench.models._sdk_afc import make_sleep_tool, run_sdk_afc, run_sdk_afc_async, setup_afc

#: module -> the public names it defines, each imported on first use
__getattr__ = lazy_names(
    "bench.models",
    {
        "bench.models._drivers": (
            "MODEL_MODES",
            "MODEL_NAMES",
            "CassetteError",
            "ModelDriver",
            "PriceTable",
            "QueryContext",
            "RecordingModel",
            "ReplayModel",
            "ScriptedCall",
            "SimulatedModel",
            "SimulatedParams",
            "load_prices",
            "make_gemini_model",
            "turn_waves",
        ),
        "bench.models._fake_server": (
            "FakeGeminiConfig",
            "FakeGeminiServer",
            "normalise_schema",
            "run_server",
        ),
        "bench.models._gemini": (
            "DEFAULT_MODEL",
            "FunctionCallSpec",
            "FunctionResult",
            "GenaiDriver",
            "LegacyDriver",
            "ModelError",
            "Retrier",
            "RetryPolicy",
            "ToolDecl",
            "Turn",
            "resolve_api_key",
        ),
        "bench.models._sdk_afc": ("make_sleep_tool", "run_sdk_afc", "run_sdk_afc_async", "setup_afc"),
    },
    globals(),
)


__all__ = [
    "DEFAULT_MODEL",
    "MODEL_MODES",
    "MODEL_NAMES",
    "CassetteError",
    "FakeGeminiConfig",
    "FakeGeminiServer",
    "FunctionCallSpec",
    "FunctionResult",
    "GenaiDriver",
    "LegacyDriver",
    "ModelDriver",
    "ModelError",
    "PriceTable",
    "QueryContext",
    "RecordingModel",
    "ReplayModel",
    "Retrier",
    "RetryPolicy",
    "ScriptedCall",
    "SimulatedModel",
    "SimulatedParams",
    "ToolDecl",
    "Turn",
    "load_prices",
    "make_gemini_model",
    "make_sleep_tool",
    "normalise_schema",
    "resolve_api_key",
    "run_sdk_afc",
    "run_sdk_afc_async",
    "run_server",
    "setup_afc",
    "turn_waves",
]
