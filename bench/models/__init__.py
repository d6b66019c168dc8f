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
        GeminiModel,
        ModelDriver,
        Opening,
        QueryContext,
        RecordingModel,
        ReplayModel,
        ScriptedCall,
        SimulatedModel,
        SimulatedParams,
        make_gemini_model,
        turn_waves,
    )
    from bench.models._fake_server import (
        FakeGeminiConfig,
        FakeGeminiServer,
        normalise_schema,
        run_server,
    )
    from bench.models._fake_wire import (
        make_args,
        signature_for,
    )
    from bench.models._gemini import (
        DEFAULT_MODEL,
        FunctionCallSpec,
        FunctionResult,
        GenaiDriver,
        GenerationSettings,
        ToolDecl,
        Turn,
        stop_status,
    )
    from bench.models._legacy import (
        LegacyDriver,
        check_legacy_model,
    )
    from bench.models._prices import (
        Bill,
        PriceRow,
        PriceTable,
        load_prices,
    )
    from bench.models._retry import (
        ModelError,
        Retrier,
        RetryPolicy,
        classify,
        redact,
        resolve_api_key,
        split_key,
    )
    from bench.models._scenario_server import (
        ScenarioGeminiServer,
        scenario_calls,
        scenario_plans,
        start_scenario_server,
    )
    from bench.models._sdk_afc import (
        make_sleep_tool,
        run_sdk_afc,
        run_sdk_afc_async,
        setup_afc,
        signature_from_schema,
    )

#: module -> the public names it defines, each imported on first use
__getattr__ = lazy_names(
    "bench.models",
    {
        "bench.models._drivers": (
            "MODEL_MODES",
            "MODEL_NAMES",
            "CassetteError",
            "GeminiModel",
            "ModelDriver",
            "Opening",
            "QueryContext",
            "RecordingModel",
            "ReplayModel",
            "ScriptedCall",
            "SimulatedModel",
            "SimulatedParams",
            "make_gemini_model",
            "turn_waves",
        ),
        "bench.models._fake_server": (
            "FakeGeminiConfig",
            "FakeGeminiServer",
            "normalise_schema",
            "run_server",
        ),
        "bench.models._fake_wire": (
            "make_args",
            "signature_for",
        ),
        "bench.models._gemini": (
            "DEFAULT_MODEL",
            "FunctionCallSpec",
            "FunctionResult",
            "GenaiDriver",
            "GenerationSettings",
            "ToolDecl",
            "Turn",
            "stop_status",
        ),
        "bench.models._legacy": (
            "LegacyDriver",
            "check_legacy_model",
        ),
        "bench.models._prices": (
            "Bill",
            "PriceRow",
            "PriceTable",
            "load_prices",
        ),
        "bench.models._retry": (
            "ModelError",
            "Retrier",
            "RetryPolicy",
            "classify",
            "redact",
            "resolve_api_key",
            "split_key",
        ),
        "bench.models._scenario_server": (
            "ScenarioGeminiServer",
            "scenario_calls",
            "scenario_plans",
            "start_scenario_server",
        ),
        "bench.models._sdk_afc": (
            "make_sleep_tool",
            "run_sdk_afc",
            "run_sdk_afc_async",
            "setup_afc",
            "signature_from_schema",
        ),
    },
    globals(),
)

__all__ = [
    "DEFAULT_MODEL",
    "MODEL_MODES",
    "MODEL_NAMES",
    "Bill",
    "CassetteError",
    "FakeGeminiConfig",
    "FakeGeminiServer",
    "FunctionCallSpec",
    "FunctionResult",
    "GeminiModel",
    "GenaiDriver",
    "GenerationSettings",
    "LegacyDriver",
    "ModelDriver",
    "ModelError",
    "Opening",
    "PriceRow",
    "PriceTable",
    "QueryContext",
    "RecordingModel",
    "ReplayModel",
    "Retrier",
    "RetryPolicy",
    "ScenarioGeminiServer",
    "ScriptedCall",
    "SimulatedModel",
    "SimulatedParams",
    "ToolDecl",
    "Turn",
    "check_legacy_model",
    "classify",
    "load_prices",
    "make_args",
    "make_gemini_model",
    "make_sleep_tool",
    "normalise_schema",
    "redact",
    "resolve_api_key",
    "run_sdk_afc",
    "run_sdk_afc_async",
    "run_server",
    "scenario_calls",
    "scenario_plans",
    "setup_afc",
    "signature_for",
    "signature_from_schema",
    "split_key",
    "start_scenario_server",
    "stop_status",
    "turn_waves",
]
