"""Framework executors: a framework's own tool dispatch (LangGraph, Pydantic AI, the OpenAI Agents SDK,
Google ADK, google-genai's AFC) behind the ``Executor`` protocol, over the same plans as the reference
executors. Each framework is an optional extra, imported only when its executor is built."""

from bench.run.frameworks._base import Delivered, FrameworkExecutor, Knobs, Turn, WrappedTool
from bench.run.frameworks._registry import (
    FRAMEWORKS,
    FrameworkInfo,
    framework_kind,
    framework_versions,
    install_hint,
    installed,
    make_framework_executor,
    resolve_framework,
)

__all__ = [
    "FRAMEWORKS",
    "Delivered",
    "FrameworkExecutor",
    "FrameworkInfo",
    "Knobs",
    "Turn",
    "WrappedTool",
    "framework_kind",
    "framework_versions",
    "install_hint",
    "installed",
    "make_framework_executor",
    "resolve_framework",
]
