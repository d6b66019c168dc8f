"""Trace capture: real agent frameworks (Google ADK, google-genai's automatic function calling, the OpenAI
Agents SDK under OpenInference) run tools that sleep known times, and their OpenTelemetry spans are written
as OTLP JSON with hex ids. The drivers are the frameworks' plain public APIs; the frameworks' executors
(``bench.run.frameworks``) build on the same drivers. Each framework is optional: importing this package
imports none of them.

Command line: ``python tools/capture_trace.py --help`` (needs the frameworks installed)."""

from bench.traces.capture._adk import capture_adk
from bench.traces.capture._genai import capture_genai_afc
from bench.traces.capture._openai_agents import capture_openai_agents, scripted_model
from bench.traces.capture._otlp_json import otlp_document, span_json
from bench.traces.capture._tools import SleepPlan, constant, tool_functions, uniform

__all__ = [
    "SleepPlan",
    "capture_adk",
    "capture_genai_afc",
    "capture_openai_agents",
    "constant",
    "otlp_document",
    "scripted_model",
    "span_json",
    "tool_functions",
    "uniform",
]
