"""What a run is, as one frozen value: the scenarios, the executor specs (label and guards), the model and
where the results go. Every entry point describes its run with these types; ``bench.run`` builds it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from bench.models import DEFAULT_MODEL, redact
from bench.run._afc_peer import AFC_LABELS
from bench.run._guardspec import GuardSpec
from executors import Guards, Tools
from reports import RAW_LABELS, TrialRecord, whole_turn_twin
from scenarios import MIN_GRACE_WALL_S, Scenario, TrialPlan

#: a run whose estimated wall time passes this is refused unless ``max_wall_s`` is raised (six hours: a
#: night's CI job; anything longer is more likely a typo in ``trials`` than a plan)
MAX_WALL_S = 6 * 3600.0


class PlanSource(Protocol):
    """Explicit per-trial plans instead of sampled ones (trace replay), the tools that play them, and the
    records of what was recorded (written once beside the measured ones; a source with none returns ())."""

    def plan(self, scenario: Scenario, seed: int, trial: int) -> TrialPlan: ...

    def toolbox(self, plan: TrialPlan, time_scale: float) -> Tools: ...

    def recorded_records(self, run_id: str, seed: int, time_scale: float) -> Sequence[TrialRecord]: ...


class RunError(ValueError):
    """A run that cannot start or resume as asked; the message is one line for the user."""


@dataclass(frozen=True, slots=True)
class ExecutorSpec:
    """One executor of a run: the label ``executors.make_executor`` (or a framework adapter) takes, its
    guards (None: the run's default) and the name its records are filed under (None: the label)."""

    label: str
    guards: GuardSpec | None = None
    alias: str | None = None

    @property
    def name(self) -> str:
        return self.alias or self.label


@dataclass(frozen=True, slots=True)
class ModelOptions:
    """How the model driver is built beyond what run.json records (the simulated model's speed, the
    recording and the cassette); ``RunConfig.model`` says which driver."""

    sim_ttft_ms: float = 400.0
    #: the simulated time to first token is lognormal with this sigma (0: constant)
    sim_ttft_jitter: float = 0.0
    sim_tokens_per_s: float = 200.0
    #: write every model turn as JSONL here
    record: Path | None = None
    #: the recording ``replay`` plays
    cassette: Path | None = None
    replay_latency: Literal["recorded", "zero"] = "recorded"


@dataclass(frozen=True, slots=True)
class RunConfig:
    scenarios: tuple[Scenario, ...]
    #: executor specs; a bare label is ``ExecutorSpec(label)``
    executors: tuple[ExecutorSpec | str, ...]
    trials: int = 20
    seed: int = 7
    time_scale: float = 0.1
    #: the run directory (results.jsonl, run.json, theory.json, otel.json); ``run`` needs one
    out: Path | None = None
    warmup: int = 1
    max_workers: int | None = None
    resume: bool = False
    #: run the raw references (bench.run._raw) in every trial beside the executors; measurement runs only
    raw: bool = True
    argv: tuple[str, ...] = field(default_factory=tuple)
    #: the guards of every executor spec that names none (document ms)
    guards: GuardSpec | None = None
    #: ``none`` runs one turn's calls with no model (``measure``); anything else runs whole sessions
    model: str = "none"
    model_modes: tuple[str, ...] = ("parallel",)
    max_turns: int = 12
    #: the Gemini model asked (live) or charged for (simulated, replay)
    gemini_model: str = DEFAULT_MODEL
    #: already without any key (``bench.models.split_key``), so run.json never holds one
    gemini_base_url: str | None = None
    #: start each call the moment its chunk arrives (google-genai's generate_content_stream)
    stream: bool = False
    #: the user's prompt (None: the scenario's ``[model]`` prompt, else the document's query)
    prompt: str | None = None
    #: system instruction, function calling mode, thinking, temperature (GenerationSettings.as_json())
    settings: dict[str, Any] = field(default_factory=dict)
    #: how the driver of ``model`` is built (not recorded: it is the driver's, not the run's)
    model_options: ModelOptions = field(default_factory=ModelOptions)
    #: a query whose model errors outlast the retries is recorded as ``model_error`` and the run goes on;
    #: this many such queries in a row stop the run
    max_consecutive_failures: int = 5
    #: tool latencies are multiplied by this at run time (``--inject-slowdown``): a known slowdown with an
    #: unchanged scenario hash, to measure the regression gate's power; recorded in run.json
    inject_slowdown: float = 1.0
    #: a scenario with a quota runs at a time scale where the server's grace (a tenth of a token interval)
    #: is at least this much wall time (``--quota-grace-wall-ms``; scenarios.quota_time_scale); 0: never
    #: raised. 5 ms, the GIL's switch interval, keeps the gate from failing by chance; the bench takes 1
    quota_grace_wall_ms: float = MIN_GRACE_WALL_S * 1000
    #: refuse a run whose wall time by theory passes this (seconds); not recorded: it changes no result
    max_wall_s: float = MAX_WALL_S
    #: lift the matrix and calls-per-turn limits (bench.run._sizes)
    allow_huge: bool = False
    #: where trial plans come from; None samples them from the scenarios (``make_plan``)
    plans: PlanSource | None = None

    @property
    def specs(self) -> tuple[ExecutorSpec, ...]:
        return tuple(e if isinstance(e, ExecutorSpec) else ExecutorSpec(e) for e in self.executors)

    @property
    def labels(self) -> tuple[str, ...]:
        """The names the executors' records are filed under, in the order given."""
        return tuple(s.name for s in self.specs)

    def guards_of(self, spec: ExecutorSpec) -> GuardSpec | None:
        """The guards ``spec`` runs with (its own, else the run's), None when none is active."""
        g = spec.guards if spec.guards is not None else self.guards
        return g if g is not None and g.active else None

    def wall_guards(self, spec: ExecutorSpec) -> Guards | None:
        """``guards_of(spec)`` in wall seconds: the one conversion of a run (executors and run.json use it)."""
        g = self.guards_of(spec)
        return None if g is None else g.scaled(self.time_scale, self.seed)

    @property
    def guarded(self) -> bool:
        return any(self.guards_of(s) is not None for s in self.specs)

    @property
    def references(self) -> tuple[str, ...]:
        """The raw references each trial runs beside the executors (none in a model run: a session's
        makespan includes the model, which a bare gather does not; none with real tools: a bare gather
        sleeps the plan's latencies, and a real tool's work is not in the plan; none under guards: a bare
        gather has no deadline, timeout, retry or hedge, so it would be the floor of another turn). A streamed
        run's references are instead each executor's whole-turn twin (``reports.whole_turn_twin``)."""
        if self.stream:  # the measured side of streaming's saving: the same query, whole turn first
            return tuple(whole_turn_twin(lb) for lb in self.labels if lb not in AFC_LABELS)
        real = any(s.real_tools() for s in self.scenarios)
        plain = self.model == "none" and not real and not self.guarded
        return RAW_LABELS if self.raw and plain else ()

    def guards_json(self) -> dict[str, Any] | None:
        """run.json's ``guards``: the run-wide settings as given (document ms) when no spec has its own,
        else each executor's guards in wall seconds by name (the two forms runs have always recorded)."""
        if all(s.guards is None for s in self.specs):
            return None if self.guards is None or not self.guards.active else self.guards.as_json()
        return {s.name: None if (g := self.wall_guards(s)) is None else g.settings() for s in self.specs}

    def args_json(self) -> dict[str, Any]:
        return (
            {
                "scenarios": [s.name for s in self.scenarios],
                "scenario_hashes": {s.name: s.fingerprint() for s in self.scenarios},
                "executors": list(self.labels),
                "references": list(self.references),
                "trials": self.trials,
                "seed": self.seed,
                "time_scale": self.time_scale,
                "warmup": self.warmup,
                "max_workers": self.max_workers,
                "model": self.model,
                "guards": self.guards_json(),
                "inject_slowdown": self.inject_slowdown,
            }
            | (
                # recorded only when not the default, so runs made before the flag existed still resume
                {}
                if self.quota_grace_wall_ms == MIN_GRACE_WALL_S * 1000
                else {"quota_grace_wall_ms": self.quota_grace_wall_ms}
            )
            | {
                "argv": [redact(a) for a in self.argv],
            }
            | (
                {
                    "model_modes": list(self.model_modes),
                    "max_turns": self.max_turns,
                    "gemini_model": self.gemini_model,
                    "gemini_base_url": redact(self.gemini_base_url) if self.gemini_base_url else None,
                    "stream": self.stream,
                    "prompt": self.prompt,
                    "settings": self.settings,
                    "max_consecutive_failures": self.max_consecutive_failures,
                }
                if self.model != "none"
                else {}
            )
        )
