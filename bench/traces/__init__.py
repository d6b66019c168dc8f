"""OpenTelemetry traces in and out, a format wing: otel.json from a run's records (GenAI conventions), OTLP
JSON read into spans and turns, and scenarios fitted to them (``pfcbench fit``). It imports nothing of
``bench.run``: trace replay (``pfcbench run --trace``) is ``bench.run``'s, reading turns from here."""

from bench.traces._export import otel_document, record_spans, write_otel
from bench.traces._fitting import LatencyFit, fit_latency
from bench.traces._live import send_live, traces_url
from bench.traces._model import OK, RATE_LIMITED, Span, ToolSpan, tool_span
from bench.traces._otlp import TraceError, read_spans
from bench.traces._scenario import FittedScenario, ToolFit, fit_trace, scenario_toml, write_scenario
from bench.traces._turns import (
    PER_PARENT,
    TURN_READINGS,
    Reading,
    Turn,
    group_turns,
    read_tool_spans,
    read_trace,
)

__all__ = [
    "OK",
    "PER_PARENT",
    "RATE_LIMITED",
    "TURN_READINGS",
    "FittedScenario",
    "LatencyFit",
    "Reading",
    "Span",
    "ToolFit",
    "ToolSpan",
    "TraceError",
    "Turn",
    "fit_latency",
    "fit_trace",
    "group_turns",
    "otel_document",
    "read_spans",
    "read_tool_spans",
    "read_trace",
    "record_spans",
    "scenario_toml",
    "send_live",
    "tool_span",
    "traces_url",
    "write_otel",
    "write_scenario",
]
