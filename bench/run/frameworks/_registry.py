"""Framework executors by label, resolved after the reference executors: ``langgraph``, ``pydantic-ai@K``...
``@K`` sets the framework's own concurrency knob and is refused where it has none; a framework that is not
installed is refused with the command that installs it; pfcbench's guards and limiter never wrap a
framework's calls (a framework runs as it would in production), so asking for them is refused too."""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bench.run.frameworks._adk import AdkAdapter
from bench.run.frameworks._base import Adapter, FrameworkExecutor, Knobs
from bench.run.frameworks._genai_afc import GenaiAfcAdapter
from bench.run.frameworks._langgraph import LangGraphAdapter
from bench.run.frameworks._llamaindex import LlamaIndexAdapter
from bench.run.frameworks._openai_agents import OpenAiAgentsAdapter
from bench.run.frameworks._pydantic_ai import PydanticAiAdapter
from bench.run.frameworks._smolagents import SmolagentsAdapter
from executors import Executor, Guards, UnknownExecutor, label_k


@dataclass(frozen=True, slots=True)
class FrameworkInfo:
    name: str
    summary: str
    #: the module whose presence says the framework is installed, and the distribution named in run.json
    module: str
    dist: str
    #: the pyproject extra that installs it
    extra: str
    #: what @K sets (None: the framework has no per-turn knob, and @K is refused)
    knob: str | None
    #: ``loop`` (its calls are tasks on an event loop) or ``threads``: the raw primitive of its kind
    kind: str
    #: the framework's per-tool timeout knob as the adapter sets it (``Knobs.timeout_s``), or None
    timeout: str | None
    #: the concurrency its zero-overhead prediction assumes: 1 (one after another), K, or None (all)
    workers: Callable[[int | None], int | None]
    make: Callable[[Knobs], Adapter]
    #: with ``timeout`` None, why the framework has none (conformance's n/a says it with the version)
    no_timeout: str = ""
    #: what ``timeout`` bounds: ``call`` (one tool call), ``step`` (all of a turn's calls) or ``run``
    #: (the whole query); only a per-call one can carry a per-attempt timeout
    timeout_scope: str = "call"


def _four(k: int | None) -> int | None:
    return 4  # the call_tool step's num_workers=4


def _pool_default(k: int | None) -> int | None:
    return k or 6  # ThreadPoolExecutor(None) on this class of machine: min(32, cpus + 4); bounded anyway


def _same(k: int | None) -> int | None:
    return k


def _one(k: int | None) -> int | None:
    return 1


def _all(k: int | None) -> int | None:
    return None


#: LangGraph's only timeout: Pregel's, per superstep (here the one step running all the turn's calls)
_STEP_TIMEOUT = "compiled graph's step_timeout (per step: all the turn's calls)"
_NO_ADK_TIMEOUT = (
    "neither RunConfig nor FunctionTool has one; its flow awaits every call without a deadline "
    "(RunConfig.http_options bound only model requests)"
)

#: ``make`` is the adapter class itself: an adapter module imports its framework only when a turn runs, so
#: importing every adapter here costs no framework import
FRAMEWORKS: dict[str, FrameworkInfo] = {
    i.name: i
    for i in [
        FrameworkInfo(
            "langgraph", "LangGraph ToolNode.invoke: its thread pool", "langgraph", "langgraph",
            "langgraph", "max_concurrency", "threads", _STEP_TIMEOUT, _same, functools.partial(LangGraphAdapter, use_async=False),
            timeout_scope="step",
        ),
        FrameworkInfo(
            "langgraph-async", "LangGraph ToolNode.ainvoke: tasks on one event loop", "langgraph",
            "langgraph", "langgraph", "max_concurrency", "loop", _STEP_TIMEOUT, _all, functools.partial(LangGraphAdapter, use_async=True),
            timeout_scope="step",
        ),
        FrameworkInfo(
            "pydantic-ai", "Pydantic AI Agent with its FunctionModel: tool calls in parallel",
            "pydantic_ai", "pydantic-ai-slim", "pydantic-ai", None, "loop", "Tool(timeout=...)", _all, PydanticAiAdapter,
        ),
        FrameworkInfo(
            "pydantic-ai-sequential", "Pydantic AI in its 'sequential' tool execution mode",
            "pydantic_ai", "pydantic-ai-slim", "pydantic-ai", None, "loop", "Tool(timeout=...)", _one,
            PydanticAiAdapter,
        ),
        FrameworkInfo(
            "openai-agents", "OpenAI Agents SDK Runner with a scripted Model", "agents", "openai-agents",
            "openai-agents", "max_function_tool_concurrency", "loop", "function_tool(timeout=...)", _same,
            OpenAiAgentsAdapter,
        ),
        FrameworkInfo(
            "adk", "Google ADK LlmAgent with a scripted BaseLlm: tasks on one event loop", "google.adk",
            "google-adk", "adk", None, "loop", None, _all, AdkAdapter,
            _NO_ADK_TIMEOUT,
        ),
        FrameworkInfo(
            "adk-pool", "Google ADK with RunConfig's ToolThreadPoolConfig (sync tools on K threads, 4)",
            "google.adk", "google-adk", "adk", "ToolThreadPoolConfig.max_workers", "loop", None, _all, AdkAdapter,
            _NO_ADK_TIMEOUT,
        ),
        FrameworkInfo(
            "genai-afc", "google-genai's automatic function calling (the old label sdk-afc)",
            "google.genai", "google-genai", "gemini", None, "threads", None, _one, GenaiAfcAdapter,
            "AFC calls each function in the caller's thread with no deadline (HttpOptions.timeout bounds "
            "only the model's HTTP requests)",
        ),
        FrameworkInfo(
            "smolagents", "smolagents ToolCallingAgent.process_tool_calls: a thread pool per step",
            "smolagents", "smolagents", "smolagents", "max_tool_threads", "threads", None, _pool_default,
            SmolagentsAdapter, "process_tool_calls waits on its pool's futures with no deadline (timeouts "
            "exist only for CodeAgent's executors and model requests)",
        ),
        FrameworkInfo(
            "llamaindex", "LlamaIndex FunctionAgent with its MockFunctionCallingLLM (call_tool: 4 workers)",
            "llama_index.core", "llama-index-core", "llamaindex", None, "loop",
            "FunctionAgent(timeout=...) (the whole run)", _four, LlamaIndexAdapter, timeout_scope="run",
        ),
    ]
}  # fmt: skip


def installed(name: str) -> bool:
    """Whether the framework behind executor ``name`` can be imported (found, not imported)."""
    try:
        return importlib.util.find_spec(FRAMEWORKS[name].module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def install_hint(name: str) -> str:
    return f"pip install 'pfcbench[{FRAMEWORKS[name].extra}]'"


def make_framework_executor(label: str, *, timeout_s: float | None = None) -> FrameworkExecutor:
    """The framework executor ``label`` names (``name`` or ``name@K``); ``UnknownExecutor`` otherwise."""
    name = label.partition("@")[0]
    info = FRAMEWORKS.get(name)
    if info is None:
        raise UnknownExecutor(f"`executor`: unknown executor {name!r}")
    no_knob = f"`executor`: {label!r}: {name} has no per-turn concurrency knob, so @K cannot be set"
    k = label_k(label, info.knob, no_knob)
    if not installed(name):
        raise UnknownExecutor(f"`executor`: {name} is not installed; install it with: {install_hint(name)}")
    knobs = Knobs(
        limit=k, timeout_s=timeout_s, pool=name == "adk-pool", sequential=name == "pydantic-ai-sequential"
    )
    return FrameworkExecutor(label, info.make(knobs), workers=info.workers(k))


def resolve_framework(
    label: str, *, guards: Guards | None = None, name: str | None = None
) -> Executor | None:
    """The framework executor ``label`` names (filed under ``name``), None when it names no framework;
    ``UnknownExecutor`` for a framework asked with guards, a knob it lacks, or not installed."""
    if label.partition("@")[0] not in FRAMEWORKS:
        return None
    if guards is not None:
        raise UnknownExecutor(
            f"`executor`: {label!r} is a framework executor; pfcbench's guards and limiter do not wrap a "
            "framework's calls (it runs as in production): drop the guard settings or this executor"
        )
    ex = make_framework_executor(label)
    if name is not None:
        ex.name = name
    return ex


def framework_versions(labels: Iterable[str]) -> dict[str, str]:
    """The installed version of each framework distribution the labels use (for run.json)."""
    out: dict[str, str] = {}
    for label in labels:
        info = FRAMEWORKS.get(label.partition("@")[0])
        if info is not None:
            try:
                out[info.dist] = importlib.metadata.version(info.dist)
            except importlib.metadata.PackageNotFoundError:
                out[info.dist] = "not installed"
    return out


def framework_kind(label: str) -> str | None:
    """``loop`` or ``threads`` for a framework executor's label, None for any other."""
    info = FRAMEWORKS.get(label.partition("@")[0])
    return info.kind if info else None
