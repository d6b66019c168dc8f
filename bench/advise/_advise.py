"""``advise``: search on a virtual clock, confirm by measurement, write advice.json, advice.md, pareto.png."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bench.advise._budget import check_search_budget
from bench.advise._chosen import Chosen
from bench.advise._config import AdviseConfig, AdviseError
from bench.advise._confirm import Measured, confirm
from bench.advise._fast import Evaluator, Prediction
from bench.advise._pareto import TIE, cost_key
from bench.advise._real_turn import real_turn_s
from bench.advise._render import write_advice
from bench.advise._search import Search, search, slo_pick
from bench.advise._space import Candidate, parse_current
from bench.run import RunError
from scenarios import make_plan

Progress = Callable[[str], None]

#: the wall time the confirmation run aims at when --trials is not given (advise must end within 60 s)
CONFIRM_BUDGET_S = 30.0
#: the p95 change's interval (hedge vs its twin, recommendation vs current) takes each side's p95 at 97.5%,
#: which needs 72 trials; 80 leave a margin. Fewer when the budget runs out (burst-429: ~20).
MAX_TRIALS, MIN_TRIALS = 80, 10
#: measured p50s within 3% are a tie (as predicted ones are): the tie goes to the lower p95, then to the
#: cheaper. Wider would trade the median for the tail beyond what a "within 5% of the best" check allows.
MEASURED_TIE = TIE
#: threaded@k and asyncio@k are predicted alike (the cheaper, threaded, stands for both), but their overheads
#: differ: a heavy-tail sweep on a loaded machine measured threaded+hedge 6.5% above its prediction, asyncio
#: 2%. The first pick's twin on the other runtime is confirmed too, so the measurement chooses.
RUNTIME_TWIN = {"threaded": "asyncio", "asyncio": "threaded"}


def advise(config: AdviseConfig, progress: Progress | None = None) -> dict[str, Any]:
    """Give advice for ``config.scenario`` into ``config.out``; returns advice.json's content."""
    say = progress or (lambda _: None)
    t0 = time.perf_counter()
    current = _current(config)
    check_search_budget(config.scenario, config.max_workers, config.plans, config.seed)
    found = search(config.scenario, config.max_workers, config.plans, config.seed)
    say(f"searched {found.evaluated} configurations in {time.perf_counter() - t0:.1f} s")
    calls = len(config.scenario.calls)
    picks = _picks(found, config, calls)
    cur = found.evaluator.predict(current) if current is not None else None
    todo = [p.candidate for p in picks] + ([current] if current is not None else [])
    todo = list(dict.fromkeys(todo))
    turn_s = real_turn_s(config.scenario, config.seed)
    if turn_s is not None:
        say(f"a sequential turn of the real tools took {turn_s * 1000:,.0f} ms")
    trials = config.trials or _auto_trials(list(picks) + ([cur] if cur else []), config.time_scale, turn_s)
    say(f"confirming {len(todo)} configurations over {trials} trials at time scale {config.time_scale:g}")
    measured = confirm(
        config.scenario, todo, trials=trials, seed=config.seed, time_scale=config.time_scale,
        out=config.out / "confirm",
    )  # fmt: skip
    # predicted again on exactly the plans measured, so prediction and measurement are paired
    same = Evaluator(config.scenario, [make_plan(config.scenario, config.seed, i) for i in range(trials)])
    picks = [same.predict(p.candidate) for p in picks]
    cur = same.predict(current) if current is not None else None
    ordered = _order(picks, measured, calls, config.slo_p95_ms)
    chosen = Chosen(ordered, cur, found, measured, trials, time.perf_counter() - t0)
    return write_advice(config, chosen)


def _current(config: AdviseConfig) -> Candidate | None:
    if config.current is None:
        return None
    try:
        return parse_current(config.current)
    except RunError as exc:
        raise AdviseError(str(exc).replace("`executor`", "`current`")) from None


def _picks(found: Search, config: AdviseConfig, calls: int) -> list[Prediction]:
    """The best ``config.confirm`` predictions, one per executor label; the SLO's pick; the unhedged
    twin of each that hedges (to measure what the hedge buys); and the first's twin on the other runtime."""
    picks: list[Prediction] = []
    seen: set[str] = set()
    for p in found.ranked:
        if p.candidate.base_label not in seen and len(picks) < config.confirm:
            picks.append(p)
            seen.add(p.candidate.base_label)
    if config.slo_p95_ms is not None:
        slo, _ = slo_pick(found, config.slo_p95_ms, calls)
        picks.insert(0, slo) if slo not in picks else None
    twins = [p.candidate.unhedged() for p in picks if p.candidate.hedge_q is not None]
    other = RUNTIME_TWIN.get(picks[0].candidate.executor)
    if other is not None:
        twins.append(replace(picks[0].candidate, executor=other))
    picks.extend(found.evaluator.predict(c) for c in twins)
    return list({p.candidate: p for p in picks}.values())


def _auto_trials(preds: list[Prediction], time_scale: float, real_turn_s: float | None = None) -> int:
    """``MAX_TRIALS`` unless that would run past ``CONFIRM_BUDGET_S``. With real tools a trial is sized by a
    measured sequential turn per configuration (no configuration is slower than one after another), not by
    predictions made from the tools' declared latencies."""
    per_trial = sum(p.p50_ms for p in preds) / 1000 * time_scale + 0.002 * len(preds)
    if real_turn_s is not None:
        per_trial = real_turn_s * len(preds) + 0.002 * len(preds)
    return max(MIN_TRIALS, min(MAX_TRIALS, int(CONFIRM_BUDGET_S / max(per_trial, 1e-9)) - 1))  # - warm-up


def _order(
    picks: list[Prediction], measured: dict[str, Measured], calls: int, slo: float | None
) -> list[Prediction]:
    """Best first by measurement: the fastest measured p50, ties (within ``MEASURED_TIE``) to the lower p95, then to the
    cheaper; with an SLO,
    the cheapest whose measured p95 meets it comes first."""
    m = {p.candidate.label: measured[p.candidate.label] for p in picks}
    best = min(v.p50_ms for v in m.values())
    tied = [p for p in picks if m[p.candidate.label].p50_ms <= best * (1 + MEASURED_TIE)]
    best95 = min(m[p.candidate.label].p95_ms for p in tied)
    tied = [p for p in tied if m[p.candidate.label].p95_ms <= best95 * (1 + TIE)]
    lead = min(tied, key=lambda p: (m[p.candidate.label].failed, cost_key(p, calls)))
    rest = sorted((p for p in picks if p is not lead), key=lambda p: m[p.candidate.label].p50_ms)
    out = [lead, *rest]
    if slo is not None:
        meet = [p for p in out if m[p.candidate.label].p95_ms <= slo]
        if meet:
            first = min(meet, key=lambda p: cost_key(p, calls))
            out = [first, *(p for p in out if p is not first)]
    return out
