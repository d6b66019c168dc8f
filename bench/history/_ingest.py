"""A run directory into the store: its metadata, the floor split per cell, every trial. Parsing is the
reports package's (``load_run``, ``floor_split``); this module only decides what a row holds."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.history._git import Git
from bench.history._store import HistoryError, Store
from reports import SchemaError, floor_split, load_run, raw_partner

_HEX = re.compile(r"^[0-9a-f]{4,64}$")


@dataclass(frozen=True, slots=True)
class AddOptions:
    """What ``history add`` was told; None: take it from run.json, git or the machine."""

    commit: str | None = None
    branch: str | None = None
    when: str | None = None
    machine: str | None = None


@dataclass(frozen=True, slots=True)
class Added:
    run_dir: str
    run_key: str
    commit: str
    machine: str
    #: False when the store already held this run (adding it again is a no-op)
    added: bool
    cells: int
    trials: int


def check_commit(text: str, *, where: str = "--commit") -> tuple[str, bool]:
    """A commit id as stored (lower-case hex) and whether run.json marked its checkout dirty."""
    c = text.strip().lower()
    dirty = c.endswith("+dirty")
    c = c.removesuffix("+dirty")
    if not _HEX.match(c):
        raise HistoryError(f"{where}: {text!r} is not a commit id (4 to 64 hex digits, e.g. 3f2a9c1)")
    return c, dirty


def check_when(text: str, *, where: str = "--when") -> str:
    """An ISO 8601 time as UTC ``YYYY-MM-DDTHH:MM:SS+00:00`` (a time without zone is taken as UTC)."""
    try:
        t = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise HistoryError(f"{where}: {text!r} is not an ISO 8601 time (e.g. 2026-12-06T22:50:00Z)") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).isoformat(timespec="seconds")


def _table(meta: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    v = meta.get(key)
    return v if isinstance(v, dict) else {}


def fingerprint(meta: Mapping[str, Any]) -> tuple[str, str | None, int | None, str | None]:
    """(default machine name, CPU model, cores, Python) from run.json."""
    m, v = _table(meta, "machine"), _table(meta, "versions")
    cpu = m.get("cpu_model") or m.get("processor") or m.get("machine") or None
    cores = m.get("cpu_count") if isinstance(m.get("cpu_count"), int) else None
    python = v.get("python") if isinstance(v.get("python"), str) else None
    name = f"{cpu or 'unknown CPU'} x{cores or '?'} py{python or '?'}"
    return name, (str(cpu) if cpu else None), cores, python


def run_key(results: Path) -> str:
    """The identity of a run: its results file's content (the same run added twice is found again)."""
    return hashlib.sha256(results.read_bytes()).hexdigest()[:32]


def _load(run_dir: Path) -> Any:
    if not (run_dir / "results.jsonl").is_file():
        raise HistoryError(f"{run_dir}: no results.jsonl here (run 'pfcbench run --out {run_dir}' first)")
    try:
        return load_run(run_dir)
    except (SchemaError, ValueError, OSError) as exc:
        raise HistoryError(str(exc).splitlines()[0]) from None


def _run_row(key: str, data: Any, opts: AddOptions, git: Git, now: str) -> tuple[list[Any], str, str]:
    meta: Mapping[str, Any] = data.meta
    recorded = meta.get("git_commit")
    if opts.commit is None and not isinstance(recorded, str):
        raise HistoryError(f"{data.run_dir}: run.json records no git commit; pass --commit SHA")
    commit, dirty = check_commit(
        opts.commit or str(recorded), where="--commit" if opts.commit else "run.json git_commit"
    )
    started = meta.get("started_at")
    if opts.when is None and not isinstance(started, str):
        raise HistoryError(f"{data.run_dir}: run.json records no started_at; pass --when ISO-TIME")
    when = check_when(opts.when or str(started), where="--when" if opts.when else "run.json started_at")
    name, cpu, cores, python = fingerprint(meta)
    machine = opts.machine or name
    args, versions = _table(meta, "args"), _table(meta, "versions")
    t = data.trials
    row = [
        key,
        str(meta.get("run_id") or t["run_id"].iloc[0]),
        commit,
        int(dirty),
        opts.branch or git.branch(),
        when,
        machine,
        cpu,
        cores,
        python,
        versions.get("pfcbench"),
        float(t["time_scale"].iloc[0]),
        int(t["seed"].iloc[0]),
        float(args.get("inject_slowdown", 1.0) or 1.0),
        str(data.run_dir),
        now,
    ]
    return row, commit, machine


def _fin(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _cell_rows(key: str, data: Any) -> list[list[Any]]:
    floor = {(r.scenario, r.executor): r for r in floor_split(data.trials, data.raw)}
    rows = []
    for frame in (data.trials, data.raw):
        for (sc, ex), g in frame.groupby(["scenario", "executor"], sort=False):
            f = floor.get((str(sc), str(ex)))
            split: list[Any] = [None] * 7
            if f is not None:
                ic = f.implementation_cost
                split = [
                    f.raw,
                    f.n,
                    _fin(f.raw_makespan.median),
                    _fin(f.machine_cost.median),
                    _fin(ic.median),
                    _fin(ic.ci.low),
                    _fin(ic.ci.high),
                ]
            rows.append([key, str(sc), str(ex), str(g["scenario_hash"].iloc[0]), *split])
    return rows


def _trial_rows(key: str, data: Any) -> list[list[Any]]:
    """Every trial; an executor's implementation cost per trial is reports' floor split before its median:
    (executor − its ideal) − (raw partner − its ideal), paired by trial. Raw references have none."""
    raw = {(r.scenario, r.executor, r.trial): r for r in data.raw.itertuples(index=False)}
    rows = []
    for is_ref, frame in ((False, data.trials), (True, data.raw)):
        for r in frame.itertuples(index=False):
            p = None if is_ref else raw.get((r.scenario, raw_partner(str(r.executor)), r.trial))
            impl = None if p is None else (r.makespan_ms - r.ideal_ms) - (p.makespan_ms - p.ideal_ms)
            rows.append([key, r.scenario, r.executor, int(r.trial), int(r.seed), float(r.time_scale),
                         float(r.makespan_ms), float(r.ideal_ms), float(r.lower_bound_ms), impl])  # fmt: skip
    return rows


def add_run(
    store: Store,
    run_dir: str | Path,
    opts: AddOptions,
    git: Git,
    *,
    now: str | None = None,
    between: Callable[[], None] | None = None,
) -> Added:
    """Add one run in one transaction; a run the store already holds is left as it is. ``between`` is
    called inside the transaction after the run's row (tests kill the process there)."""
    d = Path(run_dir)
    data = _load(d)
    key = run_key(d / "results.jsonl")
    stamp = now or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    run, commit, machine = _run_row(key, data, opts, git, stamp)
    cells, trials = _cell_rows(key, data), _trial_rows(key, data)
    with store.transaction() as conn:
        held = conn.execute("SELECT commit_id, machine FROM runs WHERE run_key = ?", (key,)).fetchone()
        if held is not None:  # as stored, whatever this call was told
            return Added(str(d), key, str(held[0]), str(held[1]), False, len(cells), len(trials))
        store.insert(conn, "runs", [run])
        if between is not None:
            between()
        store.insert(conn, "cells", cells)
        store.insert(conn, "trials", trials)
    return Added(str(d), key, commit, machine, True, len(cells), len(trials))
