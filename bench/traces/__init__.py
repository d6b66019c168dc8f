"""OpenTelemetry traces in and out: otel.json from a run's records (GenAI conventions), scenarios fitted
from OTLP JSON trace files (``pfcbench fit``), and trace replay (``pfcbench run --trace``)."""

from bench.traces._export import otel_document, record_spans, write_otel
from bench.traces._fitting import LatencyFit, fit_latency
from bench.traces._live import send_live, traces_url
from bench.traces._model import Span, ToolSpan, tool_span
from bench.traces._otlp import TraceError, read_spans
from bench.traces._replay import RECORDED, TraceReplay, trace_replay
from bench.traces._scenario import FittedScenario, ToolFit, fit_trace, scenario_toml, write_scenario
from bench.traces._turns import Turn, group_turns, read_tool_spans

__all__ = [
    "RECORDED",
    "FittedScenario",
    "LatencyFit",
    "Span",
    "ToolFit",
    "ToolSpan",
    "TraceError",
    "TraceReplay",
    "Turn",
    "fit_latency",
    "fit_trace",
    "group_turns",
    "otel_document",
    "read_spans",
    "read_tool_spans",
    "record_spans",
    "scenario_toml",
    "send_live",
    "tool_span",
    "trace_replay",
    "traces_url",
    "write_otel",
    "write_scenario",
]
