"""The one place a run is built: a ``RunConfig`` becomes its executors (each spec's guards scaled once),
their predictors, the model driver and the client-side limiters, owned by one ``Assembly`` that closes them.

Every entry point (``pfcbench run``, advise's confirmation and sweep, the experiments, load, the Locust
user, tools/gate_power.py) describes what it wants as a ``RunConfig`` and gets it built here; none builds an
executor itself. A label the reference executors (``executors/``) do not know is offered to ``RESOLVERS`` in
order (agent-framework adapters register there), so a new kind of executor needs no entry point changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType

from bench.models import ModelDriver
from bench.run._afc_peer import AFC_LABELS
from bench.run._afc_peer import NAME as AFC
from bench.run._config import ExecutorSpec, RunConfig, RunError
from bench.run._convert import quotas_of
from bench.run._model import build_model, check_cassette
from bench.run.frameworks import resolve_framework
from executors import (
    EXECUTORS,
    Executor,
    Guards,
    Sequential,
    SlidingWindowLimiter,
    UnknownExecutor,
    limiters_for,
    make_executor,
)
from scenarios import Scenario, did_you_mean

#: builds the executor of a spec whose label ``executors`` does not know, or returns None when the label
#: is not its own; given the spec, the config and the spec's guards already in wall seconds
Resolver = Callable[[ExecutorSpec, RunConfig, Guards | None], Executor | None]


def _framework(spec: ExecutorSpec, config: RunConfig, guards: Guards | None) -> Executor | None:
    """An agent framework's own dispatch (``bench.run.frameworks``), or None for a label of no framework."""
    try:
        return resolve_framework(spec.label, guards=guards, name=spec.alias)
    except UnknownExecutor as exc:
        raise RunError(str(exc)) from None


#: tried in order after the reference executors
RESOLVERS: list[Resolver] = [_framework]


def build_executor(config: RunConfig, spec: ExecutorSpec) -> Executor:
    """A new executor for ``spec``; RunError for a label no one knows."""
    guards = config.wall_guards(spec)
    try:
        return make_executor(
            spec.label,
            time_scale=config.time_scale,
            max_workers=config.max_workers,
            guards=guards,
            name=spec.alias,
        )
    except UnknownExecutor as exc:
        for resolve in RESOLVERS:
            built = resolve(spec, config, guards)
            if built is not None:
                return built
        raise RunError(str(exc).replace(";", executor_hint(spec.label) + ";", 1)) from None


def executor_hint(label: str) -> str:
    """`` (did you mean 'threaded'?)`` for a misspelt executor label (its ``-naive`` and ``@K`` kept off)."""
    name = label.split("@", maxsplit=1)[0].removesuffix("-naive")
    return "" if name in EXECUTORS else did_you_mean(name, EXECUTORS)


def check_guard_tools(config: RunConfig) -> None:
    """Refuse a per-tool guard naming a tool no scenario of the run has (a typo would silently do nothing)."""
    tools = {t.name for s in config.scenarios for t in s.tools}
    for g in (config.guards_of(s) for s in config.specs):
        for setting, named in g.tools().items() if g is not None else ():
            for tool in named:
                if tool not in tools:
                    known = ", ".join(sorted(tools)[:12]) + (", ..." if len(tools) > 12 else "")
                    raise RunError(
                        f"`{setting}` {tool}=...: no scenario of this run has a tool {tool!r}"
                        f"{did_you_mean(tool, tools)} (tools: {known})"
                    )


@dataclass
class Assembly:
    """A run's built parts, closed together: executors by the name their records carry (the SDK's AFC
    peer has none: it runs its own loop), the model driver and its warm-up twin."""

    config: RunConfig
    executors: dict[str, Executor] = field(default_factory=dict)
    model: ModelDriver | None = None
    warm_model: ModelDriver | None = None

    def predictor(self, name: str) -> Executor:
        """The executor whose ``predict`` gives ``name``'s ideal makespan (the AFC peer: sequential, as
        google-genai runs a turn's calls one after another)."""
        if name in AFC_LABELS and name not in self.executors:
            return Sequential(name=name)
        return self.executors[name]

    def fresh(self, name: str) -> Executor:
        """A new executor of ``name``'s spec, owned by the caller (a load query's own pool)."""
        spec = next(s for s in self.config.specs if s.name == name)
        return build_executor(self.config, spec)

    def shared_limiters(self, scenario: Scenario) -> Mapping[str, SlidingWindowLimiter]:
        """One client-side limiter per quota of ``scenario``, by tool: every query paces through the same."""
        return limiters_for(quotas_of(scenario, self.config.time_scale), time.perf_counter)

    def close(self) -> None:
        for ex in self.executors.values():
            ex.close()
        self.executors.clear()
        if self.model is not None:
            self.model.close()
            self.model = self.warm_model = None

    def __enter__(self) -> Assembly:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def assemble(config: RunConfig) -> Assembly:
    """Build every part of ``config``'s run (RunError for a label, guard or model that cannot be built;
    whatever was built before the failure is closed)."""
    names = config.labels
    if len(set(names)) != len(names):
        raise RunError(f"`executor`: {next(n for n in names if names.count(n) > 1)!r} is given twice")
    check_guard_tools(config)
    parts = Assembly(config)
    try:
        for spec in config.specs:
            if spec.label != AFC:  # the peer baseline runs its own loop (bench.run's AFC peer)
                parts.executors[spec.name] = build_executor(config, spec)
        parts.model, parts.warm_model = build_model(config)
        check_cassette(parts.model, config, names)
    except BaseException:
        parts.close()
        raise
    return parts
