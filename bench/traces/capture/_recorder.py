"""One in-memory span recorder per process: OpenTelemetry lets a process set its global tracer provider
once, so every capture shares this provider and takes (and clears) the spans its own run finished."""

from __future__ import annotations

from typing import Any

_STATE: dict[str, Any] = {}


def recorder() -> Any:
    """The process's ``InMemorySpanExporter`` behind the global tracer provider (installed on first use)."""
    if "exporter" not in _STATE:
        from opentelemetry import trace
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        exporter = InMemorySpanExporter()
        provider = TracerProvider(resource=Resource.create({"service.name": "pfcbench-capture"}))
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        _STATE["exporter"] = exporter
    return _STATE["exporter"]


def take() -> list[Any]:
    """The spans finished since the last call, oldest first."""
    exporter = recorder()
    spans = list(exporter.get_finished_spans())
    exporter.clear()
    return spans
