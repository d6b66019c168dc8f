"""Model drivers (simulated, scripted, record/replay, google-genai, legacy SDK), the prices that bill them,
the SDK's own automatic function calling, and the loopback fake Gemini server they are tested against.

Imported on first use through ``__getattr__`` (PEP 562): the drivers bring numpy and the scenarios, the fake
server http.server, and the command line only needs them once a command runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

#: public name -> the module that defines it, imported on first use
_LAZY = {
    "MODEL_MODES": "bench.models._drivers",
    "MODEL_NAMES": "bench.models._drivers",
    "CassetteError": "bench.models._drivers",
    "ModelDriver": "bench.models._drivers",
    "PriceTable": "bench.models._drivers",
    "QueryContext": "bench.models._drivers",
    "RecordingModel": "bench.models._drivers",
    "ReplayModel": "bench.models._drivers",
    "ScriptedCall": "bench.models._drivers",
    "SimulatedModel": "bench.models._drivers",
    "SimulatedParams": "bench.models._drivers",
    "load_prices": "bench.models._drivers",
    "make_gemini_model": "bench.models._drivers",
    "turn_waves": "bench.models._drivers",
    "FakeGeminiConfig": "bench.models._fake_server",
    "FakeGeminiServer": "bench.models._fake_server",
    "normalise_schema": "bench.models._fake_server",
    "run_server": "bench.models._fake_server",
    "DEFAULT_MODEL": "bench.models._gemini",
    "FunctionCallSpec": "bench.models._gemini",
    "FunctionResult": "bench.models._gemini",
    "GenaiDriver": "bench.models._gemini",
    "LegacyDriver": "bench.models._gemini",
    "ModelError": "bench.models._gemini",
    "Retrier": "bench.models._gemini",
    "RetryPolicy": "bench.models._gemini",
    "ToolDecl": "bench.models._gemini",
    "Turn": "bench.models._gemini",
    "resolve_api_key": "bench.models._gemini",
    "make_sleep_tool": "bench.models._sdk_afc",
    "run_sdk_afc": "bench.models._sdk_afc",
    "run_sdk_afc_async": "bench.models._sdk_afc",
    "setup_afc": "bench.models._sdk_afc",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bench.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
