"""The measurement loop: trials x scenarios x executors in a seeded random order, one record appended and
flushed per (scenario, trial, executor), resumable after an interruption."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.models import GenerationSettings, ModelDriver, ModelError, PriceTable, load_prices
from bench.run._afc_peer import AFC_LABELS, afc_session
from bench.run._afc_peer import NAME as AFC
from bench.run._assemble import Assembly, assemble
from bench.run._config import RunConfig, RunError
from bench.run._convert import planned_work, quotas_of, tool_calls
from bench.run._ending import end_run, reason_of
from bench.run._lock import HeldDir, OutLocked, out_lock
from bench.run._measured import measured_plan
from bench.run._meta import run_metadata, utc_now
from bench.run._quota_scale import scale_for
from bench.run._raw import RawReferences
from bench.run._records import turn_record
from bench.run._session import Ask, run_session
from bench.run._sizes import Todo, check_shape, check_wall
from bench.run._theory import scenario_theory
from bench.run.frameworks import framework_versions
from bench.traces import send_live, write_otel
from executors import Executor, Tools
from reports import (
    ResultsWriter,
    SchemaError,
    TrialRecord,
    is_raw,
    read_records,
    streamed_label,
    write_json_atomic,
)
from scenarios import Scenario, ToolApi, TrialPlan, build_toolbox, make_plan, model_table

Clock = Callable[[], float]

#: warm-up plans draw from trial indices no run reaches
_WARMUP_TRIAL = 2_000_000


def measure(  # noqa: PLR0913 - keyword-only: where the record goes, injected clock, sleeps and tools
    plan: TrialPlan,
    executor: Executor,
    time_scale: float,
    *,
    run_id: str = "",
    order: int = 0,
    clock: Clock = time.perf_counter,
    on_tools: Callable[[dict[str, ToolApi]], None] | None = None,
    slowdown: float = 1.0,
    toolbox: Callable[[TrialPlan, float], Tools] | None = None,
) -> TrialRecord:
    """Run one trial's calls with one executor against fresh simulated APIs and record what happened.
    ``on_tools`` sees the simulated APIs (their server-side logs: 429s, attempts) before the run.

    ``slowdown`` stretches every tool's sleep (not the plan, the quotas or the records' planned latencies),
    so the run looks like the same scenario on slower servers. ``toolbox`` replaces the simulated APIs."""
    stretch = _stretched_sleeps(slowdown) if slowdown != 1.0 else {}
    if toolbox is not None:
        tools: Tools = toolbox(plan, time_scale)
    else:
        sims = build_toolbox(plan, time_scale, clock=clock, **stretch)
        if on_tools is not None:
            on_tools(sims)
        tools = sims
    calls = tool_calls(plan)
    quotas = quotas_of(plan.scenario, time_scale)
    gc.collect()  # a collection inside the timed region would be charged to whichever executor was unlucky
    t0 = clock()
    results = executor.run(calls, tools, quotas=quotas)
    makespan = clock() - t0
    return turn_record(
        plan,
        results,
        time_scale,
        executor=executor.name,
        t0=t0,
        makespan_s=makespan,
        # a real call's ideal is its own measured span (bench.run._measured), a simulated one's its plan
        ideal_s=executor.predict(
            planned_work(measured_plan(plan, results, time_scale), time_scale), quotas=quotas
        ),
        run_id=run_id,
        order=order,
    )


def _stretched_sleeps(factor: float) -> dict[str, Any]:
    def sleep(seconds: float) -> None:
        time.sleep(seconds * factor)

    async def asleep(seconds: float) -> None:
        await asyncio.sleep(seconds * factor)

    return {"sleep": sleep, "asleep": asleep}


Progress = Callable[[int, int, str], None]


def run(config: RunConfig, *, progress: Progress | None = None) -> int:
    """Build ``config``'s run (:func:`assemble`), run (or resume) it into ``config.out`` and close every
    part; returns the number of records written now (a trace replay's ``recorded`` ones included).
    ``progress`` is keyword-only: runs once took built executors beside the config, and such a call now
    fails at once instead of handing them over as the progress callback.

    With ``config.model != "none"`` every record is a whole session with the model (one per model mode).
    KeyboardInterrupt leaves run.json marked ``interrupted`` and every finished record on disk."""
    if config.out is None:
        raise RunError("`out`: a run needs a directory for its results")
    out = config.out.absolute()  # a tool that chdir()s cannot move it
    config = dataclasses.replace(config, out=out)
    try:
        lock = out_lock(out)  # one writer per directory (bench.run._lock)
        held = lock.__enter__()
    except (OutLocked, OSError) as exc:
        if isinstance(exc, OutLocked):
            raise RunError(str(exc)) from None
        raise RunError(f"`out` {out}: cannot write there ({exc.strerror})") from None
    try:
        with assemble(config) as parts:
            return _run(config, held, parts, progress)
    finally:
        lock.__exit__(None, None, None)


class OutReplaced(RunError):
    """The run directory was removed (or made again) while the run wrote it."""


def _still_ours(held: HeldDir) -> None:
    if not held.still_ours():
        raise OutReplaced(
            f"`out` {held.out}: the directory was removed or made again while this run wrote it; this run's "
            "records went with the old directory and nothing more is written there (another run may own it)"
        )


def _end(held: HeldDir, meta_path: Path, meta: dict[str, Any], status: str, reason: str | None) -> None:
    """run.json's last state, unless the directory is no longer this run's (then it is left alone)."""
    if held.still_ours():
        end_run(meta_path, meta, status, reason, finished_at=utc_now())


def _run(config: RunConfig, held: HeldDir, parts: Assembly, progress: Progress | None) -> int:
    out = held.out
    results_path, meta_path = out / "results.jsonl", out / "run.json"
    done: set[tuple[str, int, str, str]] = set()
    modes = config.model_modes if config.model != "none" else ("",)
    meta = _start(config, out, done, parts)
    todo = Todo(config, modes, frozenset(done))  # made as it runs: the first record comes in seconds
    try:
        written = _execute(config, parts, todo, meta, progress=progress)
        _still_ours(held)  # recorded records and run.json are written by path
        written += _append_recorded(config, results_path, meta["run_id"], done)
    except OutReplaced:
        raise
    except (KeyboardInterrupt, Exception) as exc:
        # a model that fails (key, quota, endpoint), a full disk, Ctrl-C: finished records stay, and
        # run.json says how the run ended instead of staying "running" forever (bench.run._ending)
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        _end(held, meta_path, meta, status, reason_of(exc))
        raise
    except BaseException as exc:  # a tool's sys.exit() or its own BaseException: the run's end, said so
        reason = reason_of(exc)
        _end(held, meta_path, meta, "failed", reason)
        raise RunError(
            f"the run stopped: {reason}; finished records are in {results_path}; "
            f"finish with: pfcbench run ... --out {out} --resume"
        ) from None
    _still_ours(held)
    end_run(meta_path, meta, "complete", None, finished_at=utc_now(), records=len(done) + written)
    send_live(write_otel(out))  # sent only when OTEL_EXPORTER_OTLP_ENDPOINT is set
    return written


def _append_recorded(
    config: RunConfig, results_path: Path, run_id: str, done: set[tuple[str, int, str, str]]
) -> int:
    """A plan source's recorded records (a trace replay's ``recorded``: what production did), appended
    once: a resumed run that has them already gets none."""
    if config.plans is None:
        return 0
    records = config.plans.recorded_records(run_id, config.seed, config.time_scale)
    names = {r.executor for r in records}
    if not records or any(key[2] in names for key in done):
        return 0
    with ResultsWriter(results_path) as w:
        for r in records:
            w.write(r)
    return len(records)


def _execute(
    config: RunConfig, parts: Assembly, todo: Todo, meta: dict[str, Any], *, progress: Progress | None
) -> int:
    """Warm up, then measure every item of ``todo``, appending one record each."""
    executors, model, warm_model = parts.executors, parts.model, parts.warm_model
    assert config.out is not None
    total, written = len(todo), 0
    refs = RawReferences()
    if config.warmup and todo:
        if config.model == "none":
            _warm_up(config, executors, refs)
        elif warm_model is not None:
            _warm_up_sessions(config, executors, warm_model)
    # Everything alive now (modules, plans' scenario, pools) lives for the whole run: freezing it makes the
    # per-record gc.collect() in measure() scan only what the records allocate — ~0.05 ms instead of ~50 ms
    # once scipy and pandas are imported — without changing what it protects the timed region from.
    gc.collect()
    gc.freeze()
    try:
        failures = 0
        with ResultsWriter(config.out / "results.jsonl") as writer:
            plans: dict[tuple[str, int], TrialPlan] = {}
            for i, (trial, s, mode, label, pos) in enumerate(todo):
                if progress:
                    progress(i, total, f"{s.name} trial {trial} {mode + ' ' if mode else ''}{label}")
                key = (s.name, trial)
                if key not in plans:
                    plans.clear()  # one plan per (scenario, trial) shared by all its executors
                    source = config.plans
                    plans[key] = (
                        source.plan(s, config.seed, trial) if source else make_plan(s, config.seed, trial)
                    )
                drivers = (executors, model, refs)
                rec = _record(config, plans[key], mode, label, drivers, run_id=meta["run_id"], order=pos)
                # the record's origin on the wall clock (for otel.json): it ended makespan_s before now
                writer.write(dataclasses.replace(rec, origin_unix_s=time.time() - rec.makespan_s))
                written += 1
                failures = failures + 1 if getattr(rec.session, "status", "") == "model_error" else 0
                if failures >= config.max_consecutive_failures:
                    raise ModelError(
                        "server",
                        f"{failures} queries in a row failed (--max-consecutive-failures); last: "
                        f"{getattr(rec.session, 'error', None)}",
                    )
        if progress:
            progress(total, total, "done")
    finally:
        gc.unfreeze()
        refs.close()
    return written


def _record(
    config: RunConfig,
    plan: TrialPlan,
    mode: str,
    label: str,
    drivers: tuple[dict[str, Executor], ModelDriver | None, RawReferences],
    *,
    run_id: str,
    order: int,
) -> TrialRecord:
    """One measurement: a raw reference, a plain executor turn, or a model session."""
    executors, model, refs = drivers
    if is_raw(label):
        return refs.measure(label, plan, scale_for(config, plan.scenario), run_id=run_id, order=order)
    if config.model == "none":
        toolbox = config.plans.toolbox if config.plans else None
        return measure(
            plan,
            executors[label],
            scale_for(config, plan.scenario),
            run_id=run_id,
            order=order,
            slowdown=config.inject_slowdown,
            toolbox=toolbox,
        )
    assert model is not None, "a model run needs a model driver"
    streamed = streamed_label(label)
    if streamed is None:
        return _session(config, plan, mode, label, (executors, model), run_id=run_id, order=order)
    whole = dataclasses.replace(config, stream=False)
    rec = _session(whole, plan, mode, streamed, (executors, model), run_id=run_id, order=order)
    return dataclasses.replace(rec, executor=label)


def _session(
    config: RunConfig,
    plan: TrialPlan,
    mode: str,
    label: str,
    drivers: tuple[dict[str, Executor], ModelDriver],
    *,
    run_id: str,
    order: int,
) -> TrialRecord:
    """One whole session of ``plan`` with the executor ``label`` (or the SDK's AFC) and the model."""
    executors, model = drivers
    settings = GenerationSettings(**config.settings)
    prompt = config.prompt or model_table_prompt(plan.scenario)
    if label == AFC or (label in AFC_LABELS and config.model == "gemini"):
        return afc_session(
            plan,
            config.time_scale,
            model=config.gemini_model,
            base_url=config.gemini_base_url,
            prices=_prices(),
            mode=mode,
            run_id=run_id,
            order=order,
            settings=settings,
            prompt=prompt,
            max_turns=config.max_turns,
            executor=label,
        )
    ask = Ask(
        mode,
        _prices(),
        config.gemini_model,
        prompt,
        config.stream,
        config.max_turns,
        run_id=run_id,
        order=order,
    )
    return run_session(plan, model, executors[label], config.time_scale, ask)


def model_table_prompt(scenario: Scenario) -> str | None:
    """The ``prompt`` of the scenario file's ``[model]`` table, if it has one."""
    prompt = model_table(scenario).get("prompt")
    return str(prompt) if prompt else None


def _prices() -> PriceTable:
    return load_prices()


def _warm_up_sessions(config: RunConfig, executors: dict[str, Executor], model: ModelDriver) -> None:
    """Model runs warm up with whole sessions (connections, pools), unrecorded, on their own trial indices."""
    for w in range(config.warmup):
        for s in config.scenarios:
            plan = make_plan(s, config.seed, _WARMUP_TRIAL + w)
            for mode in config.model_modes:
                for label in config.labels:
                    _session(config, plan, mode, label, (executors, model), run_id="", order=0)


def _start(
    config: RunConfig, out: Path, done: set[tuple[str, int, str, str]], parts: Assembly
) -> dict[str, Any]:
    results_path, meta_path = out / "results.jsonl", out / "run.json"
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".pfcbench-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise RunError(f"`out` {out}: cannot write there ({exc.strerror})") from None
    has_results = results_path.exists() and results_path.stat().st_size > 0
    if has_results and not config.resume:
        raise RunError(
            f"`out` {out}: already holds results.jsonl; pass `resume` to finish it, or choose another `out`"
        )
    args = config.args_json()
    if config.resume and has_results:
        meta = _resume_meta(meta_path, args)
        done.update(_done_keys(results_path))
        meta.update(status="running", resumed_at=utc_now())
    else:
        meta = run_metadata(args) | {
            "run_id": uuid.uuid4().hex[:12],
            "status": "running",
            "started_at": utc_now(),
            "frameworks": framework_versions(config.labels),
        }
    modes = config.model_modes if config.model != "none" else ("",)
    shape = check_shape(config, modes)
    if shape is not None:
        raise RunError(shape)
    built = {
        s.name: scenario_theory(s, [parts.predictor(label) for label in config.labels])
        | {"time_scale": scale_for(config, s)}
        for s in config.scenarios
    }
    too_long = check_wall(config, built, len(Todo(config, modes, frozenset(done))))
    if too_long is not None:
        raise RunError(too_long)
    write_json_atomic(meta_path, meta)
    write_json_atomic(
        out / "theory.json",
        {"schema": 1, "time_scale": config.time_scale, "seed": config.seed, "scenarios": built},
    )
    return meta


def _done_keys(results_path: Path) -> set[tuple[str, int, str, str]]:
    """The records a resumed run already has; a corrupt file is refused (appending would bury it)."""
    try:
        return {(r.scenario, r.trial, r.executor, r.session.mode) for r in read_records(results_path)}
    except SchemaError as exc:
        raise RunError(
            f"`resume`: {str(exc).splitlines()[0]}; the file is corrupt, so resuming would append to "
            "records that cannot be read — move it aside or start a new `out`"
        ) from None


def _resume_meta(meta_path: Path, args: dict[str, Any]) -> dict[str, Any]:
    try:
        meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        raise RunError(
            f"{meta_path}: missing or unreadable; cannot resume without the run's metadata"
        ) from None
    old = meta.get("args", {})
    old.setdefault("inject_slowdown", 1.0)  # run.json written before the option existed
    old.setdefault("references", [])  # run.json written before the raw references existed
    if old.get("model", "none") != "none":  # a model run's run.json written before these options existed
        old.setdefault("stream", False)
        old.setdefault("prompt", None)
        old.setdefault("settings", {})
    for key in (
        "scenario_hashes",
        "executors",
        "seed",
        "time_scale",
        "max_workers",
        "guards",
        "model",
        "model_modes",
        "inject_slowdown",
        "references",
        "trials",
        "warmup",
        "max_turns",
        "gemini_model",
        "gemini_base_url",
        "stream",
        "prompt",
        "settings",
    ):  # not max_consecutive_failures: it decides when a run gives up, not what a record holds
        if old.get(key) != args.get(key):
            raise RunError(
                f"`resume`: {key} differs from the interrupted run ({old.get(key)!r} != {args.get(key)!r})"
            )
    meta["args"] = args
    return meta


def _warm_up(config: RunConfig, executors: dict[str, Executor], refs: RawReferences) -> None:
    """Start pools and import lazy modules before timing; warm-up plans come from their own trial indices."""
    for w in range(config.warmup):
        for s in config.scenarios:
            plan = make_plan(s, config.seed, _WARMUP_TRIAL + w)
            for label in config.labels:
                measure(plan, executors[label], scale_for(config, s), slowdown=config.inject_slowdown)
            for label in config.references:
                refs.measure(label, plan, scale_for(config, s))
